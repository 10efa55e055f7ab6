"""Helpers for error messages that name a value and suggest a close match."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, known: Iterable[str]) -> str:
    """Return a sentence that lists the known names and the closest ones to ``name``."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"Known names: {', '.join(known) or '(none)'}.{hint}"
