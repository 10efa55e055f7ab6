"""The example package in docs/examples/seedwalk-example-plugin, installed as a user would.

These tests need the package installed (``pip install
./docs/examples/seedwalk-example-plugin``) and skip without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from seedwalk.cli_plugins import check_strategy_command, plugins_command
from seedwalk.plugins_manager import AUTOLOAD_ENV, Registry, build_plugin_manager
from seedwalk.testing import check_strategy, load_check_data

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "docs" / "examples" / "seedwalk-example-plugin"

try:
    VERSION = metadata.version("seedwalk-example-plugin")
except metadata.PackageNotFoundError:
    pytest.skip("the example plugin is not installed; run "
                "'pip install ./docs/examples/seedwalk-example-plugin' to test it",
                allow_module_level=True)

pytestmark = pytest.mark.slow


def run_seedwalk(*args, cwd):
    env = {key: value for key, value in os.environ.items() if key != AUTOLOAD_ENV}
    completed = subprocess.run([sys.executable, "-m", "seedwalk", *map(str, args)], cwd=cwd,
                               env=env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, (f"seedwalk {' '.join(map(str, args))} exited "
                                       f"{completed.returncode}\n{completed.stdout}\n"
                                       f"{completed.stderr}")
    return completed


def test_listed_by_plugins_command():
    result = CliRunner().invoke(plugins_command, [], env={"COLUMNS": "250", AUTOLOAD_ENV: ""})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ example "))
    assert f"entry point (seedwalk-example-plugin {VERSION})" in row
    assert "strategies: roc_trend" in row
    assert "data sources: binance_klines" in result.stdout


def test_not_listed_without_autoload():
    result = CliRunner().invoke(plugins_command, [], env={"COLUMNS": "250", AUTOLOAD_ENV: "1"})
    assert result.exit_code == 0, result.output
    assert "roc_trend" not in result.stdout


def test_passes_the_kit():
    registry = Registry.from_manager(build_plugin_manager(autoload=True))
    report = check_strategy(registry.strategy("roc_trend"))
    assert report.passed, report.text()


def test_passes_check_strategy_command():
    result = CliRunner().invoke(check_strategy_command, ["roc_trend", "--param-sets", "3"],
                                env={AUTOLOAD_ENV: ""})
    assert result.exit_code == 0, result.output
    assert "result: PASS" in result.stdout


def test_screen_on_bundled_data(tmp_path):
    run_seedwalk("screen", "--strategy", "roc_trend", "--assets", "GALA-USDT", "--executor",
                 "serial", "--trials", "8", "--out", "run", "--no-progress", cwd=tmp_path)
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    assert results["asset"].tolist() == ["GALA-USDT"]
    assert results["status"].iloc[0] in ("PASS", "FAIL")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert "roc_trend" in json.dumps(manifest)


def test_screen_with_kline_data_source(tmp_path):
    bars = load_check_data("GALA-USDT")
    folder = tmp_path / "klines"
    folder.mkdir()
    month = pd.DatetimeIndex(pd.to_datetime(bars.times, utc=True)).strftime("%Y-%m")
    frame = pd.DataFrame({
        "open_time": bars.times // 1_000_000, "open": bars.open, "high": bars.high,
        "low": bars.low, "close": bars.close, "volume": bars.volume,
        "close_time": bars.times // 1_000_000 + 14_400_000 - 1,
        "quote_volume": bars.volume * bars.close, "trades": 1,
        "taker_buy_volume": bars.volume / 2, "taker_buy_quote_volume": 0.0, "ignore": 0})
    for name, rows in frame.groupby(month):
        rows.to_csv(folder / f"GALAUSDT-4h-{name}.csv", header=False, index=False)
    (tmp_path / "run.toml").write_text(
        'strategy = "roc_trend"\n\n[data]\nsource = "binance_klines"\ndirectory = "klines"\n\n'
        '[optimize]\ntrials = 8\n\n[execution]\nexecutor = "serial"\n')
    run_seedwalk("screen", "run.toml", "--out", "run", "--no-progress", cwd=tmp_path)
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    assert results["asset"].tolist() == ["GALAUSDT"]
    assert results["status"].iloc[0] in ("PASS", "FAIL")


def test_example_package_own_tests():
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=EXAMPLE_DIR, capture_output=True, text=True, timeout=600,
        env={key: value for key, value in os.environ.items() if key != AUTOLOAD_ENV})
    assert completed.returncode == 0, completed.stdout + completed.stderr
