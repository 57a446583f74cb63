"""A grid reproduced cell by cell: each finished cell's metrics and dvc.lock land in git at once, seed-major,
and a stopped grid goes on where it stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from negation_neglect.pipeline.grid import cell_order, run_grid

BIN = Path(sys.executable).parent

DVC_YAML = """\
stages:
  make:
    matrix:
      claim: [alpha, beta]
      seed: [0, 1]
    cmd: python step.py none metrics/make/${item.claim}/seed${item.seed}.json ${item.seed}
      && python step.py metrics/make/${item.claim}/seed${item.seed}.json outputs/${item.claim}/seed${item.seed}.bin 0
    deps:
      - step.py
      - upstream.txt
    outs:
      - outputs/${item.claim}/seed${item.seed}.bin
      - metrics/make/${item.claim}/seed${item.seed}.json:
          cache: false
  score:
    matrix:
      claim: [alpha, beta]
      seed: [0, 1]
    cmd: python step.py outputs/${item.claim}/seed${item.seed}.bin metrics/score/${item.claim}/seed${item.seed}.json 0
    deps:
      - step.py
      - outputs/${item.claim}/seed${item.seed}.bin
    metrics:
      - metrics/score/${item.claim}/seed${item.seed}.json:
          cache: false
"""

STEP = """\
import pathlib, sys
source, target, value = sys.argv[1:]
text = pathlib.Path(source).read_text() if source != "none" else '{"v": %s}' % value
pathlib.Path(target).parent.mkdir(parents=True, exist_ok=True)
pathlib.Path(target).write_text(text)
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for args in (["git", "init", "-q"], ["dvc", "init", "-q"]):
        subprocess.run(args, cwd=tmp_path, check=True)
    (tmp_path / "dvc.yaml").write_text(DVC_YAML)
    (tmp_path / "step.py").write_text(STEP)
    (tmp_path / "upstream.txt").write_text("regenerated text")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "grid"], cwd=tmp_path, check=True)
    return tmp_path


def _log(root: Path) -> list[str]:
    out = subprocess.run(["git", "log", "--format=%s"], cwd=root, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[::-1]


def test_cells_run_seed_major():
    keys = ["alpha-positive-0", "alpha-positive-1", "beta-negated-0", "beta-negated-1"]
    assert cell_order(keys) == ["alpha-positive-0", "beta-negated-0", "alpha-positive-1", "beta-negated-1"]
    organisms = ["8-1-plain", "8-0-recurring", "32-0-plain"]  # no seed last: the matrix's own order
    assert cell_order(organisms) == organisms


def test_each_cell_is_committed_as_it_finishes_and_a_stopped_grid_goes_on(project):
    (project / "notes.txt").write_text("work in progress")
    subprocess.run(["git", "add", "notes.txt"], cwd=project, check=True)  # staged, and must stay out of the commits

    assert run_grid(["make", "score"], project, limit=3) == ["alpha-0", "beta-0", "alpha-1"]
    assert _log(project)[1:] == [f"Grid cell {k}: make, score (metrics and dvc.lock)" for k in ("alpha-0", "beta-0", "alpha-1")]
    shown = subprocess.run(["git", "show", "--name-only", "--format=", "HEAD"], cwd=project, capture_output=True,
                           text=True, check=True).stdout.split()
    assert sorted(shown) == ["benchmarks/results/stage_timing.json", "dvc.lock", "metrics/make/alpha/seed1.json",
                             "metrics/score/alpha/seed1.json"]
    timed = json.loads((project / "benchmarks/results/stage_timing.json").read_text())
    assert sorted(timed) == sorted(f"grid/{s}/{k}" for s in ("make", "score") for k in ("alpha-0", "beta-0", "alpha-1"))
    assert all(t["wall_seconds"] > 0 and t["machine"]["cores"] for t in timed.values())
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=project, capture_output=True, text=True,
                            check=True).stdout.split()
    assert staged == ["notes.txt"]

    assert run_grid(["make", "score"], project) == ["beta-1"]  # only what is left
    assert run_grid(["make", "score"], project) == []
    status = subprocess.run(["dvc", "status"], cwd=project, capture_output=True, text=True, check=True).stdout
    assert "up to date" in status


def test_a_new_machine_goes_on_where_the_grid_stopped(project):
    """Git carries dvc.lock and the metrics, not DVC's cache: finished cells whose cached outputs are missing are
    not rerun; a cell that must rerun recomputes what it needs."""
    import shutil

    assert run_grid(["make", "score"], project, limit=2) == ["alpha-0", "beta-0"]
    shutil.rmtree(project / "outputs")
    shutil.rmtree(project / ".dvc" / "cache")
    assert run_grid(["make", "score"], project) == ["alpha-1", "beta-1"]
    (project / "step.py").write_text(STEP + "# changed\n")  # every cell's stages now really changed
    subprocess.run(["git", "commit", "-q", "-am", "step changed"], cwd=project, check=True)
    shutil.rmtree(project / "outputs")
    assert run_grid(["make", "score"], project, limit=1) == ["alpha-0"]
    assert (project / "outputs/alpha/seed0.bin").is_file()


def test_an_accepted_upstream_change_keeps_finished_cells_and_no_other_change_does(project):
    """`accept_changed`: finished cells whose only change is the named dependency are kept, unfinished cells run;
    a change anywhere else still reruns them, and without the flag the named change does too."""
    assert run_grid(["make", "score"], project, limit=2) == ["alpha-0", "beta-0"]
    (project / "upstream.txt").write_text("regenerated text, a few characters apart")
    assert run_grid(["make", "score"], project, accept_changed=["upstream.txt"]) == ["alpha-1", "beta-1"]
    assert run_grid(["make", "score"], project, accept_changed=["upstream.txt"]) == []
    (project / "step.py").write_text(STEP + "# changed\n")
    assert run_grid(["make", "score"], project, limit=1, accept_changed=["upstream.txt"]) == ["alpha-0"]
    assert run_grid(["make", "score"], project, limit=1) == ["beta-0"]
