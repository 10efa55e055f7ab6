"""The runner: config to plan, plan to jobs, jobs to results, results to tables.

Everything that can fail because of the user's input (config, plugins, data, fold
sizes) is checked while planning, before the run folder is touched. Jobs then run
on the chosen executor; each result is saved the moment it arrives, so an
interrupted run keeps its finished jobs and a second run finishes the rest.
"""

from __future__ import annotations

import io
import json
import logging
import platform
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import attrs
import pandas as pd

import seedwalk
from seedwalk import aggregate, metrics
from seedwalk._names import suggest
from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError, SeedwalkError
from seedwalk.html_report import render_report
from seedwalk.job import Job, JobResult, execute_job
from seedwalk.plugins_manager import (Registry, SeedwalkPluginManager, autoload_enabled,
                                      build_plugin_manager, describe_plugins)
from seedwalk.rundir import RunDirectory, atomic_write_bytes, atomic_write_text
from seedwalk.seeding import canonical_key, key_words
from seedwalk.walkforward import split_folds

logger = logging.getLogger(__name__)

#: Packages whose versions the manifest records, because they can change numbers.
RECORDED_PACKAGES = ("numpy", "pandas", "numba", "llvmlite", "optuna", "pluggy", "joblib",
                     "attrs", "pyarrow")


@attrs.frozen(eq=False)
class Plan:
    """A planned run.

    Attributes:
        config: the run's config.
        jobs: every job, sorted by key.
        run_dir: the output folder.
        manifest: the manifest dict written to ``manifest.json``.
        done: results of jobs already finished by an earlier attempt, by canonical key.
        asset_errors: assets that could not be planned, with the reason.
        periods_per_year: per asset.
    """

    config: RunConfig
    jobs: tuple
    run_dir: RunDirectory
    manifest: dict
    done: dict
    asset_errors: dict
    periods_per_year: dict


@attrs.frozen(eq=False)
class ScreenResult:
    """The result of :func:`run_screen`: per-asset summary, job results and run folder."""

    summary: pd.DataFrame
    results: dict
    run_dir: Path
    plan: Plan


def _versions() -> dict[str, str]:
    versions = {"seedwalk": seedwalk.__version__, "python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def plan_screen(config: RunConfig, out: str | Path, *, pm: SeedwalkPluginManager | None = None,
                autoload: bool | None = None) -> tuple[Plan, SeedwalkPluginManager, Registry]:
    """Validate everything and build the jobs, without writing anything.

    Raises:
        SeedwalkError: bad config, plugin, data, asset name or fold sizes.
    """
    if pm is None:
        pm = build_plugin_manager(config.plugins, autoload=autoload)
    registry = Registry.from_manager(pm)
    # Workers must load the same plugins as this process, so the environment
    # variable is read once here and the decision travels with each job.
    autoload_flag = autoload_enabled(autoload)

    strategy = registry.strategy(config.strategy)
    space = strategy.space.with_overrides(config.space)
    warmup = strategy.max_warmup(space)
    registry.sampler(config.optimize.sampler)
    registry.executor(config.execution.executor)

    source_cls = registry.data_source(config.data.source)
    source = source_cls.from_config(dict(config.data.options), Path(config.data.base_dir))
    known = source.assets()
    assets = list(config.assets) if config.assets is not None else list(known)
    if config.assets is not None and not assets:
        raise ConfigError("the asset list is empty; name at least one asset, or leave "
                          "'assets' out to screen every asset of the data source")
    if not assets:
        raise ConfigError(f"data source {config.data.source!r} has no assets; check [data]")
    for asset in assets:
        if asset not in known:
            raise ConfigError(f"unknown asset {asset!r} in data source {config.data.source!r}. "
                              f"{suggest(asset, known)}")
    if len(set(assets)) != len(assets):
        raise ConfigError(f"asset list has duplicates: {assets!r}")

    wf = config.walkforward
    jobs: list[Job] = []
    fingerprints: dict[str, str] = {}
    asset_errors: dict[str, str] = {}
    periods: dict[str, float] = {}
    first_data = None
    for asset in sorted(assets):
        data = source.load(asset)
        first_data = first_data or data
        fingerprints[asset] = data.fingerprint
        periods[asset] = metrics.periods_per_year(data.bar_seconds, config.calendar)
        try:
            folds = split_folds(len(data), in_sample=wf.in_sample, out_of_sample=wf.out_of_sample,
                                step=wf.step, anchored=wf.anchored, gap=wf.gap)
        except ConfigError as exc:
            if len(assets) == 1:
                raise ConfigError(f"asset {asset!r}: {exc}") from None
            asset_errors[asset] = str(exc)
            continue
        for fold in folds:
            # One bar more than the warm-up: with next-open fills the engine fills bar
            # is_start - 1's signal at is_start's open, and warmup() covers only the
            # signals inside the window.
            offset = max(0, fold.is_start - warmup - 1)
            jobs.append(Job(
                key=("screen", asset, "fold", fold.index), base_seed=config.seed,
                strategy=config.strategy, space=space, fold=fold,
                data=data.slice(offset, fold.oos_end), offset=offset,
                sampler=config.optimize.sampler, trials=config.optimize.trials,
                batch_size=config.optimize.batch_size, objective=config.optimize.objective,
                sampler_options=dict(config.optimize.sampler_options),
                trial_workers=config.optimize.trial_workers,
                backtest={k: v for k, v in config.backtest.items() if k != "calendar"},
                calendar=config.calendar, plugins=tuple(config.plugins),
                autoload=autoload_flag))
    check_components(strategy, space, registry.sampler(config.optimize.sampler), config,
                     first_data.bar_seconds, warmup)
    if not jobs:
        raise ConfigError("no asset has enough bars for one fold: "
                          + "; ".join(f"{a}: {m}" for a, m in asset_errors.items()))
    jobs.sort(key=lambda job: canonical_key(job.key))

    manifest = {
        "run_id": _run_id(config),
        "seedwalk_version": seedwalk.__version__,
        "base_seed": config.seed,
        "config": config.to_dict(),
        "versions": _versions(),
        "data_source": source.describe(),
        "data_fingerprints": dict(sorted(fingerprints.items())),
        "plugins": describe_plugins(pm),
        "jobs": [list(job.key) for job in jobs],
        "asset_errors": asset_errors,
        "config_base_dir": str(Path(config.data.base_dir).resolve()),
        "command": sys.argv,
    }
    run_dir = RunDirectory(out)
    plan = Plan(config, tuple(jobs), run_dir, manifest, {}, asset_errors, periods)
    return plan, pm, registry


def check_components(strategy, space, sampler, config: RunConfig, bar_seconds: int,
                     warmup: int) -> None:
    """Try the sampler and the strategy once, so that bad settings fail before any job.

    Sampler options are checked by building the sampler. The strategy computes
    signals for a few parameter sets drawn from the space (its bounds and a seeded
    random draw) on synthetic bars, so bounds that the strategy itself rejects with
    a seedwalk error, such as a window of 0, are reported now instead of by every
    job. Synthetic bars keep the user's data out of this check, and any other
    exception is left for the jobs to report per asset.
    """
    import warnings

    import optuna

    from seedwalk.optimize import quiet_optuna
    from seedwalk.plugins.data_sources import synthetic_bars

    quiet_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler.create(seed=0, space=space, trials=config.optimize.trials,
                       options=config.optimize.sampler_options)
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        candidates = [space.suggest(study.ask()) for _ in range(3)]
    candidates += [_corner(space, "low"), _corner(space, "high")]
    data = synthetic_bars("CHECK", bars=warmup + 64, bar_seconds=bar_seconds, seed=0,
                          start_ns=0)
    for params in candidates:
        if params is None:
            continue
        try:
            strategy.warmup(params)
            strategy.signals(data.open, data.high, data.low, data.close, data.volume, params)
        except SeedwalkError as exc:
            raise ConfigError(f"strategy {strategy.name!r} rejected parameters {params!r} "
                              f"from its space: {exc}. Adjust the [space] bounds") from None
        except Exception:  # a bug in the strategy: each job reports it with its traceback
            logger.debug("strategy %r failed on %r during the pre-run check", strategy.name,
                         params, exc_info=True)
            return


def _corner(space, side: str):
    """Return every parameter at its ``side`` bound, or None if that breaks a constraint."""
    params = {}
    for param in space.params:
        if hasattr(param, "choices"):
            params[param.name] = param.choices[0 if side == "low" else -1]
        else:
            params[param.name] = getattr(param, side)
    return params if all(c.holds(params) for c in space.constraints) else None


def _run_id(config: RunConfig) -> str:
    """Return a digest of the settings that define results: config and seedwalk version.

    The asset selection and the execution settings are left out, so a run can be
    resumed with other workers or more assets. Data fingerprints are compared per
    asset by :meth:`RunDirectory.prepare` instead.
    """
    text = json.dumps([config.results_dict(), seedwalk.__version__], sort_keys=True,
                      separators=(",", ":"), default=str)
    return "".join(f"{word:08x}" for word in key_words(text)[:4])


def run_screen(config: RunConfig, out: str | Path, *, observers: Iterable = (),
               autoload: bool | None = None, job_order: Sequence[int] | None = None,
               max_retries: int = 2) -> ScreenResult:
    """Plan and run a walk-forward screen, writing the run folder ``out``.

    Args:
        config: the run's configuration.
        out: the run folder; an existing folder of the same run is resumed.
        observers: plugin objects for the run lifecycle hooks (progress bars, loggers).
        autoload: whether to load entry-point plugins (None: from the environment).
        job_order: a permutation of job positions to submit in that order instead
            of key order; results never depend on it (the tests check that).
        max_retries: how many times a job whose worker died is run again on its own
            before it is reported as ERROR.

    Returns:
        The per-asset summary, every job's result by canonical key, and the folder.
    """
    pm = build_plugin_manager(config.plugins, autoload=autoload,
                              extra=[(o, f"observer-{i}") for i, o in enumerate(observers)])
    plan, pm, registry = plan_screen(config, out, pm=pm, autoload=autoload)
    plan.run_dir.check_same_run(plan.manifest)

    for job in plan.jobs:
        saved = plan.run_dir.load_result(job.key)
        # A saved error is run again: its cause may have been the environment (a
        # missing package, a full disk) rather than the job, and a job whose error is
        # deterministic simply fails the same way again.
        if saved is not None and saved.status == "ok":
            plan.done[canonical_key(job.key)] = saved
    pending = [job for job in plan.jobs if canonical_key(job.key) not in plan.done]
    if job_order is not None:
        order = [plan.jobs[i] for i in job_order]
        pending = [job for job in order if canonical_key(job.key) not in plan.done]
    logger.info("run %s: %d jobs, %d finished earlier, %d to run", plan.manifest["run_id"],
                len(plan.jobs), len(plan.done), len(pending))

    # The executor is built before the run folder is written, so a missing package or
    # a bad executor option fails with nothing written. More workers than pending
    # jobs would only cost start-up time, so the count is capped there.
    workers = min(config.execution.resolved_workers(), max(1, len(pending)))
    executor_cls = registry.executor(config.execution.executor)
    executor = executor_cls(workers=workers, options=config.execution.options)
    plan.run_dir.prepare(plan.manifest)
    pm.hook.seedwalk_run_start(plan=plan)

    results: dict[str, JobResult] = dict(plan.done)

    def collect(result: JobResult, *, save: bool = True) -> None:
        results[canonical_key(result.key)] = result
        if save:
            plan.run_dir.save_result(result)
        if result.status != "ok":
            logger.error("job %r failed: %s", result.key, result.error)
        pm.hook.seedwalk_job_finish(plan=plan, result=result)

    with executor:
        run_with_retries(executor, pending, collect, max_retries=max_retries)

    summary = summarize(plan, results)
    write_tables(plan.run_dir, summary)
    atomic_write_text(plan.run_dir.path / "report.html",
                      render_report(summary, results, plan.manifest))
    pm.hook.seedwalk_run_finish(plan=plan, summary=summary)
    return ScreenResult(summary, results, plan.run_dir.path, plan)


def summarize(plan: Plan, results: dict[str, JobResult]) -> pd.DataFrame:
    """Aggregate job results into one row per asset."""
    by_asset: dict[str, list[JobResult]] = {}
    for job in plan.jobs:
        by_asset.setdefault(job.asset, []).append(results[canonical_key(job.key)])
    init_cash = plan.config.backtest_options().init_cash
    rows = [aggregate.summarize_asset(asset, fold_results, plan.config.criteria, init_cash,
                                      plan.periods_per_year[asset])
            for asset, fold_results in by_asset.items()]
    rows += [aggregate.error_row(asset, message) for asset, message in plan.asset_errors.items()]
    return aggregate.results_frame(rows)


def write_tables(run_dir: RunDirectory, summary: pd.DataFrame) -> None:
    """Write results.csv and results.parquet atomically."""
    atomic_write_text(run_dir.path / "results.csv", summary.to_csv(index=False))
    buffer = io.BytesIO()
    summary.to_parquet(buffer, index=False)
    atomic_write_bytes(run_dir.path / "results.parquet", buffer.getvalue())


def run_with_retries(executor, jobs: Sequence[Job], collect, *, max_retries: int) -> None:
    """Run ``jobs`` on ``executor``, recovering from workers that die.

    A failure of the executor itself (a worker process killed by the operating
    system, a crash in native code, a lost cluster) loses the jobs in flight, and
    executors such as joblib's do not say which job was running. So the lost jobs
    run once more together, in case the failure was transient, and after a second
    failure one at a time, which pins each failure on one job. A job that kills its
    worker ``max_retries`` more times on its own is reported as ERROR, with its key
    and the executor's error, and is not saved, so a later resume tries it again.
    Finished jobs are never run twice, and the loop always ends.
    """
    finished: set[str] = set()

    def run(batch: Sequence[Job]) -> Exception | None:
        try:
            for result in executor.map_unordered(execute_job, batch):
                finished.add(canonical_key(result.key))
                collect(result)
        except (KeyboardInterrupt, SeedwalkError):
            raise
        except Exception as exc:  # the executor failed; its jobs in flight are lost
            return exc
        return None

    def unfinished(batch: Sequence[Job]) -> list[Job]:
        return [job for job in batch if canonical_key(job.key) not in finished]

    remaining = list(jobs)
    for attempt in ("all jobs", "lost jobs again"):
        failure = run(remaining)
        remaining = unfinished(remaining)
        if failure is None or not remaining:
            return
        logger.warning("the %s executor failed (%s: %s) while running %s; %d jobs lost",
                       executor.name, type(failure).__name__, failure, attempt, len(remaining))

    for job in remaining:
        for attempt in range(1, max_retries + 1):
            failure = run([job])
            if failure is None:
                break
            logger.error("a worker died while running job %r alone (attempt %d of %d): %s: %s",
                         job.key, attempt, max_retries, type(failure).__name__, failure)
        else:
            collect(JobResult(
                key=job.key, asset=job.asset, fold=job.fold.index, status="error",
                error=(f"the worker running job {list(job.key)!r} died on each of "
                       f"{max_retries} runs on its own ({type(failure).__name__}: {failure}); "
                       f"the job was not saved, so running the same command again retries "
                       f"it")), save=False)
