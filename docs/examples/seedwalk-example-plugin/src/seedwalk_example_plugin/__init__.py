"""An example third-party plugin for seedwalk.

It contributes one strategy (``roc_trend``) and one data source
(``binance_klines``) through seedwalk's registration hooks. The package's
``pyproject.toml`` names this module in the ``seedwalk`` entry-point group, so
seedwalk registers it as soon as the package is installed.
"""

from seedwalk.hookspecs import hookimpl

from seedwalk_example_plugin.binance_klines import BinanceKlinesSource
from seedwalk_example_plugin.roc_trend import RocTrend

__all__ = ["BinanceKlinesSource", "RocTrend"]


@hookimpl
def seedwalk_add_strategies():
    return [RocTrend]


@hookimpl
def seedwalk_add_data_sources():
    return [BinanceKlinesSource]
