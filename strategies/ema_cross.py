"""Exponential moving average crossover, long only.

Enter when EMA(fast) of the close crosses above EMA(slow), and exit when it
crosses below. The EMAs follow pandas ``ewm(span=n, adjust=False)``: seeded with the first
close of the arrays they are given, so their values depend on every earlier bar
with geometrically decaying weight. ``warmup`` therefore returns the bars after
which the seed's weight in the slow EMA is at most
:data:`seedwalk.indicators.WARMUP_TOLERANCE` (1e-9) at the bar before the window,
about ``10.4 * slow`` bars, plus that one bar for the cross. Inside the
window the averages then differ from their full-history values by less than 1e-9
of the seed's error, which leaves the signals unchanged unless an average sits
within that distance of the other.
"""

from __future__ import annotations

from numba import njit

from seedwalk.indicators import ema_warmup
from seedwalk.indicators._nb import ema_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._kernels import crossover_signals_nb
from seedwalk.strategies._params import int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def ema_cross_signals_nb(close, fast, slow):
    """Return (entries, exits) for an EMA(fast)/EMA(slow) crossover on ``close``."""
    return crossover_signals_nb(ema_nb(close, fast) - ema_nb(close, slow))


class EmaCross(Strategy):
    """Long while the fast EMA is above the slow EMA, switching at the crosses."""

    name = "ema_cross"
    description = "Long when the fast EMA of the close crosses above the slow EMA"
    # slow <= 50 keeps the warm-up at or below 520 bars, about 87 days of 4h bars.
    space = ParamSpace(
        (IntParam("fast", 3, 30), IntParam("slow", 10, 50)),
        (LessThan("fast", "slow"),),
    )

    def _params(self, params):
        values = {"fast": int_param(self.name, params, "fast"),
                  "slow": int_param(self.name, params, "slow")}
        require_less(self.name, values, "fast", "slow")
        return values

    def warmup(self, params):
        return ema_warmup(self._params(params)["slow"]) + 1

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        (close,) = price_arrays(close)
        entries, exits = ema_cross_signals_nb(close, values["fast"], values["slow"])
        return Signals(entries, exits)
