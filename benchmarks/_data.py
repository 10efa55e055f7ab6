"""Benchmark bars: a seeded, mean-reverting random walk in the shape of each peer's input.

A plain geometric random walk over a million 4h bars drifts across many orders of
magnitude, which no real market does. The log price here follows an
Ornstein-Uhlenbeck process instead: 1 % volatility per bar, pulled back to
log(100) by 0.1 % of the gap each bar, so prices stay within about 50 to 200.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from seedwalk.ohlcv import OHLCV

BAR_SECONDS = 4 * 3600
START_NS = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z
VOLATILITY = 0.01  # standard deviation of the log return per bar
REVERSION = 0.001  # fraction of the distance to the mean log price closed per bar
MEAN_PRICE = 100.0


@njit(cache=True)
def _mean_reverting_nb(shocks, keep):
    """Return d with d[t] = keep * d[t - 1] + shocks[t] and d[-1] = 0."""
    deviation = np.empty(shocks.shape[0])
    level = 0.0
    for i in range(shocks.shape[0]):
        level = keep * level + shocks[i]
        deviation[i] = level
    return deviation


def random_walk(n_bars: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Return float64 arrays ``open``, ``high``, ``low``, ``close`` and ``volume``.

    The open is the previous close, and high and low extend the body by a
    half-normal wick, so every bar is a valid OHLC bar.
    """
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, VOLATILITY, n_bars)
    wicks = np.abs(rng.normal(0.0, VOLATILITY / 2.0, (2, n_bars)))
    close = np.exp(np.log(MEAN_PRICE) + _mean_reverting_nb(shocks, 1.0 - REVERSION))
    open_ = np.empty(n_bars)
    open_[0] = MEAN_PRICE
    open_[1:] = close[:-1]
    high = np.maximum(open_, close) * np.exp(wicks[0])
    low = np.minimum(open_, close) * np.exp(-wicks[1])
    volume = np.full(n_bars, 1_000.0)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def seedwalk_bars(bars: dict[str, np.ndarray]) -> OHLCV:
    """Return the bars as seedwalk's native input, an OHLCV with UTC times."""
    n_bars = len(bars["close"])
    times = START_NS + np.arange(n_bars, dtype=np.int64) * (BAR_SECONDS * 10**9)
    return OHLCV(asset="BENCH", times=times, bar_seconds=BAR_SECONDS, source="benchmark",
                 fingerprint="", **bars)


def naive_index(n_bars: int) -> pd.DatetimeIndex:
    """Return a timezone-naive 4h index: vectorbt is far slower on a tz-aware one."""
    return pd.date_range("2024-01-01", periods=n_bars, freq="4h")


def backtesting_frame(bars: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return the bars as backtesting.py wants them: capitalized columns, naive index."""
    return pd.DataFrame({name.capitalize(): values for name, values in bars.items()},
                        index=naive_index(len(bars["close"])))
