"""The fused SMA-crossover sweep against simulate() with the SmaCross signals."""

from __future__ import annotations

import math

import numba
import numpy as np
import pandas as pd
import pytest

from seedwalk import metrics
from seedwalk.backtest import BacktestOptions, simulate
from seedwalk.backtest import _sweep_nb
from seedwalk.backtest.sweep import SweepResult, sweep_sma_cross
from seedwalk.errors import ConfigError
from seedwalk.indicators._nb import sma_nb
from seedwalk.plugins.data_sources import SampleSource
from seedwalk.strategies.sma_cross import (SmaCross, sma_cross_fast_signals_nb,
                                          sma_cross_signals_nb)
from seedwalk.strategy import Signals

PERIODS_PER_YEAR = 2190.0  # 4h bars, crypto calendar
# Every pair of the SmaCross grid that SmaCross accepts (fast < slow), 54 sets.
GRID = [(fast, slow) for fast in range(5, 51, 5) for slow in range(20, 201, 20) if fast < slow]


@pytest.fixture(scope="module", params=["GALA-USDT", "PEPE-USDT"])
def bars(request):
    return SampleSource().load(request.param)


def prices(data):
    return data.open, data.high, data.low, data.close


def reference(data, fast, slow, start, end, options, signals=None):
    """Return simulate()'s result for one set, with the SmaCross signals by default."""
    if signals is None:
        signals = SmaCross().signals(*prices(data), data.volume, {"fast": fast, "slow": slow})
    return simulate(*prices(data), signals, start=start, end=end, options=options)


def assert_set_matches(result, k, simulation):
    """Check set ``k`` of a sweep against one simulate() result, field by field."""
    start, end = simulation.start, simulation.end
    returns = simulation.returns()
    fees = simulation.trades["entry_fee"].sum() + simulation.trades["exit_fee"].sum()
    label = f"set {k}: fast={result.params['fast'][k]}, slow={result.params['slow'][k]}"
    assert result.final_equity[k] == simulation.final_equity, label
    assert result.n_trades[k] == len(simulation.trades), label
    assert result.status[k] == simulation.status, label
    assert result.exposed_bars[k] == simulation.exposed_bars, label
    if result.returns is not None:
        assert np.array_equal(result.returns[k], returns), label
        assert np.array_equal(result.equity[k], simulation.equity[start:end]), label
    assert result.max_drawdown[k] == metrics.max_drawdown(simulation.equity[start:end],
                                                          simulation.init_cash), label
    assert result.total_fees[k] == pytest.approx(fees, rel=1e-12, abs=1e-12), label
    assert result.sharpe(PERIODS_PER_YEAR)[k] == pytest.approx(
        metrics.sharpe_ratio(returns, PERIODS_PER_YEAR), rel=1e-12, abs=1e-12), label
    assert result.sortino(PERIODS_PER_YEAR)[k] == pytest.approx(
        metrics.sortino_ratio(returns, PERIODS_PER_YEAR), rel=1e-12, abs=1e-12), label


@pytest.mark.parametrize("bounded_sums", [True, False], ids=["bounded", "running"])
@pytest.mark.parametrize("fill", ["next_open", "close"])
@pytest.mark.parametrize("window", [(0, None), (300, 900), (201, 202), (5, 700), (1400, 1500)],
                         ids=["all", "middle", "one-bar", "short-warmup", "tail"])
def test_grid_matches_simulate(bars, fill, window, bounded_sums):
    start, end = window
    end = len(bars) if end is None else end
    options = BacktestOptions(fee=0.001, fill=fill)
    fast = np.array([pair[0] for pair in GRID])
    slow = np.array([pair[1] for pair in GRID])
    result = sweep_sma_cross(*prices(bars), fast, slow, start=start, end=end, options=options,
                             returns=True, bounded_sums=bounded_sums)
    for k, (fast_window, slow_window) in enumerate(GRID):
        assert_set_matches(result, k, reference(bars, fast_window, slow_window, start, end,
                                                options))


def test_unordered_windows_match_simulate(bars):
    # SmaCross rejects these pairs, but the kernel runs them like sma_cross_signals_nb.
    pairs = [(20, 20), (40, 20), (50, 20), (30, 10), (7, 7)]
    options = BacktestOptions(fee=0.001)
    result = sweep_sma_cross(*prices(bars), [p[0] for p in pairs], [p[1] for p in pairs],
                             start=250, options=options, returns=True)
    for k, (fast, slow) in enumerate(pairs):
        signals = Signals(*sma_cross_signals_nb(bars.close, fast, slow))
        assert_set_matches(result, k, reference(bars, fast, slow, 250, len(bars), options,
                                                signals))


@pytest.mark.parametrize("option_set", [
    {"direction": "both"},
    {"direction": "short", "fill": "close"},
    {"stop_loss": 0.05, "take_profit": 0.12},
    {"trailing_stop": 0.08, "direction": "both", "fill": "close"},
    {"slippage": 0.002, "fixed_fee": 1.5, "fee": 0.002},
    {"size": 0.5},
    {"size_type": "units", "size": 3000.0},
    {"size_type": "value", "size": 2500.0, "direction": "both"},
    {"size": 3.0, "direction": "short", "init_cash": 100.0},
], ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()))
def test_options_match_simulate(bars, option_set):
    options = BacktestOptions(**{"fee": 0.001, **option_set})
    pairs = [(5, 20), (10, 60), (25, 100), (45, 200)]
    result = sweep_sma_cross(*prices(bars), [p[0] for p in pairs], [p[1] for p in pairs],
                             start=220, end=1400, options=options, returns=True)
    for k, (fast, slow) in enumerate(pairs):
        assert_set_matches(result, k, reference(bars, fast, slow, 220, 1400, options))


def test_depletion_matches_simulate():
    # Three times leveraged shorts into a rally lose everything.
    close = np.concatenate([np.linspace(100.0, 80.0, 40), np.linspace(80.0, 400.0, 60)])
    options = BacktestOptions(direction="short", size=3.0, fill="close")
    result = sweep_sma_cross(close, close, close, close, [3], [10], options=options,
                             returns=True)
    simulation = simulate(close, close, close, close,
                          Signals(*sma_cross_signals_nb(close, 3, 10)), options=options)
    assert simulation.status == 1
    assert_set_matches(result, 0, simulation)


def test_hand_computed_crossover():
    # SMA(1) - SMA(2) is half the last price change, so the signals follow its sign:
    # an entry at bar 2 (10 -> 11 after a flat bar), an exit at bar 4, an entry at
    # bar 6, and the window-end close at bar 7. The opens equal the previous closes,
    # so next_open fills trade at the same prices as close fills, one bar later.
    close = np.array([10.0, 10.0, 11.0, 12.0, 11.0, 10.0, 12.0, 15.0])
    open_ = np.concatenate([[10.0], close[:-1]])
    # Buy 100 / (11 * 1.01) units at 11, sell them at 11: the two fees cost 100 *
    # 0.02 / 1.01. Then buy at 12 and close at 15, which earns 3 - 0.12 - 0.15 per
    # unit, and cash / 12.12 units.
    cash = 100.0 * (1.0 - 0.02 / 1.01)
    expected = cash * (1.0 + 2.73 / 12.12)
    second_units = cash / 12.12
    expected_fees = 2.0 * 0.01 * 11.0 * 100.0 / 11.11 + 0.27 * second_units
    for fill in ("close", "next_open"):
        result = sweep_sma_cross(open_, close, close, close, [1], [2],
                                 options={"fee": 0.01, "fill": fill, "init_cash": 100.0})
        assert result.final_equity[0] == pytest.approx(expected, rel=1e-14)
        assert result.n_trades[0] == 2
        assert result.exposed_bars[0] == 3
        assert result.total_fees[0] == pytest.approx(expected_fees, rel=1e-14)


def test_ties_and_flat_stretches_match_simulate():
    # Long runs of equal closes make both SMAs exactly equal, and a slow drift makes
    # them nearly equal: both force the exact fallback of the bounded sums.
    rng = np.random.default_rng(7)
    pieces = []
    level = 1.0
    for _ in range(30):
        pieces.append(np.full(int(rng.integers(20, 80)), level))
        pieces.append(level * (1.0 + 1e-13 * np.arange(1, 15)))
        level = round(level * (1.0 + rng.normal(0.0, 0.02)), 4)
    close = np.concatenate(pieces)
    signals = [sma_cross_signals_nb(close, 3, 8), sma_cross_signals_nb(close, 5, 30)]
    assert any(entries.any() for entries, _ in signals)
    options = BacktestOptions(fee=0.001, fill="close")
    result = sweep_sma_cross(close, close, close, close, [3, 5], [8, 30], options=options,
                             returns=True)
    for k, pair in enumerate(signals):
        simulation = simulate(close, close, close, close, Signals(*pair), options=options)
        assert_set_matches(result, k, simulation)


def test_exact_sma_equals_sma_nb_bit_for_bit(bars):
    for window in (1, 2, 7, 50, 200):
        expected = sma_nb(bars.close, window)
        for i in (window - 1, window + 3, 700, len(bars) - 1):
            assert _sweep_nb.exact_sma_nb(bars.close, i, window) == expected[i]


def test_exact_sums_check():
    exact, largest = _sweep_nb.exact_sums_nb(np.array([1.0, 2.0, 3.5]), 3, 200)
    assert exact
    assert largest == 3.5
    # Only the first ``end`` values count.
    assert _sweep_nb.exact_sums_nb(np.array([1.0, 2.0, -1.0]), 2, 5)[0]
    assert not _sweep_nb.exact_sums_nb(np.array([1.0, 0.0, 2.0]), 3, 5)[0]
    assert not _sweep_nb.exact_sums_nb(np.array([1.0, np.nan]), 2, 5)[0]
    assert not _sweep_nb.exact_sums_nb(np.array([1.0, np.inf]), 2, 5)[0]
    # 200 * 1e20 is far more than 2**100 ulps of 1e-20.
    assert not _sweep_nb.exact_sums_nb(np.array([1e-20, 1e20]), 2, 200)[0]


def test_inexact_data_use_running_sums():
    # A close of 1e-18 among closes near 1 fails the exactness check.
    close = 1.0 + 0.05 * np.sin(np.arange(400) / 9.0)
    close[150] = 1e-18
    assert not _sweep_nb.exact_sums_nb(close, len(close), 30)[0]
    options = BacktestOptions(fee=0.001)
    arguments = (close, close, close, close, np.array([4, 10]), np.array([12, 30]), 40, 400,
                 *options.kernel_args, True, True)
    outputs = _sweep_nb.sma_cross_sweep_serial_nb(*arguments)
    assert not outputs[-1]
    result = sweep_sma_cross(close, close, close, close, [4, 10], [12, 30], start=40,
                             options=options, returns=True)
    for k, (fast, slow) in enumerate([(4, 12), (10, 30)]):
        signals = Signals(*sma_cross_signals_nb(close, fast, slow))
        simulation = simulate(close, close, close, close, signals, start=40, options=options)
        assert_set_matches(result, k, simulation)


def test_real_data_use_bounded_sums(bars):
    outputs = _sweep_nb.sma_cross_sweep_serial_nb(
        *prices(bars), np.array([10]), np.array([50]), 0, len(bars),
        *BacktestOptions().kernel_args, False, True)
    assert outputs[-1]


@pytest.fixture
def restore_numba_threads():
    threads = numba.get_num_threads()
    yield
    numba.set_num_threads(threads)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_thread_count_does_not_change_results(bars, restore_numba_threads):
    fast = np.array([pair[0] for pair in GRID])
    slow = np.array([pair[1] for pair in GRID])
    options = BacktestOptions(fee=0.001, stop_loss=0.1)
    arguments = (*prices(bars), fast, slow, 100, len(bars), *options.kernel_args, True, True)
    numba.set_num_threads(1)
    one_thread = _sweep_nb.sma_cross_sweep_nb(*arguments)
    numba.set_num_threads(2)
    two_threads = _sweep_nb.sma_cross_sweep_nb(*arguments)
    serial = _sweep_nb.sma_cross_sweep_serial_nb(*arguments)
    for one, two, plain in zip(one_thread, two_threads, serial):
        # Bitwise, so that -0.0 and 0.0 or two NaN payloads would count as different.
        assert np.asarray(one).tobytes() == np.asarray(two).tobytes()
        assert np.asarray(one).tobytes() == np.asarray(plain).tobytes()

    by_argument = [sweep_sma_cross(*prices(bars), fast, slow, start=100, options=options,
                                   threads=count, returns=True) for count in (1, 2)]
    for name in ("final_equity", "n_trades", "mean_return", "std_return", "returns"):
        assert np.array_equal(getattr(by_argument[0], name), getattr(by_argument[1], name))
    assert numba.get_num_threads() == 2


def test_empty_window_and_no_sets(bars):
    result = sweep_sma_cross(*prices(bars), [10], [50], start=600, end=600, returns=True)
    assert result.final_equity[0] == 10_000.0
    assert result.n_trades[0] == 0
    assert result.returns.shape == (1, 0)
    assert result.equity.shape == (1, 0)
    assert result.sharpe(PERIODS_PER_YEAR)[0] == 0.0
    assert result.exposure[0] == 0.0
    empty = sweep_sma_cross(*prices(bars), [], [], start=600)
    assert len(empty) == 0
    assert empty.returns is None
    assert empty.equity is None


def test_result_frame_and_ratios(bars):
    result = sweep_sma_cross(*prices(bars), [10, 20], [50, 100], options={"fee": 0.001})
    assert isinstance(result, SweepResult)
    frame = result.to_frame(PERIODS_PER_YEAR)
    assert list(frame.columns[:2]) == ["fast", "slow"]
    assert list(frame["fast"]) == [10, 20]
    assert set(frame["status"]) == {"ok"}
    assert frame["total_return"].tolist() == list(result.final_equity / 10_000.0 - 1.0)
    expected = result.mean_return / result.std_return * math.sqrt(PERIODS_PER_YEAR)
    assert np.array_equal(frame["sharpe"].to_numpy(), expected)
    assert "sharpe" not in result.to_frame().columns


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fast": [10, 20], "slow": [50]}, "fast has 2 windows and slow has 1"),
    ({"fast": [0], "slow": [50]}, "fast[0] is 0"),
    ({"fast": [10.0], "slow": [50]}, "fast must be a 1-D array of integers"),
    ({"fast": [[10]], "slow": [[50]]}, "fast must be a 1-D array of integers"),
    ({"start": 10, "end": 5}, "window start=10, end=5"),
    ({"end": 10**6}, "outside the"),
    ({"threads": 0}, "threads must be an integer from 1"),
    ({"threads": True}, "threads must be an integer from 1"),
    ({"threads": numba.config.NUMBA_NUM_THREADS + 1}, "threads must be an integer from 1"),
    ({"options": {"fees": 0.1}}, "unknown backtest option 'fees'"),
    ({"options": "fee=0.001"}, "options must be a BacktestOptions, a mapping"),
    ({"start": 5.0}, r"start must be an integer bar position \(got 5.0\)"),
    ({"end": True}, r"end must be an integer bar position \(got True\)"),
    ({"fast": np.array([2**63], dtype=np.uint64), "slow": [50]},
     "fast[0] is 9223372036854775808; SMA windows must be at most"),
])
def test_invalid_arguments_raise_config_error(kwargs, message):
    close = np.linspace(1.0, 2.0, 100)
    arguments = {"fast": [10], "slow": [50], **kwargs}
    fast = arguments.pop("fast")
    slow = arguments.pop("slow")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sweep_sma_cross(close, close, close, close, fast, slow, **arguments)


def test_price_arrays_of_different_lengths_raise():
    close = np.linspace(1.0, 2.0, 100)
    with pytest.raises(ConfigError, match="open has shape"):
        sweep_sma_cross(close[:-1], close, close, close, [10], [50])


def test_pandas_series_inputs(bars):
    index = pd.RangeIndex(len(bars))
    series = [pd.Series(values, index=index) for values in prices(bars)]
    from_series = sweep_sma_cross(*series, pd.Series([10, 20]), pd.Series([50, 60]))
    from_arrays = sweep_sma_cross(*prices(bars), [10, 20], [50, 60])
    assert np.array_equal(from_series.final_equity, from_arrays.final_equity)


def long_walk(n_bars, seed):
    """A positive random walk with plateaus, long enough to cross several refreshes."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n_bars)))
    # Plateaus make equal SMAs, which only the exact fallback can call.
    for begin in rng.integers(0, n_bars - 100, 12):
        close[begin:begin + int(rng.integers(20, 90))] = close[begin]
    return np.round(close, 6)


@pytest.mark.parametrize("fast,slow", [(5, 20), (10, 50), (50, 10), (7, 7), (1, 2), (33, 200)])
def test_bounded_crossings_equal_the_plain_signals(fast, slow):
    # 10,000 bars cross the exact refresh of the plain sums twice.
    close = long_walk(10_000, seed=fast * 1000 + slow)
    entries, exits = sma_cross_signals_nb(close, fast, slow)
    exact, largest = _sweep_nb.exact_sums_nb(close, len(close), max(fast, slow))
    assert exact
    for first in (0, 1, 4093, 6000):
        events = np.empty(len(close) - first, dtype=np.int64)
        count = _sweep_nb.bounded_crossings_nb(close, fast, slow, first, len(close), largest,
                                               events)
        # From first + max(fast, slow) on, the SMAs started at first are the full ones.
        begin = first + max(fast, slow)
        expected = sorted([2 * int(bar) for bar in np.flatnonzero(entries) if bar >= begin]
                          + [2 * int(bar) + 1 for bar in np.flatnonzero(exits) if bar >= begin])
        got = [int(e) for e in events[:count] if e >> 1 >= begin]
        assert got == expected, f"first={first}"
        if fast != slow:
            assert count > 10


def test_fast_signals_equal_the_plain_signals(bars):
    datasets = [bars.close, long_walk(9_000, seed=3)]
    # A close of 1e-18 fails the exactness check, and the exact SMAs run instead.
    inexact = 1.0 + 0.05 * np.sin(np.arange(400) / 9.0)
    inexact[150] = 1e-18
    datasets.append(inexact)
    for close in datasets:
        for fast, slow in [(5, 20), (10, 50), (3, 3), (40, 12)]:
            expected = sma_cross_signals_nb(close, fast, slow)
            got = sma_cross_fast_signals_nb(close, fast, slow)
            assert np.array_equal(got[0], expected[0])
            assert np.array_equal(got[1], expected[1])
    empty = sma_cross_fast_signals_nb(np.empty(0), 2, 5)
    assert empty[0].shape == (0,)
    assert empty[1].shape == (0,)


@pytest.mark.parametrize("seed", range(6))
def test_random_options_without_stops_match_simulate(seed):
    # Without stops the kernel runs from fill to fill (sma_cross_segments_nb): random
    # windows, options and trading windows on data with plateaus, against simulate().
    rng = np.random.default_rng(seed)
    close = long_walk(9_000, seed=100 + seed)
    open_ = np.concatenate([[close[0]], close[:-1]])
    wick = 1.0 + np.abs(rng.normal(0.0, 0.004, (2, len(close))))
    high = np.maximum(open_, close) * wick[0]
    low = np.minimum(open_, close) / wick[1]

    option_set = {
        "fee": float(rng.choice([0.0, 0.001, 0.004])),
        "fill": str(rng.choice(["close", "next_open"])),
        "direction": str(rng.choice(["long", "short", "both"])),
        "slippage": float(rng.choice([0.0, 0.001])),
        "fixed_fee": float(rng.choice([0.0, 0.5])),
    }
    sizing = int(rng.integers(3))
    if sizing == 1:
        option_set.update(size_type="units", size=float(rng.uniform(10.0, 200.0)))
    elif sizing == 2:
        option_set.update(size_type="value", size=float(rng.uniform(1000.0, 20000.0)))
    else:
        option_set.update(size=float(rng.choice([0.5, 1.0, 2.5])))
    options = BacktestOptions(**option_set)

    pairs = [(int(rng.integers(1, 40)), int(rng.integers(2, 220))) for _ in range(4)]
    start = int(rng.integers(0, 3000))
    end = int(rng.integers(start, len(close) + 1))
    result = sweep_sma_cross(open_, high, low, close, [p[0] for p in pairs],
                             [p[1] for p in pairs], start=start, end=end, options=options,
                             returns=True)

    for k, (fast, slow) in enumerate(pairs):
        signals = Signals(*sma_cross_signals_nb(close, fast, slow))
        simulation = simulate(open_, high, low, close, signals, start=start, end=end,
                              options=options)
        assert_set_matches(result, k, simulation)


def test_two_dimensional_close_is_named():
    close = np.linspace(1.0, 2.0, 60)
    with pytest.raises(ConfigError, match=r"close has shape \(60, 1\)"):
        sweep_sma_cross(close, close, close, close.reshape(-1, 1), [5], [20])


def test_window_longer_than_data_keeps_bounded_sums(bars):
    # A window that never fills gives no signals; it must not make the other sets
    # fall back to the slower running sums.
    outputs = _sweep_nb.sma_cross_sweep_serial_nb(
        *prices(bars), np.array([10, 10]), np.array([50, 10**15]), 0, len(bars),
        *BacktestOptions().kernel_args, False, True)
    assert outputs[-1]
    assert outputs[1][1] == 0
    single = sweep_sma_cross(*prices(bars), [10], [50])
    assert outputs[0][0] == single.final_equity[0]


def test_huge_closes_use_running_sums():
    # Above 2**996 sma_nb's exact division overflows to NaN, so the exactness check
    # must fail and the fast signals must equal the plain ones (no signals at all).
    close = 1.5e300 * (1.0 + 0.05 * np.sin(np.arange(300) / 7.0))
    assert not _sweep_nb.exact_sums_nb(close, len(close), 20)[0]
    expected = sma_cross_signals_nb(close, 5, 20)
    got = sma_cross_fast_signals_nb(close, 5, 20)
    assert np.array_equal(got[0], expected[0])
    assert np.array_equal(got[1], expected[1])
