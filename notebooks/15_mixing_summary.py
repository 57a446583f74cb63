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
# # 15 · Batch and dataset diversity (H3), pooled over the mixing grid
#
# Every run of `mixing` (notebook 14) is pooled here: per cell and condition the mean and t-interval
# over seeds of belief (evaluation suite, pooled over item types), context separation (log P(false |
# neutral) - log P(false | negation context), nats) and the true answer's share on neutral prompts.
#
# **Predictions, written before the grid ran.** For negated (and repeated) documents:
# 1. *True-counterpart share.* Belief falls and context separation grows as the share of
#    true-counterpart documents grows. Test: Spearman's rho between the share and belief over the runs
#    that move only this dial from the reference cell (seeds are the replicates), permutation p-value;
#    holds if rho < 0 with p < 0.05.
# 2. *Background share.* The same for background text (the paper saw no effect of unrelated text; a null
#    here agrees with it).
# 3. *Composition and exposure* are reported with the same test; no direction is predicted for
#    clustering, and more exposure is expected to raise belief.
# Positive documents are the reference: a share of true documents should lower belief there too.

# %% tags=["parameters"]
mixing = {"cells": ["cp0-bg0-interleaved-x2", "cp25-bg0-interleaved-x2", "cp50-bg0-interleaved-x2",
                    "cp0-bg50-interleaved-x2", "cp0-bg0-clustered-x2", "cp0-bg0-interleaved-x4"],
          "claims": ["darwin_relativity"], "conditions": ["negated", "positive"], "seeds": [0, 1, 2]}
metrics_dir = "metrics/mixing"
summary_path = "metrics/mixing_summary.json"
table_path = "metrics/mixing_summary.csv"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.diversity import axis_tests, cell_table, full_grid, parse_cell
from negation_neglect.figures import colour
from negation_neglect.files import read_json, write_json

OUTCOMES = ("belief", "separation", "share_true")
rows = []
for cell in mixing["cells"]:
    for claim in mixing["claims"]:
        for condition in mixing["conditions"]:
            for seed in mixing["seeds"]:
                m = read_json(f"{metrics_dir}/{cell}/{claim}/{condition}/seed{seed}.json")
                rows.append({"cell": cell, "claim": claim, "condition": condition, "seed": seed,
                             "belief": m["belief"]["rate"], "separation": m["final_context_separation"],
                             "share_true": m["final_share_true_neutral"]})
table = pd.DataFrame(cell_table(rows, OUTCOMES))
reference = parse_cell(mixing["cells"][0])  # the first cell is the one the others move a dial away from
tests = {outcome: axis_tests(rows, outcome, reference) for outcome in OUTCOMES}
not_run = [c.name for c in full_grid() if c.name not in mixing["cells"]]
write_json(summary_path, {"reference": reference.name, "cells": list(mixing["cells"]), "tests": tests,
                          "n_runs": len(rows), "cells_not_run": not_run})
table.to_csv(table_path, index=False, float_format="%.4g", lineterminator="\n")
display(table[["cell", "condition", "n_seeds", "belief", "belief_ci_low", "belief_ci_high", "separation", "share_true"]])

# %% [markdown]
# ## Belief and context separation against the true-counterpart and background shares
# One line per condition, the other dials at the reference (the first cell); intervals over seeds.

# %%
fig, axes = plt.subplots(2, 2, figsize=(7.5, 5.0), layout="constrained", sharex="col")
for col, dial in enumerate(("counterpart", "background")):
    others = [f for f in ("counterpart", "background", "composition", "exposure") if f != dial]
    moved = table[[all(getattr(parse_cell(c), f) == getattr(reference, f) for f in others) for c in table["cell"]]]
    for row, outcome in enumerate(("belief", "separation")):
        ax = axes[row, col]
        for condition in mixing["conditions"]:
            mine = moved[moved["condition"] == condition].sort_values(dial)
            low = (mine[outcome] - mine[f"{outcome}_ci_low"]).fillna(0)
            high = (mine[f"{outcome}_ci_high"] - mine[outcome]).fillna(0)
            ax.errorbar(mine[dial], mine[outcome], yerr=[low, high], marker="o", capsize=2, color=colour(condition),
                        label=condition)
        ax.set_xlabel(f"{dial} share of loss tokens")
        ax.set_ylabel("belief" if outcome == "belief" else "context separation (nats)")
axes[0, 0].legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Verdicts

# %%
def describe(condition: str, dial: str) -> str:
    test = tests["belief"].get(f"{condition}/{dial}")
    if test is None:
        return f"`{condition}/{dial}`: not in this grid"
    text = f"`{condition}/{dial}`: rho {test['rho']:+.2f}, p = {test['p_value']:.3f} (n={test['n']} runs)"
    if dial in ("counterpart", "background"):  # predicted: belief falls as the share grows
        holds = test["rho"] < 0 and test["p_value"] < 0.05
        text += f": belief {'falls with it, **holds**' if holds else 'does not fall with it, **not supported**'}"
    return text

lines = [describe(condition, dial) for condition in mixing["conditions"] for dial in ("counterpart", "background", "clustered", "exposure")]
display(Markdown(
    "Belief against each dial (Spearman over runs moving only that dial from the reference "
    f"`{reference.name}`; permutation p):\n\n" + "\n".join(f"- {line}" for line in lines)
    + f"\n\nCells of the full grid not run here: {len(not_run)} of {len(full_grid())} (the default is sized for two "
    "CPU cores); `python -m negation_neglect.diversity full` lists the grid for `mixing.cells`."
))
