"""A data source for Binance kline CSV files, as Binance publishes them per month.

Each file has no header and 12 columns: open time, open, high, low, close, volume,
close time, quote asset volume, number of trades, taker buy base asset volume,
taker buy quote asset volume, and an unused field. Open times are integers since
the Unix epoch, UTC. Binance's spot files switched from milliseconds to
microseconds on 2025-01-01 (README of github.com/binance/binance-public-data), so
the unit of each row is detected from its magnitude.

Files are named ``<SYMBOL>-<interval>-<year>-<month>.csv`` (or ``.zip``, which
pandas unpacks). The asset name is the symbol, and all files of one symbol are
joined in file-name order, which is time order for Binance's names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seedwalk.data import frame_to_ohlcv
from seedwalk.datasource import DataSource
from seedwalk.errors import ConfigError, DataError
from seedwalk.ohlcv import OHLCV

COLUMNS = ("open_time", "open", "high", "low", "close", "volume", "close_time",
           "quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume", "ignore")

# Open times from 1973 to 5138 are 1e11 to 1e14 in milliseconds; microseconds of
# the same span are 1e14 to 1e17. The two ranges do not overlap.
MS_RANGE = (10**11, 10**14)
US_RANGE = (10**14, 10**17)


def open_times_ns(values: np.ndarray, path: Path) -> np.ndarray:
    """Return int64 open times in milliseconds or microseconds as nanoseconds.

    Raises:
        DataError: a value in neither range, naming the file and line.
    """
    values = values.astype(np.int64)
    is_ms = (values >= MS_RANGE[0]) & (values < MS_RANGE[1])
    is_us = (values >= US_RANGE[0]) & (values < US_RANGE[1])
    bad = np.flatnonzero(~(is_ms | is_us))
    if bad.size:
        line = int(bad[0]) + 1
        raise DataError(f"{str(path)!r}, line {line}: open time {int(values[bad[0]])!r} is "
                        f"neither milliseconds nor microseconds since 1970; Binance kline "
                        f"files start each line with one of them", path=path, row=line,
                        value=int(values[bad[0]]))
    return np.where(is_ms, values * 1_000_000, values * 1_000)


def read_kline_file(path: Path) -> pd.DataFrame:
    """Read one kline file into a frame of open, high, low, close and volume,
    indexed by UTC open time.

    Raises:
        DataError: a header line, a line without 12 fields, or a field that is not
            a number, naming the file, the line and the value.
    """
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r} is empty; remove it or download it again",
                        path=path) from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{str(path)!r} is not a kline CSV file: {exc}", path=path) from None
    if raw.shape[1] != len(COLUMNS):
        raise DataError(f"{str(path)!r} has {raw.shape[1]} columns; a Binance kline file has "
                        f"{len(COLUMNS)} ({', '.join(COLUMNS)})", path=path)
    raw.columns = COLUMNS
    numbers = {}
    for column in ("open_time", "open", "high", "low", "close", "volume"):
        values = pd.to_numeric(raw[column], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            line = int(bad[0]) + 1
            value = raw[column].iloc[bad[0]]
            hint = (" The file seems to have a header line; Binance kline files have "
                    "none, so remove it." if line == 1 else "")
            raise DataError(f"{str(path)!r}, line {line}, column {column!r}: {value!r} is "
                            f"not a number.{hint}", path=path, row=line, value=value)
        numbers[column] = values.to_numpy()
    times = open_times_ns(numbers.pop("open_time"), path)
    index = pd.DatetimeIndex(pd.to_datetime(times, unit="ns", utc=True), name="open_time")
    return pd.DataFrame({name: values.astype(np.float64) for name, values in numbers.items()},
                        index=index)


class BinanceKlinesSource(DataSource):
    """Binance kline CSV files in one folder, one asset per symbol.

    Config options (the ``[data]`` table with ``source = "binance_klines"``):

    - ``directory`` (required): the folder; relative paths start from the config
      file's folder.
    - ``pattern``: file names to read, default ``"*.csv"``; ``"*.zip"`` reads the
      archives as downloaded.
    - ``on_gap``: ``"error"`` (default) or ``"ignore"``, as in
      :func:`seedwalk.data.read_ohlcv`.
    """

    name = "binance_klines"
    description = "Binance kline CSV files without a header, one symbol per asset (example plugin)"

    OPTIONS = ("directory", "pattern", "on_gap")

    def __init__(self, files: Mapping[str, list[Path]], *, on_gap: str = "error"):
        self._files = {asset: sorted(paths, key=lambda p: p.name)
                       for asset, paths in sorted(files.items())}
        self._on_gap = on_gap

    @classmethod
    def from_config(cls, options: Mapping[str, Any], base_dir: Path) -> "BinanceKlinesSource":
        unknown = sorted(set(options) - set(cls.OPTIONS))
        if unknown:
            raise ConfigError(f"unknown option(s) {unknown!r} for data source {cls.name!r}; "
                              f"allowed: {', '.join(cls.OPTIONS)}")
        if "directory" not in options:
            raise ConfigError(f"data source {cls.name!r} needs 'directory', the folder of "
                              f"the kline files")
        on_gap = options.get("on_gap", "error")
        if on_gap not in ("error", "ignore"):
            raise ConfigError(f"option 'on_gap' of data source {cls.name!r} must be 'error' "
                              f"or 'ignore' (got {on_gap!r})")
        pattern = options.get("pattern", "*.csv")
        folder = Path(base_dir) / Path(options["directory"]).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"data folder {str(folder)!r} not found; check 'directory' "
                              f"(relative paths start from the config file's folder)")
        files: dict[str, list[Path]] = {}
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                files.setdefault(path.name.split("-")[0], []).append(path)
        if not files:
            raise ConfigError(f"no file in {str(folder)!r} matches {pattern!r}; check "
                              f"'pattern' (default '*.csv')")
        return cls(files, on_gap=on_gap)

    def assets(self) -> list[str]:
        return list(self._files)

    def load(self, asset: str) -> OHLCV:
        if asset not in self._files:
            raise ConfigError(f"data source {self.name!r} has no asset {asset!r}; known "
                              f"assets: {', '.join(self._files)}")
        paths = self._files[asset]
        frames = []
        digest = hashlib.sha256()
        for path in paths:
            frame = read_kline_file(path)
            # Validating each file on its own makes an error name the file it is in.
            frame_to_ohlcv(frame, asset=asset, source=str(path), on_gap=self._on_gap)
            if frames and frame.index[0] <= frames[-1].index[-1]:
                previous = paths[len(frames) - 1]
                raise DataError(f"{str(path)!r} starts at {frame.index[0]}, which is not after "
                                f"the end {frames[-1].index[-1]} of {str(previous)!r}; remove "
                                f"the file that repeats these bars", path=path)
            frames.append(frame)
            digest.update(path.read_bytes())
        return frame_to_ohlcv(pd.concat(frames), asset=asset,
                              source=f"{len(paths)} Binance kline file(s) of {asset}",
                              fingerprint=digest.hexdigest(), on_gap=self._on_gap)

    def describe(self) -> dict[str, Any]:
        return {"source": self.name, "on_gap": self._on_gap,
                "files": {asset: [str(p) for p in paths] for asset, paths in self._files.items()}}
