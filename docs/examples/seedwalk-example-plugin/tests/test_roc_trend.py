"""The roc_trend strategy: a slow reference, a hand-computed case, and the kit."""

import math

import numpy as np
import pytest

from seedwalk.errors import ConfigError
from seedwalk.plugins_manager import Registry, build_plugin_manager
from seedwalk.testing import StrategyConformance, check_warmup, draw_params, load_check_data
from seedwalk_example_plugin import RocTrend


def reference_signals(close, lookback, trend, threshold):
    """Bar-by-bar Python version of the kernel's definition."""
    n = len(close)
    entries = np.zeros(n, dtype=bool)
    exits = np.zeros(n, dtype=bool)

    def roc(t):
        return close[t] / close[t - lookback] - 1.0 if t >= lookback else math.nan

    def average(t):
        if t < trend - 1:
            return math.nan
        total = 0.0
        for value in close[t - trend + 1:t + 1]:
            total += value
        return total / trend

    for t in range(1, n):
        current, previous, mean = roc(t), roc(t - 1), average(t)
        if math.isnan(current) or math.isnan(previous) or math.isnan(mean):
            continue
        entries[t] = previous <= threshold < current and close[t] > mean
        exits[t] = previous >= 0.0 > current
    return entries, exits


def run(close, **params):
    return RocTrend().signals(None, None, None, np.asarray(close, dtype=float), None, params)


def test_hand_computed_signals():
    # roc over 2 bars: 0, 0.1, 0.2, 0, -1/6 from bar 2; 3-bar average 10.33 at bar 3.
    signals = run([10, 10, 10, 11, 12, 11, 10], lookback=2, trend=3, threshold=0.05)
    assert signals.entries.tolist() == [False, False, False, True, False, False, False]
    assert signals.exits.tolist() == [False, False, False, False, False, False, True]


def test_trend_filter_blocks_entry():
    # At bar 5 the rate of change crosses 0.05 (0 then 0.1), but the close, 11, is
    # below the 5-bar average, 57 / 5 = 11.4. Over 2 bars the average is 10.5.
    close = [16, 16, 10, 10, 10, 11]
    assert not run(close, lookback=2, trend=5, threshold=0.05).entries.any()
    assert run(close, lookback=2, trend=2, threshold=0.05).entries.tolist() == [
        False, False, False, False, False, True]


@pytest.mark.parametrize("asset", ["GALA-USDT", "BTC-USDT"])
def test_kernel_matches_reference(asset):
    bars = load_check_data(asset)
    extremes = [{"lookback": 3, "trend": 20, "threshold": 0.0},
                {"lookback": 60, "trend": 200, "threshold": 0.1}]
    for params in extremes + draw_params(RocTrend.space, 6, seed=1):
        signals = RocTrend().signals(bars.open, bars.high, bars.low, bars.close, bars.volume,
                                     params)
        entries, exits = reference_signals(bars.close, **params)
        np.testing.assert_array_equal(signals.entries, entries, err_msg=f"{params}")
        np.testing.assert_array_equal(signals.exits, exits, err_msg=f"{params}")
        assert signals.exits.any(), params


def test_short_data_gives_no_signals():
    signals = run([1.0, 2.0, 3.0], lookback=5, trend=20, threshold=0.0)
    assert signals.entries.tolist() == [False] * 3
    assert signals.exits.tolist() == [False] * 3


@pytest.mark.parametrize("params,name", [
    ({"lookback": 0, "trend": 20, "threshold": 0.0}, "lookback"),
    ({"lookback": 5, "trend": 2.5, "threshold": 0.0}, "trend"),
    ({"lookback": 5, "trend": 20, "threshold": -0.01}, "threshold"),
    ({"lookback": 5, "trend": 20}, "threshold"),
])
def test_invalid_parameters_name_the_parameter(params, name):
    with pytest.raises(ConfigError, match=f"'{name}'"):
        run([1.0, 2.0], **params)


class TestRocTrendConformance(StrategyConformance):
    strategy = RocTrend


def test_warmup_is_tight():
    class OneBarShort(RocTrend):
        def warmup(self, params):
            return super().warmup(params) - 1

    result = check_warmup(OneBarShort)
    assert result.status == "fail"
    assert "warm-up is too short" in result.problems[0]


def test_registered_through_entry_point():
    registry = Registry.from_manager(build_plugin_manager(autoload=True))
    assert registry.strategies["roc_trend"] is RocTrend
    assert registry.providers[("strategy", "roc_trend")] == "example"
