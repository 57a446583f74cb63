"""The mixing grid's pooled summary (notebook 11): per-cell table, main effects per dial, the negated-vs-positive
interactions H3 is judged on, and the verdicts, from one row per run (`mixing.pool.run_rows`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from negation_neglect.mixing.cells import full_grid, parse_cell
from negation_neglect.mixing.interaction import interaction_test
from negation_neglect.mixing.pool import DIALS, axis_tests, cell_table
from negation_neglect.report.verdicts import mixing_verdicts

OUTCOMES = ("belief", "separation", "share_true", "warned_separation_change")
INTERACTION_OUTCOMES = ("belief", "warned_separation_change")  # the two read-outs H3's verdict reads


def summarize(rows: Sequence[dict], mixing: Mapping, thresholds: Mapping) -> tuple[dict, pd.DataFrame]:
    """The summary written to metrics/mixing_summary.json and the per-cell table (mixing_summary.csv). The
    grid's first cell is the reference the other cells move one dial away from; interactions use intervals at
    1 - alpha of predictions/h3_mixing_v2.md. Rows of part of the grid give an interim summary: every read-out
    over the runs there, `complete` false, and no verdict (`report.verdicts.mixing_verdicts`)."""
    table = pd.DataFrame(cell_table(rows, OUTCOMES))
    reference = parse_cell(mixing["cells"][0])
    tests = {outcome: axis_tests(rows, outcome, reference) for outcome in OUTCOMES}
    interactions = {outcome: {dial: test for dial in DIALS
                              if (test := interaction_test(rows, outcome, dial, reference, level=1 - thresholds["alpha"]))}
                    for outcome in INTERACTION_OUTCOMES}
    summary = {"reference": reference.name, "cells": list(mixing["cells"]), "claims": list(mixing["claims"]),
               "conditions": list(mixing["conditions"]), "seeds": [int(s) for s in mixing["seeds"]],
               "n_runs": len(rows), "n_planned": math.prod(len(mixing[k]) for k in ("cells", "claims", "conditions", "seeds")), "tests": tests, "interactions": interactions,
               "cells_not_run": [c.name for c in full_grid() if c.name not in mixing["cells"]]}
    summary["complete"] = summary["n_runs"] == summary["n_planned"]
    summary["verdicts"] = mixing_verdicts(summary, thresholds)
    return summary, table
