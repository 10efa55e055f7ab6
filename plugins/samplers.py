"""Optuna samplers as seedwalk sampler plugins: TPE (the default), random, grid, QMC.

Every sampler gets the job's own seed. None of them runs trials in threads: the job
asks and tells, so Optuna never reseeds a sampler behind the caller's back.
"""

from __future__ import annotations

import inspect

import optuna

from seedwalk._names import suggest
from seedwalk.errors import ConfigError
from seedwalk.hookspecs import hookimpl
from seedwalk.sampler import SamplerFactory


def _build(sampler_cls, name, options, **fixed):
    accepted = set(inspect.signature(sampler_cls.__init__).parameters) - {"self", *fixed}
    for key in options:
        if key not in accepted:
            raise ConfigError(f"sampler {name!r} has no option {key!r}. {suggest(key, accepted)}")
    try:
        return sampler_cls(**fixed, **options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid options for sampler {name!r}: {exc}") from None


class TpeSampler(SamplerFactory):
    name = "tpe"
    description = "Optuna's tree-structured Parzen estimator (default)"

    def create(self, *, seed, space, trials, options):
        options = dict(options)
        # Fewer random start-up trials than Optuna's default of 10 when the budget is
        # small, so that TPE still guides at least half of the trials.
        options.setdefault("n_startup_trials", max(1, min(10, trials // 2)))
        return _build(optuna.samplers.TPESampler, self.name, options, seed=seed)


class RandomSampler(SamplerFactory):
    name = "random"
    description = "Independent uniform draws from the space"

    def create(self, *, seed, space, trials, options):
        return _build(optuna.samplers.RandomSampler, self.name, options, seed=seed)


class QmcSampler(SamplerFactory):
    name = "qmc"
    description = "Scrambled Sobol quasi-random points"

    def create(self, *, seed, space, trials, options):
        try:
            import scipy.stats.qmc  # noqa: F401  (Optuna's QMC sampler draws with it)
        except ImportError:
            raise ConfigError("sampler 'qmc' needs SciPy, which is not installed; run "
                              "pip install scipy, or choose another sampler") from None
        return _build(optuna.samplers.QMCSampler, self.name, options, seed=seed)


class GridSampler(SamplerFactory):
    name = "grid"
    description = "Every feasible combination of the space's grid, in a seeded order"

    def create(self, *, seed, space, trials, options):
        grid = space.grid()
        if options:
            raise ConfigError(f"sampler 'grid' takes no options (got {sorted(options)!r})")
        return _FeasibleGridSampler(grid, seed=seed)


class _FeasibleGridSampler(optuna.samplers.BaseSampler):
    """Visit the feasible grid points in an order shuffled by the job's seed.

    Optuna's own grid sampler takes the full product of the parameters' grids, so it
    would propose pairs that break a constraint such as ``fast < slow``.
    """

    def __init__(self, grid, *, seed):
        import numpy as np

        self._grid = list(grid)
        self._order = np.random.default_rng(seed).permutation(len(self._grid))

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        point = self._grid[self._order[trial.number % len(self._grid)]]
        return point[param_name]


@hookimpl
def seedwalk_add_samplers():
    return [TpeSampler(), RandomSampler(), QmcSampler(), GridSampler()]
