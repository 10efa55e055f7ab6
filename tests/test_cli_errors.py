"""Bad input on the command line: a clear message, a non-zero exit, nothing written."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from seedwalk.data import sample_dir

GALA = "GALA-USDT_4h.csv.gz"


def run_cli(*args, cwd):
    env = dict(os.environ, SEEDWALK_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run([sys.executable, "-m", "seedwalk", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def real_lines() -> list[str]:
    with gzip.open(sample_dir() / GALA, "rt") as handle:
        return handle.read().splitlines()


def write_config(folder: Path, data_file: str, extra: str = "") -> Path:
    config = folder / "screen.toml"
    config.write_text(f'[data]\nsource = "files"\npaths = ["{data_file}"]\n{extra}')
    return config


def assert_failed_cleanly(completed, folder: Path, *fragments):
    assert completed.returncode != 0, completed.stdout
    assert "Traceback" not in completed.stderr
    for fragment in fragments:
        assert fragment in completed.stderr, completed.stderr
    out = folder / "out"
    assert not out.exists() or not any(out.iterdir()), "a failed run left files behind"


def test_duplicated_timestamp(tmp_path):
    lines = real_lines()
    lines.insert(101, lines[100])  # row 101 of the file repeats row 100's bar
    (tmp_path / "GALA-USDT_4h.csv").write_text("\n".join(lines) + "\n")
    config = write_config(tmp_path, "GALA-USDT_4h.csv")
    completed = run_cli("screen", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "GALA-USDT_4h.csv", "duplicate",
                          lines[100].split(",")[0].rstrip("Z"))


def test_nan_close(tmp_path):
    lines = real_lines()
    cells = lines[50].split(",")
    cells[4] = "nan"
    lines[50] = ",".join(cells)
    (tmp_path / "GALA-USDT_4h.csv").write_text("\n".join(lines) + "\n")
    config = write_config(tmp_path, "GALA-USDT_4h.csv")
    completed = run_cli("screen", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "GALA-USDT_4h.csv", "close", "51")


def test_unknown_column_layout(tmp_path):
    lines = real_lines()
    lines[0] = "when,first,top,bottom,last,amount"
    (tmp_path / "GALA-USDT_4h.csv").write_text("\n".join(lines) + "\n")
    config = write_config(tmp_path, "GALA-USDT_4h.csv")
    completed = run_cli("screen", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "GALA-USDT_4h.csv", "when")


def test_unknown_asset_lists_known(tmp_path):
    completed = run_cli("screen", "--assets", "GALA-USD", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "'GALA-USD'", "BTC-USDT", "GALA-USDT")


def test_fast_not_below_slow(tmp_path):
    config = tmp_path / "screen.toml"
    config.write_text("[space.fast]\nlow = 60\nhigh = 90\n[space.slow]\nlow = 20\nhigh = 50\n")
    completed = run_cli("screen", config, "--assets", "GALA-USDT", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "fast < slow")


def test_unknown_config_key(tmp_path):
    config = tmp_path / "screen.toml"
    config.write_text("[walkforward]\nin_smaple = 300\n")
    completed = run_cli("screen", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "in_smaple", "in_sample")


def test_unknown_strategy(tmp_path):
    completed = run_cli("screen", "--strategy", "sma_cros", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "'sma_cros'", "sma_cross")


def test_windows_longer_than_data(tmp_path):
    config = tmp_path / "screen.toml"
    config.write_text("[walkforward]\nin_sample = 1400\nout_of_sample = 200\n")
    completed = run_cli("screen", config, "--assets", "GALA-USDT", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "GALA-USDT", "1500 bars", "1600")


def test_missing_config_file(tmp_path):
    completed = run_cli("screen", tmp_path / "nope.toml", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert_failed_cleanly(completed, tmp_path, "nope.toml")
