"""``seedwalk plugins`` and ``seedwalk check-strategy``, and plugin discovery errors as
a user sees them on the command line."""

from __future__ import annotations

import sys
import textwrap

import pytest
from click.testing import CliRunner

from seedwalk.cli_plugins import check_strategy_command, plugins_command
from seedwalk.plugins_manager import AUTOLOAD_ENV
from seedwalk.testing import load_check_data

# Wide enough that rich never wraps a plugin name or a component list.
WIDE = {"COLUMNS": "250"}
NO_AUTOLOAD = {**WIDE, AUTOLOAD_ENV: "1"}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path; returns a function that writes a module into it."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    written = []

    def write(name: str, source: str):
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return folder

    yield write
    for name in written:
        sys.modules.pop(name, None)


def fake_distribution(folder, dist_name: str, version: str, entry_points: dict[str, str]):
    """Write the metadata of an installed distribution with ``seedwalk`` entry points."""
    info = folder / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
    lines = "\n".join(f"{key} = {value}" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[seedwalk]\n{lines}\n")


def invoke(command, args, env=NO_AUTOLOAD):
    return CliRunner().invoke(command, args, env=env)


STRATEGY_PLUGIN = """
    from seedwalk.hookspecs import hookimpl
    from seedwalk.strategies import SmaCross

    class Copy(SmaCross):
        name = "{name}"

    @hookimpl
    def seedwalk_add_strategies():
        return [Copy]
"""


# --- seedwalk plugins -----------------------------------------------------------------------------


def test_plugins_lists_builtins_with_components():
    result = invoke(plugins_command, [])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}
    assert "built-in" in rows["seedwalk.plugins.builtin_strategies"]
    assert "strategies: sma_cross, ema_cross, rsi_reversion" in rows[
        "seedwalk.plugins.builtin_strategies"]
    assert "data sources: files, sample, synthetic" in rows["seedwalk.plugins.data_sources"]
    assert "samplers: tpe, random, qmc, grid" in rows["seedwalk.plugins.samplers"]
    assert "executors: serial, joblib, threads" in rows["seedwalk.plugins.executors"]
    assert "seedwalk_run_job (wrapper)" in rows["seedwalk.rng"]
    assert f"entry points not loaded: {AUTOLOAD_ENV} is set" in result.stdout


def test_plugin_option_registers_module(plugin_dir):
    plugin_dir("sw_cli_extra", STRATEGY_PLUGIN.format(name="extra_cross"))
    result = invoke(plugins_command, ["--plugin", "sw_cli_extra"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "sw_cli_extra" in line)
    assert "--plugin" in row
    assert "strategies: extra_cross" in row


def test_plugin_that_fails_to_import(plugin_dir):
    plugin_dir("sw_cli_missing_dep", "import sw_no_such_dependency\n")
    result = invoke(plugins_command, ["--plugin", "sw_cli_missing_dep"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: plugin module 'sw_cli_missing_dep' could not be "
                                    "imported: No module named 'sw_no_such_dependency'")


def test_unknown_plugin_module():
    result = invoke(plugins_command, ["--plugin", "sw_cli_not_there"])
    assert result.exit_code == 2
    assert "'sw_cli_not_there' could not be imported" in result.stderr


def test_plugin_raising_at_import_is_named(plugin_dir):
    plugin_dir("sw_cli_boom", "raise RuntimeError('plugin exploded')\n")
    result = invoke(plugins_command, ["--plugin", "sw_cli_boom"])
    assert result.exit_code == 2
    assert "'sw_cli_boom'" in result.stderr
    assert "plugin exploded" in result.stderr


def test_misspelt_hook_names_plugin_and_hook(plugin_dir):
    plugin_dir("sw_cli_misspelt", """
        from seedwalk.hookspecs import hookimpl

        @hookimpl
        def seedwalk_add_strategy():
            return []
    """)
    result = invoke(plugins_command, ["--plugin", "sw_cli_misspelt"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: plugin 'sw_cli_misspelt' implements a hook that "
                                    "seedwalk does not define")
    assert "'seedwalk_add_strategy'" in result.stderr


def test_wrong_hook_signature_names_plugin_and_hook(plugin_dir):
    plugin_dir("sw_cli_signature", """
        from seedwalk.hookspecs import hookimpl

        @hookimpl
        def seedwalk_run_start(plan, extra):
            pass
    """)
    result = invoke(plugins_command, ["--plugin", "sw_cli_signature"])
    assert result.exit_code == 2
    assert "Plugin 'sw_cli_signature' for hook 'seedwalk_run_start'" in result.stderr
    assert "seedwalk_run_start(plan, extra)" in result.stderr
    assert "{'extra'}" in result.stderr


def test_wrong_hook_signature_error_starts_with_plugin_name(plugin_dir):
    plugin_dir("sw_cli_signature2", """
        from seedwalk.hookspecs import hookimpl

        @hookimpl
        def seedwalk_job_finish(plan, result, extra):
            pass
    """)
    result = invoke(plugins_command, ["--plugin", "sw_cli_signature2"])
    assert result.stderr.startswith("error: plugin 'sw_cli_signature2'")


def test_duplicate_strategy_name_is_an_error(plugin_dir):
    plugin_dir("sw_cli_dupe", STRATEGY_PLUGIN.format(name="sma_cross"))
    result = invoke(plugins_command, ["--plugin", "sw_cli_dupe"])
    assert result.exit_code == 2
    assert ("strategy name 'sma_cross' is provided by both "
            "'seedwalk.plugins.builtin_strategies' and 'sw_cli_dupe'") in result.stderr


# --- entry points ---------------------------------------------------------------------------------


def test_entry_point_listed_with_distribution(plugin_dir):
    folder = plugin_dir("sw_cli_ep_module", STRATEGY_PLUGIN.format(name="ep_cross"))
    fake_distribution(folder, "sw-cli-fake-dist", "1.2.3", {"sw-cli-ep": "sw_cli_ep_module"})
    result = invoke(plugins_command, [], env={**WIDE, AUTOLOAD_ENV: ""})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "sw-cli-ep" in line)
    assert "entry point (sw-cli-fake-dist 1.2.3)" in row
    assert "strategies: ep_cross" in row
    assert "entry points not loaded" not in result.stdout


def test_autoload_env_skips_entry_points(plugin_dir):
    folder = plugin_dir("sw_cli_ep_skipped", STRATEGY_PLUGIN.format(name="skipped_cross"))
    fake_distribution(folder, "sw-cli-skipped-dist", "0.1", {"sw-cli-skipped": "sw_cli_ep_skipped"})
    result = invoke(plugins_command, [], env={**WIDE, AUTOLOAD_ENV: "1"})
    assert result.exit_code == 0, result.output
    assert "sw-cli-skipped" not in result.stdout
    assert "skipped_cross" not in result.stdout


def test_broken_entry_point_named_and_skippable(plugin_dir):
    folder = plugin_dir("sw_cli_ep_broken", "raise RuntimeError('entry point exploded')\n")
    fake_distribution(folder, "sw-cli-broken-dist", "2.0", {"sw-cli-broken": "sw_cli_ep_broken"})
    result = invoke(plugins_command, [], env={**WIDE, AUTOLOAD_ENV: ""})
    assert result.exit_code == 2
    assert result.stderr.startswith("error: plugin 'sw-cli-broken' (entry point "
                                    "'sw_cli_ep_broken') failed to load: RuntimeError: entry "
                                    "point exploded")
    assert f"set {AUTOLOAD_ENV}=1 to skip entry points" in result.stderr
    skipped = invoke(plugins_command, [], env={**WIDE, AUTOLOAD_ENV: "1"})
    assert skipped.exit_code == 0, skipped.output


def test_misspelt_hook_in_entry_point(plugin_dir):
    folder = plugin_dir("sw_cli_ep_misspelt", """
        from seedwalk.hookspecs import hookimpl

        @hookimpl
        def seedwalk_add_executor():
            return []
    """)
    fake_distribution(folder, "sw-cli-misspelt-dist", "1.0",
                      {"sw-cli-misspelt": "sw_cli_ep_misspelt"})
    result = invoke(plugins_command, [], env={**WIDE, AUTOLOAD_ENV: ""})
    assert result.exit_code == 2
    assert result.stderr.startswith("error: plugin 'sw-cli-misspelt' implements a hook that "
                                    "seedwalk does not define")
    assert "'seedwalk_add_executor'" in result.stderr


# --- seedwalk check-strategy ----------------------------------------------------------------------


def test_check_strategy_passes_builtin():
    result = invoke(check_strategy_command, ["sma_cross", "--param-sets", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("strategy 'sma_cross' on GALA-USDT (1500 bars of 4h")
    assert "2 parameter set(s) drawn from its space with seed 0:" in result.stdout
    assert result.stdout.rstrip().endswith("result: PASS, all 5 checks passed")


def test_check_strategy_fails_broken_plugin(plugin_dir):
    plugin_dir("sw_cli_lookahead", """
        import pandas as pd
        from seedwalk.hookspecs import hookimpl
        from seedwalk.space import IntParam, ParamSpace
        from seedwalk.strategy import Signals, Strategy

        class Centered(Strategy):
            name = "centered"
            space = ParamSpace((IntParam("window", 5, 50),))

            def warmup(self, params):
                return params["window"]

            def signals(self, open, high, low, close, volume, params):
                series = pd.Series(close)
                diff = series - series.rolling(params["window"], center=True).mean()
                previous = diff.shift()
                return Signals(((previous <= 0) & (diff > 0)).to_numpy(),
                               ((previous >= 0) & (diff < 0)).to_numpy())

        @hookimpl
        def seedwalk_add_strategies():
            return [Centered]
    """)
    result = invoke(check_strategy_command, ["centered", "--plugin", "sw_cli_lookahead",
                                             "--param-sets", "2"])
    assert result.exit_code == 1, result.output
    assert "FAIL causality" in result.stdout
    assert "look-ahead" in result.stdout
    assert "result: FAIL, 1 of 5 checks did not pass (causality)" in result.stdout


def test_check_strategy_on_data_file(tmp_path):
    bars = load_check_data("SOL-USDT")
    path = tmp_path / "SOL-USDT_4h.csv"
    bars.to_frame().iloc[:700].rename_axis("timestamp").to_csv(path)
    result = invoke(check_strategy_command, ["ema_cross", "--data", str(path),
                                             "--param-sets", "2", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("strategy 'ema_cross' on SOL-USDT (700 bars of 4h")
    assert "drawn from its space with seed 5" in result.stdout


def test_check_strategy_on_other_sample_asset():
    result = invoke(check_strategy_command, ["donchian_breakout", "--asset", "BTC-USDT",
                                             "--param-sets", "1"])
    assert result.exit_code == 0, result.output
    assert "on BTC-USDT (" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["sma-cross"], "unknown strategy 'sma-cross'"),
    (["sma_cross", "--asset", "GALA"], "no asset 'GALA'"),
    (["sma_cross", "--data", "/nonexistent/GALA.csv"], "not found"),
    (["sma_cross", "--plugin", "sw_cli_absent_module"], "could not be imported"),
], ids=["strategy", "asset", "data", "plugin"])
def test_check_strategy_bad_input(args, message):
    result = invoke(check_strategy_command, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr


def test_check_strategy_unknown_name_hint():
    result = invoke(check_strategy_command, ["sma-cross"])
    assert "the NAME argument" in result.stderr
    assert "--strategy" not in result.stderr
    assert "Did you mean 'sma_cross'" in result.stderr


def test_check_strategy_rejects_data_and_asset(tmp_path):
    result = invoke(check_strategy_command, ["sma_cross", "--data", str(tmp_path / "x.csv"),
                                             "--asset", "BTC-USDT"])
    assert result.exit_code == 2
    assert "give either --data PATH or --asset NAME, not both" in result.stderr
