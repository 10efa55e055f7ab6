"""The array API of the engine: :func:`simulate` and its :class:`Simulation` result.

This layer sits between the numba kernel and the pandas wrapper. It does the
little checking that must happen per call (lengths and window bounds) and leaves
option validation to :class:`BacktestOptions`, because the optimization loop calls
it for every parameter set.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

import attrs
import numpy as np

from seedwalk.backtest import _engine_nb as nb
from seedwalk.backtest.options import BacktestOptions
from seedwalk.errors import ConfigError
from seedwalk.strategy import Signals

_DEFAULT_OPTIONS = BacktestOptions()

_STATUS_MESSAGES = {
    nb.STATUS_OK: "ok",
    nb.STATUS_EQUITY_DEPLETED: (
        "equity fell to zero or below at a bar's close; the open position was closed "
        "at that close (exit reason 'liquidation') and trading stopped for the rest "
        "of the window"
    ),
}


def status_message(status: int) -> str:
    """Return the message for a simulation status code (0 means ok)."""
    try:
        return _STATUS_MESSAGES[status]
    except KeyError:
        return f"unknown status code {status!r}"


@attrs.frozen(eq=False)
class Simulation:
    """The arrays one call of :func:`simulate` produces.

    Attributes:
        equity: float64[n], equity in the quote currency: ``init_cash`` before
            ``start``, marked at every close inside the window, and the final value
            repeated from ``end`` on.
        trades: closed trades as a structured array of ``TRADE_DTYPE``, in exit
            order. Indices are bar positions in the full arrays, and ``exit_reason``
            is an index into ``EXIT_REASONS``.
        status: 0 when the simulation ran to the window's end; see
            :func:`status_message` for the other codes.
        exposed_bars: number of window bars during which a position was open.
        start, end: the window, as bar positions ``[start, end)``.
        init_cash: the starting cash.
    """

    equity: np.ndarray
    trades: np.ndarray
    status: int
    exposed_bars: int
    start: int
    end: int
    init_cash: float

    @property
    def ok(self) -> bool:
        """Whether the simulation ran to the window's end."""
        return self.status == nb.STATUS_OK

    @property
    def message(self) -> str:
        """The status as a sentence."""
        return status_message(self.status)

    @property
    def final_equity(self) -> float:
        """Equity at the window's end in the quote currency."""
        return float(self.equity[-1]) if len(self.equity) else self.init_cash

    @property
    def exposure(self) -> float:
        """Fraction of the window's bars during which a position was open."""
        n_bars = self.end - self.start
        return self.exposed_bars / n_bars if n_bars else 0.0

    def returns(self) -> np.ndarray:
        """Return per-bar simple returns over the window, float64[end - start].

        Return ``k`` is ``equity[start + k] / equity[start + k - 1] - 1``, with
        ``init_cash`` in place of the equity before ``start``. A return after a bar
        whose equity is exactly 0 is reported as 0.0.
        """
        # One pass in numba: the NumPy form needed three temporary arrays, whose
        # allocation took longer than the arithmetic on a million bars.
        return nb.window_returns_nb(self.equity, self.start, self.end, self.init_cash,
                                    np.empty(self.end - self.start))


def _signal_arrays(signals: Signals, direction: str):
    """Return (entries, exits, short_entries, short_exits) for the kernel.

    A missing short array is filled in from the long signals. With
    ``direction="short"`` the entries and exits open and close the shorts. With
    ``"both"`` they are mirrored: exits open shorts and entries close them.
    """
    if direction == "short":
        short_entries, short_exits = signals.entries, signals.exits
    else:
        short_entries, short_exits = signals.exits, signals.entries
    if signals.short_entries is not None:
        short_entries = signals.short_entries
    if signals.short_exits is not None:
        short_exits = signals.short_exits
    return signals.entries, signals.exits, short_entries, short_exits


def simulate(open, high, low, close, signals: Signals, *, start: int = 0,
             end: int | None = None,
             options: BacktestOptions | Mapping | None = None) -> Simulation:
    """Backtest ``signals`` on one asset's bars inside the window ``[start, end)``.

    Args:
        open, high, low, close: float64 price arrays of one length ``n``, assumed
            valid (finite, positive, high and low consistent), as an
            :class:`~seedwalk.ohlcv.OHLCV` guarantees.
        signals: boolean signals, each of length ``n``. When a short array is
            None, ``direction="short"`` trades ``entries``/``exits`` as the short
            signals and ``"both"`` opens shorts on ``exits`` and closes them on
            ``entries``.
        start: first bar that may trade. Earlier bars only warm up indicators, but
            a signal on bar ``start - 1`` fills at bar ``start``'s open.
        end: bar after the window's last bar; None means ``n``. A position still
            open at bar ``end - 1``'s close is closed there.
        options: a :class:`BacktestOptions`, a mapping for
            :meth:`BacktestOptions.from_dict`, or None for the defaults.

    Raises:
        ConfigError: arrays of different lengths or a window outside the data.
    """
    if options is None:
        options = _DEFAULT_OPTIONS
    elif not isinstance(options, BacktestOptions):
        options = BacktestOptions.from_dict(options)

    prices = [np.ascontiguousarray(a, dtype=np.float64) for a in (open, high, low, close)]
    arrays = _signal_arrays(signals, options.direction)
    n = len(prices[3])
    for name, array in zip(("open", "high", "low", "close", "entries", "exits",
                            "short_entries", "short_exits"), (*prices, *arrays)):
        if array.ndim != 1 or len(array) != n:
            raise ConfigError(
                f"{name} has shape {array.shape} but close has {n} values; every price "
                f"and signal array must be 1-D with one value per bar"
            )
    start = operator.index(start)
    end = n if end is None else operator.index(end)
    if not 0 <= start <= end <= n:
        raise ConfigError(
            f"window start={start!r}, end={end!r} is outside the {n} bars; "
            f"it needs 0 <= start <= end <= {n}"
        )

    equity, trades, n_trades, status, exposed_bars = nb.simulate_nb(
        *prices, *arrays, start, end, *options.kernel_args, np.empty(n)
    )
    # The kernel returns exactly the n_trades closed trades.
    return Simulation(equity, trades, int(status), int(exposed_bars), start, end,
                      options.init_cash)
