"""End-to-end screens through the command line, on the bundled real data.

These tests run the product the way a user does: ``seedwalk screen`` in a new
process. The 20-asset default screen runs once per session and is shared.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from seedwalk.data import sample_dir

pytestmark = pytest.mark.slow

ASSET = "GALA-USDT"


def run_cli(*args, cwd, hash_seed="0", check=True):
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, SEEDWALK_DISABLE_PLUGIN_AUTOLOAD="1")
    completed = subprocess.run([sys.executable, "-m", "seedwalk", *map(str, args)], cwd=cwd,
                               env=env, capture_output=True, text=True, timeout=1800)
    if check and completed.returncode != 0:
        raise AssertionError(f"seedwalk {' '.join(map(str, args))} exited "
                             f"{completed.returncode}\nstdout:\n{completed.stdout}\n"
                             f"stderr:\n{completed.stderr}")
    return completed


def job_files(run_dir: Path, asset: str) -> dict[str, dict]:
    files = {}
    for path in sorted((run_dir / "jobs").glob(f"screen_{asset}_*.json")):
        files[path.name] = json.loads(path.read_text())
    return files


@pytest.fixture(scope="session")
def default_screen(tmp_path_factory):
    """The default screen of all 20 bundled assets, 2 worker processes."""
    workdir = tmp_path_factory.mktemp("default")
    completed = run_cli("screen", "--workers", "2", "--out", "run", "--no-progress",
                        cwd=workdir, hash_seed="0")
    return workdir / "run", completed


@pytest.fixture(scope="session")
def gala_alone(tmp_path_factory):
    """GALA-USDT alone, one worker, serial executor, another hash seed."""
    workdir = tmp_path_factory.mktemp("alone")
    completed = run_cli("screen", "--assets", ASSET, "--workers", "1", "--executor", "serial",
                        "--out", "run", "--no-progress", cwd=workdir, hash_seed="1")
    return workdir / "run", completed


def test_default_screen_has_20_rows_and_no_error(default_screen):
    run_dir, completed = default_screen
    summary = pd.read_csv(run_dir / "results.csv")
    assert len(summary) == 20
    assert sorted(summary["asset"]) == sorted(p.name.split("_")[0]
                                              for p in sample_dir().glob("*.csv.gz"))
    assert set(summary["status"]) <= {"PASS", "FAIL"}
    for column in ("asset", "status", "oos_sharpe", "wfe", "n_trades", "max_drawdown", "params"):
        assert column in summary.columns
    assert summary["params"].str.contains("f0: fast=").all()
    assert "PASS" in completed.stdout
    assert "of 20 assets" in completed.stdout


def test_default_screen_fail_rows_name_criteria(default_screen):
    run_dir, _ = default_screen
    summary = pd.read_csv(run_dir / "results.csv")
    failed = summary[summary["status"] == "FAIL"]
    assert failed["failed_criteria"].notna().all()
    passed = summary[summary["status"] == "PASS"]
    assert passed["failed_criteria"].isna().all()


def test_manifest_records_run_identity(default_screen):
    run_dir, _ = default_screen
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["base_seed"] == 0
    assert len(manifest["data_fingerprints"]) == 20
    assert all(len(digest) == 64 for digest in manifest["data_fingerprints"].values())
    assert "seedwalk.rng" in [p["name"] for p in manifest["plugins"]]
    assert len(manifest["jobs"]) == len(list((run_dir / "jobs").glob("*.json")))
    assert {"numpy", "numba", "optuna", "pandas"} <= set(manifest["versions"])


def test_asset_alone_equals_asset_in_batch(default_screen, gala_alone):
    batch_dir, _ = default_screen
    alone_dir, _ = gala_alone
    batch_jobs = job_files(batch_dir, ASSET)
    alone_jobs = job_files(alone_dir, ASSET)
    assert len(batch_jobs) >= 5
    assert batch_jobs.keys() == alone_jobs.keys()
    for name in batch_jobs:
        assert alone_jobs[name]["params"] == batch_jobs[name]["params"], name
        assert alone_jobs[name] == batch_jobs[name], name

    batch_row = pd.read_csv(batch_dir / "results.csv").set_index("asset").loc[ASSET]
    alone_row = pd.read_csv(alone_dir / "results.csv").set_index("asset").loc[ASSET]
    # Compared as the exact text written to results.csv: bit-identical numbers.
    batch_text = (batch_dir / "results.csv").read_text().splitlines()
    alone_text = (alone_dir / "results.csv").read_text().splitlines()
    assert [line for line in batch_text if line.startswith(ASSET + ",")] == alone_text[1:]
    assert batch_row["params"] == alone_row["params"]


def test_same_result_under_other_hash_seed_and_executor(tmp_path, gala_alone):
    alone_dir, _ = gala_alone
    run_cli("screen", "--assets", ASSET, "--workers", "2", "--executor", "joblib", "--out", "run",
            "--no-progress", cwd=tmp_path, hash_seed="0")
    assert job_files(tmp_path / "run", ASSET) == job_files(alone_dir, ASSET)
    assert (tmp_path / "run" / "results.csv").read_text() == \
        (alone_dir / "results.csv").read_text()


def test_rerun_into_same_folder_resumes(tmp_path, gala_alone):
    alone_dir, _ = gala_alone
    run_cli("screen", "--assets", ASSET, "--executor", "serial", "--out", "run",
            "--no-progress", cwd=tmp_path)
    jobs = sorted((tmp_path / "run" / "jobs").glob("*.json"))
    removed = jobs[1]
    removed.unlink()
    mtimes = {p.name: p.stat().st_mtime_ns for p in jobs if p != removed}
    run_cli("screen", "--assets", ASSET, "--executor", "serial", "--out", "run",
            "--no-progress", cwd=tmp_path)
    assert removed.exists()
    for path in jobs:
        if path != removed:
            assert path.stat().st_mtime_ns == mtimes[path.name], "finished job was re-run"
    assert job_files(tmp_path / "run", ASSET) == job_files(alone_dir, ASSET)


def test_other_seed_into_same_folder_rejected(tmp_path, gala_alone):
    alone_dir, _ = gala_alone
    completed = run_cli("screen", "--assets", ASSET, "--seed", "1", "--out", str(alone_dir),
                        "--no-progress", cwd=tmp_path, check=False)
    assert completed.returncode != 0
    assert "holds another run" in completed.stderr
