"""Registers the built-in strategies of ``seedwalk.strategies``."""

from seedwalk.hookspecs import hookimpl
from seedwalk.strategies import BUILTIN_STRATEGIES


@hookimpl
def seedwalk_add_strategies():
    return list(BUILTIN_STRATEGIES)
