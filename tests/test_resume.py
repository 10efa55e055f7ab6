"""Interrupted runs: a killed main process, a worker that dies."""

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from seedwalk.data import sample_dir

pytestmark = pytest.mark.slow

ARGS = ("screen", "--assets", "GALA-USDT,BTC-USDT", "--executor", "joblib", "--workers", "2",
        "--trials", "150", "--no-progress")


def _env(**extra):
    return dict(os.environ, PYTHONHASHSEED="0", SEEDWALK_DISABLE_PLUGIN_AUTOLOAD="1", **extra)


def _jobs(run_dir: Path) -> dict:
    return {p.name: json.loads(p.read_text()) for p in sorted((run_dir / "jobs").glob("*.json"))}


def test_killed_run_resumes_to_identical_results(tmp_path):
    command = [sys.executable, "-m", "seedwalk", *ARGS]
    reference = subprocess.run([*command, "--out", "reference"], cwd=tmp_path, env=_env(),
                               capture_output=True, text=True, timeout=900)
    assert reference.returncode == 0, reference.stderr
    total = len(_jobs(tmp_path / "reference"))

    # A new session, so the kill below reaches the loky workers too: killing only the
    # main process would leave them running until they notice, like a crashed machine
    # would not.
    process = subprocess.Popen([*command, "--out", "killed"], cwd=tmp_path, env=_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    jobs_dir = tmp_path / "killed" / "jobs"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if jobs_dir.exists() and len(list(jobs_dir.glob("*.json"))) >= 2:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    saved = len(list(jobs_dir.glob("*.json")))
    assert 0 < saved < total, f"kill came too late or too early: {saved} of {total} jobs saved"
    assert not (tmp_path / "killed" / "results.csv").exists()

    resumed = subprocess.run([*command, "--out", "killed"], cwd=tmp_path, env=_env(),
                             capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert not list(jobs_dir.glob(".*.tmp")), "temporary files of the killed run remain"
    assert _jobs(tmp_path / "killed") == _jobs(tmp_path / "reference")
    assert (tmp_path / "killed" / "results.csv").read_text() == \
        (tmp_path / "reference" / "results.csv").read_text()


CRASH_PLUGIN = textwrap.dedent('''
    """A strategy that kills its worker process on one asset, marked by a volume of 777."""
    import os

    from seedwalk.hookspecs import hookimpl
    from seedwalk.strategies.sma_cross import SmaCross


    class CrashOnMarkedAsset(SmaCross):
        name = "crash_test"

        def signals(self, open, high, low, close, volume, params):
            if volume[0] == 777.0:
                os._exit(3)
            return super().signals(open, high, low, close, volume, params)


    @hookimpl
    def seedwalk_add_strategies():
        return [CrashOnMarkedAsset]
''')


def test_dying_worker_reported_and_run_finishes(tmp_path):
    (tmp_path / "crash_plugin.py").write_text(CRASH_PLUGIN)
    with gzip.open(sample_dir() / "GALA-USDT_4h.csv.gz", "rt") as handle:
        frame = pd.read_csv(handle)
    frame.to_csv(tmp_path / "GALA-USDT_4h.csv", index=False)
    frame.assign(volume=777.0).to_csv(tmp_path / "CRASH-USDT_4h.csv", index=False)
    (tmp_path / "screen.toml").write_text(textwrap.dedent('''
        strategy = "crash_test"
        plugins = ["crash_plugin"]
        [data]
        source = "files"
        paths = ["GALA-USDT_4h.csv", "CRASH-USDT_4h.csv"]
        [walkforward]
        in_sample = 600
        out_of_sample = 300
        [optimize]
        trials = 5
        [execution]
        executor = "joblib"
        workers = 2
    '''))
    completed = subprocess.run(
        [sys.executable, "-m", "seedwalk", "screen", "screen.toml", "--out", "run",
         "--no-progress"], cwd=tmp_path, env=_env(PYTHONPATH=str(tmp_path)),
        capture_output=True, text=True, timeout=900)
    assert completed.returncode == 1, completed.stderr
    assert "1 of 2 assets are ERROR" in completed.stderr
    summary = pd.read_csv(tmp_path / "run" / "results.csv").set_index("asset")
    assert summary.loc["CRASH-USDT", "status"] == "ERROR"
    assert "died" in summary.loc["CRASH-USDT", "error"]
    assert "'CRASH-USDT'" in summary.loc["CRASH-USDT", "error"]
    assert summary.loc["GALA-USDT", "status"] in ("PASS", "FAIL")
    assert "CRASH-USDT" in completed.stderr
    saved = {p.name for p in (tmp_path / "run" / "jobs").glob("*.json")}
    assert all("GALA-USDT" in name for name in saved)
    assert len(saved) == summary.loc["GALA-USDT", "n_folds"]
