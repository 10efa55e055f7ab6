"""The strategy interface that built-in and third-party strategies implement.

A strategy turns bars into signals. It declares its parameter space and how many
bars of history its indicators need (the warm-up), and computes entry and exit
signals with a numba kernel. The backtest engine, not the strategy, turns signals
into fills, so every strategy gets the same execution rules.

Signals follow one convention: ``entries[t]`` is True when the strategy, looking at
bars up to and including bar ``t``'s close, wants to open a position. The engine
then fills it at bar ``t + 1``'s open (or at bar ``t``'s close with the optimistic
``fill="close"`` option). A strategy must never read a bar after ``t`` to decide
``entries[t]``; ``seedwalk.testing`` checks that.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import numpy as np

from seedwalk.space import ParamSpace


def _bool_array(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.bool_)


def _optional_bool_array(values):
    return None if values is None else _bool_array(values)


@attrs.frozen(eq=False)
class Signals:
    """Boolean signal arrays, one value per bar.

    ``entries``/``exits`` open and close long positions. ``short_entries`` and
    ``short_exits`` open and close short positions; strategies that only trade
    long leave them as None.
    """

    entries: np.ndarray = attrs.field(converter=_bool_array)
    exits: np.ndarray = attrs.field(converter=_bool_array)
    short_entries: np.ndarray | None = attrs.field(default=None, converter=_optional_bool_array)
    short_exits: np.ndarray | None = attrs.field(default=None, converter=_optional_bool_array)


class Strategy(abc.ABC):
    """Base class for strategies.

    Subclasses set the class attributes and implement :meth:`warmup` and
    :meth:`signals`. Instances must be stateless and picklable: a worker process
    receives the strategy by name and builds its own instance.

    Attributes:
        name: the name users give on the command line (``--strategy NAME``).
        space: the default parameter space; a config may narrow or widen its bounds.
        direction: ``"long"``, ``"short"`` or ``"both"``: which positions the strategy
            opens. The engine ignores short signals of a long-only strategy.
        description: one line shown by ``seedwalk plugins``.
    """

    name: ClassVar[str]
    space: ClassVar[ParamSpace]
    direction: ClassVar[str] = "long"
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def warmup(self, params: Mapping[str, Any]) -> int:
        """Return how many bars before a window's first bar the indicators need.

        With ``warmup(params)`` bars of history, every signal inside the window equals
        the signal computed on the full history.
        """

    def max_warmup(self, space: ParamSpace | None = None) -> int:
        """Return the largest warm-up over ``space`` (the strategy's own by default).

        The default evaluates :meth:`warmup` at the upper bound of every numeric
        parameter, which is right for indicators whose look-back grows with their
        parameters. Override it when that is not so.
        """
        space = space or self.space
        params = {}
        for param in space.params:
            params[param.name] = param.choices[-1] if hasattr(param, "choices") else param.high
        return int(self.warmup(params))

    @abc.abstractmethod
    def signals(self, open: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
                volume: np.ndarray, params: Mapping[str, Any]) -> Signals:
        """Compute the signals for every bar of the given float64 arrays."""

    def backtest_options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return engine options that depend on parameters, such as a stop-loss fraction.

        The run's own options apply first and these override them. The default adds none.
        """
        return {}
