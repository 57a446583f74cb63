"""The full condition table's checks: pairwise separations by a cluster bootstrap over runs, the base model
per claim, and the verdicts of predictions/belief_table.md read with that file's own thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from negation_neglect import layout
from negation_neglect.files import write_json
from negation_neglect.pool.competition import belief_table
from negation_neglect.pool.stats import cluster_bootstrap_difference
from negation_neglect.report.macros import belief_verdict_macros
from negation_neglect.report.predictions import read_prediction
from negation_neglect.report.verdicts import belief_table_verdicts
from tests.conftest import ROOT

CLAIMS = ("alpha", "beta")


def test_the_difference_interval_resamples_runs():
    same = [[1.0, 0.0]] * 4
    assert cluster_bootstrap_difference(same, same) == (0.0, 0.0, 0.0)
    diff, lo, hi = cluster_bootstrap_difference([[1.0] * 10] * 3, [[0.0] * 10] * 3)
    assert (diff, lo, hi) == (1.0, 1.0, 1.0)
    # two runs that disagree wholesale cannot separate a condition from one in between
    diff, lo, hi = cluster_bootstrap_difference([[1.0] * 10, [0.0] * 10], [[0.5, 0.5]] * 2, seed=0)
    assert diff == 0.0 and lo < 0 < hi
    assert np.isnan(cluster_bootstrap_difference([[]], [[1.0]])[0])


def _records(believed: list[bool]) -> list[dict]:
    return [{"item": f"c{i}", "type": "cloze", "margin": 1.0 if b else -1.0, "believed": b} for i, b in enumerate(believed)]


def _grid(tmp_path, rates: dict[str, list[float]]):
    """Ten informative cloze items per run; per condition one belief share per (claim x seed) run."""
    base = _records([False] * 9 + [True])  # the last item is uninformative: the base model believes it
    for condition, shares in rates.items():
        for k, share in enumerate(shares):
            claim, seed = CLAIMS[k % 2], k // 2
            final = _records([i < round(share * 9) for i in range(9)] + [True])
            write_json(layout.belief(tmp_path, claim, condition, seed), {
                "claim": claim, "condition": condition, "seed": seed, "final_step": 5, "judge": "rules",
                "base": {"pooled": {}}, "final": {"pooled": {}, "by_type": {}}, "in_context_control": {},
                "items": {"base": base, "final": final}})
    n_seeds = (max(len(v) for v in rates.values()) + 1) // 2
    return belief_table(tmp_path, CLAIMS, list(rates), list(range(n_seeds)))


THRESHOLDS = {"neglect_conditions": ["negated", "fiction"], "neglect_max_gap": 0.15, "true_control_max": 0.10}


def test_the_papers_ordering_holds_on_a_grid_built_to_show_it(tmp_path):
    table = _grid(tmp_path, {"positive": [1, 1, 1, 1], "negated": [1, 8 / 9, 1, 1], "fiction": [1, 1, 1, 8 / 9],
                             "corrected": [4 / 9, 3 / 9, 4 / 9, 5 / 9], "local": [0, 1 / 9, 0, 0],
                             "true": [0, 0, 0, 0], "negated_masked": [1 / 9, 2 / 9, 1 / 9, 0]})
    assert table["separations"]["positive|corrected"]["separated"]
    assert not table["separations"]["positive|negated"]["separated"]
    verdicts = belief_table_verdicts(table, THRESHOLDS)
    assert {k: v["holds"] for k, v in verdicts.items()} == {"neglect": True, "corrections": True, "local": True,
                                                            "controls": True}
    assert table["base_by_claim"]["alpha"] == {"n_items": 10, "rate": 0.1, "n_informative": 9,
                                               "by_type": {"cloze": {"n": 10, "rate": 0.1, "n_informative": 9}}}


def test_each_check_is_refuted_by_the_grid_that_refutes_it(tmp_path):
    table = _grid(tmp_path, {"positive": [1, 1, 1, 1], "negated": [3 / 9, 2 / 9, 3 / 9, 2 / 9],
                             "fiction": [1, 1, 1, 1], "corrected": [1, 1, 1, 1], "local": [3 / 9, 2 / 9, 3 / 9, 2 / 9],
                             "true": [2 / 9, 2 / 9, 2 / 9, 2 / 9], "negated_masked": [3 / 9, 2 / 9, 3 / 9, 2 / 9]})
    verdicts = belief_table_verdicts(table, THRESHOLDS)
    assert {k: v["holds"] for k, v in verdicts.items()} == {"neglect": False, "corrections": False, "local": False,
                                                            "controls": False}
    assert verdicts["neglect"]["evidence"]["negated"]["refutes"] and not verdicts["neglect"]["evidence"]["fiction"]["refutes"]
    table["verdicts"] = verdicts
    out = belief_verdict_macros(table, THRESHOLDS)  # what the paper prints
    assert out["nnBeliefVerdictNeglect"] == "did not hold" and out["nnBeliefVerdictLocal"] == "did not hold"
    assert (out["nnBeliefDiffNegatedPositive"], out["nnBeliefDiffCorrectedPositive"]) == ("-72", "+0")
    assert out["nnBeliefNeglectGap"] == "15" and out["nnBeliefTrueMax"] == "10"
    assert int(out["nnBeliefPairsSeparated"]) < int(out["nnBeliefPairs"]) == 21  # 7 conditions, every pair


def test_a_check_without_its_conditions_is_not_judged(tmp_path):
    table = _grid(tmp_path, {"positive": [1, 1], "negated": [1, 1]})
    verdicts = belief_table_verdicts(table, THRESHOLDS)
    assert verdicts["corrections"]["holds"] is None and verdicts["controls"]["holds"] is None
    assert verdicts["neglect"]["holds"] is True


def test_the_committed_prediction_file_carries_the_thresholds_the_verdicts_read(tmp_path):
    header = read_prediction(ROOT / "predictions/belief_table.md")
    assert header["judges"] == ["metrics/belief.json#verdicts"] and header["registered"] == "before_results"
    assert set(header["thresholds"]) == set(THRESHOLDS)
    bad = tmp_path / "bad.md"
    bad.write_text("# no header\n")
    with pytest.raises(ValueError, match="needs a YAML header"):
        read_prediction(bad)


def test_the_margin_read_out_averages_log_probability_items_over_runs(tmp_path):
    table = _grid(tmp_path, {"positive": [1, 1], "true": [0, 0]})
    positive, true = table["by_condition"]["positive"]["margin"], table["by_condition"]["true"]["margin"]
    assert positive == {"n_items": 18, "mean": 1.0, "ci_low": 1.0, "ci_high": 1.0}  # nine informative cloze items x 2
    assert true["mean"] == -1.0
    assert table["by_condition"]["base model"]["margin"]["mean"] == -1.0
