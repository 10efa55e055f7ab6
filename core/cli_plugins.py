"""The ``seedwalk plugins`` and ``seedwalk check-strategy`` commands.

Both are plain :class:`click.Command` objects, added to the ``seedwalk`` group by
:mod:`seedwalk.cli`. Exit status: 0 on success, 1 when a strategy fails a check,
2 for bad input (an unknown name, a plugin that fails to load, unreadable data).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import click

from seedwalk.errors import SeedwalkError

#: Registry kinds, in the order ``seedwalk plugins`` lists them, with their plural.
KINDS = (("strategy", "strategies"), ("data source", "data sources"),
         ("sampler", "samplers"), ("executor", "executors"))

_PLUGIN_HELP = "Also register this module as a plugin, like a config's 'plugins' list (repeatable)."


def _fail(message: str, code: int = 2):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _source_label(source: str) -> str:
    # Modules named on the command line reach the manager as a config's plugins do.
    return "--plugin" if source == "config" else source


def _provided(registry) -> dict[str, dict[str, list[str]]]:
    """Return, per plugin name, the component names it provides, by kind."""
    provided: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (kind, name), plugin in registry.providers.items():
        provided[plugin][kind].append(name)
    return provided


def _other_hooks(pm, plugin) -> list[str]:
    """Return the hooks a plugin implements besides the seedwalk_add_* registration hooks."""
    names = []
    for caller in pm.get_hookcallers(plugin) or []:
        if caller.name.startswith("seedwalk_add_"):
            continue
        impls = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]
        wrapper = any(impl.wrapper or impl.hookwrapper for impl in impls)
        names.append(f"{caller.name} (wrapper)" if wrapper else caller.name)
    return sorted(names)


def plugin_table(pm, registry):
    """Return a :class:`rich.table.Table` with one row per registered plugin."""
    from rich.table import Table

    from seedwalk.plugins_manager import describe_plugins

    provided = _provided(registry)
    table = Table(title="seedwalk plugins", show_lines=True)
    table.add_column("plugin", overflow="fold")
    table.add_column("source", overflow="fold")
    table.add_column("provides", overflow="fold")
    table.add_column("other hooks", overflow="fold")
    for row in describe_plugins(pm):
        name = row["name"]
        parts = [f"{plural}: {', '.join(provided[name][kind])}"
                 for kind, plural in KINDS if provided[name].get(kind)]
        hooks = _other_hooks(pm, pm.get_plugin(name))
        table.add_row(name, _source_label(row["source"]), "\n".join(parts) or "-",
                      "\n".join(hooks) or "-")
    return table


@click.command("plugins")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE", help=_PLUGIN_HELP)
def plugins_command(plugins):
    """List every registered plugin, where it comes from and what it provides.

    Sources: built-in, an entry point of the 'seedwalk' group (with its
    distribution and version), or a module given with --plugin. Entry points are
    skipped when SEEDWALK_DISABLE_PLUGIN_AUTOLOAD is set to a non-empty value.
    """
    from rich.console import Console

    from seedwalk.plugins_manager import AUTOLOAD_ENV, Registry, build_plugin_manager

    try:
        pm = build_plugin_manager(plugins)
        registry = Registry.from_manager(pm)
    except SeedwalkError as exc:
        _fail(str(exc))
    table = plugin_table(pm, registry)
    if os.environ.get(AUTOLOAD_ENV):
        table.caption = f"entry points not loaded: {AUTOLOAD_ENV} is set"
    Console().print(table)


def _style_report(text: str) -> str:
    colors = {"PASS": "green", "FAIL": "red", "SKIP": "yellow"}
    lines = []
    for line in text.splitlines():
        status = line[:4]
        if status in colors:
            line = click.style(status, fg=colors[status], bold=True) + line[4:]
        elif line.startswith("result: "):
            line = click.style(line, fg="green" if "PASS" in line else "red", bold=True)
        lines.append(line)
    return "\n".join(lines)


@click.command("check-strategy")
@click.argument("name")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE", help=_PLUGIN_HELP)
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Check on this OHLCV file (CSV, Binance kline CSV, Parquet, freqtrade "
                   "JSON or Feather) instead of the bundled sample.")
@click.option("--asset", metavar="NAME",
              help="Asset of the bundled sample to check on [default: GALA-USDT].")
@click.option("--param-sets", type=click.IntRange(min=1), default=5, show_default=True,
              help="Number of parameter sets drawn from the strategy's space.")
@click.option("--seed", type=click.IntRange(min=0, max=2**64 - 1), default=0, show_default=True,
              help="Seed of the parameter draws, and base seed of the jobs the checks run.")
def check_strategy_command(name, plugins, data_path, asset, param_sets, seed):
    """Check that strategy NAME is causal, warms up as declared and is reproducible.

    Prints a report and exits with status 1 if any check fails. The checks run on
    real bars, for several parameter sets drawn from the strategy's space; see
    seedwalk.testing for the same checks in a test suite.
    """
    from seedwalk.plugins_manager import Registry, build_plugin_manager
    from seedwalk.testing import DEFAULT_ASSET, check_strategy, load_check_data

    if data_path is not None and asset is not None:
        raise click.UsageError("give either --data PATH or --asset NAME, not both")
    try:
        registry = Registry.from_manager(build_plugin_manager(plugins))
        strategy = registry.strategy(name, "the NAME argument; 'seedwalk plugins' lists them")
        data = load_check_data(asset or DEFAULT_ASSET, data_path)
        report = check_strategy(strategy, data, param_sets=param_sets, seed=seed)
    except SeedwalkError as exc:
        _fail(str(exc))
    click.echo(_style_report(report.text()))
    if not report.passed:
        sys.exit(1)
