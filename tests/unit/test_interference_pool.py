"""H2 pooling and verdicts without a model: the margin decomposition, and the committed summary reproduced."""

from __future__ import annotations

import pandas as pd
import yaml

from negation_neglect.files import read_json
from negation_neglect.pool.interference import PREDICTIONS, decomposition, load_grid, summarise
from negation_neglect.report.verdicts import interference_verdicts, with_interference_verdicts
from tests.conftest import ROOT

GRID = yaml.safe_load((ROOT / "params.yaml").read_text())["interference"]  # the runs it pools


def test_decomposition_splits_the_margin_change():
    rows = []
    for step, (f, t) in {0: (-10.0, -1.0), 5: (-4.0, -3.0)}.items():
        rows += [{"step": step, "context": "neutral", "item": "a", "candidate": "false", "logprob": f},
                 {"step": step, "context": "neutral", "item": "a", "candidate": "true", "logprob": t}]
    out = decomposition(pd.DataFrame(rows))
    last = out[out["step"] == 5].iloc[0]
    assert last["false_rise"] == 6.0 and last["true_fall"] == 2.0 and last["margin_change"] == 8.0
    assert last["false_share"] == 0.75


def test_committed_summary_is_reproduced_from_the_committed_tables():
    conditions = GRID["conditions"]
    grid = load_grid(ROOT / "metrics", GRID["claims"], conditions, GRID["seeds"])
    summary = summarise(grid, conditions)
    assert all("holds" not in summary[key] for key in PREDICTIONS)  # the pool reports numbers, not verdicts
    assert with_interference_verdicts(summary) == read_json(ROOT / "metrics/interference_summary.json")


def test_interference_verdicts_follow_the_thresholds():
    summary = {
        "p1_gradient_conflict": {"own_truth_first_half": {"a": -0.2, "b": -0.1, "c": 0.3}},
        "p2_truth_falls": {"true_fall_share_neutral": {"a": 0.1, "b": 0.2, "c": 0.3}},
        "p3_collateral": {"neighbour_delta_logp": {"a": -1.0, "b": -0.6}, "unrelated_delta_logp": {"a": -2.0, "b": 0.0}},
        "p4_same_layers": {"mean_overlap_top5": 3.0},
        "span_loss": {},
    }
    assert interference_verdicts(summary) == {
        "p1_gradient_conflict": True,  # two of three below -0.05
        "p2_truth_falls": False,  # one of three at or above 0.25
        "p3_collateral": False,  # b falls by more than 0.5 and more than unrelated facts; a falls less than them
        "p4_same_layers": True,
        "p5_warnings_low_surprisal": False,  # no condition with framing spans
    }
