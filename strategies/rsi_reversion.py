"""RSI mean reversion, long only.

Enter when the RSI crosses up through ``lower`` (``rsi[t-1] <= lower < rsi[t]``),
as the market leaves the oversold zone. Exit on every bar where the RSI is at or
above ``upper``. The exit is a level, not a cross, so a position opened just
before a jump above ``upper`` is still closed. The engine ignores exits while
flat. An entry is dropped on a bar whose RSI is already at or above ``upper``.

The RSI uses Wilder's smoothing, which depends on every earlier bar with weight
``(1 - 1/period) ** age``. ``warmup`` returns the bars after which the seed's
weight is at most :data:`seedwalk.indicators.WARMUP_TOLERANCE` (1e-9) at the bar
before the window, plus that one bar for the cross: about ``21 * period`` bars.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seedwalk.indicators import rsi_warmup
from seedwalk.indicators._nb import rsi_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._params import float_param, int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def rsi_reversion_signals_nb(close, period, lower, upper):
    """Return (entries, exits): RSI crossing up through ``lower``, RSI at or above ``upper``."""
    rsi = rsi_nb(close, period)
    n = close.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        exits[i] = rsi[i] >= upper
        entries[i] = rsi[i - 1] <= lower and rsi[i] > lower and not exits[i]
    return entries, exits


class RsiReversion(Strategy):
    """Buy when the RSI leaves the oversold zone, sell when it reaches the overbought zone."""

    name = "rsi_reversion"
    description = "Long when the RSI crosses up through lower, flat when it reaches upper"
    # period <= 24 keeps the warm-up at or below 512 bars, about 85 days of 4h bars.
    space = ParamSpace(
        (IntParam("period", 4, 24), IntParam("lower", 10, 40), IntParam("upper", 60, 90)),
        (LessThan("lower", "upper"),),
    )

    def _params(self, params):
        values = {"period": int_param(self.name, params, "period"),
                  "lower": float_param(self.name, params, "lower", 0.0, 100.0),
                  "upper": float_param(self.name, params, "upper", 0.0, 100.0)}
        require_less(self.name, values, "lower", "upper")
        return values

    def warmup(self, params):
        return rsi_warmup(self._params(params)["period"]) + 1

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        (close,) = price_arrays(close)
        entries, exits = rsi_reversion_signals_nb(close, values["period"], values["lower"],
                                                  values["upper"])
        return Signals(entries, exits)
