"""Running a strategy inside the RNG context, the way a job runs it.

A probe plugin implements ``seedwalk_run_job`` and does the job's work there, so
the real RNG context plugin wraps it exactly as it wraps a screen's jobs. The
context seeds Python's ``random``, NumPy's global generator and numba's
generators from the job key, and restores them afterwards. Every signal the kit
computes goes through here, so a strategy that draws random numbers starts each
call from the same generator states, as each of its jobs would.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np

from seedwalk.hookspecs import hookimpl
from seedwalk.job import JobContext
from seedwalk.ohlcv import OHLCV
from seedwalk.plugins.rng import _numba_states
from seedwalk.plugins_manager import build_plugin_manager
from seedwalk.strategy import Signals, Strategy
from seedwalk.testing._signals import compute_signals

PROBE_NAME = "seedwalk.testing.probe"

#: The generators the RNG context seeds, by the names a report gives them.
GENERATORS = ("Python random", "NumPy global", "numba np.random", "numba random")


def global_random_states() -> dict[str, Any]:
    """Return a comparable snapshot of every global generator the RNG context seeds."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    (_, numba_numpy), (_, numba_python) = _numba_states()
    return {
        "Python random": random.getstate(),
        "NumPy global": (name, keys.tobytes(), position, has_gauss, cached),
        "numba np.random": (numba_numpy[0], tuple(numba_numpy[1])),
        "numba random": (numba_python[0], tuple(numba_python[1])),
    }


@attrs.frozen
class _ProbeJob:
    """The two fields the RNG context reads from a job, plus the work to do."""

    key: tuple
    base_seed: int
    work: Callable[[], Any]
    record_states: bool


@attrs.frozen(eq=False)
class Outcome:
    """The work's return value, with the global generator states around it.

    ``before`` and ``after`` are None unless the states were requested.
    """

    value: Any
    before: dict | None
    after: dict | None


class _Probe:
    @hookimpl
    def seedwalk_run_job(self, job, context):
        before = global_random_states() if job.record_states else None
        value = job.work()
        after = global_random_states() if job.record_states else None
        return Outcome(value, before, after)


class ContextRunner:
    """Runs work inside the RNG context, each call as a job with the given key.

    Args:
        base_seed: the base seed of the probe jobs.
    """

    def __init__(self, base_seed: int):
        self.base_seed = base_seed
        self._pm = build_plugin_manager((), autoload=False, extra=[(_Probe(), PROBE_NAME)])

    def run(self, key: tuple, work: Callable[[], Any], *, record_states: bool = False
            ) -> Outcome:
        """Call ``work()`` inside the RNG context as the job ``key``.

        Exceptions raised by ``work`` propagate, after the context has restored
        the global generators.
        """
        job = _ProbeJob(key=key, base_seed=self.base_seed, work=work,
                        record_states=record_states)
        return self._pm.hook.seedwalk_run_job(job=job, context=JobContext())

    def signals(self, strategy: Strategy, data: OHLCV, params: Mapping[str, Any], index: int,
                start: int = 0, stop: int | None = None) -> Signals:
        """Return the signals for bars ``[start, stop)`` of ``data``, computed inside the
        RNG context with the job key of parameter set ``index``.

        All calls for one parameter set share that key, so they all start from the
        same generator states.
        """
        key = ("seedwalk.testing", str(getattr(strategy, "name", "")), "signals", index)
        work = lambda: compute_signals(strategy, data, params, start, stop)  # noqa: E731
        return self.run(key, work).value
