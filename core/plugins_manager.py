"""Building the plugin manager and the registry of components it provides.

The manager always contains the RNG context plugin and the core job runner. Built-in
components register through the same hooks as third-party ones; third-party
plugins come from the entry-point group ``seedwalk`` (unless the environment
variable ``SEEDWALK_DISABLE_PLUGIN_AUTOLOAD`` is set to a non-empty value) and from
module names given in a config or on the command line.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from importlib import metadata
from typing import Any

import attrs
import pluggy

from seedwalk import hookspecs
from seedwalk._names import suggest
from seedwalk.errors import ConfigError, PluginError
from seedwalk.plugins.rng import PLUGIN_NAME as RNG_PLUGIN_NAME
from seedwalk.plugins.rng import RNG_CONTEXT

ENTRY_POINT_GROUP = "seedwalk"
AUTOLOAD_ENV = "SEEDWALK_DISABLE_PLUGIN_AUTOLOAD"

#: Built-in plugin modules, registered under their module names in this order.
BUILTIN_MODULES = (
    "seedwalk.job",
    "seedwalk.plugins.data_sources",
    "seedwalk.plugins.builtin_strategies",
    "seedwalk.plugins.samplers",
    "seedwalk.plugins.executors",
    "seedwalk.plugins.dask_executor",
)


class SeedwalkPluginManager(pluggy.PluginManager):
    """A plugin manager that protects the RNG context plugin.

    Blocking, unregistering or replacing the RNG context would let jobs run with
    leftover or unseeded global random state, so each of those raises
    :class:`~seedwalk.errors.ReproducibilityError`-style :class:`PluginError`.
    """

    def __init__(self):
        super().__init__(hookspecs.PROJECT_NAME)
        self.sources: dict[str, str] = {}

    def register(self, plugin, name=None):
        if name == RNG_PLUGIN_NAME and plugin is not RNG_CONTEXT:
            raise PluginError(
                f"plugin name {RNG_PLUGIN_NAME!r} is reserved for seedwalk's RNG context; "
                f"register your plugin under another name", plugin=name)
        return super().register(plugin, name)

    def unregister(self, plugin=None, name=None):
        if plugin is RNG_CONTEXT or name == RNG_PLUGIN_NAME:
            raise PluginError(
                f"the RNG context plugin {RNG_PLUGIN_NAME!r} cannot be unregistered: every "
                f"job must run inside it so that its seeds depend only on its key",
                plugin=RNG_PLUGIN_NAME)
        return super().unregister(plugin, name)

    def set_blocked(self, name):
        if name == RNG_PLUGIN_NAME:
            raise PluginError(
                f"the RNG context plugin {RNG_PLUGIN_NAME!r} cannot be blocked: every job "
                f"must run inside it so that its seeds depend only on its key",
                plugin=RNG_PLUGIN_NAME)
        return super().set_blocked(name)


def _register_module(pm: SeedwalkPluginManager, module_name: str, source: str) -> None:
    if pm.has_plugin(module_name):
        return
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"plugin module {module_name!r} could not be imported: {exc}. "
                          f"Check the name and that its package is installed",
                          plugin=module_name) from exc
    except Exception as exc:  # any failure of third-party code at import time
        raise PluginError(f"plugin module {module_name!r} failed to import: "
                          f"{type(exc).__name__}: {exc}. Fix the module or remove it from "
                          f"the plugin list", plugin=module_name) from exc
    _register(pm, module, module_name)
    pm.sources[module_name] = source


def _register(pm: SeedwalkPluginManager, plugin, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r} has an invalid hook implementation: {exc}. "
                          f"Compare its arguments with the hook's in seedwalk.hookspecs",
                          plugin=name) from exc


def _check_hooks(pm: SeedwalkPluginManager) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) if exc.plugin is not None else None
        known = [n for n in dir(hookspecs) if n.startswith("seedwalk_")]
        unknown = [n for n in dir(exc.plugin) if n.startswith("seedwalk_") and n not in known]
        hint = suggest(unknown[0], known) if unknown else ""
        raise PluginError(f"plugin {name!r} implements a hook that seedwalk does not define: "
                          f"{exc}. {hint}", plugin=name) from exc


def autoload_enabled(autoload: bool | None) -> bool:
    """Return whether to load entry points: ``autoload``, or from the environment when None."""
    if autoload is None:
        return not os.environ.get(AUTOLOAD_ENV)
    return autoload


def build_plugin_manager(plugins: Sequence[str] = (), *, autoload: bool | None = None,
                         extra: Iterable[tuple[Any, str]] = ()) -> SeedwalkPluginManager:
    """Build a plugin manager with the built-ins, entry points and named modules.

    Args:
        plugins: module names to register, as a config's ``plugins`` list gives them.
        autoload: load the ``seedwalk`` entry-point group; None reads the environment
            variable ``SEEDWALK_DISABLE_PLUGIN_AUTOLOAD`` (set and non-empty disables).
        extra: ``(plugin object, name)`` pairs to register as well, for observers
            such as the command line's progress bar; they do not travel to workers.

    Raises:
        PluginError: a module that fails to import, a hook name that does not exist,
            a hook implementation with a wrong signature.
    """
    pm = SeedwalkPluginManager()
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(RNG_CONTEXT, name=RNG_PLUGIN_NAME)
        pm.sources[RNG_PLUGIN_NAME] = "built-in"
        for module_name in BUILTIN_MODULES:
            _register_module(pm, module_name, "built-in")
        if autoload_enabled(autoload):
            _load_entry_points(pm)
        for module_name in plugins:
            _register_module(pm, module_name, "config")
        for plugin, name in extra:
            pm.register(plugin, name=name)
            pm.sources[name] = "session"
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) if exc.plugin is not None else None
        raise PluginError(f"plugin {name!r} has an invalid hook implementation: {exc}",
                          plugin=name) from exc
    _check_hooks(pm)
    return pm


def _load_entry_points(pm: SeedwalkPluginManager) -> None:
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.has_plugin(entry_point.name) or pm.is_blocked(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:  # any import-time failure of third-party code
            raise PluginError(
                f"plugin {entry_point.name!r} (entry point {entry_point.value!r}) failed to "
                f"load: {type(exc).__name__}: {exc}. Fix or uninstall the package, or set "
                f"{AUTOLOAD_ENV}=1 to skip entry points", plugin=entry_point.name) from exc
        _register(pm, plugin, entry_point.name)
        dist = entry_point.dist
        pm.sources[entry_point.name] = (
            f"entry point ({dist.name} {dist.version})" if dist is not None else "entry point")


@attrs.frozen
class Registry:
    """The components the registered plugins provide, by name."""

    strategies: dict[str, type]
    data_sources: dict[str, type]
    samplers: dict[str, Any]
    executors: dict[str, type]
    providers: dict[tuple[str, str], str]

    @classmethod
    def from_manager(cls, pm: SeedwalkPluginManager) -> "Registry":
        providers: dict[tuple[str, str], str] = {}
        tables = {}
        for kind, hook in (("strategy", pm.hook.seedwalk_add_strategies),
                           ("data source", pm.hook.seedwalk_add_data_sources),
                           ("sampler", pm.hook.seedwalk_add_samplers),
                           ("executor", pm.hook.seedwalk_add_executors)):
            table: dict[str, Any] = {}
            # Call each implementation separately so a clash can name both plugins.
            for impl in hook.get_hookimpls():
                items = impl.function() or []
                for item in items:
                    name = getattr(item, "name", None)
                    if not isinstance(name, str) or not name:
                        raise PluginError(f"plugin {impl.plugin_name!r} returned a {kind} "
                                          f"without a 'name': {item!r}", plugin=impl.plugin_name)
                    if name in table:
                        raise PluginError(
                            f"{kind} name {name!r} is provided by both "
                            f"{providers[(kind, name)]!r} and {impl.plugin_name!r}; rename one "
                            f"or remove one of the plugins", plugin=impl.plugin_name)
                    table[name] = item
                    providers[(kind, name)] = impl.plugin_name
            tables[kind] = table
        return cls(tables["strategy"], tables["data source"], tables["sampler"],
                   tables["executor"], providers)

    def _get(self, table: dict, kind: str, name: str, option: str):
        try:
            return table[name]
        except KeyError:
            raise ConfigError(f"unknown {kind} {name!r} (set with {option}). "
                              f"{suggest(name, table)}") from None

    def strategy(self, name: str, option: str = "--strategy or 'strategy'"):
        return self._get(self.strategies, "strategy", name, option)()

    def data_source(self, name: str):
        return self._get(self.data_sources, "data source", name, "[data] source")

    def sampler(self, name: str):
        return self._get(self.samplers, "sampler", name, "[optimize] sampler")

    def executor(self, name: str):
        return self._get(self.executors, "executor", name, "--executor or [execution] executor")


_WORKER_MANAGERS: dict[tuple, tuple[SeedwalkPluginManager, Registry]] = {}


def worker_manager(plugins: tuple[str, ...], autoload: bool) -> tuple[SeedwalkPluginManager, Registry]:
    """Return this process's manager and registry for a plan's plugin list, built once.

    Workers rebuild the manager from the plugin list that the job carries, because
    plugin objects themselves need not be picklable.
    """
    key = (tuple(plugins), autoload)
    if key not in _WORKER_MANAGERS:
        pm = build_plugin_manager(plugins, autoload=autoload)
        _WORKER_MANAGERS[key] = (pm, Registry.from_manager(pm))
    return _WORKER_MANAGERS[key]


def describe_plugins(pm: SeedwalkPluginManager) -> list[dict[str, str]]:
    """Return each registered plugin's name and source, for manifests and listings."""
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        rows.append({"name": name, "source": pm.sources.get(name, "unknown"),
                     "module": getattr(plugin, "__name__", type(plugin).__module__)})
    return sorted(rows, key=lambda row: row["name"])
