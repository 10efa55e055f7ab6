"""A slow, plain-Python backtester that the numba kernel is checked against.

It follows docs/backtest-semantics.md rule by rule with plain loops, dicts and
floats, and shares no code with ``seedwalk.backtest``. Its cash is booked the
way a broker books it (debit at entry, credit at exit), and its exposure is
counted from the trade log, so both are independent of the kernel's bookkeeping.
"""

from __future__ import annotations

REASON_CODES = {
    "signal": 0,
    "stop_loss": 1,
    "take_profit": 2,
    "trailing_stop": 3,
    "end": 4,
    "liquidation": 5,
}


def reference_backtest(open_, high, low, close, entries, exits, short_entries, short_exits, *,
                       start, end, direction, fill, size, size_type, fee, fixed_fee,
                       slippage, stop_loss, take_profit, trailing_stop, init_cash):
    """Run one backtest and return a dict of equity, trades, status and exposed_bars.

    Prices and signals are sequences of one length. ``short_entries`` and
    ``short_exits`` must be given (the mirror rule for missing ones belongs to the
    caller). Stops are None when off. ``trades`` is a list of dicts whose keys are
    the kernel's trade fields, with ``side`` as +1/-1 and ``exit_reason`` as the
    kernel's integer code.
    """
    n = len(close)
    trades_long = direction in ("long", "both")
    trades_short = direction in ("short", "both")
    cash = init_cash
    position = None  # dict(side, units, entry_price, entry_fee, entry_bar, best)
    trades = []
    equity = [init_cash] * n
    status = 0

    def buy_price(price):
        return price * (1 + slippage)

    def sell_price(price):
        return price * (1 - slippage)

    def open_position(side, bar, raw_price):
        nonlocal cash, position
        if cash <= 0:
            return
        price = buy_price(raw_price) if side == 1 else sell_price(raw_price)
        if size_type == "units":
            units = size
        elif size_type == "value":
            units = size / price
        else:
            units = (size * cash - fixed_fee) / (price * (1 + fee))
        if units <= 0:
            return
        entry_fee = price * units * fee + fixed_fee
        if side == 1:
            cash = cash - price * units - entry_fee
        else:
            cash = cash + price * units - entry_fee
        position = {"side": side, "units": units, "entry_price": price,
                    "entry_fee": entry_fee, "entry_bar": bar, "best": price}

    def close_position(bar, price, reason):
        nonlocal cash, position
        units = position["units"]
        exit_fee = price * units * fee + fixed_fee
        if position["side"] == 1:
            cash = cash + price * units - exit_fee
            gross = (price - position["entry_price"]) * units
        else:
            cash = cash - price * units - exit_fee
            gross = (position["entry_price"] - price) * units
        pnl = gross - position["entry_fee"] - exit_fee
        trades.append({
            "entry_index": position["entry_bar"],
            "exit_index": bar,
            "side": position["side"],
            "size": units,
            "entry_price": position["entry_price"],
            "exit_price": price,
            "entry_fee": position["entry_fee"],
            "exit_fee": exit_fee,
            "pnl": pnl,
            "return": pnl / (units * position["entry_price"]),
            "exit_reason": REASON_CODES[reason],
        })
        position = None

    def market_exit_price(raw_price):
        # A long sells and a short buys back, each at an adverse price.
        return sell_price(raw_price) if position["side"] == 1 else buy_price(raw_price)

    def act_on_signals(signal_bar, fill_bar, raw_price, may_enter):
        want_long = trades_long and entries[signal_bar] and not exits[signal_bar]
        want_short = trades_short and short_entries[signal_bar] and not short_exits[signal_bar]
        if want_long and want_short:
            want_long = want_short = False
        exit_long = trades_long and exits[signal_bar]
        exit_short = trades_short and short_exits[signal_bar]

        target = None
        if position is None:
            if want_long:
                target = 1
            elif want_short:
                target = -1
        elif position["side"] == 1:
            if want_short:
                close_position(fill_bar, market_exit_price(raw_price), "signal")
                target = -1
            elif exit_long:
                close_position(fill_bar, market_exit_price(raw_price), "signal")
        else:
            if want_long:
                close_position(fill_bar, market_exit_price(raw_price), "signal")
                target = 1
            elif exit_short:
                close_position(fill_bar, market_exit_price(raw_price), "signal")
        if target is not None and may_enter:
            open_position(target, fill_bar, raw_price)

    def check_stops(bar):
        entry = position["entry_price"]
        if position["side"] == 1:
            levels = []
            if stop_loss is not None:
                levels.append((entry * (1 - stop_loss), "stop_loss"))
            if trailing_stop is not None:
                levels.append((position["best"] * (1 - trailing_stop), "trailing_stop"))
            stop = None
            for level, reason in levels:  # the highest level wins; a tie goes to stop_loss
                if stop is None or level > stop[0]:
                    stop = (level, reason)
            target = entry * (1 + take_profit) if take_profit is not None else None
            if stop is not None and open_[bar] <= stop[0]:
                close_position(bar, sell_price(open_[bar]), stop[1])
            elif target is not None and open_[bar] >= target:
                close_position(bar, open_[bar], "take_profit")
            elif stop is not None and low[bar] <= stop[0]:
                close_position(bar, sell_price(stop[0]), stop[1])
            elif target is not None and high[bar] >= target:
                close_position(bar, target, "take_profit")
            else:
                position["best"] = max(position["best"], high[bar])
        else:
            levels = []
            if stop_loss is not None:
                levels.append((entry * (1 + stop_loss), "stop_loss"))
            if trailing_stop is not None:
                levels.append((position["best"] * (1 + trailing_stop), "trailing_stop"))
            stop = None
            for level, reason in levels:  # the lowest level wins; a tie goes to stop_loss
                if stop is None or level < stop[0]:
                    stop = (level, reason)
            target = entry * (1 - take_profit) if take_profit is not None else None
            if stop is not None and open_[bar] >= stop[0]:
                close_position(bar, buy_price(open_[bar]), stop[1])
            elif target is not None and open_[bar] <= target:
                close_position(bar, open_[bar], "take_profit")
            elif stop is not None and high[bar] >= stop[0]:
                close_position(bar, buy_price(stop[0]), stop[1])
            elif target is not None and low[bar] <= target:
                close_position(bar, target, "take_profit")
            else:
                position["best"] = min(position["best"], low[bar])

    any_stop = stop_loss is not None or take_profit is not None or trailing_stop is not None
    final_bar = start - 1
    for bar in range(start, end):
        if fill == "next_open":
            if bar >= 1:
                act_on_signals(bar - 1, bar, open_[bar], may_enter=True)
            if position is not None and any_stop:
                check_stops(bar)
        else:
            if position is not None and any_stop and position["entry_bar"] < bar:
                check_stops(bar)
            act_on_signals(bar, bar, close[bar], may_enter=bar < end - 1)

        if bar == end - 1 and position is not None:
            close_position(bar, market_exit_price(close[bar]), "end")

        value = cash
        if position is not None:
            value += position["side"] * position["units"] * close[bar]
        equity[bar] = value
        final_bar = bar
        if value <= 0:
            if position is not None:
                close_position(bar, market_exit_price(close[bar]), "liquidation")
                equity[bar] = cash
            status = 1
            break

    final_value = equity[final_bar] if final_bar >= start else init_cash
    for bar in range(final_bar + 1, n):
        equity[bar] = final_value

    return {"equity": equity, "trades": trades, "status": status,
            "exposed_bars": count_exposed_bars(trades, fill)}


def count_exposed_bars(trades, fill):
    """Count the bars during which some position was open, from the trade log.

    With next_open fills a position is held from its entry bar. A signal exit at
    a bar's open leaves that bar out, but a stop, the window end or a liquidation
    happens later inside the bar, so that bar counts. With close fills a position
    is held from the bar after its entry up to and including its exit bar.
    """
    held_bars = set()
    for trade in trades:
        if fill == "next_open":
            first = trade["entry_index"]
            last = trade["exit_index"] - 1 if trade["exit_reason"] == 0 else trade["exit_index"]
        else:
            first = trade["entry_index"] + 1
            last = trade["exit_index"]
        held_bars.update(range(first, last + 1))
    return len(held_bars)
