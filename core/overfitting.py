"""How much of a Sharpe ratio is luck: probabilistic and deflated Sharpe ratios.

Both follow Bailey and López de Prado ("The Sharpe Ratio Efficient Frontier", 2012,
and "The Deflated Sharpe Ratio", 2014). Sharpe ratios here are per bar, not
annualized, because the standard error formula counts bars.

- The probabilistic Sharpe ratio PSR(SR*) is the probability that the true Sharpe
  ratio exceeds SR*, given the observed one, the number of bars, and the skewness and
  kurtosis of the returns.
- The deflated Sharpe ratio is PSR(SR*) with SR* set to the Sharpe ratio that the
  best of N trials would reach by luck alone, given the variance of the N trials'
  Sharpe ratios. It tests whether the optimizer's best trial beats the maximum
  of N draws of noise.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def moments(returns) -> tuple[float, float, float]:
    """Return (per-bar Sharpe with ddof=1, skewness, kurtosis) of ``returns``.

    Skewness and kurtosis are the population moments (m3 / m2**1.5 and m4 / m2**2,
    so a normal distribution has kurtosis 3). All three are NaN for fewer than two
    returns or constant returns.
    """
    values = np.asarray(returns, dtype=np.float64)
    if len(values) < 2:
        return math.nan, math.nan, math.nan
    deviations = values - values.mean()
    m2 = float(np.mean(deviations**2))
    if m2 == 0.0:
        return math.nan, math.nan, math.nan
    sharpe = float(values.mean() / values.std(ddof=1))
    skewness = float(np.mean(deviations**3)) / m2**1.5
    kurtosis = float(np.mean(deviations**4)) / m2**2
    return sharpe, skewness, kurtosis


def probabilistic_sharpe(sharpe: float, n_bars: int, skewness: float, kurtosis: float,
                         benchmark: float = 0.0) -> float:
    """Return the probability that the true per-bar Sharpe ratio exceeds ``benchmark``.

    NaN when the inputs are undefined or the variance term is not positive.
    """
    if n_bars < 2 or not all(map(math.isfinite, (sharpe, skewness, kurtosis, benchmark))):
        return math.nan
    variance = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if variance <= 0.0:
        return math.nan
    return _NORMAL.cdf((sharpe - benchmark) * math.sqrt(n_bars - 1) / math.sqrt(variance))


def expected_max_sharpe(n_trials: int, trial_variance: float) -> float:
    """Return the expected maximum of ``n_trials`` per-bar Sharpe ratios drawn by luck.

    The trials' Sharpe ratios are taken as normal with mean 0 and variance
    ``trial_variance``. One trial, or none, gives 0.
    """
    if n_trials <= 1 or not trial_variance > 0.0:
        return 0.0
    first = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    second = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(trial_variance) * ((1.0 - EULER_GAMMA) * first + EULER_GAMMA * second)


def deflated_sharpe(sharpe: float, n_bars: int, skewness: float, kurtosis: float,
                    trial_sharpes) -> float:
    """Return the deflated Sharpe ratio of the best of ``trial_sharpes`` (all per bar).

    ``sharpe``, ``skewness`` and ``kurtosis`` describe the selected trial's returns;
    ``trial_sharpes`` are the per-bar Sharpe ratios of every trial, the selected one
    included. Repeated parameter sets count as separate trials, which slightly
    overstates the number of independent trials.
    """
    trials = np.asarray([s for s in trial_sharpes if math.isfinite(s)], dtype=np.float64)
    variance = float(np.var(trials, ddof=1)) if len(trials) > 1 else 0.0
    benchmark = expected_max_sharpe(len(trials), variance)
    return probabilistic_sharpe(sharpe, n_bars, skewness, kurtosis, benchmark)
