"""The numba backtest kernel and its integer codes.

Array conventions: prices are float64 1-D arrays of one length ``n``, signals are
bool 1-D arrays of the same length, and bar ``i`` of every array is the same bar.
Options arrive as scalars and integer codes defined here, validated beforehand by
:class:`seedwalk.backtest.BacktestOptions`, so the kernel checks nothing and reports
an abnormal end through its status code. Prices must be positive, as ``OHLCV`` and
``backtest_signals`` ensure: a zero price makes a division raise ZeroDivisionError.

The rules the kernel implements are written out, with formulas, in
``docs/backtest-semantics.md``; the comments here only mark where each rule sits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Direction codes, as bit sets: bit 1 allows longs and bit 2 allows shorts.
DIRECTION_LONG = 1
DIRECTION_SHORT = 2
DIRECTION_BOTH = 3

# Fill codes: the price at which a signal computed at bar t's close fills.
FILL_NEXT_OPEN = 0  # at open[t + 1]
FILL_CLOSE = 1  # at close[t]; optimistic, because that price was used to decide

# Size type codes: the unit in which the ``size`` option is given.
SIZE_FRACTION = 0  # a fraction of equity, fees included
SIZE_UNITS = 1  # a fixed number of units
SIZE_VALUE = 2  # a fixed notional in the quote currency

# Exit reason codes: the ``exit_reason`` field of a trade record.
EXIT_SIGNAL = 0
EXIT_STOP_LOSS = 1
EXIT_TAKE_PROFIT = 2
EXIT_TRAILING_STOP = 3
EXIT_END = 4
EXIT_LIQUIDATION = 5
EXIT_REASONS = ("signal", "stop_loss", "take_profit", "trailing_stop", "end", "liquidation")

# Status codes of a simulation.
STATUS_OK = 0
STATUS_EQUITY_DEPLETED = 1

# Capacity, in records, of simulate_nb's trade buffer before it first grows.
INITIAL_TRADE_CAPACITY = 256

# Record of one closed trade. Prices and money are in the quote currency and
# ``size`` is in units of the asset. ``side`` is +1 for long and -1 for short.
# ``pnl`` is net of both fees, and ``return`` is pnl over size * entry_price.
TRADE_DTYPE = np.dtype(
    [
        ("entry_index", np.int64),
        ("exit_index", np.int64),
        ("side", np.int8),
        ("size", np.float64),
        ("entry_price", np.float64),
        ("exit_price", np.float64),
        ("entry_fee", np.float64),
        ("exit_fee", np.float64),
        ("pnl", np.float64),
        ("return", np.float64),
        ("exit_reason", np.int8),
    ]
)


@njit(cache=True)
def order_units_nb(size_type, size, equity, price, fee, fixed_fee):
    """Return the units an entry buys or sells at ``price`` (slippage included).

    With ``SIZE_FRACTION`` the notional plus both parts of the entry fee equal
    ``size * equity``, so a long entry with ``size <= 1`` never makes cash negative.
    """
    if size_type == SIZE_FRACTION:
        return (size * equity - fixed_fee) / (price * (1.0 + fee))
    if size_type == SIZE_VALUE:
        return size / price
    return size


@njit(cache=True)
def entry_fill_nb(side, fill_price, slippage, size_type, size, cash, fee, fixed_fee):
    """Return (units, price, entry_fee, cash_after) of an entry of ``side`` at ``fill_price``.

    ``units`` is 0.0 or less when the order is too small to fill. Every kernel that
    opens a position calls this, so that they all size and charge alike.
    """
    # Slippage is adverse: a long buys higher, a short sells lower.
    price = fill_price * (1.0 + side * slippage)
    units = order_units_nb(size_type, size, cash, price, fee, fixed_fee)
    entry_fee = fee * units * price + fixed_fee
    return units, price, entry_fee, cash - side * units * price - entry_fee


@njit(cache=True)
def trade_pnl_nb(side, units, entry_price, exit_price, entry_fee, fee, fixed_fee):
    """Return (pnl, exit_fee) of a trade closed at ``exit_price``, pnl net of both fees.

    Every kernel that closes a trade calls this, so that they all round alike.
    """
    exit_fee = fee * units * exit_price + fixed_fee
    if side == 1:
        gross = units * (exit_price - entry_price)
    else:
        gross = units * (entry_price - exit_price)
    return gross - entry_fee - exit_fee, exit_fee


@njit(cache=True)
def record_trade_nb(trades, k, entry_index, exit_index, side, units, entry_price,
                    exit_price, entry_fee, fee, fixed_fee, reason):
    """Write trade ``k`` into ``trades`` and return its pnl, net of both fees."""
    pnl, exit_fee = trade_pnl_nb(side, units, entry_price, exit_price, entry_fee, fee,
                                 fixed_fee)
    trades[k]["entry_index"] = entry_index
    trades[k]["exit_index"] = exit_index
    trades[k]["side"] = side
    trades[k]["size"] = units
    trades[k]["entry_price"] = entry_price
    trades[k]["exit_price"] = exit_price
    trades[k]["entry_fee"] = entry_fee
    trades[k]["exit_fee"] = exit_fee
    trades[k]["pnl"] = pnl
    trades[k]["return"] = pnl / (units * entry_price)
    trades[k]["exit_reason"] = reason
    return pnl


@njit(cache=True)
def resolve_signal_nb(position_side, long_entry, long_exit, short_entry, short_exit):
    """Return (close_position, new_side) for the signals of one bar.

    An entry that comes with an exit of the same side on the same bar is void,
    and so are a long and a short entry on the same bar. An entry of the side
    already held is ignored (no pyramiding). An entry of the other side closes
    the position and opens the new one at the same fill.
    """
    go_long = long_entry and not long_exit
    go_short = short_entry and not short_exit
    if go_long and go_short:
        go_long = False
        go_short = False
    if position_side == 1:
        if go_short:
            return True, -1
        return long_exit, 0
    if position_side == -1:
        if go_long:
            return True, 1
        return short_exit, 0
    if go_long:
        return False, 1
    if go_short:
        return False, -1
    return False, 0


@njit(cache=True)
def stop_exit_nb(side, bar_open, bar_high, bar_low, entry_price, extreme, stop_loss,
                 take_profit, trailing_stop, slippage):
    """Check one bar's OHLC against the stops of an open position.

    ``extreme`` is the highest high (long) or lowest low (short) seen before this
    bar, starting at the entry price. The checks run in this order: the open beyond
    the stop, the open beyond the take-profit, the stop inside the bar, the
    take-profit inside the bar. So the stop wins when both are reachable.

    Returns:
        (exit_price, reason, extreme): the fill price and EXIT_* code of a
        triggered stop, or (0.0, -1, updated extreme) when none triggers.
    """
    has_stop = stop_loss > 0.0 or trailing_stop > 0.0
    has_take_profit = take_profit > 0.0
    # Multiplying a price difference by ``side`` mirrors every comparison for a
    # short, so "side * (price - stop_level) <= 0" reads "price is at or past the stop".
    stop_level = entry_price * (1.0 - side * stop_loss) if stop_loss > 0.0 else -side * np.inf
    stop_reason = EXIT_STOP_LOSS
    if trailing_stop > 0.0:
        trail_level = extreme * (1.0 - side * trailing_stop)
        if side * (trail_level - stop_level) > 0.0:
            stop_level = trail_level
            stop_reason = EXIT_TRAILING_STOP
    take_profit_level = entry_price * (1.0 + side * take_profit)
    adverse_extreme = bar_low if side == 1 else bar_high
    favorable_extreme = bar_high if side == 1 else bar_low

    if has_stop and side * (bar_open - stop_level) <= 0.0:
        return bar_open * (1.0 - side * slippage), stop_reason, extreme
    if has_take_profit and side * (bar_open - take_profit_level) >= 0.0:
        return bar_open, EXIT_TAKE_PROFIT, extreme
    if has_stop and side * (adverse_extreme - stop_level) <= 0.0:
        return stop_level * (1.0 - side * slippage), stop_reason, extreme
    if has_take_profit and side * (favorable_extreme - take_profit_level) >= 0.0:
        return take_profit_level, EXIT_TAKE_PROFIT, extreme
    if side * (favorable_extreme - extreme) > 0.0:
        extreme = favorable_extreme
    return 0.0, -1, extreme


@njit(cache=True, nogil=True)
def fill_signals_nb(trades, n_trades, i, fill_price, long_entry, long_exit, short_entry,
                    short_exit, last_entry_bar, size, size_type, fee, fixed_fee, slippage,
                    side, units, entry_price, entry_fee, entry_index, extreme, cash,
                    cash_before_entry):
    """Fill the signals of one bar at ``fill_price``: close, open or reverse a position.

    The signals are already filtered by direction. A closed trade is written to
    ``trades[n_trades]``. Returns the updated state ``(n_trades, side, units,
    entry_price, entry_fee, entry_index, extreme, cash, cash_before_entry)``.
    """
    close_now, new_side = resolve_signal_nb(side, long_entry, long_exit, short_entry,
                                            short_exit)
    if close_now and side != 0:
        # Slippage is adverse: a long sells lower, a short buys higher.
        exit_price = fill_price * (1.0 - side * slippage)
        pnl = record_trade_nb(trades, n_trades, entry_index, i, side, units, entry_price,
                              exit_price, entry_fee, fee, fixed_fee, EXIT_SIGNAL)
        n_trades += 1
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
            entry_index = i
            extreme = price
            cash_before_entry = cash
            cash = cash_after
    return (n_trades, side, units, entry_price, entry_fee, entry_index, extreme, cash,
            cash_before_entry)


@njit(cache=True, nogil=True)
def grow_trades_nb(trades, n_trades):
    """Return a trade buffer of twice the capacity that starts with ``trades[:n_trades]``."""
    larger = np.empty(2 * trades.shape[0], dtype=TRADE_DTYPE)
    for k in range(n_trades):
        larger[k] = trades[k]
    return larger


@njit(cache=True, nogil=True)
def next_signal_nb(first, second, use_first, use_second, k, stop):
    """Return the first bar ``j`` in ``[k, stop)`` where a used signal array is True.

    Returns ``stop`` when there is none. A flag that is False leaves its array
    unread, so ``first`` and ``second`` may be any two of the signal arrays.
    """
    # Indexing slices from 0 lets LLVM drop numba's negative-index wraparound.
    if use_first and use_second:
        first_part = first[k:stop]
        second_part = second[k:stop]
        for t in range(first_part.shape[0]):
            if first_part[t] or second_part[t]:
                return k + t
        return stop
    if use_first or use_second:
        part = first[k:stop] if use_first else second[k:stop]
        for t in range(part.shape[0]):
            if part[t]:
                return k + t
        return stop
    return stop


@njit(cache=True, nogil=True)
def mark_bars_nb(close, i, stop, cash, side_units, equity):
    """Mark ``equity`` over bars ``[i, stop)`` for a position that does not change.

    ``side_units`` is ``side * units``, so each value is computed by the same
    operations, in the same order, as the per-bar mark in :func:`simulate_nb`.
    Returns the first bar whose equity is 0 or below, or ``stop`` when there is none.
    The values from that bar on are then left for the caller to overwrite.
    """
    # Slices indexed from 0 and no early exit let LLVM vectorize this loop.
    close_part = close[i:stop]
    equity_part = equity[i:stop]
    depleted = 0
    for t in range(close_part.shape[0]):
        value = cash + side_units * close_part[t]
        equity_part[t] = value
        depleted |= value <= 0.0
    if depleted == 0:
        return stop
    for t in range(equity_part.shape[0]):
        if equity_part[t] <= 0.0:
            return i + t
    return stop


@njit(cache=True, nogil=True)
def mark_bars_with_stops_nb(open_, high, low, close, i, stop, side, units, cash,
                            entry_price, extreme, stop_loss, take_profit, trailing_stop,
                            slippage, equity):
    """Mark ``equity`` over bars ``[i, stop)`` for an open position whose stops are checked.

    Returns ``(j, extreme)``: ``j`` is the first bar where a stop triggers or the
    equity is 0 or below, or ``stop`` when there is none. ``extreme`` is the value
    before bar ``j``, so the caller can run bar ``j`` through the full rules.
    """
    side_units = side * units
    for t in range(i, stop):
        _, reason, bar_extreme = stop_exit_nb(side, open_[t], high[t], low[t], entry_price,
                                              extreme, stop_loss, take_profit,
                                              trailing_stop, slippage)
        if reason >= 0:
            return t, extreme
        value = cash + side_units * close[t]
        if value <= 0.0:
            return t, extreme
        equity[t] = value
        extreme = bar_extreme
    return stop, extreme


# nogil lets threads (a thread executor, or trial_workers inside one job) run
# simulations in parallel: the kernel touches no Python object.
@njit(cache=True, nogil=True)
def simulate_nb(open_, high, low, close, entries, exits, short_entries, short_exits,
                start, end, direction, fill, size, size_type, fee, fixed_fee, slippage,
                stop_loss, take_profit, trailing_stop, init_cash, equity):
    """Simulate one position through bars ``[start, end)`` and return its records.

    ``stop_loss``, ``take_profit`` and ``trailing_stop`` are fractions of the entry
    price, and 0.0 turns one off. ``fee`` and ``slippage`` are fractions, ``fixed_fee``
    and ``init_cash`` are in the quote currency, and ``direction``, ``fill`` and
    ``size_type`` are the integer codes of this module. Requires
    ``0 <= start <= end <= n``.

    ``equity`` is the output array, float64[n], which the kernel fills: marked at
    every bar's close, with ``init_cash`` before ``start`` and the final value from
    ``end`` on. The caller allocates it with NumPy, which marks large allocations for
    transparent huge pages on Linux while numba's allocator does not, so a large
    array costs fewer page faults.

    Returns:
        (equity, trades, n_trades, status, exposed_bars). ``trades`` is a
        TRADE_DTYPE array of the ``n_trades`` closed trades, in exit order.
        ``status`` is a STATUS_* code, and ``exposed_bars`` counts the window bars
        during which a position was open.
    """
    n = close.shape[0]
    # The trade buffer starts small and doubles when full, because a buffer sized
    # for the worst case (two trades per bar) is far larger than most logs, and the
    # first write to each of its pages costs a page fault.
    trades = np.empty(INITIAL_TRADE_CAPACITY, dtype=TRADE_DTYPE)
    n_trades = 0
    status = STATUS_OK
    exposed_bars = 0

    allow_long = (direction & DIRECTION_LONG) != 0
    allow_short = (direction & DIRECTION_SHORT) != 0
    has_stops = stop_loss > 0.0 or take_profit > 0.0 or trailing_stop > 0.0
    # With close fills, a position opened at the window's last close would be
    # closed at that same price by the window-end rule and only pay fees.
    last_entry_bar = end - 1 if fill == FILL_NEXT_OPEN else end - 2
    # The signals of bar i - lag fill at bar i.
    lag = 1 if fill == FILL_NEXT_OPEN else 0

    # Realized cash is kept as (cash before the entry) + (trade pnl) at every exit,
    # so the final equity is init_cash plus the running sum of the logged pnls.
    cash = init_cash
    cash_before_entry = init_cash
    side = 0
    units = 0.0
    entry_price = 0.0
    entry_fee = 0.0
    entry_index = -1
    extreme = 0.0  # highest high (long) or lowest low (short) before the current bar

    for i in range(start):
        equity[i] = init_cash

    last_marked = start - 1
    i = start
    while i < end:
        # Quiet bars first: no order fills there and the window does not end there,
        # so the full rules below would only mark equity, count exposure and check
        # stops. The helpers do that for the whole run and stop at a bar where a
        # stop triggers or equity reaches 0, which the full rules then handle.
        # Only these signals can change a position: entries when flat, a long exit
        # or a short entry when long, and a short exit or a long entry when short.
        # This block stays inline because as a helper function it made the kernel
        # slower on long data (numba 0.68.1).
        if i >= lag:  # with next_open fills, bar 0 has no signal bar before it
            if side == 0:
                quiet_end = next_signal_nb(entries, short_entries, allow_long, allow_short,
                                           i - lag, end - 1 - lag) + lag
            elif side == 1:
                quiet_end = next_signal_nb(exits, short_entries, allow_long, allow_short,
                                           i - lag, end - 1 - lag) + lag
            else:
                quiet_end = next_signal_nb(short_exits, entries, allow_short, allow_long,
                                           i - lag, end - 1 - lag) + lag
            if side != 0 and has_stops:
                quiet_end, extreme = mark_bars_with_stops_nb(
                    open_, high, low, close, i, quiet_end, side, units, cash, entry_price,
                    extreme, stop_loss, take_profit, trailing_stop, slippage, equity)
            else:
                quiet_end = mark_bars_nb(close, i, quiet_end, cash, side * units, equity)
            if quiet_end > i:
                if side != 0:
                    exposed_bars += quiet_end - i
                last_marked = quiet_end - 1
                i = quiet_end

        # At most two trades close in one bar (for example a signal exit at the open,
        # then a stop on the position opened there).
        if n_trades + 2 > trades.shape[0]:
            trades = grow_trades_nb(trades, n_trades)

        # The bar's open: with next_open fills, the signals of bar i - 1 fill here.
        # A bar without any signal changes nothing, so the fill is skipped.
        if fill == FILL_NEXT_OPEN and i >= 1:
            long_entry = allow_long and entries[i - 1]
            long_exit = allow_long and exits[i - 1]
            short_entry = allow_short and short_entries[i - 1]
            short_exit = allow_short and short_exits[i - 1]
            if long_entry or long_exit or short_entry or short_exit:
                (n_trades, side, units, entry_price, entry_fee, entry_index, extreme, cash,
                 cash_before_entry) = fill_signals_nb(
                    trades, n_trades, i, open_[i], long_entry, long_exit, short_entry,
                    short_exit, last_entry_bar, size, size_type, fee, fixed_fee, slippage,
                    side, units, entry_price, entry_fee, entry_index, extreme, cash,
                    cash_before_entry)

        if side != 0:
            # Held during this bar: opened at this open or at an earlier bar.
            # A position opened at this bar's close starts counting on the next bar.
            exposed_bars += 1
            if has_stops:
                exit_price, reason, extreme = stop_exit_nb(
                    side, open_[i], high[i], low[i], entry_price, extreme,
                    stop_loss, take_profit, trailing_stop, slippage)
                if reason >= 0:
                    pnl = record_trade_nb(trades, n_trades, entry_index, i, side,
                                          units, entry_price, exit_price, entry_fee,
                                          fee, fixed_fee, reason)
                    n_trades += 1
                    cash = cash_before_entry + pnl
                    side = 0

        # The bar's close: with close fills, the signals of bar i fill here.
        if fill == FILL_CLOSE:
            long_entry = allow_long and entries[i]
            long_exit = allow_long and exits[i]
            short_entry = allow_short and short_entries[i]
            short_exit = allow_short and short_exits[i]
            if long_entry or long_exit or short_entry or short_exit:
                (n_trades, side, units, entry_price, entry_fee, entry_index, extreme, cash,
                 cash_before_entry) = fill_signals_nb(
                    trades, n_trades, i, close[i], long_entry, long_exit, short_entry,
                    short_exit, last_entry_bar, size, size_type, fee, fixed_fee, slippage,
                    side, units, entry_price, entry_fee, entry_index, extreme, cash,
                    cash_before_entry)

        # The window's last close ends every position, so windows never share a trade.
        if i == end - 1 and side != 0:
            exit_price = close[i] * (1.0 - side * slippage)
            pnl = record_trade_nb(trades, n_trades, entry_index, i, side, units,
                                  entry_price, exit_price, entry_fee, fee, fixed_fee,
                                  EXIT_END)
            n_trades += 1
            cash = cash_before_entry + pnl
            side = 0

        equity[i] = cash + side * units * close[i]
        last_marked = i
        if equity[i] <= 0.0:
            if side != 0:
                exit_price = close[i] * (1.0 - side * slippage)
                pnl = record_trade_nb(trades, n_trades, entry_index, i, side, units,
                                      entry_price, exit_price, entry_fee, fee, fixed_fee,
                                      EXIT_LIQUIDATION)
                n_trades += 1
                cash = cash_before_entry + pnl
                side = 0
                equity[i] = cash
            status = STATUS_EQUITY_DEPLETED
            break
        i += 1

    final_equity = init_cash if last_marked < start else equity[last_marked]
    for i in range(last_marked + 1, n):
        equity[i] = final_equity
    # Trimmed here, because a NumPy copy of a record array in the caller costs more
    # than the copy in compiled code.
    return equity, trades[:n_trades].copy(), n_trades, status, exposed_bars


@njit(cache=True, nogil=True)
def window_returns_nb(equity, start, end, init_cash, returns):
    """Write the per-bar simple returns of ``equity[start:end]`` into ``returns`` and return it.

    ``returns`` is float64[end - start], allocated by the caller for the reason
    given in :func:`simulate_nb`. Return ``k`` is ``(equity[start + k] - previous) /
    previous``, where ``previous`` is ``equity[start + k - 1]`` or ``init_cash`` for
    ``k = 0``, and 0.0 when ``previous`` is exactly 0.
    """
    # Indexing a slice from 0 lets LLVM drop numba's negative-index wraparound,
    # and reading ``previous`` back from the array keeps the loop free of a carried
    # value, so it vectorizes.
    window = equity[start:end]
    if window.shape[0] == 0:
        return returns
    previous = init_cash
    returns[0] = (window[0] - previous) / previous if previous != 0.0 else 0.0
    for k in range(1, window.shape[0]):
        previous = window[k - 1]
        returns[k] = (window[k] - previous) / previous if previous != 0.0 else 0.0
    return returns
