"""Pre-registration, checked against git history: a prediction registered before its results is committed
in a commit of its own, before the metrics it judges, and changed after them only by appended, dated
amendments. A prediction written after its results says so (`registered: after_results`, with the reason),
and is reported as not pre-registered."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from negation_neglect.report.predictions import AMENDMENT, read_prediction
from tests.conftest import ROOT


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def _commits(root: Path, path: str) -> list[str]:
    """Commits that touched `path`, oldest first."""
    return _git(root, "log", "--format=%H", "--", path).stdout.split()[::-1]


def _before(root: Path, a: str, b: str) -> bool:
    """Commit a is a strict ancestor of commit b."""
    return a != b and _git(root, "merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def problems(root: Path, prediction: str) -> list[str]:
    """What is wrong with the history of one committed prediction file (empty when nothing is)."""
    header = read_prediction(root / prediction)
    history = _commits(root, prediction)
    if not history:
        return []  # not committed yet: nothing to check against
    found = []
    first = history[0]
    touched = set(_git(root, "show", "--name-only", "--format=", first).stdout.split())
    for judged in header["judges"]:
        path, _, key = judged.partition("#")
        if path in touched:
            found.append(f"{prediction} was first committed together with {path} (its own commit comes first)")
        results = _commits(root, path)
        if key:  # only the commits whose file holds the verdicts are this prediction's results
            results = [c for c in results if key in json.loads(_git(root, "show", f"{c}:{path}").stdout or "{}")]
        if not results or header["registered"] == "after_results":
            continue
        last = results[-1]
        if _before(root, first, last):  # results came after the prediction: later edits only as amendments
            for commit in history[1:]:
                if _before(root, commit, last) or commit == last:
                    continue
                old = _git(root, "show", f"{commit}^:{prediction}").stdout
                new = _git(root, "show", f"{commit}:{prediction}").stdout
                if not new.startswith(old) or not new[len(old):].lstrip("\n").startswith(AMENDMENT):
                    found.append(f"{prediction} changed in {commit[:8]} after the results in {path} other than by an "
                                 f"appended '{AMENDMENT}...' section")
        elif key:
            found.append(f"{path} holds `{key}` from results older than {prediction}")
        else:
            found.append(f"{path} is older than {prediction}, which says it was registered before its results")
    return found


PREDICTION_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "predictions").glob("*.md"))


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git history")
@pytest.mark.parametrize("prediction", PREDICTION_FILES)
def test_prediction_history(prediction):
    assert problems(ROOT, prediction) == []


def _repo(tmp_path: Path) -> Path:
    for args in (["init", "-q"], ["config", "user.email", "t@example.org"], ["config", "user.name", "t"]):
        _git(tmp_path, *args)
    (tmp_path / "predictions").mkdir()
    (tmp_path / "metrics").mkdir()
    return tmp_path


def _commit(root: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (root / name).write_text(text)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)


HEADER = "---\nexperiment: x\njudges: [metrics/x.json]\nregistered: before_results\nthresholds: {gap: 0.1}\n---\n# X\n"


def test_a_prediction_before_its_results_and_amended_after_them_passes(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {"predictions/x.md": HEADER}, "prediction")
    _commit(root, {"metrics/x.json": "{}"}, "results")
    _commit(root, {"predictions/x.md": HEADER + "\n## Amendment, 2026-12-01\nWhy the change.\n"}, "amendment")
    assert problems(root, "predictions/x.md") == []


def test_a_prediction_rewritten_after_its_results_fails(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {"predictions/x.md": HEADER}, "prediction")
    _commit(root, {"metrics/x.json": "{}"}, "results")
    _commit(root, {"predictions/x.md": HEADER.replace("gap: 0.1", "gap: 0.3")}, "moved the threshold")
    assert problems(root, "predictions/x.md") == [
        f"predictions/x.md changed in {_commits(root, 'predictions/x.md')[-1][:8]} after the results in "
        f"metrics/x.json other than by an appended '{AMENDMENT}...' section"]


def test_a_prediction_younger_than_its_results_or_committed_with_them_fails(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {"metrics/x.json": "{}"}, "results")
    _commit(root, {"predictions/x.md": HEADER}, "prediction, after the results")
    assert problems(root, "predictions/x.md") == [
        "metrics/x.json is older than predictions/x.md, which says it was registered before its results"]
    (tmp_path / "together").mkdir()
    root = _repo(tmp_path / "together")
    _commit(root, {"metrics/x.json": "{}", "predictions/x.md": HEADER}, "results and prediction at once")
    assert problems(root, "predictions/x.md")[0].startswith("predictions/x.md was first committed together with")


def test_a_verdict_key_in_results_older_than_the_prediction_fails(tmp_path):
    root = _repo(tmp_path)
    header = HEADER.replace("[metrics/x.json]", '["metrics/x.json#verdicts"]')
    _commit(root, {"metrics/x.json": "{}"}, "old results, from before this prediction")
    _commit(root, {"predictions/x.md": header}, "prediction")
    edited = header.replace("gap: 0.1", "gap: 0.2")
    _commit(root, {"predictions/x.md": edited}, "edited before its run: allowed")
    assert problems(root, "predictions/x.md") == []  # pending: the run it judges has not happened yet
    _commit(root, {"metrics/x.json": '{"verdicts": {}}'}, "results after the prediction")
    assert problems(root, "predictions/x.md") == []
    _commit(root, {"predictions/x.md": edited + "\n## Amendment, 2026-12-02\nA reason.\n"}, "amendment")
    assert problems(root, "predictions/x.md") == []
    _commit(root, {"predictions/x.md": edited}, "amendment removed again")
    assert len(problems(root, "predictions/x.md")) == 1
    (tmp_path / "late").mkdir()
    late = _repo(tmp_path / "late")
    _commit(late, {"metrics/x.json": '{"verdicts": {}}'}, "verdicts first")
    _commit(late, {"predictions/x.md": header}, "prediction after them")
    assert problems(late, "predictions/x.md") == [
        "metrics/x.json holds `verdicts` from results older than predictions/x.md"]


def test_written_after_the_results_must_say_why(tmp_path):
    path = tmp_path / "late.md"
    path.write_text(HEADER.replace("before_results", "after_results"))
    with pytest.raises(ValueError, match="must give the `reason`"):
        read_prediction(path)
