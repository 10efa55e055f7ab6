"""Exception and warning classes raised by seedwalk.

Every error a user can cause derives from :class:`SeedwalkError`, so a caller can
catch the whole family, and the command line turns it into a one-line message and
a non-zero exit status instead of a traceback.
"""

from __future__ import annotations


class SeedwalkError(Exception):
    """Base class of every error that a user's input or environment can cause."""


class ConfigError(SeedwalkError, ValueError):
    """Invalid configuration: an unknown key, a value out of range, a bad name."""


class DataError(SeedwalkError, ValueError):
    """Invalid market data, with the file, row and value that failed a check.

    Attributes:
        path: the file that failed, or None for in-memory data.
        row: the 1-based line number in the file (header included) or None.
        value: the offending value, or None.
    """

    def __init__(self, message: str, *, path=None, row=None, value=None):
        super().__init__(message)
        self.path = path
        self.row = row
        self.value = value


class PluginError(SeedwalkError):
    """A plugin that failed to load, declares a bad hook or clashes with another.

    Attributes:
        plugin: the plugin's registered name, or None when unknown.
    """

    def __init__(self, message: str, *, plugin=None):
        super().__init__(message)
        self.plugin = plugin


class ReproducibilityError(SeedwalkError):
    """A run that would break the reproducibility contract, such as a job started
    without the RNG context plugin or an output folder that contains another run."""


class SeedwalkWarning(UserWarning):
    """Warning for mistakes a caller can fix, such as an ignored option."""
