"""Fused numba kernels that backtest many SMA-crossover parameter sets per call.

For one parameter set, :func:`sma_cross_one_nb` computes both SMAs, the crossover
signals and the position, and stores no per-bar array except the optional rows of
returns and equity. Without stops it takes two passes: :func:`bounded_crossings_nb`
lists the crossover bars, and :func:`sma_cross_segments_nb` runs the position from
one fill to the next, where a flat stretch costs nothing per bar. With stops, or
data that need running double-double sums, one pass does all of it bar by bar.
:func:`sma_cross_sweep_nb` runs many sets with ``prange``. Each set writes only its own output elements and nothing is summed
across sets, so every output is the same for any number of threads.

Array conventions: prices are C-contiguous float64 1-D arrays of one length ``n``,
parameter arrays are int64 1-D arrays with one value per set, and every output has
one element (or one row) per set. Options arrive as the scalar codes of
:mod:`seedwalk.backtest._engine_nb`, validated beforehand by ``BacktestOptions``.

The position rules are those of ``simulate_nb``, and the kernels call its helpers
(``resolve_signal_nb``, ``entry_fill_nb``, ``stop_exit_nb``, ``trade_pnl_nb``), so
the equity and the returns match ``simulate`` bit for bit.

The signals must match ``sma_cross_signals_nb`` exactly, so the SMAs must equal
``seedwalk.indicators._nb.sma_nb`` bit for bit wherever a crossover depends on
them. ``sma_nb`` keeps each window sum as an exact double-double and rounds
``sum / window`` with ``_dd_div_nb``. An exact sum has one normalized double-double
form, so any exact way of getting the sum gives the same SMA. The kernels get the
signals in one of two ways:

- Bounded plain sums (the fast way). A crossover needs only the sign of
  ``fast_sma - slow_sma``. Plain float window sums, with a bound on their rounding
  error, give that sign on almost every bar. On the rare bars where the two
  averages are too close to call, both SMAs are computed exactly from their
  windows. :func:`exact_sums_nb` checks beforehand that the closes keep every
  double-double window sum exact, which this way relies on.
- Running double-double sums from bar 0, by the same operations as ``sma_nb``,
  for any input.

NOTE: numba's on-disk cache checks only the source file of each cached function,
so after editing this module delete the cached ``.nbi``/``.nbc`` files of its
callers in other modules (``strategies/sma_cross.py``), or they keep the old code.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from seedwalk.backtest._engine_nb import (
    DIRECTION_LONG,
    DIRECTION_SHORT,
    FILL_CLOSE,
    FILL_NEXT_OPEN,
    STATUS_EQUITY_DEPLETED,
    STATUS_OK,
    entry_fill_nb,
    resolve_signal_nb,
    stop_exit_nb,
    trade_pnl_nb,
)
from seedwalk.indicators._nb import _dd_add_nb, _dd_div_nb, _two_sum_nb

# Double-double window sums of positive values are exact while every window sum
# stays below 2**104 ulps of the smallest value (see exact_sums_nb). 2**100 leaves
# a margin.
_EXACT_SUM_LIMIT = 2.0**100
# Bound on the rounding error that one step of a plain window sum adds, per unit
# of (window + 2) * largest close. A step rounds ``value - old`` and the new sum,
# each by at most 2**-53 of its magnitude, and the factor 2 covers the rounding of
# the bound itself.
_STEP_ERROR = 2.0**-52
# Bound on the distance between a plain SMA, fl(sum * fl(1 / window)), and the exact
# rounded SMA, per unit of the SMA. The sum's own error is bounded separately. The
# two roundings of the product add 2**-52, the exact SMA's rounding 2**-53, and the
# rest is a margin.
_MEAN_ERROR = 2.0**-50
# Bars after which a plain window sum is replaced by its exact sum rounded once,
# so its error bound does not grow with the length of the data.
_REFRESH_BARS = 4096
# Squared returns are added in plain blocks of this many bars, and the block sums
# with compensation: a relative error of at most about 256 * 2**-53 = 3e-14.
_SQUARES_BLOCK = 256


@njit(cache=True, nogil=True)
def exact_sums_nb(close, end, longest):
    """Return (exact, largest): whether every window sum of ``close[:end]`` is exact.

    ``exact`` is True when the closes are finite and positive and ``longest`` times
    the largest close is below 2**100 ulps of the smallest. Each close is then a
    multiple of ``u``, the ulp of the smallest, and so is every partial sum, its
    rounding ``hi`` and its remainder ``lo``. ``_dd_add_nb`` adds error terms of
    at most 2**-52 times the sum, which are exact doubles while they stay below
    ``2**53 * u``, that is for sums below ``2**104 * u``. Then the running sums of
    ``sma_nb`` over ``close[:end]`` and the window sums of :func:`exact_sma_nb` are
    all exact. ``largest`` is the largest close (NaN when ``exact`` is False).
    """
    smallest = np.inf
    largest = 0.0
    for i in range(end):
        value = close[i]
        # "not value > 0" also catches NaN.
        if not value > 0.0:
            return False, np.nan
        smallest = min(smallest, value)
        largest = max(largest, value)
    if end == 0:
        return True, 0.0
    # sma_nb's exact division splits values with Veltkamp's constant, which overflows
    # above 2**996, so such closes get running double-double sums (and sma_nb's NaN).
    if not largest * min(longest, end) < 2.0**995:
        return False, np.nan
    _, exponent = math.frexp(smallest)
    ulp = math.ldexp(1.0, exponent - 53)
    # A window longer than the data sums at most ``end`` closes.
    return min(longest, end) * largest < _EXACT_SUM_LIMIT * ulp, largest


@njit(cache=True, nogil=True)
def exact_sma_nb(close, i, window):
    """Return the SMA of the ``window`` closes ending at bar ``i``, as ``sma_nb`` gives it.

    Sums the window afresh in double-double, which is exact when
    :func:`exact_sums_nb` holds, so the rounded mean equals ``sma_nb``'s.
    """
    total_hi = 0.0
    total_lo = 0.0
    all_equal = True
    for k in range(i - window + 1, i + 1):
        total_hi, total_lo = _dd_add_nb(total_hi, total_lo, close[k], 0.0)
        all_equal = all_equal and close[k] == close[i]
    if all_equal:
        return close[i]
    mean, _ = _dd_div_nb(total_hi, total_lo, float(window))
    return mean


@njit(cache=True, nogil=True)
def exact_diff_nb(close, i, fast, slow):
    """Return ``sma_nb(fast) - sma_nb(slow)`` at bar ``i``, summing both windows afresh.

    Kept out of the bar loop: it runs only on bars whose bounded test is
    inconclusive, and a large inlined body would slow every other bar.
    """
    return exact_sma_nb(close, i, fast) - exact_sma_nb(close, i, slow)


@njit(cache=True, nogil=True)
def rounded_window_sum_nb(close, i, count):
    """Return the exact sum of the ``count`` closes ending at bar ``i``, rounded once."""
    total_hi = 0.0
    total_lo = 0.0
    for k in range(i - count + 1, i + 1):
        total_hi, total_lo = _dd_add_nb(total_hi, total_lo, close[k], 0.0)
    return total_hi


@njit(cache=True, nogil=True)
def sma_step_nb(x, i, window, run, total_hi, total_lo):
    """Advance a running double-double window sum to bar ``i`` and return the SMA there.

    The sum started at bar 0, and ``run`` is the number of equal values ending at
    bar ``i``. Returns ``(total_hi, total_lo, sma)``: ``sma`` is NaN until the
    window is full, and otherwise rounded by the same operations as ``sma_nb``.
    """
    if i >= window:
        total_hi, total_lo = _dd_add_nb(total_hi, total_lo, -x[i - window], 0.0)
    total_hi, total_lo = _dd_add_nb(total_hi, total_lo, x[i], 0.0)
    if i < window - 1:
        return total_hi, total_lo, np.nan
    if run >= window:
        return total_hi, total_lo, x[i]
    mean, _ = _dd_div_nb(total_hi, total_lo, float(window))
    return total_hi, total_lo, mean


@njit(cache=True, nogil=True)
def running_step_nb(close, i, fast, slow, fast_hi, fast_lo, slow_hi, slow_lo, run):
    """Advance the double-double sums to bar ``i`` and return ``fast_sma - slow_sma``.

    Returns ``(fast_hi, fast_lo, slow_hi, slow_lo, run, diff)``; ``diff`` equals the
    difference of the ``sma_nb`` outputs at bar ``i``, NaN included.
    """
    run = run + 1 if i > 0 and close[i] == close[i - 1] else 1
    fast_hi, fast_lo, fast_sma = sma_step_nb(close, i, fast, run, fast_hi, fast_lo)
    slow_hi, slow_lo, slow_sma = sma_step_nb(close, i, slow, run, slow_hi, slow_lo)
    return fast_hi, fast_lo, slow_hi, slow_lo, run, fast_sma - slow_sma


@njit(cache=True, nogil=True)
def fill_signal_nb(i, fill_price, entry, exit_, short_mode, allow_long, allow_short,
                   last_entry_bar, size, size_type, fee, fixed_fee, slippage, side, units,
                   entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
                   total_fees):
    """Fill one bar's crossover signals at ``fill_price``, as ``simulate_nb`` does.

    ``short_mode`` is True for ``direction="short"``, where the entries and exits
    open and close shorts. Otherwise shorts open on exits and close on entries,
    because ``simulate`` mirrors the long signals that way. Returns the updated
    position state, in argument order from ``side`` on.
    """
    if short_mode:
        short_entry, short_exit = entry, exit_
    else:
        short_entry, short_exit = exit_, entry
    close_now, new_side = resolve_signal_nb(
        side, allow_long and entry, allow_long and exit_, allow_short and short_entry,
        allow_short and short_exit)
    if close_now and side != 0:
        exit_price = fill_price * (1.0 - side * slippage)
        pnl, exit_fee = trade_pnl_nb(side, units, entry_price, exit_price, entry_fee, fee,
                                     fixed_fee)
        n_trades += 1
        total_fees += entry_fee + exit_fee
        cash = cash_before_entry + pnl
        side = 0
    if new_side != 0 and side == 0 and i <= last_entry_bar and cash > 0.0:
        new_units, price, new_fee, cash_after = entry_fill_nb(
            new_side, fill_price, slippage, size_type, size, cash, fee, fixed_fee)
        if new_units > 0.0:
            side = new_side
            units = new_units
            entry_price = price
            entry_fee = new_fee
            extreme = price
            cash_before_entry = cash
            cash = cash_after
    return (side, units, entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
            total_fees)


@njit(cache=True, nogil=True)
def finish_statistics_nb(n_returns, sum_hi, sum_lo, square_hi, square_lo, block_square,
                         down_hi, down_lo, block_down, lowest, highest, saw_zero, peak,
                         trough, max_drawdown):
    """Return (mean_return, std_return, downside_deviation, max_drawdown) of a window.

    Takes the running sums and extremes that the bar loops of
    :func:`sma_cross_one_nb` and :func:`sma_cross_segments_nb` keep, with the
    last block of squares not yet added, and the peak and trough not yet compared.
    """
    if trough < peak:
        max_drawdown = min(max_drawdown, trough / peak - 1.0)
    if saw_zero:
        lowest = min(lowest, 0.0)
        highest = max(highest, 0.0)
    square_hi, error = _two_sum_nb(square_hi, block_square)
    square_lo += error
    down_hi, error = _two_sum_nb(down_hi, block_down)
    down_lo += error

    mean_return = 0.0
    std_return = 0.0
    downside = 0.0
    if n_returns > 0:
        total = sum_hi + sum_lo
        mean_return = total / n_returns
        downside = math.sqrt((down_hi + down_lo) / n_returns)
        if n_returns > 1 and highest > lowest:
            # sum((r - mean)**2) = sum(r**2) - sum(r) * mean.
            squares = (square_hi + square_lo) - total * mean_return
            std_return = math.sqrt(max(squares, 0.0) / (n_returns - 1))
    return mean_return, std_return, downside, max_drawdown


@njit(cache=True, nogil=True)
def sma_cross_one_nb(open_, high, low, close, fast, slow, use_bounds, largest, start, end,
                     direction, fill, size, size_type, fee, fixed_fee, slippage, stop_loss,
                     take_profit, trailing_stop, init_cash, returns_out, equity_out, store):
    """Backtest one SMA(fast)/SMA(slow) crossover over bars ``[start, end)``.

    The signals are those of ``sma_cross_signals_nb`` on the same ``close``: an entry
    at bar t when ``fast_sma - slow_sma`` turns from <= 0 to > 0, an exit when it
    turns from >= 0 to < 0. ``use_bounds`` selects the bounded plain sums, which
    need :func:`exact_sums_nb` to hold and its ``largest`` close, over the running
    double-double sums. When ``store`` is True the per-bar returns and the equity of
    the window are written to ``returns_out`` and ``equity_out``, float64 rows of
    ``end - start`` values, as ``Simulation.returns()`` and ``Simulation.equity``
    give them.

    Returns:
        (final_equity, n_trades, total_fees, status, exposed_bars, mean_return,
        std_return, downside_deviation, max_drawdown). The statistics cover the
        ``end - start`` per-bar returns: their mean, their sample standard deviation
        (0.0 when there are fewer than 2 or all are equal, as ``metrics.sharpe_ratio``
        treats them) and ``sqrt(mean(min(r, 0) ** 2))``. ``max_drawdown`` is a
        negative fraction or 0.0, from a running peak that starts at ``init_cash``.
    """
    has_stops = stop_loss > 0.0 or take_profit > 0.0 or trailing_stop > 0.0
    if use_bounds and not has_stops:
        return sma_cross_segments_nb(open_, close, fast, slow, largest, start, end,
                                     direction, fill, size, size_type, fee, fixed_fee,
                                     slippage, init_cash, returns_out, equity_out, store)
    allow_long = (direction & DIRECTION_LONG) != 0
    allow_short = (direction & DIRECTION_SHORT) != 0
    short_mode = direction == DIRECTION_SHORT
    last_entry_bar = end - 1 if fill == FILL_NEXT_OPEN else end - 2

    # Signal state. The first signal used is bar start - 1's (next_open fills). It
    # compares the SMAs at bars start - 2 and start - 1, whose windows begin at
    # start - max(fast, slow) - 1. The running sums always start at bar 0, like sma_nb.
    longest = max(fast, slow)
    first = max(0, start - longest - 1) if use_bounds else 0
    # Bounded plain sums: the sums, the bars added since they were last exact up to
    # one rounding, and what one such step adds to the error of both plain SMAs.
    # Each step rounds value - old and the new sum, by at most 2**-53 of
    # (window + 2) * largest together; _STEP_ERROR doubles that.
    inverse_fast = 1.0 / fast
    inverse_slow = 1.0 / slow
    step_bound = _STEP_ERROR * largest * ((fast + 2) * inverse_fast + (slow + 2) * inverse_slow)
    fast_sum = 0.0
    slow_sum = 0.0
    steps = 0
    # Running double-double sums, and the count of equal closes ending at the bar.
    fast_hi = 0.0
    fast_lo = 0.0
    slow_hi = 0.0
    slow_lo = 0.0
    run = 0
    previous_diff = np.nan
    entry = False
    exit_ = False

    # Position state, as in simulate_nb.
    cash = init_cash
    cash_before_entry = init_cash
    side = 0
    units = 0.0
    entry_price = 0.0
    entry_fee = 0.0
    extreme = 0.0
    n_trades = 0
    total_fees = 0.0
    exposed_bars = 0
    status = STATUS_OK

    # Return statistics. The sum of returns is compensated (Neumaier) and the squares
    # are summed in compensated blocks, so the mean and the standard deviation agree
    # with numpy's pairwise sums to about 1e-13 relative.
    equity = init_cash
    previous_equity = init_cash
    sum_hi = 0.0
    sum_lo = 0.0
    square_hi = 0.0
    square_lo = 0.0
    down_hi = 0.0
    down_lo = 0.0
    block_square = 0.0
    block_down = 0.0
    block_count = 0
    lowest = np.inf
    highest = -np.inf
    saw_zero = False  # whether some return was 0.0, left out of lowest and highest
    # fl(e / peak) is monotonic in e, so the deepest drawdown under one peak is at
    # the lowest equity under it: one division per peak instead of one per bar.
    peak = init_cash
    trough = init_cash
    max_drawdown = 0.0

    for i in range(first, end):
        # The crossover signal of bar i, from the SMAs at bars i - 1 and i. Trading
        # stops at a depletion, and so do the signals.
        bar_entry = False
        bar_exit = False
        if status == STATUS_OK:
            if use_bounds:
                # Written out here because as a function, even an inlined one, this
                # step made the whole loop about 1.5 times slower (measured on 1M bars).
                value = close[i]
                filled = i - first
                fast_sum += value - (close[i - fast] if filled >= fast else 0.0)
                slow_sum += value - (close[i - slow] if filled >= slow else 0.0)
                steps += 1
                if steps == _REFRESH_BARS:
                    fast_sum = rounded_window_sum_nb(close, i, min(fast, filled + 1))
                    slow_sum = rounded_window_sum_nb(close, i, min(slow, filled + 1))
                    # A sum rounded once is within one step's bound of the exact sum.
                    steps = 1
                diff = np.nan
                if filled >= longest - 1:
                    # The two plain SMAs are together within steps * step_bound +
                    # _MEAN_ERROR * (fast_mean + slow_mean) of the exact ones, so a
                    # plain difference beyond twice that has the sign of the exact
                    # difference, which is all a crossover uses. Otherwise the exact
                    # SMAs decide; equal windows always give a difference of 0.
                    fast_mean = fast_sum * inverse_fast
                    slow_mean = slow_sum * inverse_slow
                    diff = fast_mean - slow_mean
                    bound = steps * step_bound + _MEAN_ERROR * (fast_mean + slow_mean)
                    if not abs(diff) > 2.0 * bound:
                        diff = 0.0 if fast == slow else exact_diff_nb(close, i, fast, slow)
            else:
                fast_hi, fast_lo, slow_hi, slow_lo, run, diff = running_step_nb(
                    close, i, fast, slow, fast_hi, fast_lo, slow_hi, slow_lo, run)
            bar_entry = previous_diff <= 0.0 and diff > 0.0
            bar_exit = previous_diff >= 0.0 and diff < 0.0
            previous_diff = diff
        if i < start:
            entry = bar_entry
            exit_ = bar_exit
            continue

        if status == STATUS_OK:
            if fill == FILL_NEXT_OPEN and (entry or exit_):
                (side, units, entry_price, entry_fee, extreme, cash, cash_before_entry,
                 n_trades, total_fees) = fill_signal_nb(
                    i, open_[i], entry, exit_, short_mode, allow_long, allow_short,
                    last_entry_bar, size, size_type, fee, fixed_fee, slippage, side, units,
                    entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
                    total_fees)
            if side != 0:
                exposed_bars += 1
                if has_stops:
                    exit_price, reason, extreme = stop_exit_nb(
                        side, open_[i], high[i], low[i], entry_price, extreme, stop_loss,
                        take_profit, trailing_stop, slippage)
                    if reason >= 0:
                        pnl, exit_fee = trade_pnl_nb(side, units, entry_price, exit_price,
                                                     entry_fee, fee, fixed_fee)
                        n_trades += 1
                        total_fees += entry_fee + exit_fee
                        cash = cash_before_entry + pnl
                        side = 0
            if fill == FILL_CLOSE and (bar_entry or bar_exit):
                (side, units, entry_price, entry_fee, extreme, cash, cash_before_entry,
                 n_trades, total_fees) = fill_signal_nb(
                    i, close[i], bar_entry, bar_exit, short_mode, allow_long, allow_short,
                    last_entry_bar, size, size_type, fee, fixed_fee, slippage, side, units,
                    entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
                    total_fees)
            entry = bar_entry
            exit_ = bar_exit

            # The window's last close ends the position. Equity at or below zero
            # liquidates it and stops trading, as in simulate_nb.
            if i == end - 1 and side != 0:
                pnl, exit_fee = trade_pnl_nb(side, units, entry_price,
                                             close[i] * (1.0 - side * slippage), entry_fee,
                                             fee, fixed_fee)
                n_trades += 1
                total_fees += entry_fee + exit_fee
                cash = cash_before_entry + pnl
                side = 0
            equity = cash + side * units * close[i]
            if equity <= 0.0:
                if side != 0:
                    pnl, exit_fee = trade_pnl_nb(side, units, entry_price,
                                                 close[i] * (1.0 - side * slippage),
                                                 entry_fee, fee, fixed_fee)
                    n_trades += 1
                    total_fees += entry_fee + exit_fee
                    cash = cash_before_entry + pnl
                    side = 0
                    equity = cash
                status = STATUS_EQUITY_DEPLETED
        # After a depletion the equity keeps its last value up to the window's end.

        if equity == previous_equity and previous_equity > 0.0:
            # A flat bar: its return is 0.0, and neither the sums nor the running peak
            # and trough change. About half the bars of a long-only crossover.
            saw_zero = True
            if store:
                returns_out[i - start] = 0.0
                equity_out[i - start] = equity
            continue

        # Simulation.returns: (equity - previous) / previous, and 0.0 after a zero equity.
        if previous_equity != 0.0:
            bar_return = (equity - previous_equity) / previous_equity
        else:
            bar_return = 0.0
        previous_equity = equity
        if store:
            returns_out[i - start] = bar_return
            equity_out[i - start] = equity
        lowest = min(lowest, bar_return)
        highest = max(highest, bar_return)
        if bar_return != 0.0:
            sum_hi, error = _two_sum_nb(sum_hi, bar_return)
            sum_lo += error
            # Adding a loss of 0.0 changes no sum, so the downside sum needs no branch
            # on the sign of the return, which would be mispredicted half the time.
            loss = min(bar_return, 0.0)
            block_square += bar_return * bar_return
            block_down += loss * loss
            block_count += 1
            if block_count == _SQUARES_BLOCK:
                square_hi, error = _two_sum_nb(square_hi, block_square)
                square_lo += error
                down_hi, error = _two_sum_nb(down_hi, block_down)
                down_lo += error
                block_square = 0.0
                block_down = 0.0
                block_count = 0
        if equity > peak:
            if trough < peak:
                max_drawdown = min(max_drawdown, trough / peak - 1.0)
            peak = equity
            trough = equity
        trough = min(trough, equity)
    mean_return, std_return, downside, max_drawdown = finish_statistics_nb(
        end - start, sum_hi, sum_lo, square_hi, square_lo, block_square, down_hi,
        down_lo, block_down, lowest, highest, saw_zero, peak, trough, max_drawdown)
    return (equity, n_trades, total_fees, status, exposed_bars, mean_return, std_return,
            downside, max_drawdown)


@njit(cache=True, nogil=True)
def bounded_crossings_nb(close, fast, slow, first, end, largest, events):
    """Write the SMA crossovers of bars ``[first, end)`` to ``events``; return their count.

    The SMAs start at bar ``first``, so the signals equal those of
    ``sma_cross_signals_nb`` on ``close`` from bar ``first + max(fast, slow)`` on.
    :func:`exact_sums_nb` must hold for ``close[:end]``, and ``largest`` is its
    largest close. Event ``e`` is ``2 * bar`` for an entry and ``2 * bar + 1`` for
    an exit, in bar order. ``events`` needs ``end - first`` elements.

    The plain window sums restart from their exact value, rounded once, every
    ``_REFRESH_BARS`` bars, so each is at most ``_REFRESH_BARS`` steps from exact
    and one threshold bounds the error of every plain difference. Beyond it the
    plain sign is the exact one; within it the exact SMAs decide.
    """
    longest = max(fast, slow)
    # The first bar with both SMAs. It has no crossover, because bar ready - 1 has no SMA.
    ready = first + longest - 1
    if ready >= end:
        return 0
    inverse_fast = 1.0 / fast
    inverse_slow = 1.0 / slow
    # The error of the plain difference is below the step bound times the steps since
    # the last refresh, plus _MEAN_ERROR of both means. Each mean is at most the
    # largest close plus its sum's error, which the factor 1 + 2**-30 covers. A plain
    # difference beyond twice that error has the sign of the exact difference.
    step_bound = _STEP_ERROR * largest * ((fast + 2) * inverse_fast + (slow + 2) * inverse_slow)
    threshold = 2.0 * (_REFRESH_BARS * step_bound
                       + _MEAN_ERROR * 2.0 * (1.0 + 2.0**-30) * largest)
    previous_diff = 0.0 if fast == slow else exact_diff_nb(close, ready, fast, slow)
    count = 0
    i = ready + 1
    while i < end:
        block_end = min(end, i + _REFRESH_BARS - 1)
        # Exact sums of the windows ending at bar i - 1, rounded once: one step.
        fast_sum = rounded_window_sum_nb(close, i - 1, fast)
        slow_sum = rounded_window_sum_nb(close, i - 1, slow)
        # Unsigned indices spare numba's check for negative ones on every load.
        j = np.uint64(i)
        stop = np.uint64(block_end)
        lag_fast = np.uint64(fast)
        lag_slow = np.uint64(slow)
        while j < stop:
            # The tight loop leaves on a bar too close to call, so that the rare
            # exact call does not make the compiler spill the sums in every bar.
            while j < stop:
                value = close[j]
                fast_sum += value - close[j - lag_fast]
                slow_sum += value - close[j - lag_slow]
                diff = fast_sum * inverse_fast - slow_sum * inverse_slow
                if not abs(diff) > threshold:
                    break
                # Crossovers are rare: a well-predicted branch per bar.
                if previous_diff <= 0.0 and diff > 0.0:
                    events[count] = 2 * np.int64(j)
                    count += 1
                elif previous_diff >= 0.0 and diff < 0.0:
                    events[count] = 2 * np.int64(j) + 1
                    count += 1
                previous_diff = diff
                j += np.uint64(1)
            if j < stop:
                bar = np.int64(j)
                diff = 0.0 if fast == slow else exact_diff_nb(close, bar, fast, slow)
                if previous_diff <= 0.0 and diff > 0.0:
                    events[count] = 2 * bar
                    count += 1
                elif previous_diff >= 0.0 and diff < 0.0:
                    events[count] = 2 * bar + 1
                    count += 1
                previous_diff = diff
                j += np.uint64(1)
        i = block_end
    return count


@njit(cache=True, nogil=True)
def sma_cross_segments_nb(open_, close, fast, slow, largest, start, end, direction, fill,
                          size, size_type, fee, fixed_fee, slippage, init_cash,
                          returns_out, equity_out, store):
    """Backtest one crossover without stops, from its crossover bars; as ``sma_cross_one_nb``.

    Takes the arguments and returns the results of :func:`sma_cross_one_nb`, for
    bounded plain sums and no stop rule. The signals come first, from
    :func:`bounded_crossings_nb`. Then the position runs from one fill to the
    next: without stops nothing can change between fills but the equity of an
    open position, so a flat stretch costs O(1) and a held one a short loop of
    equity and return statistics. Every value is computed by the same operations
    as in ``sma_cross_one_nb``, so the results are the same to the last bit.
    """
    allow_long = (direction & DIRECTION_LONG) != 0
    allow_short = (direction & DIRECTION_SHORT) != 0
    short_mode = direction == DIRECTION_SHORT
    next_open = fill == FILL_NEXT_OPEN
    last_entry_bar = end - 1 if next_open else end - 2
    first = max(0, start - max(fast, slow) - 1)
    events = np.empty(end - first, dtype=np.int64)
    count = bounded_crossings_nb(close, fast, slow, first, end, largest, events)

    cash = init_cash
    cash_before_entry = init_cash
    side = 0
    units = 0.0
    entry_price = 0.0
    entry_fee = 0.0
    extreme = 0.0
    n_trades = 0
    total_fees = 0.0
    exposed_bars = 0
    status = STATUS_OK

    # Return statistics, summed as in sma_cross_one_nb.
    equity = init_cash
    previous_equity = init_cash
    sum_hi = 0.0
    sum_lo = 0.0
    square_hi = 0.0
    square_lo = 0.0
    down_hi = 0.0
    down_lo = 0.0
    block_square = 0.0
    block_down = 0.0
    block_count = 0
    lowest = np.inf
    highest = -np.inf
    saw_zero = False
    peak = init_cash
    trough = init_cash
    max_drawdown = 0.0

    k = 0  # the first event that can still act
    i = start
    while i < end:
        if status != STATUS_OK:
            # After a depletion the equity stays, and every return is 0.0 (or -0.0
            # after a negative equity, as sma_cross_one_nb divides it out).
            saw_zero = True
            if store:
                for b in range(i, end):
                    bar_return = 0.0
                    if not (equity == previous_equity and previous_equity > 0.0):
                        if previous_equity != 0.0:
                            bar_return = (equity - previous_equity) / previous_equity
                        previous_equity = equity
                    returns_out[b - start] = bar_return
                    equity_out[b - start] = equity
            break

        # The signals of bars i - 1 and i. Events before bar i - 1 act no more.
        while k < count and (events[k] >> 1) < i - 1:
            k += 1
        entry = False
        exit_ = False
        bar_entry = False
        bar_exit = False
        now = k  # the first event at bar i or later
        if now < count and (events[now] >> 1) == i - 1:
            entry = (events[now] & 1) == 0
            exit_ = not entry
            now += 1
        after = now  # the first event after bar i
        if after < count and (events[after] >> 1) == i:
            bar_entry = (events[after] & 1) == 0
            bar_exit = not bar_entry
            after += 1

        # Bar i: the fills, in sma_cross_one_nb's order.
        if next_open and (entry or exit_):
            (side, units, entry_price, entry_fee, extreme, cash, cash_before_entry,
             n_trades, total_fees) = fill_signal_nb(
                i, open_[i], entry, exit_, short_mode, allow_long, allow_short,
                last_entry_bar, size, size_type, fee, fixed_fee, slippage, side, units,
                entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
                total_fees)
        if side != 0:
            exposed_bars += 1
        if not next_open and (bar_entry or bar_exit):
            (side, units, entry_price, entry_fee, extreme, cash, cash_before_entry,
             n_trades, total_fees) = fill_signal_nb(
                i, close[i], bar_entry, bar_exit, short_mode, allow_long, allow_short,
                last_entry_bar, size, size_type, fee, fixed_fee, slippage, side, units,
                entry_price, entry_fee, extreme, cash, cash_before_entry, n_trades,
                total_fees)
        if i == end - 1 and side != 0:
            pnl, exit_fee = trade_pnl_nb(side, units, entry_price,
                                         close[i] * (1.0 - side * slippage), entry_fee,
                                         fee, fixed_fee)
            n_trades += 1
            total_fees += entry_fee + exit_fee
            cash = cash_before_entry + pnl
            side = 0

        # The next bar with a fill: a signal bar (its next bar for next_open fills)
        # or the last bar, which closes the position.
        stop = end
        if i < end - 1:
            stop = end - 1
            if next_open:
                if now < count:
                    stop = min(stop, (events[now] >> 1) + 1)
            elif after < count:
                stop = min(stop, events[after] >> 1)

        # Bars i to stop - 1: the equity and its statistics. The position stays until
        # stop unless the equity is depleted.
        b = i
        while True:
            equity = cash + side * units * close[b]
            if equity <= 0.0:
                if side != 0:
                    pnl, exit_fee = trade_pnl_nb(side, units, entry_price,
                                                 close[b] * (1.0 - side * slippage),
                                                 entry_fee, fee, fixed_fee)
                    n_trades += 1
                    total_fees += entry_fee + exit_fee
                    cash = cash_before_entry + pnl
                    side = 0
                    equity = cash
                status = STATUS_EQUITY_DEPLETED
            if equity == previous_equity and previous_equity > 0.0:
                saw_zero = True
                if store:
                    returns_out[b - start] = 0.0
                    equity_out[b - start] = equity
            else:
                if previous_equity != 0.0:
                    bar_return = (equity - previous_equity) / previous_equity
                else:
                    bar_return = 0.0
                previous_equity = equity
                if store:
                    returns_out[b - start] = bar_return
                    equity_out[b - start] = equity
                lowest = min(lowest, bar_return)
                highest = max(highest, bar_return)
                if bar_return != 0.0:
                    sum_hi, error = _two_sum_nb(sum_hi, bar_return)
                    sum_lo += error
                    loss = min(bar_return, 0.0)
                    block_square += bar_return * bar_return
                    block_down += loss * loss
                    block_count += 1
                    if block_count == _SQUARES_BLOCK:
                        square_hi, error = _two_sum_nb(square_hi, block_square)
                        square_lo += error
                        down_hi, error = _two_sum_nb(down_hi, block_down)
                        down_lo += error
                        block_square = 0.0
                        block_down = 0.0
                        block_count = 0
                if equity > peak:
                    if trough < peak:
                        max_drawdown = min(max_drawdown, trough / peak - 1.0)
                    peak = equity
                    trough = equity
                trough = min(trough, equity)
            b += 1
            if b >= stop or side == 0:
                break
        # Bars i + 1 to b - 1 all started with the position held.
        exposed_bars += b - i - 1
        if status == STATUS_OK and b < stop:
            # Flat up to the next fill: the equity is the cash, every return 0.0.
            saw_zero = True
            if store:
                for flat in range(b, stop):
                    returns_out[flat - start] = 0.0
                    equity_out[flat - start] = equity
            b = stop
        i = b

    mean_return, std_return, downside, max_drawdown = finish_statistics_nb(
        end - start, sum_hi, sum_lo, square_hi, square_lo, block_square, down_hi,
        down_lo, block_down, lowest, highest, saw_zero, peak, trough, max_drawdown)
    return (equity, n_trades, total_fees, status, exposed_bars, mean_return, std_return,
            downside, max_drawdown)


@njit(cache=True, nogil=True)
def sweep_outputs_nb(sets, n_bars, store):
    """Allocate the per-set outputs of a sweep, in the order the sweep returns them."""
    width = n_bars if store else 0
    return (np.empty(sets), np.empty(sets, dtype=np.int64), np.empty(sets),
            np.empty(sets, dtype=np.int64), np.empty(sets, dtype=np.int64), np.empty(sets),
            np.empty(sets), np.empty(sets), np.empty(sets), np.empty((sets, width)),
            np.empty((sets, width)))


@njit(cache=True, nogil=True)
def sweep_mode_nb(close, fast, slow, end, allow_bounds):
    """Return (use_bounds, largest): whether the sweep can use bounded plain sums."""
    if allow_bounds and fast.shape[0] > 0:
        return exact_sums_nb(close, end, max(fast.max(), slow.max()))
    return False, np.nan


@njit(cache=True, nogil=True, parallel=True)
def sma_cross_sweep_nb(open_, high, low, close, fast, slow, start, end, direction, fill,
                       size, size_type, fee, fixed_fee, slippage, stop_loss, take_profit,
                       trailing_stop, init_cash, store, allow_bounds):
    """Backtest the SMA crossover for every pair ``(fast[k], slow[k])`` over ``[start, end)``.

    Sets run in parallel on numba's threads, one set per iteration. Starting the
    threads costs more than a few short sets take, so
    :func:`sma_cross_sweep_serial_nb`, with the same arguments and results, is
    the better choice for one thread or one set.

    ``allow_bounds=False`` forces the running double-double sums, which the tests
    use to check that both ways agree. Otherwise the bounded plain sums are used
    when :func:`exact_sums_nb` holds for ``close[:end]``.

    Returns:
        (final_equity, n_trades, total_fees, status, exposed_bars, mean_return,
        std_return, downside_deviation, max_drawdown, returns, equity, used_bounds):
        one element per set, as :func:`sma_cross_one_nb` returns them. ``returns``
        and ``equity`` are float64 ``[sets, end - start]`` when ``store`` is True,
        else ``[sets, 0]``. ``used_bounds`` is True when the bounded plain sums were
        used.
    """
    use_bounds, largest = sweep_mode_nb(close, fast, slow, end, allow_bounds)
    (final_equity, n_trades, total_fees, status, exposed_bars, mean_return, std_return,
     downside, max_drawdown, returns, equity) = sweep_outputs_nb(fast.shape[0], end - start,
                                                                  store)
    for k in prange(fast.shape[0]):
        (final_equity[k], n_trades[k], total_fees[k], status[k], exposed_bars[k],
         mean_return[k], std_return[k], downside[k], max_drawdown[k]) = sma_cross_one_nb(
            open_, high, low, close, fast[k], slow[k], use_bounds, largest, start, end,
            direction, fill, size, size_type, fee, fixed_fee, slippage, stop_loss,
            take_profit, trailing_stop, init_cash, returns[k], equity[k], store)
    return (final_equity, n_trades, total_fees, status, exposed_bars, mean_return,
            std_return, downside, max_drawdown, returns, equity, use_bounds)


@njit(cache=True, nogil=True)
def sma_cross_sweep_serial_nb(open_, high, low, close, fast, slow, start, end, direction,
                              fill, size, size_type, fee, fixed_fee, slippage, stop_loss,
                              take_profit, trailing_stop, init_cash, store, allow_bounds):
    """Run :func:`sma_cross_sweep_nb` on the calling thread only, one set after another."""
    use_bounds, largest = sweep_mode_nb(close, fast, slow, end, allow_bounds)
    (final_equity, n_trades, total_fees, status, exposed_bars, mean_return, std_return,
     downside, max_drawdown, returns, equity) = sweep_outputs_nb(fast.shape[0], end - start,
                                                                  store)
    for k in range(fast.shape[0]):
        (final_equity[k], n_trades[k], total_fees[k], status[k], exposed_bars[k],
         mean_return[k], std_return[k], downside[k], max_drawdown[k]) = sma_cross_one_nb(
            open_, high, low, close, fast[k], slow[k], use_bounds, largest, start, end,
            direction, fill, size, size_type, fee, fixed_fee, slippage, stop_loss,
            take_profit, trailing_stop, init_cash, returns[k], equity[k], store)
    return (final_equity, n_trades, total_fees, status, exposed_bars, mean_return,
            std_return, downside, max_drawdown, returns, equity, use_bounds)
