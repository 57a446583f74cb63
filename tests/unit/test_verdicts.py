"""Verdicts from pooled summaries: H1 from the competition read-outs, H3 from the mixing grid, H4 from the
organism summary (H2: tests/unit/test_interference_pool.py)."""

import re
from dataclasses import fields

import pandas as pd

from negation_neglect.report.verdicts import (
    THRESHOLDS,
    Thresholds,
    competition_verdicts,
    mixing_verdicts,
    organism_verdicts,
)
from negation_neglect.report.predictions import read_prediction
from tests.conftest import ROOT


def _interval(mean, low, high, n=3):
    return {"n": n, "mean": mean, "ci_low": low, "ci_high": high}


def _summary(neglect, tests=None, replay=None):
    return {"neglect": neglect, "diversity_tests": tests or {}, "replay_test": replay or {}}


def test_neglect_needs_an_understood_framing():
    summary = _summary({"local/full": {"understood_organisms": 0, "belief_where_understood": None,
                                       "belief_all": _interval(0.9, 0.8, 1.0)}})
    assert organism_verdicts(summary)["neglect"]["verdict"] == "untestable"


def test_neglect_held_mixed_and_refuted():
    high = {"understood_organisms": 3, "belief_where_understood": _interval(0.9, 0.7, 1.0), "belief_all": None}
    low = {"understood_organisms": 3, "belief_where_understood": _interval(0.1, 0.0, 0.3), "belief_all": None}
    wide = {"understood_organisms": 3, "belief_where_understood": _interval(0.3, 0.0, 0.6), "belief_all": None}
    single_low = {"understood_organisms": 1, "belief_where_understood": _interval(0.2, None, None, n=1), "belief_all": None}
    assert organism_verdicts(_summary({"a": high, "b": wide}))["neglect"]["verdict"] == "held"  # wide: not below 0.5
    mixed = organism_verdicts(_summary({"a": high, "b": low}))["neglect"]
    assert mixed["verdict"] == "mixed" and mixed["refuted"] == ["b"] and mixed["believed"] == ["a"]
    assert organism_verdicts(_summary({"b": low, "c": single_low}))["neglect"]["verdict"] == "refuted"


def test_diversity_and_replay_need_the_predicted_sign_and_significance():
    tests = {"belief/full": {"rho": -0.8, "p_value": 0.01, "n": 9}, "separation/full": {"rho": 0.9, "p_value": 0.001, "n": 9}}
    out = organism_verdicts(_summary({}, tests, {"mean_difference": -0.2, "p_value": 0.01, "n": 18}))
    assert out["diversity"]["verdict"] == "held" and out["replay"]["verdict"] == "held"
    tests = {"belief/full": {"rho": 0.8, "p_value": 0.01, "n": 9}}
    out = organism_verdicts(_summary({}, tests, {"mean_difference": -0.2, "p_value": 0.2, "n": 18}))
    assert out["diversity"]["verdict"] == "did not hold" and out["replay"]["verdict"] == "did not hold"
    assert organism_verdicts(_summary({}))["replay"]["verdict"] == "not run"


def _slope(slope: float, p: float) -> dict:
    return {"slope": slope, "slope_p": p, "slope_ci_low": slope - 0.1, "slope_ci_high": slope + 0.1, "rho": 0.0,
            "p_value": 1.0, "n": 9}


def _interaction(difference: float, low: float, high: float) -> dict:
    return {"at": "cp*-bg0-interleaved-x2-mentions", "n_units": 9, "difference": difference, "ci_low": low,
            "ci_high": high, "p_value": 0.01, "slope_negated": difference - 0.5, "slope_positive": -0.5}


def test_mixing_verdicts_need_a_steeper_fall_after_negated_documents_and_take_the_primary_dial_only():
    thresholds = {"alpha": 0.05, "h3v2_primary_dial": "counterpart_mentions"}
    summary = {"conditions": ["negated", "positive"],
               "interactions": {"belief": {"counterpart_mentions": _interaction(-0.4, -0.6, -0.2),
                                           "clustered": _interaction(-0.3, -0.5, -0.1)}},
               "tests": {"warned_separation_change": {"negated/counterpart_mentions": _slope(2.0, 0.01)}}}
    verdicts = mixing_verdicts(summary, thresholds)
    assert verdicts["h3"] == "held" and verdicts["primary_dial"] == "counterpart_mentions"
    primary = verdicts["dials"]["counterpart_mentions"]
    assert (primary["interaction"], primary["warned_separation_moved"]) == ("steeper after negated", "rose")
    assert verdicts["dials"]["clustered"]["verdict"] == "no direction predicted"  # reported, never judged
    summary["tests"]["warned_separation_change"]["negated/counterpart_mentions"] = _slope(2.0, 0.2)
    assert mixing_verdicts(summary, thresholds)["h3"] == "partly held"
    # the same fall after positive documents (dilution): the interval holds zero, whatever the slopes
    summary["interactions"]["belief"]["counterpart_mentions"] = _interaction(-0.05, -0.3, 0.2)
    verdicts = mixing_verdicts(summary, thresholds)
    assert verdicts["h3"] == "did not hold"
    assert verdicts["dials"]["counterpart_mentions"]["interaction"] == "no difference detected"
    summary["interactions"]["belief"]["counterpart_mentions"] = _interaction(0.3, 0.1, 0.5)
    assert mixing_verdicts(summary, thresholds)["dials"]["counterpart_mentions"]["interaction"] == "shallower after negated"
    # no best-of: a clean effect on another dial does not lift H3
    summary["interactions"]["belief"]["background"] = _interaction(-0.4, -0.6, -0.2)
    summary["tests"]["warned_separation_change"]["negated/background"] = _slope(2.0, 0.01)
    verdicts = mixing_verdicts(summary, thresholds)
    assert verdicts["dials"]["background"]["verdict"] == "held" and verdicts["h3"] == "did not hold"
    del summary["interactions"]["belief"]["counterpart_mentions"]
    assert mixing_verdicts(summary, thresholds)["h3"] == "not run"


def test_h3_thresholds_come_from_the_registered_prediction():
    header = read_prediction(ROOT / "predictions/h3_mixing_v2.md")
    assert header["registered"] == "before_results" and header["judges"] == ["metrics/mixing_summary.json#interactions"]
    assert set(header["thresholds"]) == {"alpha", "h3v2_primary_dial"}


def _readouts(rows):
    columns = ["condition", "base_logp_true_neutral", "final_logp_true_neutral", "base_logp_false_neutral",
               "final_logp_false_neutral", "final_share_true_neutral", "final_context_separation"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows])


def test_competition_verdicts_apply_the_h1_thresholds():
    belief = {"by_condition": {c: {"rate": r} for c, r in {"positive": 0.9, "negated": 0.75, "local": 0.65}.items()}}
    readouts = _readouts([
        ("positive", -1.0, -3.0, -9.0, -1.0, 0.01, 0.2),  # competition: truth fell, false rose, truth kept
        ("negated", -1.0, -3.0, -9.0, -1.0, 0.0005, 1.3),  # truth not kept (share below 0.001)
        ("negated", -1.0, -0.5, -9.0, -1.0, 0.01, 1.1),  # truth rose
    ])
    out = competition_verdicts(belief, readouts, {"positive": 0.8, "negated": 0.9})
    assert out["p1_ordering"]["holds"]  # negated within 0.2 of positive, local more than 0.2 below it
    assert out["p2_competition"]["runs"] == 1 and not out["p2_competition"]["holds"]  # 1 of 3 < half
    assert not out["p3_separation"]["holds"]  # negated 1.2 > positive 0.2 + 1 nat
    assert out["p4_in_context"]["holds"]
    no_local = {"by_condition": {k: v for k, v in belief["by_condition"].items() if k != "local"}}
    assert not competition_verdicts(no_local, readouts, {})["p1_ordering"]["holds"]  # a missing condition fails
    assert not competition_verdicts(belief, readouts, {})["p4_in_context"]["holds"]


def test_every_threshold_comes_from_the_prediction_files():
    source = (ROOT / "src/negation_neglect/report/verdicts.py").read_text()
    literals = {float(x) for x in re.findall(r"(?<![\w.])(\d+\.\d+)", source)}
    assert literals <= {0.0}, f"numeric thresholds typed into the verdict code: {sorted(literals)}"
    stated = {}
    for name in ("h1_competition", "h2_interference", "h2_interference_v2", "h3_mixing", "h4_organism"):
        stated.update(read_prediction(ROOT / f"predictions/{name}.md")["thresholds"])
    assert {f.name: getattr(THRESHOLDS, f.name) for f in fields(Thresholds)} == stated


def _iv(mean, low, high, n=3):
    return {"n": n, "mean": mean, "ci_low": low, "ci_high": high}


def test_organism_v2_verdicts_judge_each_framing_where_understood_and_each_test_alone():
    from negation_neglect.report.verdicts import organism_v2_verdicts

    thresholds = read_prediction(ROOT / "predictions/h4_organism_v2.md")["thresholds"]
    summary = {
        "positive_control": _iv(0.95, 0.9, 1.0),
        "fresh_lift": {"positive": _iv(2.0, 1.5, 2.5), "sentence": _iv(-0.5, -1.0, 0.0), "local": _iv(0.1, -0.2, 0.4)},
        "neglect": {
            "sentence/full": {"understood_organisms": 3, "belief_where_understood": _iv(0.8, 0.7, 0.9), "belief_all": None},
            "local/full": {"understood_organisms": 3, "belief_where_understood": _iv(0.2, 0.1, 0.3), "belief_all": None},
            "fiction/full": {"understood_organisms": 0, "belief_where_understood": None, "belief_all": None},
            "document/full": {"understood_organisms": 2, "belief_where_understood": _iv(0.4, 0.1, 0.7), "belief_all": None},
            "local/lora": {"understood_organisms": 3, "belief_where_understood": _iv(0.9, 0.8, 1.0), "belief_all": None},
        },
        "diversity_tests": {"belief/full": {"rho": 0.3, "p_value": 0.2, "n": 9},
                            "belief/lora": {"rho": -0.9, "p_value": 0.001, "n": 9}},  # never picked: not the judged variant
        "replay_test": {"mean_difference": -0.2, "p_value": 0.01, "n": 12},
        "recurring_test": {"mean_difference": -0.1, "p_value": 0.3, "n": 12},
    }
    verdicts = organism_v2_verdicts(summary, thresholds)
    assert verdicts["controls"] == {"positive": "passed", "reading": "passed"}
    assert verdicts["neglect"]["framings"] == {"sentence": "believed", "local": "not believed", "fiction": "untestable",
                                               "document": "undecided"}
    assert verdicts["neglect"]["verdict"] == "mixed"
    assert (verdicts["diversity"], verdicts["replay"], verdicts["recurring"]) == ("did not hold", "held", "did not hold")
    summary["fresh_lift"]["local"] = _iv(2.5, 2.0, 3.0)  # a denying document raises the stated value more than a plain one
    summary["positive_control"] = _iv(0.3, 0.1, 0.5)
    assert organism_v2_verdicts(summary, thresholds)["controls"] == {"positive": "failed", "reading": "failed"}
    summary["recurring_test"] = {}
    assert organism_v2_verdicts(summary, thresholds)["recurring"] == "not run"
