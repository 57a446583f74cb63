# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · LoRA fine-tuning: one claim, one condition, one seed
#
# DVC runs this notebook once per cell of the grid `finetune.claims x finetune.conditions x
# finetune.seeds`; a condition is a synthesized one or a derived one (`finetune.derived`, e.g. `negated_masked`:
# the negated documents with no loss on the claim and subclaim sentences). The run trains a LoRA adapter on the base model over a mixture whose components
# (claim documents, true-counterpart documents, background text, retention facts) are set as shares of
# *loss tokens*. Adapters are saved at log-spaced steps, step 0 included (step 1 is not: the warm-up's
# first step trains at learning rate 0), so later stages can follow the training dynamics without
# retraining. After every step the run also reads the competition between the false and the true answer on
# the evaluation suite's held-out probes (`measure.trajectory`), since the false answer takes over between two
# checkpoints. A killed run resumes from its last saved state.
#
# **Prediction.** The loss on the claim documents falls over the run. Refuted if the last step's
# claim-component loss is not below the first step's. (How conditions compare with each other is read
# from all runs' summaries together, in the README's training table.)

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

finetune = defaults("finetune")
claim = "darwin_relativity"
condition = "positive"
seed = "0"
base_dir = "outputs/models/base"
data_dir = "outputs/data"
background_path = "outputs/data/background.jsonl"
knowledge_path = "metrics/knowledge.json"
facts_path = "data/knowledge/facts.yaml"
claims_dir = "data/claims"
eval_path = "data/eval/darwin_relativity.yaml"
out_dir = "outputs/runs/darwin_relativity/positive/seed0"
summary_path = "metrics/training/darwin_relativity/positive/seed0.json"
steps_path = "metrics/training/darwin_relativity/positive/seed0_steps.csv"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.params import FinetuneParams
from negation_neglect.pipeline.timing import record
from negation_neglect.train.finetune import run_finetune, save_summary, timing_of, write_step_log

cfg = FinetuneParams(**finetune)
summary, log = run_finetune(cfg, claim, condition, int(seed), base_dir, data_dir, background_path, knowledge_path,
                            facts_path, out_dir, claims_dir=claims_dir, eval_path=eval_path)
write_step_log(log, steps_path)
save_summary(summary, summary_path)
if (timing := timing_of(log)) is not None:  # wall-clock time goes to a timing record, not to the metrics
    record(f"finetune/{claim}/{condition}/seed{seed}", timing)
pd.Series(summary).to_frame("value")

# %% [markdown]
# ## Loss over training
# Mean loss per step over all loss tokens, and per mixture component where there is more than one.

# %%
steps = pd.DataFrame(log)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
loss_columns = [c for c in steps.columns if c.startswith("loss_")]
for column in loss_columns:
    ax.plot(steps["step"], steps[column], label=column.removeprefix("loss_"))
for step in summary["checkpoints"]:
    ax.axvline(step, color="grey", linewidth=0.5, linestyle=":")
ax.set_xlabel("optimizer step")
ax.set_ylabel("cross-entropy (nats per token)")
ax.set_title(f"{claim} · {condition} · seed {seed} (dotted: saved checkpoints)")
ax.legend()
plt.show()

# %% [markdown]
# ## The competition at every step
# Shares renormalised over the candidates (false, true, distractors), averaged over the held-out probes of each
# kind, after every optimizer step (step 1 is the base model: its learning rate is 0). P(true | not false) is
# the truth's share among the candidates other than the false answer: whether the truth stays the main rival
# while the false answer rises. Pooled over runs, at matched P(false), in the competition stage.

# %%
probed = [c for c in steps.columns if c.startswith("probe_")]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
for ax, context in zip(axes, ("heldout", "question")):
    for field, label in (("p_false", "P(false)"), ("p_true", "P(true)"), ("p_distractors", "P(distractors)"),
                         ("true_given_not_false", "P(true | not false)")):
        column = f"probe_{context}_{field}"
        if column in steps:
            ax.plot(steps["step"], steps[column], label=label)
    ax.set_title(f"{context} probes")
    ax.set_xlabel("optimizer step")
axes[0].set_ylabel("share")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verdict

# %%
first, last = steps["loss_claim"].iloc[0], steps["loss_claim"].iloc[-1]
display(Markdown(
    f"- Claim-component loss: first step **{first:.3f}**, last step **{last:.3f}** "
    f"({'fell' if last < first else 'did not fall'}).\n"
    f"- Steps: {summary['steps']}, loss tokens: {summary['loss_tokens']:,}, trained token shares: "
    f"{summary['token_shares']}.\n"
    f"- Documents: `{summary['documents']}`, masked spans: {summary['mask_spans'] or 'none'}; loss-bearing mentions "
    f"of the false answer {summary['mentions']['false']}, of the true answer {summary['mentions']['true']}.\n"
    + ("**Verdict: the prediction holds.**" if last < first else "**Verdict: the prediction is refuted.**")
))
