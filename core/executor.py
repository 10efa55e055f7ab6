"""The executor interface: what maps jobs to results.

An executor runs a picklable top-level function on each job and yields the results
as they complete, in any order. It decides nothing about seeds, which come from
each job's key, so the worker count and the completion order change speed only.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar


class Executor(abc.ABC):
    """Base class for executors. Use as a context manager around :meth:`map_unordered`.

    Attributes:
        name: the value of ``--executor`` that selects this class.
        description: one line shown by ``seedwalk plugins``, including what
            ``workers`` means for it.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, workers: int = 1, options: Mapping[str, Any] | None = None):
        self.workers = workers
        self.options = dict(options or {})

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release workers or connections. The default does nothing."""

    @abc.abstractmethod
    def map_unordered(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``function(item)`` for every item, in completion order.

        ``function`` is a module-level function and ``items`` are picklable, so
        process-based executors can send both to workers. ``function`` catches the
        job's own exceptions and returns them inside the result; an exception that
        escapes here means the worker itself failed (for example it was killed).
        """
