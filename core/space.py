"""Parameter spaces: the ranges a sampler may draw a strategy's parameters from.

A space is an ordered tuple of parameters and a tuple of constraints between them.
The order matters: a constraint ``LessThan("fast", "slow")`` is enforced while
sampling by drawing ``slow`` first and then ``fast`` from a range clipped below it,
so no trial is wasted on an infeasible pair. Spaces are frozen and picklable, so
a job can carry its space to a worker process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Union

import attrs
import numpy as np

from seedwalk._names import suggest
from seedwalk.errors import ConfigError


def _check_name(instance, attribute, value):
    if not isinstance(value, str) or not value.isidentifier():
        raise ConfigError(f"parameter name must be an identifier (got {value!r})")


def _integer(instance, attribute, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"parameter {instance.name!r}: {attribute.name} must be an integer "
                          f"(got {value!r}); this parameter only takes whole numbers")


@attrs.frozen
class IntParam:
    """An integer parameter drawn from ``low`` to ``high`` inclusive, on a grid of ``step``."""

    name: str = attrs.field(validator=_check_name)
    low: int = attrs.field(validator=_integer)
    high: int = attrs.field(validator=_integer)
    step: int = attrs.field(default=1, validator=_integer)

    def __attrs_post_init__(self):
        if self.step < 1:
            raise ConfigError(f"parameter {self.name!r}: step must be >= 1 (got {self.step!r})")
        if self.low > self.high:
            raise ConfigError(
                f"parameter {self.name!r}: low {self.low!r} is above high {self.high!r}; "
                f"swap them or widen the range"
            )

    def contains(self, value) -> bool:
        return (isinstance(value, int) and self.low <= value <= self.high
                and (value - self.low) % self.step == 0)

    def grid(self) -> list[int]:
        return list(range(self.low, self.high + 1, self.step))

    def to_dict(self) -> dict:
        return {"type": "int", "low": self.low, "high": self.high, "step": self.step}


@attrs.frozen
class FloatParam:
    """A float parameter drawn from ``low`` to ``high``, uniform or log-uniform.

    ``step`` puts the values on a grid; it cannot be combined with ``log``.
    """

    name: str = attrs.field(validator=_check_name)
    low: float = attrs.field(converter=float)
    high: float = attrs.field(converter=float)
    step: float | None = None
    log: bool = False

    def __attrs_post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ConfigError(f"parameter {self.name!r}: bounds must be finite "
                              f"(got low={self.low!r}, high={self.high!r})")
        if self.low > self.high:
            raise ConfigError(
                f"parameter {self.name!r}: low {self.low!r} is above high {self.high!r}; "
                f"swap them or widen the range"
            )
        if self.log and self.low <= 0:
            raise ConfigError(f"parameter {self.name!r}: a log-uniform range needs low > 0 "
                              f"(got {self.low!r})")
        if self.log and self.step is not None:
            raise ConfigError(f"parameter {self.name!r}: choose either step or log, not both")
        if self.step is not None and self.step <= 0:
            raise ConfigError(f"parameter {self.name!r}: step must be > 0 (got {self.step!r})")

    def contains(self, value) -> bool:
        return isinstance(value, float) and self.low <= value <= self.high

    def grid(self) -> list[float]:
        if self.step is None:
            raise ConfigError(f"parameter {self.name!r} has no step, so it has no grid; "
                              f"set 'step' to use the grid sampler")
        count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        return [self.low + i * self.step for i in range(count)]

    def to_dict(self) -> dict:
        return {"type": "float", "low": self.low, "high": self.high, "step": self.step,
                "log": self.log}


@attrs.frozen
class CategoricalParam:
    """A parameter drawn from a fixed tuple of choices (str, int, float or bool)."""

    name: str = attrs.field(validator=_check_name)
    choices: tuple = attrs.field(converter=tuple)

    def __attrs_post_init__(self):
        if not self.choices:
            raise ConfigError(f"parameter {self.name!r}: choices must not be empty")

    def contains(self, value) -> bool:
        return value in self.choices

    def grid(self) -> list:
        return list(self.choices)

    def to_dict(self) -> dict:
        return {"type": "categorical", "choices": list(self.choices)}


Param = Union[IntParam, FloatParam, CategoricalParam]


@attrs.frozen
class LessThan:
    """Constraint ``left < right`` between two numeric parameters.

    While sampling, ``right`` is drawn first and ``left``'s upper bound is clipped to
    ``right - 1`` (integers) or ``right`` (floats, then excluded by rejection).
    """

    left: str
    right: str

    def holds(self, params: Mapping[str, Any]) -> bool:
        return params[self.left] < params[self.right]

    def describe(self) -> str:
        return f"{self.left} < {self.right}"


@attrs.frozen
class ParamSpace:
    """An ordered set of parameters with constraints between them."""

    params: tuple = attrs.field(converter=tuple)
    constraints: tuple = attrs.field(default=(), converter=tuple)

    def __attrs_post_init__(self):
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ConfigError(f"parameter names must be unique (got {names!r})")
        for constraint in self.constraints:
            for side in (constraint.left, constraint.right):
                if side not in names:
                    raise ConfigError(
                        f"constraint {constraint.describe()!r} names unknown parameter "
                        f"{side!r}. {suggest(side, names)}"
                    )
            left, right = self[constraint.left], self[constraint.right]
            if isinstance(left, CategoricalParam) or isinstance(right, CategoricalParam):
                raise ConfigError(f"constraint {constraint.describe()!r} needs numeric parameters")
            if not left.low < right.high:
                raise ConfigError(
                    f"constraint {constraint.describe()!r} can never hold: {left.name} starts "
                    f"at {left.low!r} but {right.name} ends at {right.high!r}. Lower "
                    f"{left.name}.low or raise {right.name}.high so that some "
                    f"{left.name} < {right.name} exists"
                )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def __getitem__(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def sampling_order(self) -> list[Param]:
        """Return the parameters so that each constraint's right side comes first."""
        order: list[Param] = []
        pending = list(self.params)
        while pending:
            for param in pending:
                waits_for = [c.right for c in self.constraints
                             if c.left == param.name and c.right not in [p.name for p in order]]
                if not waits_for:
                    order.append(param)
                    pending.remove(param)
                    break
            else:
                cycle = ", ".join(c.describe() for c in self.constraints)
                raise ConfigError(f"constraints form a cycle ({cycle}); remove one of them")
        return order

    def suggest(self, trial) -> dict[str, Any]:
        """Draw one parameter set through an Optuna trial, honouring the constraints.

        Returns the parameters in declaration order.
        """
        values: dict[str, Any] = {}
        for param in self.sampling_order():
            low, high = self._clipped_bounds(param, values)
            if isinstance(param, IntParam):
                values[param.name] = trial.suggest_int(param.name, low, high, step=param.step)
            elif isinstance(param, FloatParam):
                values[param.name] = trial.suggest_float(param.name, low, high,
                                                         step=param.step, log=param.log)
            else:
                values[param.name] = trial.suggest_categorical(param.name, list(param.choices))
        return {name: values[name] for name in self.names}

    def _clipped_bounds(self, param: Param, values: Mapping[str, Any]):
        if isinstance(param, CategoricalParam):
            return None, None
        low, high = param.low, param.high
        for constraint in self.constraints:
            if constraint.left == param.name and constraint.right in values:
                bound = values[constraint.right]
                if isinstance(param, IntParam):
                    # Largest grid value strictly below the right side.
                    top = bound - 1
                    high = min(high, top - (top - param.low) % param.step)
                else:
                    high = min(high, bound)
            if constraint.right == param.name and constraint.left in values:
                bound = values[constraint.left]
                low = max(low, bound + 1 if isinstance(param, IntParam) else bound)
        if low > high:
            # The right side was drawn below every admissible left value; the caller's
            # feasibility check makes this unreachable for spaces that passed validation.
            high = low
        return low, high

    def contains(self, params: Mapping[str, Any]) -> bool:
        """Return whether ``params`` has every parameter inside its range and meets all constraints."""
        if set(params) != set(self.names):
            return False
        return all(self[n].contains(params[n]) for n in self.names) and all(
            c.holds(params) for c in self.constraints)

    def grid(self) -> list[dict[str, Any]]:
        """Return every feasible combination of the parameters' grids, in a fixed order."""
        combos: list[dict[str, Any]] = [{}]
        for param in self.params:
            combos = [dict(c, **{param.name: v}) for c in combos for v in param.grid()]
        return [c for c in combos if all(k.holds(c) for k in self.constraints)]

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> "ParamSpace":
        """Return a copy with some bounds replaced, as a config's ``[space]`` table gives them.

        ``overrides`` maps a parameter name to the fields to change, for example
        ``{"fast": {"low": 5, "high": 30}}``. The result is validated again, so bounds
        that make a constraint impossible raise :class:`~seedwalk.errors.ConfigError`.
        """
        params = list(self.params)
        for name, fields in overrides.items():
            if name not in self.names:
                raise ConfigError(f"the space has no parameter {name!r}. {suggest(name, self.names)}")
            position = self.names.index(name)
            allowed = set(attrs.fields_dict(type(params[position]))) - {"name"}
            unknown = set(fields) - allowed
            if unknown:
                raise ConfigError(
                    f"parameter {name!r}: unknown field(s) {sorted(unknown)!r}; "
                    f"allowed fields are {sorted(allowed)!r}"
                )
            params[position] = attrs.evolve(params[position], **fields)
        return ParamSpace(params, self.constraints)

    def to_dict(self) -> dict:
        return {
            "params": {p.name: p.to_dict() for p in self.params},
            "constraints": [c.describe() for c in self.constraints],
        }
