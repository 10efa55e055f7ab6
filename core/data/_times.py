"""Timestamp parsing and formatting for the data loaders.

Every loader turns its time column into int64 nanoseconds since the Unix epoch, UTC.
Text is read as ISO 8601 (naive times count as UTC, offsets are converted), and
integers as epoch seconds, milliseconds, microseconds or nanoseconds. With unit
"auto" the unit of integers is detected from their magnitude. That is unambiguous
for dates from 1973 to 5138, because the four units' ranges are a factor of 1000
apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from seedwalk.errors import DataError

TIMESTAMP_UNITS = ("auto", "s", "ms", "us", "ns")

_NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}

# Magnitude bands of epoch integers for dates from 1973-03 to about 5138: seconds
# below 1e11, milliseconds below 1e14, microseconds below 1e17, then nanoseconds.
_UNIT_BANDS = (("s", 1e8, 1e11), ("ms", 1e11, 1e14), ("us", 1e14, 1e17), ("ns", 1e17, 1e19))

_INT_PATTERN = re.compile(r"^[+-]?\d+$")
_INT64_MAX = np.iinfo(np.int64).max

#: Maps a 0-based position in the data to the word and 1-based number that a user
#: looks up, such as ("line", 57) in a CSV file (header counted) or ("row", 56).
Locate = Callable[[int], tuple[str, int]]


def where(locate: Locate, index: int) -> str:
    """Return the phrase, such as ``"line 57"``, that names position ``index``."""
    word, number = locate(index)
    return f"{word} {number}"


def format_time(ns: int) -> str:
    """Format int64 nanoseconds as ISO 8601 UTC with a ``Z``, for error messages."""
    stamp = pd.Timestamp(int(ns), unit="ns", tz="UTC")
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = int(ns) % 1_000_000_000
    if fraction:
        text += f".{fraction:09d}".rstrip("0")
    return text + "Z"


def format_duration(ns: int) -> str:
    """Format a duration in nanoseconds as days, hours, minutes and seconds (``"1d 4h"``)."""
    seconds, rest_ns = divmod(int(ns), 1_000_000_000)
    parts = []
    for suffix, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{suffix}")
    if rest_ns or not parts:
        parts.append(f"{rest_ns}ns")
    return " ".join(parts)


def _error(source: str, locate: Locate, index: int, column: str, path, value,
           problem: str, fix: str) -> DataError:
    _, number = locate(index)
    return DataError(f"{source}, {where(locate, index)}, column {column!r}: {problem}. {fix}.",
                     path=path, row=number, value=value)


def _unit_of(value: int) -> str | None:
    magnitude = abs(value)
    for unit, low, high in _UNIT_BANDS:
        if low <= magnitude < high:
            return unit
    return None


def epoch_to_ns(values: np.ndarray, unit: str, *, source: str, column: str, locate: Locate,
                path=None) -> np.ndarray:
    """Convert epoch integers (int64 array) in ``unit`` or "auto" to int64 nanoseconds.

    Raises:
        DataError: an ambiguous magnitude, units mixed in one column, or a time that
            int64 nanoseconds cannot hold (after 2262-04-11).
    """
    values = np.asarray(values, dtype=np.int64)
    if unit == "auto":
        unit = _unit_of(int(values[0]))
        if unit is None:
            raise _error(
                source, locate, 0, column, path, int(values[0]),
                f"cannot tell the unit of epoch timestamp {int(values[0])!r} from its size",
                "Pass timestamp_unit='s', 'ms', 'us' or 'ns'",
            )
        low, high = next((lo, hi) for name, lo, hi in _UNIT_BANDS if name == unit)
        magnitude = np.abs(values.astype(np.float64))
        outside = np.flatnonzero((magnitude < low) | (magnitude >= high))
        if outside.size:
            index = int(outside[0])
            other = _unit_of(int(values[index]))
            first = where(locate, 0)
            raise _error(
                source, locate, index, column, path, int(values[index]),
                f"epoch timestamp {int(values[index])!r} is in "
                f"{other or 'an unknown unit'} but {first} is in {unit}",
                "Convert the column to one unit (Binance spot files switched from "
                "milliseconds to microseconds on 2025-01-01), or load the parts as "
                "separate files",
            )
    factor = _NS_PER_UNIT[unit]
    too_large = np.flatnonzero(np.abs(values) > _INT64_MAX // factor)
    if too_large.size:
        index = int(too_large[0])
        raise _error(
            source, locate, index, column, path, int(values[index]),
            f"epoch timestamp {int(values[index])!r} in {unit} is outside the range "
            f"that int64 nanoseconds can hold (1677-09-21 to 2262-04-11)",
            "Check timestamp_unit and the value",
        )
    return values * factor


def _first_index(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _text_to_ns(cells: np.ndarray, unit: str, *, source: str, column: str, locate: Locate,
                path) -> np.ndarray:
    first = str(cells[0]).strip()
    if _INT_PATTERN.match(first):
        stripped = np.array([str(cell).strip() for cell in cells], dtype=object)
        bad = _first_index(np.array([not _INT_PATTERN.match(cell) for cell in stripped]))
        if bad is not None:
            raise _unparseable(source, locate, bad, column, path, cells[bad])
        try:
            integers = stripped.astype(np.int64)
        except OverflowError:
            bad = next(i for i, cell in enumerate(stripped) if abs(int(cell)) > _INT64_MAX)
            raise _error(source, locate, bad, column, path, cells[bad],
                         f"epoch timestamp {cells[bad]!r} is too large",
                         "Check the value") from None
        return epoch_to_ns(integers, unit, source=source, column=column, locate=locate,
                           path=path)

    parsed = pd.to_datetime(pd.Series(cells, dtype=object), format="ISO8601", utc=True,
                            errors="coerce")
    bad = _first_index(parsed.isna().to_numpy())
    if bad is not None:
        raise _unparseable(source, locate, bad, column, path, cells[bad])
    return _datetimes_to_ns(parsed, source=source, column=column, locate=locate, path=path)


def _unparseable(source, locate, index, column, path, value) -> DataError:
    return _error(
        source, locate, index, column, path, value,
        f"cannot parse timestamp {value!r}",
        "Write times as ISO 8601 (for example '2024-01-01T00:00:00Z'; times without "
        "an offset are read as UTC) or as integer epoch seconds, milliseconds, "
        "microseconds or nanoseconds",
    )


def _datetimes_to_ns(series: pd.Series, *, source: str, column: str, locate: Locate,
                     path) -> np.ndarray:
    if series.dt.tz is None:
        series = series.dt.tz_localize("UTC")
    else:
        series = series.dt.tz_convert("UTC")
    try:
        return series.dt.as_unit("ns").to_numpy(dtype=np.int64)
    except pd.errors.OutOfBoundsDatetime:
        # The ns range is 1677-09-21 to 2262-04-11; find the first time outside it.
        low, high = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
        outside = _first_index(((series < low) | (series > high)).to_numpy())
        index = 0 if outside is None else outside
        value = series.iloc[index]
        raise _error(source, locate, index, column, path, str(value),
                     f"timestamp {str(value)!r} is outside the range that int64 "
                     f"nanoseconds can hold (1677-09-21 to 2262-04-11)",
                     "Check the value") from None


def to_ns(values, unit: str, *, source: str, column: str, locate: Locate,
          path=None) -> np.ndarray:
    """Convert a time column of any supported kind to int64 nanoseconds UTC.

    Args:
        values: a pandas Series, Index or NumPy array of datetimes (naive ones
            count as UTC), integers or floats (epoch in ``unit``), or text (ISO 8601
            or epoch integers). Missing cells are None, NaN or NaT.
        unit: one of :data:`TIMESTAMP_UNITS`, used for epoch numbers only.
        source: the file or frame named in error messages.
        column: the time column's name as the data spells it.
        locate: maps a 0-based position to its "line N" or "row N" phrase.
        path: the file, stored on the raised error.

    Raises:
        DataError: naming the position and value of a missing, unparseable or
            out-of-range timestamp.
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    series = series.reset_index(drop=True)
    missing = _first_index(series.isna().to_numpy())
    if missing is not None:
        raise _error(source, locate, missing, column, path, None, "missing timestamp",
                     "Every bar needs an open time; fill it in or remove the row")

    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            series.dtype):
        return _datetimes_to_ns(series, source=source, column=column, locate=locate,
                                path=path)
    if pd.api.types.is_bool_dtype(series.dtype):
        raise _unparseable(source, locate, 0, column, path, bool(series.iloc[0]))
    if pd.api.types.is_integer_dtype(series.dtype):
        return epoch_to_ns(series.to_numpy(dtype=np.int64), unit, source=source,
                           column=column, locate=locate, path=path)
    if pd.api.types.is_float_dtype(series.dtype):
        floats = series.to_numpy(dtype=np.float64)
        fractional = _first_index(floats != np.floor(floats))
        if fractional is not None:
            raise _unparseable(source, locate, fractional, column, path,
                               float(floats[fractional]))
        inexact = _first_index(np.abs(floats) > 2.0**53)
        if inexact is not None:
            raise _error(source, locate, inexact, column, path, float(floats[inexact]),
                         f"epoch timestamp {float(floats[inexact])!r} is stored as a float "
                         f"above 2**53, so its last digits are lost",
                         "Store the time column as integers")
        return epoch_to_ns(floats.astype(np.int64), unit, source=source, column=column,
                           locate=locate, path=path)

    cells = series.to_numpy(dtype=object)
    not_text = _first_index(np.array([not isinstance(cell, str) for cell in cells]))
    if not_text is not None:
        # Objects such as datetime.date (from Parquet date32 columns) parse by text.
        cells = np.array([cell if isinstance(cell, str) else str(cell) for cell in cells],
                         dtype=object)
    return _text_to_ns(cells, unit, source=source, column=column, locate=locate, path=path)
