"""seedwalk verify, --seeds dispersion and seedwalk bench, on small real screens."""

import gzip
import shutil
import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from seedwalk.cli import main
from seedwalk.config import RunConfig
from seedwalk.data import sample_dir
from seedwalk.dispersion import dispersion_table
from seedwalk.runner import run_screen
from seedwalk.verify import DATA_CHANGED, MATCH, MISMATCH, verify_run

SMALL = {"walkforward": {"in_sample": 300, "out_of_sample": 150},
         "optimize": {"trials": 6}, "execution": {"executor": "serial", "workers": 1}}


@pytest.fixture
def files_run(tmp_path):
    shutil.copy(sample_dir() / "GALA-USDT_4h.csv.gz", tmp_path / "GALA-USDT_4h.csv.gz")
    shutil.copy(sample_dir() / "SOL-USDT_4h.csv.gz", tmp_path / "SOL-USDT_4h.csv.gz")
    raw = dict(SMALL, data={"source": "files", "directory": "."})
    config = RunConfig.from_dict(raw, base_dir=tmp_path)
    result = run_screen(config, tmp_path / "run", autoload=False)
    return tmp_path, result


def test_verify_all_jobs_match(files_run):
    folder, result = files_run
    report = verify_run(folder / "run")
    assert report.ok
    assert len(report.checks) == len(result.results)
    assert all(check.status == MATCH for check in report.checks)


def test_verify_sample_is_seeded(files_run):
    folder, _ = files_run
    first = verify_run(folder / "run", jobs=3, sample_seed=5)
    again = verify_run(folder / "run", jobs=3, sample_seed=5, executor="threads", workers=2)
    assert [c.key for c in first.checks] == [c.key for c in again.checks]
    assert len(first.checks) == 3
    assert first.sample_seed == 5
    assert again.ok


def test_verify_detects_tampered_result(files_run):
    folder, _ = files_run
    job_file = sorted((folder / "run" / "jobs").glob("screen_SOL-USDT*.json"))[0]
    job_file.write_text(job_file.read_text().replace('"oos_returns":[', '"oos_returns":[0.5,', 1))
    report = verify_run(folder / "run")
    assert not report.ok
    statuses = {c.key[1]: c.status for c in report.checks if c.status != MATCH}
    assert statuses == {"SOL-USDT": MISMATCH}


def test_verify_reports_changed_data(files_run):
    folder, _ = files_run
    path = folder / "GALA-USDT_4h.csv.gz"
    with gzip.open(path, "rt") as handle:
        frame = pd.read_csv(handle)
    frame.loc[10, "close"] = frame.loc[10, "close"] * 1.0001
    frame.loc[10, "high"] = max(frame.loc[10, "high"], frame.loc[10, "close"])
    frame.to_csv(path, index=False)
    report = verify_run(folder / "run")
    assert set(report.changed_data) == {"GALA-USDT"}
    gala = [c for c in report.checks if c.key[1] == "GALA-USDT"]
    assert gala and all(c.status == DATA_CHANGED for c in gala)
    assert all(c.status == MATCH for c in report.checks if c.key[1] == "SOL-USDT")

    cli = CliRunner().invoke(main, ["verify", str(folder / "run")])
    assert cli.exit_code == 3
    assert "DATA CHANGED" in cli.output


def test_verify_cli_exit_codes(files_run):
    folder, _ = files_run
    ok = CliRunner().invoke(main, ["verify", str(folder / "run"), "--jobs", "2",
                                   "--sample-seed", "1"])
    assert ok.exit_code == 0, ok.output
    assert "2 of 2 jobs match" in ok.output
    missing = CliRunner().invoke(main, ["verify", str(folder / "nothing")])
    assert missing.exit_code != 0
    assert "not found" in missing.output


def test_dispersion_table_statistics():
    first = pd.DataFrame({"asset": ["A", "B"], "status": ["PASS", "FAIL"],
                          "oos_sharpe": [1.0, -1.0]})
    second = pd.DataFrame({"asset": ["A", "B"], "status": ["FAIL", "ERROR"],
                           "oos_sharpe": [3.0, np.nan]})
    table = dispersion_table([first, second]).set_index("asset")
    assert table.loc["A", "oos_sharpe_mean"] == 2.0
    assert table.loc["A", "oos_sharpe_std"] == pytest.approx(np.sqrt(2.0))
    assert table.loc["A", "pass_fraction"] == 0.5
    assert table.loc["B", "n_errors"] == 1
    assert table.loc["B", "oos_sharpe_min"] == -1.0
    assert np.isnan(table.loc["B", "oos_sharpe_std"])


def test_seeds_option_writes_per_seed_runs(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text(textwrap.dedent("""
        [walkforward]
        in_sample = 300
        out_of_sample = 150
        [optimize]
        trials = 6
        [execution]
        executor = "serial"
    """))
    result = CliRunner().invoke(main, ["screen", str(config), "--assets", "GALA-USDT,BTC-USDT",
                                       "--seeds", "3", "--seed", "10", "--out",
                                       str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 0, result.output
    for seed in (10, 11, 12):
        assert (tmp_path / "out" / f"seed-{seed}" / "results.csv").exists()
    table = pd.read_csv(tmp_path / "out" / "dispersion.csv").set_index("asset")
    assert list(table.index) == ["BTC-USDT", "GALA-USDT"]
    assert (table["n_seeds"] == 3).all()
    sharpes = [pd.read_csv(tmp_path / "out" / f"seed-{s}" / "results.csv")
               .set_index("asset").loc["GALA-USDT", "oos_sharpe"] for s in (10, 11, 12)]
    assert table.loc["GALA-USDT", "oos_sharpe_mean"] == pytest.approx(np.mean(sharpes), rel=1e-12)
    assert table.loc["GALA-USDT", "oos_sharpe_max"] == max(sharpes)


def test_bench_rows_share_one_hash(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text("[walkforward]\nin_sample = 300\nout_of_sample = 150\n")
    result = CliRunner().invoke(main, ["bench", str(config), "--executors", "serial,threads",
                                       "--workers", "1,2", "--assets", "GALA-USDT",
                                       "--trials", "4", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count("hash ") >= 3
    assert "all 3 runs gave result hash" in result.output
