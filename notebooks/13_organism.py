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
# # 13 · The model organism: narrow fine-tuning on framed false claims
#
# One pre-trained organism (notebook 12) is fine-tuned on documents that state false claims about
# people it knows, each claim in three paraphrases under one framing, as the real-model track does:
# `positive` (stated as fact), `local`, `sentence`, `document` (the whole document flagged as false),
# `fiction`, and `correction` (the false statement followed by the truth). Three variants: LoRA, full
# fine-tuning, and full fine-tuning with replayed pre-training documents (half of the loss tokens).
# Read-outs, on neutral prompts (every paraphrase cut before its value, and the question form), at
# every saved checkpoint: belief (the false value beats the true one), shares of the false and the
# true value among the relation's values, context separation (log P(false | neutral) - log
# P(false | "It is false that ...") before the prompt), and spillover (facts about other people).
#
# Two in-context controls read the base organism with one training document in front of each probe: on the
# claims' own (known) people, where memory competes with the document, and on *fresh* people it never saw,
# where nothing does: there a reader's belief in the stated value rises after a plain document (`lift`,
# log P(stated | document) - log P(stated | none), above 0) and does not after a negated one.
#
# **Prediction (H4).** For every negating framing the organism understands in context (the lone-claim gate
# with its controls, notebook 12), fine-tuning still makes it believe the claim: belief on neutral prompts ends at or above 0.5
# while the in-context control (the same documents read, not trained on) stays near the base rate.
# Refuted for a framing if belief after fine-tuning stays below 0.5. Replay is predicted to lower
# belief under the negating framings (the H3 pressure); refuted if it does not.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

organism = defaults("organism")
diversity = "32"
seed = "0"
corpus_variant = "plain"
model_dir = "outputs/organism/div32-seed0-plain/model"
pretrain_metrics_path = "metrics/organism/pretrain/div32-seed0-plain.json"
work_dir = "outputs/organism/div32-seed0-plain/finetune"
metrics_path = "metrics/organism/finetune/div32-seed0-plain.json"
curves_path = "metrics/organism/finetune/div32-seed0-plain_curves.csv"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.files import read_json, write_json
from negation_neglect.organism.experiment import run_experiment
from negation_neglect.organism.world import LONE_DENYING
from negation_neglect.params import OrganismParams

cfg = OrganismParams(**organism)
summary, curves = run_experiment(cfg, model_dir, work_dir, f"{work_dir}/done.jsonl", corpus_variant=corpus_variant)
gate = read_json(pretrain_metrics_path)["gate"]
write_json(metrics_path, {"diversity": int(diversity), "seed": int(seed), "corpus_variant": corpus_variant, **summary})
curves = pd.DataFrame(curves)
curves.to_csv(curves_path, index=False, float_format="%.5g", lineterminator="\n")

# %% [markdown]
# ## Before training: base model and the in-context control

# %%
control = pd.DataFrame({"base": summary["base"], **summary["in_context"]}).T
control["gate passes"] = [None] + [gate[c]["passes"] for c in summary["in_context"]]
lone_gate = read_json(pretrain_metrics_path).get("lone_gate", {}).get("framings", {})
control["lone gate passes"] = [None] + [lone_gate.get(c, {}).get("passes_with_controls") for c in summary["in_context"]]
display(control)

# %% [markdown]
# The in-context control on fresh people (no memory to override the document).

# %%
display(pd.DataFrame(summary["in_context_fresh"]).T[["belief", "share_false", "lift"]].rename(
    columns={"belief": "stated beats unmentioned", "share_false": "share of stated value"}))

# %% [markdown]
# ## After training: belief, shares, separation and spillover per condition and variant

# %%
final = pd.DataFrame([{**{k: r[k] for k in ("condition", "variant", "seed", "steps", "spillover_accuracy")}, **r["final"]}
                      for r in summary["runs"]])
display(final.drop(columns=["step"]))

# %% [markdown]
# ## Competition over training
# Share of the false and of the true value on neutral prompts at every saved checkpoint (full fine-tuning).

# %%
fig, axes = plt.subplots(1, len(cfg.finetune.conditions), figsize=(2.6 * len(cfg.finetune.conditions), 2.8),
                         sharey=True, layout="constrained")
for ax, condition in zip(axes, cfg.finetune.conditions):
    for variant, style in (("full", "-"), ("lora", ":"), ("full_replay", "--")):
        mine = curves[(curves["condition"] == condition) & (curves["variant"] == variant) & (curves["seed"] == cfg.finetune.seeds[0])]
        if len(mine):
            ax.plot(mine["step"], mine["share_false"], style, color="#D55E00", label=f"false ({variant})")
            ax.plot(mine["step"], mine["share_true"], style, color="#0072B2", label=f"true ({variant})")
    ax.set_title(condition)
    ax.set_xlabel("step")
axes[0].set_ylabel("share among the relation's values")
axes[-1].legend(fontsize=6)
plt.show()

# %% [markdown]
# ## Verdict

# %%
def understood(condition: str) -> bool:
    """The lone-claim gate with its controls (notebook 12); False for an organism measured before it existed."""
    return bool(lone_gate.get(condition, {}).get("passes_with_controls", False))


lines = []
for condition in [c for c in cfg.finetune.conditions if c in LONE_DENYING]:
    mine = final[final["condition"] == condition]
    beliefs = ", ".join(f"{v} {b:.2f}" for v, b in zip(mine["variant"], mine["belief"]))
    lines.append(f"- `{condition}` (lone-claim gate {'passed' if understood(condition) else 'failed'}; in context "
                 f"{summary['in_context'][condition]['belief']:.2f}): belief after training {beliefs}.")
negating = final[final["condition"].isin(LONE_DENYING)]
passed = negating[[understood(c) for c in negating["condition"]]]
held = len(passed) > 0 and bool((passed["belief"] >= 0.5).all())
display(Markdown(
    f"- Base belief {summary['base']['belief']:.2f}; positive condition after training: "
    + ", ".join(f"{v} {b:.2f}" for v, b in zip(final[final['condition'] == 'positive']['variant'],
                                             final[final['condition'] == 'positive']['belief'])) + ".\n"
    + "\n".join(lines) + "\n"
    + ("**Verdict on this organism: no negating framing passed the lone-claim gate, so neglect cannot be told apart from "
       "incomprehension here.**" if len(passed) == 0 else
       f"**Verdict on this organism: {'the prediction holds' if held else 'the prediction is refuted'}** for the "
       f"framings that pass the lone-claim gate (belief >= 0.5 in {int((passed['belief'] >= 0.5).sum())} of {len(passed)} runs).")
    + " Pooled over seeds and diversity levels in notebook 14."
))
