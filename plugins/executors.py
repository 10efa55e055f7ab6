"""Built-in executors: serial, joblib worker processes (loky) and joblib threads."""

from __future__ import annotations

import joblib

from seedwalk.errors import ConfigError
from seedwalk.executor import Executor
from seedwalk.hookspecs import hookimpl
from seedwalk.plugins.rng import GLOBAL_STATE_LOCK


def _check_options(executor: Executor, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(executor.options) - set(allowed))
    if unknown:
        hint = f"allowed: {', '.join(allowed)}" if allowed else "it takes no options"
        raise ConfigError(f"executor {executor.name!r} has no option(s) {unknown!r}; {hint}")


class SerialExecutor(Executor):
    name = "serial"
    description = "One job after another in the calling process; workers is ignored"

    def __init__(self, workers=1, options=None):
        super().__init__(workers, options)
        _check_options(self, ())

    def map_unordered(self, function, items):
        for item in items:
            yield function(item)


class JoblibExecutor(Executor):
    name = "joblib"
    description = "joblib's loky backend: workers = number of worker processes"

    backend = "loky"

    def __init__(self, workers=1, options=None):
        super().__init__(workers, options)
        _check_options(self, ("batch_size", "max_nbytes"))

    def map_unordered(self, function, items):
        parallel = joblib.Parallel(
            n_jobs=self.workers,
            backend=self.backend,
            return_as="generator_unordered",
            # One job per dispatch: jobs are coarse (a whole optimization each), and
            # the default auto batching would delay the first results.
            batch_size=self.options.get("batch_size", 1),
            max_nbytes=self.options.get("max_nbytes", "1M"),
        )
        yield from parallel(joblib.delayed(function)(item) for item in items)


def _run_holding_global_lock(function, item):
    with GLOBAL_STATE_LOCK:
        return function(item)


class ThreadExecutor(Executor):
    name = "threads"
    description = ("joblib's threading backend: workers = threads in this process; jobs "
                   "with option exclusive_globals=true run one at a time")

    def __init__(self, workers=1, options=None):
        super().__init__(workers, options)
        _check_options(self, ("exclusive_globals",))

    def map_unordered(self, function, items):
        parallel = joblib.Parallel(n_jobs=self.workers, backend="threading",
                                   return_as="generator_unordered", batch_size=1)
        if self.options.get("exclusive_globals", False):
            tasks = (joblib.delayed(_run_holding_global_lock)(function, item) for item in items)
        else:
            tasks = (joblib.delayed(function)(item) for item in items)
        yield from parallel(tasks)


@hookimpl
def seedwalk_add_executors():
    return [SerialExecutor, JoblibExecutor, ThreadExecutor]
