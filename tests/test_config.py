import pytest

from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError


def test_defaults():
    config = RunConfig()
    assert config.strategy == "sma_cross"
    assert config.walkforward.fold_step == config.walkforward.out_of_sample
    assert config.backtest_options().fee == 0.001


def test_from_toml_round_trip(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(
        'seed = 7\nstrategy = "sma_cross"\nassets = ["BTC-USDT"]\n'
        '[data]\nsource = "files"\ndirectory = "data"\n'
        '[space.fast]\nlow = 5\nhigh = 20\n'
        '[walkforward]\nin_sample = 300\nout_of_sample = 100\n'
        '[optimize]\ntrials = 10\nsampler = "random"\n'
        '[backtest]\nfee = 0.002\nslippage = 0.0005\n'
        '[criteria]\nmin_oos_sharpe = 1.0\n'
        '[execution]\nexecutor = "serial"\nworkers = 1\n')
    config = RunConfig.from_toml(path)
    assert config.seed == 7
    assert config.assets == ("BTC-USDT",)
    assert config.data.options == {"directory": "data"}
    assert config.data.base_dir == str(tmp_path)
    assert config.walkforward.in_sample == 300
    assert config.optimize.sampler == "random"
    assert config.backtest_options().slippage == 0.0005
    again = RunConfig.from_dict(config.to_dict(), base_dir=tmp_path)
    assert again.to_dict() == config.to_dict()


@pytest.mark.parametrize("text, fragment", [
    ("sede = 1\n", "Did you mean 'seed'"),
    ("[optimize]\ntrails = 3\n", "Did you mean 'trials'"),
    ("[optimize]\ntrials = 0\n", "trials must be a positive integer"),
    ("[optimize]\nobjective = 'sharp'\n", "Did you mean 'sharpe'"),
    ("[walkforward]\nout_of_sample = 100\nstep = 50\n", "would overlap"),
    ("[criteria]\nmax_drawdown = 35\n", "fraction"),
    ("seed = -3\n", "base seed"),
    ("[backtest]\nfe = 0.1\n", "fe"),
    ("not toml [", "not valid TOML"),
])
def test_bad_config_rejected(tmp_path, text, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        RunConfig.from_toml(path)


def test_execution_settings_do_not_change_identity():
    a = RunConfig.from_dict({"execution": {"executor": "serial", "workers": 1}})
    b = RunConfig.from_dict({"execution": {"executor": "joblib", "workers": 4}})
    assert a.results_dict() == b.results_dict()
