"""Book snapshots the catalog merges must read back, and book sequences that go back.

1. The catalog merges the new levels of a stored snapshot (same timestamp and sequence: one
   snapshot split across files). Before, levels that conflicted with none were merged even when
   the result was no valid snapshot (stored bid 100 / ask 101 plus a new bid 101.5: crossed), and
   ``query(...).to_objects()`` then raised. Now each stored snapshot a write changes is checked
   after the merge and an invalid one refuses the whole write (nothing written), under either
   policy; ``REPLACE`` of a snapshot with a conflicting level stores the new snapshot whole.
2. A book update whose sequence is lower than the update's before it (a feed reset or out of
   order) was accepted silently, with no way to find it; ``sequence_back`` now reports it
   (``flag``) or drops it (``reject``) when asked for (off by default: see ``validation.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import Check, LoadedData, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.catalog import CatalogConflictError, OnConflict, ParquetCatalog
from nautilus_platform.data.catalog_merge import merge_partition
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

HEADER = "timestamp,side,price,qty,last_update_id,update_type\n"
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DAY_MS = 86_400_000
STORED = ["1000,b,100.00,1.000,7,snap", "1000,a,101.00,2.000,7,snap"]
CROSSING = ["1000,b,101.50,1.000,7,snap"]  # same time and sequence, a level no stored row has


def equity() -> Equity:
    return Equity(
        id=InstrumentId("TEST.XNAS"), price_precision=2, size_precision=3,
        tick_size=Price(raw=10**7, precision=2), lot_size=Quantity(raw=10**6, precision=3), quote_currency=USD,
    )  # fmt: skip


def load(tmp_path: Path, name: str, rows: list[str], policy: ValidationPolicy | None = None) -> LoadedData:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return load_market_data(path, layout_named("binance-depth"), equity(), policy=policy)


def snapshots(catalog: ParquetCatalog) -> list[tuple[int, list[str], list[str]]]:
    out = []
    for item in catalog.query("book", "TEST.XNAS").to_objects():
        assert isinstance(item, OrderBookSnapshot)
        out.append((item.ts_event, [str(lv.price) for lv in item.bids], [str(lv.price) for lv in item.asks]))
    return out


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("on_conflict", [OnConflict.ERROR, OnConflict.REPLACE])
def test_a_level_that_would_cross_a_stored_snapshot_refuses_the_write(tmp_path: Path, on_conflict: OnConflict) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "a.csv", STORED))
    before = files(tmp_path / "catalog")
    with pytest.raises(CatalogConflictError) as caught:
        catalog.write(load(tmp_path, "b.csv", CROSSING), on_conflict)
    error = caught.value
    assert (getattr(error, "ts", None), getattr(error, "sequence", None)) == (1_000_000_000, 7)
    assert getattr(error, "reason", None) == "crossed"
    text = str(error)
    for part in ("TEST.XNAS", "1970-01-01T00:00:01.000000000Z sequence 7", "crossed", "101.50", "101.00"):
        assert part in text
    assert "Nothing was written" in text
    assert files(tmp_path / "catalog") == before  # nothing written
    assert snapshots(catalog) == [(1_000_000_000, ["100.00"], ["101.00"])]  # still reads back


def test_all_or_nothing_across_partitions(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "a.csv", STORED))
    before = files(tmp_path / "catalog")
    next_day = [f"{1000 + DAY_MS},b,100.00,1.000,9,snap", f"{1000 + DAY_MS},a,101.00,1.000,9,snap"]
    with pytest.raises(CatalogConflictError):
        catalog.write(load(tmp_path, "b.csv", CROSSING + next_day))
    assert files(tmp_path / "catalog") == before  # the valid next day was not written either
    assert len(snapshots(catalog)) == 1


def test_a_valid_split_snapshot_still_merges_and_reads_back(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "bids.csv", ["1000,b,100.00,1.000,7,snap", "1000,b,99.00,1.000,7,snap"]))
    result = catalog.write(load(tmp_path, "asks.csv", ["1000,a,101.00,1.000,7,snap", "1000,a,102.00,1.000,7,snap"]))
    assert result.added == 2
    assert snapshots(catalog) == [(1_000_000_000, ["100.00", "99.00"], ["101.00", "102.00"])]


def test_replace_of_a_conflicting_snapshot_stores_the_valid_new_snapshot_whole(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "catalog")
    catalog.write(load(tmp_path, "a.csv", STORED))
    # bid 100.00 with another size (a conflict) and a bid at 101.50, above the stored ask 101.00,
    # and the new snapshot's own ask at 102.00: valid alone, crossed if mixed with the stored ask
    corrected = ["1000,b,100.00,5.000,7,snap", "1000,b,101.50,1.000,7,snap", "1000,a,102.00,1.000,7,snap"]
    with pytest.raises(CatalogConflictError):
        catalog.write(load(tmp_path, "b.csv", corrected))
    result = catalog.write(load(tmp_path, "b.csv", corrected), OnConflict.REPLACE)
    assert result.replaced == 2
    assert snapshots(catalog) == [(1_000_000_000, ["101.50", "100.00"], ["102.00"])]


def test_a_merge_giving_a_snapshot_a_level_twice_is_invalid() -> None:
    def table(rows: list[tuple[int, int, int]]) -> pa.Table:
        n = len(rows)
        columns = {
            "ts": [1_000] * n, "side": [r[0] for r in rows], "price": [r[1] for r in rows],
            "size": [r[2] for r in rows], "sequence": [7] * n, "update_type": [1] * n,
        }  # fmt: skip
        return pa.table({name: pa.array(np.array(values, np.int64)) for name, values in columns.items()})

    stored = table([(1, 100, 5), (2, 101, 5)])
    merged = merge_partition(stored, table([(1, 100, 5), (1, 100, 5)]), DataKind.BOOK, OnConflict.ERROR)
    invalid = getattr(merged, "invalid", None)
    assert invalid is not None and invalid.reason == "duplicate level"
    assert (invalid.ts, invalid.sequence, invalid.count) == (1_000, 7, 1)
    assert merged.table is stored and not merged.changed
    # a new snapshot at another time touches no stored snapshot: merged as before
    later = table([(1, 100, 5)]).set_column(0, "ts", pa.array([2_000], pa.int64()))
    assert merge_partition(stored, later, DataKind.BOOK, OnConflict.ERROR).added == 1


def test_a_book_sequence_going_back_is_flagged_once_at_the_reset(tmp_path: Path) -> None:
    rows = [
        "1000,b,100.00,1.000,5,snap", "1000,a,101.00,1.000,5,snap",
        "2000,b,100.00,2.000,3,set", "2000,a,101.00,0.000,3,set",  # back from 5 to 3: a reset
        "3000,b,99.00,2.000,4,set",  # counts on from the reset: not flagged
        "4000,b,99.00,1.000,4,snap", "4000,a,101.00,1.000,4,snap",  # an equal sequence passes
    ]  # fmt: skip
    check = Check("sequence_back")
    books = ValidationPolicy.defaults(DataKind.BOOK)
    data = load(tmp_path, "reset.csv", rows, books.with_policies({check: Policy.FLAG}))
    report = data.report
    assert report.count(check, "flagged") == 2 == report.flagged
    assert (report.rows, report.accepted, report.rejected) == (7, 5, 0)
    issues = [(i.row, i.field, i.value) for i in report.issues if i.check is check]
    assert issues == [(3, "sequence", "3"), (4, "sequence", "3")]
    assert all("goes back from the sequence 5" in i.rule for i in report.issues if i.check is check)
    assert any("sequence_back" in note and "from 5 to 3" in note for note in report.notes)
    assert len(data) == 7 and isinstance(data.to_objects()[1], OrderBookDeltas)

    rejected = load(tmp_path, "reset.csv", rows, books.with_policies({check: Policy.REJECT}))
    assert (rejected.report.count(check, "rejected"), len(rejected)) == (2, 5)
    ignored = load(tmp_path, "reset.csv", rows, books.with_policies({check: Policy.IGNORE}))
    assert (ignored.report.flagged, ignored.report.accepted, ignored.report.by_check) == (0, 7, {})


def test_the_binance_depth_files_pass_the_sequence_check() -> None:
    policy = ValidationPolicy.defaults(DataKind.BOOK).with_policies({Check("sequence_back"): Policy.FLAG})
    for name in ("snap", "update"):
        path = DATA / f"nautilus-binance-btcusdt-depth-{name}.csv"
        data = load_market_data(path, layout_named("binance-depth"), equity(), policy=policy)
        report = data.report
        assert (report.rows, report.accepted, report.flagged, report.rejected) == (100, 100, 0, 0)
        assert report.count(Check("sequence_back")) == 0
