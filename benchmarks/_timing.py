"""Timing helpers: medians of repeated calls, interleaved across peers."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Mapping


def interleaved_medians(calls: Mapping[str, Callable[[], object]], repeat: int,
                        warmup: int = 1) -> dict[str, float]:
    """Return the median wall time in seconds of each call, over ``repeat`` rounds.

    Every call runs ``warmup`` untimed times first (numba compilation, imports and
    caches). Then each round runs every call once, in the given order, so a burst of
    load from other processes on the machine hits all peers alike instead of one.
    The garbage collector is run before, and disabled during, each timed call.
    """
    for call in calls.values():
        for _ in range(warmup):
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - started)
            finally:
                gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}


def load_average() -> float:
    """Return the 1-minute load average, or NaN where the platform has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")
