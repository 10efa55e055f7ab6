import sys
import types

import pytest

from seedwalk.errors import ConfigError, PluginError
from seedwalk.hookspecs import hookimpl
from seedwalk.plugins_manager import Registry, build_plugin_manager, describe_plugins
from seedwalk.strategies import SmaCross


def _module(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


def test_builtins_registered():
    registry = Registry.from_manager(build_plugin_manager(autoload=False))
    assert "sma_cross" in registry.strategies
    assert {"serial", "joblib", "threads"} <= set(registry.executors)
    assert {"tpe", "random", "grid", "qmc"} <= set(registry.samplers)
    assert {"files", "sample", "synthetic"} <= set(registry.data_sources)


def test_misspelt_hook_fails_at_start(monkeypatch):
    @hookimpl
    def seedwalk_add_strategy():
        return []

    _module("sw_test_misspelt", seedwalk_add_strategy=seedwalk_add_strategy)
    with pytest.raises(PluginError, match="sw_test_misspelt.*does not define"):
        build_plugin_manager(["sw_test_misspelt"], autoload=False)


def test_wrong_hook_argument_fails():
    @hookimpl
    def seedwalk_run_start(plan, extra):
        pass

    _module("sw_test_badargs", seedwalk_run_start=seedwalk_run_start)
    with pytest.raises(PluginError, match="sw_test_badargs"):
        build_plugin_manager(["sw_test_badargs"], autoload=False)


def test_missing_module_named():
    with pytest.raises(PluginError, match="'no_such_seedwalk_plugin' could not be imported"):
        build_plugin_manager(["no_such_seedwalk_plugin"], autoload=False)


def test_duplicate_strategy_name_names_both_plugins():
    @hookimpl
    def seedwalk_add_strategies():
        return [SmaCross]

    _module("sw_test_dupe", seedwalk_add_strategies=seedwalk_add_strategies)
    pm = build_plugin_manager(["sw_test_dupe"], autoload=False)
    with pytest.raises(PluginError, match="seedwalk.plugins.builtin_strategies.*sw_test_dupe"):
        Registry.from_manager(pm)


def test_unknown_names_suggest_close_match():
    registry = Registry.from_manager(build_plugin_manager(autoload=False))
    with pytest.raises(ConfigError, match="Did you mean 'joblib'"):
        registry.executor("jobilb")
    with pytest.raises(ConfigError, match="Did you mean 'sma_cross'"):
        registry.strategy("sma-cross")


def test_describe_lists_sources():
    rows = describe_plugins(build_plugin_manager(autoload=False))
    names = {row["name"]: row["source"] for row in rows}
    assert names["seedwalk.rng"] == "built-in"
    assert names["seedwalk.plugins.executors"] == "built-in"
