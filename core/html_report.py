"""A self-contained HTML report of a screen: the summary table and equity curves.

The page has no scripts and loads nothing from the network: tables are plain HTML
and each asset's stitched out-of-sample equity is an inline SVG polyline, so the
file opens offline and can be archived with the run.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from seedwalk.job import JobResult

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f2f2f2; }
td.text { text-align: left; }
.PASS { color: #17803d; font-weight: bold; }
.FAIL { color: #a86b00; font-weight: bold; }
.ERROR { color: #b3261e; font-weight: bold; }
.curves { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; width: 320px; }
figcaption { font-size: 0.85em; }
td.asset { white-space: nowrap; }
"""

_WIDTH, _HEIGHT = 320, 120


def _cell(value, spec: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _equity_svg(returns: np.ndarray) -> str:
    """Return an SVG line of the equity curve 1 * cumprod(1 + returns), with a baseline at 1."""
    equity = np.concatenate([[1.0], np.cumprod(1.0 + returns)])
    low, high = float(min(equity.min(), 1.0)), float(max(equity.max(), 1.0))
    span = high - low or 1.0
    xs = np.linspace(0, _WIDTH, len(equity))
    ys = _HEIGHT - (equity - low) / span * _HEIGHT
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    base = _HEIGHT - (1.0 - low) / span * _HEIGHT
    colour = "#17803d" if equity[-1] >= 1.0 else "#b3261e"
    return (f'<svg width="{_WIDTH}" height="{_HEIGHT}" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
            f'role="img"><line x1="0" y1="{base:.1f}" x2="{_WIDTH}" y2="{base:.1f}" '
            f'stroke="#999" stroke-dasharray="4"/><polyline fill="none" stroke="{colour}" '
            f'stroke-width="1.5" points="{points}"/></svg>')


def render_report(summary: pd.DataFrame, results: Mapping[str, JobResult],
                  manifest: Mapping, title: str = "seedwalk screen") -> str:
    """Return the report page as a string."""
    by_asset: dict[str, list[JobResult]] = {}
    for result in results.values():
        by_asset.setdefault(result.asset, []).append(result)

    rows = []
    for row in summary.itertuples(index=False):
        why = row.error if row.status == "ERROR" else (row.failed_criteria or "")
        rows.append(
            f'<tr><td class="text asset">{html.escape(row.asset)}</td>'
            f'<td class="text {row.status}">{row.status}</td>'
            f"<td>{_cell(row.oos_sharpe, '.2f')}</td><td>{_cell(row.oos_psr, '.2f')}</td>"
            f"<td>{_cell(row.wfe, '.2f')}</td><td>{_cell(row.n_trades, 'd')}</td>"
            f"<td>{_cell(row.max_drawdown, '.1%')}</td>"
            f"<td>{_cell(row.oos_total_return, '.1%')}</td>"
            f"<td>{_cell(row.is_deflated_sharpe, '.2f')}</td>"
            f'<td class="text">{html.escape(str(why or ""))}</td></tr>')

    figures = []
    for asset in summary["asset"]:
        folds = sorted((r for r in by_asset.get(asset, []) if r.status == "ok"),
                       key=lambda r: r.fold)
        if not folds:
            continue
        returns = np.concatenate([np.asarray(r.oos_returns, dtype=np.float64) for r in folds])
        params = "; ".join(f"f{r.fold}: " + " ".join(f"{k}={v}" for k, v in r.params.items())
                           for r in folds)
        figures.append(f"<figure>{_equity_svg(returns)}<figcaption><b>{html.escape(asset)}"
                       f"</b> stitched out-of-sample equity<br>{html.escape(params)}"
                       f"</figcaption></figure>")

    config = manifest.get("config", {})
    facts = [("run id", manifest.get("run_id", "")), ("base seed", manifest.get("base_seed", "")),
             ("strategy", config.get("strategy", "")),
             ("seedwalk", manifest.get("seedwalk_version", "")),
             ("jobs", len(manifest.get("jobs", [])))]
    fact_rows = "".join(f'<tr><th>{html.escape(str(k))}</th><td class="text">'
                        f"{html.escape(str(v))}</td></tr>" for k, v in facts)
    header = ("<tr><th>asset</th><th>status</th><th>oos_sharpe</th><th>oos_psr</th>"
              "<th>wfe</th><th>trades</th><th>max_dd</th><th>oos_return</th>"
              "<th>is_deflated_sharpe</th><th>why</th></tr>")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><table>{fact_rows}</table>"
            f"<h2>Assets</h2><table>{header}{''.join(rows)}</table>"
            f"<h2>Out-of-sample equity</h2><div class=\"curves\">{''.join(figures)}</div>"
            f"</body></html>\n")

