"""Pre-registered predictions: the files under predictions/, one per experiment, written before its run.

Each file opens with a YAML block between `---` lines that the verdict code reads (what the experiment
judges, its thresholds), then the prose: hypothesis, measure, what refutes it. Later changes are dated
amendments appended below the original text, which stays as written.
"""

from __future__ import annotations

from pathlib import Path

import yaml

PREDICTIONS = "predictions"


def read_prediction(path: str | Path) -> dict:
    """The YAML header of a prediction file (`experiment`, `judges`, `thresholds`, ...)."""
    text = Path(path).read_text()
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: a prediction file starts with a YAML header between '---' lines")
    header, _, _ = text[4:].partition("\n---\n")
    data = yaml.safe_load(header) or {}
    if not isinstance(data, dict) or "thresholds" not in data:
        raise ValueError(f"{path}: the YAML header needs a `thresholds` mapping")
    return data


__all__ = ["PREDICTIONS", "read_prediction"]
