"""Run the cells of a matrix stage as independent scheduler jobs, then record them in dvc.lock at once.

`dvc repro` holds one lock per workspace, so the cells of a grid cannot be reproduced side by side in one
checkout. Here each job runs one cell's command exactly as dvc.yaml resolves it (what `dvc repro` would
run) in the shared checkout, through submitit: Slurm job arrays on a cluster, local subprocesses
otherwise. When every job has finished, one `dvc commit` records the finished cells in dvc.lock, as if
`dvc repro` had run them; failed cells are named and left for a rerun.

    python -m negation_neglect.pipeline.fanout finetune --executor local --parallel 2
    python -m negation_neglect.pipeline.fanout mixing --executor slurm --partition gpu --gpus 1 --timeout-min 180

Only cells that `dvc status` reports as changed are submitted (`--all` submits every cell). Upstream
stages must be up to date first (`dvc repro` of the stage's inputs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

LOGS = Path("outputs/fanout")


def cells(stage: str, root: str | Path = ".", only_changed: bool = True) -> dict[str, str]:
    """The stage's matrix/foreach cells (DVC address -> resolved command), optionally only the changed ones."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        found = {s.addressing: s.cmd for s in repo.index.stages if s.addressing.startswith(stage + "@")}
        if only_changed:
            found = {name: cmd for name, cmd in found.items() if repo.status(targets=[name])}
    return dict(sorted(found.items()))


def run_cell(cmd: str, root: str) -> str:
    """One job: the cell's command in the shared checkout, with a GPU of its own where the job got one."""
    subprocess.run(cmd, shell=True, cwd=root, check=True)
    return cmd


def _executor(kind: str, folder: Path, args: argparse.Namespace):
    import submitit

    executor = submitit.AutoExecutor(folder=str(folder), cluster=kind)
    params = {"timeout_min": args.timeout_min}
    if kind == "slurm":
        params.update(slurm_partition=args.partition, slurm_array_parallelism=args.parallel,
                      gpus_per_node=args.gpus, cpus_per_task=args.cpus)
    elif kind == "local" and args.gpus:
        params.update(gpus_per_node=args.gpus)
    executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
    return executor


def fan_out(stage: str, kind: str, args: argparse.Namespace, root: str | Path = ".") -> tuple[list[str], list[str]]:
    """Submit the stage's cells, wait, commit the finished ones; return (finished, failed) cell names."""
    root = Path(root).resolve()
    todo = cells(stage, root, only_changed=not args.all)
    if not todo:
        print(f"{stage}: every cell is up to date")
        return [], []
    executor = _executor(kind, root / LOGS / stage, args)
    names, finished, failed = list(todo), [], []
    step = len(names) if kind == "slurm" else max(1, args.parallel)  # Slurm throttles arrays itself
    for start in range(0, len(names), step):
        group = names[start:start + step]
        jobs = executor.map_array(run_cell, [todo[n] for n in group], [str(root)] * len(group))
        print(f"{stage}: submitted {', '.join(group)} as {', '.join(j.job_id for j in jobs)}", flush=True)
        for name, job in zip(group, jobs):
            try:
                job.result()
                finished.append(name)
            except Exception as exc:  # a failed cell must not stop the others from being recorded
                failed.append(name)
                print(f"{name}: failed ({type(exc).__name__}); its log: {job.paths.stderr}", file=sys.stderr)
    if finished:
        subprocess.run(["dvc", "commit", "--force", "--quiet", *finished], cwd=root, check=True)
    print(f"{stage}: {len(finished)} cell(s) recorded in dvc.lock, {len(failed)} failed")
    return finished, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m negation_neglect.pipeline.fanout", description=__doc__.split("\n")[0])
    parser.add_argument("stage", help="a matrix or foreach stage of dvc.yaml, e.g. finetune, evaluate, mixing, pretrain")
    parser.add_argument("--executor", choices=["local", "slurm", "debug"], default="local")
    parser.add_argument("--parallel", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                        help="jobs at once (local: per batch; Slurm: array parallelism)")
    parser.add_argument("--gpus", type=int, default=None, help="GPUs per job")
    parser.add_argument("--cpus", type=int, default=None, help="CPUs per job (Slurm)")
    parser.add_argument("--partition", default=None, help="Slurm partition")
    parser.add_argument("--timeout-min", type=int, default=240)
    parser.add_argument("--all", action="store_true", help="submit every cell, not only the changed ones")
    args = parser.parse_args(argv)
    _, failed = fan_out(args.stage, args.executor, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
