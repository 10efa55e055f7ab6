"""The ``seedwalk`` command line."""

from __future__ import annotations

import logging
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
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


@main.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--assets", help="Comma-separated asset names as the data names them, e.g. GALA-USDT,BTC-USDT.")
@click.option("--workers", type=click.IntRange(min=0), help="Number of workers; 0 means one per CPU core.")
@click.option("--executor", help="Executor name: serial, joblib, threads, or one from a plugin.")
@click.option("--seed", type=click.IntRange(min=0, max=2**64 - 1), help="Base seed of the run (default 0).")
@click.option("--trials", type=click.IntRange(min=1), help="Optimization trials per in-sample window.")
@click.option("--strategy", help="Strategy name, e.g. sma_cross.")
@click.option("--sampler", help="Sampler name: tpe, random, qmc, grid.")
@click.option("--plugin", "plugins", multiple=True, help="Import this module as a plugin (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder; an existing folder of the same run is resumed. "
                   "Default: seedwalk-runs/screen-<UTC time>.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def screen(config_file, assets, workers, executor, seed, trials, strategy, sampler, plugins, out,
           no_progress):
    """Run a walk-forward screen and print one row per asset.

    Without CONFIG_FILE it screens the bundled sample of 20 Binance assets (4h bars)
    with the SMA crossover strategy. The run folder gets manifest.json, one result
    file per job, and results.csv / results.parquet.
    """
    from seedwalk.progress import ProgressReporter
    from seedwalk.report import print_summary
    from seedwalk.runner import run_screen

    try:
        config = RunConfig.from_toml(config_file) if config_file else RunConfig()
        config = _apply_overrides(config, assets=assets, workers=workers, executor=executor,
                                  seed=seed, trials=trials, strategy=strategy, plugins=plugins,
                                  sampler=sampler)
    except SeedwalkError as exc:
        _fail(str(exc))
    out = out or _default_out()
    reporter = ProgressReporter(enabled=not no_progress)
    try:
        result = run_screen(config, out, observers=[reporter])
    except SeedwalkError as exc:
        reporter.stop()
        _fail(str(exc))
    except KeyboardInterrupt:
        reporter.stop()
        _fail(f"interrupted; finished jobs are saved in {str(out)!r}. Run the same command "
              f"with --out {out} to finish the rest", code=130)
    print_summary(result.summary, result.run_dir)


if __name__ == "__main__":  # pragma: no cover
    main()
