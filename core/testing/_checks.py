"""The interface, parameter space, causality and warm-up checks.

Each ``run_*`` function takes the strategy instance, the bars and the parameter
sets to try, and returns a :class:`CheckResult`. Signals are computed inside the
RNG context by a :class:`ContextRunner`, all calls for one parameter set with one
job key. Exceptions raised by the strategy's own code become problems in the
result, so one bad parameter set cannot hide the others.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from seedwalk.errors import ConfigError
from seedwalk.ohlcv import OHLCV
from seedwalk.space import ParamSpace
from seedwalk.strategy import Signals, Strategy
from seedwalk.testing._context import ContextRunner
from seedwalk.testing._report import FAIL, PASS, SKIP, CheckResult, label_params
from seedwalk.testing._signals import (
    DIRECTIONS,
    bar_time,
    describe_error,
    first_difference,
    sides_before_bars,
    signal_bars,
    wrong_lengths,
)

#: Prefixes per parameter set that the causality check cuts right after a signal.
SIGNAL_CUTS = 24
#: Window starts per parameter set that the warm-up check spreads evenly over the data.
EVEN_WINDOWS = 16
#: Window starts per parameter set that the warm-up check puts on signal bars.
SIGNAL_WINDOWS = 16


# ---------------------------------------------------------------------------
# Interface
# ---------------------------------------------------------------------------


def run_interface(runner: ContextRunner, strategy: Strategy, data: OHLCV,
                  param_sets: Sequence[dict]) -> tuple[CheckResult, list[Signals | None]]:
    """Check the class attributes and that ``signals`` returns one bool per bar.

    Returns:
        The result, and the full-data signals of each parameter set (None where
        the call failed), which the later checks reuse.
    """
    problems = []
    name = getattr(strategy, "name", None)
    if not isinstance(name, str) or not name:
        problems.append(f"the class attribute 'name' must be a non-empty string (got {name!r})")
    space = getattr(strategy, "space", None)
    if not isinstance(space, ParamSpace):
        problems.append(f"the class attribute 'space' must be a seedwalk.space.ParamSpace "
                        f"(got {space!r})")
    direction = getattr(strategy, "direction", None)
    if direction not in DIRECTIONS:
        problems.append(f"the class attribute 'direction' must be one of {DIRECTIONS!r} "
                        f"(got {direction!r})")

    n = len(data)
    full: list[Signals | None] = []
    for i, params in enumerate(param_sets):
        label = label_params(i, params)
        try:
            signals = runner.signals(strategy, data, params, i)
        except Exception as exc:  # the strategy's own failure is the finding
            problems.append(f"{label}: signals() raised {describe_error(exc)}")
            full.append(None)
            continue
        if not isinstance(signals, Signals):
            problems.append(f"{label}: signals() returned a {type(signals).__name__}; return "
                            f"seedwalk.strategy.Signals(entries, exits)")
            full.append(None)
            continue
        shapes = wrong_lengths(signals, n)
        if shapes:
            problems.append(f"{label}: signals() must return one value per bar ({n} bars), "
                            f"but {', '.join(shapes)}")
            full.append(None)
            continue
        if direction == "short" and signals.short_entries is None:
            problems.append(f"{label}: direction is 'short' but signals() returns no "
                            f"short_entries, so the strategy would never trade")
        full.append(signals)

    if problems:
        return CheckResult("interface", FAIL, "the strategy does not follow the Strategy "
                           "interface", problems), full
    return CheckResult("interface", PASS,
                       f"name, space and direction are valid; signals() returns {n} bool "
                       f"values per array for every parameter set"), full


# ---------------------------------------------------------------------------
# Parameter space
# ---------------------------------------------------------------------------


def _as_warmup(value) -> int | None:
    """Return ``value`` as an int if it is a non-negative integer (not a bool)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        number = operator.index(value)
    except TypeError:
        return None
    return number if number >= 0 else None


def _outside(space: ParamSpace, params: dict[str, Any]) -> str:
    """Return why ``params`` is not in ``space``."""
    missing = sorted(set(space.names) - set(params))
    extra = sorted(set(params) - set(space.names))
    if missing or extra:
        return f"missing parameters {missing!r}, unknown parameters {extra!r}"
    for param in space.params:
        if not param.contains(params[param.name]):
            return f"{param.name}={params[param.name]!r} is outside {param.to_dict()!r}"
    broken = [c.describe() for c in space.constraints if not c.holds(params)]
    return f"breaks the constraint(s) {', '.join(broken)}"


def run_parameter_space(strategy: Strategy, param_sets: Sequence[dict],
                        draw_error: str | None = None
                        ) -> tuple[CheckResult, list[int | None]]:
    """Check the space's bounds and constraints, the draws, and ``warmup``.

    Args:
        strategy: the strategy instance.
        param_sets: the parameter sets, drawn from its space or given.
        draw_error: why drawing failed, when it did.

    Returns:
        The result, and each parameter set's warm-up (None where it is invalid).
    """
    space = getattr(strategy, "space", None)
    if not isinstance(space, ParamSpace):
        return (CheckResult("parameter space", FAIL, "the strategy has no ParamSpace",
                            [f"'space' is {space!r}"]), [None] * len(param_sets))
    problems = []
    try:
        ParamSpace(space.params, space.constraints)
        space.sampling_order()
    except ConfigError as exc:
        problems.append(f"the space is invalid: {exc}")
    if draw_error is not None:
        problems.append(f"no parameter set could be drawn: {draw_error}")

    warmups: list[int | None] = []
    for i, params in enumerate(param_sets):
        label = label_params(i, params)
        if not space.contains(params):
            problems.append(f"{label} is not inside the space: {_outside(space, params)}")
        try:
            value = strategy.warmup(dict(params))
        except Exception as exc:  # the strategy's own failure is the finding
            problems.append(f"{label}: warmup() raised {describe_error(exc)}")
            warmups.append(None)
            continue
        warmup = _as_warmup(value)
        if warmup is None:
            problems.append(f"{label}: warmup() must return a non-negative int (got "
                            f"{value!r} that is a {type(value).__name__})")
        warmups.append(warmup)

    valid = [w for w in warmups if w is not None]
    largest = None
    try:
        declared = strategy.max_warmup(space)
    except Exception as exc:  # the strategy's own failure is the finding
        problems.append(f"max_warmup() raised {describe_error(exc)}")
    else:
        largest = _as_warmup(declared)
        if largest is None:
            problems.append(f"max_warmup() must return a non-negative int (got {declared!r})")
    if largest is not None:
        for i, (params, warmup) in enumerate(zip(param_sets, warmups)):
            if warmup is not None and warmup > largest:
                problems.append(
                    f"{label_params(i, params)}: warmup() is {warmup} bars but max_warmup() "
                    f"is only {largest}; the runner gives each fold max_warmup() bars of "
                    f"history, so override max_warmup() to return the largest warm-up")

    if problems:
        return CheckResult("parameter space", FAIL, "the space or the warm-up is invalid",
                           problems), warmups
    span = f"{min(valid)} to {max(valid)}" if valid else "none"
    return CheckResult(
        "parameter space", PASS,
        f"bounds and constraints are valid; {len(param_sets)} parameter set(s) lie inside "
        f"them; warm-up {span} bars, max_warmup() {largest}"), warmups


# ---------------------------------------------------------------------------
# Causality
# ---------------------------------------------------------------------------


def spread(values: Sequence[int], count: int) -> list[int]:
    """Return up to ``count`` of ``values``, evenly spaced through the sequence."""
    if len(values) <= count:
        return list(values)
    picks = np.unique(np.round(np.linspace(0, len(values) - 1, count)).astype(np.int64))
    return [int(values[i]) for i in picks]


def cut_points(n: int, warmup: int, full: Signals) -> list[int]:
    """Return the prefix lengths the causality check tries for ``n`` bars.

    Short prefixes (1 bar, around the warm-up) catch strategies that fail or
    misbehave before their indicators are defined, and the quarters catch
    look-ahead that shifts many signals. A look-ahead of one bar changes only the
    last signal of a prefix, so the check also cuts right after up to
    :data:`SIGNAL_CUTS` bars where the full-data run has a signal.
    """
    candidates = {1, warmup // 2, warmup - 1, warmup, warmup + 1, n // 4, n // 2,
                  (3 * n) // 4, n - 1}
    candidates.update(bar + 1 for bar in spread(signal_bars(full), SIGNAL_CUTS))
    return sorted(k for k in candidates if 1 <= k < n)


def _not_deterministic(runner: ContextRunner, strategy: Strategy, data: OHLCV,
                       params: dict, index: int, full: Signals) -> bool:
    """Return True when a second full-data run differs from the first one."""
    again = runner.signals(strategy, data, params, index)
    return first_difference(again, 0, full, 0, len(data)) is not None


NOT_DETERMINISTIC = ("two runs on the same bars with the same job key give different "
                     "signals, so this check cannot tell what changed them (see "
                     "'reproducibility')")


def run_causality(runner: ContextRunner, strategy: Strategy, data: OHLCV,
                  param_sets: Sequence[dict], full: Sequence[Signals | None],
                  warmups: Sequence[int | None], cuts: Sequence[int] | None = None
                  ) -> CheckResult:
    """Check that the signals on the first k bars equal the first k full-data signals."""
    n = len(data)
    problems = []
    tried = 0
    for i, params in enumerate(param_sets):
        if full[i] is None:
            continue
        label = label_params(i, params)
        points = list(cuts) if cuts is not None else cut_points(n, warmups[i] or 0, full[i])
        for k in points:
            tried += 1
            try:
                prefix = runner.signals(strategy, data, params, i, 0, k)
            except Exception as exc:  # the strategy's own failure is the finding
                problems.append(f"{label}: signals() raised {describe_error(exc)} on the first "
                                f"{k} bars; a strategy must accept any number of bars and "
                                f"give no signal where its indicators are undefined")
                break
            shapes = wrong_lengths(prefix, k)
            if shapes:
                problems.append(f"{label}: on the first {k} bars, {', '.join(shapes)}")
                break
            difference = first_difference(prefix, 0, full[i], 0, k)
            if difference is None:
                continue
            if _not_deterministic(runner, strategy, data, params, i, full[i]):
                problems.append(f"{label}: {NOT_DETERMINISTIC}")
                break
            bar = difference.offset
            problems.append(
                f"{label}: with the first {k} bars, {difference.field}[{bar}] is "
                f"{difference.value}, but {difference.expected} with all {n} bars "
                f"(bar {bar} opens {bar_time(data, bar)}). The signal at bar {bar} "
                f"depends on bars after it (look-ahead)")
            break

    if not tried:
        return CheckResult("causality", SKIP, "no parameter set gave full-data signals "
                           "(see 'interface')")
    if problems:
        return CheckResult("causality", FAIL,
                           f"the signals on a prefix of the bars differ from the full-data "
                           f"signals for {len(problems)} of {len(param_sets)} parameter "
                           f"set(s)", problems)
    return CheckResult("causality", PASS,
                       f"signals on the first k bars equal the first k signals on all {n} "
                       f"bars ({tried} cut points over all parameter sets)")


# ---------------------------------------------------------------------------
# Warm-up
# ---------------------------------------------------------------------------


def window_starts(n: int, warmup: int, full: Signals) -> list[int]:
    """Return the window starts the warm-up check tries.

    :data:`EVEN_WINDOWS` starts are spread evenly over the data, and up to
    :data:`SIGNAL_WINDOWS` more start at bars where the full-data run has a
    signal: a warm-up that is too short changes the first bars of a window most,
    so a window that opens on a signal shows it best. The first possible start
    is ``warmup + 1``, because a window at ``warmup`` with exactly ``warmup`` bars
    of history is the full data itself.
    """
    low, high = warmup + 1, n - 2
    if low > high:
        return []
    starts = {int(round(x)) for x in np.linspace(low, high, EVEN_WINDOWS)}
    bars = [bar for bar in signal_bars(full) if low <= bar <= high]
    starts.update(spread(bars, SIGNAL_WINDOWS))
    return sorted(starts)


def run_warmup(runner: ContextRunner, strategy: Strategy, data: OHLCV,
               param_sets: Sequence[dict], full: Sequence[Signals | None],
               warmups: Sequence[int | None], starts: Sequence[int] | None = None
               ) -> CheckResult:
    """Check that a window with exactly ``warmup(params)`` bars of history gives the
    full-history signals.

    A window that opens while the full-history signals hold a position is compared
    from the first bar where both runs are flat. Strategies that track their own
    position, such as a trailing stop, cannot know about a position opened before
    their history, and the engine starts every window flat anyway. Windows that
    open flat are compared from their first bar.
    """
    n = len(data)
    direction = getattr(strategy, "direction", "long")
    problems = []
    compared = 0
    resynced = 0
    for i, params in enumerate(param_sets):
        warmup = warmups[i]
        if full[i] is None or warmup is None:
            continue
        label = label_params(i, params)
        candidates = list(starts) if starts is not None else window_starts(n, warmup, full[i])
        candidates = [s for s in candidates if warmup <= s < n]
        if not candidates:
            problems.append(f"{label}: a warm-up of {warmup} bars leaves no window inside "
                            f"the {n} bars; check with longer data")
            continue
        full_sides = sides_before_bars(full[i], direction)
        for start in candidates:
            history = start - warmup
            try:
                window = runner.signals(strategy, data, params, i, history)
            except Exception as exc:  # the strategy's own failure is the finding
                problems.append(f"{label}: signals() raised {describe_error(exc)} on bars "
                                f"{history} to {n - 1}")
                break
            shapes = wrong_lengths(window, n - history)
            if shapes:
                problems.append(f"{label}: on bars {history} to {n - 1}, {', '.join(shapes)}")
                break
            skip = 0
            if full_sides[start] != 0:
                window_sides = sides_before_bars(window, direction)
                both_flat = (full_sides[start:] == 0) & (window_sides[warmup:] == 0)
                if not both_flat.any():
                    continue
                skip = int(np.argmax(both_flat))
                resynced += 1
            compared += 1
            difference = first_difference(window, warmup + skip, full[i], start + skip,
                                          n - start - skip)
            if difference is None:
                continue
            if _not_deterministic(runner, strategy, data, params, i, full[i]):
                problems.append(f"{label}: {NOT_DETERMINISTIC}")
                break
            bar = start + skip + difference.offset
            problems.append(
                f"{label}: window from bar {start} ({bar_time(data, start)}) with "
                f"warmup(params) = {warmup} bars of history: {difference.field}[{bar}] is "
                f"{difference.value}, but {difference.expected} with all {start} earlier "
                f"bars (bar {bar} opens {bar_time(data, bar)}). The declared warm-up is "
                f"too short, or the signals depend on how much history they get")
            break

    if problems:
        return CheckResult("warm-up", FAIL,
                           f"more history than warmup(params) changes the signals for "
                           f"{len(problems)} of {len(param_sets)} parameter set(s)", problems)
    if not compared:
        return CheckResult("warm-up", SKIP, "no window could be compared (see 'interface' and "
                           "'parameter space')")
    later = (f"; {resynced} of them open inside a position and were compared from the "
             f"first bar where both runs are flat" if resynced else "")
    return CheckResult("warm-up", PASS,
                       f"{compared} windows with exactly warmup(params) bars of history give "
                       f"the full-history signals{later}")
