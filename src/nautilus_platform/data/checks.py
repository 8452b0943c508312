"""The checks themselves: values against the instrument, bar and quote consistency, time order, gaps.

Each works on whole columns of raw integers (NumPy) and records its findings in ``RowStates``;
repairs change the column arrays in place.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.objects import SNAPSHOT_ROW
from nautilus_platform.data.parsing import BoolArray, Int64Array, raw_to_text
from nautilus_platform.data.validation import MAX_ISSUES_PER_CHECK, Check, Policy, RowStates, round_to_multiple
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import FIXED_PRECISION, POW10

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")

PRICE_FIELDS = ("open", "high", "low", "close", "bid_price", "ask_price", "price")
SIZE_FIELDS = ("bid_size", "ask_size", "size")


def increments(
    states: RowStates, values: dict[str, Int64Array], instrument: Instrument, excess: dict[str, dict[int, Decimal]]
) -> None:
    """Prices on the tick, sizes on the lot, bar volume at the size precision.

    ``excess`` holds, per field, the exact values of rows written with more than 9 decimals: they
    are off every increment, and a repair rounds the exact value (one rounding, half-even).
    """
    tick = instrument.tick_size.raw
    lot = instrument.lot_size.raw
    volume_step = POW10[FIXED_PRECISION - instrument.size_precision]
    tick_rule = (tick, f"must be a multiple of the tick size {instrument.tick_size}")
    lot_rule = (lot, f"must be a multiple of the lot size {instrument.lot_size}")
    volume_rule = (volume_step, f"must have at most {instrument.size_precision} decimals (size precision)")
    # Keyed by field, not by step: a tick equal to the lot (or the lot to the volume step) keeps its own rule text.
    rules = dict.fromkeys(PRICE_FIELDS, tick_rule) | dict.fromkeys(SIZE_FIELDS, lot_rule) | {"volume": volume_rule}
    policy = states.policy[Check.OFF_INCREMENT]
    carried: dict[str, int] = {}  # per group: the most decimals an off-increment value carries
    off_rows: dict[str, BoolArray] = {}
    for name, column in values.items():
        rule = rules.get(name)
        if rule is None:
            continue
        step, rule_text = rule
        off = (column % step) != 0
        exact = excess.get(name, {})
        shown: Int64Array | list[str] = column
        if exact:
            off[list(exact)] = True
            shown = [str(exact[row]) if row in exact else raw_to_text(raw) for row, raw in enumerate(column.tolist())]
        hit = states.apply(Check.OFF_INCREMENT, off, name, shown, rule_text, render=None if exact else raw_to_text)
        if hit.any():
            group = "price" if name in PRICE_FIELDS else "size"
            carried[group] = max(carried.get(group, 0), _decimals_of(column[hit], exact, hit))
            off_rows[group] = off_rows[group] | hit if group in off_rows else hit
        if policy is Policy.REPAIR and hit.any():
            column[hit] = round_to_multiple(column[hit], step)
            for row, value in exact.items():
                if hit[row]:
                    column[row] = _round_exact(value, step)

    _note_precision(states, instrument, carried, off_rows, "rejected" if policy is Policy.REJECT else "repaired")


def _round_exact(value: Decimal, step: int) -> int:
    """``value`` rounded half-even, once and exactly, to a multiple of ``step`` (raw, at 10**-9)."""
    return round(Fraction(value) * POW10[FIXED_PRECISION] / step) * step


def _decimals_of(raw: Int64Array, exact: dict[int, Decimal], hit: BoolArray) -> int:
    """The most decimals among ``raw`` (fixed-point at 9 decimals) and the ``exact`` values of the
    ``hit`` rows (those written with more than 9)."""
    decimals = FIXED_PRECISION
    for fewer in range(FIXED_PRECISION):
        if (raw % POW10[FIXED_PRECISION - fewer]).any():
            continue
        decimals = fewer
        break
    finer = [-int(value.normalize().as_tuple().exponent) for row, value in exact.items() if hit[row]]
    return max([decimals, *finer])


def _note_precision(
    states: RowStates, instrument: Instrument, carried: dict[str, int], off_rows: dict[str, BoolArray], outcome: str
) -> None:
    """Where off-increment values carry more decimals than the instrument's precision, record how
    many (``report.decimals_carried``) and say so in a note: a wrong precision is the usual cause."""
    precisions = {"price": instrument.price_precision, "size": instrument.size_precision}
    for group, decimals in carried.items():
        if decimals > precisions[group]:
            states.report.decimals_carried[group] = decimals
            rows = int(off_rows[group].sum())
            states.report.notes.append(
                f"{group}s carry up to {decimals} decimals, more than the {group} precision {precisions[group]} "
                f"allows: {rows} rows {outcome} as off_increment"
            )


def signs(states: RowStates, values: dict[str, Int64Array], kind_is_trades: bool) -> None:
    """Prices positive; sizes non-negative (trade sizes positive)."""
    for name in PRICE_FIELDS:
        if name in values:
            column = values[name]
            states.apply(Check.NON_POSITIVE_PRICE, column <= 0, name, column, "must be positive", render=raw_to_text)
    for name in (*SIZE_FIELDS, "volume"):
        if name in values:
            column = values[name]
            positive = kind_is_trades and name == "size"
            bad = column <= 0 if positive else column < 0
            rule = "must be positive" if positive else "must not be negative"
            states.apply(Check.INVALID_SIZE, bad, name, column, rule, render=raw_to_text)


def ohlc(states: RowStates, values: dict[str, Int64Array]) -> None:
    """low <= open, close <= high; a repair widens high and low."""
    o, h, low, c = values["open"], values["high"], values["low"], values["close"]
    top = np.maximum(np.maximum(o, c), np.maximum(h, low))
    bottom = np.minimum(np.minimum(o, c), np.minimum(h, low))
    bad = (h != top) | (low != bottom)
    hit = states.apply(
        Check.OHLC_INCONSISTENT, bad, "high/low", [f"{raw_to_text(h[i])}/{raw_to_text(low[i])}" for i in range(len(h))]
        if bad.any() else None, "must satisfy low <= open, close <= high",
    )  # fmt: skip
    if states.policy[Check.OHLC_INCONSISTENT] is Policy.REPAIR and hit.any():
        h[hit] = top[hit]
        low[hit] = bottom[hit]


def crossed(states: RowStates, values: dict[str, Int64Array]) -> None:
    bid, ask = values["bid_price"], values["ask_price"]
    states.apply(Check.CROSSED_QUOTE, bid > ask, "bid_price", bid, "must not exceed ask_price", render=raw_to_text)


def time_order(states: RowStates, ts: Int64Array) -> Int64Array:
    """The live rows in output order (indices), always in time order: a row that goes back in time
    fails ``non_monotonic`` and is rejected, or kept (flag, repair) at its place by time (a stable
    sort, so rows of equal time keep their file order)."""
    live = np.flatnonzero(states.live)
    live_ts = ts[live]
    if len(live_ts) < 2:
        return live
    running = np.maximum.accumulate(live_ts)
    back = np.zeros(len(live_ts), np.bool_)
    back[1:] = live_ts[1:] < running[:-1]
    if not back.any():
        return live
    failing = np.zeros(len(ts), np.bool_)
    failing[live[back]] = True
    states.apply(Check.NON_MONOTONIC, failing, "ts", ts, "must not go back in time", render=_ns_text)
    order = live[np.argsort(live_ts, kind="stable")]
    return order[states.live[order]]


def duplicates(
    states: RowStates, ts: Int64Array, order: Int64Array, book: tuple[Int64Array, Int64Array] | None = None
) -> Int64Array:
    """Every live row among ``order`` (in time order) whose timestamp an earlier live row (in file
    order) already has fails ``duplicate_timestamp``, whatever other checks made of it; returns
    ``order`` without the rows that rejected.

    For books (``book``: the ``sequence`` and ``update_type`` columns) the unit is a book update,
    not a row: the levels of one snapshot (or the rows of one delta batch) share its timestamp by
    design. An update fails, all its rows, when an earlier update of the same type (snapshot or
    delta batch) has its timestamp: two snapshots at one time, never two levels of one."""
    order = order[states.live[order]]
    if len(order) < 2:
        return order
    ordered_ts = ts[order]
    later = np.zeros(len(order), np.bool_)
    rule = "repeats an earlier row's timestamp"
    if book is None:
        later[1:] = ordered_ts[1:] == ordered_ts[:-1]  # equal times keep their file order (stable)
    else:
        later = _repeated_book_updates(ordered_ts, book[0][order], book[1][order])
        rule = "is in a book update that repeats the timestamp of an earlier update of its type (snapshot or deltas)"
    failing = np.zeros(len(ts), np.bool_)
    failing[order[later]] = True
    states.apply(Check.DUPLICATE_TIMESTAMP, failing, "ts", ts, rule, render=_ns_text)
    return order[states.live[order]]


def incomplete_snapshots(states: RowStates, values: dict[str, Int64Array], known: BoolArray) -> None:
    """Reject the rows of each book snapshot that lost a row to an earlier check, as ``invalid_book``.

    A snapshot is the whole book at its time: replayed, it replaces every level, so a snapshot
    missing a level (a row rejected as ``off_increment``, ``non_positive_price``, a missing
    size…) would silently delete that level from the book. The rows left of such a snapshot (one
    timestamp and sequence, type snapshot, wherever its rows are in the file) are rejected too;
    each row is still counted once, under the check that rejected it first. ``known`` marks the
    rows whose time, sequence and type were read (a row with an unreadable time belongs to no
    update we can name). A delta batch that lost a row keeps its other rows: each delta sets one
    level, so the loss stays at the level of the rejected row, as for any other rejected row."""
    kinds = values["update_type"]
    lost = states.rejected & known & (kinds == SNAPSHOT_ROW)
    if not lost.any():
        return
    alive = states.live & (kinds == SNAPSHOT_ROW)
    if not alive.any():
        return
    rows = np.flatnonzero(lost | alive)
    keys = np.stack([values["ts"][rows], values["sequence"][rows]], axis=1)
    codes = np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)
    is_alive = alive[rows]
    incomplete = np.isin(codes[is_alive], codes[~is_alive])
    if not incomplete.any():
        return
    failing = np.zeros(len(kinds), np.bool_)
    failing[rows[is_alive][incomplete]] = True
    rule = (
        "is in a book snapshot (same time and sequence) another row of which was rejected: kept, the "
        "incomplete snapshot would replace the whole book without that level"
    )
    hit = states.apply(Check.INVALID_BOOK, failing, "snapshot", values["ts"], rule, render=_ns_text)
    snapshots = len(np.unique(codes[is_alive][incomplete]))
    states.report.notes.append(
        f"{int(hit.sum())} rows of {snapshots} book snapshots were rejected as invalid_book because other "
        f"rows of their snapshot were rejected: a snapshot replaces the whole book, so an incomplete one "
        f"would delete the missing levels"
    )


def book_update_order(states: RowStates, values: dict[str, Int64Array], order: Int64Array) -> Int64Array:
    """``order`` (the live rows in time order) with the rows of each book update together.

    A book update is identified by its timestamp, sequence and type (snapshot or deltas), and
    ``objects.book_groups`` builds one from consecutive rows only: the rows of a snapshot split by
    another update at the same time (its bids, another snapshot, then its asks) would become two
    partial snapshots. Each update's rows are moved next to its first row (``grouped_updates``;
    times do not change), and a note counts the rows moved."""
    order = order[states.live[order]]
    grouped = grouped_updates(values["ts"][order], values["sequence"][order], values["update_type"][order])
    if grouped is None:
        return order
    regrouped, split = grouped
    states.report.notes.append(
        f"{split} book rows were moved next to the earlier rows of their update (same time, sequence and "
        f"type), from which another update at that time had split them"
    )
    reordered: Int64Array = order[regrouped]
    return reordered


def update_starts(ts: Int64Array, sequence: Int64Array, kinds: Int64Array) -> BoolArray:
    """For book rows in order, whether each row starts an update: the first row, and every row
    whose timestamp, sequence or type (snapshot or deltas) differs from the row's before it."""
    starts = np.ones(len(ts), np.bool_)
    starts[1:] = (ts[1:] != ts[:-1]) | (sequence[1:] != sequence[:-1]) | (kinds[1:] != kinds[:-1])
    return starts


def _live_updates(
    states: RowStates, values: dict[str, Int64Array], order: Int64Array
) -> tuple[Int64Array, BoolArray] | None:
    """The live book rows of ``order`` (each update's rows together) and where each update starts
    among them (``update_starts``); ``None`` below two rows."""
    order = order[states.live[order]]
    if len(order) < 2:
        return None
    return order, update_starts(values["ts"][order], values["sequence"][order], values["update_type"][order])


def grouped_updates(ts: Int64Array, sequence: Int64Array, kinds: Int64Array) -> tuple[Int64Array, int] | None:
    """For book rows in time order, the order that puts the rows of each update (one timestamp,
    sequence and type) together at the place of its first row, the rows of one update in their
    order (stable), and how many rows were split from their update's first run; ``None`` when
    every update is one run of rows already."""
    n = len(ts)
    if n < 3:
        return None
    starts = update_starts(ts, sequence, kinds)
    by_key = np.lexsort((kinds, sequence, ts))  # stable: a key's rows in their order, its first row first
    new_key = np.ones(n, np.bool_)
    keyed = (ts[by_key], sequence[by_key], kinds[by_key])
    new_key[1:] = (keyed[0][1:] != keyed[0][:-1]) | (keyed[1][1:] != keyed[1][:-1]) | (keyed[2][1:] != keyed[2][:-1])
    if int(new_key.sum()) == int(starts.sum()):
        return None
    first = by_key[new_key]  # per key, the position of its first row
    first_of_row = np.empty(n, np.int64)
    first_of_row[by_key] = first[np.cumsum(new_key) - 1]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    split = int((run_start != first_of_row).sum())  # rows not in the first run of their update
    regrouped: Int64Array = np.lexsort((np.arange(n), first_of_row))
    return regrouped, split


def repeated_book_copies(states: RowStates, values: dict[str, Int64Array], order: Int64Array) -> None:
    """Reject the copies of a book update repeated exactly right after itself as duplicates.

    Rows with one timestamp, sequence and type are one update (``book_update_order`` put them
    together); where they are a block of rows repeated whole (one message delivered twice or
    more), the rows after the first block fail ``duplicate_timestamp`` and are rejected under
    every policy of that check: kept, they would merge into the first block (a snapshot listing
    each level twice, a delta batch applied twice as one). Rows that only share a level with an
    earlier row (another size) are left to ``invalid_book``."""
    live = _live_updates(states, values, order)
    if live is None:
        return
    order, starts = live
    n = len(order)
    run = np.cumsum(starts) - 1
    bounds = np.r_[np.flatnonzero(starts), n]
    levels = np.stack([values["side"][order], values["price"][order], values["size"][order]], axis=1)
    # a repeat starts with a row equal to its update's first row: only such updates are looked at
    like_first = (levels == levels[bounds[:-1]][run]).all(axis=1) & ~starts
    copies = np.zeros(n, np.bool_)
    for update in np.unique(run[like_first]).tolist():
        begin, end = int(bounds[update]), int(bounds[update + 1])
        block = levels[begin:end]
        length = end - begin
        for period in (np.flatnonzero(like_first[begin:end])).tolist():
            if length % period == 0 and np.array_equal(block[period:], block[:-period]):
                copies[begin + period : end] = True
                break
    if not copies.any():
        return
    failing = np.zeros(len(values["ts"]), np.bool_)
    failing[order[copies]] = True
    rule = (
        "repeats the rows of the book update before it exactly (same time, sequence, type and levels): "
        "one update delivered twice, rejected under any duplicate_timestamp policy"
    )
    hit = states.apply(Check.DUPLICATE_TIMESTAMP, failing, "ts", values["ts"], rule, Policy.REJECT, _ns_text)
    states.report.notes.append(
        f"{int(hit.sum())} book rows repeat the update just before them exactly (same time, sequence, type "
        f"and levels) and were rejected as duplicate_timestamp whatever its policy: kept, they would merge "
        f"into that update"
    )


def sequence_back(states: RowStates, values: dict[str, Int64Array], order: Int64Array) -> None:
    """Every book update (its rows) whose sequence is lower than the update's before it fails
    ``sequence_back`` (off by default; ``flag`` reports it, ``reject`` drops it), its rows
    showing the sequence it went back to.

    ``order`` holds the live rows in time order with each update's rows together
    (``book_update_order``); an update (one timestamp, sequence and type) is compared with the
    live update just before it, so a feed that resets its sequence once (a reconnect starting
    over at 1) fails once, at the reset, not on every later update. An equal sequence passes: a
    snapshot and the delta batch after it may carry the same update id. A note counts the updates
    and says where the first went back."""
    if states.policy[Check.SEQUENCE_BACK] is Policy.IGNORE:
        return
    live = _live_updates(states, values, order)
    if live is None:
        return
    order, starts = live
    ts, sequence = values["ts"][order], values["sequence"][order]
    first = np.flatnonzero(starts)  # each update's first row
    back = np.zeros(len(first), np.bool_)
    back[1:] = sequence[first[1:]] < sequence[first[:-1]]
    if not back.any():
        return
    update = np.cumsum(starts) - 1
    before = np.r_[sequence[first[0]], sequence[first[:-1]]]  # per update, the sequence of the one before
    failing = np.zeros(len(values["ts"]), np.bool_)
    failing[order[back[update]]] = True
    previous = np.zeros(len(values["ts"]), np.int64)
    previous[order] = before[update]
    rules = {  # the rows the report can sample (the first by row number), not every failing row
        row: f"goes back from the sequence {previous[row]} of the update before it: the feed was reset "
        "(reconnect) or is out of order; the book may be wrong until the next snapshot"
        for row in np.flatnonzero(failing)[:MAX_ISSUES_PER_CHECK].tolist()
    }
    hit = states.apply(Check.SEQUENCE_BACK, failing, "sequence", values["sequence"], rules)
    if hit.any():
        at = int(first[np.flatnonzero(back)[0]])
        outcome = "rejected" if states.policy[Check.SEQUENCE_BACK] is Policy.REJECT else "flagged"
        states.report.notes.append(
            f"{int(back.sum())} book updates ({int(hit.sum())} rows) have a lower sequence than the update before "
            f"them and were {outcome} as sequence_back: the first at {_ns_text(ts[at])}, from "
            f"{int(before[update[at]])} to {int(sequence[at])}; a feed resets its sequence on reconnect, and the "
            "book rebuilt from its deltas may be wrong until the next snapshot"
        )


def _repeated_book_updates(ts: Int64Array, sequence: Int64Array, update_type: Int64Array) -> BoolArray:
    """Per row (in time order), whether its book update repeats an earlier update's timestamp and
    type. An update is a run of consecutive rows with one timestamp, sequence and type, as
    ``objects.book_groups`` builds them."""
    starts = update_starts(ts, sequence, update_type)
    update = np.cumsum(starts) - 1  # per row, its update's number
    first = np.flatnonzero(starts)
    # updates by (time, type), stable: an update after another with the same pair repeats it
    by_key = np.lexsort((update_type[first], ts[first]))
    repeat = np.zeros(len(first), np.bool_)
    same = (ts[first][by_key][1:] == ts[first][by_key][:-1]) & (
        update_type[first][by_key][1:] == update_type[first][by_key][:-1]
    )
    repeat[by_key[1:][same]] = True
    repeated: BoolArray = repeat[update]
    return repeated


def gaps(
    states: RowStates, ts: Int64Array, order: Int64Array, interval_ns: int | None, daily_tz: str | None
) -> tuple[int, int]:
    """Gaps between consecutive rows: missing weekdays for daily bars, missing intervals otherwise.

    Returns ``(gaps, missing_intervals)``; the row after each gap is flagged (or nothing, when
    the policy is IGNORE or there is no interval to judge by).
    """
    if interval_ns is None or len(order) < 2 or states.policy[Check.GAP] is Policy.IGNORE:
        return 0, 0
    ordered = ts[order]
    if daily_tz is not None:
        # a bar's day is the local calendar day of its last instant, one nanosecond before its close:
        # a close at midnight (a file stamped at the open) belongs to the day before, a close during
        # the day (16:00 New York) to that day; weekends are then never gaps either way
        local = pc.local_timestamp(pa.array(ordered, pa.timestamp("ns", tz=daily_tz)))
        last = pc.cast(local, pa.int64()).to_numpy(zero_copy_only=False).astype(np.int64) - 1
        days = last.astype("datetime64[ns]").astype("datetime64[D]")
        missing = np.busday_count(days[:-1] + 1, days[1:])
        missing = np.maximum(missing, 0)
    else:
        step = np.diff(ordered)
        missing = np.where(step > interval_ns, (step - 1) // interval_ns, 0)
    after = np.flatnonzero(missing > 0) + 1
    failing = np.zeros(len(ts), np.bool_)
    failing[order[after]] = True
    missed = np.zeros(len(ts), np.int64)
    missed[order[after]] = missing[after - 1]
    what = "weekdays" if daily_tz is not None else "intervals"
    states.apply(Check.GAP, failing, "ts", missed, f"follows missing {what} (count shown)")
    return len(after), int(missing.sum())


def _ns_text(value: object) -> str:
    return str(np.datetime64(int(value), "ns")) + "Z"  # type: ignore[call-overload]
