"""The built-in data sources: OHLCV files, the bundled sample, and a synthetic generator.

Each is a :class:`~seedwalk.datasource.DataSource` selected by ``[data] source`` in a
config, and this module registers all three through ``seedwalk_add_data_sources``,
the hook that third-party data sources use too.
"""

from __future__ import annotations

import glob
import hashlib
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seedwalk._names import suggest
from seedwalk.data import (
    SAMPLE_PATTERN,
    asset_from_path,
    check_read_options,
    read_ohlcv,
    sample_dir,
    sha256_arrays,
)
from seedwalk.datasource import DataSource
from seedwalk.errors import ConfigError
from seedwalk.hookspecs import hookimpl
from seedwalk.ohlcv import OHLCV

_GLOB_CHARACTERS = frozenset("*?[")


def _check_keys(source: str, options: Mapping[str, Any], known: tuple[str, ...]) -> None:
    for key in options:
        if key not in known:
            allowed = ", ".join(known) if known else "none"
            raise ConfigError(
                f"unknown option {key!r} for data source {source!r} (allowed: {allowed}). "
                f"{suggest(str(key), known)}"
            )


def _unknown_asset(source: str, asset: str, known: list[str]) -> ConfigError:
    return ConfigError(f"data source {source!r} has no asset {asset!r}. {suggest(asset, known)}")


def _as_str(source: str, key: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"option {key!r} of data source {source!r} must be a non-empty "
                          f"string (got {value!r})")
    return value


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


class FilesSource(DataSource):
    """OHLCV files, one asset per file, named by the file name.

    Config options (the ``[data]`` table with ``source = "files"``):

    - ``paths``: a list of files or glob patterns (a single string is one entry).
    - ``directory`` and ``pattern``: every file in ``directory`` whose name matches
      ``pattern`` (default ``"*.csv*"``). ``paths`` and ``directory`` may be combined.
    - ``format``, ``on_duplicate``, ``on_gap``, ``timestamp_unit``: passed to
      :func:`seedwalk.data.read_ohlcv` for every file.

    Relative paths start from the config file's folder. The asset names come from
    :func:`seedwalk.data.asset_from_path`; two files that give the same name raise
    :class:`~seedwalk.errors.ConfigError`.
    """

    name = "files"
    description = "OHLCV files: CSV, Binance kline CSV, Parquet, freqtrade JSON or Feather"

    OPTIONS = ("paths", "directory", "pattern", "format", "on_duplicate", "on_gap",
               "timestamp_unit")
    DEFAULT_PATTERN = "*.csv*"

    def __init__(self, files: Mapping[str, Path], *, format: str = "auto",  # noqa: A002
                 on_duplicate: str = "error", on_gap: str = "error",
                 timestamp_unit: str = "auto"):
        check_read_options(format=format, on_duplicate=on_duplicate, on_gap=on_gap,
                           timestamp_unit=timestamp_unit)
        self._files = {asset: Path(path) for asset, path in sorted(files.items())}
        self._read_options = {"format": format, "on_duplicate": on_duplicate,
                              "on_gap": on_gap, "timestamp_unit": timestamp_unit}

    @classmethod
    def from_config(cls, options: Mapping[str, Any], base_dir: Path) -> "FilesSource":
        _check_keys(cls.name, options, cls.OPTIONS)
        read_options = {key: options[key] for key in
                        ("format", "on_duplicate", "on_gap", "timestamp_unit") if key in options}
        defaults = {"format": "auto", "on_duplicate": "error", "on_gap": "error",
                    "timestamp_unit": "auto"}
        check_read_options(**{**defaults, **read_options})
        if "pattern" in options and "directory" not in options:
            raise ConfigError(f"option 'pattern' ({options['pattern']!r}) of data source "
                              f"'files' needs 'directory'; for patterns without a folder "
                              f"use 'paths'")
        if "paths" not in options and "directory" not in options:
            raise ConfigError(
                "data source 'files' needs 'paths' (a list of files or glob patterns) or "
                "'directory' (with an optional 'pattern', default '*.csv*')"
            )

        base_dir = Path(base_dir)
        found: list[Path] = []
        if "paths" in options:
            found += _expand_paths(options["paths"], base_dir)
        if "directory" in options:
            pattern = _as_str(cls.name, "pattern", options.get("pattern", cls.DEFAULT_PATTERN))
            found += _expand_directory(options["directory"], pattern, base_dir)

        format_name = read_options.get("format", "auto")
        files: dict[str, Path] = {}
        for path in dict.fromkeys(found):  # the same file twice is one file
            asset = asset_from_path(path, format_name)
            if asset in files:
                raise ConfigError(
                    f"files {str(files[asset])!r} and {str(path)!r} both give the asset name "
                    f"{asset!r} (the file name up to its first '_'). Rename one of them, or "
                    f"narrow 'paths' or 'pattern' so that only one matches."
                )
            files[asset] = path
        return cls(files, **read_options)

    def assets(self) -> list[str]:
        return list(self._files)

    def path(self, asset: str) -> Path:
        """Return the file that contains ``asset``."""
        if asset not in self._files:
            raise _unknown_asset(self.name, asset, list(self._files))
        return self._files[asset]

    def load(self, asset: str) -> OHLCV:
        return read_ohlcv(self.path(asset), asset=asset, **self._read_options)

    def describe(self) -> dict[str, Any]:
        return {"source": self.name, **self._read_options,
                "files": {asset: str(path) for asset, path in self._files.items()}}


def _resolve(text: str, base_dir: Path, *, pattern: bool = False) -> str:
    """Return ``text`` as an absolute path, relative ones starting from ``base_dir``.

    For a glob pattern the folder part taken from ``base_dir`` is escaped, so that
    characters such as ``[`` in a folder name match literally.
    """
    path = os.path.expanduser(text)
    if os.path.isabs(path):
        return os.path.normpath(path)
    base = os.path.abspath(base_dir)
    return os.path.join(glob.escape(base) if pattern else base, os.path.normpath(path))


def _expand_paths(paths, base_dir: Path) -> list[Path]:
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, (list, tuple)) or not paths:
        raise ConfigError(f"option 'paths' of data source 'files' must be a non-empty list "
                          f"of files or glob patterns (got {paths!r})")
    found = []
    for entry in paths:
        text = _as_str("files", "paths", entry)
        is_pattern = bool(_GLOB_CHARACTERS & set(text))
        full = _resolve(text, base_dir, pattern=is_pattern)
        if is_pattern:
            matches = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
            if not matches:
                raise ConfigError(f"no file matches the pattern {text!r} (looked for "
                                  f"{full!r}). Check the pattern and the folder.")
            found += matches
        elif Path(full).is_file():
            found.append(Path(full))
        else:
            problem = "is a folder; use 'directory'" if Path(full).is_dir() else "not found"
            raise ConfigError(f"data file {text!r} ({full!r}): {problem}. Check the path; "
                              f"relative paths start from the config file's folder "
                              f"{str(base_dir)!r}.")
    return found


def _expand_directory(directory, pattern: str, base_dir: Path) -> list[Path]:
    folder = Path(_resolve(_as_str("files", "directory", directory), base_dir))
    if not folder.is_dir():
        raise ConfigError(f"data folder {directory!r} ({str(folder)!r}) not found. Check "
                          f"'directory'; relative paths start from the config file's folder.")
    matches = sorted(p for p in folder.glob(pattern) if p.is_file())
    if not matches:
        raise ConfigError(f"no file in {str(folder)!r} matches the pattern {pattern!r}. "
                          f"Check 'pattern' (default {FilesSource.DEFAULT_PATTERN!r}).")
    return matches


# ---------------------------------------------------------------------------
# Sample
# ---------------------------------------------------------------------------


class SampleSource(DataSource):
    """The bundled sample: 20 Binance spot USDT pairs, 4-hour bars, 2024-01-01 to -09-06.

    It takes no options; choosing assets is the runner's job.
    """

    name = "sample"
    description = "bundled sample: 20 Binance spot USDT pairs, 4h bars, 2024-01 to 2024-09"

    def __init__(self):
        folder = sample_dir()
        self._files = {asset_from_path(p): p for p in sorted(folder.glob(SAMPLE_PATTERN))}

    @classmethod
    def from_config(cls, options: Mapping[str, Any], base_dir: Path) -> "SampleSource":
        _check_keys(cls.name, options, ())
        return cls()

    def assets(self) -> list[str]:
        return list(self._files)

    def load(self, asset: str) -> OHLCV:
        if asset not in self._files:
            raise _unknown_asset(self.name, asset, list(self._files))
        return read_ohlcv(self._files[asset], asset=asset, format="csv")

    def describe(self) -> dict[str, Any]:
        return {"source": self.name, "bar": "4h",
                "origin": "Binance spot candles via freqtrade, imsatoshi/GeneTrader "
                          "commit 2b5dfc6e2077ef65b086376b2b536dad121c36cd (MIT)"}


# ---------------------------------------------------------------------------
# Synthetic
# ---------------------------------------------------------------------------

#: Annualized volatility of the synthetic walk, typical of large crypto assets.
SYNTHETIC_ANNUAL_VOLATILITY = 0.6
#: Price of every synthetic asset before its first bar, in quote currency.
SYNTHETIC_START_PRICE = 100.0
#: Median volume per bar, in base units.
SYNTHETIC_MEDIAN_VOLUME = 1000.0
_SECONDS_PER_YEAR = 365 * 86_400


def synthetic_seed_sequence(seed: int, asset: str) -> np.random.SeedSequence:
    """Return the seed material of one synthetic asset.

    The spawn key is the eight big-endian 32-bit words of SHA-256 of the asset's
    name (UTF-8), so an asset's series does not depend on the other assets.
    """
    digest = hashlib.sha256(asset.encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "big") for i in range(0, 32, 4))
    return np.random.SeedSequence(seed, spawn_key=words)


def synthetic_bars(asset: str, *, bars: int, bar_seconds: int, seed: int,
                   start_ns: int) -> OHLCV:
    """Generate one asset's geometric random walk.

    Row i of a (bars, 4) standard normal draw gives bar i's log return, upper wick,
    lower wick and volume noise, so a shorter series is a prefix of a longer one.
    Open is the previous close, or the start price for the first bar. High and low
    extend max(open, close) and min(open, close) by the wicks, so every bar passes
    validation by construction.

    NOTE: NumPy does not promise that ``Generator`` streams stay the same across its
    releases, so the series, and their fingerprints, may change with a NumPy upgrade.
    """
    rng = np.random.default_rng(synthetic_seed_sequence(seed, asset))
    draws = rng.standard_normal((bars, 4))
    sigma = SYNTHETIC_ANNUAL_VOLATILITY * math.sqrt(bar_seconds / _SECONDS_PER_YEAR)

    # The -sigma**2 / 2 drift makes the expected simple return 0 per bar.
    log_close = math.log(SYNTHETIC_START_PRICE) + np.cumsum(sigma * draws[:, 0] - 0.5 * sigma**2)
    close = np.exp(log_close)
    open_ = np.empty(bars)
    open_[0] = SYNTHETIC_START_PRICE
    open_[1:] = close[:-1]
    high = np.maximum(open_, close) * np.exp(0.5 * sigma * np.abs(draws[:, 1]))
    low = np.minimum(open_, close) * np.exp(-0.5 * sigma * np.abs(draws[:, 2]))
    volume = SYNTHETIC_MEDIAN_VOLUME * np.exp(0.5 * draws[:, 3])
    times = start_ns + np.arange(bars, dtype=np.int64) * (bar_seconds * 1_000_000_000)

    return OHLCV(asset=asset, times=times, open=open_, high=high, low=low, close=close,
                 volume=volume, bar_seconds=bar_seconds,
                 source=f"synthetic(seed={seed}, bars={bars}, bar_seconds={bar_seconds})",
                 fingerprint=sha256_arrays(times, open_, high, low, close, volume))


def _int_at_least(key: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"option {key!r} of data source 'synthetic' must be an integer "
                          f">= {minimum} (got {value!r})")
    return int(value)


class SyntheticSource(DataSource):
    """Deterministic geometric random walks, for tests and demos.

    Config options:

    - ``assets``: a count, giving SYN-000, SYN-001 and so on, or a list of names
      (default 3).
    - ``bars``: bars per asset (default 1000).
    - ``bar_seconds``: bar length in seconds (default 14400, 4 hours).
    - ``seed``: an integer from 0 to 2**64 - 1 (default 0).
    - ``start``: ISO 8601 open time of the first bar, UTC unless it has an offset
      (default "2024-01-01").

    Each asset's series depends only on the seed, its name, ``bars``, ``bar_seconds``
    and ``start``.
    """

    name = "synthetic"
    description = "deterministic geometric random walks for tests and demos"

    OPTIONS = ("assets", "bars", "bar_seconds", "seed", "start")
    MAX_SEED = 2**64 - 1

    def __init__(self, assets: list[str], *, bars: int = 1000, bar_seconds: int = 14_400,
                 seed: int = 0, start: str = "2024-01-01"):
        self._assets = sorted(assets)
        self._bars = bars
        self._bar_seconds = bar_seconds
        self._seed = seed
        self._start = start
        self._start_ns = _parse_start(start)

    @classmethod
    def from_config(cls, options: Mapping[str, Any], base_dir: Path) -> "SyntheticSource":
        _check_keys(cls.name, options, cls.OPTIONS)
        assets = options.get("assets", 3)
        if isinstance(assets, (list, tuple)):
            names = [_as_str(cls.name, "assets", name) for name in assets]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if not names or repeated:
                raise ConfigError(f"option 'assets' of data source 'synthetic' needs distinct "
                                  f"names (got {list(assets)!r}; repeated: {repeated!r})")
        else:
            count = _int_at_least("assets", assets, 1)
            names = [f"SYN-{i:03d}" for i in range(count)]
        seed = _int_at_least("seed", options.get("seed", 0), 0)
        if seed > cls.MAX_SEED:
            raise ConfigError(f"option 'seed' of data source 'synthetic' must be at most "
                              f"2**64 - 1 (got {seed!r})")
        start = _as_str(cls.name, "start", options.get("start", "2024-01-01"))
        bars = _int_at_least("bars", options.get("bars", 1000), 2)
        bar_seconds = _int_at_least("bar_seconds", options.get("bar_seconds", 14_400), 1)
        return cls(names, bars=bars, bar_seconds=bar_seconds, seed=seed, start=start)

    def assets(self) -> list[str]:
        return list(self._assets)

    def load(self, asset: str) -> OHLCV:
        if asset not in self._assets:
            raise _unknown_asset(self.name, asset, self._assets)
        return synthetic_bars(asset, bars=self._bars, bar_seconds=self._bar_seconds,
                              seed=self._seed, start_ns=self._start_ns)

    def describe(self) -> dict[str, Any]:
        return {"source": self.name, "assets": self.assets(), "bars": self._bars,
                "bar_seconds": self._bar_seconds, "seed": self._seed, "start": self._start}


def _parse_start(start: str) -> int:
    try:
        stamp = pd.Timestamp(start)
    except ValueError:
        raise ConfigError(f"option 'start' of data source 'synthetic' is not an ISO 8601 "
                          f"date or time (got {start!r}); write it like '2024-01-01' or "
                          f"'2024-01-01T00:00:00Z'") from None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


@hookimpl
def seedwalk_add_data_sources():
    return [FilesSource, SampleSource, SyntheticSource]


__all__ = ["FilesSource", "SampleSource", "SyntheticSource", "synthetic_bars",
           "synthetic_seed_sequence", "seedwalk_add_data_sources"]
