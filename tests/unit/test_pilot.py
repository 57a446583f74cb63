"""The learning-rate pilot's rule, and the grid's learning rate against the pilot's committed choice."""

from __future__ import annotations

import json

import pytest
import yaml

from negation_neglect.train.pilot import choose_lr, lr_tag, neutral_p_false
from tests.conftest import ROOT


def _run(claim, lr, p_false, belief):
    return {"claim": claim, "lr": lr, "p_false": p_false, "belief": belief}


def test_largest_rate_that_learns_without_saturating():
    results = [_run("a", 1e-3, 0.999, 1.0), _run("b", 1e-3, 0.90, 0.9),  # saturates on a
               _run("a", 6e-4, 0.90, 0.8), _run("b", 6e-4, 0.70, 0.7),  # both conditions met
               _run("a", 3e-4, 0.30, 0.6), _run("b", 3e-4, 0.10, 0.5)]  # also met, but smaller
    assert choose_lr(results, 0.95, 0.5) == {"lr": 6e-4, "rule": "largest learning rate that learns every claim "
                                                                 "without saturating"}


def test_one_claim_that_fails_rules_a_rate_out():
    results = [_run("a", 6e-4, 0.90, 0.8), _run("b", 6e-4, 0.70, 0.4),  # b does not learn
               _run("a", 3e-4, 0.50, 0.6), _run("b", 3e-4, 0.40, 0.6)]
    assert choose_lr(results, 0.95, 0.5)["lr"] == 3e-4


def test_without_an_unsaturated_rate_the_least_saturated_that_learns():
    results = [_run("a", 1e-3, 0.999, 1.0), _run("a", 6e-4, 0.97, 0.9), _run("a", 3e-4, 0.5, 0.2)]
    choice = choose_lr(results, 0.95, 0.5)
    assert choice["lr"] == 6e-4 and choice["rule"].startswith("no rate avoids saturation")


def test_when_nothing_learns_the_largest_rate_stays():
    results = [_run("a", 1e-3, 0.2, 0.1), _run("a", 3e-4, 0.0, 0.0)]
    choice = choose_lr(results, 0.95, 0.5)
    assert choice["lr"] == 1e-3 and choice["rule"].startswith("no rate learns")


def test_neutral_p_false_reads_only_the_neutral_false_rows_of_the_step():
    rows = [{"step": 5, "context": "neutral", "candidate": "false", "logprob": 0.0},
            {"step": 5, "context": "neutral", "candidate": "false", "logprob": -100.0},
            {"step": 5, "context": "neutral", "candidate": "true", "logprob": 0.0},
            {"step": 5, "context": "negation", "candidate": "false", "logprob": 0.0},
            {"step": 0, "context": "neutral", "candidate": "false", "logprob": 0.0}]
    assert neutral_p_false(rows, 5) == pytest.approx(0.5)
    assert lr_tag(6e-4) == "lr0.0006"


def test_the_grid_trains_at_the_learning_rate_the_pilot_picked():
    """The committed pilot's choice is params.yaml's finetune.lr (once the pilot has run with these settings)."""
    path = ROOT / "metrics/pilot.json"
    if not path.exists():
        pytest.skip("the pilot has not run on this checkout")
    pilot = json.loads(path.read_text())
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert sorted({r["lr"] for r in pilot["runs"]}) == sorted(params["pilot"]["lrs"])
    assert params["finetune"]["lr"] == pilot["choice"]["lr"]
