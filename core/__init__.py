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

__all__ = ["__version__"]
