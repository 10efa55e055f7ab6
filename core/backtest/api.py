"""The pandas API of the engine: :func:`backtest_signals` and :class:`BacktestResult`."""

from __future__ import annotations

import logging
import warnings

import attrs
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
_EXIT_REASON_NAMES = np.array(nb.EXIT_REASONS, dtype=object)


@attrs.frozen(eq=False)
class BacktestResult:
    """Result of :func:`backtest_signals`.

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

    equity: pd.Series = attrs.field(repr=False)
    returns: pd.Series = attrs.field(repr=False)
    trades: pd.DataFrame = attrs.field(repr=False)
    simulation: Simulation = attrs.field(repr=False)
    options: BacktestOptions
    periods_per_year: float

    @property
    def status(self) -> int:
        """The simulation's status code, 0 when it ran to the window's end."""
        return self.simulation.status

    @property
    def message(self) -> str:
        """The status as a sentence."""
        return self.simulation.message

    def stats(self, risk_free: float = 0.0) -> pd.Series:
        """Return the summary metrics of the window, as floats keyed by name.

        ``total_return``, ``max_drawdown`` and ``exposure`` are fractions.
        ``cagr``, ``annualized_return`` and ``annualized_volatility`` are annual
        fractions. ``sharpe`` and ``sortino`` subtract the annual ``risk_free``
        rate. ``n_trades``, ``win_rate`` and ``profit_factor`` describe the trade
        log, and ``total_fees`` and ``final_equity`` are in the quote currency.
        The formulas are in :mod:`seedwalk.metrics`.
        """
        equity = self.equity.to_numpy()
        returns = self.returns.to_numpy()
        pnl = self.simulation.trades["pnl"]
        init_cash = self.options.init_cash
        ppy = self.periods_per_year
        n_bars = len(equity)

        total = metrics.total_return(equity, init_cash)
        growth = metrics.cagr(total, n_bars, ppy)
        drawdown = metrics.max_drawdown(equity, init_cash)
        fees = self.simulation.trades["entry_fee"].sum() + self.simulation.trades["exit_fee"].sum()
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
            "exposure": self.simulation.exposure,
            "total_fees": fees,
            "final_equity": self.simulation.final_equity,
        }
        return pd.Series(values, dtype=np.float64, name="stats")


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
    index, prices, bar_seconds = _bars(data)
    ppy = metrics.periods_per_year(bar_seconds, calendar)
    n = len(index)

    entries = _signal("entries", entries, index)
    exits = _signal("exits", exits, index)
    short_entries = _signal("short_entries", short_entries, index)
    short_exits = _signal("short_exits", short_exits, index)
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

    start_bar = 0 if start is None else _bar_position("start", start, index)
    end_bar = n if end is None else _bar_position("end", end, index)
    simulation = simulate(*prices, signals, start=start_bar, end=end_bar, options=options)
    if not simulation.ok:
        logger.warning("backtest stopped early: %s", simulation.message)

    window = index[start_bar:end_bar]
    # copy=False: pandas 3 copies NumPy input by default, and the result keeps the
    # simulation's arrays anyway.
    equity = pd.Series(simulation.equity[start_bar:end_bar], index=window, name="equity",
                       copy=False)
    returns = pd.Series(simulation.returns(), index=window, name="returns", copy=False)
    return BacktestResult(equity, returns, _trade_frame(simulation.trades, index), simulation,
                          options, ppy)


def _trade_frame(trades: np.ndarray, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Turn the kernel's trade records into the user-facing DataFrame."""
    return pd.DataFrame({
        "entry_time": index[trades["entry_index"]],
        "exit_time": index[trades["exit_index"]],
        "side": np.where(trades["side"] == 1, "long", "short"),
        "size": trades["size"],
        "entry_price": trades["entry_price"],
        "exit_price": trades["exit_price"],
        "entry_fee": trades["entry_fee"],
        "exit_fee": trades["exit_fee"],
        "fees": trades["entry_fee"] + trades["exit_fee"],
        "pnl": trades["pnl"],
        "return": trades["return"],
        "exit_reason": _EXIT_REASON_NAMES[trades["exit_reason"]],
        "entry_index": trades["entry_index"],
        "exit_index": trades["exit_index"],
    })


def _bars(data):
    """Return (index, (open, high, low, close), bar_seconds) from OHLCV or a DataFrame."""
    if isinstance(data, OHLCV):
        if len(data) < 2:
            raise DataError(f"{data.asset or 'the data'} has {len(data)} bars; a backtest needs at least 2")
        return data.index, (data.open, data.high, data.low, data.close), data.bar_seconds
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
    by_lower = {str(column).lower(): column for column in frame.columns}
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
            raise DataError(
                f"column {column!r} at {index[k]} (position {k}) is {values[k]!r}; prices must "
                f"be finite and positive, so drop or repair that bar",
                value=values[k],
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
    return index, tuple(prices), bar_seconds


def _signal(name: str, values, index: pd.DatetimeIndex):
    """Return ``values`` as a bool array of one value per bar, or None for None."""
    if values is None:
        return None
    if isinstance(values, pd.Series):
        if not values.index.equals(index):
            raise ConfigError(
                f"{name} is a Series whose index differs from the data's index; align it "
                f"first, for example {name}.reindex(data_index, fill_value=False)"
            )
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != len(index):
        raise ConfigError(
            f"{name} has shape {array.shape} but the data has {len(index)} bars; "
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


def _bar_position(name: str, value, index: pd.DatetimeIndex) -> int:
    """Return a window bound as a bar position, from a position or a timestamp."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        position = int(value)
        if not 0 <= position <= len(index):
            raise ConfigError(
                f"{name}={position!r} is outside the data's {len(index)} bars; "
                f"use a position from 0 to {len(index)}"
            )
        return position
    try:
        timestamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{name} must be a bar position or a timestamp (got {value!r})"
        ) from None
    if index.tz is not None:
        timestamp = (timestamp.tz_localize(index.tz) if timestamp.tz is None
                     else timestamp.tz_convert(index.tz))
    elif timestamp.tz is not None:
        timestamp = timestamp.tz_convert("UTC").tz_localize(None)
    # Both bounds resolve to the first bar at or after the timestamp, so ``end``
    # excludes the bar that opens at that time, like a Python slice.
    return int(index.searchsorted(timestamp, side="left"))
