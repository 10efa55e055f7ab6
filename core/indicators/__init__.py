"""Technical indicators: an array API over numba kernels, and pandas wrappers.

Three layers, as everywhere in seedwalk:

- Kernels in :mod:`seedwalk.indicators._nb` (``sma_nb``, ...) take contiguous
  float64 arrays and plain scalars, for use inside other kernels.
- The array API here (``sma(close, window)``, ...) checks its inputs once,
  converts them to contiguous float64 and calls the kernel.
- Pandas wrappers: ``<name>_series`` takes Series and returns a Series on the same
  index, and ``<name>_frame`` returns a DataFrame for indicators with several
  outputs (Bollinger bands, MACD, Donchian channel).

Every output has one value per input bar. Bars before the indicator is defined
(its warm-up) are NaN, and a window longer than the data gives all NaN. The value
at bar ``t`` uses only bars ``0..t``. Inputs must be finite: NaN or infinite values
raise :class:`~seedwalk.errors.DataError` instead of spreading through the
running sums.

EMA, RSI and ATR are recursive, so their value at a bar depends, with weights that
decay geometrically, on every earlier bar. :func:`ema_warmup`, :func:`rsi_warmup`,
:func:`atr_warmup` and :func:`macd_warmup` return how many bars of history bring
the weight of everything before them below :data:`WARMUP_TOLERANCE`.
"""

from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy as np
import pandas as pd

from seedwalk.errors import ConfigError, DataError
from seedwalk.indicators import _nb

__all__ = [
    "WARMUP_TOLERANCE",
    "BollingerBands",
    "DonchianChannel",
    "MacdLines",
    "atr",
    "atr_series",
    "atr_warmup",
    "bollinger",
    "bollinger_frame",
    "donchian",
    "donchian_frame",
    "ema",
    "ema_series",
    "ema_warmup",
    "macd",
    "macd_frame",
    "macd_warmup",
    "rolling_max",
    "rolling_min",
    "rolling_std",
    "rolling_std_series",
    "rsi",
    "rsi_series",
    "rsi_warmup",
    "sma",
    "sma_series",
    "smoothing_warmup",
    "true_range",
    "true_range_series",
    "wma",
    "wma_series",
    "zscore",
    "zscore_series",
]

#: Largest weight that the bars before a computation's first bar may keep in a
#: recursive indicator (EMA, RSI, ATR) at the end of its warm-up. The value then
#: differs from the full-history value by at most this fraction of the difference
#: between the seed and the full-history average at the first bar.
WARMUP_TOLERANCE = 1e-9


class BollingerBands(NamedTuple):
    """Bollinger bands: the SMA (``middle``) and ``num_std`` rolling std below and above it."""

    lower: np.ndarray
    middle: np.ndarray
    upper: np.ndarray


class MacdLines(NamedTuple):
    """MACD line (EMA fast - EMA slow), its EMA signal line, and line minus signal."""

    line: np.ndarray
    signal: np.ndarray
    histogram: np.ndarray


class DonchianChannel(NamedTuple):
    """Lowest low, midpoint and highest high of the last ``window`` bars, bar t included."""

    lower: np.ndarray
    middle: np.ndarray
    upper: np.ndarray


# --- input checks -----------------------------------------------------------------


def _as_prices(values, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D contiguous float64 array of finite numbers."""
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(f"{name} must be numeric values, one per bar, but converting "
                        f"{type(values).__name__} to float64 failed: {error}",
                        value=values) from None
    if array.ndim != 1:
        raise DataError(f"{name} must be one-dimensional, one value per bar "
                        f"(got shape {array.shape!r}). Pass one column at a time")
    finite = np.isfinite(array)
    if not finite.all():
        bar = int(np.argmin(finite))
        value = float(array[bar])
        raise DataError(f"{name} has a non-finite value {value!r} at position {bar}. "
                        f"Drop or fill NaN and infinite values before computing indicators",
                        value=value)
    return array


def _as_high_low(high, low) -> tuple[np.ndarray, np.ndarray]:
    high = _as_prices(high, "high")
    low = _as_prices(low, "low")
    if len(high) != len(low):
        raise DataError(f"high and low must have one value per bar each "
                        f"(got lengths {len(high)} and {len(low)})")
    below = low > high
    if below.any():
        bar = int(np.argmax(below))
        pair = (float(high[bar]), float(low[bar]))
        raise DataError(f"high {pair[0]!r} is below low {pair[1]!r} at position {bar}. "
                        f"Check that high and low are not swapped", value=pair)
    return high, low


def _as_ohlc(high, low, close) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    high, low = _as_high_low(high, low)
    close = _as_prices(close, "close")
    if len(close) != len(high):
        raise DataError(f"close must have one value per bar like high and low "
                        f"(got {len(close)} values for {len(high)} bars)")
    return high, low, close


def _as_window(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``, rejecting bools and floats."""
    if isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name} must be an integer >= {minimum} (got {value!r})")
    try:
        number = operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer >= {minimum} "
                          f"(got {value!r} of type {type(value).__name__})") from None
    if number < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum} (got {value!r})")
    return number


def _as_multiplier(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a finite number >= 0 (got {value!r})") from None
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{name} must be a finite number >= 0 (got {value!r})")
    return number


def _as_ddof(ddof, window: int) -> int:
    ddof = _as_window(ddof, "ddof", minimum=0)
    if ddof >= window:
        raise ConfigError(f"ddof must be below the window so that window - ddof > 0 "
                          f"(got ddof={ddof!r}, window={window!r}). Use ddof=0 or a "
                          f"longer window")
    return ddof


# --- array API ---------------------------------------------------------------------


def sma(close, window: int) -> np.ndarray:
    """Compute the simple moving average over ``window`` bars.

    The value is the window's exact sum divided by ``window``, correctly rounded, so
    it does not drift over long series. NaN before bar ``window - 1``.
    """
    return _nb.sma_nb(_as_prices(close, "close"), _as_window(window, "window"))


def ema(close, span: int) -> np.ndarray:
    """Compute the exponential moving average with ``alpha = 2 / (span + 1)``.

    Matches pandas ``close.ewm(span=span, adjust=False, min_periods=span).mean()`` up
    to rounding. The recursion is seeded with the first value, and the output is NaN
    before bar ``span - 1``.
    """
    return _nb.ema_nb(_as_prices(close, "close"), _as_window(span, "span"))


def wma(close, window: int) -> np.ndarray:
    """Compute the linearly weighted moving average (weights 1 .. ``window``, newest heaviest)."""
    return _nb.wma_nb(_as_prices(close, "close"), _as_window(window, "window"))


def rsi(close, period: int = 14) -> np.ndarray:
    """Compute the relative strength index (0 to 100) with Wilder's smoothing.

    Average gain and loss use ``alpha = 1 / period`` and are seeded with the mean of
    the first ``period`` close-to-close changes, so the first value is at bar
    ``period``. A look-back without any movement gives 50.
    """
    return _nb.rsi_nb(_as_prices(close, "close"), _as_window(period, "period"))


def true_range(high, low, close) -> np.ndarray:
    """Compute the true range. Bar 0 has no previous close, so it gets ``high - low``."""
    return _nb.true_range_nb(*_as_ohlc(high, low, close))


def atr(high, low, close, period: int = 14) -> np.ndarray:
    """Compute the average true range with Wilder's smoothing (``alpha = 1 / period``).

    The first value, at bar ``period - 1``, is the mean true range of bars
    ``0 .. period - 1``.
    """
    return _nb.atr_nb(*_as_ohlc(high, low, close), _as_window(period, "period"))


def rolling_std(close, window: int, ddof: int = 1) -> np.ndarray:
    """Compute the rolling standard deviation with ``window - ddof`` degrees of freedom.

    ``ddof=1`` (the sample std) is pandas' default. A window of equal values gives
    exactly 0.
    """
    window = _as_window(window, "window")
    return _nb.rolling_std_nb(_as_prices(close, "close"), window, _as_ddof(ddof, window))


def bollinger(close, window: int = 20, num_std: float = 2.0, ddof: int = 1) -> BollingerBands:
    """Compute Bollinger bands: SMA(window) and SMA plus/minus ``num_std`` rolling std.

    The std uses ``ddof=1`` by default, as pandas ``rolling().std()`` does. Bollinger's
    own definition uses the population std, which ``ddof=0`` gives.
    """
    window = _as_window(window, "window")
    lower, middle, upper = _nb.bollinger_nb(_as_prices(close, "close"), window,
                                            _as_multiplier(num_std, "num_std"),
                                            _as_ddof(ddof, window))
    return BollingerBands(lower, middle, upper)


def macd(close, fast: int = 12, slow: int = 26, signal: int = 9) -> MacdLines:
    """Compute the MACD line, its signal line and the histogram.

    The line, EMA(fast) - EMA(slow), starts at bar ``slow - 1``. The signal line is
    the EMA(signal) of the line seeded with the line's first value, so it starts at
    bar ``slow + signal - 2``.
    """
    fast = _as_window(fast, "fast")
    slow = _as_window(slow, "slow")
    signal = _as_window(signal, "signal")
    if fast >= slow:
        raise ConfigError(f"MACD needs fast < slow (got fast={fast!r}, slow={slow!r}). "
                          f"Swap them if they are reversed")
    line, signal_line, histogram = _nb.macd_nb(_as_prices(close, "close"), fast, slow, signal)
    return MacdLines(line, signal_line, histogram)


def rolling_max(values, window: int) -> np.ndarray:
    """Compute the maximum over the ``window`` bars ending at each bar (bar t included)."""
    return _nb.rolling_max_nb(_as_prices(values, "values"), _as_window(window, "window"))


def rolling_min(values, window: int) -> np.ndarray:
    """Compute the minimum over the ``window`` bars ending at each bar (bar t included)."""
    return _nb.rolling_min_nb(_as_prices(values, "values"), _as_window(window, "window"))


def donchian(high, low, window: int = 20) -> DonchianChannel:
    """Compute the Donchian channel: highest high and lowest low of the last ``window`` bars.

    The channel at bar t includes bar t, so a breakout test compares a close with
    the previous bar's channel.
    """
    high, low = _as_high_low(high, low)
    lower, middle, upper = _nb.donchian_nb(high, low, _as_window(window, "window"))
    return DonchianChannel(lower, middle, upper)


def zscore(values, window: int, ddof: int = 1) -> np.ndarray:
    """Compute the rolling z-score ``(x - SMA(window)) / rolling_std(window, ddof)``.

    NaN where the window's values are all equal, because the std is 0 there.
    """
    window = _as_window(window, "window")
    return _nb.zscore_nb(_as_prices(values, "values"), window, _as_ddof(ddof, window))


# --- warm-up of recursive indicators -----------------------------------------------


def smoothing_warmup(alpha: float, tolerance: float = WARMUP_TOLERANCE) -> int:
    """Return the smallest ``m >= 0`` with ``(1 - alpha) ** m <= tolerance``.

    ``(1 - alpha) ** m`` is the weight an exponential average with smoothing factor
    ``alpha`` still gives its seed after ``m`` more bars. ``alpha = 1`` is no
    smoothing at all, so it needs 0 bars.
    """
    alpha = float(alpha)
    tolerance = float(tolerance)
    if not 0.0 < alpha <= 1.0:
        raise ConfigError(f"alpha must be in (0, 1] (got {alpha!r})")
    if not 0.0 < tolerance < 1.0:
        raise ConfigError(f"tolerance must be in (0, 1) (got {tolerance!r})")
    if alpha == 1.0:
        return 0
    keep = 1.0 - alpha
    bars = max(0, math.ceil(math.log(tolerance) / math.log(keep)))
    # The logarithms are rounded, so settle the boundary with the power itself.
    while keep ** bars > tolerance:
        bars += 1
    while bars > 0 and keep ** (bars - 1) <= tolerance:
        bars -= 1
    return bars


def ema_warmup(span: int, tolerance: float = WARMUP_TOLERANCE) -> int:
    """Return how many bars before bar t an EMA(span) needs for its value at t.

    With that many bars of history, the seed's weight is at most ``tolerance`` and
    the value is defined (at least ``span - 1`` bars).
    """
    span = _as_window(span, "span")
    return max(span - 1, smoothing_warmup(2.0 / (span + 1.0), tolerance))


def rsi_warmup(period: int, tolerance: float = WARMUP_TOLERANCE) -> int:
    """Return how many bars before bar t an RSI(period) needs for its value at t.

    The averages are seeded at bar ``period`` of the computation and then need the
    seed's weight ``(1 - 1/period) ** m`` to fall to ``tolerance``.
    """
    period = _as_window(period, "period")
    return period + smoothing_warmup(1.0 / period, tolerance)


def atr_warmup(period: int, tolerance: float = WARMUP_TOLERANCE) -> int:
    """Return how many bars before bar t an ATR(period) needs for its value at t.

    The average is seeded at bar ``period - 1``. The first true range of a
    computation also lacks its previous close, and the seed's weight covers it.
    """
    period = _as_window(period, "period")
    return period - 1 + smoothing_warmup(1.0 / period, tolerance)


def macd_warmup(fast: int, slow: int, signal: int, tolerance: float = WARMUP_TOLERANCE) -> int:
    """Return how many bars before bar t a MACD needs for its signal line at t.

    The line needs the slow EMA's warm-up, and the signal line, an EMA of the line,
    needs its own on top, so the leftover weight is at most about ``2 * tolerance``.
    """
    slow = max(_as_window(fast, "fast"), _as_window(slow, "slow"))
    return ema_warmup(slow, tolerance) + ema_warmup(signal, tolerance)


# --- pandas wrappers ---------------------------------------------------------------


def _check_series(series, name: str) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise DataError(f"{name} must be a pandas Series (got {type(series).__name__}). "
                        f"Use the array function for NumPy arrays or select one column")
    return series


def _check_same_index(*named_series: tuple[str, pd.Series]) -> pd.Index:
    first_name, first = named_series[0]
    for name, series in named_series[1:]:
        if not series.index.equals(first.index):
            raise DataError(f"{name} and {first_name} must share the same index. "
                            f"Align them first, for example with DataFrame columns")
    return first.index


def _series_like(values: np.ndarray, like: pd.Series) -> pd.Series:
    return pd.Series(values, index=like.index, name=like.name)


def sma_series(series: pd.Series, window: int) -> pd.Series:
    """Compute :func:`sma` of a Series, keeping its index and name."""
    return _series_like(sma(_check_series(series, "series").to_numpy(), window), series)


def ema_series(series: pd.Series, span: int) -> pd.Series:
    """Compute :func:`ema` of a Series, keeping its index and name."""
    return _series_like(ema(_check_series(series, "series").to_numpy(), span), series)


def wma_series(series: pd.Series, window: int) -> pd.Series:
    """Compute :func:`wma` of a Series, keeping its index and name."""
    return _series_like(wma(_check_series(series, "series").to_numpy(), window), series)


def rsi_series(series: pd.Series, period: int = 14) -> pd.Series:
    """Compute :func:`rsi` of a Series, keeping its index and name."""
    return _series_like(rsi(_check_series(series, "series").to_numpy(), period), series)


def rolling_std_series(series: pd.Series, window: int, ddof: int = 1) -> pd.Series:
    """Compute :func:`rolling_std` of a Series, keeping its index and name."""
    return _series_like(rolling_std(_check_series(series, "series").to_numpy(), window, ddof),
                        series)


def zscore_series(series: pd.Series, window: int, ddof: int = 1) -> pd.Series:
    """Compute :func:`zscore` of a Series, keeping its index and name."""
    return _series_like(zscore(_check_series(series, "series").to_numpy(), window, ddof),
                        series)


def true_range_series(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """Compute :func:`true_range` of three Series that share one index."""
    index = _check_same_index(("high", _check_series(high, "high")),
                              ("low", _check_series(low, "low")),
                              ("close", _check_series(close, "close")))
    values = true_range(high.to_numpy(), low.to_numpy(), close.to_numpy())
    return pd.Series(values, index=index, name="true_range")


def atr_series(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Compute :func:`atr` of three Series that share one index."""
    index = _check_same_index(("high", _check_series(high, "high")),
                              ("low", _check_series(low, "low")),
                              ("close", _check_series(close, "close")))
    values = atr(high.to_numpy(), low.to_numpy(), close.to_numpy(), period)
    return pd.Series(values, index=index, name="atr")


def bollinger_frame(series: pd.Series, window: int = 20, num_std: float = 2.0,
                    ddof: int = 1) -> pd.DataFrame:
    """Compute :func:`bollinger` of a Series as columns ``lower``, ``middle``, ``upper``."""
    bands = bollinger(_check_series(series, "series").to_numpy(), window, num_std, ddof)
    return pd.DataFrame(bands._asdict(), index=series.index)


def macd_frame(series: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
    """Compute :func:`macd` of a Series as columns ``line``, ``signal``, ``histogram``."""
    lines = macd(_check_series(series, "series").to_numpy(), fast, slow, signal)
    return pd.DataFrame(lines._asdict(), index=series.index)


def donchian_frame(high: pd.Series, low: pd.Series, window: int = 20) -> pd.DataFrame:
    """Compute :func:`donchian` of two Series as columns ``lower``, ``middle``, ``upper``."""
    index = _check_same_index(("high", _check_series(high, "high")),
                              ("low", _check_series(low, "low")))
    channel = donchian(high.to_numpy(), low.to_numpy(), window)
    return pd.DataFrame(channel._asdict(), index=index)
