"""Reproducible parameter draws from a :class:`~seedwalk.space.ParamSpace`.

The draws go through :meth:`ParamSpace.suggest`, the same code path the optimizer
uses, so they honour the space's constraints the way a real study does. The
randomness comes from the seed tree: draw ``i`` uses the generator of the node
``SeedTree(seed).child("seedwalk.testing").index(i)``, so a draw does not depend on
how many draws were requested.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seedwalk.errors import ConfigError
from seedwalk.seeding import SeedTree, check_base_seed
from seedwalk.space import ParamSpace

#: Draws per parameter set before giving up on a space whose constraints reject
#: almost everything. A float ``LessThan`` rejects only exact ties, so a feasible
#: space needs one or two attempts.
MAX_ATTEMPTS = 100


class _GeneratorTrial:
    """Stands in for an Optuna trial, drawing uniformly from a NumPy generator."""

    def __init__(self, rng: np.random.Generator):
        self._rng = rng

    def suggest_int(self, name: str, low: int, high: int, step: int = 1) -> int:
        count = max((high - low) // step + 1, 1)
        return int(low + step * int(self._rng.integers(count)))

    def suggest_float(self, name: str, low: float, high: float, step: float | None = None,
                      log: bool = False) -> float:
        if step is not None:
            # The same grid as FloatParam.grid(): low + i * step, up to high.
            count = int(math.floor((high - low) / step + 1e-9)) + 1
            return float(min(low + step * int(self._rng.integers(count)), high))
        if log:
            value = math.exp(self._rng.uniform(math.log(low), math.log(high)))
        else:
            value = float(self._rng.uniform(low, high))
        # exp(log(x)) can land one ulp outside the range.
        return float(min(max(value, low), high))

    def suggest_categorical(self, name: str, choices: list) -> Any:
        return choices[int(self._rng.integers(len(choices)))]


def draw_params(space: ParamSpace, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Draw ``count`` parameter sets from ``space``, the same ones for the same seed.

    Args:
        space: the strategy's parameter space.
        count: how many sets to draw; draws may repeat in a small space.
        seed: an integer from 0 to 2**64 - 1.

    Returns:
        The parameter sets, each in the space's declaration order.

    Raises:
        ConfigError: ``count`` below 1, a bad seed, or a space whose constraints
            rejected :data:`MAX_ATTEMPTS` draws in a row.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"count of parameter sets must be an integer >= 1 (got {count!r})")
    root = SeedTree(check_base_seed(seed)).child("seedwalk.testing")
    draws = []
    for i in range(count):
        node = root.index(i)
        for attempt in range(MAX_ATTEMPTS):
            params = space.suggest(_GeneratorTrial(node.index(attempt).generator()))
            if all(constraint.holds(params) for constraint in space.constraints):
                break
        else:
            described = ", ".join(c.describe() for c in space.constraints)
            raise ConfigError(f"no parameter set that meets the constraints ({described}) in "
                              f"{MAX_ATTEMPTS} draws; widen the ranges so that the "
                              f"constraints leave room")
        draws.append(params)
    return draws


def distinct(param_sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the parameter sets without repeats, in their first order."""
    seen = []
    for params in param_sets:
        if params not in seen:
            seen.append(params)
    return seen
