"""How the catalog merges new rows into a stored partition: identity, keys and conflicts.

**Identity (duplicates).** A new row already stored is not stored again, counted as a multiset:
the k-th copy of a row in the new data is new only when the partition holds fewer than k+1
copies, so importing a file twice or two overlapping files adds nothing, while rows that really
repeat inside one file are kept. Rows are equal when every column is equal, except for trades
whose id the loader made from their content (``ts:price:size:aggressor:n``, the file had no id
column): they are the same trade as a stored trade with the same timestamp, price, size and
aggressor whatever that trade's id — so the row-number ids (``"1"``, ``"2"``…) that earlier
versions gave such trades never let the same trades in twice.

**Keys (conflicts).** A bar is keyed by its timestamp (a dataset is one bar type) and a trade by
its trade id. A book snapshot row is keyed by its level, ``BOOK_LEVEL`` (timestamp, sequence,
type, side and price; its value is the size): a snapshot holds one size per level, and a stored
snapshot holding two (``OrderBookSnapshot.of``: "duplicate price levels") could not be read back.
Two rows with one key and different values are a conflict: a new row that
disagrees with a stored row, or two new rows that disagree with each other. Quotes and delta
rows have no key, so they merge by value only: several quotes at one nanosecond are real data,
and a delta batch may set one level twice (the book applies its deltas in order, the last
wins; ``OrderBookDeltas.of`` allows it), so a key there would refuse valid batches. The new
rows of a stored book update (one timestamp, sequence and type) that conflict with none go next
to its stored rows, so that the update stays one run of rows (``checks.grouped_updates``): a
snapshot split over two files is stored whole.
**Snapshots that must read back.** Merging a new file's levels into a stored snapshot (same
timestamp and sequence) conflicts with no level, yet can make a snapshot that
``OrderBookSnapshot.of`` refuses: stored bid 100 / ask 101 and a new bid 101.5 is a crossed book.
Each stored snapshot a write changes is checked after the merge (``invalid_snapshots``: crossed,
a duplicate level, a non-positive size) and one that fails refuses the whole write under either
policy: ``REPLACE`` replaces only snapshots with a conflicting level (the new snapshot alone,
valid as the loader checked it, then passes), it does not drop the stored levels of a snapshot
that merely fails to merge. Snapshots of new rows only, and writes touching no stored snapshot,
cost nothing more.
``OnConflict.ERROR`` (the default) refuses the whole write; ``OnConflict.REPLACE`` replaces the
stored rows of each conflicting key by the new rows with that key, and for a book snapshot the
stored rows of the whole snapshot (every level of its timestamp and sequence) by the new
snapshot's rows: replacing the conflicting levels alone would leave a mix of two versions of one
snapshot that neither source published, possibly crossed or with levels the new version deleted,
while the new snapshot was validated whole by the loader. New rows that disagree among
themselves are refused under either policy: there is no telling which one is right.

**Across partitions.** A trade id names one trade in the whole dataset, not only in its UTC day
(``across_partitions``): a stored trade in another day's partition than the new trade of its id
is the same trade at another time (a re-import with the right time zone, a vendor's corrected
file), so it conflicts, and ``REPLACE`` removes it from its partition; new trades of one id on
different days disagree among themselves. A content id holds its trade's timestamp, so it meets
no stored id of another day; trades without an id in the file (their content ids, or the
row-number ids of format-1 datasets) are matched by content within their day, as above.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.checks import grouped_updates
from nautilus_platform.data.identity import TRADE_CONTENT, occurrences
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.objects import SNAPSHOT_ROW
from nautilus_platform.data.parsing import BoolArray, Int64Array
from nautilus_platform.model.enums import BookSide

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")


class OnConflict(Enum):
    """What a write does when a new row disagrees with a stored row of the same key."""

    ERROR = "error"
    REPLACE = "replace"


#: the key column and the value columns of the kinds that have a key
KEYS: dict[DataKind, tuple[str, tuple[str, ...]]] = {
    DataKind.BARS: ("ts", ("open", "high", "low", "close", "volume")),
    DataKind.TRADES: ("trade_id", TRADE_CONTENT),
}
#: the key of a book snapshot row (a level of one snapshot), whose value is its ``size``
BOOK_LEVEL = ("ts", "sequence", "update_type", "side", "price")
#: the columns naming one book update (a snapshot, for ``REPLACE``, is replaced whole)
BOOK_UPDATE = ("ts", "sequence", "update_type")


@dataclass(frozen=True)
class KeyConflict:
    """One key with two different rows: ``first`` stored (or new, when ``within_new``) and ``second`` new."""

    key: str
    key_value: int | str
    within_new: bool
    first: dict[str, int | str]
    second: dict[str, int | str]

    @property
    def new_ts(self) -> int:
        """The timestamp of its (earlier) new row: a write shows its first conflict in this order."""
        new = [self.first, self.second] if self.within_new else [self.second]
        return min(int(row["ts"]) for row in new)


@dataclass(frozen=True)
class InvalidSnapshots:
    """Stored book snapshots that the new rows would make unreadable (``invalid_snapshots``):
    ``count`` of them, the first in time order described by its ``ts``, ``sequence``, ``reason``
    (``crossed``, ``duplicate level`` or ``non-positive size``) and two rows showing it (``first``
    and ``second``, each with ``first_stored``/``second_stored``: a stored row or a new one)."""

    count: int
    ts: int
    sequence: int
    reason: str
    first: dict[str, int | str]
    second: dict[str, int | str]
    first_stored: bool
    second_stored: bool


@dataclass(frozen=True)
class MergedPartition:
    """A partition after a merge: the table to store, what changed, and the conflicts found
    (``keys``: the conflicting key values, distinct)."""

    table: pa.Table
    added: int
    replaced: int
    conflicts: int
    example: KeyConflict | None
    keys: pa.Array | None = None
    invalid: InvalidSnapshots | None = None

    @property
    def changed(self) -> bool:
        return self.added > 0 or self.replaced > 0


def merge_partition(stored: pa.Table | None, new: pa.Table, kind: DataKind, on_conflict: OnConflict) -> MergedPartition:
    """``stored`` plus the rows of ``new`` it does not hold yet, sorted by ts (stable); see the module docstring.

    With conflicts that the policy does not resolve, ``conflicts`` counts the keys and
    ``example`` shows the first (in time order); ``table`` is then the stored table unchanged."""
    if stored is None:
        stored = new.schema.empty_table()
    elif stored.schema != new.schema:
        raise ValidationError("columns", new.column_names, f"must match the stored partition's {stored.column_names}")
    combined = pa.concat_tables([stored, new])
    n_stored = stored.num_rows
    keep_new = _unseen(combined, n_stored, kind)
    keep_stored = np.ones(n_stored, np.bool_)
    replaced = 0
    keyed = _keyed(combined, kind)
    if keyed is not None:
        key_name, keys, values = keyed
        new_rows = np.r_[np.zeros(n_stored, np.bool_), np.ones(combined.num_rows - n_stored, np.bool_)]
        within = _disagreeing(keys, values, new_rows)
        against = _disagreeing(keys, values, np.r_[keep_stored, keep_new])
        if len(against):  # keys of stored rows only (conflicts stored before) are not this write's
            against = against[np.isin(against, keys[n_stored:][keep_new]) & ~np.isin(against, within)]
        unresolved = within if on_conflict is OnConflict.REPLACE else np.union1d(within, against)
        if len(unresolved):
            example = _example(combined, n_stored, keys, values, unresolved, within, key_name)
            conflicting = _key_values(combined, key_name, np.isin(keys, unresolved))
            return MergedPartition(stored, 0, 0, len(unresolved), example, conflicting)
        if len(against):
            hit = np.isin(keys, against)
            if kind is DataKind.BOOK:  # a snapshot is replaced whole: every row of its update
                update = _group_codes(_codes(combined, list(BOOK_UPDATE)))
                hit = np.isin(update, update[hit])
            stale = hit[:n_stored]
            keep_stored &= ~stale
            keep_new |= hit[n_stored:]
            replaced = int(stale.sum())
    if kind is DataKind.BOOK:  # a stored snapshot that takes new levels must still read back
        invalid = invalid_snapshots(combined, n_stored, keep_stored, keep_new)
        if invalid is not None:
            return MergedPartition(stored, 0, 0, 0, None, invalid=invalid)
    merged = combined.filter(pa.array(np.r_[keep_stored, keep_new]))
    order = np.argsort(merged.column("ts").to_numpy(), kind="stable")
    if kind is DataKind.BOOK:  # new rows of a stored update go with its rows, not after the time's others
        ordered = [merged.column(name).to_numpy().astype(np.int64)[order] for name in ("ts", "sequence", "update_type")]
        grouped = grouped_updates(*ordered)
        if grouped is not None:
            order = order[grouped[0]]
    return MergedPartition(merged.take(pa.array(order)), int(keep_new.sum()), replaced, 0, None)


def invalid_snapshots(
    combined: pa.Table, n_stored: int, keep_stored: BoolArray, keep_new: BoolArray
) -> InvalidSnapshots | None:
    """The stored snapshots that the merge changes and that would no longer read back.

    ``combined`` holds the stored rows (the first ``n_stored``) then the new ones; the merge keeps
    ``keep_stored`` and ``keep_new``. A snapshot (timestamp and sequence, type snapshot) that had
    stored rows and gets new rows is checked after the merge by the rules of
    ``OrderBookSnapshot.of``: no two rows of one side and price (duplicate level), positive
    sizes, and the best bid below the best ask (not crossed). A snapshot of new rows only was
    checked whole by the loader, and one the write does not touch is not looked at: a write that
    touches no stored snapshot costs one ``isin`` on its snapshot timestamps."""
    kinds = combined.column("update_type").to_numpy()
    snapshot = kinds == SNAPSHOT_ROW
    added = keep_new & snapshot[n_stored:]
    if n_stored == 0 or not added.any() or not snapshot[:n_stored].any():
        return None
    ts = combined.column("ts").to_numpy().astype(np.int64)
    stored_ts, new_ts = ts[:n_stored][snapshot[:n_stored]], ts[n_stored:][added]
    if not np.isin(new_ts, stored_ts).any():  # the usual case: no new row at a stored snapshot's time
        return None
    sequence = combined.column("sequence").to_numpy().astype(np.int64)
    # rows before the merge: every stored snapshot row and the new snapshot rows it keeps
    before = snapshot & np.r_[np.ones(n_stored, np.bool_), keep_new]
    rows = np.flatnonzero(before)
    update = _group_codes([ts[rows], sequence[rows]])
    is_new = rows >= n_stored
    touched = np.intersect1d(update[is_new], update[~is_new])
    if len(touched) == 0:
        return None
    kept = np.r_[keep_stored, keep_new][rows] & np.isin(update, touched)
    rows, update = rows[kept], np.searchsorted(touched, update[kept])  # update: 0..len(touched)-1
    side = combined.column("side").to_numpy().astype(np.int64)[rows]
    price = combined.column("price").to_numpy().astype(np.int64)[rows]
    size = combined.column("size").to_numpy().astype(np.int64)[rows]
    n = len(touched)
    found: list[tuple[int, str, int, int]] = []  # per invalid snapshot: (row, reason, first, second)
    order = np.lexsort((price, side, update))
    same = (update[order][1:] == update[order][:-1]) & (side[order][1:] == side[order][:-1])
    same &= price[order][1:] == price[order][:-1]
    bad = np.zeros(n, np.bool_)
    for at in np.flatnonzero(same).tolist():
        first, second = int(order[at]), int(order[at + 1])
        if not bad[update[first]]:
            bad[update[first]] = True
            found.append((first, "duplicate level", first, second))
    for row in np.flatnonzero(size <= 0).tolist():
        if not bad[update[row]]:
            bad[update[row]] = True
            found.append((row, "non-positive size", row, row))
    bid, ask = side == int(BookSide.BID), side == int(BookSide.ASK)
    best_bid = np.full(n, np.iinfo(np.int64).min, np.int64)
    best_ask = np.full(n, np.iinfo(np.int64).max, np.int64)
    np.maximum.at(best_bid, update[bid], price[bid])
    np.minimum.at(best_ask, update[ask], price[ask])
    crossed = (best_bid >= best_ask) & ~bad
    if crossed.any():
        top_bid = np.flatnonzero(bid & (price == best_bid[update]))
        top_ask = np.flatnonzero(ask & (price == best_ask[update]))
        bid_of = dict(zip(update[top_bid].tolist(), top_bid.tolist(), strict=False))
        ask_of = dict(zip(update[top_ask].tolist(), top_ask.tolist(), strict=False))
        for code in np.flatnonzero(crossed).tolist():
            found.append((bid_of[code], "crossed", bid_of[code], ask_of[code]))
    if not found:
        return None
    first_found = min(found, key=lambda item: (int(ts[rows[item[0]]]), int(sequence[rows[item[0]]])))
    row, reason, one, two = first_found
    return InvalidSnapshots(
        len(found), int(ts[rows[row]]), int(sequence[rows[row]]), reason,
        _row(combined, int(rows[one])), _row(combined, int(rows[two])),
        bool(rows[one] < n_stored), bool(rows[two] < n_stored),
    )  # fmt: skip


def _keyed(combined: pa.Table, kind: DataKind) -> tuple[str, Int64Array, list[Int64Array]] | None:
    """The key's name, each row's key (int64 codes) and the value columns, for the kinds with a key.

    Book rows: a snapshot row's key is its level (``BOOK_LEVEL``); each delta row gets a key of
    its own, so delta rows never conflict (a batch may set one level twice)."""
    if kind in KEYS:
        key_name, value_names = KEYS[kind]
        return key_name, _codes(combined, [key_name])[0], _codes(combined, list(value_names))
    if kind is not DataKind.BOOK:
        return None
    level = _codes(combined, list(BOOK_LEVEL))
    keys = _group_codes(level)
    delta = level[BOOK_LEVEL.index("update_type")] != SNAPSHOT_ROW
    if delta.any():
        start = int(keys.max()) + 1
        keys[delta] = np.arange(start, start + int(delta.sum()), dtype=np.int64)
    return "level", keys, _codes(combined, ["size"])


def _group_codes(columns: list[Int64Array]) -> Int64Array:
    """One int64 code per distinct combination of ``columns`` (equal rows, equal codes)."""
    if len(columns[0]) == 0:
        return np.zeros(0, np.int64)
    inverse = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)[1]
    codes: Int64Array = inverse.reshape(-1).astype(np.int64)
    return codes


def _key_values(table: pa.Table, key_name: str, rows: BoolArray) -> pa.Array:
    """The distinct key values of ``rows``: the key column, or for book levels their columns as text."""
    mask = pa.array(rows)
    if key_name != "level":
        return pc.unique(table.column(key_name).filter(mask))
    parts = [table.column(name).combine_chunks().filter(mask).cast(pa.string()) for name in BOOK_LEVEL]
    return pc.unique(pc.binary_join_element_wise(*parts, ":"))


DayArray = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class TradeIds:
    """The trade ids of a write and the partition (UTC day) of each new trade."""

    ids: pa.Array
    periods: DayArray

    @classmethod
    def of(cls, new: pa.Table, periods: DayArray) -> TradeIds:
        return cls(new.column("trade_id").combine_chunks(), periods)

    def elsewhere(self, ids: pa.Array | pa.ChunkedArray, periods: DayArray) -> BoolArray:
        """Which stored ``ids`` (in the partitions ``periods``) a new trade of another partition carries."""
        if len(self.ids) == 0 or len(ids) == 0:
            return np.zeros(len(ids), np.bool_)
        position = pc.index_in(ids, value_set=self.ids)
        found = np.asarray(position.is_valid().to_numpy(zero_copy_only=False), np.bool_)
        index = np.asarray(pc.fill_null(position, 0).to_numpy(zero_copy_only=False), np.int64)
        elsewhere: BoolArray = found & (self.periods[index] != periods)
        return elsewhere


@dataclass(frozen=True)
class AcrossPartitions:
    """The trade ids of a write met in more than one partition (``across_partitions``).

    ``stored`` holds the stored trades of another partition than the new trade of their id and
    ``stored_periods`` their partitions; ``keys`` the conflicting ids (distinct) the policy does
    not resolve, with the first in time order as ``example`` (and its stored row's partition)."""

    stored: pa.Table
    stored_periods: DayArray
    keys: pa.Array
    example: KeyConflict | None
    example_period: np.datetime64 | None

    def removals(self) -> dict[np.datetime64, pa.Array]:
        """For ``REPLACE``: the ids to remove from each partition (all its rows of those ids)."""
        ids = self.stored.column("trade_id").combine_chunks()
        return {
            day: pc.unique(ids.filter(pa.array(self.stored_periods == day))) for day in np.unique(self.stored_periods)
        }


def across_partitions(
    new: pa.Table, trade_ids: TradeIds, stored: pa.Table, stored_periods: DayArray, on_conflict: OnConflict
) -> AcrossPartitions:
    """The conflicts of trade ids across partitions (see the module docstring).

    ``stored`` holds the stored trades whose id a new trade of another partition carries
    (``TradeIds.elsewhere``), ``stored_periods`` their partitions. Such a stored trade always
    differs from the new one (another day, another timestamp): a conflict that ``REPLACE``
    resolves. New trades of one id on different days are refused under either policy."""
    ids, periods = trade_ids.ids, trade_ids.periods
    first = np.arange(len(ids))  # each new trade's first new trade of its id
    if len(np.unique(periods)) > 1:
        first = np.asarray(pc.index_in(ids, value_set=ids).to_numpy(zero_copy_only=False), np.int64)
    twice = periods[first] != periods  # an id on two days of the new data
    stored_ids = stored.column("trade_id").combine_chunks()
    unresolved = [ids.filter(pa.array(twice))]
    if on_conflict is OnConflict.ERROR:
        unresolved.append(stored_ids)
    keys = pc.unique(pa.concat_arrays(unresolved))
    new_ts = new.column("ts").to_numpy()
    example: KeyConflict | None = None
    example_period: np.datetime64 | None = None
    if twice.any():
        row = int(np.flatnonzero(twice)[np.argmin(new_ts[twice])])
        example = KeyConflict("trade_id", ids[row].as_py(), True, _row(new, int(first[row])), _row(new, row))
    if on_conflict is OnConflict.ERROR and len(stored_ids):
        new_of_stored = np.asarray(pc.index_in(stored_ids, value_set=ids).to_numpy(zero_copy_only=False), np.int64)
        at = int(np.argmin(new_ts[new_of_stored]))
        other = KeyConflict(
            "trade_id",
            stored_ids[at].as_py(),
            False,
            _row(stored, at),
            _row(new, int(new_of_stored[at])),
        )
        if example is None or other.new_ts < example.new_ts:
            example, example_period = other, stored_periods[at]
    return AcrossPartitions(stored, stored_periods, keys, example, example_period)


def _unseen(combined: pa.Table, n_stored: int, kind: DataKind) -> BoolArray:
    """The new rows (after the first ``n_stored`` rows) beyond what the stored rows already hold."""
    n_new = combined.num_rows - n_stored
    if kind is not DataKind.TRADES:
        return _beyond(_codes(combined, combined.column_names), n_stored)
    by_content = _content_ids(combined.slice(n_stored))
    keep = np.ones(n_new, np.bool_)
    stored_rows = np.r_[np.ones(n_stored, np.bool_), np.zeros(n_new, np.bool_)]
    for subset, names in ((by_content, list(TRADE_CONTENT)), (~by_content, combined.column_names)):
        if subset.any():
            rows = stored_rows | np.r_[np.zeros(n_stored, np.bool_), subset]
            keys = [key[rows] for key in _codes(combined, names)]
            keep[subset] = _beyond(keys, n_stored)
    return keep


def _beyond(keys: list[Int64Array], n_stored: int) -> BoolArray:
    """For each row after the first ``n_stored``: is it a copy beyond those the first rows hold?"""
    occurrence = np.r_[occurrences([k[:n_stored] for k in keys]), occurrences([k[n_stored:] for k in keys])]
    # a (row, k-th copy) pair of the new rows is new when no stored pair equals it; lexsort is
    # stable, so an equal stored pair comes first and the new one counts 1
    first: BoolArray = occurrences([*keys, occurrence]) == 0
    return first[n_stored:]


def _codes(table: pa.Table, names: list[str]) -> list[Int64Array]:
    """Each column as int64 codes (text columns dictionary-encoded over the whole table)."""
    codes = []
    for name in names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = pc.dictionary_encode(column.combine_chunks())
            codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        else:
            codes.append(column.to_numpy().astype(np.int64))
    return codes


def _content_ids(new: pa.Table) -> BoolArray:
    """The trades whose id is their content, ``ts:price:size:aggressor:n`` (``identity.py``)."""
    same = np.zeros(new.num_rows, np.bool_)
    ids = new.column("trade_id").combine_chunks()
    colon = np.asarray(pc.fill_null(pc.match_substring(ids, ":"), False).to_numpy(zero_copy_only=False), np.bool_)
    if not colon.any():  # no content id (a file with real ids): skip building the content text
        return same
    mask = pa.array(colon)
    stems = pc.replace_substring_regex(ids.filter(mask), r":[0-9]+$", "")
    content = pc.binary_join_element_wise(
        *[new.column(name).combine_chunks().filter(mask).cast(pa.string()) for name in TRADE_CONTENT], ":"
    )
    equal = pc.fill_null(pc.equal(stems, content), False)
    same[colon] = np.asarray(equal.to_numpy(zero_copy_only=False), np.bool_)
    return same


def _disagreeing(keys: Int64Array, values: list[Int64Array], rows: BoolArray) -> Int64Array:
    """The keys that come with different values among ``rows``."""
    keys = keys[rows]
    if len(keys) == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    run_start = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1]
    first = np.repeat(run_start, np.diff(np.r_[run_start, len(ordered)]))  # each row's run's first row
    differs = np.zeros(len(ordered), np.bool_)
    for column in values:
        in_order = column[rows][order]
        differs |= in_order != in_order[first]
    found: Int64Array = np.unique(ordered[differs])
    return found


def _example(
    combined: pa.Table, n_stored: int, keys: Int64Array, values: list[Int64Array], conflicting: Int64Array,
    within: Int64Array, key_name: str,
) -> KeyConflict:  # fmt: skip
    """The first conflicting key in time order, with two rows that disagree on it."""
    rows = np.flatnonzero(np.isin(keys, conflicting) & (np.arange(len(keys)) >= n_stored))
    ts = combined.column("ts").to_numpy()
    row = int(rows[np.argmin(ts[rows])])
    within_new = bool(np.isin(keys[row], within))
    differs = np.zeros(len(keys), np.bool_)
    for column in values:
        differs |= column != column[row]
    candidates = np.flatnonzero((keys == keys[row]) & differs)
    candidates = candidates[candidates >= n_stored] if within_new else candidates[candidates < n_stored]
    other = int(candidates[0])
    first, second = (row, other) if within_new and row < other else (other, row)
    key_value = (
        ":".join(str(_cell(combined, name, row)) for name in BOOK_LEVEL)
        if key_name == "level"
        else _cell(combined, key_name, row)
    )
    return KeyConflict(key_name, key_value, within_new, _row(combined, first), _row(combined, second))


def _cell(table: pa.Table, name: str, row: int) -> int | str:
    value = table.column(name)[row].as_py()
    return value if isinstance(value, str) else int(value)


def _row(table: pa.Table, row: int) -> dict[str, int | str]:
    return {name: _cell(table, name, row) for name in table.column_names}


__all__ = [
    "BOOK_LEVEL",
    "BOOK_UPDATE",
    "KEYS",
    "AcrossPartitions",
    "DayArray",
    "InvalidSnapshots",
    "KeyConflict",
    "MergedPartition",
    "OnConflict",
    "TradeIds",
    "across_partitions",
    "invalid_snapshots",
    "merge_partition",
]
