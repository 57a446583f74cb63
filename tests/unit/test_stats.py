"""t-intervals over seeds and permutation tests (checked against known values and constructed cases)."""

import math

import pytest

from negation_neglect.pool.stats import (
    ols_slope,
    permutation_spearman,
    seed_interval,
    sign_flip_test,
    t_quantile,
    t_two_sided_p,
)


def test_seed_intervals_and_permutation_tests():
    assert t_quantile(0.975, 2) == pytest.approx(4.3027, abs=1e-3)
    assert t_quantile(0.975, 10) == pytest.approx(2.2281, abs=1e-3)
    interval = seed_interval([0.2, 0.4, 0.6])
    assert interval["mean"] == 0.4
    assert interval["ci_high"] - 0.4 == pytest.approx(4.3027 * 0.2 / math.sqrt(3), abs=1e-3)
    assert seed_interval([0.3])["ci_low"] is None
    monotone = permutation_spearman([1, 1, 2, 2, 3, 3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 2000)
    assert monotone["rho"] > 0.9 and monotone["p_value"] < 0.05
    assert permutation_spearman([1, 2, 3], [0.5, 0.5, 0.5])["p_value"] == 1.0
    shifted = sign_flip_test([-0.3, -0.2, -0.25, -0.35, -0.1, -0.3, -0.2, -0.15], 2000)
    assert shifted["mean_difference"] < 0 and shifted["p_value"] < 0.05
    assert sign_flip_test([0.1, -0.1, 0.2, -0.2], 2000)["p_value"] > 0.5


def test_ols_slope_matches_textbook_values():
    # y = 1 + 2x + residuals (+1, -1, -1, +1): slope 2, se = sqrt(4 / 2 / 5) = 0.632, t = 3.16 on 2 df
    fit = ols_slope([0, 1, 2, 3], [2, 2, 4, 8])
    assert fit["slope"] == pytest.approx(2.0)
    assert fit["p_value"] == pytest.approx(0.0871, abs=2e-3)
    assert fit["ci_low"] == pytest.approx(2.0 - 4.3027 * math.sqrt(0.4), abs=2e-3)
    assert t_two_sided_p(2.776, 4) == pytest.approx(0.05, abs=1e-3)
    assert ols_slope([1, 1, 1], [0.1, 0.2, 0.3])["slope"] is None  # x does not move: no slope
    flat = ols_slope([0, 0, 0, 1, 1, 1], [0.5, 0.6, 0.7, 0.5, 0.6, 0.7])
    assert flat["slope"] == 0 and flat["p_value"] == 1.0
