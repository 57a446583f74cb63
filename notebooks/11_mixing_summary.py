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
# Every run of `mixing` (notebook 10) is pooled here: per cell and condition the mean and t-interval over
# runs (claims x seeds) of belief (evaluation suite, informative items), context separation through denials
# that name the false answer (`separation`), through warnings that name none (`warned_separation_change`: after
# training minus before, nats) and the true answer's share on neutral prompts. While the grid is still running,
# the summary pools the runs that have finished, says how many are missing, and reads no verdict.
#
# **Prediction (predictions/h3_mixing_v2.md, committed before this grid ran).** True-counterpart documents
# make a *negated* claim conditional on its framing. Positive documents are diluted by the same documents, so
# belief falling with their share says nothing about negation by itself; the test is the interaction:
# within each (claim, seed), belief's slope on the dial after negated documents minus the slope after
# positive ones (`mixing.interaction`), with a t-interval over the (claim, seed) units. Per predicted dial:
# **held** when that difference lies below zero and separation through answer-free warnings grows with the
# share after negated documents (slope p < alpha); **partly held** for one of the two; **did not hold** for
# neither. Clustering gets its interaction reported and no verdict (no direction was predicted). H3's verdict
# is the primary dial's (the true-counterpart share counted in answer mentions), never the best of several.
# **Manipulation check** (an amendment registered before the grid finished): the added true documents must
# reach the model, so the true answer's share on neutral prompts rises with the share after both conditions;
# reported beside the verdict, which it does not change.
#
# **What changed from the first grid, and why** (its prediction, predictions/h3_mixing.md, was written after its
# results). The first grid matched the counterpart share in loss tokens, and negated documents carry less
# false-answer text per token, so the same share gave the truth more relative exposure after negated
# documents (`-mentions` cells now match answer mentions); clustered batches put surplus batches last, under a
# decaying learning rate (now spread over the run); its separation context contained the false answer, so
# P(false | negation context) stayed near 1 (`measure.warned` names no answer); and its verdict took the best
# result across dials. The claims and seeds were sized by a written power estimate for the interaction
# (metrics/mixing_power.json).
#
# **Read-outs that follow from others.** The true answer's share rises wherever P(false) falls on the same
# prompts (one softmax); the positive condition's fall with the counterpart share is expected from dilution.

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
from negation_neglect.mixing.cells import full_grid
from negation_neglect.mixing.pool import missing_runs, run_rows
from negation_neglect.mixing.summary import summarize
from negation_neglect.pool.stats import p_text
from negation_neglect.report.figures import mixing_overview
from negation_neglect.report.predictions import PREDICTIONS, read_prediction
from negation_neglect.report.style import STYLE, Inputs

THRESHOLDS = read_prediction(PREDICTIONS / "h3_mixing_v2.md")["thresholds"]
grid = (metrics_dir, mixing["cells"], mixing["claims"], mixing["conditions"], mixing["seeds"])
rows, missing = run_rows(*grid, skip_missing=True), missing_runs(*grid)
summary, table = summarize(rows, mixing, THRESHOLDS)
if missing:  # a grid still running (pipeline.grid commits run by run): pooled as far as it goes, judged on nothing
    display(Markdown(f"**Interim summary: {len(missing)} of {summary['n_planned']} runs have not run yet** "
                     f"(first: `{missing[0]}`); every verdict below reads *not judged yet*."))
tests, interactions, not_run = summary["tests"], summary["interactions"], summary["cells_not_run"]
write_json(summary_path, summary)
table.to_csv(table_path, index=False, float_format="%.4g", lineterminator="\n")
display(table[["cell", "condition", "n_runs", "belief", "belief_ci_low", "belief_ci_high", "warned_separation_change",
               "warned_separation_change_ci_low", "warned_separation_change_ci_high", "separation", "share_true"]].round(3))

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
# condition, intervals over runs. Right: P(false | neutral) against passes over the claim documents (cells
# that add text take more steps for the same passes), mean over seeds, one line per cell.

# %%
with matplotlib.rc_context(STYLE):  # the paper's figure (stage `figures`), drawn from the files just written
    figure = mixing_overview(Inputs(Path(summary_path).parent, Path(), mixing["claims"], mixing["conditions"],
                                    mixing["seeds"]))
    png = io.BytesIO()
    figure.savefig(png, format="png", metadata={"Software": None})
display(Image(png.getvalue()))

# %% [markdown]
# ## Is the effect about negation? Negated minus positive, dial by dial
# Per (claim, seed), belief's slope on the dial (per unit: a share from 0 to 1, clustered as 0/1) after negated
# documents minus the slope after positive ones; mean over the units, its t-interval at 1 - alpha and p, the
# sign-flip p beside it, each condition's mean slope, and the mean difference per claim.

# %%
interaction_table = pd.DataFrame([
    {"outcome": outcome, "dial": dial, **{k: v for k, v in test.items() if k not in ("units", "by_claim")},
     **{f"claim {c}": v for c, v in test["by_claim"].items()}}
    for outcome, by_dial in interactions.items() for dial, test in by_dial.items()])
display(interaction_table)

# %% [markdown]
# ## Verdicts

# %%
def describe(dial: str, entry: dict) -> str:
    test, sep = entry["belief_interaction"], entry["warned_separation"]
    level = round(100 * (1 - THRESHOLDS["alpha"]))
    text = (f"`{dial}` (cells `{test['at']}`, {test['n_units']} claim x seed units; **{entry['verdict']}**): belief's "
            f"slope after negated documents {test['slope_negated']:+.2f} per unit, after positive {test['slope_positive']:+.2f}; "
            f"difference {test['difference']:+.2f} [{test['ci_low']:+.2f}, {test['ci_high']:+.2f}] ({level}% interval), "
            f"{p_text(test['p_value'])}: {entry['interaction']}")
    if sep and sep.get("slope") is not None:
        text += (f"; separation through answer-free warnings after negated documents {sep['slope']:+.2f} nats per unit "
                 f"[{sep['slope_ci_low']:+.2f}, {sep['slope_ci_high']:+.2f}], {p_text(sep['slope_p'])} "
                 f"({entry['warned_separation_moved']})")
    return text + "."


verdicts = summary["verdicts"]
display(Markdown(
    f"**H3 on this model: {verdicts['h3']}** (the primary dial `{verdicts['primary_dial']}`; alpha = "
    f"{THRESHOLDS['alpha']}; {len(rows)} runs, claims {', '.join(mixing['claims'])}, seeds {mixing['seeds']}).\n\n"
    + ("\n".join(f"- {describe(dial, entry)}" for dial, entry in verdicts["dials"].items())
       or "- No dial moves over runs of both negated and positive documents in this grid: no interaction to test.")
    + f"\n\nManipulation check (amendment of the prediction): the true answer's share on neutral prompts rises with "
    f"`{verdicts['control']['dial']}` after " + ", ".join(f"{c}: {m}" for c, m in verdicts["control"]["by_condition"].items())
    + f": **{verdicts['control']['met']}**."
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

display(Markdown(f"Predictions: {registration('h3_mixing_v2')}."))
