"""``seedwalk bench``: one workload on each executor and worker count.

Every row's result hash must equal the serial run's; a difference is a broken
reproducibility promise, so the command fails loudly instead of reporting a speed.
"""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

from seedwalk.config import RunConfig
from seedwalk.runner import run_screen


@attrs.frozen
class BenchRow:
    executor: str
    workers: int
    seconds: float
    result_hash: str


def result_hash(results: dict) -> str:
    """Return the SHA-256 over every job's digest, in key order."""
    digest = hashlib.sha256()
    for key in sorted(results):
        digest.update(key.encode())
        digest.update(results[key].digest().encode())
    return digest.hexdigest()


def run_bench(config: RunConfig, executors: Sequence[str], workers: Sequence[int],
              *, repeat: int = 3, autoload=None, on_row=lambda row: None) -> list[BenchRow]:
    """Time the screen of ``config`` on each executor and worker count, serial first.

    One untimed serial run comes first, so that numba's cache and the imports are
    warm for every timed row. Each row reports the median of ``repeat`` runs; the
    first of them includes starting the executor's workers, as a user's run does.
    Every run writes to its own temporary folder, so no run resumes another.
    """
    combos = [("serial", 1)]
    for name in executors:
        if name == "serial":
            continue
        combos += [(name, count) for count in workers]
    rows = []
    with tempfile.TemporaryDirectory(prefix="seedwalk-bench-") as folder:
        serial = attrs.evolve(config.execution, executor="serial", workers=1)
        run_screen(attrs.evolve(config, execution=serial), Path(folder) / "warm-up",
                   autoload=autoload)
        for index, (name, count) in enumerate(combos):
            execution = attrs.evolve(config.execution, executor=name, workers=count)
            times, hashes = [], set()
            for attempt in range(repeat):
                started = time.perf_counter()
                result = run_screen(attrs.evolve(config, execution=execution),
                                    Path(folder) / f"run-{index}-{attempt}", autoload=autoload)
                times.append(time.perf_counter() - started)
                hashes.add(result_hash(result.results))
            # Repeats that disagree are reported as a hash of their own, so the
            # caller's check fails instead of one hash hiding another.
            digest = hashes.pop() if len(hashes) == 1 else "inconsistent-repeats"
            row = BenchRow(name, count, statistics.median(times), digest)
            rows.append(row)
            on_row(row)
    return rows

