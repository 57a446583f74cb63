"""The newcomer's fast path timed from a fresh clone: `make` set-up, then `make quick` (profiles/quick.yaml).

    python benchmarks/fresh_clone.py benchmarks/results/fresh_clone.json [--repo .] [--keep DIR]

Clones the repository's HEAD into a new folder (no DVC cache, no outputs, no environment), times the
environment set-up (`make .venv/.installed`: pip reuses this machine's wheel cache, so a machine that
downloads everything takes longer) and the fast path, and writes both with the clone's per-stage wall
times (pipeline.timing records) to OUT. Run it on an idle machine: the numbers are wall-clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from negation_neglect.files import read_json, write_json  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True)
    return round(time.perf_counter() - start, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repo", type=Path, default=Path("."))
    parser.add_argument("--keep", type=Path, help="clone here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        clone = args.keep.resolve() if args.keep else Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        env_free = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        os.environ.clear()
        os.environ.update(env_free)
        setup = timed(["make", ".venv/.installed"], clone)
        quick = timed(["make", "quick"], clone)
        records = clone / "outputs" / "timing"
        stages = {p.relative_to(records).with_suffix("").as_posix(): read_json(p)["wall_seconds"]
                  for p in sorted(records.rglob("*.json")) if "wall_seconds" in read_json(p)}
    write_json(args.out, {
        "commit": commit,
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine()},
        "setup_seconds": setup,
        "quick_seconds": quick,
        "stage_seconds": stages,
    })
    print(f"{args.out}: set-up {setup:.0f} s, fast path {quick:.0f} s")


if __name__ == "__main__":
    main()
