"""The validated OHLCV container that data sources return and jobs carry.

An :class:`OHLCV` contains one asset's bars as read-only float64 arrays plus their UTC
open times. Data sources validate once, when they build it, so the kernels can
assume sorted unique timestamps, finite positive prices and consistent highs and
lows without checking again.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

COLUMNS = ("open", "high", "low", "close", "volume")


def _frozen_float_array(values) -> np.ndarray:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array is values:
        array = array.copy()
    array.setflags(write=False)
    return array


def _frozen_int_array(values) -> np.ndarray:
    array = np.array(values, dtype=np.int64)
    array.setflags(write=False)
    return array


@attrs.frozen(eq=False)
class OHLCV:
    """One asset's bars.

    Attributes:
        asset: the asset's name as the data shows it, for example ``"GALA-USDT"``.
        times: bar open times, int64 nanoseconds since the Unix epoch, UTC, strictly
            increasing.
        open, high, low, close: prices in the quote currency, float64, all > 0.
        volume: traded volume in the base asset, float64, >= 0.
        bar_seconds: the bar length in seconds: the most common step between times.
        source: where the bars came from (a file path or a description).
        fingerprint: SHA-256 hex digest of the source file's bytes, or of the arrays
            for in-memory data; the run manifest records it.
    """

    asset: str
    times: np.ndarray = attrs.field(converter=_frozen_int_array)
    open: np.ndarray = attrs.field(converter=_frozen_float_array)
    high: np.ndarray = attrs.field(converter=_frozen_float_array)
    low: np.ndarray = attrs.field(converter=_frozen_float_array)
    close: np.ndarray = attrs.field(converter=_frozen_float_array)
    volume: np.ndarray = attrs.field(converter=_frozen_float_array)
    bar_seconds: int
    source: str = ""
    fingerprint: str = ""

    def __attrs_post_init__(self):
        n = len(self.times)
        for name in COLUMNS:
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"column {name!r} has {len(getattr(self, name))} values but there are "
                    f"{n} timestamps; every column needs one value per bar"
                )

    def __len__(self) -> int:
        return len(self.times)

    @property
    def index(self) -> pd.DatetimeIndex:
        """Bar open times as a UTC ``DatetimeIndex``."""
        # Built from the int64 nanoseconds as they are, which skips pd.to_datetime's
        # conversion; pandas still copies them.
        return pd.DatetimeIndex(self.times.view("M8[ns]"), dtype="datetime64[ns, UTC]",
                                name="time")

    def slice(self, start: int, stop: int) -> "OHLCV":
        """Return bars ``start`` to ``stop - 1`` (positions, like Python slices)."""
        return attrs.evolve(
            self,
            times=self.times[start:stop],
            open=self.open[start:stop],
            high=self.high[start:stop],
            low=self.low[start:stop],
            close=self.close[start:stop],
            volume=self.volume[start:stop],
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the bars as a DataFrame indexed by UTC open time."""
        return pd.DataFrame({name: getattr(self, name) for name in COLUMNS}, index=self.index)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, asset: str, source: str = "",
                   fingerprint: str = "") -> "OHLCV":
        """Build from a DataFrame with a DatetimeIndex and the five OHLCV columns.

        The frame is validated with :func:`seedwalk.data.validate_frame` first, so
        bad bars raise :class:`~seedwalk.errors.DataError` here as well.
        """
        from seedwalk.data import frame_to_ohlcv

        return frame_to_ohlcv(frame, asset=asset, source=source, fingerprint=fingerprint)
