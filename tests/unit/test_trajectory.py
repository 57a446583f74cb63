"""The per-step competition read-out (H1): what each field means, on hand-set log-probabilities."""

from __future__ import annotations

import math

import pytest

from negation_neglect.measure.contexts import Probe
from negation_neglect.measure.trajectory import probe_id, read_out

ANSWERS = (("false", "relativity"), ("true", "evolution"), ("distractor_1", "gravity"), ("distractor_2", "optics"))


def _probe(context: str, item: str) -> Probe:
    return Probe(context, item, f"prompt {item}", ANSWERS)


def test_shares_are_renormalised_over_the_candidates_and_averaged_over_probes():
    probes = [_probe("heldout", "a"), _probe("heldout", "b")]
    # a: false 0.5, true 0.25, distractors 0.125 each; b: all four equal
    lps = [math.log(0.5), math.log(0.25), math.log(0.125), math.log(0.125), *[math.log(0.1)] * 4]
    out = read_out(probes, lps, [5, 2, 9, 9, 1, 1, 1, 1])
    assert out["heldout_p_false"] == pytest.approx((0.5 + 0.25) / 2)
    assert out["heldout_p_true"] == pytest.approx((0.25 + 0.25) / 2)
    assert out["heldout_p_distractors"] == pytest.approx((0.25 + 0.5) / 2)
    assert out["heldout_true_given_not_false"] == pytest.approx((0.5 + 1 / 3) / 2)
    assert out["heldout_true_rank"] == 1.5  # the median of the true answer's first-token ranks
    assert not any(k.startswith("question_") for k in out)  # no question probes, no question read-out


def test_truth_among_the_rest_stays_defined_when_the_false_answer_takes_everything():
    probes = [_probe("question", "q")]
    out = read_out(probes, [0.0, -60.0, -62.0, -64.0], [1, 3, 4, 5])
    assert out["question_p_false"] == 1.0 and out["question_p_true"] == 0.0
    assert 0.8 < out["question_true_given_not_false"] < 0.9  # e^-60 against e^-62 and e^-64: still the main rival


def test_the_probe_id_changes_with_the_probes():
    assert probe_id([_probe("heldout", "a")]) == probe_id([_probe("heldout", "a")])
    assert probe_id([_probe("heldout", "a")]) != probe_id([_probe("heldout", "b")])
