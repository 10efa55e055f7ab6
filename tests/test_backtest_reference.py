"""Property tests: the numba kernel equals the plain-Python reference backtester."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_backtest import reference_backtest
from seedwalk.backtest import BacktestOptions, simulate
from seedwalk.backtest._engine_nb import INITIAL_TRADE_CAPACITY
from seedwalk.strategy import Signals

TRADE_FIELDS = ("entry_index", "exit_index", "side", "size", "entry_price", "exit_price",
                "entry_fee", "exit_fee", "pnl", "return", "exit_reason")
RTOL = 1e-9


@st.composite
def ohlc_paths(draw):
    """Random valid bars: high >= max(open, close), low <= min(open, close), all > 0."""
    n = draw(st.integers(2, 60))
    unit = st.floats(0.0, 1.0)
    previous_close = draw(st.floats(1.0, 1000.0))
    open_, high, low, close = [], [], [], []
    for _ in range(n):
        # Gaps of up to +-30 % from the previous close make opens jump past stops.
        bar_open = previous_close * (0.7 + 0.6 * draw(unit))
        bar_close = bar_open * (0.8 + 0.4 * draw(unit))
        bar_high = max(bar_open, bar_close) * (1.0 + 0.15 * draw(unit))
        bar_low = min(bar_open, bar_close) * (1.0 - 0.15 * draw(unit))
        open_.append(bar_open)
        high.append(bar_high)
        low.append(bar_low)
        close.append(bar_close)
        previous_close = bar_close
    return [np.array(values) for values in (open_, high, low, close)]


@st.composite
def signal_arrays(draw, n):
    """Four bool arrays of length n at a drawn density.

    Drawing a seed instead of each boolean keeps Hypothesis from favouring
    all-False arrays, which exercise nothing.
    """
    density = draw(st.floats(0.05, 0.7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return list(rng.random((4, n)) < density)


@st.composite
def cases(draw):
    prices = draw(ohlc_paths())
    n = len(prices[0])
    signals = draw(signal_arrays(n))
    # Bounds shrink towards the full data, so most windows contain trades.
    start = draw(st.integers(0, n // 3) | st.integers(0, n))
    end = n - draw(st.integers(0, n - start))
    size_type = draw(st.sampled_from(["fraction", "units", "value"]))
    size = {
        # Sizes above 1 and large unit counts lever up, which reaches depletion.
        "fraction": st.floats(0.05, 3.0),
        "units": st.floats(0.01, 400.0),
        "value": st.floats(1.0, 40_000.0),
    }[size_type]

    def optional_fraction(high):
        return st.none() | st.floats(0.005, high)

    options = dict(
        direction=draw(st.sampled_from(["long", "short", "both"])),
        fill=draw(st.sampled_from(["next_open", "close"])),
        size_type=size_type,
        size=draw(size),
        fee=draw(st.sampled_from([0.0, 0.001]) | st.floats(0.0, 0.02)),
        fixed_fee=draw(st.sampled_from([0.0]) | st.floats(0.0, 20.0)),
        slippage=draw(st.sampled_from([0.0]) | st.floats(0.0, 0.02)),
        stop_loss=draw(optional_fraction(0.3)),
        take_profit=draw(optional_fraction(0.6)),
        trailing_stop=draw(optional_fraction(0.3)),
        init_cash=draw(st.sampled_from([10_000.0]) | st.floats(100.0, 100_000.0)),
    )
    return prices, signals, start, end, options


def assert_close(actual, expected, scale, label):
    tolerance = RTOL * max(abs(actual), abs(expected)) + 1e-12 * scale
    assert abs(actual - expected) <= tolerance, f"{label}: kernel {actual!r}, reference {expected!r}"


@settings(max_examples=300, deadline=None)
@given(cases())
def test_kernel_matches_reference(case):
    prices, signals, start, end, options = case
    result = simulate(*prices, Signals(*signals), start=start, end=end,
                      options=BacktestOptions(**options))
    expected = reference_backtest(*prices, *signals, start=start, end=end, **options)

    assert result.status == expected["status"]
    assert result.exposed_bars == expected["exposed_bars"]
    assert len(result.trades) == len(expected["trades"])
    for k, (trade, reference_trade) in enumerate(zip(result.trades, expected["trades"])):
        notional = reference_trade["size"] * reference_trade["entry_price"]
        for field in TRADE_FIELDS:
            actual = trade[field].item()
            if isinstance(reference_trade[field], int):
                assert actual == reference_trade[field], f"trade {k} {field}"
            else:
                assert_close(actual, reference_trade[field], notional, f"trade {k} {field}")
    assert len(result.equity) == len(expected["equity"])
    for i, (value, reference_value) in enumerate(zip(result.equity, expected["equity"])):
        assert_close(float(value), reference_value, options["init_cash"], f"equity[{i}]")
    assert all(math.isfinite(v) for v in result.equity)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_missing_short_signals_filled_from_long(case):
    """Short arrays left None: "short" trades entries/exits as shorts, "both" mirrors them."""
    prices, signals, start, end, options = case
    entries, exits = signals[0], signals[1]
    if options["direction"] == "short":
        short_entries, short_exits = entries, exits
    else:
        short_entries, short_exits = exits, entries
    result = simulate(*prices, Signals(entries, exits), start=start, end=end,
                      options=BacktestOptions(**options))
    expected = reference_backtest(*prices, entries, exits, short_entries, short_exits,
                                  start=start, end=end, **options)
    assert len(result.trades) == len(expected["trades"])
    for trade, reference_trade in zip(result.trades, expected["trades"]):
        assert trade["entry_index"] == reference_trade["entry_index"]
        assert trade["exit_index"] == reference_trade["exit_index"]
        assert trade["side"] == reference_trade["side"]
    assert_close(float(result.equity[-1]), expected["equity"][-1], options["init_cash"],
                 "final equity")


def long_run(seed, n=4_500):
    """Bars with dense signals, then a long stretch without any, then dense again.

    Dense signals give several hundred trades, past the kernel's initial trade
    buffer, and the quiet stretch exercises its skipping of bars without signals.
    """
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.concatenate(([100.0], close[:-1] * np.exp(rng.normal(0.0, 0.003, n - 1))))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.005, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.005, n)))
    signals = list(rng.random((4, n)) < 0.3)
    for array in signals:
        array[n // 3:2 * n // 3] = False
    return [open_, high, low, close], signals


@pytest.mark.parametrize("options", [
    dict(direction="long", fill="close"),
    dict(direction="both", fill="next_open", stop_loss=0.02, trailing_stop=0.03),
    dict(direction="short", fill="next_open", take_profit=0.02, slippage=0.001),
    dict(direction="both", fill="close", size=4.0, stop_loss=0.05),  # levered 4 times
])
def test_kernel_matches_reference_on_long_runs(options):
    prices, signals = long_run(seed=len(options))
    defaults = dict(size=1.0, size_type="fraction", fee=0.001, fixed_fee=0.0, slippage=0.0,
                    stop_loss=None, take_profit=None, trailing_stop=None, init_cash=10_000.0)
    options = {**defaults, **options}
    start, end = 5, len(prices[0]) - 3
    result = simulate(*prices, Signals(*signals), start=start, end=end,
                      options=BacktestOptions(**options))
    expected = reference_backtest(*prices, *signals, start=start, end=end, **options)

    assert result.status == expected["status"]
    assert result.exposed_bars == expected["exposed_bars"]
    assert len(result.trades) == len(expected["trades"])
    assert len(result.trades) > INITIAL_TRADE_CAPACITY
    for k, (trade, reference_trade) in enumerate(zip(result.trades, expected["trades"])):
        notional = reference_trade["size"] * reference_trade["entry_price"]
        for field in TRADE_FIELDS:
            actual = trade[field].item()
            if isinstance(reference_trade[field], int):
                assert actual == reference_trade[field], f"trade {k} {field}"
            else:
                assert_close(actual, reference_trade[field], notional, f"trade {k} {field}")
    for i, (value, reference_value) in enumerate(zip(result.equity, expected["equity"])):
        assert_close(float(value), reference_value, options["init_cash"], f"equity[{i}]")
