"""The data source interface: where a run's bars come from.

A data source is built from the ``[data]`` table of a config. It lists the assets it
can provide and loads one asset at a time as a validated :class:`~seedwalk.ohlcv.OHLCV`.
Loading happens in the main process before any job starts, so a bad file stops the
run before anything is written; jobs then carry their bars to the workers, which
therefore need no shared filesystem.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from seedwalk.ohlcv import OHLCV


class DataSource(abc.ABC):
    """Base class for data sources.

    Attributes:
        name: the value of ``[data] source`` in a config that selects this class.
        description: one line shown by ``seedwalk plugins``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @classmethod
    @abc.abstractmethod
    def from_config(cls, options: Mapping[str, Any], base_dir: Path) -> "DataSource":
        """Build the source from the ``[data]`` table (without its ``source`` key).

        Relative paths in ``options`` are relative to ``base_dir``, the folder of the
        config file (or the working directory when there is no file). Unknown keys
        raise :class:`~seedwalk.errors.ConfigError`.
        """

    @abc.abstractmethod
    def assets(self) -> list[str]:
        """Return the names of the assets this source can load, sorted."""

    @abc.abstractmethod
    def load(self, asset: str) -> OHLCV:
        """Load and validate one asset's bars.

        Raises :class:`~seedwalk.errors.DataError` naming the file, row and value of
        the first problem, and :class:`~seedwalk.errors.ConfigError` for an unknown
        asset (with the known names).
        """

    def describe(self) -> dict[str, Any]:
        """Return a JSON-ready description for the run manifest."""
        return {"source": self.name}
