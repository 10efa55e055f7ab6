"""Numba signal primitives shared by the built-in strategies."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def crossover_signals_nb(diff):
    """Return ``(entries, exits)`` for the sign changes of ``diff``, for example fast - slow.

    An entry at bar t means ``diff[t-1] <= 0 < diff[t]``, an exit means
    ``diff[t-1] >= 0 > diff[t]``. Bars where either value is NaN give neither.
    """
    n = diff.shape[0]
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        previous = diff[i - 1]
        current = diff[i]
        entries[i] = previous <= 0.0 and current > 0.0
        exits[i] = previous >= 0.0 and current < 0.0
    return entries, exits
