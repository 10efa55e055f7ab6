"""The SMA crossover in seedwalk, vectorbt and backtesting.py, with the same rules.

Every peer runs a long-only crossover: enter when the fast SMA of the close crosses
above the slow SMA, exit when it crosses below. Orders fill at the close of the
signal bar (seedwalk ``fill="close"``, vectorbt's default price, backtesting.py
``trade_on_close=True``), pay ``FEE`` of the traded notional on every fill, and
buy with all the cash, the fee included. The benchmark times each ``run_*``
function, which returns the peer's own result object. The matching ``outcome_*``
function then reads the numbers the agreement check compares, outside the timed
region.
"""

from __future__ import annotations

import warnings

import attrs
import numpy as np
import pandas as pd

from seedwalk.backtest import BacktestOptions, backtest_signals, simulate
from seedwalk.backtest.sweep import sweep_sma_cross
from seedwalk.strategies.sma_cross import SmaCross
from seedwalk.strategy import Signals

FEE = 0.001  # 0.1 % of the notional per fill
INIT_CASH = 10_000.0
OPTIONS = BacktestOptions(fee=FEE, fill="close", init_cash=INIT_CASH)
# backtesting.py sizes a fraction of equity only for sizes below 1, and in whole
# units. So it buys with all but 1e-12 of the cash, and FractionalBacktest trades
# whole multiples of 1e-8 units.
BACKTESTING_SIZE = 1.0 - 1e-12
BACKTESTING_UNIT = 1e-8


@attrs.frozen
class Outcome:
    """Numbers of one backtest that the agreement check compares.

    Attributes:
        final_equity: equity after the last bar, in the quote currency.
        n_trades: trades, an open one or one closed by the end of the data included.
        pnl: net pnl of each trade in entry order, fees included.
        entry_bars, exit_bars: the bar positions of each trade's fills; an open
            trade has the last bar as its exit bar.
        open_units: units still held after the last bar (0.0 when flat).
    """

    final_equity: float
    n_trades: int
    pnl: np.ndarray
    entry_bars: np.ndarray
    exit_bars: np.ndarray
    open_units: float = 0.0


# --- seedwalk ------------------------------------------------------------------------


def run_seedwalk_strategy(ohlcv, fast, slow):
    """Run the user-level path: SmaCross signals, then backtest_signals on the OHLCV."""
    signals = SmaCross().signals(ohlcv.open, ohlcv.high, ohlcv.low, ohlcv.close,
                                 ohlcv.volume, {"fast": fast, "slow": slow})
    result = backtest_signals(ohlcv, signals.entries, signals.exits, fee=FEE, fill="close",
                              init_cash=INIT_CASH)
    return result, result.simulation.final_equity, len(result.trades)


def run_seedwalk_fused(ohlcv, fast, slow):
    """Run the fused kernel for one parameter set on the calling thread."""
    result = sweep_sma_cross(ohlcv.open, ohlcv.high, ohlcv.low, ohlcv.close, [fast], [slow],
                             options=OPTIONS, threads=1)
    return result, result.final_equity[0], result.n_trades[0]


def run_seedwalk_signals(ohlcv, entries, exits):
    """Run backtest_signals on precomputed signals."""
    result = backtest_signals(ohlcv, entries, exits, fee=FEE, fill="close",
                              init_cash=INIT_CASH)
    return result, result.simulation.final_equity, len(result.trades)


def run_seedwalk_simulate(ohlcv, entries, exits):
    """Run the array API, simulate(), on precomputed signals."""
    simulation = simulate(ohlcv.open, ohlcv.high, ohlcv.low, ohlcv.close,
                          Signals(entries, exits), options=OPTIONS)
    return simulation, simulation.final_equity, len(simulation.trades)


def run_seedwalk_sweep(ohlcv, fast, slow, threads, periods_per_year):
    """Run the fused sweep for arrays of windows, with the Sharpe ratio of each set."""
    result = sweep_sma_cross(ohlcv.open, ohlcv.high, ohlcv.low, ohlcv.close, fast, slow,
                             options=OPTIONS, threads=threads)
    return result, result.final_equity, result.n_trades, result.sharpe(periods_per_year)


def outcome_seedwalk(simulation) -> Outcome:
    trades = simulation.trades
    return Outcome(float(simulation.final_equity), len(trades), trades["pnl"].copy(),
                   trades["entry_index"].copy(), trades["exit_index"].copy())


# --- vectorbt ------------------------------------------------------------------------


def run_vectorbt(close: pd.Series, fast, slow):
    """Run vectorbt end to end: two MAs, their crossings, and from_signals.

    ``fast`` and ``slow`` are ints for one backtest, or equal-length arrays for one
    column per pair.
    """
    import vectorbt as vbt

    fast_ma = vbt.MA.run(close, window=fast, short_name="fast")
    slow_ma = vbt.MA.run(close, window=slow, short_name="slow")
    entries = fast_ma.ma_crossed_above(slow_ma)
    exits = fast_ma.ma_crossed_below(slow_ma)
    portfolio = vbt.Portfolio.from_signals(close, entries, exits, fees=FEE,
                                           init_cash=INIT_CASH, freq="4h")
    return portfolio, portfolio.final_value(), portfolio.trades.count()


def run_vectorbt_signals(close: pd.Series, entries, exits):
    """Run Portfolio.from_signals on precomputed signals."""
    import vectorbt as vbt

    portfolio = vbt.Portfolio.from_signals(close, entries, exits, fees=FEE,
                                           init_cash=INIT_CASH, freq="4h")
    return portfolio, portfolio.final_value(), portfolio.trades.count()


def outcome_vectorbt(portfolio, column=None) -> Outcome:
    """Read one column's outcome; vectorbt leaves a position open at the end."""
    trades = portfolio.trades.values
    final = portfolio.final_value()
    if column is not None:
        trades = trades[trades["col"] == column]
        final = final.iloc[column]
    open_trades = trades[trades["status"] == 0]
    return Outcome(float(final), len(trades), trades["pnl"].copy(), trades["entry_idx"].copy(),
                   trades["exit_idx"].copy(), float(open_trades["size"].sum()))


# --- backtesting.py ------------------------------------------------------------------


def _rolling_mean(values, window):
    return pd.Series(values).rolling(window).mean().to_numpy()


def _crossover_strategy():
    from backtesting import Strategy

    class SmaCrossover(Strategy):
        """The crossover with seedwalk's rule: diff from <= 0 to > 0 enters, >= 0 to < 0 exits."""

        fast = 10
        slow = 50

        def init(self):
            self.fast_ma = self.I(_rolling_mean, self.data.Close, self.fast)
            self.slow_ma = self.I(_rolling_mean, self.data.Close, self.slow)

        def next(self):
            previous = self.fast_ma[-2] - self.slow_ma[-2]
            current = self.fast_ma[-1] - self.slow_ma[-1]
            if previous <= 0.0 < current and not self.position:
                self.buy(size=BACKTESTING_SIZE)
            elif previous >= 0.0 > current and self.position:
                self.position.close()

    return SmaCrossover


def run_backtesting(frame: pd.DataFrame, fast, slow):
    """Run backtesting.py end to end: its SMAs (pandas rolling means) and its broker."""
    from backtesting.lib import FractionalBacktest

    with warnings.catch_warnings():
        # FractionalBacktest warns about its own price scaling.
        warnings.simplefilter("ignore")
        backtest = FractionalBacktest(frame, _crossover_strategy(), cash=INIT_CASH,
                                      commission=FEE, trade_on_close=True,
                                      finalize_trades=True,
                                      fractional_unit=BACKTESTING_UNIT)
        stats = backtest.run(fast=fast, slow=slow)
    return stats, stats["Equity Final [$]"], stats["# Trades"]


def outcome_backtesting(stats) -> Outcome:
    trades = stats["_trades"]
    return Outcome(float(stats["Equity Final [$]"]), len(trades), trades["PnL"].to_numpy(),
                   trades["EntryBar"].to_numpy(), trades["ExitBar"].to_numpy())
