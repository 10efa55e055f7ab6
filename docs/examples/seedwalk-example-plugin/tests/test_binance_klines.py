"""The binance_klines data source: time units, joined files, and errors."""

import zipfile

import numpy as np
import pytest
from kline_files import kline_rows, write_kline_file

from seedwalk.errors import ConfigError, DataError
from seedwalk.plugins_manager import Registry, build_plugin_manager
from seedwalk_example_plugin import BinanceKlinesSource

SYMBOL = "GALAUSDT"


def source(directory, **options):
    return BinanceKlinesSource.from_config({"directory": str(directory), **options}, directory)


def assert_same_bars(loaded, bars, start=0, stop=None):
    window = slice(start, len(bars) if stop is None else stop)
    np.testing.assert_array_equal(loaded.times, bars.times[window])
    for column in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(loaded, column), getattr(bars, column)[window])


@pytest.mark.parametrize("unit", ["ms", "us"])
def test_reads_either_time_unit(tmp_path, gala, unit):
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024.csv", kline_rows(gala, unit=unit))
    loaded = source(tmp_path).load(SYMBOL)
    assert_same_bars(loaded, gala)
    assert loaded.asset == SYMBOL
    assert loaded.bar_seconds == 14_400


def test_joins_monthly_files_with_mixed_units(tmp_path, gala):
    # Binance's files switched from milliseconds to microseconds in January 2025.
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 186, "ms"))
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-02.csv", kline_rows(gala, 186, 360, "us"))
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-03.csv", kline_rows(gala, 360, 546, "ms"))
    write_kline_file(tmp_path / "BTCUSDT-4h-2024-01.csv", kline_rows(gala, 0, 50, "ms"))
    klines = source(tmp_path)
    assert klines.assets() == ["BTCUSDT", SYMBOL]
    assert_same_bars(klines.load(SYMBOL), gala, 0, 546)


def test_reads_zip_archives(tmp_path, gala):
    csv = write_kline_file(tmp_path / "raw" / f"{SYMBOL}-4h-2024-01.csv",
                           kline_rows(gala, 0, 186))
    with zipfile.ZipFile(tmp_path / f"{SYMBOL}-4h-2024-01.zip", "w") as archive:
        archive.write(csv, csv.name)
    loaded = source(tmp_path, pattern="*.zip").load(SYMBOL)
    assert_same_bars(loaded, gala, 0, 186)


def test_fingerprint_follows_file_bytes(tmp_path, gala):
    path = write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 100))
    first = source(tmp_path).load(SYMBOL).fingerprint
    assert source(tmp_path).load(SYMBOL).fingerprint == first
    rows = kline_rows(gala, 0, 100)
    rows.loc[50, "volume"] += 1.0
    write_kline_file(path, rows)
    assert source(tmp_path).load(SYMBOL).fingerprint != first


def test_overlapping_files_name_the_second(tmp_path, gala):
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 186))
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-02.csv", kline_rows(gala, 180, 360))
    with pytest.raises(DataError, match=r"2024-02\.csv.*not after the end"):
        source(tmp_path).load(SYMBOL)


def test_gap_between_files(tmp_path, gala):
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 186))
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-03.csv", kline_rows(gala, 360, 546))
    with pytest.raises(DataError):
        source(tmp_path).load(SYMBOL)
    loaded = source(tmp_path, on_gap="ignore").load(SYMBOL)
    assert len(loaded) == 186 + 186


def test_header_line_is_rejected(tmp_path, gala):
    path = tmp_path / f"{SYMBOL}-4h-2024-01.csv"
    rows = kline_rows(gala, 0, 10)
    path.write_text(",".join(rows.columns) + "\n" + rows.to_csv(header=False, index=False))
    with pytest.raises(DataError, match=r"line 1.*header"):
        source(tmp_path).load(SYMBOL)


def test_bad_value_names_line_and_column(tmp_path, gala):
    rows = kline_rows(gala, 0, 10).astype({"close": object})
    rows.loc[4, "close"] = "n/a"
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", rows)
    with pytest.raises(DataError, match=r"line 5, column 'close': 'n/a' is not a number"):
        source(tmp_path).load(SYMBOL)


def test_wrong_column_count(tmp_path, gala):
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 10).iloc[:, :6])
    with pytest.raises(DataError, match="has 6 columns"):
        source(tmp_path).load(SYMBOL)


def test_seconds_are_not_a_kline_time(tmp_path, gala):
    rows = kline_rows(gala, 0, 10)
    rows["open_time"] //= 1000
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", rows)
    with pytest.raises(DataError, match="line 1: open time 1704067200 is neither"):
        source(tmp_path).load(SYMBOL)


def test_invalid_prices_use_seedwalk_validation(tmp_path, gala):
    rows = kline_rows(gala, 0, 10)
    rows.loc[3, "high"] = rows.loc[3, "low"] / 2
    write_kline_file(tmp_path / f"{SYMBOL}-4h-2024-01.csv", rows)
    with pytest.raises(DataError, match="2024-01.csv"):
        source(tmp_path).load(SYMBOL)


def test_config_errors(tmp_path, gala):
    write_kline_file(tmp_path / "data" / f"{SYMBOL}-4h-2024-01.csv", kline_rows(gala, 0, 10))
    with pytest.raises(ConfigError, match="needs 'directory'"):
        BinanceKlinesSource.from_config({}, tmp_path)
    with pytest.raises(ConfigError, match=r"unknown option\(s\) \['patern'\]"):
        BinanceKlinesSource.from_config({"directory": "data", "patern": "*.csv"}, tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        BinanceKlinesSource.from_config({"directory": "missing"}, tmp_path)
    with pytest.raises(ConfigError, match="no file"):
        BinanceKlinesSource.from_config({"directory": "data", "pattern": "*.zip"}, tmp_path)
    with pytest.raises(ConfigError, match="on_gap"):
        BinanceKlinesSource.from_config({"directory": "data", "on_gap": "skip"}, tmp_path)
    # A relative directory starts from the config file's folder.
    klines = BinanceKlinesSource.from_config({"directory": "data"}, tmp_path)
    with pytest.raises(ConfigError, match=f"no asset 'GALA-USDT'; known assets: {SYMBOL}"):
        klines.load("GALA-USDT")


def test_registered_through_entry_point():
    registry = Registry.from_manager(build_plugin_manager(autoload=True))
    assert registry.data_sources["binance_klines"] is BinanceKlinesSource
    assert registry.providers[("data source", "binance_klines")] == "example"
