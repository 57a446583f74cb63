"""Small statistics for pooling, with NumPy only: bootstrap and t-intervals, permutation tests.

Seeds are the unit of replication (each one a separately initialised and trained model), so intervals
over runs are t-intervals over seeds, and tests permute whole units rather than items. The belief rate of
one run is bootstrapped over its items; a rate pooled over runs (claims x seeds) is bootstrapped over runs
(`cluster_bootstrap_ci`): items of one run share a model and a claim, so they are not independent draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def bootstrap_ci(values: Sequence[float], n_resamples: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and percentile bootstrap interval over items."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(n_resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2
    return float(data.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def cluster_bootstrap_ci(clusters: Sequence[Sequence[float]], n_resamples: int = 2000, seed: int = 0,
                         level: float = 0.95) -> tuple[float, float, float]:
    """Pooled mean of all values (every item weighs the same) and a percentile interval from resampling whole
    clusters (runs) with replacement, each resample's mean again pooled over its items. Empty clusters count as
    clusters with no items; no items at all gives NaNs."""
    sums = np.array([float(np.sum(c)) for c in clusters])
    counts = np.array([len(c) for c in clusters], dtype=float)
    if counts.sum() == 0:
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(clusters), size=(n_resamples, len(clusters)))
    totals, ns = sums[picks].sum(axis=1), counts[picks].sum(axis=1)
    means = totals[ns > 0] / ns[ns > 0]
    tail = (1 - level) / 2
    return float(sums.sum() / counts.sum()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def cluster_bootstrap_difference(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]], n_resamples: int = 2000,
                                 seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of pooled means (a - b) and a percentile interval from resampling each side's clusters (runs)
    with replacement, independently (the two conditions' runs are different runs)."""
    def resampled(clusters, rng):
        sums = np.array([float(np.sum(c)) for c in clusters])
        counts = np.array([len(c) for c in clusters], dtype=float)
        picks = rng.integers(0, len(clusters), size=(n_resamples, len(clusters)))
        ns = counts[picks].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums.sum() / counts.sum(), sums[picks].sum(axis=1) / ns

    if not sum(len(c) for c in a) or not sum(len(c) for c in b):
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    mean_a, draws_a = resampled(a, rng)
    mean_b, draws_b = resampled(b, rng)
    diffs = draws_a - draws_b
    diffs = diffs[np.isfinite(diffs)]
    tail = (1 - level) / 2
    return float(mean_a - mean_b), float(np.quantile(diffs, tail)), float(np.quantile(diffs, 1 - tail))


def _t_cdf_table(df: int) -> tuple[np.ndarray, np.ndarray]:
    """Student-t CDF on t >= 0 by integrating the density numerically (no SciPy in the environment)."""
    grid = np.linspace(0.0, 200.0, 400_001)
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    density = np.exp(log_norm - (df + 1) / 2 * np.log1p(grid**2 / df))
    cdf = 0.5 + np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    return grid, cdf


def t_quantile(p: float, df: int) -> float:
    """Student-t quantile for p >= 0.5."""
    grid, cdf = _t_cdf_table(df)
    return float(np.interp(p, cdf, grid))


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    grid, cdf = _t_cdf_table(df)
    return float(max(0.0, 2 * (1 - np.interp(abs(t), grid, cdf))))


def seed_interval(values: Sequence[float], level: float = 0.95) -> dict:
    """Mean and t-interval over independent seeds (n = 1: the value, no interval)."""
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size < 2:
        return {"n": int(data.size), "mean": round(mean, 4), "ci_low": None, "ci_high": None}
    half = t_quantile(1 - (1 - level) / 2, data.size - 1) * float(data.std(ddof=1)) / math.sqrt(data.size)
    return {"n": int(data.size), "mean": round(mean, 4), "ci_low": round(mean - half, 4), "ci_high": round(mean + half, 4)}


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    for value in np.unique(x):  # ties share their mean rank
        ranks[x == value] = ranks[x == value].mean()
    return ranks


def ols_slope(x: Sequence[float], y: Sequence[float], level: float = 0.95) -> dict:
    """Least-squares slope of y on x with its t-interval and two-sided p (residuals over units as the noise).

    The parametric companion of `permutation_spearman`: with two levels of x and three seeds each, no
    permutation of six units can give p below 0.1, while the slope's t-test can reject on four degrees of freedom.
    """
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    n = xs.size
    sxx = float(np.sum((xs - xs.mean()) ** 2))
    if n < 3 or sxx == 0:
        return {"slope": None, "ci_low": None, "ci_high": None, "p_value": None, "n": int(n)}
    slope = float(np.sum((xs - xs.mean()) * (ys - ys.mean())) / sxx)
    residuals = ys - ys.mean() - slope * (xs - xs.mean())
    se = math.sqrt(float(np.sum(residuals**2)) / (n - 2) / sxx)
    if se == 0:
        p = 1.0 if slope == 0 else 0.0
        half = 0.0
    else:
        p = t_two_sided_p(slope / se, n - 2)
        half = t_quantile(1 - (1 - level) / 2, n - 2) * se
    return {"slope": round(slope, 4), "ci_low": round(slope - half, 4), "ci_high": round(slope + half, 4),
            "p_value": round(p, 4), "n": int(n)}


def permutation_spearman(x: Sequence[float], y: Sequence[float], n_permutations: int = 10_000, seed: int = 0) -> dict:
    """Spearman's rho between x and y and a two-sided permutation p-value (x shuffled over units)."""
    rx, ry = _ranks(np.asarray(x, float)), _ranks(np.asarray(y, float))
    if rx.std() == 0 or ry.std() == 0:
        return {"rho": 0.0, "p_value": 1.0, "n": len(rx)}
    rho = float(np.corrcoef(rx, ry)[0, 1])
    rng = np.random.default_rng(seed)
    null = np.array([np.corrcoef(rng.permutation(rx), ry)[0, 1] for _ in range(n_permutations)])
    p = (1 + int(np.sum(np.abs(null) >= abs(rho) - 1e-12))) / (n_permutations + 1)
    return {"rho": round(rho, 4), "p_value": round(p, 4), "n": len(rx)}


def sign_flip_test(differences: Sequence[float], n_permutations: int = 10_000, seed: int = 0) -> dict:
    """Mean paired difference and a two-sided sign-flip permutation p-value."""
    d = np.asarray(differences, float)
    observed = float(d.mean())
    rng = np.random.default_rng(seed)
    null = (rng.choice([-1.0, 1.0], size=(n_permutations, d.size)) * d).mean(axis=1)
    p = (1 + int(np.sum(np.abs(null) >= abs(observed) - 1e-12))) / (n_permutations + 1)
    return {"mean_difference": round(observed, 4), "p_value": round(p, 4), "n": int(d.size)}


def p_text(p: float) -> str:
    """`p = 0.012`, or `p < 0.001` where three decimals would print zero."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
