"""The ``seedwalk`` command line."""

from __future__ import annotations

import logging
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

import attrs
import click

from seedwalk.config import RunConfig
from seedwalk.errors import SeedwalkError

logger = logging.getLogger("seedwalk")


def _fail(message: str, code: int = 2):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _apply_overrides(config: RunConfig, *, assets, workers, executor, seed, trials, strategy,
                     plugins, sampler) -> RunConfig:
    changes = {}
    if assets is not None:
        names = tuple(a.strip() for a in assets.split(",") if a.strip())
        if not names:
            raise click.BadParameter("give at least one asset name", param_hint="--assets")
        changes["assets"] = names
    if seed is not None:
        changes["seed"] = seed
    if strategy is not None:
        changes["strategy"] = strategy
    if plugins:
        changes["plugins"] = tuple(config.plugins) + tuple(plugins)
    if trials is not None or sampler is not None:
        optimize = config.optimize
        if trials is not None:
            optimize = attrs.evolve(optimize, trials=trials)
        if sampler is not None:
            optimize = attrs.evolve(optimize, sampler=sampler)
        changes["optimize"] = optimize
    if workers is not None or executor is not None:
        execution = config.execution
        if workers is not None:
            execution = attrs.evolve(execution, workers=workers)
        if executor is not None:
            execution = attrs.evolve(execution, executor=executor)
        changes["execution"] = execution
    return attrs.evolve(config, **changes) if changes else config


def _default_out() -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path("seedwalk-runs") / f"screen-{stamp}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="seedwalk")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or debug details (-vv) to stderr.")
def main(verbose: int):
    """seedwalk: walk-forward screens with results that do not depend on the executor."""
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = levels.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


@main.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--assets", help="Comma-separated asset names as the data names them, e.g. GALA-USDT,BTC-USDT.")
@click.option("--workers", type=click.IntRange(min=0), help="Number of workers; 0 means one per CPU core.")
@click.option("--executor", help="Executor name: serial, joblib, threads, dask, or one from a plugin.")
@click.option("--seed", type=click.IntRange(min=0, max=2**64 - 1), help="Base seed of the run (default 0).")
@click.option("--trials", type=click.IntRange(min=1), help="Optimization trials per in-sample window.")
@click.option("--strategy", help="Strategy name, e.g. sma_cross.")
@click.option("--sampler", help="Sampler name: tpe, random, qmc, grid.")
@click.option("--plugin", "plugins", multiple=True, help="Import this module as a plugin (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder; an existing folder of the same run is resumed. "
                   "Default: seedwalk-runs/screen-<UTC time>.")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Run the screen under this many base seeds (--seed, --seed + 1, ...) and "
                   "report the spread of each asset's out-of-sample Sharpe.")
@click.option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786; "
                                   "implies --executor dask.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def screen(config_file, assets, workers, executor, seed, trials, strategy, sampler, plugins, out,
           seeds, scheduler, no_progress):
    """Run a walk-forward screen and print one row per asset.

    Without CONFIG_FILE it screens the bundled sample of 20 Binance assets (4h bars)
    with the SMA crossover strategy. The run folder gets manifest.json, one result
    file per job, results.csv / results.parquet and report.html.

    Exit status: 0 when every asset is PASS or FAIL, 1 when an asset is ERROR,
    2 for bad input (config, data, names), 130 when interrupted.
    """
    from seedwalk.progress import ProgressReporter
    from seedwalk.report import print_summary
    from seedwalk.runner import run_screen

    try:
        config = RunConfig.from_toml(config_file) if config_file else RunConfig()
        config = _apply_overrides(config, assets=assets, workers=workers, executor=executor,
                                  seed=seed, trials=trials, strategy=strategy, plugins=plugins,
                                  sampler=sampler)
        if scheduler is not None:
            execution = attrs.evolve(config.execution, executor="dask",
                                     options={**config.execution.options, "scheduler": scheduler})
            config = attrs.evolve(config, execution=execution)
    except SeedwalkError as exc:
        _fail(str(exc))
    out = out or _default_out()
    reporters = []
    # SIGTERM (from a job scheduler or `timeout`) stops the run the way Ctrl-C does,
    # so the user gets the resume hint and the workers are shut down.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    def new_reporter(label=None):
        reporters.append(ProgressReporter(enabled=not no_progress, label=label))
        return [reporters[-1]]

    try:
        if seeds > 1:
            from seedwalk.dispersion import run_seed_screens, seed_list
            from seedwalk.report import print_dispersion

            table = run_seed_screens(config, out, seed_list(config.seed, seeds),
                                     observers_for=lambda s: new_reporter(f"seed {s}"))
            print_dispersion(table, out)
            return
        result = run_screen(config, out, observers=new_reporter())
    except SeedwalkError as exc:
        for reporter in reporters:
            reporter.stop()
        _fail(str(exc))
    except KeyboardInterrupt:
        for reporter in reporters:
            reporter.stop()
        _fail(f"interrupted; finished jobs are saved in {str(out)!r}. Run the same command "
              f"with --out {out} to finish the rest", code=130)
    print_summary(result.summary, result.run_dir)
    errors = int((result.summary["status"] == "ERROR").sum())
    if errors:
        _fail(f"{errors} of {len(result.summary)} assets are ERROR (see the 'error' column of "
              f"{result.run_dir / 'results.csv'}); finished jobs are saved, and running the "
              f"same command again retries the failed ones", code=1)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--jobs", "job_count", type=click.IntRange(min=1),
              help="Re-run a random sample of this many jobs instead of all.")
@click.option("--sample-seed", type=click.IntRange(min=0, max=2**32 - 1),
              help="Seed of the job sample; printed when chosen at random.")
@click.option("--executor", help="Executor to re-run the jobs on (default: the run's).")
@click.option("--workers", type=click.IntRange(min=0), help="Number of workers; 0 means one per CPU core.")
def verify(run_dir, job_count, sample_seed, executor, workers):
    """Re-run a finished run's jobs and compare their result hashes.

    Exits 0 when every checked job matches, 1 on any mismatch or missing result,
    and 3 when an input file changed since the run (its fingerprint differs).
    """
    from seedwalk.report import print_verify
    from seedwalk.verify import verify_run

    try:
        report = verify_run(run_dir, jobs=job_count, executor=executor, workers=workers,
                            sample_seed=sample_seed)
    except SeedwalkError as exc:
        _fail(str(exc))
    print_verify(report)
    if report.changed_data:
        sys.exit(3)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--executors", default="serial,joblib,threads", show_default=True,
              help="Comma-separated executor names to time.")
@click.option("--workers", "worker_counts", default="1,2,4", show_default=True,
              help="Comma-separated worker counts for every executor but serial.")
@click.option("--assets", default="BTC-USDT,ETH-USDT,GALA-USDT,SOL-USDT", show_default=True,
              help="Comma-separated assets of the workload.")
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True,
              help="Optimization trials per in-sample window.")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs per row; the row shows their median wall time.")
@click.option("--plugin", "plugins", multiple=True, help="Import this module as a plugin (repeatable).")
def bench(config_file, executors, worker_counts, assets, trials, repeat, plugins):
    """Time one screen on each executor and worker count and compare result hashes.

    Prints wall time, speed-up over serial and a result hash per row. Exits 1 when
    any hash differs from the serial run's.
    """
    from seedwalk.bench import run_bench
    from seedwalk.report import print_bench_row

    try:
        counts = [int(c) for c in worker_counts.split(",") if c.strip()]
    except ValueError:
        raise click.BadParameter(f"expected integers like 1,2,4 (got {worker_counts!r})",
                                 param_hint="--workers") from None
    try:
        config = RunConfig.from_toml(config_file) if config_file else RunConfig()
        config = _apply_overrides(config, assets=assets, workers=None, executor=None, seed=None,
                                  trials=trials, strategy=None, plugins=plugins, sampler=None)
        names = [n.strip() for n in executors.split(",") if n.strip()]
        serial_seconds = []

        def show(row):
            if not serial_seconds:
                serial_seconds.append(row.seconds)
            print_bench_row(row, serial_seconds[0])

        rows = run_bench(config, names, counts, repeat=repeat, on_row=show)
    except SeedwalkError as exc:
        _fail(str(exc))
    hashes = {row.result_hash for row in rows}
    if len(hashes) != 1:
        _fail(f"result hashes differ between executors: {len(hashes)} distinct hashes over "
              f"{len(rows)} runs. The executors do not give identical results; report this "
              f"with the table above", code=1)
    click.echo(f"all {len(rows)} runs gave result hash {rows[0].result_hash[:16]}")


from seedwalk.cli_plugins import check_strategy_command, plugins_command  # noqa: E402

main.add_command(plugins_command)
main.add_command(check_strategy_command)


if __name__ == "__main__":  # pragma: no cover
    main()
