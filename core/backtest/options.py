"""Backtest options: a frozen, validated value that the engine reads as scalars."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import attrs

from seedwalk._names import suggest
from seedwalk.backtest import _engine_nb as nb
from seedwalk.errors import ConfigError

DIRECTIONS = {"long": nb.DIRECTION_LONG, "short": nb.DIRECTION_SHORT, "both": nb.DIRECTION_BOTH}
FILLS = {"next_open": nb.FILL_NEXT_OPEN, "close": nb.FILL_CLOSE}
SIZE_TYPES = {"fraction": nb.SIZE_FRACTION, "units": nb.SIZE_UNITS, "value": nb.SIZE_VALUE}


def _to_float(value):
    # Converts numbers only, so that the validator can name the type of anything else.
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _to_optional_float(value):
    return None if value is None else _to_float(value)


def _choice(allowed: Mapping[str, int]):
    def check(instance, attribute, value):
        if value not in allowed:
            raise ConfigError(
                f"{attribute.name} must be one of {', '.join(map(repr, allowed))} "
                f"(got {value!r}). {suggest(str(value), allowed)}"
            )

    return check


def _number(low: float, high: float = math.inf, *, low_open: bool = False,
            high_open: bool = True, optional: bool = False):
    """Return a validator for a finite float in a range, with the range in its message."""
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    interval = f"{left}{low:g}, {high:g}{right}"

    def check(instance, attribute, value):
        if value is None and optional:
            return
        if not isinstance(value, float):
            none_hint = " or None to turn it off" if optional else ""
            raise ConfigError(
                f"{attribute.name} must be a number{none_hint} "
                f"(got {value!r} that is a {type(value).__name__})"
            )
        below = value <= low if low_open else value < low
        above = value >= high if high_open else value > high
        if not math.isfinite(value) or below or above:
            raise ConfigError(f"{attribute.name} must be in {interval} (got {value!r})")

    return check


@attrs.frozen
class BacktestOptions:
    """Execution options of a backtest. The rules are in docs/backtest-semantics.md.

    Attributes:
        direction: which positions open: ``"long"``, ``"short"`` or ``"both"``.
        fee: proportional fee, a fraction of the traded notional charged on every
            fill (0.001 is 0.1 %).
        fixed_fee: fee per order in the quote currency, charged on every fill.
        slippage: adverse price move on market fills (signals, stops, window end),
            a fraction of the price. Take-profit fills are limit orders without it.
        stop_loss: stop distance below a long's (above a short's) entry price, as a
            fraction of the entry price, in (0, 1); None turns it off.
        take_profit: take-profit distance as a fraction of the entry price, > 0;
            None turns it off.
        trailing_stop: stop distance from the best price seen since entry, as a
            fraction of that price, in (0, 1); None turns it off.
        fill: ``"next_open"`` fills a signal of bar t at bar t+1's open. ``"close"``
            fills it at bar t's close, which is optimistic because the signal was
            computed from that same close.
        size: position size, read according to ``size_type``.
        size_type: ``"fraction"`` of equity (fees included), ``"units"`` of the
            asset, or ``"value"``, a notional in the quote currency.
        init_cash: starting cash in the quote currency.
    """

    direction: str = attrs.field(default="long", validator=_choice(DIRECTIONS))
    fee: float = attrs.field(default=0.0, converter=_to_float, validator=_number(0.0, 1.0))
    fixed_fee: float = attrs.field(default=0.0, converter=_to_float, validator=_number(0.0))
    slippage: float = attrs.field(default=0.0, converter=_to_float, validator=_number(0.0, 1.0))
    stop_loss: float | None = attrs.field(
        default=None, converter=_to_optional_float,
        validator=_number(0.0, 1.0, low_open=True, optional=True))
    take_profit: float | None = attrs.field(
        default=None, converter=_to_optional_float,
        validator=_number(0.0, low_open=True, optional=True))
    trailing_stop: float | None = attrs.field(
        default=None, converter=_to_optional_float,
        validator=_number(0.0, 1.0, low_open=True, optional=True))
    fill: str = attrs.field(default="next_open", validator=_choice(FILLS))
    size: float = attrs.field(default=1.0, converter=_to_float,
                              validator=_number(0.0, low_open=True))
    size_type: str = attrs.field(default="fraction", validator=_choice(SIZE_TYPES))
    init_cash: float = attrs.field(default=10_000.0, converter=_to_float,
                                   validator=_number(0.0, low_open=True))

    # The kernel's scalar arguments, computed once so that a call to simulate()
    # does no validation or conversion.
    kernel_args: tuple = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self):
        object.__setattr__(self, "kernel_args", (
            DIRECTIONS[self.direction],
            FILLS[self.fill],
            self.size,
            SIZE_TYPES[self.size_type],
            self.fee,
            self.fixed_fee,
            self.slippage,
            self.stop_loss or 0.0,
            self.take_profit or 0.0,
            self.trailing_stop or 0.0,
            self.init_cash,
        ))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Return the option names that ``from_dict`` accepts."""
        return tuple(field.name for field in attrs.fields(cls) if field.init)

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> "BacktestOptions":
        """Build from a mapping such as a config's ``[backtest]`` table.

        Missing keys take their defaults. Raises ConfigError for an unknown key,
        naming the closest known one, or for an invalid value.
        """
        known = cls.field_names()
        for key in options:
            if key not in known:
                raise ConfigError(f"unknown backtest option {key!r}. {suggest(str(key), known)}")
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        """Return the options as a plain dict that ``from_dict`` reads back."""
        return {name: getattr(self, name) for name in self.field_names()}

    def evolve(self, **changes) -> "BacktestOptions":
        """Return a copy with some options changed, validated like a new instance."""
        return self.from_dict({**self.to_dict(), **changes})
