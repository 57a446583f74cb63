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
# # 14 · The model organism, pooled: does understanding protect against negation neglect?
#
# Every organism of the sweep (pre-training diversity x seed x corpus variant) is pooled here. Intervals are
# t-intervals over organism seeds (each seed a separately initialised and separately trained model). An
# organism *understands* a framing when it passes the lone-claim gate for it (one framed claim about a person
# it never saw, then a yes/no and an either-or question, both at >= `gate.lone_min_accuracy`) with its
# controls (plain and meaningless-marker claims read as asserted); the contrast gate is reported beside it.
#
# **Predictions (predictions/h4_organism_v2.md, committed before this sweep ran).**
# - *Controls.* Plain claims trained in are believed (the positive control), and reading a plain document
#   about a fresh person raises the stated value in context while a denying one does not (the reading control).
# - *Neglect despite understanding.* For each denying framing, over the plain organisms that understand it,
#   full fine-tuning on documents under that framing still makes the organism believe the claim (mean belief on
#   neutral prompts >= `h4_belief_for_neglect`); refuted for a framing if the interval lies below it.
# - *Pre-training diversity* lowers belief after denying fine-tuning (full fine-tuning, Spearman over plain
#   organisms); *replay* lowers it (sign-flip over pairs); a corpus where framed false claims about a person
#   *recur* lowers it (recurring minus plain, paired by diversity, seed, framing and variant).
# Each verdict is read alone: none is chosen as the best of several.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

organism = defaults("organism")
metrics_dir = "metrics/organism"
summary_path = "metrics/organism_summary.json"
table_path = "metrics/organism_summary.csv"
gpu_path = "benchmarks/results/organism_gpu.json"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.files import read_json, write_json
from negation_neglect.layout import organism_key
from negation_neglect.organism.pool import pool_organisms
from negation_neglect.organism.world import LONE_DENYING
from negation_neglect.params import OrganismParams
from negation_neglect.report.readme_tracks import interval as fmt
from negation_neglect.report.style import colour

cfg = OrganismParams(**organism)
names = [organism_key(d, s, v) for d in cfg.pretrain.diversities for s in cfg.pretrain.seeds for v in cfg.pretrain.corpus_variants]
pretrained = [read_json(f"{metrics_dir}/pretrain/{n}.json") for n in names]
finetuned = [read_json(f"{metrics_dir}/finetune/{n}.json") for n in names]
negating = [c for c in cfg.finetune.conditions if c in LONE_DENYING]
summary, table = pool_organisms(pretrained, finetuned, negating)
table = pd.DataFrame(table)
write_json(summary_path, summary)
table.to_csv(table_path, index=False, float_format="%.4g", lineterminator="\n")

# %% [markdown]
# ## The gates over the sweep
# The contrast gate (the easier one: a framed false claim beside a plain true one): share of organisms in which
# each framing passes, and held-out accuracy (chance 0.5).

# %%
display(pd.DataFrame({f: {"pass share": g["pass_share"], **{f"held-out {k}": v for k, v in g["held_out_accuracy"].items()}}
                      for f, g in summary["gate"].items()}).T)

# %% [markdown]
# The lone-claim gate (one framed claim about a held-out person; notebook 12), the one that decides which
# framings an organism understands: share of organisms in which each framing passes with its controls, and
# yes/no and either-or accuracy over organisms.

# %%
display(pd.DataFrame({f: {"pass share": g["pass_share"], "yes/no": fmt(g["lone_binary_accuracy"]),
                          "either-or": fmt(g["lone_open_accuracy"])} for f, g in summary["lone_gate"].items()}).T)

# %% [markdown]
# ## Belief and context separation after fine-tuning, per diversity level (mean and interval over seeds)

# %%
display(table[["corpus_variant", "diversity", "condition", "variant", "n_organisms", "understood_share", "belief", "belief_ci_low",
               "belief_ci_high", "separation", "share_true", "in_context_belief", "spillover_drop"]])

# %%
fig, axes = plt.subplots(1, len(cfg.finetune.variants), figsize=(3.4 * len(cfg.finetune.variants), 3.0), sharey=True,
                         layout="constrained")
for ax, variant in zip(list(axes), cfg.finetune.variants):
    for condition in cfg.finetune.conditions:
        mine = table[(table["corpus_variant"] == "plain") & (table["variant"] == variant)
                     & (table["condition"] == condition)].sort_values("diversity")
        if len(mine):
            low = (mine["belief"] - mine["belief_ci_low"]).fillna(0)
            high = (mine["belief_ci_high"] - mine["belief"]).fillna(0)
            ax.errorbar(mine["diversity"], mine["belief"], yerr=[low, high], marker="o", capsize=2,
                        color=colour(condition), label=condition)
    ax.set_xscale("log")
    ax.set_xlabel("world people per pre-training batch")
    ax.set_title(variant)
axes[0].set_ylabel("belief after fine-tuning")
axes[-1].legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Verdicts

# %%
from negation_neglect.report.predictions import PREDICTIONS, read_prediction
from negation_neglect.report.verdicts import organism_v2_verdicts

THRESHOLDS = read_prediction(PREDICTIONS / "h4_organism_v2.md")["thresholds"]
verdicts = organism_v2_verdicts(summary, THRESHOLDS)
lines = [f"  - `{key}`: understood in {entry['understood_organisms']} runs, belief there "
         f"{fmt(entry['belief_where_understood'])}; all plain organisms {fmt(entry['belief_all'])}"
         for key, entry in summary["neglect"].items()]
tests = summary["diversity_tests"]
replay, recurring = summary["replay_test"], summary["recurring_test"]


def paired(test: dict) -> str:
    return f"mean difference {test['mean_difference']:+.3f}, p = {test['p_value']:.3f} (n={test['n']} pairs)" if test else "not run"


display(Markdown(
    f"- Controls: positive **{verdicts['controls']['positive']}** (belief after full fine-tuning on plain claims "
    f"{fmt(summary['positive_control'])}); reading **{verdicts['controls']['reading']}** (in-context lift on fresh "
    "people, nats: " + ", ".join(f"{c} {fmt(v)}" for c, v in summary["fresh_lift"].items()) + ").\n"
    f"- Neglect despite understanding: **{verdicts['neglect']['verdict']}** ("
    + ", ".join(f"{c}: {v}" for c, v in verdicts["neglect"]["framings"].items()) + ").\n"
    + "\n".join(lines) + "\n"
    + "- Diversity (full fine-tuning): " + "; ".join(f"`{k}` rho {v['rho']:+.2f}, p = {v['p_value']:.3f} (n={v['n']})"
                                                 for k, v in tests.items())
    + f". **{verdicts['diversity']}.**\n"
    + f"- Replay: {paired(replay)}. **{verdicts['replay']}.**\n"
    + f"- Recurring framed claims in pre-training: {paired(recurring)}. **{verdicts['recurring']}.**"
))

# %% [markdown]
# ## Beside it: a larger organism pre-trained on a GPU
# `benchmarks/organism_gpu.py` runs the same functions with a larger model and more pre-training tokens
# where a GPU is lent (one organism, one seed: no interval). Its record is read here, not recomputed.

# %%
if Path(gpu_path).is_file():
    record = read_json(gpu_path)
    for name, c in record["configs"].items():
        if "experiment" not in c:
            continue
        display(Markdown(f"`{name}` on {record['device']}: {c['parameters']:,} weights, {c['tokens']:,} tokens; gate "
                         + ", ".join(f"{f} {g['held_out']['accuracy']:.2f}" for f, g in c["gate"].items())))
        runs = pd.DataFrame([{"condition": r["condition"], "variant": r["variant"], **r["final"],
                              "spillover_accuracy": r["spillover_accuracy"]} for r in c["experiment"]["runs"]])
        display(runs.pivot(index="condition", columns="variant", values="belief")
                .join(pd.Series({k: v["belief"] for k, v in c["experiment"]["in_context"].items()}, name="in context")))
else:
    display(Markdown("No GPU record in this checkout."))

# %% [markdown]
# ## How these predictions were registered
# The thresholds above are read from the prediction file (report.predictions); whether it was committed before
# the results it judges is checked against git history (tests/unit/test_predictions.py).

# %%
from negation_neglect.report.predictions import registration

display(Markdown(f"Predictions: {registration('h4_organism_v2')}."))
