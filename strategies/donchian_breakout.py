"""Donchian channel breakout, long only.

Enter on every bar whose close is above the highest high of the ``entry_window``
bars before it (bars t - entry_window .. t - 1). Exit on every bar whose close is
below the lowest low of the ``exit_window`` bars before it. Both channels end at
the previous bar, because a channel that includes bar t contains bar t's own high,
which its close can never exceed. The engine ignores entries while long and exits
while flat, and a bar cannot give both, since the previous bar's high is at least
its low.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seedwalk.indicators._nb import rolling_max_nb, rolling_min_nb
from seedwalk.space import IntParam, LessThan, ParamSpace
from seedwalk.strategies._params import int_param, price_arrays, require_less
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def donchian_breakout_signals_nb(high, low, close, entry_window, exit_window):
    """Return (entries, exits): close above the previous entry high, below the previous exit low."""
    channel_high = rolling_max_nb(high, entry_window)
    channel_low = rolling_min_nb(low, exit_window)
    n = close.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        entries[i] = close[i] > channel_high[i - 1]
        exits[i] = close[i] < channel_low[i - 1]
    return entries, exits


class DonchianBreakout(Strategy):
    """Buy a close above the recent highest high, sell a close below the recent lowest low."""

    name = "donchian_breakout"
    description = "Long above the previous entry_window-bar high, flat below the exit_window low"
    # The exit channel is the shorter one, so a position is closed on a pullback smaller
    # than the range it broke out of.
    space = ParamSpace(
        (IntParam("entry_window", 10, 200), IntParam("exit_window", 5, 100)),
        (LessThan("exit_window", "entry_window"),),
    )

    def _params(self, params):
        values = {"entry_window": int_param(self.name, params, "entry_window"),
                  "exit_window": int_param(self.name, params, "exit_window")}
        require_less(self.name, values, "exit_window", "entry_window")
        return values

    def warmup(self, params):
        values = self._params(params)
        return max(values["entry_window"], values["exit_window"])

    def signals(self, open, high, low, close, volume, params):
        values = self._params(params)
        high, low, close = price_arrays(high, low, close)
        entries, exits = donchian_breakout_signals_nb(high, low, close, values["entry_window"],
                                                      values["exit_window"])
        return Signals(entries, exits)
