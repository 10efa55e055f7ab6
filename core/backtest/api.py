"""The pandas API of the engine: :func:`backtest_signals` and :class:`BacktestResult`."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from seedwalk import metrics
from seedwalk.backtest import _engine_nb as nb
from seedwalk.backtest.engine import Simulation, simulate
from seedwalk.backtest.options import BacktestOptions
from seedwalk.errors import ConfigError, DataError, SeedwalkWarning
from seedwalk.ohlcv import OHLCV
from seedwalk.strategy import Signals

logger = logging.getLogger(__name__)

_PRICE_COLUMNS = ("open", "high", "low", "close")

# The trade frame's column labels and the labels of its string columns, built once.
# In pandas 3 every conversion of Python strings to the str dtype goes through
# pyarrow, and that costs more per call than the rest of a small frame.
# NOTE: both take the string dtype that pandas infers at import, so changing
# pandas' ``future.infer_string`` option later does not reach them.
_TRADE_COLUMNS = pd.Index([
    "entry_time", "exit_time", "side", "size", "entry_price", "exit_price", "entry_fee",
    "exit_fee", "fees", "pnl", "return", "exit_reason", "entry_index", "exit_index",
])
_LABELS = pd.Index(np.array(("long", "short", *nb.EXIT_REASONS), dtype=object)).array
_LONG_LABEL = 0
_SHORT_LABEL = 1
_FIRST_REASON_LABEL = 2  # exit reason code k has label position k + 2
# The dtype of OHLCV.index, from the same string that OHLCV.index passes to pandas.
_OHLCV_TIME_DTYPE = pd.api.types.pandas_dtype("datetime64[ns, UTC]")
# pandas-internal constructors that skip the inference the public ones repeat on
# every call (checked against pandas 3.1.1). A pandas version without them gets
# None here, and the public constructors stand in.
_FRAME_FROM_ARRAYS = getattr(pd.DataFrame, "_from_arrays", None)
_DATETIMES_FROM_VALUES = getattr(pd.arrays.DatetimeArray, "_simple_new", None)


class BacktestResult:
    """Result of :func:`backtest_signals`.

    ``equity``, ``returns`` and ``trades`` are built from the simulation's arrays
    on first access and then kept, so a caller that reads only :meth:`stats` or
    the simulation never pays for the pandas objects. A pickle contains all three.

    Attributes:
        equity: equity in the quote currency at every close of the window, indexed
            by the bar open times.
        returns: per-bar simple returns over the window; the first is relative to
            ``options.init_cash``.
        trades: one row per closed trade. ``entry_time`` and ``exit_time`` are the
            open times of the bars where the fills happened. ``side`` is ``"long"``
            or ``"short"`` and ``size`` is in units of the asset. Prices and fees
            are in the quote currency, ``fees`` is entry plus exit fee, ``pnl`` is
            net of fees and ``return`` is pnl over the entry notional.
            ``exit_reason`` is one of ``"signal"``, ``"stop_loss"``,
            ``"take_profit"``, ``"trailing_stop"``, ``"end"`` or ``"liquidation"``.
            ``entry_index`` and ``exit_index`` are the bar positions in the data.
        simulation: the arrays of the underlying :func:`simulate` call.
        options: the options the backtest ran with.
        periods_per_year: the bars per year used to annualize :meth:`stats`.
    """

    # Read-only properties over private slots keep the result immutable to callers.
    # Only the lazy fields are written, once each. Two threads that read one of
    # them first at the same time may both build it, and get equal values.
    __slots__ = ("_equity", "_returns", "_trades", "_simulation", "_options",
                 "_periods_per_year", "_bar_index", "_window_index", "__weakref__")

    def __init__(self, equity: pd.Series, returns: pd.Series, trades: pd.DataFrame,
                 simulation: Simulation, options: BacktestOptions, periods_per_year: float):
        self._equity = equity
        self._returns = returns
        self._trades = trades
        self._simulation = simulation
        self._options = options
        self._periods_per_year = periods_per_year
        self._bar_index = None
        self._window_index = None

    @classmethod
    def _from_simulation(cls, simulation: Simulation, options: BacktestOptions,
                         periods_per_year: float, bar_index: _BarIndex) -> "BacktestResult":
        """Return a result whose pandas objects are built on first access."""
        result = cls(None, None, None, simulation, options, periods_per_year)
        result._bar_index = bar_index
        return result

    @property
    def equity(self) -> pd.Series:
        if self._equity is None:
            simulation = self._simulation
            # copy=False: pandas 3 copies NumPy input by default, and the result
            # keeps the simulation's arrays anyway. The view is read-only, so writing
            # into the Series raises instead of changing the simulation; copy it first.
            values = simulation.equity[simulation.start:simulation.end]
            values.flags.writeable = False
            self._equity = pd.Series(values, index=self._window(), name="equity",
                                     copy=False)
        return self._equity

    @property
    def returns(self) -> pd.Series:
        if self._returns is None:
            values = self._simulation.returns()
            values.flags.writeable = False  # read-only like equity
            self._returns = pd.Series(values, index=self._window(), name="returns",
                                      copy=False)
        return self._returns

    @property
    def trades(self) -> pd.DataFrame:
        if self._trades is None:
            self._trades = _trade_frame(self._simulation.trades, self._bar_index)
        return self._trades

    @property
    def simulation(self) -> Simulation:
        return self._simulation

    @property
    def options(self) -> BacktestOptions:
        return self._options

    @property
    def periods_per_year(self) -> float:
        return self._periods_per_year

    @property
    def status(self) -> int:
        """The simulation's status code, 0 when it ran to the window's end."""
        return self._simulation.status

    @property
    def message(self) -> str:
        """The status as a sentence."""
        return self._simulation.message

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(options={self._options!r}, "
                f"periods_per_year={self._periods_per_year!r})")

    def __getstate__(self) -> dict:
        # A pickle stores the built pandas objects and not the bar index, which may
        # hold the caller's whole OHLCV.
        return {"equity": self.equity, "returns": self.returns, "trades": self.trades,
                "simulation": self._simulation, "options": self._options,
                "periods_per_year": self._periods_per_year}

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for key in ("equity", "returns"):
            series = state.get(key)
            if isinstance(series, pd.Series):
                # Read-only again, as when built, so stats() cannot see edits.
                values = series.to_numpy(dtype=np.float64, copy=True)
                values.flags.writeable = False
                state[key] = pd.Series(values, index=series.index, name=series.name,
                                       copy=False)
        self.__init__(**state)

    def _window(self) -> pd.DatetimeIndex:
        """Return the bar open times of the simulation's window, one object for both Series."""
        if self._window_index is None:
            simulation = self._simulation
            # A slice, even of the whole index, so that renaming the Series' index
            # does not rename the caller's.
            self._window_index = self._bar_index.get()[simulation.start:simulation.end]
        return self._window_index

    def stats(self, risk_free: float = 0.0) -> pd.Series:
        """Return the summary metrics of the window, as floats keyed by name.

        ``total_return``, ``max_drawdown`` and ``exposure`` are fractions.
        ``cagr``, ``annualized_return`` and ``annualized_volatility`` are annual
        fractions. ``sharpe`` and ``sortino`` subtract the annual ``risk_free``
        rate. ``n_trades``, ``win_rate`` and ``profit_factor`` describe the trade
        log, and ``total_fees`` and ``final_equity`` are in the quote currency.
        The formulas are in :mod:`seedwalk.metrics`.
        """
        simulation = self._simulation
        # The arrays behind equity and returns, without building the Series.
        if self._equity is None:
            equity = simulation.equity[simulation.start:simulation.end]
        else:
            equity = self._equity.to_numpy()
        returns = simulation.returns() if self._returns is None else self._returns.to_numpy()
        pnl = simulation.trades["pnl"]
        init_cash = self._options.init_cash
        ppy = self._periods_per_year
        n_bars = len(equity)

        total = metrics.total_return(equity, init_cash)
        growth = metrics.cagr(total, n_bars, ppy)
        drawdown = metrics.max_drawdown(equity, init_cash)
        fees = simulation.trades["entry_fee"].sum() + simulation.trades["exit_fee"].sum()
        values = {
            "total_return": total,
            "cagr": growth,
            "annualized_return": metrics.annualized_return(total, n_bars, ppy),
            "annualized_volatility": metrics.annualized_volatility(returns, ppy),
            "sharpe": metrics.sharpe_ratio(returns, ppy, risk_free),
            "sortino": metrics.sortino_ratio(returns, ppy, risk_free),
            "calmar": metrics.calmar_ratio(growth, drawdown),
            "max_drawdown": drawdown,
            "n_trades": len(pnl),
            "win_rate": metrics.win_rate(pnl),
            "profit_factor": metrics.profit_factor(pnl),
            "exposure": simulation.exposure,
            "total_fees": fees,
            "final_equity": simulation.final_equity,
        }
        return pd.Series(values, dtype=np.float64, name="stats")


class _BarIndex:
    """The data's bar open times as a DatetimeIndex, built from an OHLCV on first use.

    ``OHLCV.index`` copies every timestamp, which is a large share of a short
    backtest. A backtest needs the whole index only for Series signals, timestamp
    bounds and the result's equity and returns.
    """

    __slots__ = ("_data", "_index")

    def __init__(self, data: OHLCV | None = None, index: pd.DatetimeIndex | None = None):
        self._data = data
        self._index = index

    def __len__(self) -> int:
        return len(self._data) if self._index is None else len(self._index)

    def get(self) -> pd.DatetimeIndex:
        if self._index is None:
            self._index = self._data.index
        return self._index

    def take(self, positions: np.ndarray):
        """Return the open times of the bars at ``positions``, as a pandas DatetimeArray."""
        if self._index is not None:
            return self._index.array.take(positions)
        # OHLCV.times are int64 nanoseconds in UTC, so the selected times wrap into
        # the index's dtype without building the whole index.
        values = self._data.times[positions].view("M8[ns]")
        if _DATETIMES_FROM_VALUES is None:
            return pd.array(values, dtype=_OHLCV_TIME_DTYPE)
        return _DATETIMES_FROM_VALUES(values, dtype=_OHLCV_TIME_DTYPE)


def backtest_signals(data, entries, exits, *, short_entries=None, short_exits=None,
                     direction="long", fee=0.0, fixed_fee=0.0, slippage=0.0, stop_loss=None,
                     take_profit=None, trailing_stop=None, fill="next_open", size=1.0,
                     size_type="fraction", init_cash=10_000.0, calendar="crypto",
                     start=None, end=None) -> BacktestResult:
    """Backtest boolean entry and exit signals on one asset's bars.

    The signal of bar t is computed from data up to bar t's close; by default it
    fills at bar t+1's open. The options are those of :class:`BacktestOptions`,
    and docs/backtest-semantics.md gives every rule.

    Args:
        data: an :class:`~seedwalk.ohlcv.OHLCV`, or a DataFrame with a sorted
            DatetimeIndex and open, high, low and close columns (any letter case).
        entries, exits: booleans, one per bar: an array, or a Series on the data's
            index. With ``direction="short"`` they open and close shorts.
        short_entries, short_exits: short signals for ``direction="both"``. When
            one is None, the long signals stand in: ``exits`` open shorts and
            ``entries`` close them, so the strategy is always in the market.
        calendar: ``"crypto"`` or ``"equity"``, to annualize the stats.
        start, end: the trading window, as bar positions or timestamps, ``end``
            exclusive. Bars before ``start`` only feed the signals.

    Raises:
        ConfigError: an invalid option, or signals of the wrong length or index.
        DataError: bad price data in a DataFrame.
    """
    options = BacktestOptions(
        direction=direction, fee=fee, fixed_fee=fixed_fee, slippage=slippage,
        stop_loss=stop_loss, take_profit=take_profit, trailing_stop=trailing_stop,
        fill=fill, size=size, size_type=size_type, init_cash=init_cash,
    )
    bar_index, prices, bar_seconds = _bars(data)
    ppy = metrics.periods_per_year(bar_seconds, calendar)
    n = len(bar_index)

    entries = _signal("entries", entries, bar_index)
    exits = _signal("exits", exits, bar_index)
    short_entries = _signal("short_entries", short_entries, bar_index)
    short_exits = _signal("short_exits", short_exits, bar_index)
    if direction != "both" and (short_entries is not None or short_exits is not None):
        warnings.warn(
            f"short_entries and short_exits are ignored with direction={direction!r}; "
            f"pass direction='both' to use them, or pass short signals as entries and "
            f"exits with direction='short'",
            SeedwalkWarning, stacklevel=2,
        )
    if direction == "both":
        signals = Signals(entries, exits, short_entries=short_entries, short_exits=short_exits)
    else:
        # simulate() trades entries and exits as the short signals when direction
        # is "short" and no short arrays are given.
        signals = Signals(entries, exits)

    start_bar = 0 if start is None else _bar_position("start", start, bar_index)
    end_bar = n if end is None else _bar_position("end", end, bar_index)
    simulation = simulate(*prices, signals, start=start_bar, end=end_bar, options=options)
    if not simulation.ok:
        logger.warning("backtest stopped early: %s", simulation.message)

    return BacktestResult._from_simulation(simulation, options, ppy, bar_index)


def _trade_frame(trades: np.ndarray, bar_index: _BarIndex) -> pd.DataFrame:
    """Turn the kernel's trade records into the user-facing DataFrame."""
    entry_index = trades["entry_index"].copy()
    exit_index = trades["exit_index"].copy()
    entry_fee = trades["entry_fee"].copy()
    exit_fee = trades["exit_fee"].copy()
    side, exit_reason = _trade_labels(trades)
    columns = [
        bar_index.take(entry_index),
        bar_index.take(exit_index),
        side,
        trades["size"].copy(),
        trades["entry_price"].copy(),
        trades["exit_price"].copy(),
        entry_fee,
        exit_fee,
        entry_fee + exit_fee,
        trades["pnl"].copy(),
        trades["return"].copy(),
        exit_reason,
        entry_index,
        exit_index,
    ]
    index = pd.RangeIndex(len(trades))
    if _FRAME_FROM_ARRAYS is None:
        return pd.DataFrame(dict(zip(_TRADE_COLUMNS, columns)), index=index)
    # DataFrame(dict) would convert the column labels to strings again. The copy
    # keeps a caller who renames the frame's columns from renaming the shared labels.
    return _FRAME_FROM_ARRAYS(columns, columns=_TRADE_COLUMNS.copy(), index=index)


def _trade_labels(trades: np.ndarray):
    """Return the ``side`` and ``exit_reason`` columns of the trade frame.

    pandas gives string columns its default string dtype: ``str`` in pandas 3 and
    ``object`` in pandas 2. Taking from the eight labels, converted once, costs far
    less than converting every trade's label. An empty ``exit_reason`` column
    comes from an object array, which pandas 3 keeps as ``object``, so the empty
    case builds NumPy arrays for pandas to convert as before.
    """
    if len(trades) == 0:
        return np.empty(0, dtype="<U5"), np.empty(0, dtype=object)
    codes = np.concatenate((
        np.where(trades["side"] == 1, _LONG_LABEL, _SHORT_LABEL),
        trades["exit_reason"].astype(np.intp) + _FIRST_REASON_LABEL,
    ))
    # One take for both columns, because every pyarrow call has a fixed cost.
    labels = _LABELS.take(codes)
    return labels[:len(trades)], labels[len(trades):]


def _bars(data):
    """Return (bar index, (open, high, low, close), bar_seconds) from OHLCV or a DataFrame.

    The bar index is a :class:`_BarIndex`.
    """
    if isinstance(data, OHLCV):
        if len(data) < 2:
            raise DataError(f"{data.asset or 'the data'} has {len(data)} bars; a backtest needs at least 2")
        return _BarIndex(data=data), (data.open, data.high, data.low, data.close), data.bar_seconds
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(
            f"data must be an OHLCV or a pandas DataFrame (got a {type(data).__name__})"
        )
    return _bars_from_frame(data)


def _bars_from_frame(frame: pd.DataFrame):
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(
            f"the DataFrame's index is a {type(frame.index).__name__}; it must be a "
            f"DatetimeIndex of bar open times, for example frame.set_index('timestamp')"
        )
    if len(frame) < 2:
        raise DataError(f"the DataFrame has {len(frame)} rows; a backtest needs at least 2 bars")
    by_lower = {}
    for column in frame.columns:
        key = str(column).lower()
        if key in _PRICE_COLUMNS and key in by_lower:
            raise DataError(
                f"the DataFrame has both {by_lower[key]!r} and {column!r} columns; "
                f"keep one of them"
            )
        by_lower[key] = column
    missing = [name for name in _PRICE_COLUMNS if name not in by_lower]
    if missing:
        raise DataError(
            f"the DataFrame has no {', '.join(map(repr, missing))} column; found "
            f"{list(map(str, frame.columns))}, need open, high, low and close (any letter case)"
        )

    index = frame.index
    steps = np.diff(index.to_numpy(dtype="datetime64[ns]").astype(np.int64))
    if (steps <= 0).any():
        k = int(np.argmax(steps <= 0))
        raise DataError(
            f"timestamps must be strictly increasing, but {index[k + 1]} follows {index[k]} "
            f"(positions {k} and {k + 1}); sort the frame and drop duplicate timestamps",
            value=index[k + 1],
        )

    prices = []
    for name in _PRICE_COLUMNS:
        column = by_lower[name]
        try:
            values = frame[column].to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise DataError(f"column {column!r} is not numeric: {error}") from None
        bad = ~np.isfinite(values) | (values <= 0.0)
        if bad.any():
            k = int(np.argmax(bad))
            value = float(values[k])
            raise DataError(
                f"column {column!r} at {index[k]} (position {k}) is {value!r}; prices must "
                f"be finite and positive, so drop or repair that bar",
                value=value,
            )
        prices.append(np.ascontiguousarray(values))

    open_, high, low, close = prices
    bad_high = high < np.maximum(open_, close)
    bad_low = low > np.minimum(open_, close)
    for label, bad in (("high is below the open or the close", bad_high),
                       ("low is above the open or the close", bad_low)):
        if bad.any():
            k = int(np.argmax(bad))
            raise DataError(
                f"at {index[k]} (position {k}) the {label}: open={open_[k]!r}, high={high[k]!r}, "
                f"low={low[k]!r}, close={close[k]!r}; repair or drop that bar",
                value=(open_[k], high[k], low[k], close[k]),
            )

    # The most common step is the bar length; a tie goes to the shorter step.
    step_values, counts = np.unique(steps, return_counts=True)
    bar_seconds = int(step_values[np.argmax(counts)]) / 1e9
    return _BarIndex(index=index), tuple(prices), bar_seconds


def _signal(name: str, values, bar_index: _BarIndex):
    """Return ``values`` as a bool array of one value per bar, or None for None."""
    if values is None:
        return None
    if isinstance(values, pd.Series):
        if not values.index.equals(bar_index.get()):
            raise ConfigError(
                f"{name} is a Series whose index differs from the data's index; align it "
                f"first, for example {name}.reindex(data_index, fill_value=False)"
            )
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != len(bar_index):
        raise ConfigError(
            f"{name} has shape {array.shape} but the data has {len(bar_index)} bars; "
            f"pass one boolean per bar"
        )
    if array.dtype == np.bool_:
        return array
    if array.dtype.kind in "iuf" and np.isin(array, (0, 1)).all():
        return array.astype(np.bool_)
    raise ConfigError(
        f"{name} must be booleans (or 0 and 1), got dtype {array.dtype}; convert it, "
        f"for example with {name}.astype(bool) after filling missing values"
    )


def _bar_position(name: str, value, bar_index: _BarIndex) -> int:
    """Return a window bound as a bar position, from a position or a timestamp."""
    n = len(bar_index)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        position = int(value)
        if not 0 <= position <= n:
            raise ConfigError(
                f"{name}={position!r} is outside the data's {n} bars; "
                f"use a position from 0 to {n}"
            )
        return position
    if isinstance(value, (float, np.floating, bool, np.bool_)):
        # pd.Timestamp would read a number as nanoseconds since 1970.
        raise ConfigError(
            f"{name} must be a bar position (an int) or a timestamp (got {value!r}); "
            f"for a position, pass int({name})"
        )
    try:
        timestamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{name} must be a bar position or a timestamp (got {value!r})"
        ) from None
    index = bar_index.get()
    if index.tz is not None:
        timestamp = (timestamp.tz_localize(index.tz) if timestamp.tz is None
                     else timestamp.tz_convert(index.tz))
    elif timestamp.tz is not None:
        timestamp = timestamp.tz_convert("UTC").tz_localize(None)
    # Both bounds resolve to the first bar at or after the timestamp, so ``end``
    # excludes the bar that opens at that time, like a Python slice.
    return int(index.searchsorted(timestamp, side="left"))
