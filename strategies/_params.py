"""Checks shared by the built-in strategies for their parameters and price arrays.

A config may widen a strategy's space, so these checks do not enforce the space's
bounds. They reject what the kernels cannot compute: missing parameters, windows
below 1, values of the wrong type and broken constraints. The kernels index
arrays without bounds checks, so nothing reaches them unchecked.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from seedwalk.errors import ConfigError, DataError


def _lookup(strategy: str, params: Mapping[str, Any], name: str):
    try:
        return params[name]
    except KeyError:
        raise ConfigError(f"strategy {strategy!r} needs parameter {name!r} "
                          f"(got parameters {sorted(params)!r})") from None


def int_param(strategy: str, params: Mapping[str, Any], name: str, minimum: int = 1) -> int:
    """Return ``params[name]`` as an int >= ``minimum``, accepting integral floats such as 20.0."""
    value = _lookup(strategy, params, name)
    if isinstance(value, (bool, np.bool_)):
        number = None
    elif isinstance(value, (float, np.floating)):
        number = int(value) if math.isfinite(value) and float(value).is_integer() else None
    else:
        try:
            number = operator.index(value)
        except TypeError:
            number = None
    if number is None or number < minimum:
        raise ConfigError(f"strategy {strategy!r}: parameter {name!r} must be an integer "
                          f">= {minimum} (got {value!r})")
    return number


def float_param(strategy: str, params: Mapping[str, Any], name: str, minimum: float = 0.0,
                maximum: float = math.inf) -> float:
    """Return ``params[name]`` as a finite float from ``minimum`` to ``maximum``."""
    value = _lookup(strategy, params, name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if (isinstance(value, (bool, np.bool_)) or not math.isfinite(number)
            or not minimum <= number <= maximum):
        raise ConfigError(f"strategy {strategy!r}: parameter {name!r} must be a number from "
                          f"{minimum!r} to {maximum!r} (got {value!r})")
    return number


def require_less(strategy: str, values: Mapping[str, Any], left: str, right: str) -> None:
    """Raise ConfigError unless ``values[left] < values[right]``."""
    if not values[left] < values[right]:
        raise ConfigError(f"strategy {strategy!r} needs {left} < {right} (got {left}="
                          f"{values[left]!r}, {right}={values[right]!r}). Lower {left} "
                          f"or raise {right}")


def price_arrays(*arrays) -> tuple[np.ndarray, ...]:
    """Return the arrays as 1-D contiguous float64 arrays of one common length.

    Arrays that already qualify, such as the read-only columns of an
    :class:`~seedwalk.ohlcv.OHLCV`, are passed through without a copy. Values are not
    checked for NaN here: the data sources reject non-finite prices when they load.
    """
    converted = tuple(np.ascontiguousarray(array, dtype=np.float64) for array in arrays)
    shapes = [array.shape for array in converted]
    if any(len(shape) != 1 for shape in shapes) or len(set(shapes)) != 1:
        raise DataError(f"price arrays must be one-dimensional with one value per bar "
                        f"(got shapes {shapes!r})")
    return converted
