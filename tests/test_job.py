"""One walk-forward job: window rules and independence from out-of-sample bars."""

import attrs
import numpy as np
import pytest

from seedwalk.data import read_ohlcv, sample_dir
from seedwalk.job import Job, execute_job
from seedwalk.ohlcv import OHLCV
from seedwalk.strategies import SmaCross
from seedwalk.walkforward import split_folds


@pytest.fixture(scope="module")
def gala():
    return read_ohlcv(sample_dir() / "GALA-USDT_4h.csv.gz")


def _job(data: OHLCV, fold, *, key=("screen", "GALA-USDT", "fold", 2), trials=12):
    warmup = SmaCross().max_warmup()
    offset = max(0, fold.is_start - warmup - 1)
    return Job(key=key, base_seed=0, strategy="sma_cross", space=SmaCross.space, fold=fold,
               data=data.slice(offset, fold.oos_end), offset=offset, sampler="tpe",
               trials=trials, batch_size=1, objective="sharpe", sampler_options={},
               trial_workers=1, backtest={"fee": 0.001}, calendar="crypto", plugins=(),
               autoload=False)


def _scrambled_after(data: OHLCV, position: int) -> OHLCV:
    """Return the bars with every bar from ``position`` on replaced by a different, valid path."""
    rng = np.random.default_rng(0)
    factor = np.ones(len(data))
    factor[position:] = np.exp(np.cumsum(rng.normal(0, 0.05, len(data) - position)))
    return OHLCV(data.asset, data.times, data.open * factor, data.high * factor,
                 data.low * factor, data.close * factor, data.volume, data.bar_seconds)


def test_in_sample_ignores_out_of_sample_bars(gala):
    fold = split_folds(len(gala), in_sample=500, out_of_sample=125)[2]
    original = execute_job(_job(gala, fold))
    changed = execute_job(_job(_scrambled_after(gala, fold.is_end), fold))
    assert original.status == "ok", original.error
    assert changed.status == "ok", changed.error
    assert changed.params == original.params
    assert changed.in_sample == original.in_sample
    assert changed.trial_values == original.trial_values
    assert changed.oos_returns != original.oos_returns


def test_trades_stay_inside_window(gala):
    fold = split_folds(len(gala), in_sample=500, out_of_sample=125)[3]
    result = execute_job(_job(gala, fold, trials=20))
    assert result.status == "ok", result.error
    assert result.trades, "expected at least one out-of-sample trade"
    for trade in result.trades:
        assert fold.oos_start <= trade["entry_index"] < fold.oos_end
        assert fold.oos_start <= trade["exit_index"] < fold.oos_end
    assert len(result.oos_returns) == fold.oos_end - fold.oos_start
    assert result.oos_times[0] == int(gala.times[fold.oos_start])


def test_in_sample_reports_deflated_sharpe(gala):
    fold = split_folds(len(gala), in_sample=500, out_of_sample=125)[1]
    result = execute_job(_job(gala, fold, trials=20))
    deflated = result.in_sample["deflated_sharpe"]
    assert 0.0 <= deflated <= 1.0
    assert len(result.trial_values) == 20
    assert result.in_sample["kurtosis"] > 0.0


def test_job_result_round_trips_json(gala):
    fold = split_folds(len(gala), in_sample=500, out_of_sample=125)[0]
    result = execute_job(_job(gala, fold))
    again = type(result).from_json(result.to_json())
    assert again == result
    assert again.digest() == result.digest()


def test_job_error_is_reported_not_raised(gala):
    fold = split_folds(len(gala), in_sample=500, out_of_sample=125)[0]
    broken = attrs.evolve(_job(gala, fold), strategy="no_such_strategy")
    result = execute_job(broken)
    assert result.status == "error"
    assert "no_such_strategy" in result.error
    assert result.traceback
