"""Small file helpers: JSON written atomically and stably (sorted keys, trailing newline)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json(path: str | Path, obj: Any) -> Path:
    """Write `obj` as indented JSON via a temporary file, so a killed run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    os.replace(partial, path)
    return path


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())
