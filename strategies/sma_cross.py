"""Simple moving average crossover, long only.

Enter when the fast SMA of the close crosses above the slow SMA; exit when it
crosses below. A cross at bar t compares both averages at t and t - 1, so the
strategy needs ``slow`` bars of history before the first signal. The SMAs are
correctly rounded means of their windows, so equal averages compare equal and a
window computed with ``slow`` bars of history gives the full-history signals
bit for bit.
"""

from __future__ import annotations

from numba import njit

from seedwalk.indicators._nb import sma_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._kernels import crossover_signals_nb
from seedwalk.strategies._params import int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def sma_cross_signals_nb(close, fast, slow):
    """Return (entries, exits) for an SMA(fast)/SMA(slow) crossover on ``close``."""
    return crossover_signals_nb(sma_nb(close, fast) - sma_nb(close, slow))


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
        entries, exits = sma_cross_signals_nb(close, values["fast"], values["slow"])
        return Signals(entries, exits)
