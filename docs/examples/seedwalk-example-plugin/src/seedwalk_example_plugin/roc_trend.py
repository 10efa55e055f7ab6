"""Rate-of-change breakout with a trend filter, long only.

Enter when the rate of change over ``lookback`` bars crosses above ``threshold``
while the close is above its ``trend``-bar simple moving average. Exit when the
rate of change crosses below zero. With ``threshold >= 0`` no bar both enters and
exits.

The kernel computes every bar's values from that bar's own window, with no
running sums, so a signal depends only on the bars its windows cover and a run
with ``warmup(params)`` bars of history gives the full-history signals bit for bit.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np
from numba import njit

from seedwalk.errors import ConfigError
from seedwalk.space import FloatParam, IntParam, LessThan, ParamSpace
from seedwalk.strategy import Signals, Strategy


@njit(cache=True)
def roc_trend_signals_nb(close, lookback, trend, threshold):
    """Return (entries, exits) for the rate-of-change breakout on ``close``.

    ``roc[t] = close[t] / close[t - lookback] - 1`` and the trend average is the
    mean of ``close[t - trend + 1 : t + 1]``. Bars before both are defined for
    ``t - 1`` and ``t`` give no signal.
    """
    n = close.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    first = max(lookback + 1, trend - 1)
    for t in range(first, n):
        roc = close[t] / close[t - lookback] - 1.0
        previous_roc = close[t - 1] / close[t - 1 - lookback] - 1.0
        total = 0.0
        for j in range(t - trend + 1, t + 1):
            total += close[j]
        average = total / trend
        entries[t] = previous_roc <= threshold and roc > threshold and close[t] > average
        exits[t] = previous_roc >= 0.0 and roc < 0.0
    return entries, exits


def _window(params: Mapping[str, Any], name: str) -> int:
    value = params.get(name)
    try:
        number = operator.index(value)
    except TypeError:
        number = None
    if number is None or isinstance(value, bool) or number < 1:
        raise ConfigError(f"strategy 'roc_trend': parameter {name!r} must be an integer >= 1 "
                          f"(got {value!r})")
    return number


def _threshold(params: Mapping[str, Any]) -> float:
    value = params.get("threshold")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ConfigError(f"strategy 'roc_trend': parameter 'threshold' must be a finite "
                          f"number >= 0, as a fraction (0.02 is 2 %) (got {value!r})")
    return float(value)


class RocTrend(Strategy):
    """Buy a momentum burst in an uptrend; sell when the momentum turns negative."""

    name = "roc_trend"
    description = ("Long when the rate of change crosses a threshold above the trend SMA "
                   "(example plugin)")
    # threshold is a fraction of price: 0.05 means the close rose 5 % over lookback bars.
    space = ParamSpace(
        (IntParam("lookback", 3, 60), IntParam("trend", 20, 200),
         FloatParam("threshold", 0.0, 0.1, step=0.005)),
        (LessThan("lookback", "trend"),),
    )

    def warmup(self, params: Mapping[str, Any]) -> int:
        # roc[t - 1] reads close[t - 1 - lookback]; the average reads close[t - trend + 1].
        return max(_window(params, "lookback") + 1, _window(params, "trend") - 1)

    def signals(self, open, high, low, close, volume, params):
        lookback, trend = _window(params, "lookback"), _window(params, "trend")
        entries, exits = roc_trend_signals_nb(np.ascontiguousarray(close, dtype=np.float64),
                                              lookback, trend, _threshold(params))
        return Signals(entries, exits)
