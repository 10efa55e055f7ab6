"""Cold start: a fresh process, from its start to the first backtest result.

Each measurement starts a new Python process that imports seedwalk, loads one
bundled asset, computes the SmaCross signals and runs ``backtest_signals``, then
runs the fused sweep once. The parent times the whole process; the child reports
its own milestones. ``NUMBA_CACHE_DIR`` points at a new empty folder for the
"empty cache" rows, so numba compiles every kernel, and at the same, now filled,
folder for the "warm cache" rows.

Run as a script, this module is the child.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

_STARTED = time.perf_counter()


def child() -> None:
    """Import, load, backtest and sweep, printing the elapsed time of each as JSON."""
    marks = {}
    import seedwalk.backtest
    from seedwalk.plugins.data_sources import SampleSource
    from seedwalk.strategies.sma_cross import SmaCross

    marks["import"] = time.perf_counter() - _STARTED
    data = SampleSource().load("GALA-USDT")
    marks["load"] = time.perf_counter() - _STARTED
    signals = SmaCross().signals(data.open, data.high, data.low, data.close, data.volume,
                                 {"fast": 10, "slow": 50})
    result = seedwalk.backtest.backtest_signals(data, signals.entries, signals.exits, fee=0.001)
    result.stats()
    marks["first_backtest"] = time.perf_counter() - _STARTED
    marks["first_backtest_epoch"] = time.time()
    from seedwalk.backtest.sweep import sweep_sma_cross

    sweep_sma_cross(data.open, data.high, data.low, data.close, [10, 20], [50, 100],
                    options={"fee": 0.001})
    marks["first_sweep"] = time.perf_counter() - _STARTED
    print(json.dumps(marks))


def _run_child(cache_dir: str) -> dict:
    environment = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    started_epoch = time.time()
    started = time.perf_counter()
    output = subprocess.run([sys.executable, __file__], env=environment, capture_output=True,
                            text=True, check=True).stdout
    marks = json.loads(output.strip().splitlines()[-1])
    marks["process"] = time.perf_counter() - started
    # From the exec of the interpreter, which the child's own clock cannot see.
    marks["to_first_backtest"] = marks.pop("first_backtest_epoch") - started_epoch
    return marks


def run_cold_start(repeat: int) -> dict:
    """Return median milestones, in seconds, for an empty and for a warm numba cache."""
    empty, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="seedwalk-numba-cache-") as cache_dir:
            empty.append(_run_child(cache_dir))
            warm.append(_run_child(cache_dir))
    return {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            for name, runs in (("empty_cache", empty), ("warm_cache", warm))}


def print_cold_start(cold: dict) -> None:
    print("\n## Cold start: new process to first result (medians)\n")
    print("| numba cache | import seedwalk | + load one asset | + first backtest_signals |"
          " + first sweep | exec to first backtest | whole process |"
          "\n|---|---:|---:|---:|---:|---:|---:|")
    for name, label in (("empty_cache", "empty"), ("warm_cache", "warm")):
        marks = cold[name]
        print(f"| {label} | {marks['import']:.2f} s | {marks['load']:.2f} s | "
              f"{marks['first_backtest']:.2f} s | {marks['first_sweep']:.2f} s | "
              f"{marks['to_first_backtest']:.2f} s | {marks['process']:.2f} s |")
    print("\nThe first four columns are measured by the child from its first line of "
          "Python; the last two by the parent, from starting the interpreter.")


if __name__ == "__main__":
    child()
