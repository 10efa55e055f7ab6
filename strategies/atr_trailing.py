"""Breakout entry with an ATR trailing stop (a chandelier-style exit), long only.

Entry: the close is above the highest high of the ``breakout_window`` bars before
it, as in :mod:`seedwalk.strategies.donchian_breakout`.
Exit: the close falls below ``highest close since entry - atr_multiplier * ATR``,
with the ATR of the current bar (Wilder, ``atr_period``). The highest close starts
at the entry bar's close. The stop follows the current ATR, so it can move down
when volatility rises.

The stop depends on when the position was opened, so the kernel tracks its own
position. It emits an entry only while flat and an exit only while long, so the
signals alternate, starting with an entry. Tracking starts at bar
``warmup(params)`` of the arrays it is given, once the ATR has warmed up. A run
given exactly ``warmup(params)`` bars of history before a window therefore starts
flat at the window's first bar, as the engine does.

Warm-up caveat: the position state has unbounded memory. With ``warmup(params)``
bars of history the indicators match the full-history ones, because the ATR's seed
weight is at most :data:`seedwalk.indicators.WARMUP_TOLERANCE`. The signals inside
the window then match the full-history signals exactly when the full-history run
is flat at the window's first bar. When that run is long there, the window run
starts flat instead, and the two agree again from the first bar where both are
flat.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seedwalk.indicators import atr_warmup
from seedwalk.indicators._nb import atr_nb, rolling_max_nb
from seedwalk.space import FloatParam, IntParam, ParamSpace
from seedwalk.strategies._params import float_param, int_param, price_arrays
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def atr_trailing_signals_nb(high, low, close, breakout_window, atr_period, atr_multiplier,
                            start):
    """Return (entries, exits) for a breakout entry and an ATR trailing-stop exit.

    Position tracking begins at bar ``start``, so earlier bars give no signals.
    """
    channel_high = rolling_max_nb(high, breakout_window)
    atr = atr_nb(high, low, close, atr_period)
    n = close.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    is_long = False
    highest_close = 0.0
    for i in range(max(start, 1), n):
        if is_long:
            highest_close = max(highest_close, close[i])
            if close[i] < highest_close - atr_multiplier * atr[i]:
                exits[i] = True
                is_long = False
        elif close[i] > channel_high[i - 1] and not np.isnan(atr[i]):
            entries[i] = True
            is_long = True
            highest_close = close[i]
    return entries, exits


class AtrTrailing(Strategy):
    """Buy a breakout above the recent highest high, sell on an ATR trailing stop."""

    name = "atr_trailing"
    description = "Long on a breakout above the previous n-bar high, flat on an ATR trailing stop"
    # atr_period <= 20 keeps the warm-up at or below 424 bars, about 71 days of 4h bars.
    space = ParamSpace(
        (IntParam("breakout_window", 10, 200), IntParam("atr_period", 5, 20),
         FloatParam("atr_multiplier", 1.0, 6.0, step=0.5)),
    )

    def _params(self, params):
        return {"breakout_window": int_param(self.name, params, "breakout_window"),
                "atr_period": int_param(self.name, params, "atr_period"),
                "atr_multiplier": float_param(self.name, params, "atr_multiplier")}

    def warmup(self, params):
        values = self._params(params)
        return max(values["breakout_window"], atr_warmup(values["atr_period"]))

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        high, low, close = price_arrays(high, low, close)
        entries, exits = atr_trailing_signals_nb(
            high, low, close, values["breakout_window"], values["atr_period"],
            values["atr_multiplier"], self.warmup(values))
        return Signals(entries, exits)
