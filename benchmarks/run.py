"""Benchmark seedwalk against vectorbt and backtesting.py in one process and one run.

Usage::

    python benchmarks/run.py              # the full run, about 10 minutes on 2 cores
    python benchmarks/run.py --quick      # small sizes, checks agreement, about 30 s
    python benchmarks/run.py --json out.json --only w1,w2

Workloads (all times are medians of interleaved repeats, after warm-up and JIT):

- W1: one SMA(10)/SMA(50) crossover backtest on 10k, 100k and 1M bars, end to end,
  and seedwalk's backtest_signals against vectorbt's Portfolio.from_signals on the
  same precomputed signals.
- W2: 100 parameter sets (fast 5..50 step 5, slow 20..200 step 20) on 100k bars.
- W3: the default walk-forward screen of the bundled 20 assets, 1 and 2 workers,
  with its time split into sampler, kernels and the rest.
- Cold start: import and first backtest in a fresh process, with an empty and with
  a warm numba cache.
- References: NumPy's sum over an array larger than the caches (memory bandwidth),
  and a plain single-pass numba loop for the crossover.

The markdown tables go to stdout. Every peer must make the same trades as seedwalk,
up to the end of the data where their rules differ, and reach the same equity
within a stated tolerance. docs/benchmarks.md explains the tolerances and the
differences. A disagreement is printed and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

# backtesting.py draws a progress bar on every run.
os.environ.setdefault("TQDM_DISABLE", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import _data  # noqa: E402
import _peers  # noqa: E402
from _reference_nb import sma_cross_loop_nb, sum_nb  # noqa: E402
from _timing import interleaved_medians, load_average  # noqa: E402

PERIODS_PER_YEAR = 2190.0  # 4h bars, 365 days a year
FAST, SLOW = 10, 50
W2_FAST = np.array([f for f in range(5, 51, 5) for s in range(20, 201, 20)])
W2_SLOW = np.array([s for f in range(5, 51, 5) for s in range(20, 201, 20)])
# Agreement tolerances, relative, on the equity after the compared trades (see
# compare()). backtesting.py buys whole multiples of 1e-8 units, so each entry
# leaves up to 1e-8 units of cash idle: about 1e-8 * price / equity of the equity.
VECTORBT_TOLERANCE = 1e-9
BACKTESTING_TOLERANCE = 1e-6
# Trades entered with less equity than this, in the quote currency (1 % of the
# initial cash), are not compared: the peers' minimum order sizes bind at about
# 1e-6, and backtesting.py's idle cash grows as the equity shrinks.
MIN_COMPARED_EQUITY = 100.0
BANDWIDTH_VALUES = 2**25  # 256 MiB of float64, larger than any L3 cache here

PACKAGES = ("numpy", "pandas", "numba", "llvmlite", "optuna", "joblib", "vectorbt",
            "backtesting")


def machine() -> dict:
    """Return the CPU model, core count, package versions and numba's threading layer."""
    model = platform.processor() or "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["seedwalk"] = metadata.version("seedwalk")
    return {"cpu": model, "cores": os.cpu_count(), "numba_threads": numba.get_num_threads(),
            "versions": versions}


def ratio(slower: float, faster: float) -> float:
    return slower / faster if faster > 0 else math.nan


def relative_difference(value: float, reference: float) -> float:
    return abs(value / reference - 1.0) if reference else abs(value)


def compare(reference: _peers.Outcome, other: _peers.Outcome, tolerance: float,
            n_bars: int, last_close: float) -> dict:
    """Compare a peer's outcome with seedwalk's and report whether they agree.

    The rules differ in two places, so the check covers the trades before both:

    - the end of the data: seedwalk closes an open position at the last close with
      the fee and opens none on the last bar. vectorbt can open on the last bar and
      leaves positions open, and backtesting.py's last bar moves its equity;
    - tiny orders: vectorbt rejects orders below ``min_size`` (1e-8 units by
      default) and FractionalBacktest orders below one fractional unit, while
      seedwalk has no minimum. Fees eat the equity of a long losing run, so after
      thousands of trades the orders become that small.

    So the compared trades are seedwalk's leading trades that exit before the last
    two bars and enter with at least ``MIN_COMPARED_EQUITY`` of equity, and the
    peer's first trades of the same count. They must have the same entry and exit
    bars, and the equity after them must agree within ``tolerance``, relative. The
    final equity is reported after taking vectorbt's open units out at the last
    close with the fee, but not checked.
    """
    equity_before = _peers.INIT_CASH + np.concatenate([[0.0], np.cumsum(reference.pnl)])
    eligible = (reference.exit_bars < n_bars - 2) & (equity_before[:-1] >= MIN_COMPARED_EQUITY)
    count = int(np.argmin(eligible)) if not eligible.all() else len(eligible)
    same_trades = (other.n_trades >= count
                   and np.array_equal(reference.entry_bars[:count], other.entry_bars[:count])
                   and np.array_equal(reference.exit_bars[:count], other.exit_bars[:count]))
    equity = _peers.INIT_CASH + float(np.sum(reference.pnl[:count]))
    other_equity = _peers.INIT_CASH + float(np.sum(other.pnl[:count]))
    equity_difference = relative_difference(other_equity, equity)
    final_other = other.final_equity - _peers.FEE * other.open_units * last_close
    return {
        "n_trades": [reference.n_trades, other.n_trades],
        "compared_trades": count,
        "same_trades": bool(same_trades),
        "compared_equity_difference": equity_difference,
        "final_equity": [reference.final_equity, other.final_equity],
        "final_equity_difference": relative_difference(final_other, reference.final_equity),
        "agrees": bool(same_trades and equity_difference <= tolerance),
    }


# --- references ----------------------------------------------------------------------


def bandwidth_reference(repeat: int) -> dict:
    """Time sums over an array far larger than the caches: the memory-bound floor."""
    values = np.random.default_rng(0).random(BANDWIDTH_VALUES)
    times = interleaved_medians({"numpy": lambda: values.sum(),
                                 "numba": lambda: sum_nb(values)}, repeat)
    size = values.nbytes
    return {name: {"seconds": t, "gb_per_s": size / t / 1e9, "ns_per_value": t / len(values) * 1e9}
            for name, t in times.items()}


def loop_reference(close: np.ndarray, repeat: int) -> dict:
    """Time the plain single-pass crossover loop, per bar and parameter set."""
    seconds = interleaved_medians({"loop": lambda: sma_cross_loop_nb(close, FAST, SLOW,
                                                                     _peers.FEE)}, repeat)
    return {"seconds": seconds["loop"], "ns_per_bar": seconds["loop"] / len(close) * 1e9}


# --- W1 ------------------------------------------------------------------------------


def run_w1(sizes, repeat: int, with_backtesting: bool, backtesting_max: int) -> list[dict]:
    rows = []
    for n_bars in sizes:
        bars = _data.random_walk(n_bars)
        ohlcv = _data.seedwalk_bars(bars)
        close = pd.Series(bars["close"], index=_data.naive_index(n_bars))
        frame = _data.backtesting_frame(bars)
        signals = _peers.SmaCross().signals(ohlcv.open, ohlcv.high, ohlcv.low, ohlcv.close,
                                            ohlcv.volume, {"fast": FAST, "slow": SLOW})
        entries, exits = signals.entries, signals.exits

        calls = {
            "seedwalk": lambda: _peers.run_seedwalk_strategy(ohlcv, FAST, SLOW),
            "seedwalk_fused": lambda: _peers.run_seedwalk_fused(ohlcv, FAST, SLOW),
            "vectorbt": lambda: _peers.run_vectorbt(close, FAST, SLOW),
            "seedwalk_signals": lambda: _peers.run_seedwalk_signals(ohlcv, entries, exits),
            "seedwalk_simulate": lambda: _peers.run_seedwalk_simulate(ohlcv, entries, exits),
            "vectorbt_signals": lambda: _peers.run_vectorbt_signals(close, entries, exits),
        }
        run_backtesting = with_backtesting and n_bars <= backtesting_max
        if run_backtesting:
            calls["backtesting"] = lambda: _peers.run_backtesting(frame, FAST, SLOW)
        # backtesting.py runs a Python loop over the bars, so 1M bars get one repeat.
        times = interleaved_medians(calls, repeat if n_bars < 1_000_000 else max(1, repeat // 2))

        reference = _peers.outcome_seedwalk(calls["seedwalk"]()[0].simulation)
        fused = calls["seedwalk_fused"]()[0]
        last_close = float(bars["close"][-1])
        agreement = {
            "seedwalk_fused": {
                "n_trades": [reference.n_trades, int(fused.n_trades[0])],
                "final_equity": [reference.final_equity, float(fused.final_equity[0])],
                "agrees": bool(reference.n_trades == fused.n_trades[0]
                               and reference.final_equity == fused.final_equity[0]),
            },
            "vectorbt": compare(reference, _peers.outcome_vectorbt(calls["vectorbt"]()[0]),
                                VECTORBT_TOLERANCE, n_bars, last_close),
            "vectorbt_signals": compare(
                reference, _peers.outcome_vectorbt(calls["vectorbt_signals"]()[0]),
                VECTORBT_TOLERANCE, n_bars, last_close),
        }
        if run_backtesting:
            agreement["backtesting"] = compare(
                reference, _peers.outcome_backtesting(calls["backtesting"]()[0]),
                BACKTESTING_TOLERANCE, n_bars, last_close)
        rows.append({"n_bars": n_bars, "seconds": times, "agreement": agreement})
    return rows


# --- W2 ------------------------------------------------------------------------------


def run_w2(n_bars: int, repeat: int, with_backtesting: bool, w1_rows: list[dict]) -> dict:
    bars = _data.random_walk(n_bars)
    ohlcv = _data.seedwalk_bars(bars)
    close = pd.Series(bars["close"], index=_data.naive_index(n_bars))
    sets = len(W2_FAST)

    def reference_loops():
        for fast, slow in zip(W2_FAST, W2_SLOW):
            sma_cross_loop_nb(bars["close"], fast, slow, _peers.FEE)

    calls = {
        "seedwalk_1_thread": lambda: _peers.run_seedwalk_sweep(ohlcv, W2_FAST, W2_SLOW, 1,
                                                               PERIODS_PER_YEAR),
        "vectorbt": lambda: _peers.run_vectorbt(close, W2_FAST, W2_SLOW),
        "reference_loop": reference_loops,
    }
    if numba.config.NUMBA_NUM_THREADS >= 2:
        calls["seedwalk_2_threads"] = lambda: _peers.run_seedwalk_sweep(
            ohlcv, W2_FAST, W2_SLOW, 2, PERIODS_PER_YEAR)
    times = interleaved_medians(calls, repeat)

    result, final_equity, n_trades, sharpe = calls["seedwalk_1_thread"]()
    portfolio = calls["vectorbt"]()[0]
    vbt_final = portfolio.final_value().to_numpy()
    open_units = np.zeros(sets)
    records = portfolio.trades.values
    for record in records[records["status"] == 0]:
        open_units[record["col"]] += record["size"]
    adjusted = vbt_final - _peers.FEE * open_units * bars["close"][-1]
    vbt_trades = portfolio.trades.count().to_numpy()
    vbt_sharpe = portfolio.sharpe_ratio().to_numpy()
    finite = np.isfinite(vbt_sharpe) & np.isfinite(sharpe)
    agreement = {
        "same_n_trades": int(np.sum(vbt_trades == n_trades)),
        "sets": sets,
        "max_final_equity_difference": float(np.max(np.abs(adjusted / final_equity - 1.0))),
        "max_sharpe_difference": float(np.max(np.abs(vbt_sharpe[finite] - sharpe[finite]))),
    }
    agreement["agrees"] = bool(agreement["same_n_trades"] == sets
                               and agreement["max_final_equity_difference"] <= 1e-9)
    if with_backtesting:
        # 100 Python-loop backtests would take many minutes; this scales the W1 time.
        for row in w1_rows:
            if row["n_bars"] == n_bars and "backtesting" in row["seconds"]:
                times["backtesting_estimate"] = sets * row["seconds"]["backtesting"]
    per_set_bar = {name: t / (sets * n_bars) * 1e9 for name, t in times.items()}
    return {"n_bars": n_bars, "sets": sets, "seconds": times, "ns_per_bar_per_set": per_set_bar,
            "agreement": agreement}


# --- output --------------------------------------------------------------------------


def print_report(report: dict) -> None:
    info = report["machine"]
    print(f"# seedwalk benchmarks\n\nCPU: {info['cpu']}, {info['cores']} cores, numba threads "
          f"{info['numba_threads']} ({report.get('threading_layer', '?')})  ")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + "  ")
    print(f"Load average (1 min) at start {report['load_start']:.2f}, "
          f"at end {report['load_end']:.2f}\n")

    if "bandwidth" in report:
        bandwidth = report["bandwidth"]
        print("## References\n")
        print("| reference | time | rate |\n|---|---:|---:|")
        for name, values in bandwidth.items():
            print(f"| {name} sum of {BANDWIDTH_VALUES:,} float64 | {values['seconds'] * 1e3:.1f} ms"
                  f" | {values['gb_per_s']:.1f} GB/s, {values['ns_per_value']:.3f} ns/value |")
        loop = report["loop_reference"]
        print(f"| plain numba crossover loop, 1M bars | {loop['seconds'] * 1e3:.2f} ms | "
              f"{loop['ns_per_bar']:.2f} ns/bar/set |\n")

    if "w1" in report:
        print("## W1: one backtest, SMA(10)/SMA(50), fee 0.1 %, fills at the close\n")
        print("| bars | seedwalk strategy + backtest_signals | seedwalk fused kernel | vectorbt"
              " | backtesting.py | vectorbt / seedwalk | vectorbt / fused |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for row in report["w1"]:
            t = row["seconds"]
            backtesting = f"{t['backtesting'] * 1e3:.1f} ms" if "backtesting" in t else "not run"
            print(f"| {row['n_bars']:,} | {t['seedwalk'] * 1e3:.2f} ms | "
                  f"{t['seedwalk_fused'] * 1e3:.2f} ms | {t['vectorbt'] * 1e3:.1f} ms | "
                  f"{backtesting} | {ratio(t['vectorbt'], t['seedwalk']):.1f}x | "
                  f"{ratio(t['vectorbt'], t['seedwalk_fused']):.1f}x |")
        print("\n**W1, precomputed signals**\n")
        print("| bars | seedwalk backtest_signals | seedwalk simulate | vectorbt from_signals |"
              " from_signals / backtest_signals |\n|---:|---:|---:|---:|---:|")
        for row in report["w1"]:
            t = row["seconds"]
            print(f"| {row['n_bars']:,} | {t['seedwalk_signals'] * 1e3:.2f} ms | "
                  f"{t['seedwalk_simulate'] * 1e3:.2f} ms | {t['vectorbt_signals'] * 1e3:.1f} ms"
                  f" | {ratio(t['vectorbt_signals'], t['seedwalk_signals']):.1f}x |")
        print("\n**W1 agreement with seedwalk** (compared trades: see Agreement in "
              "docs/benchmarks.md)\n")
        print("| bars | peer | trades (seedwalk, peer) | compared trades | same entries and"
              " exits | equity after them, relative difference | final equity, relative"
              " difference | agrees |\n|---:|---|---|---:|---|---:|---:|---|")
        for row in report["w1"]:
            for peer, check in row["agreement"].items():
                difference = check.get("compared_equity_difference")
                final = check.get("final_equity_difference")
                print(f"| {row['n_bars']:,} | {peer} | {check['n_trades'][0]}, "
                      f"{check['n_trades'][1]} | {check.get('compared_trades', 'all')} | "
                      f"{check.get('same_trades', '-')} | "
                      f"{'-' if difference is None else f'{difference:.1e}'} | "
                      f"{'exact' if final is None else f'{final:.1e}'} | "
                      f"{'yes' if check['agrees'] else 'NO'} |")

    if "w2" in report:
        w2 = report["w2"]
        t = w2["seconds"]
        ns = w2["ns_per_bar_per_set"]
        print(f"\n## W2: {w2['sets']} parameter sets on {w2['n_bars']:,} bars, one process\n")
        print("| runner | time | ns/bar/set | vectorbt / runner |\n|---|---:|---:|---:|")
        for name in ("seedwalk_1_thread", "seedwalk_2_threads", "vectorbt",
                     "backtesting_estimate", "reference_loop"):
            if name in t:
                print(f"| {name} | {t[name] * 1e3:.1f} ms | {ns[name]:.2f} | "
                      f"{ratio(t['vectorbt'], t[name]):.1f}x |")
        agreement = w2["agreement"]
        print(f"\nAgreement with vectorbt: same trade count in {agreement['same_n_trades']} of "
              f"{agreement['sets']} sets, final equity within "
              f"{agreement['max_final_equity_difference']:.1e} relative, Sharpe within "
              f"{agreement['max_sharpe_difference']:.1e}.")

    if "w3" in report:
        from _w3 import print_w3

        print_w3(report["w3"])
    if "cold_start" in report:
        from _coldstart import print_cold_start

        print_cold_start(report["cold_start"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and a reduced screen; for a smoke test")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed repeats per measurement (default 5; 1M bars use half)")
    parser.add_argument("--only", default="refs,w1,w2,w3,cold",
                        help="comma-separated parts to run: refs, w1, w2, w3, cold")
    parser.add_argument("--no-backtesting", action="store_true",
                        help="skip backtesting.py, whose Python loop is the slowest part")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    repeat = 2 if args.quick else args.repeat

    report = {"machine": machine(), "load_start": load_average(), "quick": args.quick}
    if "refs" in parts:
        report["bandwidth"] = bandwidth_reference(repeat)
        report["loop_reference"] = loop_reference(_data.random_walk(1_000_000)["close"],
                                                  repeat)
    if "w1" in parts or "w2" in parts:
        sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
        report["w1"] = run_w1(sizes, repeat, not args.no_backtesting,
                              backtesting_max=100_000 if args.quick else 1_000_000)
    if "w2" in parts:
        report["w2"] = run_w2(10_000 if args.quick else 100_000, repeat,
                              not args.no_backtesting, report["w1"])
    if "w3" in parts:
        from _w3 import run_w3

        report["w3"] = run_w3(quick=args.quick, repeat=1 if args.quick else 2)
    if "cold" in parts:
        from _coldstart import run_cold_start

        report["cold_start"] = run_cold_start(repeat=1 if args.quick else 3)
    report["threading_layer"] = _threading_layer()
    report["load_end"] = load_average()

    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float))
    failures = _failed_agreements(report)
    if failures:
        print("\nDISAGREEMENT: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return "not started"


def _failed_agreements(report: dict) -> list[str]:
    failures = []
    for row in report.get("w1", []):
        for peer, check in row["agreement"].items():
            if not check["agrees"]:
                failures.append(f"W1 {row['n_bars']} bars, {peer}")
    if "w2" in report and not report["w2"]["agreement"]["agrees"]:
        failures.append("W2, vectorbt")
    if "w3" in report:
        w3 = report["w3"]
        if not w3["same_results"]:
            failures.append("W3 results differ between worker counts")
        baseline = w3["proposals"]["baseline"]["hashes"]
        for name, run in w3["proposals"].items():
            # The exhaustive search optimizes differently; the others must not change results.
            if name != "exhaustive_grid_sweep" and run["hashes"] != baseline:
                failures.append(f"W3 proposal {name} changed the results")
    return failures


if __name__ == "__main__":
    sys.exit(main())
