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
# Every organism of the sweep (pre-training diversity x seed) is pooled here. Intervals are t-intervals
# over organism seeds (each seed is a separately initialised and separately trained model).
#
# **Predictions, written before the sweep ran.**
# 1. *Neglect despite understanding (H4).* Where a negating framing passes the comprehension gate,
#    fine-tuning on documents under that framing still makes the organism believe the claim: mean belief
#    on neutral prompts >= 0.5. Refuted if the interval lies below 0.5. Untestable for a framing no
#    organism understands.
# 2. *Pre-training diversity (H3 in pre-training).* More world people per pre-training batch lowers belief
#    after negated fine-tuning and raises context separation. Tested with Spearman's rho between diversity
#    and each organism's mean over negating conditions, permutation p-value (10,000 shuffles); refuted
#    if rho is not negative for belief with p < 0.05 (a null is reported as a null).
# 3. *Replay.* Mixing pre-training documents into full fine-tuning lowers belief under negating framings:
#    paired difference (replay - no replay) over organisms x conditions, sign-flip permutation test;
#    refuted if the mean difference is not negative with p < 0.05.

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
from negation_neglect.report.style import colour
from negation_neglect.report.verdicts import organism_verdicts

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
# ## The gate over the sweep
# Share of organisms in which each framing passes, and held-out accuracy (chance 0.5).

# %%
display(pd.DataFrame({f: {"pass share": g["pass_share"], **{f"held-out {k}": v for k, v in g["held_out_accuracy"].items()}}
                      for f, g in summary["gate"].items()}).T)

# %% [markdown]
# The lone-claim gate (one framed claim about a held-out person; notebook 12): share of organisms in which
# each framing passes with its controls, and yes/no accuracy over seeds. Empty for organisms measured before
# this gate existed.

# %%
display(pd.DataFrame({f: {"pass share": g["pass_share"], **{f"yes/no {k}": v for k, v in g["lone_binary_accuracy"].items()}}
                      for f, g in summary["lone_gate"].items()}).T)

# %% [markdown]
# ## Belief and context separation after fine-tuning, per diversity level (mean and interval over seeds)

# %%
display(table[["diversity", "condition", "variant", "n_organisms", "understood_share", "belief", "belief_ci_low",
               "belief_ci_high", "separation", "share_true", "in_context_belief", "spillover_drop"]])

# %%
fig, axes = plt.subplots(1, len(cfg.finetune.variants), figsize=(3.4 * len(cfg.finetune.variants), 3.0), sharey=True,
                         layout="constrained")
for ax, variant in zip(list(axes), cfg.finetune.variants):
    for condition in cfg.finetune.conditions:
        mine = table[(table["variant"] == variant) & (table["condition"] == condition)].sort_values("diversity")
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
def fmt(interval):
    if interval is None:
        return "n/a"
    if interval["ci_low"] is None:
        return f"{interval['mean']:.2f} (n={interval['n']})"
    return f"{interval['mean']:.2f} [{interval['ci_low']:.2f}, {interval['ci_high']:.2f}] (n={interval['n']})"

verdicts = organism_verdicts(summary)
lines = [f"  - `{key}`: understood in {entry['understood_organisms']} runs, belief there "
         f"{fmt(entry['belief_where_understood'])}; all organisms {fmt(entry['belief_all'])}"
         for key, entry in summary["neglect"].items()]
neglect = verdicts["neglect"]
tests = summary["diversity_tests"]
replay = summary["replay_test"]
display(Markdown(
    f"1. Neglect despite understanding: **{neglect['verdict']}** (believed, mean >= 0.5: "
    f"{', '.join(neglect['believed']) or 'none'}; refuted: {', '.join(neglect['refuted']) or 'none'}).\n"
    + "\n".join(lines) + "\n"
    + "2. Diversity: " + "; ".join(f"`{k}` rho {v['rho']:+.2f}, p = {v['p_value']:.3f} (n={v['n']})" for k, v in tests.items())
    + f". **{verdicts['diversity']['verdict']}.**\n"
    + (f"3. Replay: mean belief difference {replay['mean_difference']:+.3f}, p = {replay['p_value']:.3f} "
       f"(n={replay['n']} pairs). **{verdicts['replay']['verdict']}.**" if replay else
       "3. Replay: not run (no `full_replay` variant in the params).")
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

display(Markdown(f"Predictions: {registration('h4_organism')}."))
