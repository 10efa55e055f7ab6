"""Bollinger band mean reversion, long only.

Enter when the close crosses back above the lower band (``close[t-1] <=
lower[t-1]`` and ``close[t] > lower[t]``). Exit on every bar where the close is at
or above the middle band. The engine ignores exits while flat. An entry is dropped
on a bar whose close is already at or above the middle band.

The bands are SMA(window) plus and minus ``num_std`` rolling standard deviations
with ``ddof=1``, as pandas ``rolling(window).std()`` computes them. The middle band
is the correctly rounded mean of the window, so a close equal to it compares as
equal.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seedwalk.indicators._nb import bollinger_nb
from seedwalk.space import FloatParam, IntParam, ParamSpace
from seedwalk.strategies._params import float_param, int_param, price_arrays
from seedwalk.strategy import Signals, Strategy

# Sample standard deviation, the pandas default.
DDOF = 1


@njit(cache=True)
def bollinger_reversion_signals_nb(close, window, num_std, ddof):
    """Return (entries, exits): close back above the lower band, close at or above the middle."""
    lower, middle, _ = bollinger_nb(close, window, num_std, ddof)
    n = close.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        exits[i] = close[i] >= middle[i]
        entries[i] = (close[i - 1] <= lower[i - 1] and close[i] > lower[i]
                      and not exits[i])
    return entries, exits


class BollingerReversion(Strategy):
    """Buy a close back inside the lower Bollinger band, sell at the middle band."""

    name = "bollinger_reversion"
    description = "Long when the close crosses back above the lower Bollinger band, flat at the SMA"
    space = ParamSpace(
        (IntParam("window", 10, 100), FloatParam("num_std", 1.0, 3.0, step=0.25)),
    )

    def _params(self, params):
        return {"window": int_param(self.name, params, "window", minimum=DDOF + 1),
                "num_std": float_param(self.name, params, "num_std")}

    def warmup(self, params):
        # The cross reads the lower band at t - 1, which needs bars t - window .. t - 1.
        return self._params(params)["window"]

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        (close,) = price_arrays(close)
        entries, exits = bollinger_reversion_signals_nb(close, values["window"],
                                                        values["num_std"], DDOF)
        return Signals(entries, exits)
