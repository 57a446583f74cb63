"""Cells of the mixing grid: names (token- and mention-matched shares), designs, the recipe they set, the per-dial tests."""

import json
import math

import pytest
import yaml

from negation_neglect.mixing.cells import (
    BACKGROUND_SHARES,
    COUNTERPART_SHARES,
    REFERENCE,
    Cell,
    finetune_params,
    full_grid,
    one_at_a_time,
    parse_cell,
)
from negation_neglect.mixing.pool import axis_tests, cell_table, missing_runs, pass_curves, run_rows
from negation_neglect.params import FinetuneParams, ParamsError, parse_params
from tests.conftest import ROOT


def test_names_round_trip_and_bad_names_say_what_is_allowed():
    for cell in full_grid():
        assert parse_cell(cell.name) == cell
    with pytest.raises(ValueError, match="expected cp<percent>"):
        parse_cell("cp25-interleaved")
    with pytest.raises(ValueError, match="positive share"):
        parse_cell("cp50-bg50-interleaved-x2")
    with pytest.raises(ValueError, match="exposure of at least 1"):
        parse_cell("cp0-bg0-interleaved-x0")
    with pytest.raises(ValueError, match="clustered batches need a second component"):
        parse_cell("cp0-bg0-clustered-x2")  # the claim alone: the same batches as interleaved


def test_designs():
    grid = full_grid()
    # 4 x 4 x 2 x 3 combinations, less 18 that leave the claim no share and 3 clustered ones with the claim alone
    assert len(grid) == len(set(grid)) == 75 and grid[0] == REFERENCE  # the summary's reference is the first cell
    assert all(c.counterpart + c.background < 1 for c in grid)
    oat = one_at_a_time()
    assert oat[0] == REFERENCE and set(oat) <= set(grid)
    # every cell but the reference differs in exactly one dial from the reference or from another cell of the design
    fields = ("counterpart", "background", "composition", "exposure")
    for cell in oat[1:]:
        assert any(sum(getattr(cell, f) != getattr(other, f) for f in fields) == 1 for other in oat if other != cell)
    assert {c.counterpart for c in oat} == set(COUNTERPART_SHARES) and {c.background for c in oat} == set(BACKGROUND_SHARES)
    assert parse_cell("cp10-bg0-clustered-x2") in oat  # composition moves beside the smallest true-counterpart share


def test_finetune_params_take_the_cell_and_keep_the_recipe():
    base = FinetuneParams(lr=0.0005)
    cfg = finetune_params(base, parse_cell("cp25-bg50-clustered-x4"))
    assert cfg.mixture.model_dump() == {"claim": 0.25, "counterpart": 0.25, "background": 0.5, "retention": 0.0}
    assert cfg.composition == "clustered" and cfg.epochs == 4 and cfg.lr == 0.0005
    assert finetune_params(base, REFERENCE).mixture.claim == 1.0


def test_axis_tests_use_only_runs_that_move_one_dial():
    rows = []
    for cp, belief in ((0, 0.9), (25, 0.6), (50, 0.3)):
        for seed, noise in enumerate((0.0, 0.02, -0.02)):
            rows.append({"cell": f"cp{cp}-bg0-interleaved-x2", "condition": "negated", "seed": seed, "belief": belief + noise})
    rows.append({"cell": "cp50-bg25-interleaved-x2", "condition": "negated", "seed": 0, "belief": 5.0})  # moves two dials
    rows += [{"cell": "cp0-bg50-interleaved-x2", "condition": "negated", "seed": s, "belief": 0.9} for s in range(3)]
    tests = axis_tests(rows, "belief")
    assert tests["negated/counterpart"]["n"] == 9 and tests["negated/counterpart"]["rho"] < -0.9
    assert tests["negated/counterpart"]["p_value"] < 0.05
    assert tests["negated/background"]["n"] == 6 and tests["negated/background"]["rho"] == 0.0
    assert "negated/exposure" not in tests  # only one exposure level ran
    assert tests["negated/counterpart"]["slope"] == pytest.approx(-1.2)  # 0.9 -> 0.3 over a share of 0.5
    assert tests["negated/counterpart"]["slope_p"] < 0.001
    assert tests["negated/background"]["slope"] == pytest.approx(0.0, abs=1e-9)
    # two levels x three seeds: a clean fall is significant by the slope, never by the permutation test
    # clustering cannot move at the reference (claim alone), so it is tested beside cp25-bg0-interleaved-x2
    rows += [{"cell": "cp25-bg0-clustered-x2", "condition": "negated", "seed": s, "belief": 0.4 + 0.01 * s} for s in range(3)]
    clustered = axis_tests(rows, "belief")["negated/clustered"]
    assert clustered["at"] == "cp25-bg0-*-x2" and clustered["n"] == 6
    assert clustered["p_floor"] == pytest.approx(0.1, abs=0.02) and clustered["p_value"] >= clustered["p_floor"] - 1e-9
    assert clustered["slope"] == pytest.approx(-0.19) and clustered["slope_p"] < 0.001
    assert tests["negated/counterpart"]["at"] == "cp*-bg0-interleaved-x2"
    table = cell_table(rows, ["belief"])
    ref = next(r for r in table if r["cell"] == REFERENCE.name)
    assert ref["n_runs"] == 3 and ref["belief"] == pytest.approx(0.9) and ref["belief_ci_low"] < 0.9 < ref["belief_ci_high"]
    assert isinstance(Cell(0.1, 0.0, "interleaved", 1).name, str)


def _write_run(root, cell, seed, steps, false_by_step):
    folder = root / cell / "c" / "negated"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed{seed}.json").write_text(json.dumps({
        "steps": steps, "belief": {"rate": 0.5}, "final_context_separation": 1.0, "final_share_true_neutral": 0.1}))
    lines = ["step,context,item,candidate,logprob,share,first_prob,rank"]
    for step, p_false in false_by_step.items():
        for item in ("a", "b"):
            lines += [f"{step},neutral,{item},false,{math.log(p_false)},0,0,1",
                      f"{step},neutral,{item},true,{math.log(1 - p_false)},0,0,2",
                      f"{step},neutral,{item},distractor_1,-20.0,0,0,3",
                      f"{step},negation,{item},false,{math.log(0.5)},0,0,1"]
    (folder / f"seed{seed}.csv").write_text("\n".join(lines) + "\n")


def test_pass_curves_put_cells_of_different_lengths_on_one_axis(tmp_path):
    _write_run(tmp_path, "cp0-bg0-interleaved-x2", 0, 10, {0: 0.1, 5: 0.5, 10: 0.9})
    _write_run(tmp_path, "cp50-bg0-interleaved-x2", 0, 20, {0: 0.1, 10: 0.4, 20: 0.8})  # twice the steps, same passes
    rows = run_rows(tmp_path, ["cp0-bg0-interleaved-x2", "cp50-bg0-interleaved-x2"], ["c"], ["negated"], [0])
    assert [r["belief"] for r in rows] == [0.5, 0.5] and rows[1]["separation"] == 1.0
    curve = pass_curves(tmp_path, rows)
    half = curve[curve["passes"] == 1.0].set_index("cell")
    assert half.loc["cp0-bg0-interleaved-x2", "false"] == pytest.approx(0.5)
    assert half.loc["cp50-bg0-interleaved-x2", "false"] == pytest.approx(0.4)
    assert curve["passes"].max() == 2.0 and curve["true"].iloc[0] == pytest.approx(0.9)
    with pytest.raises(FileNotFoundError, match="seed1.json: this run of the mixing grid has not run"):
        run_rows(tmp_path, ["cp0-bg0-interleaved-x2"], ["c"], ["negated"], [1])
    # an interim summary skips what has not run, and says what that is
    assert len(run_rows(tmp_path, ["cp0-bg0-interleaved-x2"], ["c"], ["negated"], [0, 1], skip_missing=True)) == 1
    assert missing_runs(tmp_path, ["cp0-bg0-interleaved-x2"], ["c"], ["negated"], [0, 1]) == [
        "cp0-bg0-interleaved-x2/c/negated/seed1"]


# --- the share unit: counterpart shares in answer mentions ----------------------------------------------------


def test_mention_cells_parse_set_the_share_unit_and_say_what_is_allowed():
    cell = parse_cell("cp25-bg50-clustered-x2-mentions")
    assert cell == Cell(0.25, 0.5, "clustered", 2, "mentions") and cell.name == "cp25-bg50-clustered-x2-mentions"
    assert parse_cell("cp25-bg50-clustered-x2").share_unit == "tokens"  # every earlier name keeps its meaning
    assert all(c.share_unit == "tokens" for c in full_grid())
    cfg = finetune_params(FinetuneParams(), cell)
    assert cfg.share_unit == "mentions" and cfg.mixture.counterpart == 0.25 and cfg.composition == "clustered"
    assert finetune_params(FinetuneParams(), REFERENCE).share_unit == "tokens"
    with pytest.raises(ValueError, match=r"x<exposure>\[-mentions\]"):
        parse_cell("cp25-bg0-interleaved-x2-mention")
    with pytest.raises(ValueError, match="with cp0 the cell is 'cp0-bg50-interleaved-x2'"):
        parse_cell("cp0-bg50-interleaved-x2-mentions")


@pytest.mark.parametrize(
    ("section", "key", "value", "must_mention"),
    [
        ("mixing", "cells", ["cp0-bg0-interleaved-x2", "cp25-bg0-interleaved-x2-words"], "'mixing.cells': Value error"),
        ("mixing", "cells", ["cp0-bg0-interleaved-x2-mentions"], "'mixing.cells': Value error"),
        ("finetune", "share_unit", "words", "'finetune.share_unit': Input should be 'tokens' or 'mentions'"),
    ],
)
def test_bad_share_units_fail_in_one_line_naming_the_key(section, key, value, must_mention):
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw[section][key] = value
    with pytest.raises(ParamsError) as info:
        parse_params(raw)
    assert "\n" not in str(info.value) and must_mention in str(info.value)
    raw[section][key] = ["cp0-bg0-interleaved-x2", "cp25-bg0-interleaved-x2-mentions"] if key == "cells" else "mentions"
    parse_params(raw)


def test_token_and_mention_cells_are_never_pooled_in_one_test():
    rows = []
    for cell, belief in (("cp0-bg0-interleaved-x2", 0.9), ("cp25-bg0-interleaved-x2", 0.6), ("cp50-bg0-interleaved-x2", 0.3),
                         ("cp25-bg0-interleaved-x2-mentions", 0.8), ("cp50-bg0-interleaved-x2-mentions", 0.7)):
        rows += [{"cell": cell, "condition": "negated", "seed": s, "belief": belief + 0.01 * s} for s in range(3)]
    tests = axis_tests(rows, "belief")
    tokens, mentions = tests["negated/counterpart"], tests["negated/counterpart_mentions"]
    assert tokens["n"] == 9 and tokens["at"] == "cp*-bg0-interleaved-x2" and tokens["slope"] == pytest.approx(-1.2)
    # the mention dial: its own cells and the cp0 cell, the same batches in either unit
    assert mentions["n"] == 9 and mentions["at"] == "cp*-bg0-interleaved-x2-mentions"
    assert mentions["slope"] == pytest.approx(-0.4)
    table = cell_table(rows, ["belief"])
    assert {r["share_unit"] for r in table} == {"tokens", "mentions"}
    # without mention cells there is no mention dial
    assert "negated/counterpart_mentions" not in axis_tests([r for r in rows if "mentions" not in r["cell"]], "belief")
