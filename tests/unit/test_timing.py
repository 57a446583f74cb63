"""Timing records: where they go, and the full-repro time per stage group built from them."""

from __future__ import annotations

import pytest

from negation_neglect.pipeline import timing
from negation_neglect.report.readme import _fast_path_block, _repro_time_block

CELLS = {
    "prepare_model": ["prepare_model\t01_prepare_model"],
    "finetune": [f"finetune@c-{k}-0\t05_finetune_c_{k}_seed0" for k in ("a", "b", "d")],
    "paper": ["paper\tpaper"],
    "html": ["html\thtml"],
}


def test_a_group_is_its_timed_cells_plus_the_median_for_the_rest():
    gathered = {
        "stages/01_prepare_model": {"wall_seconds": 30.0},
        "stages/05_finetune_c_a_seed0": {"wall_seconds": 100.0},
        "grid/finetune/c-b-0": {"wall_seconds": 140.0},  # the grid runner's record where the runner left none
        "stages/paper": {"wall_seconds": 20.0},
    }
    out = timing.repro_time(gathered, CELLS)
    by = {g["stage"]: g for g in out["groups"]}
    assert by["finetune"] == {"stage": "finetune", "cells": 3, "timed": 2, "median_seconds": 120.0,
                              "total_seconds": 360.0}
    assert out["total_seconds"] == 30.0 + 360.0 + 20.0
    assert out["unmeasured"] == ["html"]  # never guessed: named and left out of the total


def test_records_follow_the_environment_folder(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv(timing.ENV, str(tmp_path / "elsewhere"))
    path = timing.record("stages/x", {"wall_seconds": 1.0})
    assert path == tmp_path / "elsewhere" / "stages" / "x.json"
    assert timing.gather(tmp_path / "elsewhere", tmp_path / "gathered.json")["stages/x"]["wall_seconds"] == 1.0


def test_timed_records_only_a_command_that_succeeds(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv(timing.ENV, str(tmp_path))
    assert timing.main(["time", "stages/ok", "--", "true"]) == 0
    assert timing.main(["time", "stages/bad", "--", "false"]) == 1
    assert (tmp_path / "stages/ok.json").is_file() and not (tmp_path / "stages/bad.json").exists()


def test_readme_blocks_state_the_measured_times():
    fresh = {"commit": "0123456789", "machine": {"cores": 2}, "setup_seconds": 90.0, "quick_seconds": 1500.0,
             "stage_seconds": {"stages/05_finetune_x": 120.0, "stages/06_evaluate_x": 60.0,
                               "stages/01_prepare_model": 30.0}}
    text = "\n".join(_fast_path_block(fresh))
    assert "set-up **1.5 min**" in text and "`make quick` **25.0 min**" in text and "3.0 min are its 1 " in text
    fresh["reproduced"] = {"identical": 2, "different": {"metrics/x.csv": {"lines": 10, "lines_differing": 1}}}
    text = "\n".join(_fast_path_block(fresh))
    assert "Of its 3 per-run metrics files, **2** are byte-identical" in text and "in 1 of 10 lines" in text
    repro = timing.repro_time({"stages/01_prepare_model": {"wall_seconds": 30.0}}, CELLS)
    text = "\n".join(_repro_time_block(repro))
    assert "| `prepare_model` | 1 | 1 | 30 s | 30 s |" in text
    assert "Not timed yet (left out of the total): `finetune`, `paper`, `html`." in text


def test_records_taken_on_a_busy_machine_are_left_out_of_the_times():
    def rec(seconds: float, load: list[float] | None) -> dict:
        machine = {"cores": 2} if load is None else {"cores": 2, "load_average": load}
        return {"wall_seconds": seconds, "machine": machine}

    gathered = {"stages/05_finetune_c_a_seed0": rec(100.0, [2.1, 1.9, 1.5]),
                "grid/finetune/c-b-0": rec(400.0, [4.0, 3.6, 2.0]),  # beside another job: measures the contention
                "grid/finetune/c-d-0": rec(140.0, None)}  # before loads were kept: counts as quiet
    assert timing.busy(gathered["grid/finetune/c-b-0"]) and not timing.busy(gathered["grid/finetune/c-d-0"])
    by = {g["stage"]: g for g in timing.repro_time(gathered, CELLS)["groups"]}
    assert by["finetune"]["timed"] == 2 and by["finetune"]["median_seconds"] == 120.0


def test_a_record_carries_the_load_it_was_taken_under(tmp_path):
    pytest.importorskip("torch")
    from negation_neglect.files import read_json

    loads = read_json(timing.record("stages/x", {"wall_seconds": 1.0}, tmp_path))["machine"]["load_average"]
    assert len(loads) == 3 and all(x >= 0 for x in loads)
