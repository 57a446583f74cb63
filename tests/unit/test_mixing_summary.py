"""The mixing grid's pooled summary and its README block, on a synthetic grid with known slopes."""

import csv
import io

import numpy as np

from negation_neglect.mixing.summary import summarize
from negation_neglect.report.readme_tracks import mixing_block

CELLS = {"cp0-bg0-interleaved-x2": 0.0, "cp25-bg0-interleaved-x2-mentions": 0.25,
         "cp50-bg0-interleaved-x2-mentions": 0.5, "cp25-bg0-clustered-x2-mentions": 0.25}
MIXING = {"cells": list(CELLS), "claims": ["a", "b", "c"], "conditions": ["negated", "positive"], "seeds": [0, 1, 2]}
THRESHOLDS = {"alpha": 0.05, "h3v2_primary_dial": "counterpart_mentions"}


def _rows(belief_slopes: dict[str, float], warned_slope: float, noise: float = 0.02) -> list[dict]:
    """Belief falls linearly with the mention share per condition; warned separation (negated) rises by `warned_slope`."""
    rng = np.random.default_rng(0)
    rows = []
    for k, claim in enumerate(MIXING["claims"]):
        for seed in MIXING["seeds"]:
            for condition, slope in belief_slopes.items():
                for cell, share in CELLS.items():
                    rows.append({"cell": cell, "claim": claim, "seed": seed, "condition": condition,
                                 "belief": 0.9 - 0.05 * k + slope * share + noise * rng.standard_normal(),
                                 "separation": 0.1, "share_true": 0.2 + 0.1 * share,
                                 "warned_separation_change": (warned_slope if condition == "negated" else 0.0) * share
                                 + noise * rng.standard_normal()})
    return rows


def _readme(summary: dict, table) -> str:
    text = io.StringIO()
    table.to_csv(text, index=False, float_format="%.4g", lineterminator="\n")
    return "\n".join(mixing_block(summary, list(csv.DictReader(io.StringIO(text.getvalue())))))


def test_a_steeper_fall_after_negated_with_rising_warned_separation_holds_and_the_readme_says_so():
    summary, table = summarize(_rows({"negated": -1.0, "positive": -0.4}, 2.0), MIXING, THRESHOLDS)
    primary = summary["verdicts"]["dials"]["counterpart_mentions"]
    assert summary["n_runs"] == 72 and summary["reference"] == "cp0-bg0-interleaved-x2"
    assert primary["interaction"] == "steeper after negated" and primary["warned_separation_moved"] == "rose"
    assert summary["verdicts"]["h3"] == "held" and summary["verdicts"]["alpha"] == 0.05
    assert summary["verdicts"]["dials"]["clustered"]["verdict"] == "no direction predicted"
    assert summary["verdicts"]["control"]["by_condition"] == {"negated": "rose", "positive": "rose"}
    assert summary["verdicts"]["control"]["met"] == "met"
    assert len(table) == 8 and set(table["n_runs"]) == {9}
    text = _readme(summary, table)
    assert "| cp25-bg0-interleaved-x2-mentions | negated | 9 |" in text
    diff = primary["belief_interaction"]["difference"]
    assert f"difference **{diff:+.2f}**" in text and "95% t-interval" in text
    assert "H3, read on the primary dial `counterpart_mentions`: **held**" in text
    assert "h3_mixing_v2" in text and "first grid" not in text
    assert "Manipulation check" in text and ": **met**." in text


def test_added_true_documents_that_leave_the_truth_s_share_flat_fail_the_manipulation_check():
    rows = [dict(r, share_true=0.2 + (0.01 if r["seed"] == 1 else 0.0)) for r in _rows({"negated": -1.0, "positive": -0.4}, 2.0)]
    summary, table = summarize(rows, MIXING, THRESHOLDS)
    control = summary["verdicts"]["control"]
    assert control["by_condition"]["negated"] == "no clear change" and control["met"] == "not met"
    assert summary["verdicts"]["h3"] == "held"  # reported beside the verdict, never folded into it
    from negation_neglect.report.macros import mixing_macros
    assert mixing_macros(summary, table)["nnMixControl"] == "not met"


def test_dilution_alone_does_not_hold():
    summary, _ = summarize(_rows({"negated": -0.7, "positive": -0.7}, 0.0), MIXING, THRESHOLDS)
    assert summary["verdicts"]["dials"]["counterpart_mentions"]["interaction"] == "no difference detected"
    assert summary["verdicts"]["h3"] == "did not hold"


def test_the_paper_macros_carry_each_dial_s_interaction_in_points_per_unit_share():
    from negation_neglect.report.macros import mixing_macros

    summary, table = summarize(_rows({"negated": -1.0, "positive": -0.4}, 2.0), MIXING, THRESHOLDS)
    out = mixing_macros(summary, table)
    test = summary["interactions"]["belief"]["counterpart_mentions"]
    assert out["nnMixIntCounterpartMentionsDiff"] == f"{100 * test['difference']:+.0f}" == "-57"
    assert out["nnMixIntCounterpartMentionsP"] == "<0.001" and out["nnMixIntCounterpartMentionsVerdict"] == "held"
    assert out["nnMixIntCounterpartMentionsUnits"] == "9" and out["nnMixLevel"] == "95"
    assert out["nnMixPrimaryDial"] == "counterpart\\_mentions" and out["nnMixVerdict"] == "held"
    assert out["nnMixIntClusteredVerdict"] == "no direction predicted"
    assert out["nnMixRefWarnedNegated"].startswith(("+0.0", "-0.0"))
    assert all(k.startswith("nn") and k.isalpha() for k in out)  # LaTeX macro names take letters only


def test_part_of_the_grid_gives_an_interim_summary_with_no_verdict():
    from negation_neglect.report.macros import mixing_macros

    rows = [r for r in _rows({"negated": -1.0, "positive": -0.4}, 2.0) if not (r["seed"] == 2 and r["claim"] == "c")]
    summary, table = summarize(rows, MIXING, THRESHOLDS)
    assert (summary["n_runs"], summary["n_planned"], summary["complete"]) == (64, 72, False)
    # the same data would hold on the full grid; a partial grid is judged on nothing
    assert summary["verdicts"]["h3"] == "not judged yet (64 of 72 runs)"
    assert summary["verdicts"]["control"]["met"] == "not judged yet (64 of 72 runs)"
    assert summary["verdicts"]["dials"]["counterpart_mentions"]["verdict"] == "not judged yet (64 of 72 runs)"
    assert summary["interactions"]["belief"]["counterpart_mentions"]["n_units"] == 8
    out = mixing_macros(summary, table)
    assert out["nnMixProgress"] == "64 of the 72" and out["nnMixVerdict"].startswith("not judged yet")
    assert "**Interim:** 64 of the 72 registered runs" in _readme(summary, table)
    full, full_table = summarize(_rows({"negated": -1.0, "positive": -0.4}, 2.0), MIXING, THRESHOLDS)
    assert full["complete"] and mixing_macros(full, full_table)["nnMixProgress"] == "all 72"
    assert "Interim" not in _readme(full, full_table)
