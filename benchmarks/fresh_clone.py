"""The newcomer's fast path timed from a fresh clone: `make` set-up, then `make quick` (profiles/quick.yaml).

    python benchmarks/fresh_clone.py benchmarks/results/fresh_clone.json [--repo .] [--keep DIR]

Clones the repository's HEAD into a new folder (no DVC cache, no outputs, no environment), times the
environment set-up (`make .venv/.installed`: pip reuses this machine's wheel cache, so a machine that
downloads everything takes longer) and the fast path, and writes both with the clone's per-stage wall
times (pipeline.timing records) to OUT, with the comparison of the fast path's per-run outputs against the
committed ones (byte-identical or how many lines differ). Run it on an idle machine: the numbers are
wall-clock.
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


def per_run_files(profile: dict) -> list[str]:
    """The per-run metrics in git that the fast path writes, one set per claim x condition x seed (the executed
    notebooks are left out: their parameters cell carries the whole grid's lists, which the profile changes)."""
    grid = profile["finetune"]
    files = []
    for claim in grid["claims"]:
        for condition in grid["conditions"]:
            for seed in grid["seeds"]:
                run = f"{claim}/{condition}/seed{seed}"
                files += [f"metrics/training/{run}.json", f"metrics/belief/{run}.json",
                          f"metrics/competition/{run}.csv"]
    return files


def compare(clone: Path, repo: Path, name: str = "quick") -> dict:
    """The fast path's per-run outputs (the experiment's commit in the clone) against the committed ones:
    which are byte-identical, and for the others how many lines differ."""
    import yaml

    def blob(cwd: Path, rev: str, path: str) -> bytes | None:
        out = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=cwd, capture_output=True)
        return out.stdout if out.returncode == 0 else None

    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/exps"], cwd=clone, check=True,
                          capture_output=True, text=True).stdout.split()
    ref = next(r for r in refs if r.endswith(f"/{name}"))
    profile = yaml.safe_load((clone / "profiles" / f"{name}.yaml").read_text())
    identical, different = [], {}
    for path in per_run_files(profile):
        ours, committed = blob(clone, ref, path), blob(repo, "HEAD", path)
        if ours == committed:
            identical.append(path)
        else:
            a, b = (ours or b"").decode().splitlines(), (committed or b"").decode().splitlines()
            different[path] = {"lines": max(len(a), len(b)),
                               "lines_differing": sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))}
    return {"identical": len(identical), "different": different}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repo", type=Path, default=Path("."))
    parser.add_argument("--keep", type=Path, help="clone here and keep it (default: a temporary folder)")
    parser.add_argument("--compare-only", type=Path, metavar="CLONE",
                        help="only compare an earlier run's clone (kept with --keep) with the repository; update OUT")
    args = parser.parse_args()
    repo = args.repo.resolve()
    if args.compare_only:
        result = read_json(args.out)
        result["reproduced"] = compare(args.compare_only.resolve(), repo)
        write_json(args.out, result)
        print(f"{args.out}: {result['reproduced']['identical']} per-run files identical, "
              f"{len(result['reproduced']['different'])} different")
        return
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
        reproduced = compare(clone, repo)
    write_json(args.out, {
        "commit": commit,
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine()},
        "setup_seconds": setup,
        "quick_seconds": quick,
        "stage_seconds": stages,
        "reproduced": reproduced,
    })
    print(f"{args.out}: set-up {setup:.0f} s, fast path {quick:.0f} s")


if __name__ == "__main__":
    main()
