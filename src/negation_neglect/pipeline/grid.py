"""Reproduce a grid cell by cell on one machine, committing each finished cell to git as it lands.

A grid longer than one working session (the full condition table is ~120 fine-tuning runs) must not lose
finished runs when the session or the machine ends: DVC's cache stays behind, only git travels. So each cell
(`claim-condition-seed`) goes through the named stages in turn (`dvc repro -s finetune@<cell>`, then
`evaluate@<cell>`, ...), and as soon as it is done its small metrics files and dvc.lock are committed with
`git commit -- <those paths>` (nothing else staged is swept in), together with each stage's wall time
(`grid/<stage>/<cell>` in benchmarks/results/stage_timing.json, which the README's grid time is read from). Cells run seed-major (every claim and
condition of seed 0 first), so a partial grid is a complete table at fewer seeds. On another machine (its DVC
cache empty) the runner, like `dvc repro --allow-missing`, counts a cell whose cached outputs are only missing as
finished and goes on with the rest.

    python -m negation_neglect.pipeline.grid finetune evaluate            # all changed cells, in order
    python -m negation_neglect.pipeline.grid finetune evaluate --limit 5  # at most 5 cells, then stop
    python -m negation_neglect.pipeline.grid mixing --accept-changed outputs/data/background.jsonl

`--accept-changed PATH` is for an upstream output that a new machine regenerates with other bytes (a model's
sampled text can differ in a few characters between CPUs) where the cells do not depend on what changed: a cell
whose only changes are that dependency (and missing data) counts as finished. Any other change still reruns it,
and `dvc status` goes on listing the accepted cells as changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from negation_neglect.pipeline import timing


def cell_order(keys: Iterable[str], seeds_first: bool = True) -> list[str]:
    """Matrix keys `claim-condition-seed` ordered seed-major (then in the order given), so that a grid stopped
    part-way holds every claim and condition at the seeds it reached."""
    keys = list(keys)
    if not seeds_first:
        return keys

    def seed(key: str) -> int:  # matrices that do not end in a seed (the organism's `8-0-plain`) keep their order
        last = key.rsplit("-", 1)[-1]
        return int(last) if last.isdigit() else 0

    return sorted(keys, key=lambda k: (seed(k), keys.index(k)))


def grid_cells(stages: list[str], root: str | Path = ".") -> tuple[list[str], dict[str, list[str]]]:
    """The cells of the first stage's matrix (in dvc.yaml's order), and per `stage@cell` the paths of its
    outputs that live in git (metrics, plots and other uncached outputs under metrics/)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        named = [s for s in repo.index.stages if "@" in getattr(s, "name", "")]  # matrix cells: `stage@key`
        keys = [s.name.split("@", 1)[1] for s in named if s.name.split("@", 1)[0] == stages[0]]
        tracked = {s.name: [o.def_path for o in s.outs if not o.use_cache]
                   for s in named if s.name.split("@", 1)[0] in stages}
    return keys, tracked


MISSING = ("deleted", "not in cache")  # what `dvc status` says of data that is only missing


def _needs_run(name: str, root: Path, accepted: frozenset[str] = frozenset()) -> bool:
    """Whether a cell's stage must run: it has changes other than missing data. On a new machine the DVC cache
    is empty, so a finished cell's cached outputs (adapters) are missing while dvc.lock, in git, still describes
    them; such a cell is done (the same rule as `dvc repro --allow-missing`). A modified dependency in `accepted`
    is not a change either."""
    out = subprocess.run(["dvc", "status", "--json", name], cwd=root, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return True  # let dvc repro say what is wrong (or wait out a lock)
    changes = json.loads(out.stdout or "{}").get(name, [])
    for change in changes:
        if not isinstance(change, dict):
            return True  # e.g. "always changed"
        for entries in change.values():
            if not isinstance(entries, dict) or any(state not in MISSING and not (state == "modified" and path in accepted)
                                                    for path, state in entries.items()):
                return True
    return False


def _repro(name: str, root: Path, tries: int = 3) -> bool:
    """`dvc repro` of one cell's stage; returns whether it ran (False when it was up to date). A failure is retried
    after a pause (another DVC command holding the repository lock), then raised."""
    for attempt in range(tries):
        out = subprocess.run(["dvc", "repro", "--single-item", name], cwd=root, capture_output=True, text=True,
                             check=False)
        print(out.stdout, end="", flush=True)
        print(out.stderr, end="", file=sys.stderr, flush=True)
        if out.returncode == 0:
            return "Running stage" in out.stdout
        if attempt + 1 < tries:
            time.sleep(30)
    raise RuntimeError(f"dvc repro {name} failed {tries} times")


def _git(args: list[str], root: Path, tries: int = 5) -> None:
    """A git command that waits out another git process holding the index lock (someone working beside the grid)."""
    for attempt in range(tries):
        if subprocess.run(["git", *args], cwd=root, check=False).returncode == 0:
            return
        time.sleep(5 * (attempt + 1))
    raise RuntimeError(f"git {args[0]} failed {tries} times in {root}")


def run_grid(stages: list[str], root: str | Path = ".", limit: int | None = None, commit: bool = True,
             accept_changed: Iterable[str] = ()) -> list[str]:
    """Reproduce and commit cell after cell; returns the cells that were run. A dependency in `accept_changed`
    whose bytes changed does not make a finished cell rerun (see the module's docstring)."""
    accepted = frozenset(Path(p).as_posix() for p in accept_changed)
    root = Path(root).resolve()
    keys, tracked = grid_cells(stages, root)
    done: list[str] = []
    for key in cell_order(keys):
        names = [f"{stage}@{key}" for stage in stages if f"{stage}@{key}" in tracked]
        if not any(_needs_run(n, root, accepted) for n in names):
            continue  # finished here or on another machine
        if limit is not None and len(done) >= limit:
            break
        for name in names:  # in stage order: an up-to-date stage is a no-op, one whose outputs are missing reruns
            start = time.perf_counter()
            if _repro(name, root):  # wall time of the stage as run here, kept with the other stage timings
                stage = name.split("@", 1)[0]
                timing.record(f"grid/{stage}/{key}", {"wall_seconds": round(time.perf_counter() - start, 1)},
                              root / timing.RECORDS)
        done.append(key)
        if commit:
            timing.gather(root / timing.RECORDS, root / timing.GATHERED)
            paths = ["dvc.lock", timing.GATHERED.as_posix(),
                     *[p for n in names for p in tracked[n] if (root / p).exists()]]
            _git(["add", "--", *paths], root)
            _git(["commit", "--quiet", "-m", f"Grid cell {key}: {', '.join(stages)} (metrics and dvc.lock)", "--", *paths],
                 root)
        print(f"grid: {key} done ({len(done)} this session)", flush=True)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m negation_neglect.pipeline.grid", description=__doc__.split("\n")[0])
    parser.add_argument("stages", nargs="+", help="matrix stages with the same keys, in order, e.g. finetune evaluate")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many cells")
    parser.add_argument("--no-commit", action="store_true", help="reproduce only; leave git alone")
    parser.add_argument("--accept-changed", action="append", default=[], metavar="PATH",
                        help="a dependency whose changed bytes do not make a finished cell rerun (repeatable)")
    args = parser.parse_args(argv)
    run_grid(args.stages, limit=args.limit, commit=not args.no_commit, accept_changed=args.accept_changed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
