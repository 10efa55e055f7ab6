"""Loading and validating OHLCV data.

:func:`read_ohlcv` reads one asset's bars from a CSV (generic with a header, or a
headerless Binance kline file), Parquet, freqtrade JSON or freqtrade Feather file,
checks them, and returns an :class:`~seedwalk.ohlcv.OHLCV` whose fingerprint is the
SHA-256 of the file. Every problem raises a :class:`~seedwalk.errors.DataError`
whose message names the file, the line (header counted) or row, the column and the
value, and suggests a fix. :func:`validate_frame` and :func:`frame_to_ohlcv` apply the
same checks to a DataFrame. :func:`sample_dir` is the folder of the bundled sample:
20 Binance spot USDT pairs in 4-hour bars from 2024 (see ``sample/SOURCES.md``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from seedwalk.data._fingerprint import sha256_arrays, sha256_file
from seedwalk.data._readers import (
    BINANCE_COLUMNS,
    FORMATS,
    asset_from_path,
    check_read_options,
    detect_format,
    read_ohlcv,
)
from seedwalk.data._times import TIMESTAMP_UNITS
from seedwalk.data._validate import (
    ON_DUPLICATE,
    ON_GAP,
    TIME_COLUMNS,
    raw_from_frame,
    validate_frame,
    validate_raw,
)
from seedwalk.errors import DataError
from seedwalk.ohlcv import OHLCV

#: File name pattern of the bundled sample's files: ``<ASSET>_4h.csv.gz``.
SAMPLE_PATTERN = "*_4h.csv.gz"


def sample_dir() -> Path:
    """Return the folder of the bundled sample files.

    The folder is found with :mod:`importlib.resources`, so it works from a source
    tree, an editable install and an installed wheel alike.

    Raises:
        DataError: the package is imported from a zip archive, where the sample has
            no folder on disk; install seedwalk as a regular package.
    """
    folder = resources.files("seedwalk.data") / "sample"
    if not isinstance(folder, Path):
        raise DataError(f"the bundled sample is inside an archive ({folder}), not on disk. "
                        f"Install seedwalk with pip so that its files are unpacked.")
    return folder


def frame_to_ohlcv(frame: pd.DataFrame, *, asset: str, source: str = "",
                   fingerprint: str = "", on_duplicate: str = "error",
                   on_gap: str = "error") -> OHLCV:
    """Validate a DataFrame of bars and return them as an :class:`OHLCV`.

    The frame is checked as by :func:`validate_frame`.

    Args:
        frame: the bars, with a ``DatetimeIndex`` or a time column and the columns
            open, high, low, close and volume.
        asset: the asset's name.
        source: where the bars came from; error messages name it.
        fingerprint: the SHA-256 hex digest of the source file; when empty it is
            :func:`sha256_arrays` of the validated arrays.
        on_duplicate: "error" or "drop", as in :func:`read_ohlcv`.
        on_gap: "error" or "ignore", as in :func:`read_ohlcv`.

    Raises:
        DataError: the first problem found, naming the row (counted from 1), the
            column and the value.
    """
    label = source or f"DataFrame for {asset!r}"
    bars = validate_raw(raw_from_frame(frame, source=label), on_duplicate=on_duplicate,
                        on_gap=on_gap)
    if not fingerprint:
        fingerprint = sha256_arrays(bars.times, *(bars.values[c] for c in
                                                  ("open", "high", "low", "close", "volume")))
    return bars.to_ohlcv(asset=asset, source=source, fingerprint=fingerprint)


__all__ = [
    "BINANCE_COLUMNS",
    "FORMATS",
    "ON_DUPLICATE",
    "ON_GAP",
    "SAMPLE_PATTERN",
    "TIMESTAMP_UNITS",
    "TIME_COLUMNS",
    "asset_from_path",
    "check_read_options",
    "detect_format",
    "frame_to_ohlcv",
    "read_ohlcv",
    "sample_dir",
    "sha256_arrays",
    "sha256_file",
    "validate_frame",
]
