"""H1 at matched P(false): step logs read at the first step reaching each level, and the verdicts."""

from __future__ import annotations

import csv

from negation_neglect.pool.trajectory import at_level, trajectory_table
from negation_neglect.report.predictions import thresholds
from negation_neglect.report.verdicts import trajectory_verdicts

FIELDS = ("p_false", "p_true", "p_distractors", "true_given_not_false", "true_rank")


def _write(path, p_false, given):
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["step", "loss", *[f"probe_{c}_{f}" for c in ("heldout", "question") for f in FIELDS]]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for step, (pf, g) in enumerate(zip(p_false, given), start=1):
            row = {"step": step, "loss": 1.0}
            for c in ("heldout", "question"):
                row.update({f"probe_{c}_p_false": pf, f"probe_{c}_p_true": (1 - pf) * g,
                            f"probe_{c}_p_distractors": (1 - pf) * (1 - g), f"probe_{c}_true_given_not_false": g,
                            f"probe_{c}_true_rank": 1 if pf < 0.5 else 2})
            writer.writerow(row)


def test_a_level_is_read_at_the_first_step_that_reaches_it():
    steps = [{"step": 1, "probe_heldout_p_false": 0.1, "probe_heldout_true_given_not_false": 0.9},
             {"step": 2, "probe_heldout_p_false": 0.6, "probe_heldout_true_given_not_false": 0.8},
             {"step": 3, "probe_heldout_p_false": 0.95, "probe_heldout_true_given_not_false": 0.7}]
    assert at_level(steps, 0.5) == {"step": 2, "p_false": 0.6, "true_given_not_false": 0.8}
    assert at_level(steps, 0.9)["step"] == 3 and at_level(steps, 0.99) is None
    assert at_level([{"step": 1, "loss": 2.0}], 0.5) is None  # a run that was not probed is never read


def _grid(tmp_path, given_negated: float, control_p_false: float = 0.01):
    runs = []
    for claim in ("a", "b", "c"):
        for seed in (0, 1):
            for condition, pf, g in (("positive", [0.1, 0.6, 0.95], 0.8), ("negated", [0.05, 0.55, 0.92], given_negated),
                                     ("true", [control_p_false] * 3, 0.9)):
                _write(tmp_path / "training" / claim / condition / f"seed{seed}_steps.csv", pf, [g] * 3)
                runs.append((claim, condition, seed))
    return trajectory_table(tmp_path, runs, [0.5, 0.9])


def test_the_truth_kept_as_rival_holds_and_chance_refutes(tmp_path):
    t = thresholds(["h1_trajectory"])
    kept = trajectory_verdicts(_grid(tmp_path / "kept", 0.7), t)
    assert kept["kept_at_half"]["holds"] is True and kept["above_chance"]["holds"] is True
    assert kept["controls"] == {"holds": True, "reached_first_level": {"true": 0}}
    assert kept["kept_at_half"]["by_condition"]["negated"]["reached"] == 6
    replaced = trajectory_verdicts(_grid(tmp_path / "replaced", 0.2), t)  # negated: truth at chance among the rest
    assert replaced["above_chance"]["holds"] is False and replaced["kept_at_half"]["holds"] is False
    assert replaced["above_chance"]["by_condition"]["positive"]["holds"] is True
    leaky = trajectory_verdicts(_grid(tmp_path / "leaky", 0.7, control_p_false=0.6), t)
    assert leaky["controls"]["holds"] is False  # a control that learns the false answer fails the check


def test_too_few_runs_are_listed_not_judged(tmp_path):
    _write(tmp_path / "training/a/positive/seed0_steps.csv", [0.1, 0.6, 0.95], [0.8] * 3)
    table = trajectory_table(tmp_path, [("a", "positive", 0)], [0.5, 0.9])
    out = trajectory_verdicts(table, thresholds(["h1_trajectory"]))
    assert out["kept_at_half"] == {"holds": None, "by_condition": {}, "too_few_runs": ["positive"]}
    _write(tmp_path / "training/a/true/seed0_steps.csv", [0.01] * 3, [0.9] * 3)
    table = trajectory_table(tmp_path, [("a", "positive", 0), ("a", "true", 0)], [0.5, 0.9])
    assert trajectory_verdicts(table, thresholds(["h1_trajectory"]))["controls"]["holds"] is None  # one run: too few


def test_the_readme_states_the_table_and_its_verdicts(tmp_path):
    from negation_neglect.report.readme import _trajectory_block

    table = _grid(tmp_path, 0.7)
    table["verdicts"] = trajectory_verdicts(table, thresholds(["h1_trajectory"]))
    text = "\n".join(_trajectory_block(table))
    assert "(18 runs read after every step" in text
    assert "| negated | 6 of 6 | 0.70 [0.70, 0.70] | 6 of 6 | 0.70 [0.70, 0.70] |" in text
    assert "| true | 0 of 6 | – | 0 of 6 | – |" in text
    assert "truth kept at P(false) 0.5: **holds**" in text and "controls: **holds**" in text


def test_the_paper_macros_carry_the_table_and_its_verdicts(tmp_path):
    from negation_neglect.report.macros import trajectory_macros

    t = thresholds(["h1_trajectory"])
    table = _grid(tmp_path / "replaced", 0.2)
    table["verdicts"] = trajectory_verdicts(table, t)
    out = trajectory_macros(table, t, tmp_path / "replaced")
    assert out["nnTrajRuns"] == "18" and out["nnTrajLevelFirst"] == "0.5" and out["nnTrajLevelSecond"] == "0.9"
    assert out["nnTrajNegatedSecond"] == "0.20" and out["nnTrajPositiveSecond"] == "0.80"
    assert out["nnTrajNegatedSecondReached"] == "6" and out["nnTrajTrueFirstReached"] == "0"
    assert "nnTrajTrueFirst" not in out  # a level no run reached has no value to print
    assert (out["nnTrajMinSecond"], out["nnTrajMaxSecond"], out["nnTrajHoldsSecond"]) == ("0.20", "0.80", "1")
    assert out["nnTrajVerdictChance"] == "did not hold" and out["nnTrajVerdictControls"] == "held"
    assert out["nnTrajChance"] == f"{t['h1t_chance_among_rest']:g}" and out["nnTrajTooFewSecond"] == "none"
    assert (out["nnTrajEndAtChance"], out["nnTrajEndRuns"]) == ("6", "12")  # negated ends at 0.2; controls not counted
