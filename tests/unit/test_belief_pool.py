"""Pooling belief over runs: informative items only, a cluster bootstrap over runs, readers keep working."""

from __future__ import annotations

import numpy as np

from negation_neglect import layout
from negation_neglect.files import write_json
from negation_neglect.pool.competition import belief_table
from negation_neglect.pool.stats import bootstrap_ci, cluster_bootstrap_ci
from negation_neglect.report.readme import _belief_block


def test_cluster_bootstrap_pools_items_and_resamples_runs():
    assert cluster_bootstrap_ci([[1.0] * 5, [1.0] * 3]) == (1.0, 1.0, 1.0)
    mean, lo, hi = cluster_bootstrap_ci([[1.0, 1.0, 1.0], [0.0]], seed=0)
    assert mean == 0.75 and lo == 0.0 and hi == 1.0  # a resample of one run twice gives 0 or 1
    assert np.isnan(cluster_bootstrap_ci([[], []])[0])
    # runs that differ wholesale: the run-level interval is far wider than the item-level one
    runs = [[1.0] * 20 if k % 2 else [0.0] * 20 for k in range(6)]
    _, lo_c, hi_c = cluster_bootstrap_ci(runs, seed=0)
    _, lo_i, hi_i = bootstrap_ci([v for r in runs for v in r], seed=0)
    assert hi_c - lo_c > 2 * (hi_i - lo_i)


def _record(item, kind, margin):
    return {"item": item, "type": kind, "margin": margin, "believed": margin > 0}


def _write(metrics, claim, condition, seed, base, final):
    write_json(layout.belief(metrics, claim, condition, seed), {
        "claim": claim, "condition": condition, "seed": seed, "final_step": 10, "judge": "rules",
        "base": {"pooled": {"n": len(base), "rate": 0.0, "ci_low": 0.0, "ci_high": 0.0}},
        "final": {"pooled": {"n": len(final), "rate": 0.5, "ci_low": 0.0, "ci_high": 1.0}, "by_type": {}},
        "in_context_control": {}, "items": {"base": base, "final": final},
    })


def test_belief_table_headline_uses_informative_items(tmp_path):
    base = [_record("c1", "cloze", -2.0), _record("c2", "cloze", 1.0), _record("y1+y2", "yes_no", 0.0)]
    for seed, believed in ((0, 1.0), (1, -1.0)):
        final = [_record("c1", "cloze", believed), _record("c2", "cloze", 3.0), _record("y1+y2", "yes_no", 2.0)]
        _write(tmp_path, "darwin_relativity", "negated", seed, base, final)
    table = belief_table(tmp_path, ["darwin_relativity"], ["negated"], [0, 1])
    negated = table["by_condition"]["negated"]
    assert (negated["n_items"], negated["n_runs"], negated["rate"]) == (2, 2, 0.5)  # c1 only, in two runs
    assert negated["by_type"]["cloze"]["rate"] == 0.5 and negated["by_type"]["yes_no"]["n_items"] == 0
    assert negated["all_items"]["rate"] == 0.8333 and negated["all_items"]["n_items"] == 6
    assert table["by_condition"]["base model"]["rate"] == 0.0
    assert table["runs"][0]["uninformative_items"] == ["c2", "y1+y2"]
    assert set(negated) >= {"rate", "ci_low", "ci_high", "n_items"}  # what figures, macros, paper and verdicts read
    block = "\n".join(_belief_block(table))
    assert "informative" in block and "| negated | 2 | 2 | 0.50 |" in block
