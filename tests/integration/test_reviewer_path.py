"""Outputs that travel: a grid fanned out on a scheduler, pushed to a DVC remote, pulled by a fresh clone.

A scratch project (tiny model, the project's own dvc.yaml, Makefile and remote settings) runs the inputs
of the fine-tuning grid with `dvc repro`, fans the grid's two cells out as parallel jobs through
submitit's local executor (`python -m negation_neglect.pipeline.fanout`), evaluates one, commits, pushes to a
temporary directory remote, and is cloned. The clone pulls, finds nothing to recompute, and a forced
rerun of the evaluation stage rewrites its metrics byte for byte.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, make_tiny_project

CLAIM = "darwin_relativity"
EVALUATE = f"evaluate@{CLAIM}-negated-0"
BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, timeout: int = 900) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT / "src"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def _pull_command() -> list[str]:
    """The Makefile's `pull` recipe, as the test runs it (the Makefile would build a virtualenv first)."""
    recipe = re.search(r"^pull:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    return recipe.replace("$(BIN)/", "").split()


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, tiny_model_dir):
    root = tmp_path_factory.mktemp("origin")
    params = make_tiny_project(root, tiny_model_dir, CLAIM)
    params["finetune"]["seeds"] = [0, 1]  # two cells to fan out
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    for name in ("src", ".dvc"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "tmp",
                                                                               "cache", "config.local"))
    for name in ("dvc.yaml", ".gitignore", ".dvcignore", "data.dvc", "Makefile"):
        shutil.copy(ROOT / name, root / name)
    remote = tmp_path_factory.mktemp("remote")
    _run(["git", "init", "-q"], root)
    _run(["dvc", "remote", "modify", "--local", "store", "url", str(remote)], root)  # the README's switch
    _run(["dvc", "commit", "-f", "-q", "data.dvc"], root)  # the tiny facts and prompts
    _run(["dvc", "repro", "background", f"synthesize@{CLAIM}"], root)
    log = _run([str(BIN / "python"), "-m", "negation_neglect.pipeline.fanout", "finetune", "--executor", "local",
                "--parallel", "2"], root)
    assert "finetune: 2 cell(s) recorded in dvc.lock, 0 failed" in log, log
    _run(["dvc", "repro", EVALUATE], root)
    _run(["git", "add", "-A"], root)
    _run(["git", "commit", "-q", "-m", "results"], root)
    _run(["dvc", "push", "--run-cache"], root)
    return root, remote


def test_fanned_out_cells_are_recorded_as_if_reproduced(pushed):
    origin, _ = pushed
    status = _run(["dvc", "status", *(f"finetune@{CLAIM}-negated-{s}" for s in (0, 1))], origin)
    assert "up to date" in status, status
    for seed in (0, 1):
        assert (origin / f"metrics/training/{CLAIM}/negated/seed{seed}.json").is_file()
        assert (origin / f"outputs/runs/{CLAIM}/negated/seed{seed}/log.json").is_file()


def test_a_clone_pulls_the_outputs_and_reruns_one_stage_byte_for_byte(pushed, tmp_path):
    origin, remote = pushed
    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(origin), str(clone)], tmp_path)
    assert not (clone / "outputs/runs").exists()  # git carries metrics and dvc.lock, not the outputs
    _run(["dvc", "remote", "modify", "--local", "store", "url", str(remote)], clone)
    _run(_pull_command(), clone)
    assert (clone / f"outputs/runs/{CLAIM}/negated/seed0/log.json").is_file()
    status = _run(["dvc", "status", "--with-deps", EVALUATE], clone)
    assert "up to date" in status, status  # nothing of what the origin ran needs recomputing after a pull
    metrics = [f"metrics/belief/{CLAIM}/negated/seed0.json", f"metrics/competition/{CLAIM}/negated/seed0.csv"]
    before = {m: (clone / m).read_bytes() for m in metrics}
    log = _run(["dvc", "repro", "--single-item", "--force", EVALUATE], clone)
    assert f"Running stage '{EVALUATE}'" in log and "Running stage 'finetune" not in log
    assert {m: (clone / m).read_bytes() for m in metrics} == before
    assert _run(["git", "status", "--porcelain"], clone).strip() == ""
