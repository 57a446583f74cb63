"""Params profiles (`profiles/<name>.yaml`): overlays of params.yaml that run as temporary DVC experiments.

A profile's header holds the one command that applies it (`dvc exp run --temp -n <name> -S ... <targets>`);
the YAML body states the values those overrides set, and tests/unit/test_profiles.py checks the two agree.
This module reads the command from the header, so the README, the Makefile and the tests all run the
same words:

    python -m negation_neglect.pipeline.profiles quick            # run it (make quick)
    python -m negation_neglect.pipeline.profiles quick --print    # show the command

Rerunning a profile replaces its earlier experiment of the same name (DVC refuses a name twice; its
run-cache makes the rerun quick). A run records its wall time as `profiles/<name>` (pipeline.timing), and
its stages' records land beside it (`$NEGATION_NEGLECT_TIMING` points them out of the temporary workspace,
which DVC deletes afterwards).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from negation_neglect.pipeline import timing

PROFILES = Path("profiles")


def command(path: str | Path) -> list[str]:
    """The documented command of a profile: its header lines that start with `#   `, shell-split."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such profile (profiles/: {', '.join(sorted(p.stem for p in PROFILES.glob('*.yaml')))})")
    header = "".join(line[2:] for line in path.read_text().splitlines(keepends=True) if line.startswith("#   "))
    words = shlex.split(header.replace("\\\n", " "))
    if words[:3] != ["dvc", "exp", "run"] or "--temp" not in words:
        raise ValueError(f"{path}: the header's command must be `dvc exp run --temp ...`, found {' '.join(words[:4])!r}")
    return words


def overrides(words: list[str]) -> list[str]:
    """The `-S` overrides of a command, in order."""
    return [words[i + 1] for i, w in enumerate(words) if w == "-S"]


def targets(words: list[str]) -> list[str]:
    """The stages a command reproduces (its words that are neither options nor option values)."""
    return [w for i, w in enumerate(words[3:], 3) if not w.startswith("-") and words[i - 1] not in ("-S", "-n")]


def run(name: str, root: str | Path = ".") -> int:
    """Run a profile's command in `root`; record its wall time under outputs/timing/profiles/."""
    root = Path(root).resolve()
    words = command(root / PROFILES / f"{name}.yaml")
    records = root / timing.RECORDS
    env = {**os.environ, timing.ENV: str(records)}
    name_of = words[words.index("-n") + 1] if "-n" in words else None
    listed = subprocess.run(["dvc", "exp", "list", "--name-only"], cwd=root, capture_output=True, text=True, check=False)
    if name_of and name_of in listed.stdout.split():  # DVC refuses a name twice; a rerun replaces the last run
        print(f"replacing the earlier experiment {name_of!r} (keep one with `dvc exp branch {name_of} <branch>`)")
        subprocess.run(["dvc", "exp", "remove", name_of], cwd=root, check=True)
    start = time.perf_counter()
    code = subprocess.run(words, cwd=root, env=env, check=False).returncode
    if code == 0:
        timing.record(f"profiles/{name}", {"wall_seconds": round(time.perf_counter() - start, 1)}, records)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="a file profiles/<name>.yaml")
    parser.add_argument("--print", action="store_true", help="print the command instead of running it")
    args = parser.parse_args(argv)
    try:
        words = command(PROFILES / f"{args.name}.yaml")
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.print:
        print(shlex.join(words))
        return 0
    return run(args.name)


if __name__ == "__main__":
    sys.exit(main())
