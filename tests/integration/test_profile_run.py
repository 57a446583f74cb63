"""A profile runs as a temporary DVC experiment: the workspace keeps its committed results, a rerun replaces
the experiment of the same name, and the run's wall time and its stages' records land in outputs/timing/.

A scratch git + DVC project with one stage stands in for the pipeline (the fast path itself is timed from a
fresh clone by benchmarks/fresh_clone.py, a 20-minute run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from negation_neglect.pipeline import profiles, timing
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
STAGE = """stages:
  square:
    cmd: python square.py
    deps: [square.py]
    params: [sq.x]
    metrics: [y.json: {cache: false}]
"""
SCRIPT = """import json, os, pathlib, yaml
json.dump({"y": yaml.safe_load(open("params.yaml"))["sq"]["x"] ** 2}, open("y.json", "w"))
records = pathlib.Path(os.environ["NEGATION_NEGLECT_TIMING"], "stages")
records.mkdir(parents=True, exist_ok=True)
json.dump({"wall_seconds": 0.1}, open(records / "square.json", "w"))
"""
PROFILE = """# Three squared:
#
#   dvc exp run --temp -n three \\
#     -S 'sq.x=3' \\
#     square
sq:
  x: 3
"""


def _env() -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT / "src"),
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org"}


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=_env(), check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "dvc.yaml").write_text(STAGE)
    (tmp_path / "square.py").write_text(SCRIPT)
    (tmp_path / "params.yaml").write_text("sq:\n  x: 2\n")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/three.yaml").write_text(PROFILE)
    (tmp_path / ".gitignore").write_text("outputs/\n")
    _git("init", "-q", cwd=tmp_path)
    subprocess.run(["dvc", "init", "-q"], cwd=tmp_path, env=_env(), check=True)
    subprocess.run(["dvc", "repro", "-q"], cwd=tmp_path, env={**_env(), timing.ENV: str(tmp_path / "outputs/timing")},
                   check=True)
    _git("add", "-A", cwd=tmp_path)
    _git("commit", "-qm", "x squared", cwd=tmp_path)
    for key, value in _env().items():
        monkeypatch.setenv(key, value)
    return tmp_path


def test_a_profile_runs_apart_and_a_rerun_replaces_it(project):
    committed = (project / "y.json").read_text()
    assert profiles.run("three", project) == 0
    assert profiles.run("three", project) == 0  # DVC alone would refuse the name a second time
    assert (project / "y.json").read_text() == committed  # the workspace keeps its results
    assert _git("status", "--porcelain", cwd=project) == ""
    refs = _git("for-each-ref", "--format=%(refname)", "refs/exps", cwd=project).split()
    assert [r.rsplit("/", 1)[1] for r in refs] == ["three"]
    assert json.loads(_git("show", f"{refs[0]}:y.json", cwd=project)) == {"y": 9}
    records = project / "outputs/timing"
    assert json.loads((records / "profiles/three.json").read_text())["wall_seconds"] > 0
    assert (records / "stages/square.json").is_file()  # written from inside the temporary workspace
