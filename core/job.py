"""Jobs: one (asset, fold) of a screen, run the same way in any process.

A :class:`Job` is a small frozen value: its stable key, the strategy name and
space, the fold's windows, the bars it needs and the seed material. Executors send
jobs to :func:`execute_job`, a module-level function that rebuilds the plugin
manager in the worker from the job's plugin list and calls the
``seedwalk_run_job`` hook, which the RNG context wraps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import traceback
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from seedwalk import metrics, overfitting
from seedwalk.errors import ReproducibilityError, SeedwalkError
from seedwalk.hookspecs import hookimpl
from seedwalk.ohlcv import OHLCV
from seedwalk.optimize import optimize_window
from seedwalk.plugins.rng import CONTEXT_TOKEN
from seedwalk.space import ParamSpace
from seedwalk.walkforward import Fold

logger = logging.getLogger(__name__)

#: Version of the job result file layout; bump when fields change meaning.
RESULT_FORMAT = 1


@attrs.frozen(eq=False)
class Job:
    """One walk-forward fold of one asset.

    Attributes:
        key: the job's stable identity, for example ``("screen", "GALA-USDT", "fold", 3)``.
            Its canonical JSON, hashed, seeds everything random in the job.
        base_seed: the run's base seed.
        strategy: strategy name, resolved in the worker.
        space: the parameter space, with the config's overrides applied.
        fold: the fold's windows as bar positions in the asset's full series.
        data: the asset's bars from ``offset`` up to the fold's out-of-sample end. Later
            bars are not sent, so the job cannot read them.
        offset: position of ``data``'s first bar in the full series.
        sampler, trials, batch_size, objective, sampler_options: the optimization.
        trial_workers: threads evaluating one batch of trials; speed only.
        backtest: engine options as a dict (``BacktestOptions`` fields).
        calendar: ``"crypto"`` or ``"equity"``, for annualization.
        plugins: plugin module names the worker loads; autoload: load entry points too.
    """

    key: tuple
    base_seed: int
    strategy: str
    space: ParamSpace
    fold: Fold
    data: OHLCV
    offset: int
    sampler: str
    trials: int
    batch_size: int
    objective: str
    sampler_options: Mapping[str, Any]
    trial_workers: int
    backtest: Mapping[str, Any]
    calendar: str
    plugins: tuple[str, ...] = ()
    autoload: bool = True

    @property
    def asset(self) -> str:
        return self.data.asset


@attrs.define
class JobContext:
    """Mutable holder that ``seedwalk_run_job`` wrappers fill in before the job runs.

    Attributes:
        seeds: the job's :class:`~seedwalk.seeding.JobSeeds`, set by the RNG context.
        rng: an explicit ``numpy.random.Generator`` for the job's own draws.
        token: the RNG context's marker; the core refuses a job without it.
        registry: the worker's component registry.
    """

    seeds: Any = None
    rng: Any = None
    token: Any = None
    registry: Any = None


@attrs.frozen
class JobResult:
    """A job's outcome. Every field is JSON-ready, so files round-trip exactly.

    Attributes:
        key: the job key (a list once read back from JSON, compared as a tuple).
        asset, fold: which job this is.
        status: ``"ok"`` or ``"error"``.
        params: the best in-sample parameters.
        in_sample, out_of_sample: metric dicts of the best parameters per window.
        oos_times: out-of-sample bar open times, int64 ns UTC.
        oos_returns: per-bar simple returns of the out-of-sample window.
        trades: out-of-sample trades as dicts (bar positions are absolute).
        trial_values: objective value of every trial in trial-number order.
        error: the error message when status is ``"error"``; traceback: its traceback.
    """

    key: tuple = attrs.field(converter=tuple)
    asset: str
    fold: int
    status: str
    params: dict = attrs.field(factory=dict)
    in_sample: dict = attrs.field(factory=dict)
    out_of_sample: dict = attrs.field(factory=dict)
    oos_times: list = attrs.field(factory=list)
    oos_returns: list = attrs.field(factory=list)
    trades: list = attrs.field(factory=list)
    trial_values: list = attrs.field(factory=list)
    error: str | None = None
    traceback: str | None = None

    def to_json(self) -> str:
        data = attrs.asdict(self)
        data["key"] = list(self.key)
        data["format"] = RESULT_FORMAT
        # Non-finite floats are written as null, since JSON has no NaN.
        return json.dumps(_json_ready(data), sort_keys=True, separators=(",", ":"),
                          allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "JobResult":
        data = json.loads(text)
        data.pop("format", None)
        return cls(**data)

    def digest(self) -> str:
        """Return the SHA-256 of the result's canonical JSON, minus the traceback.

        Tracebacks name file paths, which differ between machines; the message stays.
        """
        return hashlib.sha256(attrs.evolve(self, traceback=None).to_json().encode()).hexdigest()


def _json_ready(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return _json_ready(value.item())
    return value


def execute_job(job: Job) -> JobResult:
    """Run one job in this process and return its result; never raises for job errors.

    This is the function executors send to workers. An exception inside the job
    becomes a result with status ``"error"``, its message and its traceback.
    """
    from seedwalk.plugins_manager import worker_manager

    try:
        pm, registry = worker_manager(job.plugins, job.autoload)
        context = JobContext(registry=registry)
        result = pm.hook.seedwalk_run_job(job=job, context=context)
        if result is None:
            raise ReproducibilityError(f"no plugin returned a result for job {job.key!r}")
        return result
    except Exception as exc:  # a job's failure is reported in its result, never lost
        logger.debug("job %r failed", job.key, exc_info=True)
        message = str(exc) if isinstance(exc, SeedwalkError) else f"{type(exc).__name__}: {exc}"
        return JobResult(key=job.key, asset=job.asset, fold=job.fold.index, status="error",
                         error=message, traceback=traceback.format_exc())


@hookimpl(trylast=True)
def seedwalk_run_job(job: Job, context: JobContext) -> JobResult:
    """Optimize on the fold's in-sample window and test the best parameters out of sample."""
    if context.token is not CONTEXT_TOKEN or context.seeds is None:
        raise ReproducibilityError(
            f"job {job.key!r} reached the core without the RNG context; the plugin "
            f"'seedwalk.rng' must wrap every job")
    from seedwalk.backtest import BacktestOptions

    strategy = context.registry.strategy(job.strategy)
    base_options = BacktestOptions.from_dict(dict(job.backtest))
    fold = job.fold
    data = job.data
    ppy = metrics.periods_per_year(data.bar_seconds, job.calendar)

    is_start, is_end = fold.is_start - job.offset, fold.is_end - job.offset
    oos_start, oos_end = fold.oos_start - job.offset, fold.oos_end - job.offset

    outcome = optimize_window(
        strategy=strategy, space=job.space, data=data.slice(0, is_end), start=is_start,
        end=is_end, base_options=base_options, periods_per_year=ppy,
        sampler=context.registry.sampler(job.sampler), seed=context.seeds.sampler,
        trials=job.trials, batch_size=job.batch_size, objective=job.objective,
        sampler_options=job.sampler_options, trial_workers=job.trial_workers)

    in_sample = dict(outcome.metrics)
    in_sample["deflated_sharpe"] = overfitting.deflated_sharpe(
        in_sample["sharpe"] / math.sqrt(ppy), in_sample["n_bars"], in_sample["skewness"],
        in_sample["kurtosis"], [value / math.sqrt(ppy) for value in outcome.trial_sharpes])

    oos = evaluate(strategy, outcome.params, data, oos_start, oos_end, base_options, ppy)
    trades = [_trade_dict(row, job.offset) for row in oos.simulation.trades]
    return JobResult(
        key=job.key, asset=job.asset, fold=fold.index, status="ok",
        params=dict(outcome.params), in_sample=in_sample, out_of_sample=oos.metrics,
        oos_times=[int(t) for t in data.times[oos_start:oos_end]],
        oos_returns=[float(r) for r in oos.returns], trades=trades,
        trial_values=[float(v) for v in outcome.trial_values])


@attrs.frozen
class Evaluation:
    simulation: Any
    returns: np.ndarray
    metrics: dict


def evaluate(strategy, params, data: OHLCV, start: int, end: int, base_options,
             periods_per_year: float) -> Evaluation:
    """Backtest ``params`` on bars ``[start, end)`` of ``data``, with earlier bars as warm-up."""
    from seedwalk.backtest import simulate

    options = _options_for(strategy, params, base_options)
    signals = strategy.signals(data.open, data.high, data.low, data.close, data.volume, params)
    simulation = simulate(data.open, data.high, data.low, data.close, signals, start=start,
                          end=end, options=options)
    returns = simulation.returns()
    equity = simulation.equity[start:end]
    return Evaluation(simulation, returns, window_metrics(
        len(simulation.trades), equity, returns, options.init_cash, periods_per_year))


def _options_for(strategy, params, base_options):
    overrides = strategy.backtest_options(params)
    return base_options.evolve(**overrides) if overrides else base_options


def window_metrics(n_trades: int, equity: np.ndarray, returns: np.ndarray, init_cash: float,
                   periods_per_year: float) -> dict[str, float]:
    """Return the metrics a job records for one window of equity and per-bar returns."""
    total = metrics.total_return(equity, init_cash)
    drawdown = metrics.max_drawdown(equity, init_cash)
    cagr = metrics.cagr(total, len(returns), periods_per_year)
    _, skewness, kurtosis = overfitting.moments(returns)
    return {
        "sharpe": metrics.sharpe_ratio(returns, periods_per_year),
        "sortino": metrics.sortino_ratio(returns, periods_per_year),
        "total_return": total,
        "annualized_return": metrics.annualized_return(total, len(returns), periods_per_year),
        "cagr": cagr,
        "calmar": metrics.calmar_ratio(cagr, drawdown),
        "max_drawdown": drawdown,
        "n_trades": int(n_trades),
        "n_bars": int(len(returns)),
        "skewness": skewness,
        "kurtosis": kurtosis,
    }


def _trade_dict(row, offset: int) -> dict[str, Any]:
    trade = {name: row[name].item() for name in row.dtype.names}
    for name in ("entry_index", "exit_index"):
        if name in trade:
            trade[name] = int(trade[name]) + offset
    return trade
