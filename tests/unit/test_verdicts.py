"""H4 verdicts from a pooled organism summary; H3 verdicts from the pooled mixing grid."""

from negation_neglect.report.verdicts import mixing_verdicts, organism_verdicts


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


def test_mixing_verdicts_need_belief_to_fall_and_separation_to_grow():
    summary = {"conditions": ["negated", "positive"], "tests": {
        "belief": {"negated/counterpart": _slope(-0.8, 0.001), "negated/background": _slope(-0.8, 0.2),
                   "positive/counterpart": _slope(-0.9, 0.001)},
        "separation": {"negated/counterpart": _slope(3.0, 0.01), "negated/background": _slope(3.0, 0.01)}}}
    verdicts = mixing_verdicts(summary)
    assert verdicts["h3"] == "held"
    assert verdicts["dials"]["negated/counterpart"]["verdict"] == "held"
    assert verdicts["dials"]["negated/background"]["verdict"] == "partly held"  # belief slope not significant
    assert verdicts["dials"]["negated/counterpart"]["positive_belief"]["slope"] == -0.9
    counterpart = verdicts["dials"]["negated/counterpart"]
    assert (counterpart["belief_moved"], counterpart["separation_moved"], counterpart["positive_belief_moved"]) == (
        "fell", "rose", "fell")
    assert verdicts["dials"]["negated/background"]["belief_moved"] == "no clear change"
    assert verdicts["dials"]["negated/background"]["positive_belief_moved"] == "not run"
    assert "repeated/counterpart" not in verdicts["dials"]  # the condition is not in the grid
    summary["tests"]["separation"]["negated/counterpart"] = _slope(-3.0, 0.01)  # wrong direction
    summary["tests"]["separation"]["negated/background"] = _slope(3.0, 0.2)
    assert mixing_verdicts(summary)["h3"] == "partly held"
    summary["tests"]["belief"]["negated/counterpart"] = _slope(0.5, 0.001)  # belief rises: against H3
    assert mixing_verdicts(summary)["h3"] == "did not hold"
    del summary["tests"]["belief"]["negated/background"]
    assert mixing_verdicts(summary)["dials"]["negated/background"]["verdict"] == "not run"
