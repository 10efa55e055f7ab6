"""The RNG context plugin: seeds every job from its identity and cleans up after it.

This plugin wraps every job where the job runs. Before the job it derives the job's
seeds from the run's base seed and the job's key (see :mod:`seedwalk.seeding`),
gives the job an explicit ``numpy.random.Generator`` and named integer seeds, and
seeds the global generators that third-party code might use: Python's ``random``,
NumPy's legacy global ``RandomState``, and numba's own generators (``np.random``
and ``random`` inside jitted code), which only a seed call from jitted code
reaches. After the job, success or failure, it restores every one of those global
states, so a job never sees random state left by the job before it.

The core registers this plugin under :data:`PLUGIN_NAME` and refuses to block,
unregister or replace it, and refuses to run a job that this wrapper did not see.

Thread safety: numba's generator state is per thread, so the save, seed and
restore below act on the job's own thread. Python's ``random`` and NumPy's legacy
state are per process; under a thread executor, jobs that draw from those two
must not run concurrently, which :data:`GLOBAL_STATE_LOCK` lets an executor enforce.
"""

from __future__ import annotations

import random
import threading

import numpy as np
from numba import _helperlib, njit

from seedwalk.hookspecs import hookimpl
from seedwalk.seeding import JobSeeds

PLUGIN_NAME = "seedwalk.rng"

#: Held by executors that run jobs in threads of one process and must keep the
#: process-wide generators of one job away from another job.
GLOBAL_STATE_LOCK = threading.RLock()

#: Marker the RNG context puts on the job context; the core checks it before it
#: runs a job, so a job can never run unseeded.
CONTEXT_TOKEN = object()


@njit(cache=True)
def _seed_numba_nb(seed):
    # Both calls reach numba's internal per-thread generators: np.random.* and the
    # random module inside jitted code keep separate states.
    np.random.seed(seed)
    random.seed(seed)


def _numba_states():
    np_ptr = _helperlib.rnd_get_np_state_ptr()
    py_ptr = _helperlib.rnd_get_py_state_ptr()
    return (np_ptr, _helperlib.rnd_get_state(np_ptr)), (py_ptr, _helperlib.rnd_get_state(py_ptr))


def _restore_numba_states(saved):
    for pointer, state in saved:
        _helperlib.rnd_set_state(pointer, state)


class RngContext:
    """Pluggy plugin object; see the module docstring."""

    @hookimpl(wrapper=True, tryfirst=True)
    def seedwalk_run_job(self, job, context):
        seeds = JobSeeds.derive(job.base_seed, job.key)

        saved_python = random.getstate()
        saved_numpy = np.random.get_state()
        saved_numba = _numba_states()
        try:
            random.seed(seeds.python)
            np.random.seed(seeds.numpy_global)
            _seed_numba_nb(seeds.numba)
            context.seeds = seeds
            context.rng = seeds.generator("job")
            context.token = CONTEXT_TOKEN
            return (yield)
        finally:
            random.setstate(saved_python)
            np.random.set_state(saved_numpy)
            _restore_numba_states(saved_numba)
            context.token = None


#: The single instance the core registers.
RNG_CONTEXT = RngContext()
