"""H2 pooling and verdicts without a model: the margin decomposition, and the committed summary reproduced."""

from __future__ import annotations

import pandas as pd
import yaml

from negation_neglect.files import read_json
from negation_neglect.pool.interference import (
    PREDICTIONS,
    V2_PREDICTIONS,
    control_units,
    decomposition,
    load_grid,
    load_grid_v2,
    run_span_cosine,
    summarise,
    summarise_v2,
)
from negation_neglect.report.verdicts import (
    THRESHOLDS,
    interference_v2_verdicts,
    interference_verdicts,
    with_interference_v2_verdicts,
    with_interference_verdicts,
)
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
    committed = read_json(ROOT / "metrics/interference_summary.json")
    expected = with_interference_verdicts(summary)
    assert {k: committed[k] for k in expected} == expected
    if "v2" in committed:  # the second instrument, once its tables are in
        grid_v2 = load_grid_v2(ROOT / "metrics", GRID["claims"], conditions, GRID["seeds"])
        assert with_interference_v2_verdicts(summarise_v2(grid_v2, conditions)) == committed["v2"]


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


def _v2_grid() -> dict[str, pd.DataFrame]:
    """Two claims, conditions a and b, one seed; controls trained identically by both conditions' stages."""
    update, span, controls = [], [], []
    alignment = {("x", "a"): [-0.4, -0.2], ("y", "a"): [-0.2, -0.2], ("x", "b"): [0.1, 0.3], ("y", "b"): [0.0, 0.2]}
    for (claim, condition), values in alignment.items():
        tags = {"claim": claim, "condition": condition, "seed": 0}
        for (a, b), v in zip([(0, 2), (2, 8)], values):
            update += [{**tags, "step_from": a, "step_to": b, "kind": "own_truth", "alignment": v,
                        "predicted_change": 0.5, "measured_change": 1.0, "update_norm": 1.0}]
        for step, cos in ((0, 0.9), (2, -0.3 if condition == "a" else 0.2), (4, -0.1 if condition == "a" else 0.4), (8, 0.9)):
            span += [{**tags, "step": step, "kind": "own_truth", "item": "own_01", "cosine": cos}]
        for control, v in (("assert_other", -0.5 if claim == "x" else -0.3), ("unrelated_facts", 0.05), ("deny_truth", 0.2),
                           ("assert_truth", 0.1 if claim == "x" else 0.2)):
            controls += [{**tags, "control": control, "step_from": 0, "step_to": 4, "kind": "own_truth", "alignment": v}]
    return {"update": pd.DataFrame(update), "span_gradients": pd.DataFrame(span), "controls": pd.DataFrame(controls)}


def test_second_instrument_pools_runs_with_intervals_and_controls_per_unit():
    grid = _v2_grid()
    v2 = summarise_v2(grid, ["a", "b"])
    assert all("holds" not in v2[key] for key in V2_PREDICTIONS)
    a = v2["update_alignment"]["a/own_truth"]
    assert a["n"] == 2 and a["mean"] == -0.25 and a["ci_low"] < -0.25 < a["ci_high"]  # runs' means -0.3 and -0.2
    assert v2["p1_update_conflict"]["own_truth_mean"] == {"a": -0.25, "b": 0.15}
    assert v2["truth_loss_change"]["a"] == {"predicted_change": 1.0, "measured_change": 2.0}  # summed over intervals
    units = control_units(grid["controls"])
    assert len(units) == 2 * 4  # two (claim, seed) units per control, not one per stage
    assert v2["c1_positive_control"]["own_truth_by_unit"] == {"x/seed0": -0.5, "y/seed0": -0.3}
    assert v2["controls"]["assert_other/own_truth"]["n"] == 2
    span = run_span_cosine(grid["span_gradients"])  # first half: steps 2 and 4 of 8
    assert span[span["condition"] == "a"]["cosine"].tolist() == [-0.2, -0.2]
    assert v2["p2_answer_span_conflict"]["own_truth_mean"] == {"a": -0.2, "b": 0.3}
    # relative to the calibration (0.1 for claim x, 0.2 for y): runs of a -0.3 / 0.1 and -0.2 / 0.2
    assert v2["c1r_positive_control"]["own_truth_by_unit"] == {"x/seed0": -5.0, "y/seed0": -1.5}
    assert v2["p1r_update_conflict"]["own_truth_mean"] == {"a": -2.0, "b": 1.25}
    assert v2["relative_update_alignment"]["a"]["n"] == 2
    assert v2["c2r_negative_control"]["own_truth_mean"] == 0.375  # 0.05 / 0.1 and 0.05 / 0.2


def test_a_calibration_that_does_not_descend_gives_no_scale():
    grid = _v2_grid()
    c = grid["controls"]
    grid["controls"] = c.assign(alignment=c["alignment"].where((c["control"] != "assert_truth") | (c["claim"] != "y"), -0.1))
    v2 = summarise_v2(grid, ["a", "b"])
    assert v2["c1r_positive_control"]["own_truth_by_unit"] == {"x/seed0": -5.0, "y/seed0": None}
    assert v2["c2r_negative_control"]["own_truth_mean"] is None
    assert v2["relative_update_alignment"]["a"]["n"] == 1  # the y run has no scale
    verdicts = interference_v2_verdicts(v2)
    assert not verdicts["c1r_positive_control"] and not verdicts["c2r_negative_control"]


def test_second_instrument_verdicts_follow_the_thresholds():
    t = THRESHOLDS
    below, above = t.h2v2_control_max_alignment - 0.1, t.h2v2_control_max_alignment + 0.1
    v2 = {
        "c1_positive_control": {"own_truth_by_unit": {"x/seed0": below, "y/seed0": below}},
        "c2_negative_control": {"own_truth_mean": above},
        "p1_update_conflict": {"own_truth_mean": {"a": t.h2v2_max_alignment - 0.1, "b": t.h2v2_max_alignment - 0.1,
                                                  "c": 0.5}, "negative_control_mean": above},
        "p2_answer_span_conflict": {"own_truth_mean": {"a": t.h2v2_max_span_cosine, "b": 0.0}},
        "p3_denial_not_conflict": {"own_truth_mean": below},
        "c1r_positive_control": {"own_truth_by_unit": {"x/seed0": t.h2v2_control_max_relative - 1, "y/seed0": None}},
        "c2r_negative_control": {"own_truth_mean": t.h2v2_control_max_relative},
        "p1r_update_conflict": {"own_truth_mean": {"a": t.h2v2_max_relative - 0.1, "b": t.h2v2_max_relative + 0.1}},
        "p3r_denial_not_conflict": {"own_truth_mean": None},
    }
    assert interference_v2_verdicts(v2) == {
        "c1_positive_control": True, "c2_negative_control": True,
        "p1_update_conflict": True,  # two of three below the threshold and the negative control
        "p2_answer_span_conflict": False,  # at the threshold is not below it
        "p3_denial_not_conflict": False,  # the denial control is clearly negative
        "c1r_positive_control": False,  # a unit without a scale fails
        "c2r_negative_control": True,  # at the threshold counts as not clearly negative
        "p1r_update_conflict": False,  # one of two is not most
        "p3r_denial_not_conflict": False,  # missing
    }
    one_unit_fails = {**v2, "c1_positive_control": {"own_truth_by_unit": {"x/seed0": below, "y/seed0": above}}}
    out = with_interference_v2_verdicts(one_unit_fails)
    assert not out["c1_positive_control"]["holds"] and out["grid_informative"] is False
    no_units = {**v2, "c1_positive_control": {"own_truth_by_unit": {}}}
    assert not interference_v2_verdicts(no_units)["c1_positive_control"]
    above_control = {**v2, "p1_update_conflict": {**v2["p1_update_conflict"], "negative_control_mean": below - 1}}
    assert not interference_v2_verdicts(above_control)["p1_update_conflict"]  # not below the negative control


def test_a_control_without_runs_is_missing_and_fails_what_reads_it():
    grid = _v2_grid()
    grid["controls"] = grid["controls"][grid["controls"]["control"] != "unrelated_facts"]
    v2 = summarise_v2(grid, ["a", "b"])
    assert v2["c2_negative_control"]["own_truth_mean"] is None
    verdicts = interference_v2_verdicts(v2)
    assert not verdicts["c2_negative_control"] and not verdicts["p1_update_conflict"]


def test_second_instrument_renders_in_the_readme_and_the_macros():
    from negation_neglect.report.macros import interference_v2_macros
    from negation_neglect.report.readme import _interference_v2_block

    v2 = with_interference_v2_verdicts(summarise_v2(_v2_grid(), ["a", "b"]))
    lines = _interference_v2_block(v2, ["a", "b"])
    row = next(line for line in lines if line.startswith("| a |"))
    entry = v2["update_alignment"]["a/own_truth"]
    assert f"{entry['mean']:+.3f} [{entry['ci_low']:+.3f}, {entry['ci_high']:+.3f}]" in row
    assert "automatically once P(false) saturates" in lines[0]
    macros = interference_v2_macros(v2)
    assert macros["nnUpdateAlignA"] == "-0.25" and macros["nnControlAlignAssertOther"] == "-0.40"
    assert macros["nnVerdictPositiveControl"] == ("held" if v2["c1_positive_control"]["holds"] else "did not hold")
    relative = [v for v in v2["c1r_positive_control"]["own_truth_by_unit"].values() if v is not None]
    assert macros["nnRelControlAssertOtherMax"] == f"{max(relative):.2f}"
    intervals = v2["relative_update_alignment"].values()
    assert macros["nnRelAlignConditions"] == str(len(intervals))
    assert macros["nnRelAlignBelowZero"] == str(sum(e["ci_high"] is not None and e["ci_high"] < 0 for e in intervals))
    assert macros["nnRelControlDenyTruth"] == f"{v2['p3r_denial_not_conflict']['own_truth_mean']:.2f}"
