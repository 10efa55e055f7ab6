import math
from statistics import NormalDist

import numpy as np
import pytest

from seedwalk.overfitting import (deflated_sharpe, expected_max_sharpe, moments,
                                  probabilistic_sharpe)


def test_moments_hand_computed():
    sharpe, skewness, kurtosis = moments([1.0, 2.0, 3.0, 6.0])
    # mean 3, deviations -2 -1 0 3: m2 = 14/4, m3 = 18/4, m4 = 98/4, sample std sqrt(14/3)
    assert sharpe == pytest.approx(3.0 / math.sqrt(14.0 / 3.0), rel=1e-15)
    assert skewness == pytest.approx(4.5 / 3.5**1.5, rel=1e-14)
    assert kurtosis == pytest.approx(24.5 / 3.5**2, rel=1e-14)


def test_moments_undefined_for_constant_returns():
    assert all(math.isnan(v) for v in moments([0.01, 0.01, 0.01]))
    assert all(math.isnan(v) for v in moments([0.01]))


def test_psr_normal_returns_hand_computed():
    # Normal returns (skew 0, kurtosis 3): z = SR * sqrt(n - 1) / sqrt(1 + SR**2 / 2).
    value = probabilistic_sharpe(0.1, 101, 0.0, 3.0)
    z = 0.1 * 10.0 / math.sqrt(1.0 + 0.01 / 2.0)
    assert value == pytest.approx(NormalDist().cdf(z), rel=1e-15)
    assert probabilistic_sharpe(0.0, 101, 0.0, 3.0) == 0.5


def test_psr_penalizes_negative_skew_and_fat_tails():
    base = probabilistic_sharpe(0.1, 200, 0.0, 3.0)
    assert probabilistic_sharpe(0.1, 200, -1.0, 3.0) < base
    assert probabilistic_sharpe(0.1, 200, 0.0, 10.0) < base


def test_expected_max_sharpe_hand_computed():
    normal = NormalDist()
    gamma = 0.5772156649015329
    expected = 0.5 * ((1 - gamma) * normal.inv_cdf(1 - 1 / 100)
                      + gamma * normal.inv_cdf(1 - 1 / (100 * math.e)))
    assert expected_max_sharpe(100, 0.25) == pytest.approx(expected, rel=1e-15)
    assert expected_max_sharpe(1, 0.25) == 0.0
    assert expected_max_sharpe(10, 0.0) == 0.0


def test_expected_max_matches_simulated_maximum():
    rng = np.random.default_rng(0)
    maxima = rng.normal(0.0, 0.3, size=(20_000, 50)).max(axis=1)
    assert expected_max_sharpe(50, 0.09) == pytest.approx(maxima.mean(), rel=0.02)


def test_deflated_below_probabilistic_with_many_trials():
    trials = np.linspace(-0.1, 0.1, 60)
    plain = probabilistic_sharpe(0.1, 500, 0.0, 3.0)
    deflated = deflated_sharpe(0.1, 500, 0.0, 3.0, trials)
    assert deflated < plain
    assert deflated == pytest.approx(
        probabilistic_sharpe(0.1, 500, 0.0, 3.0,
                             expected_max_sharpe(60, float(np.var(trials, ddof=1)))), rel=1e-15)
