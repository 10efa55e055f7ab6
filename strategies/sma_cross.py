"""Simple moving average crossover, long only.

Enter when the fast SMA of the close crosses above the slow SMA; exit when it
crosses below. A cross at bar t compares both averages at t and t - 1, so the
strategy needs ``slow`` bars of history before the first signal. The SMAs are
correctly rounded means of their windows, so equal averages compare equal and a
window computed with ``slow`` bars of history gives the full-history signals
bit for bit.

:func:`sma_cross_signals_nb` states the rule plainly. The strategy runs
:func:`sma_cross_fast_signals_nb`, which gives the same signals without building
either SMA: a crossover needs only the sign of their difference, and plain float
window sums with an error bound give that sign on almost every bar (see
:mod:`seedwalk.backtest._sweep_nb`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seedwalk.backtest._sweep_nb import bounded_crossings_nb, exact_sums_nb
from seedwalk.indicators._nb import sma_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._kernels import crossover_signals_nb
from seedwalk.strategies._params import int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def sma_cross_signals_nb(close, fast, slow):
    """Return (entries, exits) for an SMA(fast)/SMA(slow) crossover on ``close``."""
    return crossover_signals_nb(sma_nb(close, fast) - sma_nb(close, slow))


@njit(cache=True, nogil=True)
def sma_cross_fast_signals_nb(close, fast, slow):
    """Return what :func:`sma_cross_signals_nb` returns, from the crossover bars alone.

    Uses the bounded plain sums when the closes keep every window sum exact, as the
    positive prices of real markets do (see ``exact_sums_nb``), and the exact SMAs
    otherwise.
    """
    n = close.shape[0]
    exact, largest = exact_sums_nb(close, n, max(fast, slow))
    if not exact:
        return sma_cross_signals_nb(close, fast, slow)
    events = np.empty(n, dtype=np.int64)
    count = bounded_crossings_nb(close, fast, slow, 0, n, largest, events)
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    for k in range(count):
        bar = events[k] >> 1
        if events[k] & 1:
            exits[bar] = True
        else:
            entries[bar] = True
    return entries, exits


class SmaCross(Strategy):
    """Long while the fast SMA is above the slow SMA, switching at the crosses."""

    name = "sma_cross"
    description = "Long when the fast SMA of the close crosses above the slow SMA"
    space = ParamSpace(
        (IntParam("fast", 5, 50), IntParam("slow", 20, 200)),
        (LessThan("fast", "slow"),),
    )

    def _params(self, params):
        values = {"fast": int_param(self.name, params, "fast"),
                  "slow": int_param(self.name, params, "slow")}
        require_less(self.name, values, "fast", "slow")
        return values

    def warmup(self, params):
        return self._params(params)["slow"]

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        (close,) = price_arrays(close)
        entries, exits = sma_cross_fast_signals_nb(close, values["fast"], values["slow"])
        return Signals(entries, exits)
