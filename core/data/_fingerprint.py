"""SHA-256 fingerprints of data files and arrays, recorded in every run's manifest."""

from __future__ import annotations

import hashlib
import os

import numpy as np

_CHUNK_BYTES = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest of a file's bytes, as stored on disk.

    A compressed file is hashed compressed, so the digest identifies the exact file
    a run read; ``sha256sum`` on the command line prints the same value.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_arrays(times, open, high, low, close, volume) -> str:  # noqa: A002 - OHLCV names
    """Return the SHA-256 hex digest of in-memory bars.

    The digest covers the times as little-endian int64 and then open, high, low,
    close and volume as little-endian float64, in that order, so equal arrays give
    equal digests on every platform.
    """
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(times, dtype="<i8").tobytes())
    for column in (open, high, low, close, volume):
        digest.update(np.ascontiguousarray(column, dtype="<f8").tobytes())
    return digest.hexdigest()
