"""Readers for OHLCV files: format detection, asset names, and one reader per format.

Each reader returns the raw columns (:class:`~seedwalk.data._validate.RawBars`)
together with a function that maps a position in the data back to the line of the
file, so that :func:`~seedwalk.data._validate.validate_raw` can name it in errors.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from seedwalk.data._fingerprint import sha256_file
from seedwalk.data._times import TIMESTAMP_UNITS
from seedwalk.data._validate import (
    ON_DUPLICATE,
    ON_GAP,
    RawBars,
    check_choice,
    layout_error,
    match_columns,
    raw_from_frame,
    record_locator,
    validate_raw,
)
from seedwalk.errors import ConfigError, DataError
from seedwalk.ohlcv import COLUMNS, OHLCV

FORMATS = ("auto", "csv", "binance", "parquet", "freqtrade-json", "freqtrade-feather")

#: Suffixes removed from a file name before the asset name is taken from it.
NAME_SUFFIXES = (".gz", ".csv", ".parquet", ".json", ".feather")

#: Column names of a Binance kline file, which has no header line.
BINANCE_COLUMNS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time",
    "quote_asset_volume", "number_of_trades", "taker_buy_base_asset_volume",
    "taker_buy_quote_asset_volume", "ignore",
)

_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_ARROW_MAGIC = b"ARROW1"
_INT_PATTERN = re.compile(r"^\s*[+-]?\d+\s*$")
# freqtrade names files <BASE>_<QUOTE>-<timeframe>, with _<SETTLE> added for futures.
_FREQTRADE_NAME = re.compile(r"^([A-Za-z0-9]+)_([A-Za-z0-9]+)(?:_[A-Za-z0-9]+)?-\d+[A-Za-z]+")
# Lines searched below a non-matching first line for a header (after a banner).
_HEADER_SEARCH_LINES = 10

# pandas 2 parses some decimals 1 ulp off unless asked for round-trip parsing. pandas 3
# deprecates that option in favour of its default parser, which the tests check for
# exact results (they pass with pandas 3.1).
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def _open_text(path: Path):
    # utf-8-sig drops the byte order mark that spreadsheet programs write.
    if _is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def _format_from_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    if lowered.endswith((".feather", ".arrow")):
        return "freqtrade-feather"
    if lowered.endswith(".json"):
        return "freqtrade-json"
    if lowered.endswith((".csv", ".txt")):
        return "csv-or-binance"
    return None


def _format_from_content(path: Path) -> str:
    with open(path, "rb") as handle:
        start = handle.read(8)
    if start.startswith(_PARQUET_MAGIC):
        return "parquet"
    if start.startswith(_ARROW_MAGIC):
        return "freqtrade-feather"
    opener = gzip.open if start.startswith(_GZIP_MAGIC) else open
    with opener(path, "rb") as handle:
        head = handle.read(64).lstrip()
    return "freqtrade-json" if head.startswith(b"[") else "csv-or-binance"


def detect_format(path: str | os.PathLike) -> str:
    """Return the format that ``format="auto"`` picks for a file.

    The extension decides (``.csv``, ``.txt``, ``.parquet``, ``.pq``, ``.json``,
    ``.feather``, ``.arrow``, each optionally followed by ``.gz``); without a known
    extension the first bytes do. A text file is "csv" when its first line is a
    header and "binance" when that line starts with a number.
    """
    path = Path(path)
    kind = _format_from_name(path.name) or _format_from_content(path)
    if kind != "csv-or-binance":
        return kind
    with _open_text(path) as handle:
        first = _first_content_line(handle)
    if first is None:
        return "csv"
    fields = _split(first[0], _sniff_delimiter(first[0]))
    return "binance" if _INT_PATTERN.match(fields[0]) else "csv"


def asset_from_path(path: str | os.PathLike, format: str = "auto") -> str:  # noqa: A002
    """Return the asset name that a file's name gives.

    The name is the file name up to its first ``_``, after removing the suffixes
    ``.gz``, ``.csv``, ``.parquet``, ``.json`` and ``.feather``: ``GALA-USDT_4h.csv.gz``
    gives ``GALA-USDT``. freqtrade files, which are named ``<BASE>_<QUOTE>-<timeframe>``,
    give ``<BASE>-<QUOTE>``: ``BTC_USDT-4h.feather`` gives ``BTC-USDT``.

    Raises:
        ConfigError: a file name that leaves no asset name, such as ``_4h.csv``.
    """
    name = Path(path).name
    stem = name
    stripped = True
    while stripped:
        stripped = False
        for suffix in NAME_SUFFIXES:
            if stem.lower().endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                stripped = True

    kind = format if format != "auto" else _format_from_name(name)
    match = _FREQTRADE_NAME.match(stem)
    if kind in ("freqtrade-json", "freqtrade-feather") and match:
        return f"{match.group(1)}-{match.group(2)}"

    asset = stem.split("_", 1)[0]
    if not asset:
        raise ConfigError(f"cannot take an asset name from the file name {name!r}: it starts "
                          f"with '_'. Rename the file to <ASSET>_<anything>, for example "
                          f"'BTC-USDT_4h.csv', or pass asset=")
    return asset


def _first_content_line(handle) -> tuple[str, int] | None:
    """Return the first non-blank line and its 1-based number, or None."""
    for number, line in enumerate(handle, start=1):
        if line.strip():
            return line.rstrip("\r\n"), number
    return None


def _sniff_delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _split(line: str, delimiter: str) -> list[str]:
    return [field.strip() for field in next(csv.reader([line], delimiter=delimiter))]


class _LineLocator:
    """Maps a data row's 0-based position to its 1-based line in the file.

    pandas skips blank lines, so the data lines are counted by rereading the file,
    which happens only when an error or a warning needs a line number.
    """

    def __init__(self, path: Path, lines_before_data: int):
        self._path = path
        self._lines_before_data = lines_before_data
        self._numbers: list[int] | None = None

    def __call__(self, index: int) -> tuple[str, int]:
        if self._numbers is None:
            with _open_text(self._path) as handle:
                self._numbers = [number for number, line in enumerate(handle, start=1)
                                 if number > self._lines_before_data and line.strip()]
        return "line", self._numbers[index]


def _read_rows(path: Path, source: str, lines_before_data: int, *, delimiter: str,
               width: int, time_position: int) -> pd.DataFrame:
    """Read the data lines below the header with pandas, columns named 0 to width - 1.

    All columns are read, not only the six needed, because pandas drops the extra
    fields of a longer line when ``usecols`` is given, and a longer line usually
    means shifted values (such as a decimal comma).
    """
    with _open_text(path) as handle:
        for _ in range(lines_before_data):
            handle.readline()
        try:
            return pd.read_csv(handle, header=None, sep=delimiter, names=list(range(width)),
                               index_col=False, dtype={time_position: str},
                               skip_blank_lines=True, **_EXACT_FLOATS)
        except pd.errors.ParserError as error:
            # pandas counts lines from where it started reading; shift to file lines.
            message = re.sub(r"line (\d+)",
                             lambda m: f"line {int(m.group(1)) + lines_before_data}",
                             str(error).strip())
            raise DataError(f"{source}: cannot split the file into columns ({message}). "
                            f"Every line needs the same {width} fields as the first one.",
                            path=path) from None


def _header_hint(path: Path, first_line: int, delimiter: str) -> str:
    """Return a hint when a line below ``first_line`` looks like the header."""
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if number <= first_line or not line.strip():
                continue
            if number > first_line + _HEADER_SEARCH_LINES:
                break
            try:
                match_columns(_split(line.rstrip("\r\n"), delimiter), source="", path=None)
            except DataError:
                continue
            above = "line 1" if number == 2 else f"lines 1 to {number - 1}"
            return (f"Line {number} looks like the header, so delete {above} above it "
                    f"(a banner or a comment).")
    return ""


def _read_csv(path: Path, source: str, format: str, unit: str) -> RawBars:  # noqa: A002
    with _open_text(path) as handle:
        first = _first_content_line(handle)
    if first is None:
        raise DataError(f"{source}: the file is empty. A data file needs a header and at "
                        f"least 2 bars; check that this is the right file.", path=path)
    line, number = first
    delimiter = _sniff_delimiter(line)
    fields = _split(line, delimiter)
    headerless = bool(_INT_PATTERN.match(fields[0]))

    if format == "binance" or (format == "auto" and headerless):
        return _read_binance(path, source, fields, number, delimiter, unit, headerless)
    if headerless:
        raise layout_error(source, path, fields, missing=["a header line"], row=number,
                           hint="The first line starts with a number, so it is not a "
                                "header. For a Binance kline file pass format='binance'; "
                                "otherwise add a header line.")
    try:
        time_position, positions = match_columns(fields, source=source, path=path, row=number)
    except DataError:
        hint = _header_hint(path, number, delimiter)
        if not hint:
            raise
        time_position, positions = match_columns(fields, source=source, path=path, row=number,
                                                 hint=hint)

    frame = _read_rows(path, source, number, delimiter=delimiter, width=len(fields),
                       time_position=time_position)
    return RawBars(
        source=source, path=path, time_column=fields[time_position],
        times=frame[time_position],
        columns={column: frame[positions[column]] for column in COLUMNS},
        spelled={column: fields[positions[column]] for column in COLUMNS},
        locate=_LineLocator(path, number), timestamp_unit=unit,
    )


def _read_binance(path: Path, source: str, fields: list[str], number: int, delimiter: str,
                  unit: str, headerless: bool) -> RawBars:
    width = len(BINANCE_COLUMNS)
    if len(fields) != width:
        raise DataError(
            f"{source}, line {number}: a Binance kline file has {width} columns "
            f"({', '.join(BINANCE_COLUMNS)}), but this line has {len(fields)}: {fields!r}. "
            f"For a file with a header naming the columns, pass format='csv'.",
            path=path, row=number, value=fields,
        )
    # Binance futures files from mid-2022 on start with a header line, spot files never.
    lines_before_data = number - 1 if headerless else number
    frame = _read_rows(path, source, lines_before_data, delimiter=delimiter, width=width,
                       time_position=0)
    return RawBars(
        source=source, path=path, time_column="open_time", times=frame[0],
        columns={column: frame[i + 1] for i, column in enumerate(COLUMNS)},
        spelled={column: column for column in COLUMNS},
        locate=_LineLocator(path, lines_before_data), timestamp_unit=unit,
    )


def _read_freqtrade_json(path: Path, source: str, unit: str) -> RawBars:
    try:
        with _open_text(path) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise DataError(f"{source}, line {error.lineno}: invalid JSON ({error.msg} at "
                        f"character {error.pos}). A freqtrade JSON file is a list of "
                        f"[time, open, high, low, close, volume] rows.",
                        path=path, row=error.lineno) from None
    if not isinstance(data, list):
        raise DataError(f"{source}: expected a JSON list of [time, open, high, low, close, "
                        f"volume] rows, got a {type(data).__name__}. Check that this is a "
                        f"freqtrade candle file.", path=path)
    for index, row in enumerate(data):
        if not isinstance(row, list) or len(row) != 6:
            raise DataError(f"{source}, row {index + 1}: expected [time, open, high, low, "
                            f"close, volume], got {row!r}. Fix or remove that row.",
                            path=path, row=index + 1, value=row)

    # pandas infers int64 for plain integers, float64 when a time is null (then
    # validation reports it as missing), and object for anything else.
    times = pd.Series([row[0] for row in data])
    try:
        # Converting whole rows took 0.33 s for 1M rows, against 1.1 s for row[1:] slices.
        values = np.array(data, dtype=np.float64).reshape(len(data), 6)[:, 1:]
    except (TypeError, ValueError, OverflowError):
        # A cell that is not a number: keep the cells so validation can name it.
        values = np.array([row[1:] for row in data], dtype=object).reshape(len(data), 5)
    return RawBars(
        source=source, path=path, time_column="time", times=times,
        columns={column: values[:, i] for i, column in enumerate(COLUMNS)},
        spelled={column: column for column in COLUMNS},
        locate=record_locator("row"), timestamp_unit=unit,
    )


def _read_arrow_table(path: Path, source: str, format: str, unit: str) -> RawBars:  # noqa: A002
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    label = "Parquet" if format == "parquet" else "Feather (Arrow IPC)"
    if _is_gzip(path):
        raise DataError(f"{source}: a gzip-compressed {label} file cannot be read. "
                        f"Decompress it first; {label} compresses its data itself.", path=path)
    try:
        table = pq.read_table(path) if format == "parquet" else feather.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise DataError(f"{source}: cannot read the file as {label} ({error}). Check the "
                        f"file, or pass the right format=.", path=path) from None
    return raw_from_frame(table.to_pandas(), source=source, path=path,
                          locate=record_locator("row"), timestamp_unit=unit)


def read_raw(path: Path, *, format: str = "auto", timestamp_unit: str = "auto") -> RawBars:  # noqa: A002
    """Read a file's columns without validating them."""
    source = str(path)
    kind = format
    if kind == "auto":
        kind = _format_from_name(path.name) or _format_from_content(path)
    try:
        if kind in ("csv-or-binance", "csv"):
            return _read_csv(path, source, "auto" if kind == "csv-or-binance" else "csv",
                             timestamp_unit)
        if kind == "binance":
            return _read_csv(path, source, "binance", timestamp_unit)
        if kind == "freqtrade-json":
            return _read_freqtrade_json(path, source, timestamp_unit)
        return _read_arrow_table(path, source, kind, timestamp_unit)
    except UnicodeDecodeError as error:
        # The error's byte offset counts from the start of a decoded chunk, not of the
        # file, so the message leaves it out.
        raise DataError(f"{source}: not UTF-8 text ({error.reason}). Save a text file as "
                        f"UTF-8; for a Parquet or Feather file pass format='parquet' or "
                        f"format='freqtrade-feather'.", path=path) from None


def check_read_options(*, format: str, on_duplicate: str, on_gap: str,  # noqa: A002
                       timestamp_unit: str) -> None:
    """Raise ConfigError for an unknown format, policy or timestamp unit."""
    check_choice("format", format, FORMATS)
    check_choice("on_duplicate", on_duplicate, ON_DUPLICATE)
    check_choice("on_gap", on_gap, ON_GAP)
    check_choice("timestamp_unit", timestamp_unit, TIMESTAMP_UNITS)


def read_ohlcv(path: str | os.PathLike, *, asset: str | None = None, format: str = "auto",  # noqa: A002
               on_duplicate: str = "error", on_gap: str = "error",
               timestamp_unit: str = "auto") -> OHLCV:
    """Read, validate and fingerprint one asset's OHLCV file.

    Args:
        path: the file. CSV and JSON files may be gzip-compressed.
        asset: the asset name; by default it comes from the file name (see
            :func:`asset_from_path`).
        format: "auto" (from the extension and the first line), "csv" (a header
            naming a time column and open, high, low, close, volume), "binance"
            (headerless 12-column kline CSV), "parquet", "freqtrade-json" (a list of
            [ms, open, high, low, close, volume]) or "freqtrade-feather".
        on_duplicate: "error", or "drop" to keep the first row of a repeated
            timestamp and log a warning with the count.
        on_gap: "error", or "ignore" to accept steps longer (gaps) or shorter than
            the modal step, logging a warning with the count.
        timestamp_unit: unit of integer epoch times: "s", "ms", "us", "ns", or
            "auto" to tell it from their magnitude. Text times are ISO 8601.

    Returns:
        The validated bars; ``fingerprint`` is :func:`sha256_file` of the file and
        ``bar_seconds`` the modal step between bars.

    Raises:
        DataError: a missing or unreadable file, an unknown column layout, or the
            first bad value, naming the file, the line (or row), the column and
            the value.
        ConfigError: an unknown option value.
    """
    check_read_options(format=format, on_duplicate=on_duplicate, on_gap=on_gap,
                       timestamp_unit=timestamp_unit)
    path = Path(path)
    if not path.is_file():
        problem = "is a folder, not a file" if path.is_dir() else "not found"
        raise DataError(f"{str(path)!r}: {problem}. Check the path (relative paths start "
                        f"from {os.getcwd()!r}).", path=path)
    name = asset if asset is not None else asset_from_path(path, format)
    fingerprint = sha256_file(path)
    raw = read_raw(path, format=format, timestamp_unit=timestamp_unit)
    bars = validate_raw(raw, on_duplicate=on_duplicate, on_gap=on_gap)
    return bars.to_ohlcv(asset=name, source=str(path), fingerprint=fingerprint)

