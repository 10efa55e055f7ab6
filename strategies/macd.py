"""MACD signal-line crossover, long only.

Enter when the MACD line crosses above its signal line, and exit when it crosses
below. The MACD line is EMA(fast) - EMA(slow) of the close, and the signal line is
the EMA(signal) of the MACD line.

The EMAs are recursive. ``warmup`` returns the slow EMA's warm-up plus the signal
EMA's, plus one bar for the cross. Each warm-up brings the seed's weight to at most
:data:`seedwalk.indicators.WARMUP_TOLERANCE` (1e-9).
"""

from __future__ import annotations

from numba import njit

from seedwalk.indicators import macd_warmup
from seedwalk.indicators._nb import macd_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._kernels import crossover_signals_nb
from seedwalk.strategies._params import int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def macd_signals_nb(close, fast, slow, signal):
    """Return (entries, exits) for the MACD line crossing its signal line."""
    _, _, histogram = macd_nb(close, fast, slow, signal)
    return crossover_signals_nb(histogram)


class MacdCross(Strategy):
    """Long while the MACD line is above its signal line, switching at the crosses."""

    name = "macd"
    description = "Long when the MACD line crosses above its signal line"
    # slow <= 40 and signal <= 15 keep the warm-up at or below 572 bars, about 95
    # days of 4h bars. The classic 12/26/9 needs 364.
    space = ParamSpace(
        (IntParam("fast", 4, 20), IntParam("slow", 10, 40), IntParam("signal", 3, 15)),
        (LessThan("fast", "slow"),),
    )

    def _params(self, params):
        values = {"fast": int_param(self.name, params, "fast"),
                  "slow": int_param(self.name, params, "slow"),
                  "signal": int_param(self.name, params, "signal")}
        require_less(self.name, values, "fast", "slow")
        return values

    def warmup(self, params):
        values = self._params(params)
        return macd_warmup(values["fast"], values["slow"], values["signal"]) + 1

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        (close,) = price_arrays(close)
        entries, exits = macd_signals_nb(close, values["fast"], values["slow"], values["signal"])
        return Signals(entries, exits)
