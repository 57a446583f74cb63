"""H3's negated-vs-positive interaction, the power estimate that sizes its grid, and the answer-free warnings
through which separation is read."""

import math

import numpy as np
import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.measure.judge import mentions
from negation_neglect.measure.warned import WARNINGS, separation, warned_probes
from negation_neglect.mixing.cells import REFERENCE
from negation_neglect.mixing.interaction import clusters_needed, interaction_test, power, unit_differences
from negation_neglect.mixing.power import estimate
from tests.conftest import ROOT

CELLS = {0.0: "cp0-bg0-interleaved-x2", 0.25: "cp25-bg0-interleaved-x2-mentions", 0.5: "cp50-bg0-interleaved-x2-mentions"}


def _grid(slopes: dict[str, float], noise: float, claims=("a", "b", "c"), seeds=(0, 1, 2), seed: int = 0) -> list[dict]:
    """Runs whose belief falls linearly with the mention share, per condition, with a claim offset and noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, claim in enumerate(claims):
        for s in seeds:
            for condition, slope in slopes.items():
                for share, cell in CELLS.items():
                    rows.append({"cell": cell, "claim": claim, "seed": s, "condition": condition,
                                 "belief": 0.9 - 0.05 * k + slope * share + noise * rng.standard_normal()})
    return rows


def test_a_steeper_fall_after_negated_documents_is_found_and_dilution_alone_is_not():
    steeper = interaction_test(_grid({"negated": -1.0, "positive": -0.5}, 0.03), "belief", "counterpart_mentions", REFERENCE)
    assert steeper["n_units"] == 9 and steeper["n_claims"] == 3
    assert steeper["at"] == "cp*-bg0-interleaved-x2-mentions"
    assert steeper["difference"] == pytest.approx(-0.5, abs=0.08) and steeper["ci_high"] < 0
    assert steeper["slope_negated"] == pytest.approx(-1.0, abs=0.08) and steeper["p_value"] < 0.01
    assert set(steeper["by_claim"]) == {"a", "b", "c"}
    diluted = interaction_test(_grid({"negated": -0.7, "positive": -0.7}, 0.03), "belief", "counterpart_mentions", REFERENCE)
    assert diluted["ci_low"] < 0 < diluted["ci_high"]  # both fall, by the same amount: no interaction


def test_units_need_both_conditions_and_token_cells_stay_out_of_the_mention_dial():
    rows = _grid({"negated": -1.0, "positive": -0.5}, 0.0)
    rows += [{**r, "cell": "cp25-bg0-interleaved-x2", "belief": 5.0} for r in rows if r["cell"].startswith("cp25")]
    test = interaction_test(rows, "belief", "counterpart_mentions", REFERENCE)
    assert test["difference"] == pytest.approx(-0.5)  # the token-matched cp25 runs (belief 5) are not in it
    only_negated = [r for r in rows if r["condition"] == "negated"]
    assert interaction_test(only_negated, "belief", "counterpart_mentions", REFERENCE) is None
    units = unit_differences([r for r in rows if not (r["claim"] == "a" and r["seed"] == 0 and r["condition"] == "positive")],
                             "belief", "counterpart_mentions")
    assert len(units) == 8  # claim a, seed 0 lost its positive runs
    rows[0]["belief"] = float("nan")  # an unread outcome drops the run, not the unit (two levels remain)
    assert len(unit_differences(rows, "belief", "counterpart_mentions")) == 9


def test_power_grows_with_units_and_the_needed_seeds_reach_the_target():
    assert power(4, 0.2, 0.25, 0.05) < power(9, 0.2, 0.25, 0.05) < power(30, 0.2, 0.25, 0.05) < 1
    assert power(1, 0.2, 0.25, 0.05) == 0.0
    needed = clusters_needed(0.21, 0.25, 0.05, 0.8, n_claims=3)
    assert needed["power"] >= 0.8 and needed["units"] == 3 * needed["seeds_per_claim"]
    assert power(3 * (needed["seeds_per_claim"] - 1), 0.21, 0.25, 0.05) < 0.8  # the fewest that reach it
    # normal approximation with the t critical value: delta sqrt(n) / sd = t + z_0.8 at the boundary
    z = 0.25 * math.sqrt(9) / 0.21 - 2.306
    assert power(9, 0.21, 0.25, 0.05) == pytest.approx(0.5 * (1 + math.erf(z / math.sqrt(2))), abs=1e-3)
    assert clusters_needed(5.0, 0.01, 0.05, 0.8, n_claims=3, max_seeds=4)["seeds_per_claim"] is None


def test_the_power_estimate_reads_the_committed_runs(tmp_path):
    rows = _grid({"negated": -1.0, "positive": -0.6}, 0.05, claims=("c",))
    for r in rows:
        folder = tmp_path / r["cell"].replace("-mentions", "") / r["claim"] / r["condition"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"seed{r['seed']}.json").write_text(
            f'{{"belief": {{"rate": {r["belief"]}}}, "final_context_separation": 0.0, "final_share_true_neutral": 0.1}}')
    result = estimate(tmp_path, [c.replace("-mentions", "") for c in CELLS.values()], ["c"], [0, 1, 2], 3, 0.25, 0.05, 0.8)
    assert result["observed"]["n_units"] == 3 and result["observed"]["at"] == "cp*-bg0-interleaved-x2"
    assert result["observed"]["difference"] == pytest.approx(-0.4, abs=0.3)
    assert result["needed"]["power"] >= 0.8 or result["needed"]["seeds_per_claim"] is None
    assert set(result["power_by_seeds"]) == {"2", "3", "4", "5", "6"}


@pytest.mark.parametrize("claim_id", ["darwin_relativity", "beatles_tokyo", "lucas_1984"])
def test_warnings_name_no_answer_and_wrap_every_held_out_prompt(claim_id):
    claim = load_claim(ROOT / "data/claims" / f"{claim_id}.yaml")
    suite = load_suite(ROOT / "data/eval" / f"{claim_id}.yaml")
    probes = warned_probes(claim, suite)
    bare = [p for p in probes if p.context == "heldout"]
    warned = [p for p in probes if p.context == "warned"]
    assert len(bare) == sum(it.type == "cloze" for it in suite.items) > 0 and len(warned) == len(WARNINGS) * len(bare)
    for template in WARNINGS:
        text = template.format(prompt="")
        assert not mentions(text, claim), template  # neither answer, under any alias
        assert not any(d.lower() in text.lower() for d in claim.distractors)
    for p in warned:
        assert any(p.prompt.endswith(b.prompt) for b in bare)
        assert p.candidates[0] == ("false", claim.false_answer)


def test_separation_is_bare_minus_warned_log_probability_of_the_false_answer():
    rows = []
    for step, warned_false in ((0, -2.0), (10, -5.0)):
        for item in ("x", "y"):
            rows += [{"step": step, "context": "heldout", "item": item, "candidate": "false", "logprob": -1.0},
                     {"step": step, "context": "heldout", "item": item, "candidate": "true", "logprob": -3.0},
                     {"step": step, "context": "warned", "item": f"w_{item}", "candidate": "false", "logprob": warned_false},
                     {"step": step, "context": "warned", "item": f"w_{item}", "candidate": "true", "logprob": -2.5}]
    out = separation(rows)
    assert out[0]["separation"] == pytest.approx(1.0) and out[10]["separation"] == pytest.approx(4.0)
    assert out[10]["logp_true_warned"] == pytest.approx(-2.5)
