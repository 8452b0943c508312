"""Audit of the L2 book checks of the loader: one update delivered twice is a duplicate (not an
invalid book, and not a delta batch applied twice), the rows of an update split by another update
at the same time are one update, and every row is counted once under every policy.

A book update is identified by its timestamp, sequence and type (snapshot or deltas)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import (
    Check,
    DataKind,
    LoadedData,
    Policy,
    ValidationPolicy,
    layout_named,
    load_market_data,
)
from nautilus_platform.data.catalog import CatalogData, ParquetCatalog
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HEADER = "timestamp,side,price,qty,last_update_id,update_type\n"
MS = 1_000_000
POLICIES = (Policy.IGNORE, Policy.REJECT, Policy.FLAG)


def equity(price_precision: int, size_precision: int) -> Equity:
    return Equity(
        id=InstrumentId("TEST.XNAS"),
        price_precision=price_precision,
        size_precision=size_precision,
        tick_size=Price(raw=10 ** (9 - price_precision), precision=price_precision),
        lot_size=Quantity(raw=10 ** (9 - size_precision), precision=size_precision),
        quote_currency=USD,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def snapshot(ts: int, sequence: int, levels: int = 3, kind: str = "snap", best_bid: int = 100) -> str:
    bids = "".join(f"{ts},b,{best_bid - k}.00,1.000,{sequence},{kind}\n" for k in range(levels))
    return bids + "".join(f"{ts},a,{best_bid + 1 + k}.00,2.000,{sequence},{kind}\n" for k in range(levels))


def rows(ts: int, sequence: int, side: str, prices: list[int], kind: str = "snap", size: str = "1.000") -> str:
    return "".join(f"{ts},{side},{price}.00,{size},{sequence},{kind}\n" for price in prices)


def load(path: Path, duplicate: Policy = Policy.IGNORE) -> LoadedData:
    policy = ValidationPolicy.defaults(DataKind.BOOK).with_policies({Check.DUPLICATE_TIMESTAMP: duplicate})
    return load_market_data(path, layout_named("binance-depth"), equity(2, 3), policy=policy)


def summary(data: LoadedData | CatalogData) -> list[tuple[str, int, int, int, int]]:
    """(type, ms, sequence, bids or deltas, asks) per item."""
    out: list[tuple[str, int, int, int, int]] = []
    for item in data.to_objects():
        if isinstance(item, OrderBookSnapshot):
            out.append(("snap", item.ts_event // MS, item.sequence, len(item.bids), len(item.asks)))
        else:
            assert isinstance(item, OrderBookDeltas)
            out.append(("deltas", item.ts_event // MS, item.deltas[0].sequence, len(item.deltas), 0))
    return out


def assert_counted_once(data: LoadedData, file_rows: int) -> None:
    r = data.report
    assert r.rows == file_rows
    assert r.accepted + r.flagged + r.repaired + r.rejected == file_rows
    assert r.loaded == len(data)
    assert sum(counts.get("rejected", 0) for counts in r.by_check.values()) == r.rejected
    assert sum(counts.get("flagged", 0) for counts in r.by_check.values()) == r.flagged


@pytest.mark.parametrize("duplicate", POLICIES)
def test_a_snapshot_delivered_twice_is_a_duplicate_not_an_invalid_book(tmp_path: Path, duplicate: Policy) -> None:
    # before: all 12 rows of both copies rejected as invalid_book ("has duplicate price levels"),
    # the snapshot at 1 s lost
    path = write(tmp_path, "book.csv", HEADER + snapshot(1_000, 1) + snapshot(1_000, 1) + snapshot(2_000, 2))
    data = load(path, duplicate)
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (18, 12, 0, 6)
    assert r.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 6}}
    assert sorted(i.row for i in r.issues) == [7, 8, 9, 10, 11, 12]  # the second copy, whole
    assert summary(data) == [("snap", 1_000, 1, 3, 3), ("snap", 2_000, 2, 3, 3)]
    assert_counted_once(data, 18)


def test_a_snapshot_delivered_three_times_keeps_one(tmp_path: Path) -> None:
    path = write(tmp_path, "book.csv", HEADER + snapshot(1_000, 1, 2) * 3)
    data = load(path)
    assert (data.report.accepted, data.report.rejected) == (4, 8)
    assert data.report.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 8}}
    assert summary(data) == [("snap", 1_000, 1, 2, 2)]


@pytest.mark.parametrize("duplicate", POLICIES)
def test_a_delta_batch_delivered_twice_is_a_duplicate(tmp_path: Path, duplicate: Policy) -> None:
    # before: accepted whole under every policy, one batch of 8 deltas (the batch applied twice)
    batch = snapshot(2_000, 2, 2, "set")
    path = write(tmp_path, "book.csv", HEADER + snapshot(1_000, 1) + batch + batch)
    data = load(path, duplicate)
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (14, 10, 0, 4)
    assert r.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 4}}
    assert sorted(i.row for i in r.issues) == [11, 12, 13, 14]
    assert summary(data) == [("snap", 1_000, 1, 3, 3), ("deltas", 2_000, 2, 4, 0)]
    assert_counted_once(data, 14)


def test_a_parquet_book_file_with_a_repeated_snapshot(tmp_path: Path) -> None:
    text = snapshot(1_000, 1) + snapshot(1_000, 1)
    fields = [line.split(",") for line in text.splitlines()]
    table = pa.table(
        {
            "timestamp": pa.array([int(f[0]) for f in fields], pa.int64()),
            "side": [f[1] for f in fields],
            "price": pa.array([float(f[2]) for f in fields], pa.float64()),
            "qty": pa.array([float(f[3]) for f in fields], pa.float64()),
            "last_update_id": pa.array([int(f[4]) for f in fields], pa.int64()),
            "update_type": [f[5] for f in fields],
        }
    )
    path = tmp_path / "book.parquet"
    pq.write_table(table, path)
    data = load(path, Policy.REJECT)
    assert (data.report.rows, data.report.accepted, data.report.rejected) == (12, 6, 6)
    assert data.report.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 6}}
    assert summary(data) == [("snap", 1_000, 1, 3, 3)]


@pytest.mark.parametrize(
    ("duplicate", "counts", "items"),
    [
        # before: ignore gave three snapshots, the last (seq 1's asks alone) a partial book;
        # reject kept seq 1's bids alone and rejected its asks with seq 2 as duplicates
        (Policy.IGNORE, (6, 6, 0, 0), [("snap", 1_000, 1, 2, 2), ("snap", 1_000, 2, 1, 1)]),
        (Policy.REJECT, (6, 4, 0, 2), [("snap", 1_000, 1, 2, 2)]),
        (Policy.FLAG, (6, 4, 2, 0), [("snap", 1_000, 1, 2, 2), ("snap", 1_000, 2, 1, 1)]),
    ],
)
def test_a_snapshot_split_by_another_at_its_time_is_one_snapshot(
    tmp_path: Path, duplicate: Policy, counts: tuple[int, int, int, int], items: list[tuple[str, int, int, int, int]]
) -> None:
    text = (
        HEADER + rows(1_000, 1, "b", [100, 99]) + snapshot(1_000, 2, 1, best_bid=90) + rows(1_000, 1, "a", [101, 102])
    )
    data = load(write(tmp_path, "book.csv", text), duplicate)
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == counts
    assert Check.INVALID_BOOK not in r.by_check
    assert summary(data) == items
    assert "2 book rows were moved next to the earlier rows of their update" in " ".join(r.notes)
    assert_counted_once(data, 6)


def test_a_snapshot_repeated_after_another_at_its_time_is_a_duplicate(tmp_path: Path) -> None:
    # seq 1, seq 2, then seq 1 again, identical: the copy is a duplicate; seq 2 is kept (ignore)
    text = HEADER + snapshot(1_000, 1, 2) + snapshot(1_000, 2, 1, best_bid=90) + snapshot(1_000, 1, 2)
    data = load(write(tmp_path, "book.csv", text))
    assert (data.report.accepted, data.report.rejected) == (6, 4)
    assert data.report.by_check == {Check.DUPLICATE_TIMESTAMP: {"rejected": 4}}
    assert summary(data) == [("snap", 1_000, 1, 2, 2), ("snap", 1_000, 2, 1, 1)]


def test_a_level_listed_twice_with_other_sizes_is_still_an_invalid_book(tmp_path: Path) -> None:
    text = HEADER + rows(1_000, 1, "b", [100]) + rows(1_000, 1, "b", [100], size="3.000") + snapshot(2_000, 2)
    data = load(write(tmp_path, "book.csv", text))
    assert data.report.by_check == {Check.INVALID_BOOK: {"rejected": 2}}
    assert summary(data) == [("snap", 2_000, 2, 3, 3)]


def test_a_delta_batch_touching_one_level_twice_is_kept_whole(tmp_path: Path) -> None:
    # A, B, A is not a repeated block: the batch sets the level back, in order
    text = (
        HEADER
        + rows(1_000, 1, "b", [100], "set")
        + rows(1_000, 1, "b", [99], "set")
        + rows(1_000, 1, "b", [100], "set")
    )
    data = load(write(tmp_path, "book.csv", text))
    assert (data.report.accepted, data.report.rejected) == (3, 0)
    assert summary(data) == [("deltas", 1_000, 1, 3, 0)]


@pytest.mark.parametrize("duplicate", POLICIES)
def test_book_stream_cases_left_to_the_venue_rules_load_whole(tmp_path: Path, duplicate: Policy) -> None:
    # deltas before any snapshot, a delete of a level that is not there, a delta crossing the book
    # and a sequence going back are not the loader's to judge: the venue's book applies them by its
    # rules (a new level removes the levels of the other side it crosses)
    text = (
        HEADER
        + rows(1_000, 5, "b", [100], "set")
        + snapshot(2_000, 6)
        + rows(3_000, 7, "b", [50], "set", size="0")
        + rows(4_000, 8, "b", [105], "set")
        + rows(5_000, 3, "a", [110], "set")
    )
    data = load(write(tmp_path, "book.csv", text), duplicate)
    r = data.report
    assert (r.rows, r.accepted, r.rejected, r.by_check) == (10, 10, 0, {})
    assert [item[0] for item in summary(data)] == ["deltas", "snap", "deltas", "deltas", "deltas"]


def test_importing_a_book_file_twice_adds_nothing(tmp_path: Path) -> None:
    text = (
        HEADER
        + snapshot(1_000, 1)
        + snapshot(1_000, 1)
        + rows(2_000, 2, "b", [100])
        + snapshot(2_000, 3, 1, best_bid=90)
        + rows(2_000, 2, "a", [101])
        + snapshot(3_000, 4, 2, "set")
    )
    data = load(write(tmp_path, "book.csv", text))
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(data)
    first = catalog.query("book", "TEST.XNAS")
    catalog.write(load(tmp_path / "book.csv"))
    again = catalog.query("book", "TEST.XNAS")
    assert len(again) == len(first) == len(data) == 6 + 2 + 2 + 4
    assert again.to_objects() == first.to_objects() == data.to_objects()


def test_a_later_file_extending_a_stored_snapshot_keeps_it_one_snapshot(tmp_path: Path) -> None:
    # the catalog merges book rows by value: the level the second file adds to the snapshot at 1 s
    # joins that snapshot; before, it was stored after the deltas of that time and read back as a
    # second snapshot of one level (replacing the book with it)
    first = write(
        tmp_path,
        "a.csv",
        HEADER + rows(1_000, 1, "b", [100]) + rows(1_000, 1, "a", [101]) + rows(1_000, 2, "b", [99], "set"),
    )
    second = write(tmp_path, "b.csv", HEADER + rows(1_000, 1, "b", [100]) + rows(1_000, 1, "a", [101, 102]))
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(first))
    catalog.write(load(second))
    stored = catalog.query("book", "TEST.XNAS")
    assert len(stored) == 4
    assert summary(stored) == [("snap", 1_000, 1, 1, 2), ("deltas", 1_000, 2, 1, 0)]


@pytest.mark.skipif(not (DATA / "README.md").exists(), reason=f"shared market data not found at {DATA}")
@pytest.mark.parametrize("duplicate", POLICIES)
@pytest.mark.parametrize("name", ["depth-snap", "depth-update"])
def test_real_depth_files_load_as_before(name: str, duplicate: Policy) -> None:
    data = load(DATA / f"nautilus-binance-btcusdt-{name}.csv", duplicate)
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.repaired, r.rejected, r.by_check, r.notes) == (100, 100, 0, 0, 0, {}, [])
    assert len(data.to_objects()) == 1
