"""The duplicate-timestamp check on L2 book files judges book updates, not rows: the levels of one
snapshot (or the rows of one delta batch) share its timestamp by design, so ``duplicate_timestamp``
under any policy never rejects or splits them; two snapshots (or two delta batches) at one time
are duplicates, all the rows of the later one counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_support import equity, write

from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HEADER = "timestamp,side,price,qty,last_update_id,update_type\n"
MS = 1_000_000
POLICIES = (Policy.REJECT, Policy.FLAG, Policy.IGNORE)


def book_policy(duplicate: Policy) -> ValidationPolicy:
    return ValidationPolicy.defaults(DataKind.BOOK).with_policies({Check.DUPLICATE_TIMESTAMP: duplicate})


def snapshot(ts: int, sequence: int, levels: int = 3, kind: str = "snap") -> str:
    bids = "".join(f"{ts},b,{100 - k}.00,1.000,{sequence},{kind}\n" for k in range(levels))
    return bids + "".join(f"{ts},a,{101 + k}.00,2.000,{sequence},{kind}\n" for k in range(levels))


@pytest.mark.parametrize("duplicate", POLICIES)
def test_levels_of_one_snapshot_are_one_item_under_every_policy(tmp_path: Path, duplicate: Policy) -> None:
    path = write(tmp_path, "book.csv", HEADER + snapshot(1_000, 1) + snapshot(2_000, 2) + snapshot(3_000, 3, 2, "set"))
    data = load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=book_policy(duplicate))
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (16, 16, 0, 0) and r.by_check == {}
    items = data.to_objects()
    assert [type(item) for item in items] == [OrderBookSnapshot, OrderBookSnapshot, OrderBookDeltas]
    assert [item.ts_event for item in items] == [1_000 * MS, 2_000 * MS, 3_000 * MS]
    first = items[0]
    assert isinstance(first, OrderBookSnapshot) and (len(first.bids), len(first.asks)) == (3, 3)


def test_a_second_snapshot_at_the_same_time_is_the_duplicate_whole(tmp_path: Path) -> None:
    # two snapshots at 1 s (sequences 1 and 2), then deltas at 1 s too: another type, not a duplicate
    text = HEADER + snapshot(1_000, 1) + snapshot(1_000, 2, 2) + snapshot(1_000, 3, 1, "set") + snapshot(2_000, 4)
    path = write(tmp_path, "book.csv", text)
    rejected = load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=book_policy(Policy.REJECT))
    r = rejected.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (18, 14, 0, 4)
    assert r.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 4}}
    assert sorted(i.row for i in r.issues) == [7, 8, 9, 10]  # every row of the second snapshot
    items = rejected.to_objects()
    assert [(type(item).__name__, item.ts_event) for item in items] == [
        ("OrderBookSnapshot", 1_000 * MS),
        ("OrderBookDeltas", 1_000 * MS),
        ("OrderBookSnapshot", 2_000 * MS),
    ]
    first = items[0]
    assert isinstance(first, OrderBookSnapshot) and first.sequence == 1 and len(first.bids) == 3
    flagged = load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=book_policy(Policy.FLAG))
    assert (flagged.report.accepted, flagged.report.flagged, flagged.report.rejected) == (14, 4, 0)
    assert len(flagged.to_objects()) == 4  # both snapshots kept, the second one reported


def test_a_second_delta_batch_at_the_same_time_is_the_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, "book.csv", HEADER + snapshot(1_000, 1, 2, "set") + snapshot(1_000, 2, 1, "set"))
    data = load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=book_policy(Policy.REJECT))
    assert (data.report.rows, data.report.accepted, data.report.rejected) == (6, 4, 2)
    (batch,) = data.to_objects()
    assert isinstance(batch, OrderBookDeltas) and len(batch.deltas) == 4


@pytest.mark.skipif(
    not (DATA / "README.md").exists(),
    reason=f"shared market data not found at {DATA} (a fresh clone without ../shared)",
)
@pytest.mark.parametrize("duplicate", POLICIES)
@pytest.mark.parametrize(("name", "kind"), [("depth-snap", OrderBookSnapshot), ("depth-update", OrderBookDeltas)])
def test_real_binance_depth_files_load_fully_under_every_policy(name: str, kind: type, duplicate: Policy) -> None:
    path = DATA / f"nautilus-binance-btcusdt-{name}.csv"
    strict = book_policy(duplicate).with_policies({Check.NON_MONOTONIC: Policy.REJECT})
    data = load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=strict)
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (100, 100, 0, 0) and r.by_check == {}
    (item,) = data.to_objects()
    assert isinstance(item, kind)
    if isinstance(item, OrderBookSnapshot):
        assert (len(item.bids), len(item.asks)) == (100, 0)
    else:
        assert isinstance(item, OrderBookDeltas) and len(item.deltas) == 100
