import optuna
import pytest

from seedwalk.errors import ConfigError
from seedwalk.space import CategoricalParam, FloatParam, IntParam, LessThan, ParamSpace

SMA_SPACE = ParamSpace((IntParam("fast", 5, 50), IntParam("slow", 20, 200)),
                       (LessThan("fast", "slow"),))


def test_low_above_high_rejected():
    with pytest.raises(ConfigError, match="low 30 is above high 10"):
        IntParam("fast", 30, 10)


def test_impossible_constraint_rejected():
    with pytest.raises(ConfigError, match="can never hold"):
        ParamSpace((IntParam("fast", 50, 80), IntParam("slow", 20, 50)),
                   (LessThan("fast", "slow"),))


def test_override_making_constraint_impossible():
    with pytest.raises(ConfigError, match="fast < slow"):
        SMA_SPACE.with_overrides({"fast": {"low": 100, "high": 150},
                                  "slow": {"low": 20, "high": 60}})


def test_override_unknown_parameter():
    with pytest.raises(ConfigError, match="Did you mean 'fast'"):
        SMA_SPACE.with_overrides({"fsat": {"low": 3}})


def test_override_unknown_field():
    with pytest.raises(ConfigError, match="unknown field"):
        SMA_SPACE.with_overrides({"fast": {"lo": 3}})


def test_constraint_names_unknown_parameter():
    with pytest.raises(ConfigError, match="unknown parameter 'slwo'"):
        ParamSpace((IntParam("fast", 1, 5), IntParam("slow", 2, 9)), (LessThan("fast", "slwo"),))


def test_suggest_respects_constraint_and_bounds():
    sampler = optuna.samplers.RandomSampler(seed=1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=sampler)
    space = SMA_SPACE.with_overrides({"slow": {"low": 6, "high": 12}, "fast": {"low": 5}})
    for _ in range(200):
        trial = study.ask()
        params = space.suggest(trial)
        assert space.contains(params), params
        study.tell(trial, 0.0)


def test_suggest_respects_step_below_constraint():
    space = ParamSpace((IntParam("a", 0, 20, step=4), IntParam("b", 1, 21)), (LessThan("a", "b"),))
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(100):
        trial = study.ask()
        params = space.suggest(trial)
        assert params["a"] % 4 == 0
        assert params["a"] < params["b"]
        study.tell(trial, 0.0)


def test_grid_is_feasible_and_ordered():
    space = ParamSpace((IntParam("fast", 1, 3), IntParam("slow", 2, 4)), (LessThan("fast", "slow"),))
    assert space.grid() == [
        {"fast": 1, "slow": 2}, {"fast": 1, "slow": 3}, {"fast": 1, "slow": 4},
        {"fast": 2, "slow": 3}, {"fast": 2, "slow": 4}, {"fast": 3, "slow": 4},
    ]


def test_float_and_categorical_params():
    assert FloatParam("x", 0.0, 1.0, step=0.25).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ConfigError, match="log-uniform"):
        FloatParam("x", 0.0, 1.0, log=True)
    with pytest.raises(ConfigError, match="must not be empty"):
        CategoricalParam("c", ())
