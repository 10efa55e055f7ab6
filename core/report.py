"""Terminal rendering of a screen's summary table."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

_STATUS_STYLE = {"PASS": "green", "FAIL": "yellow", "ERROR": "red"}


def _number(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "-"
    return format(value, spec)


def print_summary(summary: pd.DataFrame, run_dir: Path, console: Console | None = None) -> None:
    """Print one row per asset, then why each asset failed, then where the files are.

    The reasons are printed below the table rather than in a column, so the table
    stays readable on an 80-column terminal.
    """
    console = console or Console()
    table = Table(title="Walk-forward screen (out-of-sample, stitched)")
    for column in ("asset", "status", "oos_sharpe", "wfe", "trades", "max_dd", "oos_return"):
        table.add_column(column, justify="left" if column in ("asset", "status") else "right",
                         no_wrap=True)
    for row in summary.itertuples(index=False):
        table.add_row(
            row.asset, f"[{_STATUS_STYLE.get(row.status, '')}]{row.status}[/]",
            _number(row.oos_sharpe, ".2f"), _number(row.wfe, ".2f"),
            _number(row.n_trades, "d"), _number(row.max_drawdown, ".1%"),
            _number(row.oos_total_return, ".1%"))
    console.print(table)

    for row in summary.itertuples(index=False):
        if row.status == "ERROR":
            console.print(f"[red]{row.asset} ERROR[/]: {row.error}", highlight=False)
        elif row.status == "FAIL":
            console.print(f"{row.asset} FAIL: {row.failed_criteria}", highlight=False)
    counts = summary["status"].value_counts()
    console.print(f"PASS {counts.get('PASS', 0)}, FAIL {counts.get('FAIL', 0)}, "
                  f"ERROR {counts.get('ERROR', 0)} of {len(summary)} assets. "
                  f"Results: {run_dir / 'results.csv'}", highlight=False)


def print_dispersion(table: pd.DataFrame, out: Path, console: Console | None = None) -> None:
    """Print the per-asset spread of the out-of-sample Sharpe over base seeds."""
    console = console or Console()
    view = Table(title=f"Out-of-sample Sharpe over {int(table['n_seeds'].max())} base seeds")
    for column in ("asset", "mean", "std", "min", "max", "pass_fraction", "errors"):
        view.add_column(column, justify="left" if column == "asset" else "right", no_wrap=True)
    for row in table.itertuples(index=False):
        view.add_row(row.asset, _number(row.oos_sharpe_mean, ".2f"),
                     _number(row.oos_sharpe_std, ".2f"), _number(row.oos_sharpe_min, ".2f"),
                     _number(row.oos_sharpe_max, ".2f"), _number(row.pass_fraction, ".0%"),
                     str(row.n_errors))
    console.print(view)
    console.print(f"Per-seed runs: {out}/seed-*/results.csv. Table: {out / 'dispersion.csv'}")


def print_verify(report, console: Console | None = None) -> None:
    """Print one row per re-run job and a closing line."""
    from seedwalk.verify import MATCH, format_checks

    console = console or Console()
    if report.sample_seed is not None:
        console.print(f"checking {len(report.checks)} of {report.total_jobs} jobs, sampled with "
                      f"--sample-seed {report.sample_seed}")
    for asset, (old, new) in report.changed_data.items():
        console.print(f"[red]DATA CHANGED[/] {asset}: SHA-256 {old} in the manifest, {new} now")
    view = Table()
    for column in ("job", "status", "saved", "now", "detail"):
        view.add_column(column, no_wrap=column != "detail")
    for row in format_checks(report.checks):
        style = "green" if row[1] == MATCH else "red"
        view.add_row(row[0], f"[{style}]{row[1]}[/]", *row[2:])
    console.print(view)
    matched = sum(1 for c in report.checks if c.status == MATCH)
    console.print(f"{matched} of {len(report.checks)} jobs match")


def print_bench_row(row, serial_seconds: float, console: Console | None = None) -> None:
    """Print one timed run: executor, workers, seconds, speed-up over serial, hash."""
    console = console or Console()
    console.print(f"{row.executor:<10} workers={row.workers:<3} {row.seconds:8.2f} s  "
                  f"speed-up {serial_seconds / row.seconds:5.2f}x  hash {row.result_hash[:16]}")
