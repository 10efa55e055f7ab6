"""Binance kline files written from seedwalk's bundled sample, for the tests."""

from pathlib import Path

import numpy as np
import pandas as pd


def kline_rows(bars, start: int = 0, stop: int | None = None, unit: str = "ms") -> pd.DataFrame:
    """Return bars ``[start, stop)`` as the 12 columns of a Binance kline file.

    ``unit`` is the unit of the two time columns: "ms" or "us".
    """
    window = slice(start, len(bars) if stop is None else stop)
    divisor = {"ms": 1_000_000, "us": 1_000}[unit]
    open_time = bars.times[window] // divisor
    close = bars.close[window]
    volume = bars.volume[window]
    return pd.DataFrame({
        "open_time": open_time,
        "open": bars.open[window],
        "high": bars.high[window],
        "low": bars.low[window],
        "close": close,
        "volume": volume,
        "close_time": open_time + bars.bar_seconds * (1_000_000_000 // divisor) - 1,
        "quote_volume": volume * close,
        "trades": np.arange(len(close)) + 100,
        "taker_buy_volume": volume / 2,
        "taker_buy_quote_volume": volume * close / 2,
        "ignore": 0,
    })


def write_kline_file(path: Path, rows: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, header=False, index=False)
    return path
