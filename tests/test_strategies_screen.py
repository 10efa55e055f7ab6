"""Every built-in strategy screens all 20 bundled assets without an ERROR row."""

import pytest

from seedwalk.config import RunConfig
from seedwalk.runner import run_screen
from seedwalk.strategies import BUILTIN_STRATEGIES


@pytest.mark.parametrize("name", [s.name for s in BUILTIN_STRATEGIES])
def test_strategy_screens_bundled_assets(tmp_path, name):
    config = RunConfig.from_dict({
        "strategy": name,
        "walkforward": {"in_sample": 500, "out_of_sample": 250},
        "optimize": {"trials": 4},
        "execution": {"executor": "serial"},
    })
    result = run_screen(config, tmp_path / "run", autoload=False)
    summary = result.summary
    assert len(summary) == 20
    errors = summary[summary["status"] == "ERROR"]
    assert errors.empty, errors[["asset", "error"]].to_string()
    assert summary["n_trades"].sum() > 0
