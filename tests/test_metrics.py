"""Hand-computed cases for seedwalk.metrics, plus a plain-Python cross-check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seedwalk import metrics
from seedwalk.errors import ConfigError

DAILY = [0.012, -0.008, 0.005, 0.003, -0.004, 0.009, -0.006, 0.002, 0.007, -0.001]


# periods_per_year


@pytest.mark.parametrize("bar_seconds, calendar, expected", [
    (4 * 3600, "crypto", 2190.0),
    (86_400, "crypto", 365.0),
    (60, "crypto", 525_600.0),
    (86_400, "equity", 252.0),
    (3600, "equity", 1638.0),  # 6.5 one-hour bars per session
    (300, "equity", 19_656.0),  # 78 five-minute bars per session
    (2 * 86_400, "equity", 126.0),
    (7 * 86_400, "equity", 50.4),  # 5 trading days per week
])
def test_periods_per_year(bar_seconds, calendar, expected):
    assert metrics.periods_per_year(bar_seconds, calendar) == pytest.approx(expected)


def test_periods_per_year_rejects_unknown_calendar():
    with pytest.raises(ConfigError, match=r"'equities'.*Did you mean 'equity'"):
        metrics.periods_per_year(86_400, "equities")


@pytest.mark.parametrize("bar_seconds", [0, -60, float("nan"), "4h"])
def test_periods_per_year_rejects_bad_bar_length(bar_seconds):
    with pytest.raises(ConfigError, match="bar_seconds"):
        metrics.periods_per_year(bar_seconds)


# Sharpe, Sortino, volatility


def test_sharpe_daily_example_crypto():
    assert metrics.sharpe_ratio(DAILY, 365) == pytest.approx(5.4939, abs=5e-5)


def test_sharpe_daily_example_equity():
    assert metrics.sharpe_ratio(DAILY, 252) == pytest.approx(4.5649, abs=5e-5)


def test_sharpe_two_returns():
    # mean 0.02, sample std 0.02 / sqrt(2), 4 periods a year
    assert metrics.sharpe_ratio([0.01, 0.03], 4) == pytest.approx(2 * math.sqrt(2))


def test_sharpe_risk_free_is_compounded_per_bar():
    # With one period a year the per-bar rate is the annual rate: excess 0.01 and 0.05.
    assert metrics.sharpe_ratio([0.06, 0.10], 1, risk_free=0.05) == pytest.approx(
        0.03 / (0.04 / math.sqrt(2)))
    per_bar = 1.05 ** (1 / 12) - 1
    expected = (0.02 - per_bar) / np.std([0.01, 0.03], ddof=1) * math.sqrt(12)
    assert metrics.sharpe_ratio([0.01, 0.03], 12, risk_free=0.05) == pytest.approx(expected)


@pytest.mark.parametrize("returns", [[], [0.01], [0.01] * 5, [0.0, 0.0]])
def test_sharpe_is_zero_when_undefined(returns):
    assert metrics.sharpe_ratio(returns, 365) == 0.0


def test_sortino_hand_computed():
    # mean 0.005; downside sqrt((0.01**2 + 0.02**2) / 4) over all four bars
    returns = [0.02, -0.01, 0.03, -0.02]
    expected = 0.005 / math.sqrt(0.0005 / 4) * 2
    assert metrics.sortino_ratio(returns, 4) == pytest.approx(expected)


def test_sortino_without_downside():
    assert metrics.sortino_ratio([0.01, 0.02], 365) == math.inf
    assert metrics.sortino_ratio([0.0, 0.0], 365) == 0.0
    assert metrics.sortino_ratio([0.01], 365) == 0.0


def test_annualized_volatility():
    assert metrics.annualized_volatility([0.01, 0.03], 4) == pytest.approx(
        0.02 / math.sqrt(2) * 2)
    assert metrics.annualized_volatility([0.01], 4) == 0.0


# Returns, drawdown, growth rates


def test_max_drawdown_from_returns_example():
    equity = 10_000 * np.cumprod(1 + np.array([-0.5, 0.1]))
    assert metrics.max_drawdown(equity, 10_000) == pytest.approx(-0.5)


def test_max_drawdown_running_peak():
    assert metrics.max_drawdown([110, 90, 120, 60], 100) == pytest.approx(-0.5)
    assert metrics.max_drawdown([110, 90, 120, 100], 100) == pytest.approx(-20 / 110)


def test_max_drawdown_peak_starts_at_init_cash():
    assert metrics.max_drawdown([95, 97], 100) == pytest.approx(-0.05)


def test_max_drawdown_without_fall():
    assert metrics.max_drawdown([100, 101, 102], 100) == 0.0
    assert metrics.max_drawdown([], 100) == 0.0


def test_total_return():
    assert metrics.total_return([100, 120, 150], 100) == pytest.approx(0.5)
    assert metrics.total_return([], 100) == 0.0


def test_cagr_compounds():
    assert metrics.cagr(0.21, 730, 365) == pytest.approx(0.1)
    assert metrics.cagr(0.1, 365, 365) == pytest.approx(0.1)


def test_cagr_edge_cases():
    assert metrics.cagr(-1.0, 100, 365) == -1.0
    assert metrics.cagr(-1.5, 100, 365) == -1.0
    assert metrics.cagr(0.5, 0, 365) == 0.0
    assert metrics.cagr(10.0, 1, 525_600) == math.inf


def test_annualized_return_is_linear():
    assert metrics.annualized_return(0.21, 730, 365) == pytest.approx(0.105)
    assert metrics.annualized_return(0.21, 0, 365) == 0.0


def test_calmar_ratio():
    assert metrics.calmar_ratio(0.1, -0.25) == pytest.approx(0.4)
    assert metrics.calmar_ratio(0.1, 0.0) == math.inf
    assert metrics.calmar_ratio(-0.1, 0.0) == 0.0


# Trade statistics


def test_win_rate_and_profit_factor():
    pnl = [10.0, -5.0, 5.0, -5.0]
    assert metrics.win_rate(pnl) == 0.5
    assert metrics.profit_factor(pnl) == pytest.approx(1.5)


def test_trade_statistics_edge_cases():
    assert metrics.win_rate([]) == 0.0
    assert metrics.profit_factor([]) == 0.0
    assert metrics.profit_factor([1.0, 2.0]) == math.inf
    assert metrics.profit_factor([0.0, -1.0]) == 0.0
    assert metrics.win_rate([0.0, 1.0]) == 0.5  # a break-even trade is not a win


# Cross-check against plain Python


def slow_sharpe(returns, ppy):
    n = len(returns)
    mean = sum(returns) / n
    variance = sum((r - mean) ** 2 for r in returns) / (n - 1)
    return mean / math.sqrt(variance) * math.sqrt(ppy)


def slow_sortino(returns, ppy):
    mean = sum(returns) / len(returns)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    return mean / downside * math.sqrt(ppy)


def slow_max_drawdown(equity, init_cash):
    peak = init_cash
    worst = 0.0
    for value in equity:
        peak = max(peak, value)
        worst = min(worst, value / peak - 1.0)
    return worst


def test_metrics_match_plain_python():
    rng = np.random.default_rng(20240101)
    for _ in range(50):
        returns = rng.normal(0.0005, 0.02, size=rng.integers(2, 300))
        equity = 1000.0 * np.cumprod(1.0 + returns)
        assert metrics.sharpe_ratio(returns, 2190) == pytest.approx(slow_sharpe(returns, 2190),
                                                                    rel=1e-9)
        assert metrics.sortino_ratio(returns, 2190) == pytest.approx(
            slow_sortino(returns, 2190), rel=1e-9)
        assert metrics.max_drawdown(equity, 1000.0) == pytest.approx(
            slow_max_drawdown(equity, 1000.0), rel=1e-12, abs=1e-15)
