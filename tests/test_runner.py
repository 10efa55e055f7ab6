"""Runner behaviour on bad settings and on resumed runs, in-process."""

import json
import sys
import textwrap

import pytest
from click.testing import CliRunner

from seedwalk.cli import main
from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError, ReproducibilityError
from seedwalk.runner import run_screen

SMALL = {"walkforward": {"in_sample": 400, "out_of_sample": 200}, "optimize": {"trials": 4},
         "execution": {"executor": "serial"}, "assets": ["GALA-USDT"]}

FLAKY_PLUGIN = textwrap.dedent('''
    import os

    from seedwalk.hookspecs import hookimpl
    from seedwalk.strategies.sma_cross import SmaCross


    class Flaky(SmaCross):
        name = "flaky_cross"

        def signals(self, open, high, low, close, volume, params):
            if os.environ.get("SEEDWALK_TEST_FLAKY") == "1" and len(close) > 450:
                raise RuntimeError("temporary failure")
            return super().signals(open, high, low, close, volume, params)


    @hookimpl
    def seedwalk_add_strategies():
        return [Flaky]
''')


def _config(**changes):
    return RunConfig.from_dict({**SMALL, **changes})


@pytest.mark.parametrize("changes, fragment", [
    ({"space": {"fast": {"low": 0, "high": 10}}}, "rejected parameters"),
    ({"optimize": {"trials": 4, "sampler_options": {"n_startup": 5}}}, "n_startup_trials"),
])
def test_bad_settings_fail_before_folder(tmp_path, changes, fragment):
    with pytest.raises(ConfigError, match=fragment):
        run_screen(_config(**changes), tmp_path / "run", autoload=False)
    assert not (tmp_path / "run").exists()


def test_fractional_integer_bound_rejected(tmp_path):
    with pytest.raises(ConfigError, match="must be an integer"):
        run_screen(_config(space={"fast": {"low": 5.5}}), tmp_path / "run", autoload=False)


def test_calmar_objective_runs(tmp_path):
    result = run_screen(_config(optimize={"trials": 4, "objective": "calmar"}), tmp_path / "run",
                        autoload=False)
    assert result.summary.loc[0, "status"] in ("PASS", "FAIL")


def test_bad_executor_option_fails_before_folder(tmp_path):
    config = _config(execution={"executor": "joblib", "options": {"bacth_size": 2}})
    with pytest.raises(ConfigError, match="bacth_size"):
        run_screen(config, tmp_path / "run", autoload=False)
    assert not (tmp_path / "run").exists()


def test_saved_error_retried_on_resume(tmp_path, monkeypatch):
    (tmp_path / "flaky_plugin.py").write_text(FLAKY_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = _config(strategy="flaky_cross", plugins=["flaky_plugin"])
    monkeypatch.setenv("SEEDWALK_TEST_FLAKY", "1")
    first = run_screen(config, tmp_path / "run", autoload=False)
    assert first.summary.loc[0, "status"] == "ERROR"
    assert "temporary failure" in first.summary.loc[0, "error"]
    assert first.summary.loc[0, "error"].count("temporary failure") == 1

    monkeypatch.delenv("SEEDWALK_TEST_FLAKY")
    second = run_screen(config, tmp_path / "run", autoload=False)
    assert second.summary.loc[0, "status"] in ("PASS", "FAIL")
    saved = [json.loads(p.read_text()) for p in (tmp_path / "run" / "jobs").glob("*.json")]
    assert all(job["status"] == "ok" for job in saved)
    sys.modules.pop("flaky_plugin", None)


def test_damaged_manifest_rejected(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "manifest.json").write_text("{not json")
    with pytest.raises(ReproducibilityError, match="not valid JSON"):
        run_screen(_config(), tmp_path / "run", autoload=False)


def test_seeds_into_single_run_folder_rejected(tmp_path):
    run_screen(_config(), tmp_path / "run", autoload=False)
    result = CliRunner().invoke(main, ["screen", "--assets", "GALA-USDT", "--seeds", "2",
                                       "--out", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 2
    assert "single-seed run" in result.output


def test_seed_overflow_rejected_before_running(tmp_path):
    result = CliRunner().invoke(main, ["screen", "--assets", "GALA-USDT", "--seeds", "3",
                                       "--seed", str(2**64 - 1), "--out", str(tmp_path / "out"),
                                       "--no-progress"])
    assert result.exit_code == 2
    assert "base seed" in result.output
    assert not (tmp_path / "out").exists()


def test_verify_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_jobs_carry_warmup_plus_signal_bar(tmp_path):
    from seedwalk.runner import plan_screen
    from seedwalk.strategies import SmaCross

    plan, _, _ = plan_screen(_config(), tmp_path / "run", autoload=False)
    warmup = SmaCross().max_warmup()
    for job in plan.jobs:
        # The bar before the window can hold a signal that fills at the window's
        # first open, so its own warm-up must be there too.
        assert job.offset == max(0, job.fold.is_start - warmup - 1)
        assert len(job.data) == job.fold.oos_end - job.offset
    assert not (tmp_path / "run").exists()
