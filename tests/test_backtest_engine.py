"""Hand-computed cases for every execution rule of the backtest engine."""

from __future__ import annotations

import pickle
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest

from seedwalk.backtest import (
    EXIT_REASONS,
    TRADE_DTYPE,
    BacktestOptions,
    BacktestResult,
    Simulation,
    backtest_signals,
    simulate,
    status_message,
)
from seedwalk.backtest import _engine_nb as nb
from seedwalk.backtest import api
from seedwalk.data import read_ohlcv, sample_dir
from seedwalk.errors import ConfigError, DataError, SeedwalkWarning
from seedwalk.ohlcv import OHLCV
from seedwalk.strategy import Signals

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "data" / "sample" / "GALA-USDT_4h.csv.gz"
INIT = 10_000.0


def flat(*prices):
    """Bars whose open, high, low and close are all the same price."""
    return [(p, p, p, p) for p in prices]


def mask(n, indices):
    array = np.zeros(n, dtype=bool)
    array[list(indices)] = True
    return array


def run(rows, entries=(), exits=(), short_entries=None, short_exits=None, *, start=0,
        end=None, **options) -> Simulation:
    """Simulate bars given as (open, high, low, close) rows; signals are bar indices.

    Sizes default to 1 unit so that pnl reads as price differences.
    """
    options.setdefault("size_type", "units")
    options.setdefault("size", 1.0)
    prices = np.array(rows, dtype=np.float64).T
    n = len(rows)
    signals = Signals(
        mask(n, entries), mask(n, exits),
        short_entries=None if short_entries is None else mask(n, short_entries),
        short_exits=None if short_exits is None else mask(n, short_exits),
    )
    return simulate(*prices, signals, start=start, end=end, options=BacktestOptions(**options))


def only_trade(simulation):
    assert len(simulation.trades) == 1
    return simulation.trades[0]


def reason(trade):
    return EXIT_REASONS[trade["exit_reason"]]


# Fills and timing


def test_signal_fills_at_next_open():
    sim = run(flat(10, 11, 12, 13, 14), entries=[0], exits=[2])
    trade = only_trade(sim)
    assert trade["entry_index"] == 1
    assert trade["entry_price"] == 11.0
    assert trade["exit_index"] == 3
    assert trade["exit_price"] == 13.0
    assert trade["pnl"] == pytest.approx(2.0)
    assert reason(trade) == "signal"
    assert trade["side"] == 1
    np.testing.assert_allclose(sim.equity, [INIT, INIT, INIT + 1, INIT + 2, INIT + 2])


def test_fill_close_fills_at_signal_bar_close():
    sim = run(flat(10, 11, 12, 13, 14), entries=[0], exits=[2], fill="close")
    trade = only_trade(sim)
    assert trade["entry_index"] == 0
    assert trade["entry_price"] == 10.0
    assert trade["exit_index"] == 2
    assert trade["exit_price"] == 12.0
    np.testing.assert_allclose(sim.equity, [INIT, INIT + 1, INIT + 2, INIT + 2, INIT + 2])


def test_signal_on_last_bar_does_not_fill():
    sim = run(flat(10, 11, 12), entries=[2])
    assert len(sim.trades) == 0
    np.testing.assert_array_equal(sim.equity, [INIT] * 3)


def test_flat_entry_with_exit_is_void():
    sim = run(flat(10, 11, 12, 13), entries=[0], exits=[0])
    assert len(sim.trades) == 0


def test_entry_while_in_position_is_ignored():
    sim = run(flat(10, 11, 12, 13, 14), entries=[0, 1, 2])
    trade = only_trade(sim)
    assert trade["entry_index"] == 1
    assert reason(trade) == "end"


# Fees and slippage


def test_proportional_fee_example():
    rows = flat(0.2166, 0.2166, 0.2183, 0.2183)
    sim = run(rows, entries=[0], exits=[1], size=1500.0, fee=0.004)
    trade = only_trade(sim)
    assert trade["entry_fee"] == pytest.approx(1.2996, abs=1e-12)
    assert trade["exit_fee"] == pytest.approx(1.3098, abs=1e-12)
    assert trade["pnl"] == pytest.approx(-0.0594, abs=1e-12)
    assert sim.equity[-1] == pytest.approx(INIT - 0.0594, abs=1e-9)


def test_fixed_fee_charged_per_order():
    sim = run(flat(10, 10, 12, 12), entries=[0], exits=[1], size=10.0, fee=0.01, fixed_fee=2.0)
    trade = only_trade(sim)
    assert trade["entry_fee"] == pytest.approx(0.01 * 100 + 2)
    assert trade["exit_fee"] == pytest.approx(0.01 * 120 + 2)
    assert trade["pnl"] == pytest.approx(20 - 3 - 3.2)
    assert sim.equity[-1] == pytest.approx(INIT + 13.8)


def test_short_fees_and_equity():
    sim = run(flat(100, 100, 95, 90, 90), entries=[0], exits=[2], direction="short",
              size=10.0, fee=0.01)
    trade = only_trade(sim)
    assert trade["side"] == -1
    assert trade["entry_fee"] == pytest.approx(10.0)
    assert trade["exit_fee"] == pytest.approx(9.0)
    assert trade["pnl"] == pytest.approx(81.0)
    assert trade["return"] == pytest.approx(81.0 / 1000.0)
    # Short proceeds are credited: cash is 10,990 while short 10 units.
    np.testing.assert_allclose(sim.equity, [INIT, 10_990 - 1000, 10_990 - 950, INIT + 81, INIT + 81])


def test_slippage_is_adverse_for_long():
    sim = run(flat(100, 100, 110, 110), entries=[0], exits=[1], slippage=0.01)
    trade = only_trade(sim)
    assert trade["entry_price"] == pytest.approx(101.0)
    assert trade["exit_price"] == pytest.approx(108.9)
    assert trade["pnl"] == pytest.approx(7.9)


def test_slippage_is_adverse_for_short():
    sim = run(flat(100, 100, 110, 110), entries=[0], exits=[1], slippage=0.01, direction="short")
    trade = only_trade(sim)
    assert trade["entry_price"] == pytest.approx(99.0)
    assert trade["exit_price"] == pytest.approx(111.1)
    assert trade["pnl"] == pytest.approx(-12.1)


# Sizing


def test_fraction_sizing_includes_fees():
    sim = run(flat(10, 10, 10, 10), entries=[0], size_type="fraction", size=1.0,
              fee=0.01, fixed_fee=2.0, init_cash=1000.0)
    trade = only_trade(sim)
    units = (1000.0 - 2.0) / (10.0 * 1.01)
    assert trade["size"] == pytest.approx(units)
    # Cash after the entry is 1000 - units * 10 - entry fee, which is zero.
    cash = 1000.0 - units * 10.0 - trade["entry_fee"]
    assert cash == pytest.approx(0.0, abs=1e-9)
    assert sim.equity[1] == pytest.approx(1000.0 - trade["entry_fee"])


def test_fraction_sizing_half_of_equity():
    sim = run(flat(20, 20, 20), entries=[0], size_type="fraction", size=0.5)
    assert only_trade(sim)["size"] == pytest.approx(250.0)


def test_units_sizing_is_exact():
    sim = run(flat(20, 20, 20), entries=[0], size_type="units", size=3.0)
    assert only_trade(sim)["size"] == 3.0


def test_value_sizing_buys_a_notional():
    sim = run(flat(20, 20, 20), entries=[0], size_type="value", size=500.0, slippage=0.25)
    trade = only_trade(sim)
    assert trade["entry_price"] == pytest.approx(25.0)
    assert trade["size"] == pytest.approx(20.0)


def test_fraction_sizing_below_fixed_fee():
    sim = run(flat(10, 10, 10), entries=[0], size_type="fraction", size=0.001,
              fixed_fee=20.0)
    assert len(sim.trades) == 0


# Stops


def test_long_stop_gap_fills_at_open():
    sim = run(flat(100, 100, 50, 50), entries=[0], stop_loss=0.10)
    trade = only_trade(sim)
    assert trade["exit_index"] == 2
    assert trade["exit_price"] == 50.0
    assert trade["pnl"] == -50.0
    assert reason(trade) == "stop_loss"


def test_short_stop_gap_fills_at_open():
    rows = flat(100, 100) + [(130, 135, 125, 130)]
    trade = only_trade(run(rows, entries=[0], direction="short", stop_loss=0.10))
    assert trade["exit_price"] == 130.0
    assert reason(trade) == "stop_loss"


def test_stop_before_take_profit():
    rows = flat(100, 100) + [(101, 111, 94, 105)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.05, take_profit=0.10))
    assert trade["exit_price"] == pytest.approx(95.0)
    assert reason(trade) == "stop_loss"


def test_open_below_stop_fills_at_open():
    rows = flat(100, 100) + [(93, 111, 92, 100)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.05, take_profit=0.10))
    assert trade["exit_price"] == 93.0
    assert reason(trade) == "stop_loss"


def test_gap_through_take_profit_fills_at_open():
    rows = flat(100, 100) + [(115, 120, 114, 118)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.05, take_profit=0.10))
    assert trade["exit_price"] == 115.0
    assert reason(trade) == "take_profit"


def test_take_profit_inside_bar_fills_at_level():
    rows = flat(100, 100) + [(102, 112, 101, 104)]
    trade = only_trade(run(rows, entries=[0], take_profit=0.10))
    assert trade["exit_price"] == pytest.approx(110.0)
    assert reason(trade) == "take_profit"


def test_short_take_profit_gap_and_level():
    gap = only_trade(run(flat(100, 100, 85, 85), entries=[0], direction="short",
                         take_profit=0.10))
    assert gap["exit_price"] == 85.0
    assert reason(gap) == "take_profit"
    rows = flat(100, 100) + [(95, 96, 88, 93)]
    level = only_trade(run(rows, entries=[0], direction="short", take_profit=0.10))
    assert level["exit_price"] == pytest.approx(90.0)


def test_short_stop_first_when_both_reachable():
    rows = flat(100, 100) + [(100, 106, 89, 100)]
    trade = only_trade(run(rows, entries=[0], direction="short", stop_loss=0.05,
                           take_profit=0.10))
    assert trade["exit_price"] == pytest.approx(105.0)
    assert reason(trade) == "stop_loss"


def test_slippage_applies_to_stop_not_take_profit():
    # Entry at 100 * 1.01 = 101, so the stop is at 95.95 and the target at 111.1.
    stop_rows = flat(100, 100) + [(100, 105, 95, 100)]
    stop = only_trade(run(stop_rows, entries=[0], slippage=0.01, stop_loss=0.05))
    assert stop["exit_price"] == pytest.approx(95.95 * 0.99)
    target_rows = flat(100, 100) + [(105, 112, 104, 110)]
    target = only_trade(run(target_rows, entries=[0], slippage=0.01, take_profit=0.10))
    assert target["exit_price"] == pytest.approx(111.1)
    assert reason(target) == "take_profit"


def test_stop_on_entry_bar_next_open():
    rows = flat(100) + [(100, 101, 85, 95)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.10))
    assert trade["entry_index"] == 1
    assert trade["exit_index"] == 1
    assert trade["exit_price"] == pytest.approx(90.0)


def test_stop_after_entry_bar_close_fill():
    # Bar 0's low of 80 came before the entry at its close, so it cannot stop it.
    rows = [(100, 100, 80, 100), (100, 101, 85, 95), (95, 95, 95, 95)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.10, fill="close"))
    assert trade["entry_index"] == 0
    assert trade["exit_index"] == 1
    assert trade["exit_price"] == pytest.approx(90.0)


def test_trailing_stop_long():
    rows = flat(100) + [(100, 120, 99, 118), (117, 119, 107, 110)]
    trade = only_trade(run(rows, entries=[0], trailing_stop=0.10))
    # The peak after bar 1 is 120, so bar 2's stop is 108.
    assert trade["exit_index"] == 2
    assert trade["exit_price"] == pytest.approx(108.0)
    assert reason(trade) == "trailing_stop"


def test_trailing_peak_updates_after_the_check():
    # Bar 1's high of 130 must not raise bar 1's own stop above its low of 95.
    rows = flat(100) + [(100, 130, 95, 100)] + flat(100)
    trade = only_trade(run(rows, entries=[0], trailing_stop=0.10))
    assert trade["exit_index"] == 2
    assert trade["exit_price"] == 100.0  # opens below the 117 stop
    assert reason(trade) == "trailing_stop"


def test_trailing_stop_short():
    rows = flat(100) + [(100, 101, 80, 82), (85, 89, 84, 86)]
    trade = only_trade(run(rows, entries=[0], direction="short", trailing_stop=0.10))
    assert trade["exit_index"] == 2
    assert trade["exit_price"] == pytest.approx(88.0)
    assert reason(trade) == "trailing_stop"


def test_stop_loss_reason_at_higher_level():
    rows = flat(100) + [(100, 101, 94, 96)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.05, trailing_stop=0.10))
    assert trade["exit_price"] == pytest.approx(95.0)
    assert reason(trade) == "stop_loss"


def test_trailing_reason_above_stop_loss():
    rows = flat(100) + [(100, 120, 99, 118), (117, 119, 107, 110)]
    trade = only_trade(run(rows, entries=[0], stop_loss=0.05, trailing_stop=0.10))
    assert trade["exit_price"] == pytest.approx(108.0)
    assert reason(trade) == "trailing_stop"


def test_new_entry_after_stop_exit():
    sim = run(flat(100, 100, 50, 60, 70, 80), entries=[0, 3], stop_loss=0.10)
    assert len(sim.trades) == 2
    assert reason(sim.trades[0]) == "stop_loss"
    assert sim.trades[1]["entry_index"] == 4
    assert sim.trades[1]["entry_price"] == 70.0


# Window


def test_window_start_fills_previous_signal():
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[1], start=2)
    trade = only_trade(sim)
    assert trade["entry_index"] == 2
    assert trade["entry_price"] == 12.0
    np.testing.assert_array_equal(sim.equity[:2], [INIT, INIT])


def test_window_start_ignores_older_signals():
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[0], start=2)
    assert len(sim.trades) == 0
    np.testing.assert_array_equal(sim.equity, [INIT] * 6)


def test_window_end_closes_position_with_fees():
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[0], end=4, size=10.0, fee=0.01)
    trade = only_trade(sim)
    assert trade["exit_index"] == 3
    assert trade["exit_price"] == 13.0
    assert trade["exit_fee"] == pytest.approx(1.3)
    assert reason(trade) == "end"
    final = INIT + 20.0 - 1.1 - 1.3
    assert sim.equity[3] == pytest.approx(final)
    np.testing.assert_array_equal(sim.equity[4:], [sim.equity[3]] * 2)


def test_window_end_close_pays_slippage():
    trade = only_trade(run(flat(10, 10, 20), entries=[0], slippage=0.01))
    assert trade["exit_price"] == pytest.approx(19.8)
    assert reason(trade) == "end"


def test_signal_on_window_last_bar_is_ignored():
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[3], end=4)
    assert len(sim.trades) == 0


def test_close_fill_opens_nothing_on_window_last_bar():
    assert len(run(flat(10, 11, 12, 13, 14), entries=[3], end=4, fill="close").trades) == 0
    trade = only_trade(run(flat(10, 11, 12, 13, 14), entries=[2], end=4, fill="close"))
    assert trade["entry_price"] == 12.0
    assert trade["exit_price"] == 13.0
    assert reason(trade) == "end"


def test_empty_window():
    sim = run(flat(10, 11, 12), entries=[0], start=1, end=1)
    assert len(sim.trades) == 0
    np.testing.assert_array_equal(sim.equity, [INIT] * 3)
    assert len(sim.returns()) == 0
    assert sim.exposure == 0.0


# Direction "both"


def test_reversal_pays_two_fees():
    sim = run(flat(100, 100, 110, 120, 120), entries=[0], exits=[1], direction="both",
              fee=0.001)
    assert len(sim.trades) == 2
    long_trade, short_trade = sim.trades
    assert long_trade["side"] == 1
    assert short_trade["side"] == -1
    assert long_trade["exit_index"] == short_trade["entry_index"] == 2
    assert long_trade["exit_fee"] == pytest.approx(0.11)
    assert short_trade["entry_fee"] == pytest.approx(0.11)
    assert long_trade["pnl"] == pytest.approx(10 - 0.1 - 0.11)
    assert short_trade["pnl"] == pytest.approx(-10 - 0.11 - 0.12)
    assert reason(short_trade) == "end"


def test_reversal_sizes_from_new_equity():
    sim = run(flat(100, 100, 200, 200), entries=[0], exits=[1], direction="both",
              size_type="fraction", size=1.0)
    long_trade, short_trade = sim.trades
    assert long_trade["size"] == pytest.approx(100.0)
    assert short_trade["size"] == pytest.approx(20_000.0 / 200.0)


def test_explicit_short_signals():
    sim = run(flat(100, 100, 90, 80, 80), entries=[], exits=[], short_entries=[0],
              short_exits=[2], direction="both")
    trade = only_trade(sim)
    assert trade["side"] == -1
    assert trade["pnl"] == pytest.approx(20.0)


def test_long_and_short_entry_same_bar_is_void():
    sim = run(flat(100, 100, 100), entries=[0], short_entries=[0], short_exits=[],
              direction="both")
    assert len(sim.trades) == 0


def test_short_entry_and_exit_same_bar_is_void():
    sim = run(flat(100, 100, 100), short_entries=[0], short_exits=[0], direction="both")
    assert len(sim.trades) == 0


def test_long_direction_ignores_short_signals():
    sim = run(flat(100, 100, 100), short_entries=[0], short_exits=[], direction="long")
    assert len(sim.trades) == 0


# Equity, returns, exposure and status


def test_equity_depletion_liquidates_and_stops():
    rows = flat(100, 100, 160, 100, 100)
    sim = run(rows, entries=[0, 2], direction="short", size=200.0)
    assert sim.status == 1
    assert not sim.ok
    assert "liquidation" in sim.message
    trade = only_trade(sim)
    assert reason(trade) == "liquidation"
    assert trade["exit_index"] == 2
    assert trade["pnl"] == pytest.approx(-12_000.0)
    np.testing.assert_allclose(sim.equity, [INIT, INIT, -2000.0, -2000.0, -2000.0])


def test_returns_over_window():
    sim = run(flat(10, 10, 20, 20, 20), entries=[0], start=1, end=4, size=100.0)
    equity = sim.equity
    np.testing.assert_allclose(equity, [INIT, INIT, INIT + 1000, INIT + 1000, INIT + 1000])
    np.testing.assert_allclose(sim.returns(), [0.0, 0.1, 0.0])


def test_first_return_is_relative_to_init_cash():
    sim = run(flat(10, 10, 20), entries=[], fill="close", start=0)
    assert sim.returns()[0] == 0.0
    sim = run(flat(10, 20, 20), entries=[0], fill="close", size=100.0)
    np.testing.assert_allclose(sim.returns(), [0.0, 0.1, 0.0])


def test_exposure_next_open():
    # Held during bars 1 and 2, sold at bar 3's open: 2 of 6 bars.
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[0], exits=[2])
    assert sim.exposed_bars == 2
    assert sim.exposure == pytest.approx(2 / 6)


def test_exposure_close_fill():
    # Bought at bar 0's close and sold at bar 2's close: held during bars 1 and 2.
    sim = run(flat(10, 11, 12, 13, 14, 15), entries=[0], exits=[2], fill="close")
    assert sim.exposed_bars == 2


def test_exposure_counts_stop_bar():
    sim = run(flat(100, 100, 50, 50), entries=[0], stop_loss=0.1)
    assert sim.exposed_bars == 2


def test_status_messages():
    assert status_message(0) == "ok"
    assert "equity" in status_message(1)
    assert "99" in status_message(99)


def test_trades_are_structured_records():
    sim = run(flat(10, 11, 12, 13), entries=[0])
    for field in ("entry_index", "exit_index", "side", "size", "entry_price", "exit_price",
                  "entry_fee", "exit_fee", "pnl", "return", "exit_reason"):
        assert field in sim.trades.dtype.names


# simulate() input checks


def test_simulate_rejects_length_mismatch():
    prices = np.ones(5)
    signals = Signals(np.zeros(4, bool), np.zeros(4, bool))
    with pytest.raises(ConfigError, match="entries has shape"):
        simulate(prices, prices, prices, prices, signals)


def test_simulate_rejects_window_outside_data():
    prices = np.ones(5)
    signals = Signals(np.zeros(5, bool), np.zeros(5, bool))
    with pytest.raises(ConfigError, match="start=3, end=2"):
        simulate(prices, prices, prices, prices, signals, start=3, end=2)
    with pytest.raises(ConfigError, match="end=6"):
        simulate(prices, prices, prices, prices, signals, end=6)


def test_simulate_accepts_options_mapping():
    prices = np.array([10.0, 11.0, 12.0])
    signals = Signals(np.array([True, False, False]), np.zeros(3, bool))
    sim = simulate(prices, prices, prices, prices, signals, options={"init_cash": 500.0})
    assert sim.equity[0] == 500.0


# Options


def test_options_defaults():
    options = BacktestOptions()
    assert options.direction == "long"
    assert options.fill == "next_open"
    assert options.size == 1.0
    assert options.size_type == "fraction"
    assert options.init_cash == 10_000.0
    assert options.stop_loss is None


def test_options_reject_unknown_direction_with_suggestion():
    with pytest.raises(ConfigError, match=r"direction.*'lng'.*Did you mean 'long'"):
        BacktestOptions(direction="lng")


@pytest.mark.parametrize("field, value", [
    ("fee", -0.1), ("fee", 1.0), ("fixed_fee", -1.0), ("slippage", 1.5),
    ("stop_loss", 0.0), ("stop_loss", 1.0), ("take_profit", 0.0), ("trailing_stop", 1.2),
    ("size", 0.0), ("init_cash", -5.0), ("fee", float("nan")), ("size", float("inf")),
])
def test_options_reject_out_of_range(field, value):
    with pytest.raises(ConfigError, match=field):
        BacktestOptions(**{field: value})


@pytest.mark.parametrize("value", ["0.1", True, [0.1]])
def test_options_reject_non_numbers(value):
    with pytest.raises(ConfigError, match="must be a number"):
        BacktestOptions(fee=value)


def test_options_convert_ints_to_float():
    options = BacktestOptions(fee=0, init_cash=500, stop_loss=None)
    assert isinstance(options.fee, float)
    assert isinstance(options.init_cash, float)


def test_options_from_dict_rejects_unknown_key():
    with pytest.raises(ConfigError, match=r"'stoploss'.*Did you mean 'stop_loss'"):
        BacktestOptions.from_dict({"stoploss": 0.1})


def test_options_from_dict_round_trip():
    options = BacktestOptions(direction="both", stop_loss=0.05, fee=0.001)
    assert BacktestOptions.from_dict(options.to_dict()) == options


def test_options_evolve():
    options = BacktestOptions()
    changed = options.evolve(stop_loss=0.1, direction="short")
    assert changed.stop_loss == 0.1
    assert changed.direction == "short"
    assert changed.kernel_args != options.kernel_args
    assert attrs.evolve(options, fee=0.002).kernel_args[4] == 0.002
    with pytest.raises(ConfigError):
        options.evolve(stop_loss=-1.0)


def test_options_are_frozen_and_picklable():
    options = BacktestOptions(take_profit=0.2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        options.fee = 0.1
    assert pickle.loads(pickle.dumps(options)) == options
    assert pickle.loads(pickle.dumps(options)).kernel_args == options.kernel_args


# backtest_signals


def frame(rows, freq="4h", upper=False):
    index = pd.date_range("2024-01-01", periods=len(rows), freq=freq, tz="UTC")
    columns = ["Open", "High", "Low", "Close"] if upper else ["open", "high", "low", "close"]
    return pd.DataFrame(rows, index=index, columns=columns, dtype=float)


def test_backtest_signals_trade_frame():
    data = frame(flat(100, 100, 110, 120, 120), upper=True)
    entries = pd.Series([True, False, False, False, False], index=data.index)
    exits = np.array([False, False, True, False, False])
    result = backtest_signals(data, entries, exits, size=2.0, size_type="units", fee=0.001)
    assert isinstance(result, BacktestResult)
    trades = result.trades
    assert list(trades.columns[:12]) == [
        "entry_time", "exit_time", "side", "size", "entry_price", "exit_price",
        "entry_fee", "exit_fee", "fees", "pnl", "return", "exit_reason"]
    assert len(trades) == 1
    row = trades.iloc[0]
    assert row["entry_time"] == data.index[1]
    assert row["exit_time"] == data.index[3]
    assert row["side"] == "long"
    assert row["exit_reason"] == "signal"
    assert row["fees"] == pytest.approx(0.2 + 0.24)
    assert row["pnl"] == pytest.approx(40 - 0.44)
    assert result.equity.index.equals(data.index)
    assert result.equity.iloc[-1] == pytest.approx(INIT + 40 - 0.44)


def test_backtest_signals_short_direction():
    data = frame(flat(100, 100, 90, 80, 80))
    result = backtest_signals(data, mask(5, [0]), mask(5, [2]), direction="short",
                              size=1.0, size_type="units")
    assert list(result.trades["side"]) == ["short"]
    assert result.trades["pnl"].iloc[0] == pytest.approx(20.0)


def test_backtest_signals_both_mirrors():
    data = frame(flat(100, 100, 110, 120, 100, 100))
    result = backtest_signals(data, mask(6, [0, 3]), mask(6, [1]), direction="both",
                              size=1.0, size_type="units")
    assert list(result.trades["side"]) == ["long", "short", "long"]
    assert list(result.trades["exit_reason"]) == ["signal", "signal", "end"]


def test_backtest_signals_warns_ignored_shorts():
    data = frame(flat(100, 100, 100))
    with pytest.warns(SeedwalkWarning, match="ignored"):
        backtest_signals(data, mask(3, []), mask(3, []), short_entries=mask(3, [0]))


def test_backtest_signals_window_bounds():
    data = frame(flat(10, 11, 12, 13, 14, 15))
    entries, exits = mask(6, [1]), mask(6, [])
    by_position = backtest_signals(data, entries, exits, start=2, end=5)
    by_time = backtest_signals(data, entries, exits, start=data.index[2],
                               end="2024-01-01 20:00")
    pd.testing.assert_series_equal(by_position.equity, by_time.equity)
    assert by_position.equity.index.equals(data.index[2:5])
    assert len(by_position.returns) == 3
    assert by_position.trades["exit_time"].iloc[0] == data.index[4]


def test_backtest_signals_matches_simulate():
    data = frame([(10, 12, 9, 11), (11, 13, 10, 12), (12, 12, 8, 9), (9, 10, 7, 8),
                  (8, 12, 8, 11), (11, 14, 10, 13)])
    entries, exits = mask(6, [0, 3]), mask(6, [1])
    result = backtest_signals(data, entries, exits, fee=0.002, stop_loss=0.1, direction="both")
    sim = simulate(*(data[c].to_numpy() for c in ("open", "high", "low", "close")),
                   Signals(entries, exits),
                   options=BacktestOptions(fee=0.002, stop_loss=0.1, direction="both"))
    np.testing.assert_array_equal(result.equity.to_numpy(), sim.equity)
    np.testing.assert_array_equal(result.trades["pnl"].to_numpy(), sim.trades["pnl"])


def test_backtest_signals_accepts_ohlcv():
    rows = np.array(flat(10, 11, 12, 13), dtype=float)
    times = pd.date_range("2024-01-01", periods=4, freq="1D", tz="UTC").as_unit("ns").asi8
    data = OHLCV("TEST", times, rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], np.ones(4),
                 bar_seconds=86_400)
    result = backtest_signals(data, mask(4, [0]), mask(4, []), calendar="equity")
    assert result.periods_per_year == 252.0
    assert result.trades["entry_time"].iloc[0] == data.index[1]


def test_backtest_signals_stats():
    data = frame(flat(100, 100, 110, 99, 120, 120))
    result = backtest_signals(data, mask(6, [0, 2]), mask(6, [1]))
    stats = result.stats()
    assert result.periods_per_year == 2190.0
    for key in ("total_return", "cagr", "annualized_volatility", "sharpe", "sortino",
                "calmar", "max_drawdown", "n_trades", "win_rate", "profit_factor",
                "exposure"):
        assert key in stats.index
    assert stats["n_trades"] == 2
    assert stats["win_rate"] == 1.0
    assert stats["total_return"] == pytest.approx(result.equity.iloc[-1] / INIT - 1)
    assert stats["exposure"] == pytest.approx(4 / 6)  # bars 1, 3, 4 and 5
    assert stats["max_drawdown"] == 0.0
    assert stats["final_equity"] == pytest.approx(INIT * 1.1 * 120 / 99)


def test_backtest_signals_rejects_misaligned_series():
    data = frame(flat(10, 11, 12))
    shifted = pd.Series([True, False, False], index=data.index + pd.Timedelta("1h"))
    with pytest.raises(ConfigError, match="entries is a Series whose index differs"):
        backtest_signals(data, shifted, mask(3, []))


def test_backtest_signals_rejects_wrong_length():
    data = frame(flat(10, 11, 12))
    with pytest.raises(ConfigError, match=r"exits has shape \(2,\) but the data has 3 bars"):
        backtest_signals(data, mask(3, []), mask(2, []))


def test_backtest_signals_rejects_non_boolean_signals():
    data = frame(flat(10, 11, 12))
    with pytest.raises(ConfigError, match="must be booleans"):
        backtest_signals(data, np.array([0.0, np.nan, 1.0]), mask(3, []))
    result = backtest_signals(data, np.array([1, 0, 0]), mask(3, []))
    assert len(result.trades) == 1


def test_backtest_signals_rejects_unknown_calendar():
    with pytest.raises(ConfigError, match="'stocks'"):
        backtest_signals(frame(flat(10, 11)), mask(2, []), mask(2, []), calendar="stocks")


def test_backtest_signals_rejects_bad_option():
    with pytest.raises(ConfigError, match="fill"):
        backtest_signals(frame(flat(10, 11)), mask(2, []), mask(2, []), fill="open")


def test_backtest_signals_rejects_bad_window():
    with pytest.raises(ConfigError, match="start=7"):
        backtest_signals(frame(flat(10, 11)), mask(2, []), mask(2, []), start=7)
    with pytest.raises(ConfigError, match="bar position or a timestamp"):
        backtest_signals(frame(flat(10, 11)), mask(2, []), mask(2, []), end=[1])


def test_backtest_signals_rejects_missing_column():
    data = frame(flat(10, 11)).drop(columns="low")
    with pytest.raises(DataError, match="no 'low' column"):
        backtest_signals(data, mask(2, []), mask(2, []))


@pytest.mark.parametrize("row, message", [
    ((10, 11, np.nan, 10), "'low'.*nan"),
    ((10, 11, 9, -1), "'close' at .* is -1.0; prices"),
    ((10, 9, 8, 10), "high is below"),
    ((10, 11, 10.5, 11), "low is above"),
])
def test_backtest_signals_rejects_bad_bars(row, message):
    data = frame(flat(10, 10) + [row])
    with pytest.raises(DataError, match=message):
        backtest_signals(data, mask(3, []), mask(3, []))


def test_backtest_signals_rejects_unsorted_index():
    data = frame(flat(10, 11, 12)).iloc[[0, 2, 1]]
    with pytest.raises(DataError, match="strictly increasing"):
        backtest_signals(data, mask(3, []), mask(3, []))


def test_backtest_signals_rejects_non_datetime_index():
    data = frame(flat(10, 11)).reset_index(drop=True)
    with pytest.raises(DataError, match="DatetimeIndex"):
        backtest_signals(data, mask(2, []), mask(2, []))


# Real data


@pytest.fixture(scope="module")
def gala():
    return pd.read_csv(SAMPLE, parse_dates=["timestamp"], index_col="timestamp")


def sma_signals(close, fast=10, slow=40):
    diff = close.rolling(fast).mean() - close.rolling(slow).mean()
    above = (diff > 0).to_numpy()
    previous = np.roll(above, 1)
    previous[0] = above[0]
    return above & ~previous, ~above & previous


def test_real_data_fees_equal_cash_lost(gala):
    entries, exits = sma_signals(gala["close"])
    common = dict(direction="both", size=5_000.0, size_type="units", start=100, end=1400,
                  stop_loss=0.08, take_profit=0.2, slippage=0.0005)
    with_fees = backtest_signals(gala, entries, exits, fee=0.001, fixed_fee=0.5, **common)
    without_fees = backtest_signals(gala, entries, exits, **common)
    trades = with_fees.trades
    assert len(trades) >= 10
    assert set(trades["side"]) == {"long", "short"}
    assert with_fees.status == 0
    # Unit sizing keeps every position identical, so the fee run ends lower by the fees.
    assert (trades[["entry_index", "exit_index", "size"]].to_numpy()
            == without_fees.trades[["entry_index", "exit_index", "size"]].to_numpy()).all()
    lost = without_fees.equity.iloc[-1] - with_fees.equity.iloc[-1]
    assert lost == pytest.approx(trades["fees"].sum(), rel=1e-9)
    assert trades["fees"].sum() == pytest.approx(
        (trades["entry_fee"] + trades["exit_fee"]).sum(), rel=1e-12)


def test_real_data_equity_is_cash_plus_pnl(gala):
    entries, exits = sma_signals(gala["close"])
    result = backtest_signals(gala, entries, exits, fee=0.001, fixed_fee=0.5, start=60,
                              stop_loss=0.05, trailing_stop=0.1)
    trades = result.trades
    assert len(trades) >= 10
    assert result.equity.iloc[-1] == pytest.approx(INIT + trades["pnl"].sum(), rel=1e-12)
    side = np.where(trades["side"] == "long", 1.0, -1.0)
    gross = side * trades["size"] * (trades["exit_price"] - trades["entry_price"])
    assert (gross - trades["fees"]).sum() == pytest.approx(trades["pnl"].sum(), rel=1e-9)
    stats = result.stats()
    assert stats["n_trades"] == len(trades)
    assert -1.0 < stats["max_drawdown"] < 0.0
    assert 0.0 < stats["exposure"] < 1.0


# Kernel helpers, each against a plain loop


@pytest.mark.parametrize("use_first, use_second", [(False, False), (True, False),
                                                   (False, True), (True, True)])
def test_next_signal_matches_loop(use_first, use_second):
    rng = np.random.default_rng(0)
    first = rng.random(300) < 0.03
    second = rng.random(300) < 0.03
    for k, stop in [(0, 300), (0, 0), (37, 180), (299, 300), (150, 150), (250, 260)]:
        expected = stop
        for j in range(k, stop):
            if (use_first and first[j]) or (use_second and second[j]):
                expected = j
                break
        found = nb.next_signal_nb(first, second, use_first, use_second, k, stop)
        assert found == expected, f"bars [{k}, {stop})"


@pytest.mark.parametrize("cash, side_units", [
    (100.0, 0.0),  # flat: every value is the cash, or NaN at a NaN close
    (-50.0, 1.0),  # long, underwater from the first bar
    (150.0, -1.0),  # short, depleted when the close reaches 150
    (0.0, -0.0),  # 0.0 + -0.0 is 0.0, which counts as depleted
])
def test_mark_bars_matches_loop(cash, side_units):
    close = np.array([10.0, 60.0, 40.0, np.nan, 200.0, 30.0, 49.0, 50.0, 151.0])
    for i, stop in [(0, 9), (2, 7), (4, 4), (5, 9)]:
        equity = np.full(9, 7.0)
        end = nb.mark_bars_nb(close, i, stop, cash, side_units, equity)
        expected_end = stop
        expected = []
        for t in range(i, stop):
            value = cash + side_units * close[t]
            if value <= 0.0:
                expected_end = t
                break
            expected.append(value)
        assert end == expected_end, f"bars [{i}, {stop})"
        marked = equity[i:end].view(np.int64)
        assert np.array_equal(marked, np.array(expected, dtype=np.float64).view(np.int64))
        assert (equity[:i] == 7.0).all()


@pytest.mark.parametrize("side", [1, -1])
def test_mark_bars_with_stops_matches_loop(side):
    rng = np.random.default_rng(side + 5)
    n = 400
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * 1.002
    low = np.minimum(open_, close) * 0.998
    units, cash, entry_price = 3.0, 10_000.0 - side * 300.0, 100.0
    for stops in [(0.05, 0.0, 0.0), (0.0, 0.08, 0.0), (0.0, 0.0, 0.02), (0.2, 0.3, 0.04)]:
        equity = np.full(n, -1.0)
        end, extreme = nb.mark_bars_with_stops_nb(open_, high, low, close, 10, n, side, units,
                                                  cash, entry_price, entry_price, *stops,
                                                  0.001, equity)
        expected_end, expected_extreme = n, entry_price
        for t in range(10, n):
            _, reason, bar_extreme = nb.stop_exit_nb(side, open_[t], high[t], low[t],
                                                     entry_price, expected_extreme, *stops,
                                                     0.001)
            if reason >= 0:
                expected_end = t
                break
            assert equity[t] == cash + side * units * close[t]
            expected_extreme = bar_extreme
        assert (end, extreme) == (expected_end, expected_extreme), f"stops {stops}"
        assert (equity[end:] == -1.0).all()


def test_mark_bars_with_stops_depletion():
    # A long of 1 unit with cash -99.5: equity is close - 99.5. Bar 1 makes a new
    # high of 110 but closes at 99.4, so its equity is below 0 and no stop triggers.
    open_ = np.array([100.0, 104.0, 99.0])
    high = np.array([105.0, 110.0, 99.0])
    low = np.array([100.0, 99.0, 99.0])
    close = np.array([104.0, 99.4, 99.0])
    equity = np.zeros(3)
    end, extreme = nb.mark_bars_with_stops_nb(open_, high, low, close, 0, 3, 1, 1.0, -99.5,
                                              100.0, 100.0, 0.5, 0.5, 0.2, 0.0, equity)
    assert end == 1
    assert extreme == 105.0  # the high before bar 1, so bar 1's own high is checked later
    assert equity[0] == 4.5


def test_grow_trades_keeps_records():
    trades = np.zeros(3, dtype=TRADE_DTYPE)
    trades["entry_index"] = [4, 9, 12]
    trades["side"] = [1, -1, 1]
    trades["pnl"] = [1.5, -2.0, 3.25]
    trades["exit_reason"] = [0, 1, 4]
    larger = nb.grow_trades_nb(trades, 2)
    assert larger.dtype == TRADE_DTYPE
    assert larger.shape == (6,)
    assert larger[:2].tobytes() == trades[:2].tobytes()


def test_window_returns_match_loop():
    equity = np.array([100.0, 110.0, 0.0, 50.0, 55.0, -5.0, 60.0, np.nan, 70.0])
    for start, end in [(0, 9), (2, 6), (3, 3), (8, 9), (0, 1)]:
        expected = []
        previous = 1_000.0
        for value in equity[start:end]:
            expected.append((value - previous) / previous if previous != 0.0 else 0.0)
            previous = value
        returns = nb.window_returns_nb(equity, start, end, 1_000.0, np.empty(end - start))
        assert returns.tobytes() == np.array(expected, dtype=np.float64).tobytes(), (start, end)


def test_many_trades_grow_the_buffer():
    n = 4_000
    close = 100.0 + np.sin(np.arange(n) / 3.0)
    entries = mask(n, range(0, n, 6))
    exits = mask(n, range(3, n, 6))
    sim = simulate(close, close, close, close, Signals(entries, exits),
                   options=BacktestOptions(fee=0.001, fill="close"))
    assert len(sim.trades) == 667 > nb.INITIAL_TRADE_CAPACITY
    np.testing.assert_array_equal(sim.trades["entry_index"], np.arange(0, n, 6))
    np.testing.assert_array_equal(sim.trades["exit_index"], np.arange(3, n, 6))
    assert (sim.trades["exit_reason"] == 0).all()
    # Realized cash is init_cash plus the pnls added in exit order, to the last bit.
    final = INIT
    for pnl in sim.trades["pnl"]:
        final += pnl
    assert sim.equity[-1] == final


# BacktestResult: pandas objects built on first access


@pytest.fixture(scope="module")
def sample_bars():
    return read_ohlcv(sample_dir() / "GALA-USDT_4h.csv.gz")


def eager_trade_frame(trades, index):
    """Build the trade frame with the public pandas constructors, one column at a time."""
    return pd.DataFrame({
        "entry_time": index[trades["entry_index"]],
        "exit_time": index[trades["exit_index"]],
        "side": np.where(trades["side"] == 1, "long", "short"),
        "size": trades["size"],
        "entry_price": trades["entry_price"],
        "exit_price": trades["exit_price"],
        "entry_fee": trades["entry_fee"],
        "exit_fee": trades["exit_fee"],
        "fees": trades["entry_fee"] + trades["exit_fee"],
        "pnl": trades["pnl"],
        "return": trades["return"],
        "exit_reason": np.array(EXIT_REASONS, dtype=object)[trades["exit_reason"]],
        "entry_index": trades["entry_index"],
        "exit_index": trades["exit_index"],
    })


def assert_same_frame(actual, expected):
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    assert list(actual.dtypes) == list(expected.dtypes)
    assert actual.columns.dtype == expected.columns.dtype


def sample_run(bars, data=None, **options):
    """Backtest SMA crossings on ``bars`` (an OHLCV), trading ``data`` when given."""
    entries, exits = sma_signals(pd.Series(bars.close))
    options = {"direction": "both", "fee": 0.001, "stop_loss": 0.05, **options}
    return backtest_signals(bars if data is None else data, entries, exits, **options)


@pytest.mark.parametrize("source", ["ohlcv", "utc frame", "naive frame"])
def test_lazy_result_equals_eager_build(sample_bars, source):
    data = {"ohlcv": sample_bars, "utc frame": sample_bars.to_frame(),
            "naive frame": sample_bars.to_frame().tz_localize(None)}[source]
    index = data.index
    start, end = 50, len(index) - 30
    result = sample_run(sample_bars, data, start=start, end=end)
    sim = result.simulation
    assert len(sim.trades) >= 20

    window = index[start:end]
    pd.testing.assert_series_equal(
        result.equity, pd.Series(sim.equity[start:end], index=window, name="equity"),
        check_exact=True)
    pd.testing.assert_series_equal(
        result.returns, pd.Series(sim.returns(), index=window, name="returns"),
        check_exact=True)
    assert result.equity.index.name == index.name
    assert_same_frame(result.trades, eager_trade_frame(sim.trades, index))


def test_trade_frame_without_pandas_internals(sample_bars, monkeypatch):
    expected = sample_run(sample_bars).trades
    monkeypatch.setattr(api, "_FRAME_FROM_ARRAYS", None)
    monkeypatch.setattr(api, "_DATETIMES_FROM_VALUES", None)
    assert_same_frame(sample_run(sample_bars).trades, expected)


def test_empty_trade_frame_equals_eager_build(sample_bars):
    none = np.zeros(len(sample_bars), dtype=bool)
    result = backtest_signals(sample_bars, none, none)
    assert len(result.trades) == 0
    assert_same_frame(result.trades, eager_trade_frame(result.simulation.trades,
                                                       sample_bars.index))


def test_lazy_result_pickles_unread(sample_bars):
    result = sample_run(sample_bars)
    restored = pickle.loads(pickle.dumps(result))
    pd.testing.assert_series_equal(restored.equity, result.equity, check_exact=True)
    pd.testing.assert_series_equal(restored.returns, result.returns, check_exact=True)
    assert_same_frame(restored.trades, result.trades)
    assert restored.options == result.options
    assert restored.periods_per_year == result.periods_per_year
    pd.testing.assert_series_equal(restored.stats(), result.stats(), check_exact=True)


def test_result_repr_builds_no_pandas_objects(sample_bars):
    result = sample_run(sample_bars)
    assert repr(result) == (f"BacktestResult(options={result.options!r}, "
                            f"periods_per_year=2190.0)")
    assert result._equity is None
    assert result._returns is None
    assert result._trades is None


def test_result_is_read_only(sample_bars):
    result = sample_run(sample_bars)
    for name in ("equity", "returns", "trades", "simulation", "options", "periods_per_year"):
        with pytest.raises(AttributeError):
            setattr(result, name, None)
    with pytest.raises(AttributeError):
        result.notes = "extra"


def test_result_keeps_built_objects(sample_bars):
    data = sample_bars.to_frame()
    result = sample_run(sample_bars, data)
    assert result.equity is result.equity
    assert result.trades is result.trades
    assert result.equity.index is result.returns.index
    # The window is a slice, so renaming it leaves the caller's index alone.
    result.equity.index.name = "renamed"
    assert data.index.name == "time"


def test_stats_same_before_and_after_access(sample_bars):
    result = sample_run(sample_bars, start=100)
    before = result.stats(risk_free=0.02)
    result.equity, result.returns, result.trades
    pd.testing.assert_series_equal(result.stats(risk_free=0.02), before, check_exact=True)


def test_result_constructor_takes_built_objects(sample_bars):
    built = sample_run(sample_bars)
    result = BacktestResult(built.equity, built.returns, built.trades, built.simulation,
                            built.options, built.periods_per_year)
    assert result.equity is built.equity
    assert result.returns is built.returns
    assert result.trades is built.trades
    pd.testing.assert_series_equal(result.stats(), built.stats(), check_exact=True)


@pytest.mark.parametrize("bound", [{"start": 5.0}, {"end": 10.0}, {"start": True}])
def test_backtest_signals_rejects_float_bounds(bound):
    # pd.Timestamp would read 5.0 as 5 ns after 1970 and silently pick bar 0.
    data = frame(flat(*([10.0] * 12)))
    name = next(iter(bound))
    with pytest.raises(ConfigError, match=f"{name} must be a bar position"):
        backtest_signals(data, mask(12, []), mask(12, []), **bound)


def test_backtest_signals_rejects_duplicate_price_columns():
    data = frame(flat(*([10.0] * 12)))
    data["Close"] = data["close"]
    with pytest.raises(DataError, match="both 'close' and 'Close' columns"):
        backtest_signals(data, mask(12, []), mask(12, []))


def test_result_series_are_read_only():
    data = frame(flat(10, 11, 12, 13, 12, 11, 10, 11, 12, 13))
    result = backtest_signals(data, mask(10, [1]), mask(10, [5]), fee=0.001)
    before = result.simulation.equity.copy()
    for series in (result.equity, result.returns):
        with pytest.raises(ValueError, match="read-only"):
            series.iloc[3] = 1.0
    assert np.array_equal(result.simulation.equity, before)
    copied = result.equity.copy()
    copied.iloc[3] = 1.0
    assert result.equity.iloc[3] == before[3]
    restored = pickle.loads(pickle.dumps(result))
    for series in (restored.equity, restored.returns):
        with pytest.raises(ValueError, match="read-only"):
            series.iloc[3] = 1.0
    assert restored.stats().equals(result.stats())
