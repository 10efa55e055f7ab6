"""In-sample optimization: one seeded Optuna study per window, driven by ask and tell.

Trials are asked in batches of ``batch_size`` (1 by default), evaluated, and told
back in trial-number order. ``Study.optimize(n_jobs > 1)`` is never used, because
it reseeds the sampler and lets thread timing decide the trial order.
"""

from __future__ import annotations

import logging
import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import optuna

logger = logging.getLogger(__name__)

#: Objective values told to the sampler in place of non-finite metrics. A NaN or
#: -inf ranks below every real result, and +inf (a Sortino or Calmar ratio of a
#: window without a losing bar) above, without putting infinities into the sampler.
WORST_VALUE = -1e9
BEST_VALUE = 1e9


def _finite(value: float) -> float:
    if math.isfinite(value):
        return value
    return BEST_VALUE if value == math.inf else WORST_VALUE


@attrs.frozen
class Outcome:
    """The best trial of a window.

    Attributes:
        params: the best parameters (the earliest trial wins a tie).
        metrics: that trial's in-sample metrics.
        trial_values: every trial's objective value, in trial-number order.
        trial_sharpes: every trial's annualized in-sample Sharpe ratio, in the same
            order, for the deflated Sharpe ratio whatever the objective.
    """

    params: dict
    metrics: dict
    trial_values: list
    trial_sharpes: list


def quiet_optuna() -> None:
    """Raise Optuna's log level to WARNING: it logs every study and trial at INFO level,
    and a screen runs thousands of them."""
    if optuna.logging.get_verbosity() < optuna.logging.WARNING:
        optuna.logging.set_verbosity(optuna.logging.WARNING)


def optimize_window(*, strategy, space, data, start, end, base_options, periods_per_year,
                    sampler, seed, trials, batch_size, objective, sampler_options,
                    trial_workers: int = 1) -> Outcome:
    """Search ``space`` for the parameters that maximize ``objective`` on bars [start, end).

    With ``trial_workers > 1`` the trials of one batch are evaluated by that many
    threads. Each evaluation is a pure function of its parameters and results are
    told in trial-number order, so the outcome equals a one-thread run with the same
    ``batch_size``.
    """
    from seedwalk.job import evaluate

    def evaluate_one(params):
        return evaluate(strategy, params, data, start, end, base_options, periods_per_year).metrics

    quiet_optuna()
    with warnings.catch_warnings():
        # Optuna warns about experimental features and dynamic ranges per trial;
        # the constraint clipping in ParamSpace.suggest changes ranges on purpose.
        warnings.simplefilter("ignore")
        optuna_sampler = sampler.create(seed=seed, space=space, trials=trials,
                                        options=sampler_options)
        study = optuna.create_study(direction="maximize", sampler=optuna_sampler)

        values: list[float] = []
        sharpes: list[float] = []
        best_value = -math.inf
        best = None
        cache: dict[tuple, dict] = {}
        asked = 0
        pool = ThreadPoolExecutor(trial_workers) if trial_workers > 1 else None
        try:
            while asked < trials:
                batch = [study.ask() for _ in range(min(batch_size, trials - asked))]
                asked += len(batch)
                proposals = [space.suggest(trial) for trial in batch]
                signatures = [tuple(sorted(p.items())) for p in proposals]

                # A sampler may propose the same integer parameters twice; they are
                # evaluated once. Map keeps input order, whatever thread finishes first.
                new = {}
                for signature, params in zip(signatures, proposals):
                    if signature not in cache and signature not in new:
                        new[signature] = params
                mapper = pool.map if pool is not None else map
                for signature, window_metrics in zip(new, mapper(evaluate_one, new.values())):
                    cache[signature] = window_metrics

                for trial, params, signature in zip(batch, proposals, signatures):
                    window_metrics = cache[signature]
                    value = _finite(float(window_metrics[objective]))
                    study.tell(trial, value)
                    values.append(value)
                    sharpes.append(float(window_metrics["sharpe"]))
                    if value > best_value:
                        best_value, best = value, (params, window_metrics)
        finally:
            if pool is not None:
                pool.shutdown()
    params, window_metrics = best
    return Outcome(dict(params), dict(window_metrics), values, sharpes)
