"""Yardstick kernels for the benchmarks: the plainest loop for each measured task.

These are not backtests seedwalk reports. Each does a simpler version of a
measured task with as little work as a straightforward loop needs, so the
benchmark can show how much seedwalk's kernels cost beyond that. seedwalk's
kernels do more per bar (exact SMAs, per-bar returns and statistics, every
backtest option), so a ratio above 1 is expected.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sma_cross_loop_nb(close, fast, slow, fee):
    """Run an SMA crossover with an all-in long position in one plain loop.

    Plain float running sums (no exact SMAs), fills at the close, a proportional
    ``fee`` on each fill, no window, stops, statistics or records.

    Returns:
        (final_equity, n_trades) for a starting equity of 1.0; a position still
        open at the last bar is closed there.
    """
    n = close.shape[0]
    fast_total = 0.0
    slow_total = 0.0
    previous_diff = np.nan
    cash = 1.0
    units = 0.0
    n_trades = 0
    longest = max(fast, slow)
    for i in range(n):
        value = close[i]
        fast_total += value - (close[i - fast] if i >= fast else 0.0)
        slow_total += value - (close[i - slow] if i >= slow else 0.0)
        diff = np.nan
        if i >= longest - 1:
            diff = fast_total / fast - slow_total / slow
        if previous_diff <= 0.0 and diff > 0.0 and units == 0.0:
            units = cash / (value * (1.0 + fee))
            cash = 0.0
        elif previous_diff >= 0.0 and diff < 0.0 and units > 0.0:
            cash = units * value * (1.0 - fee)
            units = 0.0
            n_trades += 1
        previous_diff = diff
    if units > 0.0:
        cash = units * close[n - 1] * (1.0 - fee)
        n_trades += 1
    return cash, n_trades


@njit(cache=True, nogil=True)
def sum_nb(values):
    """Return the plain sum of ``values``, one pass in index order."""
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i]
    return total
