"""Raw fixed-point columns to model objects (bars, quotes, trades, book snapshots and deltas).

Shared by the loaders and the catalog: the columns are the canonical ones of ``layouts.FIELDS``
with raw int64 values at scale 10**9, in time order, already validated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.model.data import (
    Bar,
    BarType,
    MarketData,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import AggressorSide, BookAction, BookSide
from nautilus_platform.model.values import Price, Quantity

SNAPSHOT_ROW = 1  # ``update_type`` codes of book rows: 1 part of a full snapshot, 2 a delta
DELTA_ROW = 2

BookItem = OrderBookSnapshot | OrderBookDeltas
CHUNK = 65_536


def build_objects(
    kind: DataKind,
    columns: dict[str, Int64Array],
    *,
    instrument_id: InstrumentId,
    price_precision: int,
    size_precision: int,
    bar_type: BarType | None = None,
    trade_ids: Sequence[str] = (),
) -> list[MarketData]:
    """The rows as model objects at the given precisions (book rows grouped per update)."""
    return list(
        iter_objects(
            kind, columns, instrument_id=instrument_id, price_precision=price_precision,
            size_precision=size_precision, bar_type=bar_type, trade_ids=trade_ids,
        )
    )  # fmt: skip


def iter_objects(
    kind: DataKind,
    columns: dict[str, Int64Array],
    *,
    instrument_id: InstrumentId,
    price_precision: int,
    size_precision: int,
    bar_type: BarType | None = None,
    trade_ids: Sequence[str] = (),
) -> Iterator[MarketData]:
    """Like ``build_objects``, one object at a time: a long backtest never holds them all (rows are
    converted to Python ints ``CHUNK`` at a time)."""
    if kind is DataKind.BOOK:
        items, failures = book_items(columns, instrument_id, price_precision, size_precision)
        if failures:
            raise failures[0][1]
        yield from items
        return
    n = len(columns["ts"])
    for start in range(0, n, CHUNK):
        chunk = {name: column[start : start + CHUNK].tolist() for name, column in columns.items()}
        ids = trade_ids[start : start + CHUNK] if trade_ids else ()
        yield from _rows(kind, chunk, instrument_id, price_precision, size_precision, bar_type, ids)


def _rows(
    kind: DataKind,
    cols: dict[str, list[int]],
    instrument_id: InstrumentId,
    pp: int,
    sp: int,
    bar_type: BarType | None,
    trade_ids: Sequence[str],
) -> Iterator[MarketData]:
    ts = cols["ts"]
    if kind is DataKind.BARS:
        if bar_type is None:
            raise ValidationError("bar_type", None, "is required to build bars")
        for t, o, h, lo, c, v in zip(
            ts, cols["open"], cols["high"], cols["low"], cols["close"], cols["volume"], strict=True
        ):
            yield Bar(
                bar_type=bar_type, open=Price(raw=o, precision=pp), high=Price(raw=h, precision=pp),
                low=Price(raw=lo, precision=pp), close=Price(raw=c, precision=pp),
                volume=Quantity(raw=v, precision=sp), ts_event=t, ts_init=t,
            )  # fmt: skip
    elif kind is DataKind.QUOTES:
        for t, bp, ap, bs, az in zip(
            ts, cols["bid_price"], cols["ask_price"], cols["bid_size"], cols["ask_size"], strict=True
        ):
            yield QuoteTick(
                instrument_id=instrument_id, bid_price=Price(raw=bp, precision=pp), ask_price=Price(raw=ap, precision=pp),
                bid_size=Quantity(raw=bs, precision=sp), ask_size=Quantity(raw=az, precision=sp), ts_event=t, ts_init=t,
            )  # fmt: skip
    else:
        sides = [AggressorSide(code) for code in cols["aggressor"]]
        for t, p, s, side, trade_id in zip(ts, cols["price"], cols["size"], sides, trade_ids, strict=True):
            yield TradeTick(
                instrument_id=instrument_id, price=Price(raw=p, precision=pp), size=Quantity(raw=s, precision=sp),
                aggressor_side=side, trade_id=trade_id, ts_event=t, ts_init=t,
            )  # fmt: skip


def book_groups(columns: dict[str, Int64Array]) -> list[Int64Array]:
    """Row indices of each book update: consecutive rows with one timestamp, sequence and row type."""
    n = len(columns["ts"])
    if n == 0:
        return []
    keys = np.stack([columns["ts"], columns["sequence"], columns["update_type"]], axis=1)
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
    bounds = [*starts.tolist(), n]
    return [np.arange(bounds[i], bounds[i + 1], dtype=np.int64) for i in range(len(starts))]


def book_items(
    columns: dict[str, Int64Array], instrument_id: InstrumentId, price_precision: int, size_precision: int
) -> tuple[list[BookItem], list[tuple[Int64Array, ValidationError]]]:
    """Snapshots and delta batches, plus the row groups that do not form a valid one."""
    pp, sp = price_precision, size_precision
    ts, seq, kinds = columns["ts"], columns["sequence"], columns["update_type"]
    side, price, size = columns["side"], columns["price"], columns["size"]
    items: list[BookItem] = []
    failures: list[tuple[Int64Array, ValidationError]] = []
    for rows in book_groups(columns):
        first = int(rows[0])
        t, sequence = int(ts[first]), int(seq[first])
        try:
            if kinds[first] == SNAPSHOT_ROW:
                levels: dict[BookSide, list[tuple[Price, Quantity]]] = {BookSide.BID: [], BookSide.ASK: []}
                for row in rows.tolist():
                    levels[BookSide(int(side[row]))].append(
                        (Price(raw=int(price[row]), precision=pp), Quantity(raw=int(size[row]), precision=sp))
                    )
                items.append(
                    OrderBookSnapshot.of(
                        instrument_id, levels[BookSide.BID], levels[BookSide.ASK], t, sequence=sequence
                    )
                )
            else:
                deltas = [
                    OrderBookDelta(
                        instrument_id=instrument_id, action=BookAction.DELETE if size[row] == 0 else BookAction.UPDATE,
                        side=BookSide(int(side[row])), price=Price(raw=int(price[row]), precision=pp),
                        size=Quantity(raw=int(size[row]), precision=sp), sequence=sequence, ts_event=t, ts_init=t,
                    )
                    for row in rows.tolist()
                ]  # fmt: skip
                items.append(OrderBookDeltas.of(deltas))
        except ValidationError as exc:
            failures.append((rows, exc))
    return items, failures
