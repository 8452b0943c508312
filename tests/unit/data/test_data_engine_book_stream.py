"""An instrument's book is one stream: snapshots and deltas share its time check."""

from __future__ import annotations

from data_support import FakeCore, equity

from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.data import OrderBookDelta, OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.enums import BookAction, BookSide
from nautilus_platform.model.values import Price, Quantity

IID = equity().id


def snapshot(ts: int) -> OrderBookSnapshot:
    return OrderBookSnapshot.of(IID, [(Price.of("10.00"), Quantity.of(5))], [(Price.of("10.02"), Quantity.of(5))], ts)


def deltas(ts: int) -> OrderBookDeltas:
    return OrderBookDeltas.of([
        OrderBookDelta(
            instrument_id=IID, action=BookAction.UPDATE, side=BookSide.BID, price=Price.of("9.99"),
            size=Quantity.of(3), sequence=0, ts_event=ts, ts_init=ts,
        )
    ])  # fmt: skip


def test_deltas_dated_before_the_last_snapshot_are_refused() -> None:
    # Before the fix snapshots and deltas were two streams: a delta from before the last snapshot
    # was taken and changed the book that snapshot had replaced.
    core = FakeCore()
    engine = MarketDataEngine(core)
    assert engine.process(snapshot(100))
    assert not engine.process(deltas(50))
    assert engine.rejected == {"time_backwards": 1}
    assert core.processed == [snapshot(100)]
    assert engine.process(deltas(100)) and engine.process(deltas(120))


def test_a_snapshot_dated_before_the_last_deltas_is_refused() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    assert engine.process(snapshot(100)) and engine.process(deltas(150))
    assert not engine.process(snapshot(120))
    assert engine.rejected == {"time_backwards": 1}
    assert engine.process(snapshot(150))
    assert core.processed == [snapshot(100), deltas(150), snapshot(150)]
