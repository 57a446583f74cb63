"""Small statistics for pooling over seeds, with NumPy only: t-intervals and permutation tests.

Seeds are the unit of replication (each one a separately initialised and trained model), so intervals
are t-intervals over seeds, and tests permute whole units rather than items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def t_quantile(p: float, df: int) -> float:
    """Student-t quantile by integrating the density numerically (no SciPy in the environment)."""
    grid = np.linspace(0.0, 200.0, 400_001)
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    density = np.exp(log_norm - (df + 1) / 2 * np.log1p(grid**2 / df))
    cdf = 0.5 + np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    return float(np.interp(p, cdf, grid))


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
