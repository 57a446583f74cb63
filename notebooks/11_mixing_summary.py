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
# # 11 · Batch and dataset diversity (H3), pooled over the mixing grid
#
# Every run of `mixing` (notebook 10) is pooled here: per cell and condition the mean and t-interval
# over seeds of belief (evaluation suite, pooled over item types), context separation (log P(false |
# neutral) - log P(false | negation context), nats) and the true answer's share on neutral prompts.
#
# **Predictions, written before the grid ran.** For negated (and repeated) documents:
# 1. *True-counterpart share.* Belief falls and context separation grows as the share of
#    true-counterpart documents grows.
# 2. *Background share.* The same for background text (the paper saw no effect of unrelated text; a null
#    here agrees with it).
# 3. *Composition and exposure* are reported with the same tests; no direction is predicted for
#    clustering, and more exposure is expected to raise belief. The first plan clustered the reference cell,
#    which holds the claim documents alone; its first runs trained on exactly the reference's batches (same
#    metrics to the last digit), so clustering was moved beside true-counterpart documents and such cells are
#    now refused by name.
#
# Positive documents are the reference: true documents should lower belief there too, by dilution alone;
# H3 is about the negated condition becoming *conditional* on its framing, which context separation reads.
#
# **Tests.** Over the runs whose cells differ only in one dial, at the reference cell (the first in
# `mixing.cells`) where the dial moves there, seeds as the replicates: the least-squares slope of the read-out on the dial, with its t-interval and
# p-value (the main effect), and beside it Spearman's rho with a permutation p. The plan first named the
# permutation test alone; before any result was read it was seen that six runs on two levels (three seeds
# each) allow no permutation p below 0.1 (`p_floor` below), so a two-level dial could never pass it, and
# the slope test was made the main one. Verdict per dial (`negation_neglect.verdicts.mixing_verdicts`):
# **held** when belief falls and separation grows, each with p < 0.05; **partly held** when one of the two
# does; **did not hold** otherwise. H3 as a whole takes the best verdict of any predicted dial.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

mixing = defaults("mixing")
metrics_dir = "metrics/mixing"
summary_path = "metrics/mixing_summary.json"
table_path = "metrics/mixing_summary.csv"

# %%
import io
from pathlib import Path

import matplotlib
import pandas as pd
from IPython.display import Image, Markdown, display

from negation_neglect.files import write_json
from negation_neglect.mixing.cells import full_grid, parse_cell
from negation_neglect.mixing.pool import axis_tests, cell_table, run_rows
from negation_neglect.pool.stats import p_text
from negation_neglect.report.figures import mixing_overview
from negation_neglect.report.style import STYLE, Inputs
from negation_neglect.report.verdicts import THRESHOLDS, mixing_verdicts

OUTCOMES = ("belief", "separation", "share_true")
rows = run_rows(metrics_dir, mixing["cells"], mixing["claims"], mixing["conditions"], mixing["seeds"])
table = pd.DataFrame(cell_table(rows, OUTCOMES))
reference = parse_cell(mixing["cells"][0])  # the first cell is the one the others move a dial away from
tests = {outcome: axis_tests(rows, outcome, reference) for outcome in OUTCOMES}
not_run = [c.name for c in full_grid() if c.name not in mixing["cells"]]
summary = {"reference": reference.name, "cells": list(mixing["cells"]), "claims": list(mixing["claims"]),
           "conditions": list(mixing["conditions"]), "seeds": [int(s) for s in mixing["seeds"]], "n_runs": len(rows),
           "tests": tests, "cells_not_run": not_run}
summary["verdicts"] = mixing_verdicts(summary)
write_json(summary_path, summary)
table.to_csv(table_path, index=False, float_format="%.4g", lineterminator="\n")
display(table[["cell", "condition", "n_seeds", "belief", "belief_ci_low", "belief_ci_high", "separation",
               "separation_ci_low", "separation_ci_high", "share_true"]].round(3))

# %% [markdown]
# ## The main effects, dial by dial
# Slope of each read-out per unit of the dial (a share from 0 to 1; clustered as 0/1; exposure in passes),
# its 95% t-interval and p; Spearman's rho and its permutation p, with the smallest p those runs allow.

# %%
effects = pd.DataFrame([{"outcome": outcome, "condition/dial": key, **test}
                        for outcome, by_key in tests.items() for key, test in by_key.items()])
display(effects[["outcome", "condition/dial", "at", "n", "slope", "slope_ci_low", "slope_ci_high", "slope_p", "rho",
                 "p_value", "p_floor"]])

# %% [markdown]
# ## Belief and context separation against the added shares; competition over training
# Solid: true-counterpart share, dashed: background share, the other dials at the reference; one colour per
# condition, intervals over seeds. Right: P(false | neutral) against passes over the claim documents (cells
# that add text take more steps for the same passes), mean over seeds, one line per cell.

# %%
with matplotlib.rc_context(STYLE):  # the paper's figure (stage `figures`), drawn from the files just written
    figure = mixing_overview(Inputs(Path(summary_path).parent, Path(), mixing["claims"], mixing["conditions"],
                                    mixing["seeds"]))
    png = io.BytesIO()
    figure.savefig(png, format="png", metadata={"Software": None})
display(Image(png.getvalue()))

# %% [markdown]
# ## Verdicts

# %%
def describe(key: str, entry: dict) -> str:
    b, s, pos = entry["belief"], entry["separation"], entry["positive_belief"]
    if b is None:
        return f"`{key}`: not in this grid"
    span = b["span"]
    text = (f"`{key}` (**{entry['verdict']}**): belief changes by {100 * b['slope'] * span:+.0f} points over a "
            f"share range of {span:g}, 95% CI [{100 * b['slope_ci_low'] * span:+.0f}, "
            f"{100 * b['slope_ci_high'] * span:+.0f}], {p_text(b['slope_p'])}; separation by "
            f"{s['slope'] * span:+.2f} nats [{s['slope_ci_low'] * span:+.2f}, {s['slope_ci_high'] * span:+.2f}], "
            f"{p_text(s['slope_p'])}")
    if pos:
        text += (f"; positive documents' belief by {100 * pos['slope'] * span:+.0f} points ({p_text(pos['slope_p'])})")
    return text


def reading(key: str, entry: dict) -> str:
    """What the directions mean for H3, in words (no numbers: those are in the list above)."""
    condition, dial = key.split("/")
    if entry["verdict"] == "not run":
        return ""
    moved = {"no clear change": "showed no clear change"}
    added = {"counterpart": "true-counterpart documents", "background": "background text"}[dial]
    words = [f"With more {added}, belief after {condition} documents {moved.get(entry['belief_moved'], entry['belief_moved'])}"]
    if entry["positive_belief_moved"] == entry["belief_moved"] == "fell":
        words.append("and it fell after positive documents too, so the added text lowers belief whatever the framing")
    sep = entry["separation_moved"]
    if sep == "fell":
        words.append("context separation fell: the negation context now raises the false answer more than a neutral "
                     "prompt does, so the claim did not become conditional on its framing")
    elif sep == "rose":
        words.append("context separation rose: the false answer became more conditional on its framing")
    else:
        words.append("context separation showed no clear change")
    return "; ".join(words) + "."


verdicts = summary["verdicts"]
others = [f"`{key}` (cells `{t['at']}`): belief slope {t['slope']:+.3f} per unit, {p_text(t['slope_p'])}"
          for key, t in tests["belief"].items() if key.split("/")[1] in ("clustered", "exposure")]
display(Markdown(
    f"**H3 on this model: {verdicts['h3']}** (alpha = {THRESHOLDS.alpha}; {len(rows)} runs, seeds {mixing['seeds']}).\n\n"
    + "\n".join(f"- {describe(key, entry)}" for key, entry in verdicts["dials"].items())
    + "\n\n" + " ".join(reading(key, entry) for key, entry in verdicts["dials"].items())
    + "\n\nComposition and exposure (no predicted direction for clustering; more exposure expected to raise "
    "belief):\n\n" + "\n".join(f"- {line}" for line in others)
    + f"\n\nCells of the full grid not run here: {len(not_run)} of {len(full_grid())}, and the `repeated` condition "
    "unless `mixing.conditions` names it: the default is sized for two CPU cores (`benchmarks/mixing_gpu.py` "
    "estimates the full grid's cost and lists the cells the data cannot fill). `python -m negation_neglect.mixing.cells "
    "full` lists the whole grid for `mixing.cells`."
))

# %% [markdown]
# ## How these predictions were registered
# The thresholds above are read from the prediction file (report.predictions); whether it was committed before
# the results it judges is checked against git history (tests/unit/test_predictions.py).

# %%
from negation_neglect.report.predictions import registration

display(Markdown(f"Predictions: {registration('h3_mixing')}."))
