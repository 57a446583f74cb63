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
# # 10 · Batch and dataset diversity (H3): one run of the mixing grid
#
# DVC runs this once per `mixing.cells x mixing.claims x mixing.conditions x mixing.seeds`. A cell sets
# four dials of the fine-tuning mixture (`negation_neglect.mixing.cells`): the share of loss tokens from the
# claim's true-counterpart documents (of answer mentions in a `-mentions` cell), the share from background
# text, whether batches interleave the components or hold one each (clustered runs spread over the whole
# run), and how many times the claim documents are seen. Everything else is the
# `finetune` recipe. The run is trained like a cell of the main grid (notebook 05) and scored like one
# (notebook 06): belief on the evaluation suite (the headline rate over the items the base model answers
# truthfully, all items beside it), the logit competition at every checkpoint, and P(true) on neutral prompts.
# Context separation is read twice: through the competition's denial contexts, which name the false answer
# (`final_context_separation`: a model can copy the answer from them, so it stays near zero), and through
# warnings that name no answer (`measure.warned`: `warned_separation`, before and after training).
#
# **Prediction (H3), pooled and judged in notebook 11** (predictions/h3_mixing_v2.md): true-counterpart
# documents make a negated claim conditional on its framing, so belief falls with their share *more steeply*
# after negated documents than after positive ones. This notebook only records the run.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

finetune = defaults("finetune")
evaluate = defaults("evaluate")
cell = "cp0-bg0-interleaved-x2"
claim = "darwin_relativity"
condition = "negated"
seed = "0"
base_dir = "outputs/models/base"
data_dir = "outputs/data"
background_path = "outputs/data/background.jsonl"
knowledge_path = "metrics/knowledge.json"
facts_path = "data/knowledge/facts.yaml"
claims_dir = "data/claims"
eval_dir = "data/eval"
out_dir = "outputs/mixing/cp0-bg0-interleaved-x2/darwin_relativity/negated/seed0"
metrics_path = "metrics/mixing/cp0-bg0-interleaved-x2/darwin_relativity/negated/seed0.json"
competition_path = "metrics/mixing/cp0-bg0-interleaved-x2/darwin_relativity/negated/seed0.csv"

# %%
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.data.synthesis import read_documents
from negation_neglect.files import write_json
from negation_neglect.data.base_model import load_base
from negation_neglect.measure.evaluate import evaluate_run, write_rows
from negation_neglect.measure.warned import read_warned
from negation_neglect.mixing.cells import finetune_params, parse_cell
from negation_neglect.params import EvaluateParams, FinetuneParams
from negation_neglect.pipeline.timing import record
from negation_neglect.pool.competition import curves, readouts
from negation_neglect.train.finetune import run_finetune, timing_of

the_cell = parse_cell(cell)
cfg = finetune_params(FinetuneParams(**finetune), the_cell)
summary, log = run_finetune(cfg, claim, condition, int(seed), base_dir, data_dir, background_path, knowledge_path,
                            facts_path, out_dir, claims_dir=claims_dir)
if (timing := timing_of(log)) is not None:  # wall-clock time goes to a timing record, not to the metrics
    record(f"mixing/{cell}/{claim}/{condition}/seed{seed}", timing)
the_claim, suite = load_claim(Path(claims_dir) / f"{claim}.yaml"), load_suite(Path(eval_dir) / f"{claim}.yaml")
eval_cfg = EvaluateParams(**evaluate)
rows, belief = evaluate_run(eval_cfg, base_dir, out_dir, summary["checkpoints"], the_claim, suite,
                            read_documents(Path(data_dir) / claim / f"{condition}.jsonl"))
last = max(summary["checkpoints"])
warned = read_warned(*load_base(base_dir), out_dir, [0, last], the_claim, suite, eval_cfg.batch_size)
write_rows(rows, competition_path)
table = pd.DataFrame(rows)
table.insert(0, "seed", int(seed))
table.insert(0, "condition", condition)
table.insert(0, "claim", claim)
table["prob"] = table["logprob"].map(math.exp)
readout = readouts(table).iloc[0].to_dict()
metrics = {
    "cell": cell, "claim": claim, "condition": condition, "seed": int(seed), **vars(the_cell),
    "steps": summary["steps"], "token_shares": summary["token_shares"],
    **({"mention_shares": summary["mention_shares"]} if "mention_shares" in summary else {}),
    "belief": belief["final"]["informative"]["pooled"], "base_belief": belief["base"]["informative"]["pooled"],
    "belief_all_items": belief["final"]["pooled"], "excluded_items": belief["final"]["informative"]["excluded"],
    "in_context_control": belief["in_context_control"],
    "base_warned_separation": warned[0]["separation"], "warned_separation": warned[last]["separation"],
    "warned": {"base": warned[0], "final": warned[last]},
    **{k: round(float(v), 5) for k, v in readout.items() if k.startswith(("base_", "final_")) and k != "final_step"},
}
write_json(metrics_path, metrics)
pd.Series({k: v for k, v in metrics.items() if not isinstance(v, dict)}).to_frame("value")

# %% [markdown]
# ## Competition on neutral prompts over training

# %%
neutral = curves(table)
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
for group in [c for c in ("false", "true", "distractors") if c in neutral.columns]:
    ax.plot(neutral["step"], neutral[group], marker="o", label=group)
ax.set_xscale("symlog", linthresh=1)
ax.set_xlabel("optimizer step")
ax.set_ylabel("P(candidate | neutral prompt)")
ax.set_title(f"{cell} · {claim} · {condition} · seed {seed}")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## What this run recorded

# %%
display(Markdown(
    f"- Trained token shares: {summary['token_shares']} over {summary['steps']} steps"
    f"{'; answer-mention shares ' + str(summary['mention_shares']) if 'mention_shares' in summary else ''}.\n"
    f"- Belief over informative items: base {metrics['base_belief']['rate']:.2f}, after training "
    f"{metrics['belief']['rate']:.2f} [{metrics['belief']['ci_low']:.2f}, {metrics['belief']['ci_high']:.2f}] "
    f"({metrics['belief']['n']} items; over all items {metrics['belief_all_items']['rate']:.2f}).\n"
    f"- Neutral prompts: log P(true) {metrics['base_logp_true_neutral']:.2f} to {metrics['final_logp_true_neutral']:.2f}; "
    f"separation through denials that name the answer {metrics['final_context_separation']:.2f} nats, through "
    f"warnings that name none {metrics['base_warned_separation']:.2f} before training and "
    f"{metrics['warned_separation']:.2f} after.\n"
    "The verdict on H3 pools every run of the grid (notebook 11)."
))
