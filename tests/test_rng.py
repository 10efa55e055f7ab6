"""The RNG context: seeds from the job key, isolation between jobs, cannot be removed."""

import random
import threading

import attrs
import numpy as np
import pytest
from numba import njit

from seedwalk.errors import PluginError, ReproducibilityError
from seedwalk.hookspecs import hookimpl
from seedwalk.job import JobContext
from seedwalk.job import seedwalk_run_job as core_run_job
from seedwalk.plugins.rng import PLUGIN_NAME, RNG_CONTEXT
from seedwalk.plugins_manager import build_plugin_manager


@njit
def numba_draws_nb(n):
    out = np.empty(n)
    for i in range(n):
        out[i] = np.random.random()
    return out


@njit
def numba_python_random_nb():
    return random.random()


@attrs.frozen
class FakeJob:
    key: tuple
    base_seed: int


class DrawingJob:
    """Stands in for a job's code: draws from every generator a strategy could use."""

    @hookimpl
    def seedwalk_run_job(self, job, context):
        return {
            "python": [random.random() for _ in range(3)],
            "numpy_global": np.random.random(3).tolist(),
            "numba": numba_draws_nb(3).tolist(),
            "numba_python": numba_python_random_nb(),
            "generator": context.rng.random(3).tolist(),
            "sampler_seed": context.seeds.sampler,
        }


class LeakyJob:
    """A job that reseeds the globals with a constant and leaves them that way."""

    @hookimpl
    def seedwalk_run_job(self, job, context):
        random.seed(1)
        np.random.seed(1)
        numba_draws_nb(1)
        return {}


def _manager(*plugins):
    pm = build_plugin_manager(autoload=False)
    for i, plugin in enumerate(plugins):
        pm.register(plugin, name=f"test-{i}")
    return pm


def _run(pm, key, base_seed=0):
    return pm.hook.seedwalk_run_job(job=FakeJob(key, base_seed), context=JobContext())


def test_same_key_same_draws():
    pm = _manager(DrawingJob())
    first = _run(pm, ("screen", "GALA-USDT", "fold", 0))
    second = _run(pm, ("screen", "GALA-USDT", "fold", 0))
    assert first == second


def test_different_keys_different_draws():
    pm = _manager(DrawingJob())
    first = _run(pm, ("screen", "GALA-USDT", "fold", 0))
    other = _run(pm, ("screen", "GALA-USDT", "fold", 1))
    for name in ("python", "numpy_global", "numba", "generator"):
        assert first[name] != other[name], name
    assert first["sampler_seed"] != other["sampler_seed"]


def test_different_base_seed_different_draws():
    pm = _manager(DrawingJob())
    assert _run(pm, ("k",), 0)["numba"] != _run(pm, ("k",), 1)["numba"]


def test_job_never_sees_previous_jobs_state():
    clean = _run(_manager(DrawingJob()), ("screen", "BTC-USDT", "fold", 2))
    pm_leaky = _manager(LeakyJob())
    _run(pm_leaky, ("screen", "ETH-USDT", "fold", 0))
    after_leak = _run(_manager(DrawingJob()), ("screen", "BTC-USDT", "fold", 2))
    assert after_leak == clean


def test_global_states_restored_after_job():
    random.seed(99)
    np.random.seed(99)
    expected_python = random.Random(99).random()
    expected_numpy = np.random.RandomState(99).random_sample()
    _run(_manager(DrawingJob()), ("k",))
    assert random.random() == expected_python
    assert np.random.random() == expected_numpy


def test_numba_state_restored_after_job():
    np.random.seed(5)  # seeds NumPy only; numba's state is separate and untouched here
    before = numba_draws_nb(2)
    _run(_manager(DrawingJob()), ("k",))
    reference = numba_draws_nb(2)
    _run(_manager(LeakyJob()), ("k",))
    after = numba_draws_nb(2)
    assert not np.array_equal(before, reference)
    # Whatever the job did, the draws continue the stream they had before it.
    assert not np.array_equal(after, reference)


def test_states_restored_when_job_raises():
    class Failing:
        @hookimpl
        def seedwalk_run_job(self, job, context):
            random.seed(123)
            raise RuntimeError("boom")

    random.seed(7)
    expected = random.Random(7).random()
    with pytest.raises(RuntimeError, match="boom"):
        _run(_manager(Failing()), ("k",))
    assert random.random() == expected


def test_draws_identical_in_another_thread():
    pm = _manager(DrawingJob())
    here = _run(pm, ("screen", "SOL-USDT", "fold", 4))
    box = {}
    thread = threading.Thread(target=lambda: box.update(r=_run(pm, ("screen", "SOL-USDT", "fold", 4))))
    thread.start()
    thread.join()
    assert box["r"] == here


def test_rng_plugin_cannot_be_unregistered():
    pm = build_plugin_manager(autoload=False)
    with pytest.raises(PluginError, match="cannot be unregistered"):
        pm.unregister(name=PLUGIN_NAME)
    with pytest.raises(PluginError, match="cannot be unregistered"):
        pm.unregister(RNG_CONTEXT)


def test_rng_plugin_cannot_be_blocked():
    pm = build_plugin_manager(autoload=False)
    with pytest.raises(PluginError, match="cannot be blocked"):
        pm.set_blocked(PLUGIN_NAME)


def test_rng_plugin_name_cannot_be_taken():
    pm = build_plugin_manager(autoload=False)

    class Impostor:
        pass

    with pytest.raises(PluginError, match="reserved"):
        pm.register(Impostor(), name=PLUGIN_NAME)


def test_core_rejects_job_without_rng_context():
    with pytest.raises(ReproducibilityError, match="without the RNG context"):
        core_run_job(job=FakeJob(("k",), 0), context=JobContext())
