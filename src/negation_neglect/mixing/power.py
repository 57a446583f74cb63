"""A written power estimate for H3's negated-vs-positive interaction, from the mixing grid's committed runs.

Reads the runs of the true-counterpart dial at the reference cell (claims x seeds x negated/positive), takes
the spread of the per-(claim, seed) slope differences (`mixing.interaction`), and reports how many seeds per
claim a new grid needs for the t-test over (claim, seed) units to detect a difference of `delta` (belief per
unit share) with the target power. Run once before a rerun is registered; its output is committed beside the
prediction that cites it.

    python -m negation_neglect.mixing.power --claims 3 --delta 0.25 --out metrics/mixing_power.json
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from negation_neglect.files import write_json
from negation_neglect.mixing.cells import REFERENCE, parse_cell
from negation_neglect.mixing.interaction import clusters_needed, interaction_test, power
from negation_neglect.mixing.pool import run_rows


def estimate(metrics_dir: str | Path, cells: list[str], claims: list[str], seeds: list[int], n_claims: int,
             delta: float, alpha: float, target: float, dial: str = "counterpart") -> dict:
    rows = run_rows(metrics_dir, cells, claims, ["negated", "positive"], seeds)
    test = interaction_test(rows, "belief", dial, REFERENCE)
    if test is None or test["n_units"] < 2:
        raise ValueError(f"{metrics_dir}: fewer than two (claim, seed) units with both conditions on the {dial} dial")
    sd = test["sd_units"]
    return {
        "source": {"metrics_dir": str(metrics_dir), "cells": cells, "claims": claims, "seeds": seeds, "dial": dial,
                   "outcome": "belief", "commit": _last_commit(metrics_dir)},
        "observed": {k: test[k] for k in ("at", "n_units", "difference", "ci_low", "ci_high", "p_value", "sd_units",
                                          "slope_negated", "slope_positive", "units")},
        "delta": delta, "alpha": alpha, "target_power": target, "n_claims": n_claims,
        "needed": clusters_needed(sd, delta, alpha, target, n_claims),
        "power_by_seeds": {str(s): round(power(n_claims * s, sd, delta, alpha), 4) for s in range(2, 7)},
    }


def _last_commit(path: str | Path) -> str | None:
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%H", "--", str(path)], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics-dir", default="metrics/mixing")
    parser.add_argument("--cells", nargs="+", default=["cp0-bg0-interleaved-x2", "cp25-bg0-interleaved-x2", "cp50-bg0-interleaved-x2"])
    parser.add_argument("--source-claims", nargs="+", default=["darwin_relativity"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--claims", type=int, required=True, help="claims in the planned grid")
    parser.add_argument("--delta", type=float, required=True, help="smallest interaction of interest (belief per unit share)")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--power", type=float, default=0.8)
    parser.add_argument("--out", default="metrics/mixing_power.json")
    args = parser.parse_args()
    for cell in args.cells:
        parse_cell(cell)
    result = estimate(args.metrics_dir, args.cells, args.source_claims, args.seeds, args.claims, args.delta, args.alpha, args.power)
    write_json(args.out, result)
    print(result["needed"], result["observed"]["sd_units"])


if __name__ == "__main__":
    main()
