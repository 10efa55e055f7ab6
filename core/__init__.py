"""seedwalk: plugin-based backtesting and walk-forward optimization.

Results are bit-identical whatever executes them: every job's randomness is
derived from the run's base seed and the job's stable key, never from the worker,
the process or the order in which jobs run.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("seedwalk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from seedwalk.backtest import BacktestOptions, BacktestResult, backtest_signals  # noqa: E402
from seedwalk.config import RunConfig  # noqa: E402
from seedwalk.hookspecs import hookimpl, hookspec  # noqa: E402
from seedwalk.ohlcv import OHLCV  # noqa: E402
from seedwalk.space import CategoricalParam, FloatParam, IntParam, LessThan, ParamSpace  # noqa: E402
from seedwalk.strategy import Signals, Strategy  # noqa: E402

__all__ = [
    "OHLCV",
    "BacktestOptions",
    "BacktestResult",
    "CategoricalParam",
    "FloatParam",
    "IntParam",
    "LessThan",
    "ParamSpace",
    "RunConfig",
    "Signals",
    "Strategy",
    "__version__",
    "backtest_signals",
    "hookimpl",
    "hookspec",
]
