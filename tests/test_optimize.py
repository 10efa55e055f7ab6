"""In-sample optimization: seeded, batch-deterministic, independent of threads."""

import pytest

from seedwalk import metrics
from seedwalk.backtest import BacktestOptions
from seedwalk.data import read_ohlcv, sample_dir
from seedwalk.optimize import BEST_VALUE, WORST_VALUE, _finite, optimize_window
from seedwalk.plugins.samplers import GridSampler, RandomSampler, TpeSampler
from seedwalk.strategies import SmaCross


@pytest.fixture(scope="module")
def gala():
    return read_ohlcv(sample_dir() / "GALA-USDT_4h.csv.gz")


def _optimize(data, *, sampler=None, seed=11, trials=24, batch_size=1, trial_workers=1):
    strategy = SmaCross()
    return optimize_window(
        strategy=strategy, space=strategy.space, data=data.slice(0, 700), start=200, end=700,
        base_options=BacktestOptions(fee=0.001),
        periods_per_year=metrics.periods_per_year(data.bar_seconds, "crypto"),
        sampler=sampler or TpeSampler(), seed=seed, trials=trials, batch_size=batch_size,
        objective="sharpe", sampler_options={}, trial_workers=trial_workers)


def test_same_seed_same_outcome(gala):
    first = _optimize(gala)
    second = _optimize(gala)
    assert first == second
    assert len(first.trial_values) == 24


def test_other_seed_other_trials(gala):
    assert _optimize(gala, seed=11).trial_values != _optimize(gala, seed=12).trial_values


@pytest.mark.parametrize("workers", [2, 4])
def test_batch_threads_equal_one_thread(gala, workers):
    one = _optimize(gala, batch_size=6, trial_workers=1)
    many = _optimize(gala, batch_size=6, trial_workers=workers)
    assert many == one


def test_best_is_max_of_trials(gala):
    outcome = _optimize(gala, sampler=RandomSampler())
    assert outcome.metrics["sharpe"] == max(outcome.trial_values)
    assert SmaCross.space.contains(outcome.params)


def test_grid_sampler_visits_feasible_points(gala):
    strategy = SmaCross()
    space = strategy.space.with_overrides({"fast": {"low": 5, "high": 7},
                                           "slow": {"low": 20, "high": 22}})
    outcome = optimize_window(
        strategy=strategy, space=space, data=gala.slice(0, 400), start=100, end=400,
        base_options=BacktestOptions(), periods_per_year=2190.0, sampler=GridSampler(),
        seed=3, trials=9, batch_size=1, objective="total_return", sampler_options={})
    assert len(outcome.trial_values) == 9
    assert space.contains(outcome.params)


def test_non_finite_values_mapped():
    assert _finite(float("nan")) == WORST_VALUE
    assert _finite(float("-inf")) == WORST_VALUE
    assert _finite(float("inf")) == BEST_VALUE
    assert _finite(1.5) == 1.5
