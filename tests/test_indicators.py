"""Tests for seedwalk.indicators: kernels against slow references, semantics, errors."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from numpy.lib.stride_tricks import sliding_window_view

import seedwalk
from seedwalk import indicators as ind
from seedwalk.errors import ConfigError, DataError

SAMPLE_DIR = Path(seedwalk.__file__).parent / "data" / "sample"
# BTC trades near 5e4, GALA near 0.04 and PEPE near 1e-6 with two significant digits,
# so PEPE has many repeated closes and flat stretches.
ASSETS = ["BTC-USDT", "GALA-USDT", "PEPE-USDT"]
RTOL = 1e-9

_frames: dict[str, pd.DataFrame] = {}


def load(asset: str) -> pd.DataFrame:
    if asset not in _frames:
        path = SAMPLE_DIR / f"{asset}_4h.csv.gz"
        _frames[asset] = pd.read_csv(path, parse_dates=["timestamp"], index_col="timestamp")
    return _frames[asset]


@pytest.fixture(params=ASSETS)
def bars(request) -> pd.DataFrame:
    return load(request.param)


def assert_close(actual, expected, rtol=RTOL, atol=0.0):
    """Assert equal NaN positions and values within rtol/atol elsewhere."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def assert_bitwise_equal(actual, expected):
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))


# --- slow references ------------------------------------------------------------------


def padded(values, window, n):
    """Prefix per-window results with NaN so that they line up with the bars."""
    return np.concatenate([np.full(min(window - 1, n), np.nan), np.asarray(values, float)])


def window_std(x, window, ddof):
    """Two-pass standard deviation of every window (NumPy), the obvious way."""
    if window > len(x):
        return np.full(len(x), np.nan)
    return padded(sliding_window_view(x, window).std(axis=1, ddof=ddof), window, len(x))


def wilder_reference(values: pd.Series, period: int, first: int) -> pd.Series:
    """Wilder's average through pandas: SMA seed at bar first + period - 1, then ewm."""
    seed_bar = first + period - 1
    seeded = values.copy()
    seeded.iloc[:seed_bar] = np.nan
    seeded.iloc[seed_bar] = values.iloc[first:seed_bar + 1].mean()
    return seeded.ewm(alpha=1.0 / period, adjust=False).mean()


def rsi_loop(close, period):
    """RSI from Wilder's definition, one bar at a time in plain Python."""
    out = [math.nan] * len(close)
    if len(close) <= period:
        return out
    changes = [close[i] - close[i - 1] for i in range(1, len(close))]
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period
    for bar in range(period, len(close)):
        if bar > period:
            change = changes[bar - 1]
            gain = (gain * (period - 1) + max(change, 0.0)) / period
            loss = (loss * (period - 1) + max(-change, 0.0)) / period
        if loss > 0:
            out[bar] = 100.0 - 100.0 / (1.0 + gain / loss)
        elif gain > 0:
            out[bar] = 100.0
        else:
            out[bar] = 50.0
    return out


def true_range_reference(frame):
    prev_close = frame.close.shift()
    ranges = pd.concat([frame.high - frame.low, (frame.high - prev_close).abs(),
                        (frame.low - prev_close).abs()], axis=1)
    return ranges.max(axis=1)


def ema_reference(series, span):
    return series.ewm(span=span, adjust=False, min_periods=span).mean()


# --- every indicator against its reference, on real data --------------------------------


@pytest.mark.parametrize("window", [1, 2, 5, 20, 200])
def test_sma_matches_pandas(bars, window):
    assert_close(ind.sma(bars.close, window), bars.close.rolling(window).mean())


def test_sma_is_correctly_rounded_mean():
    close = load("PEPE-USDT").close.to_numpy()
    for window in (3, 20, 77):
        exact = [float(sum(map(Fraction, close[i - window + 1:i + 1])) / window)
                 for i in range(window - 1, len(close))]
        assert_bitwise_equal(ind.sma(close, window), padded(exact, window, len(close)))


@pytest.mark.parametrize("span", [1, 2, 9, 26, 200])
def test_ema_matches_pandas(bars, span):
    assert_close(ind.ema(bars.close, span), ema_reference(bars.close, span))


@pytest.mark.parametrize("window", [1, 2, 10, 50])
def test_wma_matches_weighted_window_mean(bars, window):
    weights = np.arange(1, window + 1, dtype=float)
    expected = bars.close.rolling(window).apply(lambda v: np.dot(v, weights) / weights.sum(),
                                                raw=True)
    assert_close(ind.wma(bars.close, window), expected)


def test_wma_is_correctly_rounded():
    close = load("GALA-USDT").close.to_numpy()
    window = 15
    total = Fraction(window * (window + 1) // 2)
    exact = [float(sum(Fraction(w) * Fraction(v) for w, v in
                       zip(range(1, window + 1), close[i - window + 1:i + 1])) / total)
             for i in range(window - 1, len(close))]
    assert_bitwise_equal(ind.wma(close, window), padded(exact, window, len(close)))


@pytest.mark.parametrize("period", [2, 14, 30])
def test_rsi_matches_wilder_loop(bars, period):
    close = bars.close
    assert_close(ind.rsi(close, period), rsi_loop(close.tolist(), period), atol=1e-12)
    # The same RSI through pandas' ewm with an SMA seed.
    change = close.diff()
    gain = wilder_reference(change.clip(lower=0.0), period, first=1)
    loss = wilder_reference((-change).clip(lower=0.0), period, first=1)
    assert_close(ind.rsi(close, period), 100.0 * gain / (gain + loss), atol=1e-12)


def test_true_range_matches_pandas(bars):
    expected = true_range_reference(bars)
    expected.iloc[0] = bars.high.iloc[0] - bars.low.iloc[0]
    assert_close(ind.true_range(bars.high, bars.low, bars.close), expected)


@pytest.mark.parametrize("period", [1, 5, 14, 50])
def test_atr_matches_pandas(bars, period):
    tr = true_range_reference(bars)
    tr.iloc[0] = bars.high.iloc[0] - bars.low.iloc[0]
    assert_close(ind.atr(bars.high, bars.low, bars.close, period),
                 wilder_reference(tr, period, first=0))


@pytest.mark.parametrize("window,ddof", [(2, 1), (5, 1), (20, 1), (20, 0), (200, 1)])
def test_rolling_std_matches_two_pass(bars, window, ddof):
    close = bars.close.to_numpy()
    # NumPy's per-window two-pass std is the reference. The online algorithm of pandas
    # 3.1 is off by up to 2e-8 relative here and gives 3e-14 for a flat PEPE window.
    assert_close(ind.rolling_std(close, window, ddof), window_std(close, window, ddof))


@pytest.mark.parametrize("window,num_std", [(20, 2.0), (5, 1.5), (100, 3.0)])
def test_bollinger_matches_reference(bars, window, num_std):
    close = bars.close
    middle = close.rolling(window).mean().to_numpy()
    std = window_std(close.to_numpy(), window, 1)
    bands = ind.bollinger(close, window, num_std)
    assert_close(bands.middle, middle)
    assert_close(bands.upper, middle + num_std * std)
    assert_close(bands.lower, middle - num_std * std)


def test_bollinger_ddof0_uses_population_std():
    close = load("BTC-USDT").close.to_numpy()
    bands = ind.bollinger(close, 20, 2.0, ddof=0)
    assert_close(bands.upper - bands.middle, 2.0 * window_std(close, 20, 0))


@pytest.mark.parametrize("fast,slow,signal", [(12, 26, 9), (3, 10, 16), (1, 2, 1)])
def test_macd_matches_pandas(bars, fast, slow, signal):
    close = bars.close
    line = ema_reference(close, fast) - ema_reference(close, slow)
    signal_line = line.ewm(span=signal, adjust=False, min_periods=signal).mean()
    lines = ind.macd(close, fast, slow, signal)
    # The line is a difference of prices that can cross 0, so the bound is absolute.
    atol = 1e-12 * close.median()
    assert_close(lines.line, line, atol=atol)
    assert_close(lines.signal, signal_line, atol=atol)
    assert_close(lines.histogram, line - signal_line, atol=atol)


@pytest.mark.parametrize("window", [1, 3, 20, 200])
def test_donchian_matches_pandas(bars, window):
    channel = ind.donchian(bars.high, bars.low, window)
    upper = bars.high.rolling(window).max()
    lower = bars.low.rolling(window).min()
    assert_bitwise_equal(channel.upper, upper)
    assert_bitwise_equal(channel.lower, lower)
    assert_bitwise_equal(channel.middle, (upper + lower) / 2.0)
    assert_bitwise_equal(ind.rolling_max(bars.high, window), upper)
    assert_bitwise_equal(ind.rolling_min(bars.low, window), lower)


@pytest.mark.parametrize("window", [3, 20, 100])
def test_zscore_matches_reference(bars, window):
    close = bars.close.to_numpy()
    std = window_std(close, window, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(std > 0, (close - bars.close.rolling(window).mean()) / std, np.nan)
    # Near-flat windows divide two tiny numbers, so allow a small absolute error too.
    assert_close(ind.zscore(close, window), expected, atol=1e-9)


# --- hand-computed cases ----------------------------------------------------------------


NAN = math.nan


def test_sma_hand_computed():
    assert_bitwise_equal(ind.sma([1.0, 2.0, 3.0, 4.0, 5.0], 3), [NAN, NAN, 2.0, 3.0, 4.0])


def test_sma_of_flat_window_is_exact():
    # 0.1 + 0.1 + 0.1 rounds to 0.30000000000000004, but the mean of a flat window is 0.1.
    means = ind.sma([0.3, 0.1, 0.1, 0.1], 3)
    assert means[3] == 0.1
    assert means[2] == float((Fraction(0.3) + 2 * Fraction(0.1)) / 3)


def test_ema_hand_computed():
    # span 3: alpha = 0.5, seeded with the first value, NaN before bar 2.
    assert_bitwise_equal(ind.ema([1.0, 2.0, 3.0, 4.0], 3), [NAN, NAN, 2.25, 3.125])


def test_wma_hand_computed():
    # (1*1 + 2*2 + 3*3) / 6 and (1*2 + 2*3 + 3*10) / 6
    assert_close(ind.wma([1.0, 2.0, 3.0, 10.0], 3), [NAN, NAN, 14.0 / 6.0, 38.0 / 6.0])


def test_rsi_hand_computed():
    # Changes +1, -1, +2: seed gain 1/2, loss 1/2 at bar 2, then gain (1/2 + 2)/2 = 1.25,
    # loss (1/2)/2 = 0.25, RSI 100 * 1.25 / 1.5.
    assert_close(ind.rsi([10.0, 11.0, 10.0, 12.0], 2), [NAN, NAN, 50.0, 250.0 / 3.0])


def test_rsi_extremes():
    assert_bitwise_equal(ind.rsi([1.0, 2.0, 3.0, 4.0], 2), [NAN, NAN, 100.0, 100.0])
    assert_bitwise_equal(ind.rsi([4.0, 3.0, 2.0, 1.0], 2), [NAN, NAN, 0.0, 0.0])
    assert_bitwise_equal(ind.rsi([5.0, 5.0, 5.0, 5.0], 2), [NAN, NAN, 50.0, 50.0])


def test_true_range_and_atr_hand_computed():
    high = [10.0, 12.0, 11.0]
    low = [8.0, 11.0, 7.0]
    close = [9.0, 11.5, 8.0]
    # Bar 1 gaps up: |12 - 9| = 3 beats 12 - 11 = 1. Bar 2 falls through the previous
    # close: |7 - 11.5| = 4.5 beats 11 - 7 = 4.
    assert_bitwise_equal(ind.true_range(high, low, close), [2.0, 3.0, 4.5])
    # Seed (2 + 3) / 2 = 2.5 at bar 1, then 2.5 / 2 + 4.5 / 2 = 3.5.
    assert_bitwise_equal(ind.atr(high, low, close, 2), [NAN, 2.5, 3.5])


def test_bollinger_hand_computed():
    bands = ind.bollinger([1.0, 2.0, 3.0, 5.0], 3, 2.0)
    # Window 2, 3, 5: mean 10/3, sample variance (4/9 + 1/9 + 25/9) / 2 = 7/3.
    assert bands.middle[3] == pytest.approx(10.0 / 3.0, rel=1e-15)
    assert bands.upper[3] == pytest.approx(10.0 / 3.0 + 2.0 * math.sqrt(7.0 / 3.0), rel=1e-15)
    assert bands.lower[2] == pytest.approx(0.0, abs=1e-15)


def test_rolling_std_of_flat_window_is_zero():
    std = ind.rolling_std([0.1, 0.1, 0.1, 0.7], 3)
    assert std[2] == 0.0
    # Window 0.1, 0.1, 0.7: mean 0.3, sample variance (0.04 + 0.04 + 0.16) / 2.
    assert std[3] == pytest.approx(math.sqrt(0.12), rel=1e-15)


def test_macd_hand_computed():
    # fast 1 is the close itself; slow 2 has alpha 2/3; signal 1 equals the line.
    lines = ind.macd([3.0, 6.0, 9.0], 1, 2, 1)
    assert_close(lines.line, [NAN, 6.0 - 5.0, 9.0 - 23.0 / 3.0])
    assert_close(lines.signal, lines.line)
    assert_close(lines.histogram, [NAN, 0.0, 0.0])


def test_donchian_includes_current_bar():
    channel = ind.donchian([3.0, 5.0, 4.0, 2.0], [1.0, 2.0, 3.0, 1.5], 2)
    assert_bitwise_equal(channel.upper, [NAN, 5.0, 5.0, 4.0])
    assert_bitwise_equal(channel.lower, [NAN, 1.0, 2.0, 1.5])
    assert_bitwise_equal(channel.middle, [NAN, 3.0, 3.5, 2.75])


def test_zscore_hand_computed():
    # Window 1, 2, 3: mean 2, sample std 1. Window 2, 3, 3: mean 8/3, sample variance
    # 1/3, so z = (1/3) / sqrt(1/3). A flat window 3, 3, 3 gives NaN.
    assert_close(ind.zscore([1.0, 2.0, 3.0, 3.0, 3.0, 3.0], 3),
                 [NAN, NAN, 1.0, math.sqrt(1.0 / 3.0), NAN, NAN], rtol=1e-15)


# --- causality and warm-up --------------------------------------------------------------


def all_indicators(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    high = frame.high.to_numpy()
    low = frame.low.to_numpy()
    close = frame.close.to_numpy()
    return {
        "sma": ind.sma(close, 20),
        "ema": ind.ema(close, 20),
        "wma": ind.wma(close, 20),
        "rsi": ind.rsi(close, 14),
        "true_range": ind.true_range(high, low, close),
        "atr": ind.atr(high, low, close, 14),
        "rolling_std": ind.rolling_std(close, 20),
        **{f"bollinger.{k}": v for k, v in ind.bollinger(close, 20, 2.0)._asdict().items()},
        **{f"macd.{k}": v for k, v in ind.macd(close, 12, 26, 9)._asdict().items()},
        **{f"donchian.{k}": v for k, v in ind.donchian(high, low, 20)._asdict().items()},
        "rolling_max": ind.rolling_max(high, 20),
        "rolling_min": ind.rolling_min(low, 20),
        "zscore": ind.zscore(close, 20),
    }


@pytest.mark.parametrize("asset", ASSETS)
def test_every_indicator_is_causal(asset):
    frame = load(asset)
    full = all_indicators(frame)
    for k in (0, 1, 5, 19, 20, 21, 34, 100, 777, len(frame) - 1):
        truncated = all_indicators(frame.iloc[:k])
        assert truncated.keys() == full.keys()
        for name, values in truncated.items():
            assert len(values) == k, name
            np.testing.assert_array_equal(values, full[name][:k], err_msg=f"{name}, k={k}")


# name: (compute, relative tolerance). Exact window sums make the first three
# independent of the start bit for bit; the sum of squares behind the std is not
# always exact.
FINITE_WINDOW = {
    "sma": (lambda f, w: ind.sma(f.close, w), 0.0),
    "wma": (lambda f, w: ind.wma(f.close, w), 0.0),
    "donchian.lower": (lambda f, w: ind.donchian(f.high, f.low, w).lower, 0.0),
    "rolling_std": (lambda f, w: ind.rolling_std(f.close, w), 1e-14),
    "bollinger.upper": (lambda f, w: ind.bollinger(f.close, w, 2.0).upper, 1e-14),
    "zscore": (lambda f, w: ind.zscore(f.close, w), 1e-12),
}


@pytest.mark.parametrize("name", sorted(FINITE_WINDOW))
@pytest.mark.parametrize("asset", ASSETS)
def test_finite_window_does_not_depend_on_start(name, asset):
    frame = load(asset)
    compute, rtol = FINITE_WINDOW[name]
    window = 30
    full = compute(frame, window)
    for start in (1, 17, 400, 1001):
        # With window - 1 bars of history, values equal the full-history ones.
        later = compute(frame.iloc[start:], window)
        if rtol == 0.0:
            np.testing.assert_array_equal(later[window - 1:], full[start + window - 1:],
                                          err_msg=f"start={start}")
        else:
            assert_close(later[window - 1:], full[start + window - 1:], rtol=rtol)


# name: (compute, warm-up, largest possible seed error of the indicator)
RECURSIVE = {
    "ema": (lambda f: ind.ema(f.close, 30), lambda: ind.ema_warmup(30), lambda f: f.close.max()),
    "rsi": (lambda f: ind.rsi(f.close, 14), lambda: ind.rsi_warmup(14), lambda f: 100.0),
    "atr": (lambda f: ind.atr(f.high, f.low, f.close, 14), lambda: ind.atr_warmup(14),
            lambda f: f.close.max()),
    "macd.signal": (lambda f: ind.macd(f.close, 12, 26, 9).signal,
                    lambda: ind.macd_warmup(12, 26, 9), lambda f: f.close.max()),
}


@pytest.mark.parametrize("name", sorted(RECURSIVE))
@pytest.mark.parametrize("asset", ASSETS)
def test_recursive_warmup_reaches_tolerance(name, asset):
    frame = load(asset)
    compute, warmup, seed_error = RECURSIVE[name]
    full = compute(frame)
    bars = warmup()
    for start in (bars + 1, bars + 13, len(frame) - 100):
        later = compute(frame.iloc[start - bars:])
        # The leftover seed weight is at most 1e-9 (about 2e-9 for the MACD signal).
        np.testing.assert_allclose(later[bars:], full[start:], rtol=0,
                                   atol=3 * ind.WARMUP_TOLERANCE * seed_error(frame))


@pytest.mark.parametrize("alpha", [0.9, 0.5, 2.0 / 11.0, 1.0 / 14.0, 2.0 / 201.0, 1e-3])
@pytest.mark.parametrize("tolerance", [1e-9, 1e-3, 0.5])
def test_smoothing_warmup_is_smallest_count(alpha, tolerance):
    bars = ind.smoothing_warmup(alpha, tolerance)
    assert bars >= 1
    assert (1.0 - alpha) ** bars <= tolerance
    assert (1.0 - alpha) ** (bars - 1) > tolerance


def test_smoothing_warmup_without_smoothing_is_zero():
    assert ind.smoothing_warmup(1.0) == 0


def test_warmup_counts_cover_nan_prefix():
    assert ind.ema_warmup(1) == 0
    assert ind.ema_warmup(20) == ind.smoothing_warmup(2.0 / 21.0) == 208
    assert ind.rsi_warmup(14) == 14 + ind.smoothing_warmup(1.0 / 14.0)
    assert ind.atr_warmup(14) == 13 + ind.smoothing_warmup(1.0 / 14.0)
    assert ind.macd_warmup(12, 26, 9) == ind.ema_warmup(26) + ind.ema_warmup(9)


# --- properties on generated data -------------------------------------------------------

# Prices on a coarse tick grid produce repeated values, flat windows and exact ties.
tick_prices = st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60).map(
    lambda ticks: np.array(ticks, dtype=float) * 1e-7)


@settings(max_examples=60, deadline=None)
@given(tick_prices, st.integers(min_value=1, max_value=12))
def test_rolling_kernels_match_exact_arithmetic(prices, window):
    n = len(prices)
    exact_means = []
    for i in range(window - 1, n):
        exact_means.append(float(sum(map(Fraction, prices[i - window + 1:i + 1])) / window))
    assert_bitwise_equal(ind.sma(prices, window), padded(exact_means, window, n))
    if window >= 2:
        assert_close(ind.rolling_std(prices, window), window_std(prices, window, 1), rtol=1e-12)
    upper = ind.rolling_max(prices, window)
    assert_bitwise_equal(upper, pd.Series(prices).rolling(window).max())


# --- inputs, outputs and errors ---------------------------------------------------------


def test_window_longer_than_data_gives_nan():
    assert np.isnan(ind.sma([1.0, 2.0], 3)).all()
    assert np.isnan(ind.rsi([1.0, 2.0], 2)).all()
    assert np.isnan(ind.macd([1.0, 2.0, 3.0], 2, 3, 2).signal).all()
    assert ind.ema([], 5).shape == (0,)


def test_readonly_and_list_inputs():
    close = load("BTC-USDT").close.to_numpy().copy()
    expected = ind.ema(close, 10)
    close.setflags(write=False)
    assert_bitwise_equal(ind.ema(close, 10), expected)
    assert_bitwise_equal(ind.ema(close.tolist(), 10), expected)
    assert_bitwise_equal(ind.ema(close.astype(np.float32).astype(float), 10),
                         ind.ema(close.astype(np.float32), 10))


@pytest.mark.parametrize("bad", [0, -3, 2.5, 3.0, True, "5", None])
def test_bad_window_raises(bad):
    message = f"window must be an integer >= 1 (got {bad!r}"
    with pytest.raises(ConfigError, match=re.escape(message)):
        ind.sma([1.0, 2.0, 3.0], bad)


@pytest.mark.parametrize("call", [
    lambda: ind.ema([1.0], 0),
    lambda: ind.rsi([1.0], 0),
    lambda: ind.atr([1.0], [1.0], [1.0], -1),
    lambda: ind.macd([1.0], 0, 26, 9),
    lambda: ind.macd([1.0], 12, 26, 0),
    lambda: ind.donchian([1.0], [1.0], 0),
    lambda: ind.zscore([1.0], 0),
])
def test_bad_period_raises(call):
    with pytest.raises(ConfigError, match=r"must be an integer >= 1 \(got -?\d"):
        call()


def test_macd_rejects_fast_not_below_slow():
    with pytest.raises(ConfigError, match=r"fast < slow \(got fast=26, slow=12\)"):
        ind.macd([1.0, 2.0], 26, 12, 9)


@pytest.mark.parametrize("ddof", [3, 4])
def test_ddof_must_be_below_window(ddof):
    with pytest.raises(ConfigError, match=rf"got ddof={ddof}, window=3"):
        ind.rolling_std([1.0, 2.0, 3.0], 3, ddof)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "wide"])
def test_bad_num_std_raises(bad):
    with pytest.raises(ConfigError, match="num_std must be a finite number >= 0"):
        ind.bollinger([1.0, 2.0, 3.0], 2, bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_input_raises(bad):
    message = rf"close has a non-finite value {bad!r} at position 2"
    with pytest.raises(DataError, match=message) as info:
        ind.sma([1.0, 2.0, bad, 4.0], 2)
    assert info.value.value is not None


def test_bad_shapes_raise():
    with pytest.raises(DataError, match=r"one-dimensional.*\(2, 2\)"):
        ind.ema([[1.0, 2.0], [3.0, 4.0]], 2)
    with pytest.raises(DataError, match="numeric values"):
        ind.ema(["a", "b"], 2)
    with pytest.raises(DataError, match="got lengths 3 and 2"):
        ind.donchian([3.0, 4.0, 5.0], [1.0, 2.0], 2)
    with pytest.raises(DataError, match="got 2 values for 3 bars"):
        ind.atr([3.0, 4.0, 5.0], [1.0, 2.0, 3.0], [2.0, 3.0], 2)


def test_high_below_low_raises():
    with pytest.raises(DataError, match=r"high 1\.0 is below low 2\.0 at position 1"):
        ind.atr([3.0, 1.0], [2.0, 2.0], [2.5, 1.5], 2)


def test_warmup_rejects_bad_arguments():
    with pytest.raises(ConfigError, match=r"alpha must be in \(0, 1\] \(got 0\.0\)"):
        ind.smoothing_warmup(0.0)
    with pytest.raises(ConfigError, match=r"tolerance must be in \(0, 1\) \(got 1\.0\)"):
        ind.smoothing_warmup(0.5, 1.0)
    with pytest.raises(ConfigError, match=r"span must be an integer >= 1 \(got 0\)"):
        ind.ema_warmup(0)


# --- pandas wrappers --------------------------------------------------------------------


def test_series_wrappers_keep_index_and_name():
    frame = load("GALA-USDT")
    close = frame.close
    cases = {
        "sma": (ind.sma_series(close, 10), ind.sma(close, 10)),
        "ema": (ind.ema_series(close, 10), ind.ema(close, 10)),
        "wma": (ind.wma_series(close, 10), ind.wma(close, 10)),
        "rsi": (ind.rsi_series(close, 14), ind.rsi(close, 14)),
        "rolling_std": (ind.rolling_std_series(close, 10, 0), ind.rolling_std(close, 10, 0)),
        "zscore": (ind.zscore_series(close, 10), ind.zscore(close, 10)),
    }
    for name, (series, array) in cases.items():
        assert series.index.equals(close.index), name
        assert series.name == "close", name
        assert_bitwise_equal(series.to_numpy(), array)
    atr = ind.atr_series(frame.high, frame.low, frame.close, 14)
    assert atr.index.equals(frame.index)
    assert_bitwise_equal(atr.to_numpy(), ind.atr(frame.high, frame.low, frame.close, 14))
    true_range = ind.true_range_series(frame.high, frame.low, frame.close)
    assert_bitwise_equal(true_range.to_numpy(), ind.true_range(frame.high, frame.low, frame.close))


def test_frame_wrappers_have_named_columns():
    frame = load("GALA-USDT")
    bands = ind.bollinger_frame(frame.close, 20, 2.0)
    assert list(bands.columns) == ["lower", "middle", "upper"]
    assert bands.index.equals(frame.index)
    assert_bitwise_equal(bands.upper.to_numpy(), ind.bollinger(frame.close, 20, 2.0).upper)
    lines = ind.macd_frame(frame.close)
    assert list(lines.columns) == ["line", "signal", "histogram"]
    assert_bitwise_equal(lines.histogram.to_numpy(), ind.macd(frame.close).histogram)
    channel = ind.donchian_frame(frame.high, frame.low, 20)
    assert list(channel.columns) == ["lower", "middle", "upper"]
    assert_bitwise_equal(channel.lower.to_numpy(), ind.donchian(frame.high, frame.low, 20).lower)


def test_wrappers_reject_bad_input():
    frame = load("GALA-USDT")
    with pytest.raises(DataError, match=r"must be a pandas Series \(got DataFrame\)"):
        ind.sma_series(frame, 10)
    with pytest.raises(DataError, match="low and high must share the same index"):
        ind.atr_series(frame.high, frame.low.iloc[1:], frame.close, 14)
    with pytest.raises(DataError, match="close and high must share the same index"):
        ind.true_range_series(frame.high, frame.low, frame.close.reset_index(drop=True))
