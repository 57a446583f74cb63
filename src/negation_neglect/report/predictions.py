"""Pre-registered predictions: the files under predictions/, one per experiment, written before its run.

A file opens with a YAML header between `---` lines (what the experiment judges, whether the file was
registered before or after those results, its thresholds), then the prose: hypothesis, measure, what refutes
it. Later changes are dated amendments (`## Amendment, YYYY-MM-DD ...`) appended below the text, which stays
as written; an amendment may carry a fenced `yaml` block whose keys update the header (thresholds key by key),
and must say why. tests/unit/test_predictions.py checks this against git history: a file registered before its
results must be older than the metrics it judges, and changed after them only by appended amendments.

Header keys: `experiment`; `judges` (metrics files, `path#key` when one key of a JSON file holds the verdicts);
`registered` (`before_results`, or `after_results` with a `reason`, for predictions written down only after
their results, whose verdicts are reported as not pre-registered); `thresholds` (what the verdict code reads).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PREDICTIONS = Path(__file__).resolve().parents[3] / "predictions"
AMENDMENT = "## Amendment, "
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def read_prediction(path: str | Path) -> dict:
    """The header of a prediction file, updated by the yaml blocks of its amendments in order."""
    text = Path(path).read_text()
    data: dict = {}
    if text.startswith("---\n"):
        header, _, text = text[4:].partition("\n---\n")
        data = yaml.safe_load(header) or {}
    for amendment in text.split("\n" + AMENDMENT)[1:]:
        for block in _YAML_BLOCK.findall(amendment):
            update = yaml.safe_load(block) or {}
            data = {**data, **update, "thresholds": {**data.get("thresholds", {}), **update.get("thresholds", {})}}
    if not isinstance(data.get("thresholds"), dict) or not data["thresholds"]:
        raise ValueError(f"{path}: a prediction file needs a YAML header (or amendment block) with `thresholds`")
    if data.get("registered") not in ("before_results", "after_results"):
        raise ValueError(f"{path}: `registered` must be before_results or after_results")
    if data["registered"] == "after_results" and not data.get("reason"):
        raise ValueError(f"{path}: a prediction registered after its results must give the `reason`")
    return data


def thresholds(names: list[str], predictions_dir: str | Path = PREDICTIONS) -> dict:
    """The thresholds of the named prediction files (`h2_interference` -> predictions/h2_interference.md),
    merged; a threshold two files give must agree."""
    merged: dict = {}
    for name in names:
        for key, value in read_prediction(Path(predictions_dir) / f"{name}.md")["thresholds"].items():
            if key in merged and merged[key] != value:
                raise ValueError(f"threshold {key} is {merged[key]} in one prediction file and {value} in {name}.md")
            merged[key] = value
    return merged


def registration(name: str, predictions_dir: str | Path = PREDICTIONS) -> str:
    """How a result's predictions were registered, in words for the README and the notebooks."""
    header = read_prediction(Path(predictions_dir) / f"{name}.md")
    if header["registered"] == "before_results":
        return f"`predictions/{name}.md`, committed before the run"
    return f"`predictions/{name}.md`, written down after the results: **not pre-registered**"


__all__ = ["AMENDMENT", "PREDICTIONS", "read_prediction", "registration", "thresholds"]
