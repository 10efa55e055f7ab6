"""Tests for the built-in strategies: pandas references, causality, warm-up, spaces."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import seedwalk
from seedwalk.errors import ConfigError, DataError
from seedwalk.space import FloatParam, IntParam, ParamSpace
from seedwalk.strategies import (BUILTIN_STRATEGIES, AtrTrailing, BollingerReversion,
                                 DonchianBreakout, EmaCross, MacdCross, RsiReversion, SmaCross)
from seedwalk.strategy import Signals, Strategy

SAMPLE_DIR = Path(seedwalk.__file__).parent / "data" / "sample"
# PEPE trades near 1e-6 with two significant digits: many repeated closes and ties.
ASSETS = ["BTC-USDT", "GALA-USDT", "PEPE-USDT"]
# In-sample windows are about 500 bars, and the shortest sample (WIF) has 1113 bars.
IN_SAMPLE_BARS = 500

_frames: dict[str, pd.DataFrame] = {}


def load(asset: str) -> pd.DataFrame:
    if asset not in _frames:
        path = SAMPLE_DIR / f"{asset}_4h.csv.gz"
        _frames[asset] = pd.read_csv(path, parse_dates=["timestamp"], index_col="timestamp")
    return _frames[asset]


def run(strategy: Strategy, frame: pd.DataFrame, params) -> Signals:
    return strategy.signals(*(frame[c].to_numpy() for c in ("open", "high", "low", "close",
                                                            "volume")), params)


# --- pandas references ------------------------------------------------------------------


def exact_rolling_mean(series: pd.Series, window: int) -> pd.Series:
    """Rolling mean rounded once from the exact rational mean of each window.

    The rolling mean of pandas 3.1 can be an ulp off, and that decides ties: on PEPE (window 10,
    bar 163) it returns 1.0900000000000002e-06 where the close and the nearest double to
    the window's mean are both 1.09e-06.
    """
    return series.rolling(window).apply(lambda v: float(sum(map(Fraction, v)) / window),
                                        raw=True)


def crossings(diff: pd.Series):
    previous = diff.shift()
    return (previous <= 0) & (diff > 0), (previous >= 0) & (diff < 0)


def ema(series: pd.Series, span: int) -> pd.Series:
    return series.ewm(span=span, adjust=False, min_periods=span).mean()


def wilder(values: pd.Series, period: int, first: int) -> pd.Series:
    """Wilder's average: the mean of ``period`` values from ``first`` as seed, then ewm."""
    seed_bar = first + period - 1
    seeded = values.copy()
    seeded.iloc[:seed_bar] = np.nan
    seeded.iloc[seed_bar] = values.iloc[first:seed_bar + 1].mean()
    return seeded.ewm(alpha=1.0 / period, adjust=False).mean()


def reference_sma_cross(frame, p):
    close = frame.close
    return crossings(exact_rolling_mean(close, p["fast"]) - exact_rolling_mean(close, p["slow"]))


def reference_ema_cross(frame, p):
    return crossings(ema(frame.close, p["fast"]) - ema(frame.close, p["slow"]))


def reference_rsi_reversion(frame, p):
    change = frame.close.diff()
    gain = wilder(change.clip(lower=0.0), p["period"], first=1)
    loss = wilder((-change).clip(lower=0.0), p["period"], first=1)
    rsi = 100.0 - 100.0 / (1.0 + gain / loss)
    exits = rsi >= p["upper"]
    entries = (rsi.shift() <= p["lower"]) & (rsi > p["lower"]) & ~exits
    return entries, exits


def reference_bollinger_reversion(frame, p):
    close = frame.close
    window = p["window"]
    middle = exact_rolling_mean(close, window)
    # Two-pass std per window, because the online rolling std of pandas 3.1 is only
    # good to about 1e-8 relative on this data.
    std = np.concatenate([np.full(window - 1, np.nan),
                          sliding_window_view(close.to_numpy(), window).std(axis=1, ddof=1)])
    lower = middle - p["num_std"] * std
    exits = close >= middle
    entries = (close.shift() <= lower.shift()) & (close > lower) & ~exits
    return entries, exits


def reference_donchian_breakout(frame, p):
    channel_high = frame.high.rolling(p["entry_window"]).max().shift()
    channel_low = frame.low.rolling(p["exit_window"]).min().shift()
    return frame.close > channel_high, frame.close < channel_low


def reference_macd(frame, p):
    line = ema(frame.close, p["fast"]) - ema(frame.close, p["slow"])
    signal = line.ewm(span=p["signal"], adjust=False, min_periods=p["signal"]).mean()
    return crossings(line - signal)


def reference_atr_trailing(frame, p):
    prev_close = frame.close.shift()
    true_range = pd.concat([frame.high - frame.low, (frame.high - prev_close).abs(),
                            (frame.low - prev_close).abs()], axis=1).max(axis=1)
    atr = wilder(true_range, p["atr_period"], first=0).to_numpy()
    channel_high = frame.high.rolling(p["breakout_window"]).max().shift().to_numpy()
    close = frame.close.to_numpy()
    entries = np.zeros(len(close), dtype=bool)
    exits = np.zeros(len(close), dtype=bool)
    start = AtrTrailing().warmup(p)
    holding = False
    highest = math.nan
    for bar in range(start, len(close)):
        if holding:
            highest = max(highest, close[bar])
            if close[bar] < highest - p["atr_multiplier"] * atr[bar]:
                exits[bar] = True
                holding = False
        elif close[bar] > channel_high[bar]:
            entries[bar] = True
            holding = True
            highest = close[bar]
    return entries, exits


# strategy class: (pandas reference, two parameter sets: a common one and a fast one)
CASES = {
    SmaCross: (reference_sma_cross, [{"fast": 20, "slow": 50}, {"fast": 5, "slow": 21}]),
    EmaCross: (reference_ema_cross, [{"fast": 12, "slow": 26}, {"fast": 3, "slow": 10}]),
    RsiReversion: (reference_rsi_reversion, [{"period": 14, "lower": 30, "upper": 70},
                                             {"period": 4, "lower": 15, "upper": 85}]),
    BollingerReversion: (reference_bollinger_reversion, [{"window": 20, "num_std": 2.0},
                                                         {"window": 10, "num_std": 1.0}]),
    DonchianBreakout: (reference_donchian_breakout, [{"entry_window": 55, "exit_window": 20},
                                                     {"entry_window": 10, "exit_window": 5}]),
    MacdCross: (reference_macd, [{"fast": 12, "slow": 26, "signal": 9},
                                 {"fast": 4, "slow": 10, "signal": 3}]),
    AtrTrailing: (reference_atr_trailing, [{"breakout_window": 20, "atr_period": 14,
                                            "atr_multiplier": 3.0},
                                           {"breakout_window": 10, "atr_period": 5,
                                            "atr_multiplier": 1.5}]),
}

PARAMETRIZED = [pytest.param(cls, params, id=f"{cls.name}-{i}")
                for cls, (_, sets) in CASES.items() for i, params in enumerate(sets)]


def assert_signals_equal(actual: Signals, entries, exits, message=""):
    np.testing.assert_array_equal(actual.entries, np.asarray(entries, dtype=bool),
                                  err_msg=f"entries {message}")
    np.testing.assert_array_equal(actual.exits, np.asarray(exits, dtype=bool),
                                  err_msg=f"exits {message}")


def position_before_each_bar(signals: Signals) -> np.ndarray:
    """Return True at bar t when the signals before t leave a long position open."""
    holding = np.zeros(len(signals.entries), dtype=bool)
    state = False
    for bar in range(len(holding)):
        holding[bar] = state
        if signals.entries[bar]:
            state = True
        elif signals.exits[bar]:
            state = False
    return holding


# --- registry -----------------------------------------------------------------------------


def test_builtin_strategies_in_fixed_order():
    assert [cls.name for cls in BUILTIN_STRATEGIES] == [
        "sma_cross", "ema_cross", "rsi_reversion", "bollinger_reversion",
        "donchian_breakout", "macd", "atr_trailing"]
    assert set(BUILTIN_STRATEGIES) == set(CASES)


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
def test_strategy_declares_interface(cls):
    assert issubclass(cls, Strategy)
    assert cls.direction == "long"
    assert cls.description
    assert isinstance(cls.space, ParamSpace)


# --- signals against the pandas references -------------------------------------------------


@pytest.mark.parametrize("asset", ASSETS)
@pytest.mark.parametrize("cls,params", PARAMETRIZED)
def test_signals_match_pandas_reference(cls, params, asset):
    frame = load(asset)
    reference = CASES[cls][0]
    signals = run(cls(), frame, params)
    entries, exits = reference(frame, params)
    assert signals.entries.dtype == np.bool_
    assert signals.entries.shape == signals.exits.shape == (len(frame),)
    assert_signals_equal(signals, entries, exits)
    # A reference that never fires would match a kernel that never fires.
    assert signals.entries.any()
    assert signals.exits.any()


@pytest.mark.parametrize("cls,params", PARAMETRIZED)
def test_no_bar_both_enters_and_exits(cls, params):
    for asset in ASSETS:
        signals = run(cls(), load(asset), params)
        assert not (signals.entries & signals.exits).any(), asset


# --- causality and warm-up ----------------------------------------------------------------


@pytest.mark.parametrize("cls,params", PARAMETRIZED)
def test_signals_are_causal(cls, params):
    strategy = cls()
    for asset in ("BTC-USDT", "PEPE-USDT"):
        frame = load(asset)
        full = run(strategy, frame, params)
        warmup = strategy.warmup(params)
        for k in (0, 1, 2, warmup - 1, warmup, warmup + 1, 700, len(frame) - 1):
            truncated = run(strategy, frame.iloc[:k], params)
            assert_signals_equal(truncated, full.entries[:k], full.exits[:k],
                                 f"{asset} k={k}")


def window_starts(frame, warmup):
    return [warmup, warmup + 7, (len(frame) + warmup) // 2, len(frame) - IN_SAMPLE_BARS // 2]


@pytest.mark.parametrize("asset", ASSETS)
@pytest.mark.parametrize("cls,params", [p for p in PARAMETRIZED if p.values[0] is not AtrTrailing])
def test_warmup_history_gives_full_history_signals(cls, params, asset):
    strategy = cls()
    frame = load(asset)
    full = run(strategy, frame, params)
    warmup = strategy.warmup(params)
    starts = window_starts(frame, warmup)
    for start in starts:
        window = run(strategy, frame.iloc[start - warmup:], params)
        np.testing.assert_array_equal(window.entries[warmup:], full.entries[start:],
                                      err_msg=f"entries, window start {start}")
        np.testing.assert_array_equal(window.exits[warmup:], full.exits[start:],
                                      err_msg=f"exits, window start {start}")
    # The last window must hold signals, or the comparison proves nothing.
    assert full.entries[starts[-1]:].any() or full.exits[starts[-1]:].any()


@pytest.mark.parametrize("asset", ASSETS)
@pytest.mark.parametrize("params", CASES[AtrTrailing][1])
def test_atr_trailing_warmup_when_flat(asset, params):
    strategy = AtrTrailing()
    frame = load(asset)
    full = run(strategy, frame, params)
    holding = position_before_each_bar(full)
    warmup = strategy.warmup(params)
    flat_starts = [s for s in range(warmup, len(frame) - 50, 37) if not holding[s]]
    assert len(flat_starts) >= 5
    assert full.entries[flat_starts[0]:].any()
    for start in flat_starts:
        window = run(strategy, frame.iloc[start - warmup:], params)
        np.testing.assert_array_equal(window.entries[warmup:], full.entries[start:],
                                      err_msg=f"entries, window start {start}")
        np.testing.assert_array_equal(window.exits[warmup:], full.exits[start:],
                                      err_msg=f"exits, window start {start}")


@pytest.mark.parametrize("asset", ASSETS)
@pytest.mark.parametrize("params", CASES[AtrTrailing][1])
def test_atr_trailing_resyncs_after_open_position(asset, params):
    strategy = AtrTrailing()
    frame = load(asset)
    full = run(strategy, frame, params)
    full_holding = position_before_each_bar(full)
    warmup = strategy.warmup(params)
    long_starts = [s for s in range(warmup, len(frame) - 200, 41) if full_holding[s]]
    assert long_starts
    for start in long_starts:
        window = run(strategy, frame.iloc[start - warmup:], params)
        window_holding = position_before_each_bar(window)[warmup:]
        both_flat = ~window_holding & ~full_holding[start:]
        resync = int(np.argmax(both_flat))
        assert both_flat[resync], f"no common flat bar after window start {start}"
        np.testing.assert_array_equal(window.entries[warmup + resync:],
                                      full.entries[start + resync:])
        np.testing.assert_array_equal(window.exits[warmup + resync:],
                                      full.exits[start + resync:])


# --- parameter spaces -----------------------------------------------------------------------

# Coarse steps that keep each grid at a few dozen parameter sets.
COARSE_STEPS = {
    "sma_cross": {"fast": 15, "slow": 45},
    "ema_cross": {"fast": 9, "slow": 10},
    "rsi_reversion": {"period": 10, "lower": 15, "upper": 15},
    "bollinger_reversion": {"window": 30, "num_std": 1.0},
    "donchian_breakout": {"entry_window": 38, "exit_window": 19},
    "macd": {"fast": 8, "slow": 10, "signal": 6},
    "atr_trailing": {"breakout_window": 95, "atr_period": 5, "atr_multiplier": 2.5},
}


def coarse_grid(cls) -> list[dict]:
    steps = COARSE_STEPS[cls.name]
    space = cls.space.with_overrides({name: {"step": step} for name, step in steps.items()})
    return space.grid()


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
def test_every_grid_point_gives_signals(cls):
    strategy = cls()
    frame = load("GALA-USDT").iloc[:700]
    grid = coarse_grid(cls)
    assert 4 <= len(grid) <= 60
    for params in grid:
        assert cls.space.contains(params), params
        assert all(c.holds(params) for c in cls.space.constraints)
        assert 0 < strategy.warmup(params) <= strategy.max_warmup()
        signals = run(strategy, frame, params)
        assert signals.entries.shape == signals.exits.shape == (len(frame),)
        assert not (signals.entries & signals.exits).any(), params


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
def test_random_draws_give_signals(cls):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    strategy = cls()
    frame = load("PEPE-USDT").iloc[-600:]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    for _ in range(25):
        trial = study.ask()
        params = cls.space.suggest(trial)
        assert cls.space.contains(params), params
        assert all(c.holds(params) for c in cls.space.constraints)
        assert strategy.warmup(params) <= strategy.max_warmup()
        signals = run(strategy, frame, params)
        assert not (signals.entries & signals.exits).any(), params
        study.tell(trial, 0.0)


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
def test_max_warmup_fits_sample_with_in_sample_window(cls):
    shortest = min(len(load(a)) for a in ("WIF-USDT", "BTC-USDT"))
    assert cls().max_warmup() + IN_SAMPLE_BARS <= shortest


def test_space_constraints():
    assert [c.describe() for c in SmaCross.space.constraints] == ["fast < slow"]
    assert [c.describe() for c in EmaCross.space.constraints] == ["fast < slow"]
    assert [c.describe() for c in MacdCross.space.constraints] == ["fast < slow"]
    assert [c.describe() for c in RsiReversion.space.constraints] == ["lower < upper"]
    assert [c.describe() for c in DonchianBreakout.space.constraints] == [
        "exit_window < entry_window"]
    assert isinstance(BollingerReversion.space["num_std"], FloatParam)
    assert isinstance(AtrTrailing.space["breakout_window"], IntParam)


def test_warmup_values():
    assert SmaCross().warmup({"fast": 10, "slow": 30}) == 30
    assert EmaCross().warmup({"fast": 12, "slow": 26}) == 270 + 1
    assert RsiReversion().warmup({"period": 14, "lower": 30, "upper": 70}) == 14 + 280 + 1
    assert BollingerReversion().warmup({"window": 20, "num_std": 2.0}) == 20
    assert DonchianBreakout().warmup({"entry_window": 55, "exit_window": 20}) == 55
    assert MacdCross().warmup({"fast": 12, "slow": 26, "signal": 9}) == 270 + 93 + 1
    assert AtrTrailing().warmup({"breakout_window": 20, "atr_period": 14,
                                 "atr_multiplier": 3.0}) == 13 + 280


# --- hand-computed cases --------------------------------------------------------------------


def signals_for(strategy, close, params, high=None, low=None):
    close = np.asarray(close, dtype=float)
    high = close if high is None else np.asarray(high, dtype=float)
    low = close if low is None else np.asarray(low, dtype=float)
    return strategy.signals(close, high, low, close, np.ones_like(close), params)


def bars_where(mask):
    return np.flatnonzero(mask).tolist()


def test_sma_cross_hand_computed():
    # SMA(1) is the close; SMA(3) of 3, 2, 1 is 2 at bar 2. The close rises above its
    # SMA(3) at bar 3 (4 > 7/3), stays above at bar 4 (5 > 10/3) and falls below it at
    # bar 5 (2 < 11/3).
    signals = signals_for(SmaCross(), [3, 2, 1, 4, 5, 2, 1], {"fast": 1, "slow": 3})
    assert bars_where(signals.entries) == [3]
    assert bars_where(signals.exits) == [5]


def test_sma_cross_flat_prices_never_cross():
    # Equal averages are not a cross: fast - slow is exactly 0 on a flat series.
    signals = signals_for(SmaCross(), [0.1] * 30, {"fast": 3, "slow": 7})
    assert not signals.entries.any()
    assert not signals.exits.any()


def test_rsi_reversion_hand_computed():
    # period 2: three falls hold the RSI at 0 at bars 2 and 3. The rise at bar 4 lifts
    # it to 50 (average gain 0.5, loss 0.5), through 30: entry. Further rises give 75 at
    # bar 5 and 87.5 at bar 6, both at or above 70: exits.
    close = [10, 9, 8, 7, 8, 9, 10]
    signals = signals_for(RsiReversion(), close, {"period": 2, "lower": 30, "upper": 70})
    assert bars_where(signals.entries) == [4]
    assert bars_where(signals.exits) == [5, 6]


def test_bollinger_reversion_hand_computed():
    # window 3, num_std 1. Bar 3: window 4, 3, 1 has mean 8/3 and std sqrt(7/3), so the
    # lower band is 1.139 and the close 1 is below it. Bar 4: window 3, 1, 1.5 has mean
    # 11/6 and std 1.041, lower band 0.792; the close 1.5 is back above it and below the
    # middle: entry. Bar 5: window 1, 1.5, 2 has mean 1.5 and the close 2 is above: exit.
    strategy = BollingerReversion()
    params = {"window": 3, "num_std": 1.0}
    signals = signals_for(strategy, [5.0, 4.0, 3.0, 1.0, 1.5, 2.0], params)
    assert bars_where(signals.entries) == [4]
    assert bars_where(signals.exits) == [5]
    # Bar 4 closes at 3 instead: above the lower band 1.179 but also at or above the
    # middle 7/3, so the entry is dropped. Bar 5's close 2 equals its middle (mean of 1,
    # 3, 2): that is an exit too.
    signals = signals_for(strategy, [5.0, 4.0, 3.0, 1.0, 3.0, 2.0], params)
    assert not signals.entries.any()
    assert bars_where(signals.exits) == [4, 5]


def test_bollinger_exit_at_middle_band_tie():
    # On PEPE bar 163 the window-10 mean is 1.09e-06 in decimal and the close is 1.09e-06:
    # the close is at the middle band, so the strategy exits there.
    frame = load("PEPE-USDT")
    assert frame.close.iloc[163] == 1.09e-06
    assert frame.close.iloc[154:164].sum() / 10 == pytest.approx(1.09e-06, rel=1e-15)
    signals = run(BollingerReversion(), frame, {"window": 10, "num_std": 1.0})
    assert signals.exits[163]


def test_donchian_breakout_uses_previous_channel():
    high = [10, 11, 12, 11, 13, 12, 9]
    low = [9, 10, 11, 10, 12, 10, 8]
    close = [9.5, 10.5, 12.0, 10.5, 12.5, 11.0, 8.5]
    signals = signals_for(DonchianBreakout(), close, {"entry_window": 2, "exit_window": 1},
                          high=high, low=low)
    # Bar 2: 12 > max(10, 11). Bar 4: 12.5 > max(12, 11). A close equal to its own bar's
    # high (bar 2) still breaks out, because the channel ends at the previous bar.
    assert bars_where(signals.entries) == [2, 4]
    # Bar 3: 10.5 < low 11 of bar 2. Bar 5: 11 < 12. Bar 6: 8.5 < 10.
    assert bars_where(signals.exits) == [3, 5, 6]


def test_macd_cross_matches_line_and_signal():
    close = load("GALA-USDT").close.to_numpy()[:300]
    from seedwalk.indicators import macd
    lines = macd(close, 4, 10, 3)
    signals = signals_for(MacdCross(), close, {"fast": 4, "slow": 10, "signal": 3})
    above = lines.line > lines.signal
    for bar in bars_where(signals.entries):
        assert above[bar] and not above[bar - 1]
    assert len(bars_where(signals.entries)) > 3


def test_atr_trailing_hand_computed():
    # breakout_window 2, atr_period 1 (ATR = true range), multiplier 1. Tracking starts
    # at bar warmup = 2. Bar 2 closes at 12, above the earlier highs 10 and 11: entry.
    # The highest close rises to 14 at bar 3. Bar 4 closes at 12 with true range 2.5
    # (previous close 14 minus low 11.5), so the stop is 11.5: held. Bar 5 has true
    # range 1.5 (12 - 10.5), stop 12.5, close 11: exit. Bar 6's 11.8 is no breakout.
    high = [10.0, 11.0, 12.5, 14.5, 13.5, 11.5, 12.0]
    low = [9.0, 10.0, 11.0, 13.0, 11.5, 10.5, 11.0]
    close = [9.5, 10.5, 12.0, 14.0, 12.0, 11.0, 11.8]
    params = {"breakout_window": 2, "atr_period": 1, "atr_multiplier": 1.0}
    assert AtrTrailing().warmup(params) == 2
    signals = signals_for(AtrTrailing(), close, params, high=high, low=low)
    assert bars_where(signals.entries) == [2]
    assert bars_where(signals.exits) == [5]


def test_atr_trailing_alternates_entries_and_exits():
    signals = run(AtrTrailing(), load("PEPE-USDT"), {"breakout_window": 10, "atr_period": 5,
                                                    "atr_multiplier": 1.0})
    events = [("entry" if signals.entries[bar] else "exit")
              for bar in np.flatnonzero(signals.entries | signals.exits)]
    assert len(events) > 10
    assert events[0] == "entry"
    assert all(a != b for a, b in zip(events, events[1:]))


# --- inputs and errors ------------------------------------------------------------------


def test_readonly_arrays_give_same_signals():
    frame = load("BTC-USDT")
    columns = [frame[c].to_numpy().copy() for c in ("open", "high", "low", "close", "volume")]
    for array in columns:
        array.setflags(write=False)
    for cls, (_, sets) in CASES.items():
        expected = run(cls(), frame, sets[0])
        signals = cls().signals(*columns, sets[0])
        assert_signals_equal(signals, expected.entries, expected.exits, cls.name)


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
def test_missing_parameter_raises(cls):
    params = dict(CASES[cls][1][0])
    missing = next(iter(params))
    del params[missing]
    with pytest.raises(ConfigError, match=rf"{cls.name!r} needs parameter {missing!r}"):
        cls().warmup(params)
    with pytest.raises(ConfigError, match=rf"needs parameter {missing!r}"):
        run(cls(), load("BTC-USDT").iloc[:50], params)


@pytest.mark.parametrize("cls", BUILTIN_STRATEGIES, ids=lambda cls: cls.name)
@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "20", None])
def test_bad_window_parameter_raises(cls, bad):
    params = dict(CASES[cls][1][0])
    name = next(n for n, v in params.items() if isinstance(cls.space[n], IntParam)
                and n not in ("lower", "upper"))
    params[name] = bad
    with pytest.raises(ConfigError, match=rf"parameter {name!r} must be an integer >= \d+ "
                                          rf"\(got {bad!r}\)"):
        run(cls(), load("BTC-USDT").iloc[:50], params)


def test_integral_float_parameters_are_accepted():
    frame = load("BTC-USDT")
    expected = run(SmaCross(), frame, {"fast": 20, "slow": 50})
    signals = run(SmaCross(), frame, {"fast": 20.0, "slow": np.int64(50)})
    assert_signals_equal(signals, expected.entries, expected.exits)


@pytest.mark.parametrize("cls,params,message", [
    (SmaCross, {"fast": 50, "slow": 20}, r"needs fast < slow \(got fast=50, slow=20\)"),
    (EmaCross, {"fast": 26, "slow": 26}, r"needs fast < slow \(got fast=26, slow=26\)"),
    (MacdCross, {"fast": 30, "slow": 12, "signal": 9}, r"needs fast < slow"),
    (RsiReversion, {"period": 14, "lower": 70, "upper": 30}, r"needs lower < upper"),
    (RsiReversion, {"period": 14, "lower": 30, "upper": 170},
     r"'upper' must be a number from 0\.0 to 100\.0 \(got 170\)"),
    (BollingerReversion, {"window": 1, "num_std": 2.0}, r"'window' must be an integer >= 2"),
    (BollingerReversion, {"window": 20, "num_std": -1.0}, r"'num_std' must be a number"),
    (BollingerReversion, {"window": 20, "num_std": math.nan}, r"'num_std' must be a number"),
    (DonchianBreakout, {"entry_window": 10, "exit_window": 20},
     r"needs exit_window < entry_window"),
    (AtrTrailing, {"breakout_window": 20, "atr_period": 14, "atr_multiplier": "wide"},
     r"'atr_multiplier' must be a number"),
])
def test_invalid_parameters_raise(cls, params, message):
    with pytest.raises(ConfigError, match=message):
        run(cls(), load("BTC-USDT").iloc[:50], params)


def test_mismatched_arrays_raise():
    close = np.linspace(1.0, 2.0, 30)
    with pytest.raises(DataError, match=r"got shapes \[\(30,\), \(29,\), \(30,\)\]"):
        DonchianBreakout().signals(close, close, close[:-1], close, close,
                                   {"entry_window": 5, "exit_window": 3})
    with pytest.raises(DataError, match="one-dimensional"):
        SmaCross().signals(close, close, close, close.reshape(5, 6), close,
                           {"fast": 2, "slow": 3})
