import numpy as np
import pandas as pd

from seedwalk.config import RunConfig
from seedwalk.html_report import _equity_svg, render_report
from seedwalk.runner import run_screen


def test_report_written_with_assets_and_curves(tmp_path):
    config = RunConfig.from_dict({"walkforward": {"in_sample": 400, "out_of_sample": 200},
                                  "optimize": {"trials": 4},
                                  "execution": {"executor": "serial"},
                                  "assets": ["GALA-USDT", "SOL-USDT"]})
    result = run_screen(config, tmp_path / "run", autoload=False)
    page = (tmp_path / "run" / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "http" not in page
    for asset in ("GALA-USDT", "SOL-USDT"):
        assert f"<b>{asset}</b>" in page
    assert page.count("<svg") == 2
    assert result.plan.manifest["run_id"] in page


def test_report_escapes_text():
    summary = pd.DataFrame([{
        "asset": "<A&B>", "status": "ERROR", "oos_sharpe": np.nan, "oos_psr": np.nan,
        "wfe": np.nan, "n_trades": pd.NA, "max_drawdown": np.nan, "oos_total_return": np.nan,
        "is_deflated_sharpe": np.nan, "failed_criteria": None, "error": "bad <value>"}])
    page = render_report(summary, {}, {"config": {}})
    assert "&lt;A&amp;B&gt;" in page
    assert "bad &lt;value&gt;" in page
    assert "<A&B>" not in page


def test_equity_svg_scales_to_box():
    svg = _equity_svg(np.array([0.1, -0.2, 0.05]))
    points = svg.split('points="')[1].split('"')[0].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert min(ys) >= 0.0
    assert max(ys) <= 120.0
    assert len(points) == 4
