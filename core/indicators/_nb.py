"""Numba kernels for the technical indicators.

Array conventions shared by every kernel in this module:

- Inputs are 1-D, C-contiguous float64 arrays of finite values, one value per bar,
  oldest bar first. The array API in :mod:`seedwalk.indicators` checks this once,
  so the kernels do not check again and contain no raise statements.
- Window, span and period arguments are integers >= 1, also checked outside.
- Every output is a new float64 array as long as the input. Bars where the
  indicator is not defined yet (its warm-up) hold NaN.
- The value at bar ``t`` depends only on bars ``0..t``, so running a kernel on
  ``x[:k]`` gives the first ``k`` values of the run on ``x``, bit for bit.

Rolling sums are kept in double-double arithmetic: a running sum is a pair
``(hi, lo)`` of doubles whose exact sum is the running sum. Adding and removing
values with error-free transformations keeps the sum exact while the largest
partial sum stays below about 1e16 times the smallest value, which is true for
any price series. Exact window sums make SMA and WMA the correctly rounded mean,
except when the exact mean lies within about 1e-30 relative of a rounding
midpoint, and they do not drift over long series. They also make SMA, WMA and
the Donchian channel at bar ``t`` independent of where the array starts, so a
window computed with ``window - 1`` bars of history equals the full-history value
bit for bit. The sum of squares behind the rolling std is not always exact, so
the std can differ in the last bit, about 1e-16 relative.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Veltkamp's constant 2**27 + 1 splits a double into two 26-bit halves whose
# products are exact. It overflows only for |a| > 2**996, far above any price.
_SPLITTER = 134217729.0


@njit(cache=True)
def _two_sum_nb(a, b):
    """Return ``(s, e)`` with ``s = fl(a + b)`` and ``s + e == a + b`` exactly (Knuth)."""
    s = a + b
    b_virtual = s - a
    a_virtual = s - b_virtual
    e = (a - a_virtual) + (b - b_virtual)
    return s, e


@njit(cache=True)
def _two_prod_nb(a, b):
    """Return ``(p, e)`` with ``p = fl(a * b)`` and ``p + e == a * b`` exactly (Dekker)."""
    p = a * b
    t = _SPLITTER * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLITTER * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


@njit(cache=True)
def _dd_add_nb(hi, lo, x_hi, x_lo):
    """Add the double-double ``x_hi + x_lo`` to ``hi + lo`` and return the normalized sum."""
    s, e = _two_sum_nb(hi, x_hi)
    e += lo + x_lo
    return _two_sum_nb(s, e)


@njit(cache=True)
def _dd_div_nb(hi, lo, divisor):
    """Divide the double-double ``hi + lo`` by ``divisor`` and return ``(q_hi, q_lo)``.

    ``q_hi`` is the quotient rounded to the nearest double except when the exact
    quotient lies within about 1e-30 relative of a rounding midpoint.
    """
    q1 = hi / divisor
    p, e = _two_prod_nb(q1, divisor)
    remainder = ((hi - p) - e) + lo
    q2 = remainder / divisor
    return _two_sum_nb(q1, q2)


@njit(cache=True)
def _rolling_moments_nb(x, window, ddof, with_var):
    """Return the rolling mean and, if ``with_var``, the rolling variance of ``x``.

    The mean is ``sum / window`` and the variance ``(sum(x**2) - sum**2 / window) /
    (window - ddof)``, both from double-double sums, so the subtraction keeps about
    30 significant digits before it cancels. The variance is NaN everywhere when
    ``window <= ddof`` and is clipped at 0. When the last ``window`` values are all
    equal, the mean is that value and the variance exactly 0, as in pandas.
    """
    n = x.shape[0]
    mean = np.full(n, np.nan)
    var = np.full(n, np.nan)
    width = float(window)
    denominator = float(window - ddof)
    sum_hi = 0.0
    sum_lo = 0.0
    sq_hi = 0.0
    sq_lo = 0.0
    run = 0  # number of consecutive equal values ending at bar i
    for i in range(n):
        value = x[i]
        if i >= window:
            old = x[i - window]
            sum_hi, sum_lo = _dd_add_nb(sum_hi, sum_lo, -old, 0.0)
            if with_var:
                p, e = _two_prod_nb(old, old)
                sq_hi, sq_lo = _dd_add_nb(sq_hi, sq_lo, -p, -e)
        sum_hi, sum_lo = _dd_add_nb(sum_hi, sum_lo, value, 0.0)
        if with_var:
            p, e = _two_prod_nb(value, value)
            sq_hi, sq_lo = _dd_add_nb(sq_hi, sq_lo, p, e)
        if i > 0 and value == x[i - 1]:
            run += 1
        else:
            run = 1
        if i < window - 1:
            continue

        if run >= window:
            mean[i] = value
            if with_var and denominator > 0.0:
                var[i] = 0.0
            continue
        mean_hi, _ = _dd_div_nb(sum_hi, sum_lo, width)
        mean[i] = mean_hi
        if with_var and denominator > 0.0:
            # sum**2 / window as a double-double. The dropped sum_lo**2 is below 1e-32 relative.
            p, e = _two_prod_nb(sum_hi, sum_hi)
            e += 2.0 * sum_hi * sum_lo
            p, e = _two_sum_nb(p, e)
            c_hi, c_lo = _dd_div_nb(p, e, width)
            m2, _ = _dd_add_nb(sq_hi, sq_lo, -c_hi, -c_lo)
            var[i] = max(m2, 0.0) / denominator
    return mean, var


@njit(cache=True)
def sma_nb(x, window):
    """Compute the simple moving average, like ``Series.rolling(window).mean()``."""
    mean, _ = _rolling_moments_nb(x, window, 0, False)
    return mean


@njit(cache=True)
def rolling_std_nb(x, window, ddof):
    """Compute the rolling standard deviation, like ``Series.rolling(window).std(ddof=ddof)``."""
    _, var = _rolling_moments_nb(x, window, ddof, True)
    return np.sqrt(var)


@njit(cache=True)
def wma_nb(x, window):
    """Compute the linearly weighted moving average.

    Bar t has weight ``window``, and the weights fall by 1 per bar down to 1 on bar
    ``t - window + 1``.

    The weighted sum ``W`` is updated as ``W_t = W_{t-1} - S_{t-1} + window * x_t``,
    where ``S_{t-1}`` is the plain sum of the ``window`` bars ending at ``t - 1``,
    both in double-double arithmetic.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    weight_total = window * (window + 1.0) / 2.0
    width = float(window)
    sum_hi = 0.0
    sum_lo = 0.0
    wsum_hi = 0.0
    wsum_lo = 0.0
    for i in range(n):
        value = x[i]
        # At this point sum is the sum of bars i - window .. i - 1.
        wsum_hi, wsum_lo = _dd_add_nb(wsum_hi, wsum_lo, -sum_hi, -sum_lo)
        p, e = _two_prod_nb(width, value)
        wsum_hi, wsum_lo = _dd_add_nb(wsum_hi, wsum_lo, p, e)
        if i >= window:
            sum_hi, sum_lo = _dd_add_nb(sum_hi, sum_lo, -x[i - window], 0.0)
        sum_hi, sum_lo = _dd_add_nb(sum_hi, sum_lo, value, 0.0)
        if i >= window - 1:
            average, _ = _dd_div_nb(wsum_hi, wsum_lo, weight_total)
            out[i] = average
    return out


@njit(cache=True)
def _ewm_into_nb(x, alpha, start, min_periods, out):
    """Write the exponential average of ``x[start:]`` into ``out``.

    Values are written from bar ``start + min_periods - 1`` on.

    The recursion is ``y = (1 - alpha) * y + alpha * x`` seeded with ``y = x[start]``,
    as pandas ``ewm(adjust=False)`` computes it. Like pandas, it leaves ``y`` unchanged
    when ``x == y``, so a flat series keeps its exact value.
    """
    n = x.shape[0]
    if start >= n:
        return
    keep = 1.0 - alpha
    y = x[start]
    first = start + min_periods - 1
    for i in range(start, n):
        value = x[i]
        if i > start and value != y:
            y = keep * y + alpha * value
        if i >= first:
            out[i] = y


@njit(cache=True)
def ema_nb(x, span):
    """Compute the exponential moving average with ``alpha = 2 / (span + 1)``, seeded with ``x[0]``.

    Matches ``Series.ewm(span=span, adjust=False, min_periods=span).mean()`` up to
    rounding, NaN before bar ``span - 1``.
    """
    out = np.full(x.shape[0], np.nan)
    _ewm_into_nb(x, 2.0 / (span + 1.0), 0, span, out)
    return out


@njit(cache=True)
def _wilder_into_nb(x, period, start, out):
    """Write Wilder's average of ``x[start:]`` into ``out`` from bar ``start + period - 1``.

    The seed is the plain mean of the first ``period`` values. After it, the average
    follows ``y = (1 - 1/period) * y + x / period``.
    """
    n = x.shape[0]
    seed_bar = start + period - 1
    if seed_bar >= n:
        return
    total = 0.0
    for i in range(start, seed_bar + 1):
        total += x[i]
    y = total / period
    out[seed_bar] = y
    alpha = 1.0 / period
    keep = 1.0 - alpha
    for i in range(seed_bar + 1, n):
        value = x[i]
        if value != y:
            y = keep * y + alpha * value
        out[i] = y


@njit(cache=True)
def rsi_nb(close, period):
    """Compute the relative strength index (0 to 100) with Wilder's smoothing, alpha = 1/period.

    Gains and losses are the positive and negative parts of ``close[t] - close[t-1]``
    from bar 1 on. Their averages are seeded with the mean of bars ``1..period``, so
    the first RSI is at bar ``period``. RSI is ``100 * gain / (gain + loss)``, and 50
    when both averages are 0 (no movement over the look-back).
    """
    n = close.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    gains = np.zeros(n)
    losses = np.zeros(n)
    for i in range(1, n):
        change = close[i] - close[i - 1]
        if change > 0.0:
            gains[i] = change
        else:
            losses[i] = -change
    avg_gain = np.full(n, np.nan)
    avg_loss = np.full(n, np.nan)
    _wilder_into_nb(gains, period, 1, avg_gain)
    _wilder_into_nb(losses, period, 1, avg_loss)
    for i in range(period, n):
        total = avg_gain[i] + avg_loss[i]
        if total > 0.0:
            out[i] = 100.0 * avg_gain[i] / total
        else:
            out[i] = 50.0
    return out


@njit(cache=True)
def true_range_nb(high, low, close):
    """Compute the true range ``max(high - low, |high - prev_close|, |low - prev_close|)``.

    Bar 0 has no previous close, so its true range is ``high - low``.
    """
    n = close.shape[0]
    out = np.empty(n)
    for i in range(n):
        value = high[i] - low[i]
        if i > 0:
            prev_close = close[i - 1]
            value = max(value, abs(high[i] - prev_close), abs(low[i] - prev_close))
        out[i] = value
    return out


@njit(cache=True)
def atr_nb(high, low, close, period):
    """Compute the average true range with Wilder's smoothing, defined from bar ``period - 1``."""
    out = np.full(close.shape[0], np.nan)
    _wilder_into_nb(true_range_nb(high, low, close), period, 0, out)
    return out


@njit(cache=True)
def bollinger_nb(x, window, num_std, ddof):
    """Return ``(lower, middle, upper)``: SMA(window) minus and plus ``num_std`` rolling std."""
    middle, var = _rolling_moments_nb(x, window, ddof, True)
    width = num_std * np.sqrt(var)
    return middle - width, middle, middle + width


@njit(cache=True)
def macd_nb(x, fast, slow, signal):
    """Return ``(line, signal_line, histogram)`` of the MACD.

    The line is EMA(fast) - EMA(slow), defined from bar ``max(fast, slow) - 1``. The
    signal line is the EMA(signal) of the line seeded with its first value, so it is
    defined ``signal - 1`` bars later. The histogram is line minus signal line.
    """
    line = ema_nb(x, fast) - ema_nb(x, slow)
    signal_line = np.full(x.shape[0], np.nan)
    _ewm_into_nb(line, 2.0 / (signal + 1.0), max(fast, slow) - 1, signal, signal_line)
    return line, signal_line, line - signal_line


@njit(cache=True)
def _rolling_extreme_nb(x, window, is_max):
    """Compute the rolling max (or min) with a monotonic queue of bar indices."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    queue = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for i in range(n):
        value = x[i]
        # Drop bars that can no longer be the extreme: the new bar beats or ties them.
        while tail > head and ((x[queue[tail - 1]] <= value) if is_max
                               else (x[queue[tail - 1]] >= value)):
            tail -= 1
        queue[tail] = i
        tail += 1
        if queue[head] <= i - window:
            head += 1
        if i >= window - 1:
            out[i] = x[queue[head]]
    return out


@njit(cache=True)
def rolling_max_nb(x, window):
    """Compute the max of the ``window`` bars ending at each bar, like ``rolling().max()``."""
    return _rolling_extreme_nb(x, window, True)


@njit(cache=True)
def rolling_min_nb(x, window):
    """Compute the min of the ``window`` bars ending at each bar, like ``rolling().min()``."""
    return _rolling_extreme_nb(x, window, False)


@njit(cache=True)
def donchian_nb(high, low, window):
    """Return ``(lower, middle, upper)``: min low, midpoint and max high of ``window`` bars.

    The channel at bar t includes bar t itself. Compare a close with the previous
    bar's channel to detect a breakout.
    """
    upper = rolling_max_nb(high, window)
    lower = rolling_min_nb(low, window)
    return lower, (upper + lower) / 2.0, upper


@njit(cache=True)
def zscore_nb(x, window, ddof):
    """Compute the rolling z-score ``(x - SMA) / rolling std``, NaN where the window is constant."""
    mean, var = _rolling_moments_nb(x, window, ddof, True)
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        if var[i] > 0.0:
            out[i] = (x[i] - mean[i]) / np.sqrt(var[i])
    return out
