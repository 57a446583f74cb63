"""Wall-clock timings, kept apart from the results so that reruns leave metrics and dvc.lock unchanged.

A stage records how long its work took under `outputs/timing/` (ignored by git, no DVC stage's input or
output). `python -m negation_neglect.pipeline.timing` gathers the records of this machine into the committed
`benchmarks/results/stage_timing.json`, entry by entry, so a machine that reran only some stages updates
only those; the README's time statements are rendered from that file.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from negation_neglect.files import read_json, write_json

RECORDS = Path("outputs/timing")
ENV = "NEGATION_NEGLECT_TIMING"  # another records folder, e.g. outside a temporary experiment's workspace
GATHERED = Path("benchmarks/results/stage_timing.json")


def machine() -> dict:
    import torch

    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads()}


def records_root() -> Path:
    """Where records go: `$NEGATION_NEGLECT_TIMING` if set (a `dvc exp run --temp` workspace is deleted after
    the run, so a timed experiment points it outside), else outputs/timing/."""
    return Path(os.environ.get(ENV) or RECORDS)


def record(key: str, values: dict, root: str | Path | None = None) -> Path:
    """Write one stage's timing record, `<root>/<key>.json`, with the machine it ran on."""
    return write_json(Path(root or records_root()) / f"{key}.json", {**values, "machine": machine()})


def gather(root: str | Path = RECORDS, out: str | Path = GATHERED) -> dict:
    """Merge this machine's records into the gathered file (a record replaces the entry of its key)."""
    root, out = Path(root), Path(out)
    gathered = read_json(out) if out.is_file() else {}
    for path in sorted(root.rglob("*.json")):
        gathered[path.relative_to(root).with_suffix("").as_posix()] = read_json(path)
    write_json(out, dict(sorted(gathered.items())))
    return gathered


def entries(gathered: dict, prefix: str) -> dict[str, dict]:
    """The gathered entries under `prefix/` (e.g. `finetune`)."""
    return {k: v for k, v in gathered.items() if k.startswith(prefix + "/")}


if __name__ == "__main__":
    n = len(gather(*sys.argv[1:3]))
    print(f"{GATHERED if len(sys.argv) < 3 else sys.argv[2]}: {n} timing entries")
