"""Per-asset aggregation of job results: stitched out-of-sample metrics and status.

The out-of-sample windows of an asset's folds tile its test period, so their per-bar
returns are concatenated in fold order and compounded into one equity curve. The
walk-forward efficiency follows Pardo: the annualized out-of-sample return divided by
the mean annualized in-sample return, both annualized linearly (total return times
periods per year over bars), because the windows have different lengths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from seedwalk import metrics, overfitting
from seedwalk.config import CriteriaConfig
from seedwalk.job import JobResult

PASS, FAIL, ERROR = "PASS", "FAIL", "ERROR"

#: Column order of results.csv. Units: Sharpe ratios annualized; returns, drawdowns
#: and efficiencies as fractions (0.1 is 10 %).
COLUMNS = (
    "asset", "status", "oos_sharpe", "wfe", "n_trades", "max_drawdown", "oos_total_return",
    "oos_annualized_return", "is_annualized_return", "is_sharpe", "wfe_sharpe", "oos_psr",
    "is_deflated_sharpe", "n_folds", "n_bars", "params", "failed_criteria", "error",
)


def _join_errors(errors: Sequence[JobResult]) -> str:
    """Return each distinct error message once, with the folds that raised it."""
    folds_by_message: dict[str, list[int]] = {}
    for result in errors:
        folds_by_message.setdefault(str(result.error), []).append(result.fold)
    parts = []
    for message, folds in folds_by_message.items():
        label = "fold" if len(folds) == 1 else "folds"
        parts.append(f"{label} {', '.join(map(str, folds))}: {message}")
    return "; ".join(parts)


def format_params(results: Sequence[JobResult]) -> str:
    """Return the chosen parameters per fold, e.g. ``"f0: fast=9 slow=48; f1: ..."``."""
    parts = []
    for result in results:
        params = " ".join(f"{name}={_format_value(value)}" for name, value in result.params.items())
        parts.append(f"f{result.fold}: {params}")
    return "; ".join(parts)


def _format_value(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def summarize_asset(asset: str, results: Sequence[JobResult], criteria: CriteriaConfig,
                    init_cash: float, periods_per_year: float) -> dict:
    """Return one results.csv row for ``asset`` from its fold results (any order)."""
    results = sorted(results, key=lambda r: r.fold)
    row = {column: None for column in COLUMNS}
    row.update(asset=asset, n_folds=len(results))
    errors = [r for r in results if r.status != "ok"]
    if errors:
        row["status"] = ERROR
        row["error"] = _join_errors(errors)
        row["params"] = format_params([r for r in results if r.status == "ok"])
        return row

    returns = np.concatenate([np.asarray(r.oos_returns, dtype=np.float64) for r in results])
    equity = init_cash * np.cumprod(1.0 + returns)
    total = metrics.total_return(equity, init_cash) if len(equity) else 0.0
    oos_annual = metrics.annualized_return(total, len(returns), periods_per_year)
    is_annual = float(np.mean([r.in_sample["annualized_return"] for r in results]))
    is_sharpe = float(np.mean([r.in_sample["sharpe"] for r in results]))
    oos_sharpe = metrics.sharpe_ratio(returns, periods_per_year)
    bar_sharpe, skewness, kurtosis = overfitting.moments(returns)
    row.update(
        oos_sharpe=oos_sharpe,
        # A ratio against a non-positive in-sample return has no meaning as an
        # efficiency, so it is left undefined (NaN) and fails the criterion.
        wfe=oos_annual / is_annual if is_annual > 0 else math.nan,
        wfe_sharpe=oos_sharpe / is_sharpe if is_sharpe > 0 else math.nan,
        n_trades=int(sum(r.out_of_sample["n_trades"] for r in results)),
        max_drawdown=metrics.max_drawdown(equity, init_cash),
        oos_total_return=total,
        oos_annualized_return=oos_annual,
        is_annualized_return=is_annual,
        is_sharpe=is_sharpe,
        oos_psr=overfitting.probabilistic_sharpe(bar_sharpe, len(returns), skewness, kurtosis),
        is_deflated_sharpe=_mean_of_finite(r.in_sample.get("deflated_sharpe") for r in results),
        n_bars=int(len(returns)),
        params=format_params(results),
    )
    failed = failed_criteria(row, criteria)
    row["status"] = FAIL if failed else PASS
    row["failed_criteria"] = "; ".join(failed) if failed else None
    return row


def _mean_of_finite(values) -> float:
    """Return the mean of the finite values, NaN when there are none.

    Job files store an undefined metric as null, which reads back as None.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def failed_criteria(row: dict, criteria: CriteriaConfig) -> list[str]:
    """Return a readable line for every criterion the row misses."""
    failed = []
    if not row["oos_sharpe"] >= criteria.min_oos_sharpe:
        failed.append(f"oos_sharpe {row['oos_sharpe']:.3f} < {criteria.min_oos_sharpe:g}")
    if math.isnan(row["wfe"]):
        failed.append("wfe undefined (mean in-sample return <= 0)")
    elif row["wfe"] < criteria.min_wfe:
        failed.append(f"wfe {row['wfe']:.3f} < {criteria.min_wfe:g}")
    if row["n_trades"] < criteria.min_trades:
        failed.append(f"n_trades {row['n_trades']} < {criteria.min_trades}")
    if row["max_drawdown"] < -criteria.max_drawdown:
        failed.append(f"max_drawdown {row['max_drawdown']:.1%} worse than "
                      f"-{criteria.max_drawdown:.0%}")
    return failed


def error_row(asset: str, message: str) -> dict:
    """Return a results row for an asset that could not be planned at all."""
    row = {column: None for column in COLUMNS}
    row.update(asset=asset, status=ERROR, error=message, n_folds=0)
    return row


def results_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """Return the rows as a DataFrame in COLUMNS order, sorted by asset."""
    frame = pd.DataFrame(list(rows), columns=list(COLUMNS))
    frame = frame.sort_values("asset", kind="stable").reset_index(drop=True)
    for column in ("n_trades", "n_folds", "n_bars"):
        frame[column] = frame[column].astype("Int64")
    for column in ("oos_sharpe", "wfe", "max_drawdown", "oos_total_return",
                   "oos_annualized_return", "is_annualized_return", "is_sharpe", "wfe_sharpe",
                   "oos_psr", "is_deflated_sharpe"):
        frame[column] = frame[column].astype("float64")
    return frame
