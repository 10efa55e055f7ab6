"""The array API of the fused sweep kernels: many parameter sets per call.

:func:`sweep_sma_cross` backtests the SMA crossover strategy for every pair of
``fast`` and ``slow`` windows in one numba call, which spreads the sets over
numba's threads with ``prange``. It gives the same equity, trades and returns as the
:class:`~seedwalk.strategies.sma_cross.SmaCross` signals run through
:func:`~seedwalk.backtest.simulate` on the same arrays, without building a signal
array or a trade log per set. The inputs are checked once per call, not per set.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping

import attrs
import numba
import numpy as np
import pandas as pd

from seedwalk.backtest import _sweep_nb
from seedwalk.backtest.engine import status_message
from seedwalk.backtest.options import BacktestOptions
from seedwalk.errors import ConfigError

__all__ = ["SweepResult", "sweep_sma_cross"]

# Windows beyond this bound stay far from int64 overflow in index arithmetic, and no
# data set is that long.
_MAX_WINDOW = 2**53


@attrs.frozen(eq=False)
class SweepResult:
    """Per-set results of a sweep, each array with one element per parameter set.

    Attributes:
        params: the parameter arrays of the sweep by name, for example ``fast`` and
            ``slow``, int64.
        final_equity: equity at the window's end in the quote currency.
        n_trades: closed trades, window-end closes and liquidations included.
        total_fees: entry plus exit fees of all trades, in the quote currency.
        status: 0 when the set ran to the window's end, else a status code of
            :func:`~seedwalk.backtest.status_message`.
        exposed_bars: window bars during which a position was open.
        mean_return: mean per-bar simple return of the window.
        std_return: sample standard deviation (ddof 1) of the per-bar returns; 0.0
            when the window has fewer than 2 bars or all returns are equal.
        downside_deviation: ``sqrt(mean(min(r, 0) ** 2))`` over all window bars.
        max_drawdown: largest fall from the running peak of equity (which starts at
            ``init_cash``), a negative fraction or 0.0.
        returns: float64 ``[sets, end - start]`` per-bar returns, equal to
            :meth:`Simulation.returns` of each set, or None when not requested.
        equity: float64 ``[sets, end - start]`` equity at each close of the window,
            equal to ``Simulation.equity[start:end]`` of each set, or None when the
            returns were not requested.
        start, end: the window, as bar positions ``[start, end)``.
        init_cash: the starting cash.
    """

    params: Mapping[str, np.ndarray]
    final_equity: np.ndarray = attrs.field(repr=False)
    n_trades: np.ndarray = attrs.field(repr=False)
    total_fees: np.ndarray = attrs.field(repr=False)
    status: np.ndarray = attrs.field(repr=False)
    exposed_bars: np.ndarray = attrs.field(repr=False)
    mean_return: np.ndarray = attrs.field(repr=False)
    std_return: np.ndarray = attrs.field(repr=False)
    downside_deviation: np.ndarray = attrs.field(repr=False)
    max_drawdown: np.ndarray = attrs.field(repr=False)
    returns: np.ndarray | None = attrs.field(repr=False)
    equity: np.ndarray | None = attrs.field(repr=False)
    start: int
    end: int
    init_cash: float

    def __len__(self) -> int:
        return len(self.final_equity)

    @property
    def total_return(self) -> np.ndarray:
        """``final_equity / init_cash - 1`` per set, a fraction."""
        return self.final_equity / self.init_cash - 1.0

    @property
    def exposure(self) -> np.ndarray:
        """Fraction of the window's bars during which a position was open."""
        n_bars = self.end - self.start
        return self.exposed_bars / n_bars if n_bars else np.zeros(len(self))

    def sharpe(self, periods_per_year: float) -> np.ndarray:
        """Return the annualized Sharpe ratio per set, with a risk-free rate of 0.

        ``mean / std * sqrt(periods_per_year)``, and 0.0 where ``std`` is 0, as
        :func:`seedwalk.metrics.sharpe_ratio` defines it.
        """
        ratio = np.zeros(len(self))
        np.divide(self.mean_return, self.std_return, out=ratio, where=self.std_return > 0.0)
        return ratio * math.sqrt(periods_per_year)

    def sortino(self, periods_per_year: float) -> np.ndarray:
        """Return the annualized Sortino ratio per set, with a risk-free rate of 0.

        Without a losing bar the downside deviation is 0, and the ratio is ``inf``
        for a positive mean, else 0.0, as :func:`seedwalk.metrics.sortino_ratio`
        defines it. Windows of fewer than 2 bars give 0.0.
        """
        ratio = np.where(self.mean_return > 0.0, np.inf, 0.0)
        np.divide(self.mean_return, self.downside_deviation, out=ratio,
                  where=self.downside_deviation > 0.0)
        if self.end - self.start < 2:
            ratio[:] = 0.0
        return ratio * math.sqrt(periods_per_year)

    def to_frame(self, periods_per_year: float | None = None) -> pd.DataFrame:
        """Return one row per set: the parameters, then the results.

        With ``periods_per_year`` the frame also has ``sharpe`` and ``sortino``.
        ``status`` is the status message, ``"ok"`` for a set that ran to the end.
        """
        columns = {name: values for name, values in self.params.items()}
        columns.update({
            "final_equity": self.final_equity,
            "total_return": self.total_return,
            "n_trades": self.n_trades,
            "total_fees": self.total_fees,
            "exposure": self.exposure,
            "max_drawdown": self.max_drawdown,
            "mean_return": self.mean_return,
            "std_return": self.std_return,
        })
        if periods_per_year is not None:
            columns["sharpe"] = self.sharpe(periods_per_year)
            columns["sortino"] = self.sortino(periods_per_year)
        columns["status"] = [status_message(int(code)) for code in self.status]
        return pd.DataFrame(columns)


def _prices(arrays) -> list[np.ndarray]:
    prices = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    if prices[3].ndim != 1:
        raise ConfigError(
            f"close has shape {prices[3].shape}; every price array must be 1-D with one "
            f"value per bar"
        )
    n = len(prices[3])
    for name, array in zip(("open", "high", "low", "close"), prices):
        if array.ndim != 1 or len(array) != n:
            raise ConfigError(
                f"{name} has shape {array.shape} but close has {n} values; every price "
                f"array must be 1-D with one value per bar"
            )
    return prices


def _windows(name: str, values) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array of windows >= 1."""
    array = np.asarray(values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim == 1 and array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ConfigError(
            f"{name} must be a 1-D array of integers, one window per parameter set "
            f"(got dtype {array.dtype} and shape {array.shape})"
        )
    if len(array) and array.min() < 1:
        k = int(np.argmin(array))
        raise ConfigError(f"{name}[{k}] is {int(array[k])!r}; SMA windows must be >= 1")
    if len(array) and array.max() > _MAX_WINDOW:
        # Larger unsigned values would wrap to negative int64 windows.
        k = int(np.argmax(array))
        raise ConfigError(f"{name}[{k}] is {int(array[k])!r}; SMA windows must be at most "
                          f"{_MAX_WINDOW}")
    return np.ascontiguousarray(array, dtype=np.int64)


def _bar(name: str, value) -> int:
    """Return a window bound as an int, or raise ConfigError naming it."""
    if isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name} must be an integer bar position (got {value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer bar position (got {value!r}); "
                          f"pass int({name}) for a whole number") from None


def _thread_count(threads) -> int | None:
    if threads is None:
        return None
    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) \
            or not 1 <= threads <= limit:
        raise ConfigError(
            f"threads must be an integer from 1 to {limit}, numba's thread pool size "
            f"(got {threads!r}); set NUMBA_NUM_THREADS before the first import for more"
        )
    return int(threads)


def sweep_sma_cross(open, high, low, close, fast, slow, *, start: int = 0,
                    end: int | None = None,
                    options: BacktestOptions | Mapping | None = None,
                    threads: int | None = None, returns: bool = False,
                    bounded_sums: bool = True) -> SweepResult:
    """Backtest the SMA crossover for every pair ``(fast[k], slow[k])`` in one call.

    Set ``k`` gives what :func:`~seedwalk.backtest.simulate` gives for the signals
    of ``SmaCross`` with ``{"fast": fast[k], "slow": slow[k]}`` on the same arrays:
    the same equity to the last bit, hence the same final equity, trade count,
    per-bar returns and max drawdown. ``total_fees`` and the mean, standard and
    downside deviation of the returns are summed in another order than NumPy sums
    them, so they can differ in the last digits (1e-12 relative in the tests). The
    standard deviation comes from the sums of returns and of their squares, so when
    the returns are nearly constant it loses more digits than that.

    Args:
        open, high, low, close: float64 price arrays of one length ``n``, assumed
            valid (finite and positive, high and low consistent), as an
            :class:`~seedwalk.ohlcv.OHLCV` guarantees.
        fast, slow: integer SMA windows, one pair per set. ``fast < slow`` is what
            ``SmaCross`` accepts, but any windows >= 1 run.
        start, end: the trading window ``[start, end)``, as in ``simulate``; bars
            before ``start`` warm up the SMAs.
        options: a :class:`BacktestOptions`, a mapping for
            :meth:`BacktestOptions.from_dict`, or None for the defaults. Every option
            is supported, stops included.
        threads: numba threads for this call, from 1 to ``NUMBA_NUM_THREADS``; None
            keeps the current setting. With 1 thread or 1 set the sets run on the
            calling thread, without starting numba's thread pool. Results do not
            depend on it.
        returns: also return the per-bar returns and the equity of the window, two
            arrays of ``sets x (end - start)`` floats.
        bounded_sums: True (the default) finds the crossovers from plain float SMAs
            with error bounds where the data allow it (see ``_sweep_nb``). False
            computes every SMA with running double-double sums as ``sma_nb`` does,
            which is slower and gives the same results; it exists for checks.

    Raises:
        ConfigError: price arrays of different lengths, windows that are not
            integers >= 1, ``fast`` and ``slow`` of different lengths, a window
            outside the data, a bad option or a bad thread count.
    """
    if options is None:
        options = BacktestOptions()
    elif isinstance(options, Mapping):
        options = BacktestOptions.from_dict(options)
    elif not isinstance(options, BacktestOptions):
        raise ConfigError(
            f"options must be a BacktestOptions, a mapping such as {{'fee': 0.001}} or None "
            f"(got {options!r})"
        )
    prices = _prices((open, high, low, close))
    fast = _windows("fast", fast)
    slow = _windows("slow", slow)
    if len(fast) != len(slow):
        raise ConfigError(
            f"fast has {len(fast)} windows and slow has {len(slow)}; pass one pair per "
            f"parameter set, for example from numpy.meshgrid"
        )
    n = len(prices[3])
    start = _bar("start", start)
    end = n if end is None else _bar("end", end)
    if not 0 <= start <= end <= n:
        raise ConfigError(
            f"window start={start!r}, end={end!r} is outside the {n} bars; "
            f"it needs 0 <= start <= end <= {n}"
        )
    threads = _thread_count(threads)
    arguments = (*prices, fast, slow, start, end, *options.kernel_args, returns,
                 bounded_sums)

    previous_threads = numba.get_num_threads()
    if (threads or previous_threads) == 1 or len(fast) < 2:
        # Starting numba's threads costs more than a short set takes.
        outputs = _sweep_nb.sma_cross_sweep_serial_nb(*arguments)
    else:
        if threads is not None:
            numba.set_num_threads(threads)
        try:
            outputs = _sweep_nb.sma_cross_sweep_nb(*arguments)
        finally:
            numba.set_num_threads(previous_threads)
    (final_equity, n_trades, total_fees, status, exposed_bars, mean_return, std_return,
     downside, max_drawdown, bar_returns, equity, _) = outputs
    return SweepResult(
        {"fast": fast, "slow": slow}, final_equity, n_trades, total_fees, status,
        exposed_bars, mean_return, std_return, downside, max_drawdown,
        bar_returns if returns else None, equity if returns else None, start, end,
        options.init_cash)
