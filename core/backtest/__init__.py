"""The backtest engine: options, the numba simulation and its pandas wrapper.

Three layers, from fast to convenient: the kernel
``seedwalk.backtest._engine_nb.simulate_nb`` takes arrays and scalars;
:func:`simulate` takes price arrays, :class:`~seedwalk.strategy.Signals` and
:class:`BacktestOptions` and is what the optimization loop calls; and
:func:`backtest_signals` takes a DataFrame or OHLCV and returns pandas objects and
stats. All three run the same kernel, so they give the same numbers.
"""

from seedwalk.backtest._engine_nb import EXIT_REASONS, TRADE_DTYPE
from seedwalk.backtest.api import BacktestResult, backtest_signals
from seedwalk.backtest.engine import Simulation, simulate, status_message
from seedwalk.backtest.options import BacktestOptions
from seedwalk.backtest.sweep import SweepResult, sweep_sma_cross

__all__ = [
    "EXIT_REASONS",
    "TRADE_DTYPE",
    "BacktestOptions",
    "BacktestResult",
    "Simulation",
    "SweepResult",
    "backtest_signals",
    "simulate",
    "status_message",
    "sweep_sma_cross",
]
