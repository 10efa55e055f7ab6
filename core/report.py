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
    """Print one row per asset and where the files are."""
    console = console or Console()
    table = Table(title="Walk-forward screen (out-of-sample, stitched)")
    for column, justify in (("asset", "left"), ("status", "left"), ("oos_sharpe", "right"),
                            ("wfe", "right"), ("trades", "right"), ("max_dd", "right"),
                            ("oos_return", "right"), ("why", "left")):
        table.add_column(column, justify=justify)
    for row in summary.itertuples(index=False):
        why = row.error if row.status == "ERROR" else (row.failed_criteria or "")
        table.add_row(
            row.asset, f"[{_STATUS_STYLE.get(row.status, '')}]{row.status}[/]",
            _number(row.oos_sharpe, ".2f"), _number(row.wfe, ".2f"),
            _number(row.n_trades, "d"), _number(row.max_drawdown, ".1%"),
            _number(row.oos_total_return, ".1%"), str(why or ""))
    console.print(table)
    counts = summary["status"].value_counts()
    console.print(f"PASS {counts.get('PASS', 0)}, FAIL {counts.get('FAIL', 0)}, "
                  f"ERROR {counts.get('ERROR', 0)} of {len(summary)} assets. "
                  f"Results: {run_dir / 'results.csv'}")
