"""Validation of OHLCV bars, shared by every file format and by in-memory frames.

Readers hand over the raw columns as they found them, with a function that maps a
position in the data back to the line (or row) a user can open. The checks run in
this order, and the first failure raises a :class:`~seedwalk.errors.DataError`:

1. every timestamp parses;
2. timestamps strictly increase, unless ``on_duplicate="drop"`` removes repeats;
3. every value is a finite number;
4. prices are positive and volume is not negative;
5. high and low enclose open and close;
6. there are at least 2 bars;
7. every step between bars equals the modal step, unless ``on_gap="ignore"``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from seedwalk.data._times import Locate, format_duration, format_time, to_ns, where
from seedwalk.errors import ConfigError, DataError
from seedwalk._names import suggest
from seedwalk.ohlcv import COLUMNS, OHLCV

logger = logging.getLogger("seedwalk.data")

#: Accepted names of the time column, compared without regard to letter case.
TIME_COLUMNS = ("timestamp", "date", "time", "datetime", "open_time")
PRICE_COLUMNS = ("open", "high", "low", "close")
ON_DUPLICATE = ("error", "drop")
ON_GAP = ("error", "ignore")

_EXPECTED_LAYOUT = (
    "a time column named timestamp, date, time, datetime or open_time, and the columns "
    "open, high, low, close and volume (letter case is ignored)"
)


def check_choice(option: str, value, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise ConfigError."""
    if isinstance(value, str) and value in allowed:
        return value
    message = f"invalid {option} {value!r}: expected one of {', '.join(map(repr, allowed))}."
    if isinstance(value, str):
        message += " " + suggest(value, allowed)
    raise ConfigError(message)


def record_locator(word: str = "row") -> Locate:
    """Return a locator that counts records from 1, for data without text lines."""
    return lambda index: (word, int(index) + 1)


@attrs.frozen
class RawBars:
    """One asset's columns as a reader found them, before any check.

    Attributes:
        source: the file or frame named at the start of every error message.
        path: the file, stored on raised errors, or None for in-memory data.
        time_column: the time column's name as the data spells it.
        times: the raw time values (Series or array) in data order.
        columns: raw values of open, high, low, close and volume, keyed by those
            lower-case names; ``spelled`` has the names as the data spells them.
        spelled: the data's own spelling of each of the five column names.
        locate: maps a 0-based position to ("line", number) or ("row", number).
        timestamp_unit: the unit of epoch numbers, or "auto".
    """

    source: str
    path: Path | None
    time_column: str
    times: Any
    columns: Mapping[str, Any]
    spelled: Mapping[str, str]
    locate: Locate
    timestamp_unit: str = "auto"

    def __len__(self) -> int:
        return len(self.times)


@attrs.frozen(eq=False)
class Bars:
    """Validated bars: int64 ns UTC times and float64 columns, plus the bar length."""

    times: np.ndarray
    values: Mapping[str, np.ndarray]
    bar_seconds: int

    def to_ohlcv(self, *, asset: str, source: str, fingerprint: str) -> OHLCV:
        """Wrap the arrays in an :class:`~seedwalk.ohlcv.OHLCV`."""
        return OHLCV(asset=asset, times=self.times, bar_seconds=self.bar_seconds,
                     source=source, fingerprint=fingerprint, **self.values)


def layout_error(source: str, path, found, *, missing=(), repeated=(), hint="",
                 row: int | None = None) -> DataError:
    """Build the error for a table whose columns do not match the expected layout."""
    if not hint and sum(":" in str(name) for name in found) >= len(COLUMNS):
        hint = ("The 'ASSET:column' names suggest a wide file with several assets; split "
                "it into one file per asset.")
    hint = hint or "Rename or remove columns so that each expected name appears once."
    details = []
    if missing:
        details.append(f"missing: {', '.join(missing)}")
    if repeated:
        details.append("given more than once: "
                       + "; ".join(" and ".join(repr(n) for n in names) for names in repeated))
    place = f", line {row}" if row is not None else ""
    message = (f"{source}{place}: unknown column layout. Found columns {list(found)!r}; "
               f"expected {_EXPECTED_LAYOUT}; {', '.join(details)}. {hint}")
    return DataError(message, path=path, row=row, value=list(found))


def match_columns(names, *, source: str, path, allow_no_time: bool = False, hint: str = "",
                  row: int | None = None):
    """Find the time column and the five OHLCV columns among ``names``.

    Returns:
        ``(time_position, {column: position})`` with positions into ``names``;
        ``time_position`` is None when ``allow_no_time`` and no time column exists.

    Raises:
        DataError: a column missing or present twice (for example 'Close' and 'close').
    """
    lowered = [str(name).strip().lower() for name in names]
    positions: dict[str, int] = {}
    missing, repeated = [], []
    for column in COLUMNS:
        hits = [i for i, name in enumerate(lowered) if name == column]
        if not hits:
            missing.append(column)
        elif len(hits) > 1:
            repeated.append([names[i] for i in hits])
        else:
            positions[column] = hits[0]

    time_hits = [i for i, name in enumerate(lowered) if name in TIME_COLUMNS]
    if len(time_hits) > 1:
        repeated.append([names[i] for i in time_hits])
    elif not time_hits and not allow_no_time:
        missing.insert(0, "a time column")

    if missing or repeated:
        raise layout_error(source, path, names, missing=missing, repeated=repeated, hint=hint,
                           row=row)
    return (time_hits[0] if time_hits else None), positions


def raw_from_frame(frame: pd.DataFrame, *, source: str, path=None,
                   locate: Locate | None = None, timestamp_unit: str = "auto") -> RawBars:
    """Pick the time and OHLCV columns of a DataFrame.

    The time comes from a ``DatetimeIndex`` if the frame has one, else from the one
    column named like a time column.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(frame).__name__}; "
                        f"pass a DataFrame with a DatetimeIndex and the columns "
                        f"open, high, low, close and volume", path=path)
    names = [str(name) for name in frame.columns]
    has_index_time = isinstance(frame.index, pd.DatetimeIndex)
    time_position, positions = match_columns(names, source=source, path=path,
                                             allow_no_time=has_index_time)
    if has_index_time:
        time_column = frame.index.name or "index"
        times = pd.Series(frame.index)
    else:
        time_column = names[time_position]
        times = frame.iloc[:, time_position]
    return RawBars(
        source=source, path=path, time_column=str(time_column), times=times,
        columns={column: frame.iloc[:, i] for column, i in positions.items()},
        spelled={column: names[i] for column, i in positions.items()},
        locate=locate or record_locator(), timestamp_unit=timestamp_unit,
    )


def _column_error(raw: RawBars, index: int, column: str, value, problem: str,
                  fix: str) -> DataError:
    _, number = raw.locate(index)
    return DataError(f"{raw.source}, {where(raw.locate, index)}, column "
                     f"{raw.spelled.get(column, column)!r}: {problem}. {fix}.",
                     path=raw.path, row=number, value=value)


def _parse_number(cell) -> float | None:
    """Return the cell as a float (NaN when missing), or None if it is not a number."""
    if cell is None or cell is pd.NA:
        return float("nan")
    if isinstance(cell, (bool, np.bool_)):
        return None
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


def _to_float(raw: RawBars, column: str, rows: np.ndarray) -> np.ndarray:
    series = raw.columns[column]
    values = series.to_numpy() if hasattr(series, "to_numpy") else np.asarray(series)
    values = values[rows]
    if values.dtype.kind in "fiu":
        return values.astype(np.float64)

    out = np.empty(len(values), dtype=np.float64)
    for i, cell in enumerate(values):
        number = _parse_number(cell)
        if number is None:
            raise _column_error(raw, int(rows[i]), column, cell, f"{cell!r} is not a number",
                                "Write prices and volume as plain decimal numbers, such as "
                                "'0.0304' or '1.3e-06'")
        out[i] = number
    return out


def _first_failure(masks: dict[str, np.ndarray]):
    """Return (position, column) of the earliest row that fails, or None."""
    best = None
    for column in COLUMNS:
        mask = masks.get(column)
        if mask is None:
            continue
        hits = np.flatnonzero(mask)
        if hits.size and (best is None or hits[0] < best[0]):
            best = (int(hits[0]), column)
    return best


def _check_order(raw: RawBars, times: np.ndarray, rows: np.ndarray,
                 on_duplicate: str) -> tuple[np.ndarray, np.ndarray]:
    steps = np.diff(times)
    if on_duplicate == "drop":
        repeats = np.flatnonzero(steps == 0) + 1
        if repeats.size:
            keep = np.ones(len(times), dtype=bool)
            keep[repeats] = False
            logger.warning(
                "%s: dropped %s whose timestamp repeats the row before "
                "(on_duplicate='drop' keeps the first); the first one dropped is %s (%s)",
                raw.source, _count(int(repeats.size), "row"), where(raw.locate, int(rows[repeats[0]])),
                format_time(times[repeats[0]]),
            )
            times, rows = times[keep], rows[keep]
            steps = np.diff(times)

    bad = np.flatnonzero(steps <= 0)
    if not bad.size:
        return times, rows
    i = int(bad[0])
    earlier, later = int(rows[i]), int(rows[i + 1])
    word, first_number = raw.locate(earlier)
    _, second_number = raw.locate(later)
    if steps[i] == 0:
        raise DataError(
            f"{raw.source}, {word}s {first_number} and {second_number}, column "
            f"{raw.time_column!r}: duplicated timestamp {format_time(times[i])}. Each bar "
            f"needs its own open time; remove one of the two rows, or set "
            f"on_duplicate='drop' to keep the first row of each timestamp.",
            path=raw.path, row=second_number, value=format_time(times[i]),
        )
    backwards = int(np.count_nonzero(steps < 0))
    hint = ""
    if backwards > len(steps) // 2:
        hint = (f" {backwards} of the {len(steps)} steps go back in time, so the rows look "
                f"sorted newest first; reverse their order.")
    raise DataError(
        f"{raw.source}, {word} {second_number}, column {raw.time_column!r}: timestamp "
        f"{format_time(times[i + 1])} is earlier than {format_time(times[i])} on {word} "
        f"{first_number}, but timestamps must be strictly increasing. Sort the rows "
        f"oldest first.{hint}",
        path=raw.path, row=second_number, value=format_time(times[i + 1]),
    )


def _check_values(raw: RawBars, rows: np.ndarray) -> dict[str, np.ndarray]:
    values = {column: _to_float(raw, column, rows) for column in COLUMNS}

    failure = _first_failure({c: ~np.isfinite(v) for c, v in values.items()})
    if failure:
        i, column = failure
        value = float(values[column][i])
        problem = ("missing value (empty cell or NaN)" if np.isnan(value)
                   else f"infinite value {value!r}")
        raise _column_error(raw, int(rows[i]), column, value, problem,
                            "Every bar needs finite open, high, low, close and volume; "
                            "fill in the value or remove the row")

    failure = _first_failure({c: values[c] <= 0 for c in PRICE_COLUMNS})
    if failure:
        i, column = failure
        value = float(values[column][i])
        raise _column_error(raw, int(rows[i]), column, value,
                            f"price {value!r} is not positive",
                            "Prices must be greater than 0; fix the value or remove the row")

    failure = _first_failure({"volume": values["volume"] < 0})
    if failure:
        i, column = failure
        value = float(values[column][i])
        raise _column_error(raw, int(rows[i]), column, value, f"negative volume {value!r}",
                            "Volume must be 0 or more; fix the value or remove the row")

    top = np.maximum(values["open"], values["close"])
    bottom = np.minimum(values["open"], values["close"])
    failure = _first_failure({"high": values["high"] < top,
                                         "low": values["low"] > bottom})
    if failure:
        i, column = failure
        value = float(values[column][i])
        if column == "high":
            problem = f"high {value!r} is below max(open, close) = {float(top[i])!r}"
        else:
            problem = f"low {value!r} is above min(open, close) = {float(bottom[i])!r}"
        raise _column_error(raw, int(rows[i]), column, value, problem,
                            "Check that row: the columns may be swapped or the value wrong")
    return values


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _check_steps(raw: RawBars, times: np.ndarray, rows: np.ndarray, on_gap: str) -> int:
    """Return the bar length in seconds: the modal step between bar open times."""
    steps = np.diff(times)
    lengths, counts = np.unique(steps, return_counts=True)
    # np.unique sorts, so among equally common steps the shortest wins.
    bar_ns = int(lengths[np.argmax(counts)])
    if bar_ns % 1_000_000_000:
        raise DataError(
            f"{raw.source}: the most common step between bars is {format_duration(bar_ns)}, "
            f"which is not a whole number of seconds. Check the time column "
            f"{raw.time_column!r} and timestamp_unit.",
            path=raw.path, value=bar_ns,
        )

    longer = np.flatnonzero(steps > bar_ns)
    shorter = np.flatnonzero(steps < bar_ns)
    if on_gap == "ignore":
        if longer.size or shorter.size:
            largest = format_duration(int(steps[longer].max())) if longer.size else "none"
            logger.warning(
                "%s: accepted %s (largest %s) and %s shorter than the bar length %s, "
                "because on_gap='ignore'",
                raw.source, _count(int(longer.size), "gap"), largest,
                _count(int(shorter.size), "step"), format_duration(bar_ns),
            )
        return bar_ns // 1_000_000_000

    candidates = [int(x[0]) for x in (longer, shorter) if x.size]
    if not candidates:
        return bar_ns // 1_000_000_000
    i = min(candidates)
    word, first_number = raw.locate(int(rows[i]))
    _, second_number = raw.locate(int(rows[i + 1]))
    start, end = format_time(times[i]), format_time(times[i + 1])
    step, bar = format_duration(int(steps[i])), format_duration(bar_ns)
    if steps[i] > bar_ns:
        problem = (f"gap of {step} from {start} to {end}, longer than the bar length {bar} "
                   f"(the most common step); the data has {_count(int(longer.size), 'gap')} in all")
        fix = "Fill in the missing bars, or set on_gap='ignore' to accept gaps"
    else:
        problem = (f"step of {step} from {start} to {end} is shorter than the bar length "
                   f"{bar} (the most common step), so bars overlap or are misaligned")
        fix = "Fix the timestamps, or set on_gap='ignore' to accept irregular steps"
    raise DataError(f"{raw.source}, {word}s {first_number} and {second_number}, column "
                    f"{raw.time_column!r}: {problem}. {fix}.",
                    path=raw.path, row=second_number, value=end)


def validate_raw(raw: RawBars, *, on_duplicate: str = "error", on_gap: str = "error") -> Bars:
    """Run every check on raw columns and return the validated bars.

    Raises:
        DataError: the first problem found, naming the source, the line or row,
            the column and the value, and saying how to fix it.
        ConfigError: an unknown ``on_duplicate`` or ``on_gap`` value.
    """
    check_choice("on_duplicate", on_duplicate, ON_DUPLICATE)
    check_choice("on_gap", on_gap, ON_GAP)
    if len(raw) == 0:
        raise DataError(f"{raw.source}: no data rows. A data source needs at least 2 bars; "
                        f"check that this is the right file.", path=raw.path)

    times = to_ns(raw.times, raw.timestamp_unit, source=raw.source, column=raw.time_column,
                  locate=raw.locate, path=raw.path)
    rows = np.arange(len(times))
    times, rows = _check_order(raw, times, rows, on_duplicate)
    values = _check_values(raw, rows)
    if len(times) < 2:
        raise DataError(f"{raw.source}: only 1 bar; at least 2 are needed to know the bar "
                        f"length. Load a longer file.", path=raw.path)
    bar_seconds = _check_steps(raw, times, rows, on_gap)
    return Bars(times=times, values=values, bar_seconds=bar_seconds)


def validate_frame(frame: pd.DataFrame, *, source: str = "DataFrame",
                   on_duplicate: str = "error", on_gap: str = "error") -> pd.DataFrame:
    """Validate an OHLCV DataFrame and return a clean copy.

    The frame needs the columns open, high, low, close and volume, in any letter
    case. Its times come from its ``DatetimeIndex``, where naive times count as UTC.
    Without one, they come from the one column named timestamp, date, time,
    datetime or open_time, which may hold datetimes, ISO 8601 text or epoch
    integers. Error messages count rows from 1.

    Args:
        frame: the bars, oldest first.
        source: the name that error messages give the frame.
        on_duplicate: "error" (default), or "drop" to keep the first of repeated
            timestamps and log a warning with the count.
        on_gap: "error" (default), or "ignore" to accept steps longer or shorter
            than the modal step, logging a warning with the count.

    Returns:
        A new DataFrame with float64 columns open, high, low, close and volume and a
        UTC ``DatetimeIndex`` named "time".

    Raises:
        DataError: the first problem found; see the module docstring for the checks.
    """
    bars = validate_raw(raw_from_frame(frame, source=source), on_duplicate=on_duplicate,
                        on_gap=on_gap)
    index = pd.DatetimeIndex(pd.to_datetime(bars.times, unit="ns", utc=True), name="time")
    return pd.DataFrame(dict(bars.values), index=index)
