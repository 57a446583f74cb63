"""Is the diversity effect about negation? The negated-vs-positive interaction of H3, and the power to see it.

H3 says that true-counterpart documents make a *negated* claim conditional on its framing. Belief falls with
the counterpart share after positive documents too (the claim is simply diluted), so a fall after negated
documents says nothing about negation unless it is steeper there. The test: within each (claim, seed), the
least-squares slope of a read-out on the dial for negated runs minus the same slope for positive runs; the
(claim, seed) units are the replicates, so the interval is a t-interval over them, with a sign-flip
permutation p beside it.

`clusters_needed` sizes the grid for that test from a run-to-run spread (`python -m negation_neglect.mixing.power`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from negation_neglect.mixing.cells import Cell, parse_cell
from negation_neglect.mixing.pool import DIALS, axis_runs
from negation_neglect.pool.stats import seed_interval, sign_flip_test, t_quantile, t_two_sided_p

CONDITIONS = ("negated", "positive")  # the interaction is the first's slope minus the second's


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    x, y = np.asarray(xs, float), np.asarray(ys, float)
    sxx = float(np.sum((x - x.mean()) ** 2))
    return None if sxx == 0 else float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)


def unit_differences(runs: Sequence[dict], outcome: str, dial: str, conditions: Sequence[str] = CONDITIONS) -> list[dict]:
    """Per (claim, seed) holding runs of both conditions at two or more dial values: each condition's slope of
    `outcome` on the dial and their difference (first condition minus second). Runs without the outcome
    (None or NaN) are left out."""
    units: dict[tuple, dict[str, list[tuple[float, float]]]] = {}
    for r in runs:
        value = r.get(outcome)
        if r["condition"] in conditions and value is not None and not np.isnan(value):
            points = units.setdefault((r["claim"], int(r["seed"])), {}).setdefault(r["condition"], [])
            points.append((DIALS[dial](parse_cell(r["cell"])), float(value)))
    out = []
    for (claim, seed), by_condition in sorted(units.items()):
        slopes = {c: _slope(*zip(*by_condition[c])) if c in by_condition else None for c in conditions}
        if all(s is not None for s in slopes.values()):
            out.append({"claim": claim, "seed": seed, **{f"slope_{c}": round(s, 5) for c, s in slopes.items()},
                        "difference": round(slopes[conditions[0]] - slopes[conditions[1]], 5)})
    return out


def interaction_test(rows: Sequence[dict], outcome: str, dial: str, reference: Cell,
                     conditions: Sequence[str] = CONDITIONS, level: float = 0.95) -> dict | None:
    """Mean slope difference (negated - positive) over (claim, seed) units with its t-interval and p, the
    sign-flip p, each condition's mean slope and the per-claim means; None when no unit holds both conditions."""
    at, runs = axis_runs(rows, dial, reference)
    units = unit_differences(runs, outcome, dial, conditions)
    if not units:
        return None
    diffs = [u["difference"] for u in units]
    interval = seed_interval(diffs, level)
    sd = float(np.std(diffs, ddof=1)) if len(diffs) > 1 else float("nan")
    t_p = None if len(diffs) < 2 else (1.0 if sd == 0 and interval["mean"] == 0 else 0.0 if sd == 0
                                        else round(t_two_sided_p(interval["mean"] / (sd / math.sqrt(len(diffs))), len(diffs) - 1), 4))
    claims = sorted({u["claim"] for u in units})
    return {
        "at": at, "n_units": len(units), "n_claims": len(claims), "difference": interval["mean"],
        "ci_low": interval["ci_low"], "ci_high": interval["ci_high"], "p_value": t_p,
        "sign_flip_p": sign_flip_test(diffs)["p_value"], "sd_units": round(sd, 5),
        **{f"slope_{c}": round(float(np.mean([u[f"slope_{c}"] for u in units])), 5) for c in conditions},
        "by_claim": {c: round(float(np.mean([u["difference"] for u in units if u["claim"] == c])), 5) for c in claims},
        "units": units,
    }


def power(n_units: int, sd: float, delta: float, alpha: float) -> float:
    """Approximate power of the two-sided t-test over `n_units` unit differences of spread `sd` to detect a
    mean difference `delta`: Phi(delta sqrt(n) / sd - t_{1 - alpha/2, n - 1}) (the other tail neglected)."""
    if n_units < 2:
        return 0.0
    z = abs(delta) * math.sqrt(n_units) / sd - t_quantile(1 - alpha / 2, n_units - 1)
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def clusters_needed(sd: float, delta: float, alpha: float, target: float, n_claims: int, max_seeds: int = 50) -> dict:
    """The fewest seeds per claim (units = claims x seeds) whose power reaches `target`, with that power."""
    for seeds in range(1, max_seeds + 1):
        achieved = power(n_claims * seeds, sd, delta, alpha)
        if achieved >= target:
            return {"seeds_per_claim": seeds, "units": n_claims * seeds, "power": round(achieved, 4)}
    return {"seeds_per_claim": None, "units": None, "power": round(power(n_claims * max_seeds, sd, delta, alpha), 4)}
