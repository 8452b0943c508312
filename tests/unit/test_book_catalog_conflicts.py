"""Book data the catalog cannot read back, and partial snapshots.

1. A snapshot level (timestamp, sequence, type, side, price) stored with one size and imported
   again with another is a conflict: refused under ``OnConflict.ERROR`` (nothing written),
   the stored snapshot replaced whole under ``OnConflict.REPLACE``. Before, the two sizes were
   merged into one snapshot and ``query(...).to_objects()`` raised "duplicate price levels".
   Delta rows have no key: a batch may set one level twice.
2. A snapshot that lost a row to a single-row check (off the tick, non-positive price…) is
   rejected whole as ``invalid_book``: replayed, a partial snapshot would replace the book and
   delete the missing levels. Before, the rest of the snapshot was accepted as a smaller one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import Check, LoadedData, layout_named, load_market_data
from nautilus_platform.data.catalog import CatalogConflictError, OnConflict, ParquetCatalog
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.enums import BookAction
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

HEADER = "timestamp,side,price,qty,last_update_id,update_type\n"
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def equity() -> Equity:
    return Equity(
        id=InstrumentId("TEST.XNAS"), price_precision=2, size_precision=3,
        tick_size=Price(raw=10**7, precision=2), lot_size=Quantity(raw=10**6, precision=3), quote_currency=USD,
    )  # fmt: skip


def load(tmp_path: Path, name: str, rows: list[str]) -> LoadedData:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return load_market_data(path, layout_named("binance-depth"), equity())


SNAP = ["1000,b,100.00,1.000,7,snap", "1000,b,99.00,1.000,7,snap", "1000,a,101.00,2.000,7,snap"]
# the same snapshot, bid 100.00 with another size, ask 101.00 gone, a new ask 102.00
CORRECTED = ["1000,b,100.00,5.000,7,snap", "1000,b,99.00,1.000,7,snap", "1000,a,102.00,2.000,7,snap"]
LATER = ["2000,b,100.00,1.000,8,snap", "2000,a,101.00,1.000,8,snap"]


def levels(catalog: ParquetCatalog) -> list[tuple[int, list[tuple[str, str]], list[tuple[str, str]]]]:
    out = []
    for item in catalog.query("book", "TEST.XNAS").to_objects():
        assert isinstance(item, OrderBookSnapshot)
        bids = [(str(level.price), str(level.size)) for level in item.bids]
        asks = [(str(level.price), str(level.size)) for level in item.asks]
        out.append((item.ts_event, bids, asks))
    return out


def test_a_snapshot_level_with_another_size_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "a.csv", SNAP))
    before = levels(catalog)
    # the conflicting file also brings a new snapshot: all or nothing, it is not written either
    with pytest.raises(CatalogConflictError, match=r"different book snapshot level.*sequence 7 BID 100\.00") as caught:
        catalog.write(load(tmp_path, "b.csv", CORRECTED + LATER))
    assert caught.value.conflicts == 1
    assert "size=1.000" in caught.value.rule and "size=5.000" in caught.value.rule
    assert levels(catalog) == before  # before the fix: ValidationError "duplicate price levels"
    assert len(before) == 1


def test_replace_replaces_the_whole_stored_snapshot(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "a.csv", SNAP + LATER))
    result = catalog.write(load(tmp_path, "b.csv", CORRECTED), OnConflict.REPLACE)
    assert result.replaced == 3  # every stored level of the snapshot at 1000 ms
    assert levels(catalog) == [
        (1_000_000_000, [("100.00", "5.000"), ("99.00", "1.000")], [("102.00", "2.000")]),  # ask 101.00 gone
        (2_000_000_000, [("100.00", "1.000")], [("101.00", "1.000")]),
    ]


def test_identical_and_split_snapshots_still_merge(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "bids.csv", SNAP[:2]))
    assert catalog.write(load(tmp_path, "all.csv", SNAP)).added == 1  # the asks of the stored snapshot
    again = catalog.write(load(tmp_path, "all.csv", SNAP))
    assert (again.added, again.already_stored, again.replaced) == (0, 3, 0)
    assert levels(catalog) == [(1_000_000_000, [("100.00", "1.000"), ("99.00", "1.000")], [("101.00", "2.000")])]


def test_delta_rows_have_no_level_key(tmp_path: Path) -> None:
    # a batch may set one level twice (applied in order, the last wins): valid, loaded and stored
    batch = ["1000,b,100.00,1.000,7,set", "1000,b,100.00,0.000,7,set"]
    data = load(tmp_path, "d.csv", batch)
    assert data.report.rejected == 0
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(data)
    (deltas,) = catalog.query("book", "TEST.XNAS").to_objects()
    assert isinstance(deltas, OrderBookDeltas)
    assert [d.action for d in deltas.deltas] == [BookAction.UPDATE, BookAction.DELETE]


@pytest.mark.parametrize(
    ("bad", "check"),
    [("1000,b,99.005,1.000,7,snap", Check.OFF_INCREMENT), ("1000,b,-99.00,1.000,7,snap", Check.NON_POSITIVE_PRICE)],
)
def test_a_snapshot_that_lost_a_row_is_rejected_whole(tmp_path: Path, bad: str, check: Check) -> None:
    data = load(tmp_path, "book.csv", [SNAP[0], bad, SNAP[2], *LATER])
    r = data.report
    assert (r.rows, r.accepted, r.rejected) == (5, 2, 3)  # each row counted once
    assert r.by_check == {check: {"rejected": 1}, Check.INVALID_BOOK: {"rejected": 2}}
    assert sorted(i.row for i in r.issues if i.check is Check.INVALID_BOOK) == [1, 3]
    assert any("replace the whole book" in i.rule for i in r.issues)
    (only,) = data.to_objects()  # before the fix: a two-level snapshot at 1000 ms came first
    assert isinstance(only, OrderBookSnapshot) and only.ts_event == 2_000_000_000


def test_a_delta_batch_that_lost_a_row_keeps_its_other_rows(tmp_path: Path) -> None:
    data = load(tmp_path, "d.csv", ["1000,b,100.00,1.000,7,set", "1000,b,99.005,1.000,7,set"])
    assert data.report.by_check == {Check.OFF_INCREMENT: {"rejected": 1}}
    (deltas,) = data.to_objects()
    assert isinstance(deltas, OrderBookDeltas) and len(deltas.deltas) == 1


def test_real_depth_snapshot_at_a_too_coarse_size_precision_is_rejected_whole() -> None:
    coarse = Equity(
        id=InstrumentId("BTCUSDT-PERP.BINANCE"), price_precision=2, size_precision=2,
        tick_size=Price(raw=10**7, precision=2), lot_size=Quantity(raw=10**7, precision=2), quote_currency=USD,
    )  # fmt: skip
    data = load_market_data(DATA / "nautilus-binance-btcusdt-depth-snap.csv", layout_named("binance-depth"), coarse)
    r = data.report
    # 94 of its 100 sizes carry 3 decimals; before the fix the other 6 loaded as a 6-level snapshot
    assert r.by_check == {Check.OFF_INCREMENT: {"rejected": 94}, Check.INVALID_BOOK: {"rejected": 6}}
    assert (r.rows, r.rejected, len(data)) == (100, 100, 0)
