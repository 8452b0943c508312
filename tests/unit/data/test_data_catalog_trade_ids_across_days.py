"""One trade per trade id in the whole dataset, not only in its UTC day: a re-import with the right
time zone (or a vendor's corrected file) moves trades across midnight, and the catalog must not
keep the old copy in the other day's partition."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.data import DataKind, layout_named, load_market_data
from nautilus_platform.data.catalog import CatalogConflictError, OnConflict, ParquetCatalog
from nautilus_platform.data.catalog_merge import merge_partition
from nautilus_platform.data.loaders import LoadedData

S = 1_000_000_000
HEADER = "timestamp,price,size,side,trade_id\n"
#: New York wall-clock times; read as UTC by mistake, then as America/New_York (UTC-5 in January)
LOCAL = HEADER + (
    "2024-01-01T19:00:00,10.00,1,buy,z1\n"  # UTC: 01-01 19:00, right: 01-02 00:00 (crosses midnight)
    "2024-01-02T10:00:00,10.10,2,sell,a0\n"  # 01-02 10:00 -> 01-02 15:00 (same day)
    "2024-01-02T20:30:00,10.20,3,buy,a1\n"  # 01-02 20:30 -> 01-03 01:30 (crosses)
    "2024-01-02T21:30:00,10.30,4,sell,a2\n"  # 01-02 21:30 -> 01-03 02:30 (crosses)
    "2024-01-03T01:00:00,10.40,5,buy,a3\n"  # 01-03 01:00 -> 01-03 06:00 (same day)
)
IDS = ["z1", "a0", "a1", "a2", "a3"]
WRONG = [1_704_135_600, 1_704_189_600, 1_704_227_400, 1_704_231_000, 1_704_243_600]
RIGHT = [(t + 5 * 3600) * S for t in WRONG]
DATASET = Path("trades") / "TEST.XNAS"


def load(tmp_path: Path, tz: str, text: str = LOCAL, name: str = "trades.csv") -> LoadedData:
    return load_market_data(write(tmp_path, name, text), layout_named("trades"), equity(2), tz=tz)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) and its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def partitions(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / DATASET).glob("date=*/data.parquet"))


def stored(catalog: ParquetCatalog) -> tuple[list[str], list[int]]:
    data = catalog.query("trades", "TEST.XNAS")
    return data.trade_ids, data.columns["ts"].tolist()


def test_a_re_import_that_moves_trades_across_midnight_is_refused_naming_both_copies(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load(tmp_path, "UTC"))
    assert partitions(tmp_path / "cat") == ["date=2024-01-01", "date=2024-01-02", "date=2024-01-03"]
    before = snapshot(tmp_path / "cat")
    with pytest.raises(CatalogConflictError) as caught:
        catalog.write(load(tmp_path, "America/New_York", name="corrected.csv"))
    error = caught.value
    flat = " ".join(str(error).split())
    # the first conflict in time: z1, now on 01-02, stored on 01-01 in another partition
    for part in ("trade_id z1", "stored ts=2024-01-01T19:00:00", "date=2024-01-01", "corrected.csv has"):
        assert part in flat
    assert "ts=2024-01-02T00:00:00" in flat
    assert (error.example.key_value, error.conflicts) == ("z1", 5)  # 3 across midnight, 2 within their day
    assert error.stored_in == tmp_path / "cat" / DATASET / "date=2024-01-01" / "data.parquet"
    assert snapshot(tmp_path / "cat") == before
    assert stored(catalog) == (IDS, [t * S for t in WRONG])


def test_a_corrected_file_whose_only_changes_cross_midnight_is_refused(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load(tmp_path, "UTC"))
    before = snapshot(tmp_path / "cat")
    # the vendor moved a1 and a2 past midnight (into 01-03) and added a trade; the rest is as stored
    corrected = LOCAL.replace("2024-01-02T20:30", "2024-01-03T00:15").replace("2024-01-02T21:30", "2024-01-03T00:30")
    corrected += "2024-01-03T02:00:00,10.50,6,buy,a4\n"
    with pytest.raises(CatalogConflictError, match=r"trade_id a1: stored ts=2024-01-02T20:30:00") as caught:
        catalog.write(load(tmp_path, "UTC", corrected, "vendor.csv"))
    assert caught.value.conflicts == 2
    assert snapshot(tmp_path / "cat") == before
    assert catalog.write(load(tmp_path, "UTC")).added == 0  # the stored file itself is still "already stored"


def test_replace_keeps_one_copy_of_each_trade_id_at_its_new_time(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load(tmp_path, "UTC"))
    result = catalog.write(load(tmp_path, "America/New_York"), OnConflict.REPLACE)
    assert (result.added, result.already_stored, result.replaced) == (5, 0, 5)
    assert stored(catalog) == (IDS, RIGHT)
    # 01-01 held only z1, now on 01-02: the partition and its folder are gone
    assert partitions(tmp_path / "cat") == ["date=2024-01-02", "date=2024-01-03"]
    assert not (tmp_path / "cat" / DATASET / "date=2024-01-01").exists()
    (info,) = catalog.datasets()
    assert (info.rows, info.partitions) == (5, 2)
    # importing the corrected file again is "already stored": no row, no conflict, no replacement
    again = catalog.write(load(tmp_path, "America/New_York"))
    assert (again.added, again.already_stored, again.replaced) == (0, 5, 0)
    assert stored(catalog) == (IDS, RIGHT)


def test_one_trade_id_on_two_days_of_one_file_is_refused_under_either_policy(tmp_path: Path) -> None:
    text = HEADER + "2024-01-02T12:00:00Z,10.00,1,buy,x1\n2024-01-03T12:00:00Z,10.00,1,buy,x1\n"
    catalog = ParquetCatalog(tmp_path / "cat")
    for policy in OnConflict:
        with pytest.raises(CatalogConflictError, match=r"twice.csv holds two different trades .* trade_id x1"):
            catalog.write(load(tmp_path, "UTC", text, "twice.csv"), policy)
    assert not list((tmp_path / "cat").rglob("*.parquet"))


def test_a_failed_rename_during_a_replace_across_days_puts_every_partition_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load(tmp_path, "UTC"))
    before = snapshot(tmp_path / "cat")
    real_replace = os.replace
    moves: list[str] = []

    def failing_last_partition(src: str | Path, dst: str | Path) -> None:
        if Path(src).name == "data.parquet" or (str(src).endswith(".tmp") and Path(dst).name == "data.parquet"):
            moves.append(Path(dst).parent.name if str(src).endswith(".tmp") else f"aside {Path(src).parent.name}")
            if Path(dst).parent.name == "date=2024-01-03":
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_last_partition)
    with pytest.raises(OSError, match="No space left"):
        catalog.write(load(tmp_path, "America/New_York"), OnConflict.REPLACE)
    monkeypatch.undo()
    # 01-01 was removed (moved aside) and 01-02 rewritten before 01-03 failed: both are back
    assert moves == ["aside date=2024-01-01", "date=2024-01-02", "date=2024-01-03"]
    assert snapshot(tmp_path / "cat") == before
    assert stored(catalog) == (IDS, [t * S for t in WRONG])
    assert catalog.write(load(tmp_path, "America/New_York"), OnConflict.REPLACE).replaced == 5
    assert stored(catalog) == (IDS, RIGHT)


def replace_day_by_day(root: Path, data: LoadedData) -> None:
    """A ``REPLACE`` write as versions that looked trade ids up in their own day only made it."""
    table = data.to_arrow()
    days = data.columns["ts"].astype("datetime64[ns]").astype("datetime64[D]")
    for day in np.unique(days):
        path = root / DATASET / f"date={day}" / "data.parquet"
        stored = pq.read_table(path) if path.exists() else None
        merged = merge_partition(stored, table.filter(pa.array(days == day)), DataKind.TRADES, OnConflict.REPLACE)
        path.parent.mkdir(exist_ok=True)
        pq.write_table(merged.table, path)


def test_trades_stored_twice_by_earlier_versions_are_reported_and_repaired_by_replace(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load(tmp_path, "UTC"))
    replace_day_by_day(tmp_path / "cat", load(tmp_path, "America/New_York"))
    ids, _ = stored(catalog)
    assert sorted(ids) == sorted([*IDS, "z1", "a1", "a2"])  # the old copies stayed on their day
    # the corrected file itself is stored, but the catalog holds other copies of three of its trades
    with pytest.raises(CatalogConflictError, match=r"trade_id z1: stored ts=2024-01-01T19:00:00") as caught:
        catalog.write(load(tmp_path, "America/New_York"))
    assert caught.value.conflicts == 3
    repaired = catalog.write(load(tmp_path, "America/New_York"), OnConflict.REPLACE)
    assert (repaired.added, repaired.already_stored, repaired.replaced) == (0, 5, 3)
    assert stored(catalog) == (IDS, RIGHT)
    assert partitions(tmp_path / "cat") == ["date=2024-01-02", "date=2024-01-03"]
