"""Performance metrics of equity curves, per-bar returns and trade logs.

Plain numpy functions. Returns are per-bar simple returns (0.01 is +1 %), equity is
in the quote currency, drawdowns and total returns are fractions, and rates are
annualized with the periods per year of :func:`periods_per_year`. The formulas are
written out in docs/backtest-semantics.md.

A ratio with a zero denominator is 0.0 for the Sharpe ratio. For the Sortino and
Calmar ratios and the profit factor it is ``inf`` when the numerator is positive,
else 0.0.
"""

from __future__ import annotations

import math

import numpy as np

from seedwalk._names import suggest
from seedwalk.errors import ConfigError

SECONDS_PER_DAY = 86_400
# Calendar assumptions of each market: trading days per year and trading seconds
# per trading day. Crypto trades around the clock on every calendar day.
CALENDARS = {
    "crypto": (365, 24 * 3600),
    "equity": (252, 6.5 * 3600),
}
# An equity week has 5 trading days, so bars of a week or longer are converted
# from calendar days to trading days by this factor.
_EQUITY_TRADING_DAYS_PER_WEEK = 5


def periods_per_year(bar_seconds: float, calendar: str = "crypto") -> float:
    """Return how many bars of ``bar_seconds`` make one year of ``calendar``.

    ``"crypto"``: 365 days of 24 hours, so a 4h bar gives 2190 and a daily bar 365.
    ``"equity"``: 252 trading days. Intraday bars divide a 6.5-hour session, so a
    1h bar gives 1638. A daily bar gives 252, and a bar of several days 252 / days.
    Bars of a week or longer count 5 trading days per calendar week, so a weekly
    bar gives 50.4.

    Raises:
        ConfigError: an unknown calendar, or a bar length that is not positive.
    """
    if calendar not in CALENDARS:
        raise ConfigError(f"unknown calendar {calendar!r}. {suggest(str(calendar), CALENDARS)}")
    if not (isinstance(bar_seconds, (int, float, np.integer, np.floating))
            and math.isfinite(bar_seconds) and bar_seconds > 0):
        raise ConfigError(f"bar_seconds must be a positive number of seconds (got {bar_seconds!r})")
    days_per_year, seconds_per_day = CALENDARS[calendar]
    if calendar == "crypto" or bar_seconds < SECONDS_PER_DAY:
        return days_per_year * seconds_per_day / bar_seconds
    bar_days = bar_seconds / SECONDS_PER_DAY
    if bar_days >= 7:
        bar_days = bar_days * _EQUITY_TRADING_DAYS_PER_WEEK / 7
    return days_per_year / bar_days


def _returns_array(returns) -> np.ndarray:
    return np.asarray(returns, dtype=np.float64).ravel()


def _risk_free_per_bar(risk_free: float, periods_per_year: float) -> float:
    # The annual rate compounds over the bars of one year.
    return (1.0 + risk_free) ** (1.0 / periods_per_year) - 1.0


def sharpe_ratio(returns, periods_per_year: float, risk_free: float = 0.0) -> float:
    """Return the annualized Sharpe ratio of per-bar returns.

    ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods_per_year)``, where ``rf``
    is the annual ``risk_free`` rate compounded down to one bar. Returns 0.0 for
    fewer than 2 returns or when all returns are equal, because the standard
    deviation is then undefined or zero.
    """
    r = _returns_array(returns)
    if len(r) < 2 or np.ptp(r) == 0.0:
        return 0.0
    excess = r - _risk_free_per_bar(risk_free, periods_per_year)
    std = float(np.std(excess, ddof=1))
    if std == 0.0:
        return 0.0
    return float(np.mean(excess)) / std * math.sqrt(periods_per_year)


def sortino_ratio(returns, periods_per_year: float, risk_free: float = 0.0) -> float:
    """Return the annualized Sortino ratio of per-bar returns.

    ``mean(r - rf) / sqrt(mean(min(r - rf, 0)**2)) * sqrt(periods_per_year)``: the
    downside deviation averages over all bars, not only the losing ones. Returns 0.0
    for fewer than 2 returns. Without a single return below ``rf`` the downside
    deviation is zero, and the result is ``inf`` for a positive mean, else 0.0.
    """
    r = _returns_array(returns)
    if len(r) < 2:
        return 0.0
    excess = r - _risk_free_per_bar(risk_free, periods_per_year)
    mean = float(np.mean(excess))
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside == 0.0:
        return math.inf if mean > 0.0 else 0.0
    return mean / downside * math.sqrt(periods_per_year)


def annualized_volatility(returns, periods_per_year: float) -> float:
    """Return ``std(r, ddof=1) * sqrt(periods_per_year)``, or 0.0 for fewer than 2 returns."""
    r = _returns_array(returns)
    if len(r) < 2:
        return 0.0
    return float(np.std(r, ddof=1)) * math.sqrt(periods_per_year)


def total_return(equity, init_cash: float) -> float:
    """Return ``equity[-1] / init_cash - 1``, or 0.0 for an empty equity curve."""
    e = np.asarray(equity, dtype=np.float64)
    if len(e) == 0:
        return 0.0
    return float(e[-1]) / init_cash - 1.0


def max_drawdown(equity, init_cash: float) -> float:
    """Return the largest fall from a running peak, as a negative fraction.

    The peak starts at ``init_cash``, so a curve that only falls from the start
    counts: equity 5,000 after starting with 10,000 is a drawdown of -0.5. Returns
    0.0 for an empty curve or one that never falls.
    """
    e = np.asarray(equity, dtype=np.float64)
    if len(e) == 0:
        return 0.0
    peaks = np.maximum(np.maximum.accumulate(e), init_cash)
    return min(float(np.min(e / peaks - 1.0)), 0.0)


def cagr(total_return: float, n_bars: int, periods_per_year: float) -> float:
    """Return the compound annual growth rate of a total return earned over ``n_bars``.

    ``(1 + total_return) ** (periods_per_year / n_bars) - 1``. A loss of everything
    or more gives -1.0, and ``n_bars <= 0`` gives 0.0.
    """
    if n_bars <= 0:
        return 0.0
    growth = 1.0 + float(total_return)
    if growth <= 0.0:
        return -1.0
    try:
        return growth ** (periods_per_year / n_bars) - 1.0
    except OverflowError:  # a large gain over a few bars compounds past float range
        return math.inf


def annualized_return(total_return: float, n_bars: int, periods_per_year: float) -> float:
    """Return the linear annual rate ``total_return * periods_per_year / n_bars``.

    Unlike :func:`cagr` this does not compound. It is the rate that Pardo's
    walk-forward efficiency compares between out-of-sample and in-sample windows,
    so windows of different lengths compare fairly. ``n_bars <= 0`` gives 0.0.
    """
    if n_bars <= 0:
        return 0.0
    return total_return * periods_per_year / n_bars


def calmar_ratio(cagr: float, max_drawdown: float) -> float:
    """Return ``cagr / abs(max_drawdown)``.

    Without a drawdown the result is ``inf`` for a positive CAGR, else 0.0.
    """
    if max_drawdown == 0.0:
        return math.inf if cagr > 0.0 else 0.0
    return cagr / abs(max_drawdown)


def win_rate(pnl) -> float:
    """Return the fraction of trades with a positive pnl, or 0.0 without trades."""
    p = np.asarray(pnl, dtype=np.float64)
    if len(p) == 0:
        return 0.0
    return float(np.count_nonzero(p > 0.0)) / len(p)


def profit_factor(pnl) -> float:
    """Return the gross profit of winning trades over the gross loss of losing ones.

    Without a losing trade the result is ``inf`` if some trade won, else 0.0.
    """
    p = np.asarray(pnl, dtype=np.float64)
    gross_profit = float(np.sum(p[p > 0.0]))
    gross_loss = -float(np.sum(p[p < 0.0]))
    if gross_loss == 0.0:
        return math.inf if gross_profit > 0.0 else 0.0
    return gross_profit / gross_loss
