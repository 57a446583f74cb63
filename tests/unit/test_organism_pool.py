"""Pooling organisms: plain and recurring-corpus organisms kept apart, understood framings from the lone-claim gate."""

import pytest

from negation_neglect.organism.pool import pool_organisms
from negation_neglect.organism.world import FRAMINGS, LONE_FRAMINGS
from negation_neglect.report.readme_tracks import organism_block

READ = {"belief": 0.0, "margin": 0.0, "share_false": 0.1, "share_true": 0.8, "separation": 1.0, "belief_in_negation": 0.0}


def _pretrained(diversity, seed, variant, lone_passes):
    gate = {f: {"passes": True, "held_out": {"accuracy": 0.9}, "known": {"accuracy": 1.0}} for f in FRAMINGS}
    lone = {f: {"passes_with_controls": lone_passes, "lone_binary": {"accuracy": 1.0}, "lone_open": {"accuracy": 1.0},
                "probe_filler": {"accuracy": 0.25 * (1 + seed)}} for f in LONE_FRAMINGS}
    lone["local"]["probe_swapped"] = {"accuracy": 1.0}
    return {"diversity": diversity, "seed": seed, "corpus_variant": variant, "gate": gate, "parameters": 1000,
            "tokens": 5000, "lone_gate": {"framings": lone, "min_accuracy": 0.95}}


def _finetuned(diversity, seed, variant, beliefs):
    runs = [{"condition": c, "variant": v, "seed": 0, "spillover_accuracy": 0.9, "final": {**READ, "belief": b}}
            for (c, v), b in beliefs.items()]
    return {"diversity": diversity, "seed": seed, "corpus_variant": variant, "runs": runs,
            "base": {"belief": 0.0, "spillover_accuracy": 1.0},
            "in_context": {c: {"belief": 0.1} for c in ("positive", "sentence")},
            "in_context_fresh": {"positive": {"lift": 2.0 + seed}, "sentence": {"lift": -1.0}}}


def _sweep():
    pretrained, finetuned = [], []
    for d in (8, 32):
        for s in (0, 1):
            pretrained += [_pretrained(d, s, "plain", lone_passes=(d == 8)), _pretrained(d, s, "recurring", True)]
            plain = {("positive", "full"): 0.9, ("sentence", "full"): 0.8, ("sentence", "full_replay"): 0.6}
            finetuned += [_finetuned(d, s, "plain", plain),
                          _finetuned(d, s, "recurring", {**plain, ("sentence", "full"): 0.5, ("sentence", "full_replay"): 0.5})]
    return pretrained, finetuned


def test_plain_organisms_carry_the_tests_and_recurring_ones_are_paired_with_them():
    summary, table = pool_organisms(*_sweep(), ["sentence"])
    assert summary["n_organisms"] == 8 and summary["corpus_variants"] == ["plain", "recurring"]
    # neglect reads plain organisms only, and counts as understood where the lone-claim gate passed (diversity 8)
    assert summary["neglect"]["sentence/full"]["understood_organisms"] == 2
    assert summary["neglect"]["sentence/full"]["belief_all"]["n"] == 4
    assert summary["replay_test"]["n"] == 4 and summary["replay_test"]["mean_difference"] == pytest.approx(-0.2)
    assert summary["recurring_test"]["n"] == 8 and summary["recurring_test"]["mean_difference"] == pytest.approx(-0.2)
    assert summary["positive_control"]["mean"] == pytest.approx(0.9) and summary["positive_control"]["n"] == 4
    assert summary["fresh_lift"]["positive"]["mean"] == pytest.approx(2.5)
    assert {r["corpus_variant"] for r in table} == {"plain", "recurring"} and len(table) == 2 * 2 * 3


def test_the_shortcut_probes_are_pooled_and_the_readme_reports_the_lone_gate_and_the_verdicts():
    pretrained, finetuned = _sweep()
    summary, _ = pool_organisms(pretrained, finetuned, ["sentence"])
    assert summary["lone_gate"]["sentence"]["probes"]["probe_filler"]["mean"] == pytest.approx(0.375)
    assert set(summary["lone_gate"]["local"]["probes"]) == {"probe_filler", "probe_swapped"}
    text = "\n".join(organism_block(summary, pretrained, [{"train_seconds": 600.0}, {"train_seconds": 660.0}]))
    assert "8 Llama organisms of 1,000 weights" in text and "median 10.5 min of pre-training" in text
    # plain organisms pass the lone gate at diversity 8 only, recurring ones everywhere
    assert "| sentence | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] | 6 of 8 |" in text
    assert "- local: swapped 1.00, filler 0.38" in text
    assert "| sentence/full | 0.80 [0.80, 0.80] | 0.80 [0.80, 0.80] (2) |" in text
    assert "-0.200 (sign-flip p = 0.008, 8 pairs)" in text  # recurring minus plain belief, every pair
    assert "recurring framed claims protect **held**" in text
    assert "neglect despite understanding **held** (sentence believed)" in text
    assert "h4_organism_v2" in text and "contrast gate only" not in text


def test_the_paper_macros_carry_the_lone_gate_controls_and_the_second_verdicts():
    from negation_neglect.report.macros import organism_v2_macros

    pretrained, finetuned = _sweep()
    summary, _ = pool_organisms(pretrained, finetuned, ["sentence"])
    out = organism_v2_macros(summary, pretrained)
    assert out["nnOrgLoneSentencePass"] == "6" and out["nnOrgLoneMeasured"] == "8" and out["nnOrgLoneBar"] == "95"
    assert out["nnOrgLoneMarkerBinary"] == "100" and out["nnOrgProbeLocalSwapped"] == "100"
    assert out["nnOrgRecurringDiff"] == "-20" and out["nnOrgRecurringPairs"] == "8"
    assert out["nnOrgVNeglect"] == "held" and out["nnOrgVNeglectSentence"] == "believed"
    assert out["nnOrgVReading"] == "passed" and out["nnOrgFreshLiftPositive"] == "+2.50"
    assert all(k.startswith("nn") and k.isalpha() for k in out)  # LaTeX macro names take letters only
