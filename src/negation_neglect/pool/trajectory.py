"""H1 at matched P(false): the per-step competition of the grid's runs, compared where conditions are level.

Each fine-tuning run's step log (`metrics/training/<run>_steps.csv`, columns `probe_<context>_<field>` from
measure.trajectory) is read at the first step where the mean P(false) on the held-out probes reaches each
level of predictions/h1_trajectory.md; per condition, the mean over the runs that reach it, with a bootstrap
interval over runs. A run that never reaches a level is counted, not read.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from negation_neglect import layout
from negation_neglect.pool.stats import bootstrap_ci

FIELDS = ("p_false", "p_true", "p_distractors", "true_given_not_false", "true_rank")
JUDGED = "heldout"  # the probe kind levels are matched on; `question` is read at the same steps


def read_steps(path: str | Path) -> list[dict]:
    """A run's step log as numbers (empty cells, e.g. probe columns of an unprobed run, left out)."""
    with open(path, newline="") as handle:
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]


def at_level(steps: Sequence[dict], level: float, context: str = JUDGED) -> dict | None:
    """The read-outs at the first step whose held-out P(false) reaches `level` (every probe kind's, and the
    step), or None if no step does or the run was not probed."""
    key = f"probe_{JUDGED}_p_false"
    for row in steps:
        if row.get(key, -1.0) >= level:
            return {"step": int(row["step"]),
                    **{f: row[f"probe_{context}_{f}"] for f in FIELDS if f"probe_{context}_{f}" in row}}
    return None


def trajectory_table(metrics_dir: str | Path, runs: Sequence[tuple[str, str, int]], levels: Sequence[float],
                     bootstrap_seed: int = 0) -> dict:
    """`metrics/belief.json`'s `trajectory`: per probe kind, condition and level, how many runs reach it and
    the mean (95% bootstrap interval over runs) of each read-out there; per run, the step reaching each level."""
    per_run, by = [], {}
    for claim, condition, seed in runs:
        path = layout.training_steps(metrics_dir, claim, condition, seed)
        steps = read_steps(path) if path.is_file() else []
        probed = any(f"probe_{JUDGED}_p_false" in r for r in steps)
        reached = {str(level): (at_level(steps, level) or {}).get("step") for level in levels}
        per_run.append({"claim": claim, "condition": condition, "seed": seed, "probed": probed,
                        "first_step_at": reached})
        for context in ("heldout", "question"):
            for level in levels:
                cell = by.setdefault(context, {}).setdefault(condition, {}).setdefault(
                    str(level), {"n_runs": 0, "reached": 0, "values": {f: [] for f in FIELDS}})
                if not probed:
                    continue
                cell["n_runs"] += 1
                read = at_level(steps, level, context)
                if read is None:
                    continue
                cell["reached"] += 1
                for f in FIELDS:
                    if f in read:
                        cell["values"][f].append(read[f])
    table = {}
    for context, conditions in by.items():
        for condition, levels_of in conditions.items():
            for level, cell in levels_of.items():
                out = {"n_runs": cell["n_runs"], "reached": cell["reached"]}
                for f, values in cell["values"].items():
                    if values:
                        mean, low, high = bootstrap_ci(values, seed=bootstrap_seed)
                        out[f] = {"mean": round(mean, 4), "ci_low": round(low, 4), "ci_high": round(high, 4)}
                table.setdefault(context, {}).setdefault(condition, {})[level] = out
    return {"levels": [float(x) for x in levels], "judged_on": JUDGED, "by_context": table, "runs": per_run}
