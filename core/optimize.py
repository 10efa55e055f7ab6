"""In-sample optimization: one seeded Optuna study per window, driven by ask and tell.

Trials are asked in batches of ``batch_size`` (1 by default), evaluated, and told
back in trial-number order. ``Study.optimize(n_jobs > 1)`` is never used, because
it reseeds the sampler and lets thread timing decide the trial order.
"""

from __future__ import annotations

import logging
import math
import warnings

import attrs
import numpy as np
import optuna

logger = logging.getLogger(__name__)

#: Objective value told to the sampler for a trial whose metric is not finite, such
#: as a Sharpe ratio over a window where the strategy never traded. It ranks such
#: trials below every real result without putting infinities into the sampler.
WORST_VALUE = -1e9


@attrs.frozen
class Outcome:
    """The best trial of a window.

    Attributes:
        params: the best parameters (the earliest trial wins a tie).
        metrics: that trial's in-sample metrics.
        trial_values: every trial's objective value, in trial-number order.
    """

    params: dict
    metrics: dict
    trial_values: list


def optimize_window(*, strategy, space, data, start, end, base_options, periods_per_year,
                    sampler, seed, trials, batch_size, objective, sampler_options) -> Outcome:
    """Search ``space`` for the parameters that maximize ``objective`` on bars [start, end)."""
    from seedwalk.job import evaluate

    # Optuna logs every finished trial at INFO level; a screen runs thousands.
    if optuna.logging.get_verbosity() < optuna.logging.WARNING:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna_sampler = sampler.create(seed=seed, space=space, trials=trials,
                                    options=sampler_options)
    with warnings.catch_warnings():
        # Optuna warns about experimental features and dynamic ranges per trial;
        # the constraint clipping in ParamSpace.suggest changes ranges on purpose.
        warnings.simplefilter("ignore")
        study = optuna.create_study(direction="maximize", sampler=optuna_sampler)

        values: list[float] = []
        best_value = -math.inf
        best = None
        cache: dict[tuple, tuple[float, dict]] = {}
        asked = 0
        while asked < trials:
            batch = [study.ask() for _ in range(min(batch_size, trials - asked))]
            asked += len(batch)
            proposals = [space.suggest(trial) for trial in batch]
            # Evaluation order inside a batch cannot matter: each evaluation is a pure
            # function of its parameters. Results are told in trial-number order.
            for trial, params in zip(batch, proposals):
                signature = tuple(sorted(params.items()))
                if signature not in cache:
                    evaluation = evaluate(strategy, params, data, start, end, base_options,
                                          periods_per_year)
                    value = float(evaluation.metrics[objective])
                    cache[signature] = (value if math.isfinite(value) else WORST_VALUE,
                                        evaluation.metrics)
                value, window_metrics = cache[signature]
                study.tell(trial, value)
                values.append(value)
                if value > best_value:
                    best_value, best = value, (params, window_metrics)
    params, window_metrics = best
    return Outcome(dict(params), dict(window_metrics), values)
