"""Wall-clock timings, kept apart from the results so that reruns leave metrics and dvc.lock unchanged.

A stage records how long its work took under `outputs/timing/` (ignored by git, no DVC stage's input or
output). `python -m negation_neglect.pipeline.timing` gathers the records of this machine into the committed
`benchmarks/results/stage_timing.json`, entry by entry, so a machine that reran only some stages updates
only those; the README's time statements are rendered from that file.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from negation_neglect.files import read_json, write_json

RECORDS = Path("outputs/timing")
ENV = "NEGATION_NEGLECT_TIMING"  # another records folder, e.g. outside a temporary experiment's workspace
GATHERED = Path("benchmarks/results/stage_timing.json")


BUSY_LOAD_MARGIN = 0.5  # a record whose 5-minute load average exceeds the cores by more than this ran beside other work


def machine() -> dict:
    """The machine a record was taken on, with its load averages (1, 5, 15 min) when the record was written:
    a stage run alone keeps the load near its torch threads, one run beside other CPU work does not."""
    import torch

    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def busy(rec: dict) -> bool:
    """Whether a record was taken on a machine busy with other work (its 5-minute load average above the cores
    plus BUSY_LOAD_MARGIN); such a record measures the contention, so time summaries leave it out. Records
    from before loads were kept count as quiet."""
    m = rec.get("machine", {})
    load = m.get("load_average")
    return load is not None and load[1] > m["cores"] + BUSY_LOAD_MARGIN


def quiet(gathered: dict) -> dict:
    """The gathered records not taken on a busy machine (`busy`)."""
    return {k: v for k, v in gathered.items() if not busy(v)}


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


REPRO = Path("benchmarks/results/repro_time.json")


def stage_cells(root: str | Path = ".") -> dict[str, list[str]]:
    """Every stage of dvc.yaml as DVC resolves it (a matrix stage's cells), by stage name, each with the stem
    of the executed notebook its command writes (the runner's record key)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        cells: dict[str, list[str]] = {}
        for stage in repo.index.stages:
            if not stage.cmd:
                continue
            notebook = next((w for w in stage.cmd.split() if w.startswith("outputs/executed/")), stage.addressing)
            cells.setdefault(stage.addressing.split("@")[0], []).append(
                f"{stage.addressing}\t{Path(notebook).stem}")
    return cells


def repro_time(gathered: dict, cells: dict[str, list[str]]) -> dict:
    """The full `dvc repro` time per stage group: each cell's measured wall time where a record exists (the
    runner's `stages/<notebook>`, else the grid runner's `grid/<stage>/<cell>`), the group's median for the
    cells not timed on this machine (or timed while it was busy); a group with no timed cell is listed as unmeasured, never guessed."""
    groups, unmeasured = [], []
    gathered = quiet(gathered)
    for stage, entries in cells.items():
        walls = []
        for entry in entries:
            address, stem = entry.split("\t")
            rec = gathered.get(f"stages/{stem}") or gathered.get(f"grid/{stage}/{address.partition('@')[2]}")
            if rec is not None:
                walls.append(rec["wall_seconds"])
        if not walls:
            unmeasured.append(stage)
            continue
        median = statistics.median(walls)
        groups.append({"stage": stage, "cells": len(entries), "timed": len(walls), "median_seconds": round(median, 1),
                       "total_seconds": round(sum(walls) + median * (len(entries) - len(walls)), 1)})
    return {"groups": groups, "total_seconds": round(sum(g["total_seconds"] for g in groups), 1),
            "unmeasured": unmeasured}


def timed(key: str, cmd: list[str]) -> int:
    """Run a command and record its wall time as `<key>` (for stages that are not notebooks: paper, html)."""
    start = time.perf_counter()
    code = subprocess.run(cmd, check=False).returncode
    if code == 0:
        record(key, {"wall_seconds": round(time.perf_counter() - start, 1)})
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["time"]:  # python -m negation_neglect.pipeline.timing time stages/paper -- dvc repro -s paper
        key, cmd = argv[1], argv[argv.index("--") + 1:]
        return timed(key, cmd)
    n = len(gathered := gather(*argv[:2]))
    print(f"{GATHERED if len(argv) < 2 else argv[1]}: {n} timing entries")
    if len(argv) < 2:
        write_json(REPRO, estimate := repro_time(gathered, stage_cells()))
        print(f"{REPRO}: full repro {estimate['total_seconds'] / 3600:.1f} h from this machine's records; "
              f"unmeasured: {', '.join(estimate['unmeasured']) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
