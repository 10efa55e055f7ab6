"""Seed dispersion: the same screen under several base seeds.

A sampler's draws depend on the base seed, so a screen's verdicts carry seed
noise. Running the screen under K base seeds and reporting, per asset, the spread
of the out-of-sample Sharpe and the fraction of seeds that PASS shows whether a
difference between two screens is larger than that noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError
from seedwalk.rundir import atomic_write_text
from seedwalk.runner import run_screen
from seedwalk.seeding import check_base_seed

COLUMNS = ("asset", "n_seeds", "oos_sharpe_mean", "oos_sharpe_std", "oos_sharpe_min",
           "oos_sharpe_max", "pass_fraction", "n_errors")


def seed_list(base_seed: int, count: int) -> list[int]:
    """Return the base seeds of a K-seed screen: ``base_seed`` and the next K - 1 integers."""
    return [base_seed + i for i in range(count)]


def run_seed_screens(config: RunConfig, out: str | Path, seeds: Sequence[int], *,
                     observers_for=lambda seed: (), autoload=None) -> pd.DataFrame:
    """Run the screen once per seed into ``out/seed-<seed>`` and return the dispersion table.

    Each seed's run is a complete run folder, so it resumes and verifies like any other.
    The table is also written to ``out/dispersion.csv``.
    """
    out = Path(out)
    for seed in seeds:
        check_base_seed(seed)
    if (out / "manifest.json").exists():
        raise ConfigError(f"{str(out)!r} contains a single-seed run; a --seeds run needs its own "
                          f"folder for its seed-* runs. Choose another --out folder")
    summaries = {}
    for seed in seeds:
        seeded = attrs.evolve(config, seed=seed)
        result = run_screen(seeded, out / f"seed-{seed}", observers=observers_for(seed),
                            autoload=autoload)
        summaries[seed] = result.summary
    table = dispersion_table(summaries.values())
    atomic_write_text(out / "dispersion.csv", table.to_csv(index=False))
    return table


def dispersion_table(summaries: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Return per-asset statistics of the out-of-sample Sharpe over several screens.

    The standard deviation is the sample one (ddof = 1), NaN with a single seed.
    ERROR rows count in ``n_errors`` and in the denominator of ``pass_fraction``,
    but not in the Sharpe statistics.
    """
    frame = pd.concat(list(summaries), ignore_index=True)
    rows = []
    for asset, group in frame.groupby("asset", sort=True):
        sharpe = group.loc[group["status"] != "ERROR", "oos_sharpe"].to_numpy(dtype=float)
        rows.append({
            "asset": asset,
            "n_seeds": len(group),
            "oos_sharpe_mean": float(np.mean(sharpe)) if len(sharpe) else np.nan,
            "oos_sharpe_std": float(np.std(sharpe, ddof=1)) if len(sharpe) > 1 else np.nan,
            "oos_sharpe_min": float(np.min(sharpe)) if len(sharpe) else np.nan,
            "oos_sharpe_max": float(np.max(sharpe)) if len(sharpe) else np.nan,
            "pass_fraction": float((group["status"] == "PASS").mean()),
            "n_errors": int((group["status"] == "ERROR").sum()),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))
