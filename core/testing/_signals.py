"""Helpers the checks share: computing signals on part of the bars, comparing them,
and following the position that a run of signals implies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from seedwalk.backtest._engine_nb import resolve_signal_nb
from seedwalk.ohlcv import OHLCV
from seedwalk.strategy import Signals, Strategy

SIGNAL_FIELDS = ("entries", "exits", "short_entries", "short_exits")
DIRECTIONS = ("long", "short", "both")

# The engine's own rule for one bar's signals, run as plain Python. Calling the
# compiled kernel once per bar from Python would cost more than the rule itself.
_resolve_signal = resolve_signal_nb.py_func


def as_strategy(strategy) -> Strategy:
    """Return a strategy instance from an instance or a :class:`Strategy` subclass."""
    if isinstance(strategy, type):
        if not issubclass(strategy, Strategy):
            raise TypeError(f"expected a seedwalk.strategy.Strategy subclass or instance "
                            f"(got the class {strategy.__qualname__!r})")
        return strategy()
    if not isinstance(strategy, Strategy):
        raise TypeError(f"expected a seedwalk.strategy.Strategy subclass or instance "
                        f"(got {strategy!r} that is a {type(strategy).__name__})")
    return strategy


def compute_signals(strategy: Strategy, data: OHLCV, params: Mapping[str, Any],
                    start: int = 0, stop: int | None = None) -> Signals:
    """Return the strategy's signals for bars ``[start, stop)`` of ``data``.

    The arrays are read-only views, so a strategy that writes into its inputs
    raises here. Each call gets its own copy of ``params``.
    """
    window = slice(start, len(data) if stop is None else stop)
    return strategy.signals(data.open[window], data.high[window], data.low[window],
                            data.close[window], data.volume[window], dict(params))


def signal_array(signals: Signals, field: str, length: int) -> np.ndarray:
    """Return one signal array as bool, with a missing short array read as all False."""
    values = getattr(signals, field, None)
    return np.zeros(length, dtype=np.bool_) if values is None else np.asarray(values, np.bool_)


def wrong_lengths(signals: Signals, expected: int) -> list[str]:
    """Return a description of every signal array whose length is not ``expected``."""
    problems = []
    for field in SIGNAL_FIELDS:
        values = getattr(signals, field, None)
        if values is not None and np.shape(values) != (expected,):
            problems.append(f"{field} has shape {np.shape(values)!r}")
    return problems


def signal_bars(signals: Signals) -> np.ndarray:
    """Return the positions of the bars where any signal array is True."""
    n = len(signals.entries)
    active = np.zeros(n, dtype=np.bool_)
    for field in SIGNAL_FIELDS:
        active |= signal_array(signals, field, n)
    return np.flatnonzero(active)


@attrs.frozen
class Difference:
    """The first bar where two runs of signals disagree.

    Attributes:
        offset: position of the bar, counted from the start of the compared span.
        field: the signal array, such as ``"entries"``.
        value: the signal of the run being checked.
        expected: the signal of the reference run.
    """

    offset: int
    field: str
    value: bool
    expected: bool


def first_difference(signals: Signals, signals_start: int, reference: Signals,
                     reference_start: int, length: int) -> Difference | None:
    """Compare ``length`` bars of two runs, from the given start of each.

    Returns:
        The earliest difference over all signal arrays, or None when the spans
        are equal.
    """
    earliest = None
    for field in SIGNAL_FIELDS:
        actual = signal_array(signals, field, len(signals.entries))
        actual = actual[signals_start:signals_start + length]
        expected = signal_array(reference, field, len(reference.entries))
        expected = expected[reference_start:reference_start + length]
        hits = np.flatnonzero(actual != expected)
        if hits.size and (earliest is None or hits[0] < earliest.offset):
            bar = int(hits[0])
            earliest = Difference(bar, field, bool(actual[bar]), bool(expected[bar]))
    return earliest


def sides_before_bars(signals: Signals, direction: str) -> np.ndarray:
    """Return the position each bar starts with under the engine's signal rules.

    The value at bar t is 1 (long), -1 (short) or 0 (flat): the position left by
    the signals of bars before t, resolved as the backtest engine resolves them
    (same-bar entry and exit cancel, an opposite entry reverses). Stops and cash
    are ignored, because they belong to the run's options, not to the strategy.
    """
    n = len(signals.entries)
    allow_long = direction in ("long", "both")
    allow_short = direction in ("short", "both")
    entries, exits, short_entries, short_exits = (
        signal_array(signals, field, n).tolist() for field in SIGNAL_FIELDS)
    sides = np.zeros(n, dtype=np.int8)
    side = 0
    for bar in range(n):
        sides[bar] = side
        close_now, new_side = _resolve_signal(
            side, allow_long and entries[bar], allow_long and exits[bar],
            allow_short and short_entries[bar], allow_short and short_exits[bar])
        if new_side != 0:
            side = new_side
        elif close_now:
            side = 0
    return sides


def bar_time(data: OHLCV, bar: int) -> str:
    """Return bar ``bar``'s open time as ``YYYY-MM-DD HH:MM UTC``."""
    stamp = pd.Timestamp(int(data.times[bar]), unit="ns", tz="UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
