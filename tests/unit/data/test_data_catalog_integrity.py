"""The catalog's integrity: one bar per timestamp and one trade per id, old trade ids, all-or-nothing
writes, concurrent writers, ranges at the ends of the nanosecond range, empty results."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.catalog import CATALOG_FORMAT, CatalogConflictError, OnConflict, ParquetCatalog
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

S = 1_000_000_000
DAY = BarSpecification.from_str("1-DAY-LAST")
MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
YAHOO = "Date,Open,High,Low,Close,Volume\n"
OHLCV = "timestamp,open,high,low,close,volume\n"
TRADES = "timestamp,price,size,side\n"
FIRST = YAHOO + "2023-12-28,1,1,1,1,1\n2023-12-29,1,1,1,1,1\n2024-01-02,1,2,1,2,3\n"
#: a new bar in 2022 (its own partition), then 2024-01-02 again with another close
SECOND = YAHOO + "2022-06-01,1,1,1,1,1\n2024-01-02,1,2.5,1,2.5,3\n"
CLOSE_2024_01_02 = 1_704_240_000 * S  # the bar dated 2024-01-02 closes at 2024-01-03T00:00Z


def daily(tmp_path: Path, name: str, text: str, **overrides: Policy) -> LoadedData:
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check(k): v for k, v in overrides.items()})
    return load_market_data(write(tmp_path, name, text), layout_named("yahoo"), equity(), bar_spec=DAY, policy=policy)


def trades(tmp_path: Path, name: str, text: str, with_ids: bool = False) -> LoadedData:
    layout = layout_named("trades") if with_ids else layout_named("trades").with_columns(trade_id="")
    return load_market_data(write(tmp_path, name, text), layout, equity(2))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) and its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def closes(catalog: ParquetCatalog) -> dict[int, int]:
    data = catalog.query("bars-1-DAY-LAST", "TEST.XNAS")
    assert len(set(data.columns["ts"].tolist())) == len(data)  # one bar per timestamp
    return dict(zip(data.columns["ts"].tolist(), data.columns["close"].tolist(), strict=True))


def test_a_different_bar_for_a_stored_timestamp_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(daily(tmp_path, "a.csv", FIRST))
    before = snapshot(tmp_path / "cat")
    with pytest.raises(CatalogConflictError) as caught:
        catalog.write(daily(tmp_path, "b.csv", SECOND))
    error = caught.value
    message = str(error)
    for part in ("bars-1-DAY-LAST TEST.XNAS", "2024-01-03T00:00:00", "close=2.00", "close=2.50", "b.csv", "date=2024"):
        assert part in message
    assert (error.field, error.conflicts, error.example.key_value) == ("ts", 1, CLOSE_2024_01_02)
    # the 2022 bar, which conflicts with nothing, was not written either: all partitions or none
    assert snapshot(tmp_path / "cat") == before
    assert closes(catalog)[CLOSE_2024_01_02] == 2 * S


def test_the_same_minute_twice_with_other_values_is_refused_in_an_intraday_partition(tmp_path: Path) -> None:
    first = OHLCV + "2024-01-02T09:31:00Z,10,11,9,10,5\n2024-01-02T09:32:00Z,10,11,9,10,5\n"
    second = OHLCV + "2024-01-02T09:31:00Z,10,11,9,10.5,5\n2024-01-02T09:32:00Z,10,11,9,10,6\n"
    catalog = ParquetCatalog(tmp_path / "cat")
    load = layout_named("ohlcv")
    catalog.write(load_market_data(write(tmp_path, "a.csv", first), load, equity(), bar_spec=MINUTE))
    with pytest.raises(CatalogConflictError, match=r"2024-01-02T09:31:00.*close=10.00.*close=10.50") as caught:
        catalog.write(load_market_data(write(tmp_path, "b.csv", second), load, equity(), bar_spec=MINUTE))
    assert caught.value.conflicts == 2  # 09:31 (close) and 09:32 (volume); the first in time is shown
    assert len(catalog.query("bars-1-MINUTE-LAST", "TEST.XNAS")) == 2


def test_replace_puts_the_new_bar_in_place_of_the_stored_one(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(daily(tmp_path, "a.csv", FIRST))
    result = catalog.write(daily(tmp_path, "b.csv", SECOND), OnConflict.REPLACE)
    assert (result.rows, result.added, result.already_stored, result.replaced) == (2, 2, 0, 1)
    stored = closes(catalog)
    assert len(stored) == 4 and stored[CLOSE_2024_01_02] == 2_500_000_000
    again = catalog.write(daily(tmp_path, "b.csv", SECOND))  # now the same values: nothing to do, no conflict
    assert (again.added, again.already_stored, again.replaced) == (0, 2, 0)


def test_two_different_bars_at_one_timestamp_in_one_file_are_refused_even_with_replace(tmp_path: Path) -> None:
    text = YAHOO + "2024-01-02,1,2,1,2,3\n2024-01-02,1,3,1,3,3\n"
    data = daily(tmp_path, "dup.csv", text, duplicate_timestamp=Policy.FLAG)
    assert len(data) == 2  # the validation policy let both through, flagged
    catalog = ParquetCatalog(tmp_path / "cat")
    for policy in OnConflict:
        with pytest.raises(CatalogConflictError, match=r"dup.csv holds two different bars.*close=2.00.*close=3.00"):
            catalog.write(data, policy)
    assert not list((tmp_path / "cat").rglob("*.parquet"))
    same = daily(tmp_path, "same.csv", YAHOO + "2024-01-02,1,2,1,2,3\n" * 2, duplicate_timestamp=Policy.FLAG)
    assert catalog.write(same).added == 2  # a row that really repeats is not a conflict; it is kept


def test_a_trade_id_stored_with_other_content_is_refused(tmp_path: Path) -> None:
    header = "timestamp,price,size,side,trade_id\n"
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(trades(tmp_path, "a.csv", header + "2024-01-02T00:00:00Z,10.00,5,buy,a1\n", with_ids=True))
    corrected = trades(tmp_path, "b.csv", header + "2024-01-02T00:00:00Z,10.05,5,buy,a1\n", with_ids=True)
    with pytest.raises(CatalogConflictError, match=r"trade at trade_id a1: stored .*price=10.00.*price=10.05"):
        catalog.write(corrected)
    assert catalog.write(corrected, OnConflict.REPLACE).replaced == 1
    stored = catalog.query("trades", "TEST.XNAS")
    assert (stored.trade_ids, stored.columns["price"].tolist()) == (["a1"], [10_050_000_000])


def write_legacy_trades(root: Path, data: LoadedData) -> Path:
    """A trades dataset as versions before the format marker wrote it: row-number ids, no ``format``."""
    folder = root / "trades" / "TEST.XNAS"
    (folder / "date=2021-01-01").mkdir(parents=True)
    table = data.to_arrow().set_column(4, "trade_id", pa.array([str(i + 1) for i in range(len(data))]))
    pq.write_table(table, folder / "date=2021-01-01" / "data.parquet")
    meta = {
        "kind": "trades", "data_type": "trades", "instrument_id": "TEST.XNAS", "price_precision": 2,
        "size_precision": 0, "bar_type": None,
    }  # fmt: skip
    (folder / "_meta.json").write_text(json.dumps(meta))
    return folder


def test_trades_stored_with_row_number_ids_are_not_stored_again(tmp_path: Path) -> None:
    rows = "2021-01-01T00:00:01Z,10,1,buy\n2021-01-01T00:00:01Z,10,1,buy\n2021-01-01T00:00:02Z,11,1,sell\n"
    data = trades(tmp_path, "t.csv", TRADES + rows)
    folder = write_legacy_trades(tmp_path / "cat", data)
    catalog = ParquetCatalog(tmp_path / "cat")
    again = catalog.write(data)
    assert (again.added, again.already_stored) == (0, 3)
    more = catalog.write(trades(tmp_path, "more.csv", TRADES + rows + "2021-01-01T00:00:03Z,12,1,buy\n"))
    assert (more.added, more.already_stored) == (1, 3)
    stored = catalog.query("trades", "TEST.XNAS")
    assert stored.trade_ids == ["1", "2", "3", "1609459203000000000:12000000000:1000000000:1:0"]
    assert "format" not in json.loads((folder / "_meta.json").read_text())  # still a format-1 dataset


def test_new_datasets_record_their_format_and_a_newer_format_is_not_written(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(daily(tmp_path, "a.csv", FIRST))
    meta_path = tmp_path / "cat" / "bars-1-DAY-LAST" / "TEST.XNAS" / "_meta.json"
    meta = json.loads(meta_path.read_text())
    assert meta["format"] == CATALOG_FORMAT == 2
    meta_path.write_text(json.dumps({**meta, "format": CATALOG_FORMAT + 1}))
    with pytest.raises(ValidationError, match="format 3, written by a newer version"):
        catalog.write(daily(tmp_path, "b.csv", SECOND))


def test_a_failed_rename_puts_back_the_partitions_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(daily(tmp_path, "a.csv", FIRST))  # partitions 2023 and 2024
    before = snapshot(tmp_path / "cat")
    real_replace = os.replace
    renames: list[str] = []

    def failing_second_partition(src: str | Path, dst: str | Path) -> None:
        if str(src).endswith(".tmp") and Path(dst).name == "data.parquet":
            renames.append(str(dst))
            if len(renames) == 2:
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_second_partition)
    more = YAHOO + "2023-06-01,1,1,1,1,1\n2024-06-03,1,1,1,1,1\n"
    with pytest.raises(OSError, match="No space left"):
        catalog.write(daily(tmp_path, "more.csv", more))
    monkeypatch.undo()
    assert len(renames) == 2
    assert snapshot(tmp_path / "cat") == before  # the first partition is back; no temporary file is left
    # what a writer killed mid-write leaves behind goes with the next write
    killed = tmp_path / "cat" / "bars-1-DAY-LAST" / "TEST.XNAS" / "date=2023" / ".data.parquet.x1.tmp"
    killed.write_bytes(b"PAR1 half a file")
    assert catalog.write(daily(tmp_path, "more.csv", more)).added == 2
    assert not killed.exists()


def test_concurrent_writers_into_one_partition_lose_no_rows(tmp_path: Path) -> None:
    files = [
        daily(tmp_path, f"w{i}.csv", YAHOO + "".join(f"2023-{m:02d}-{10 + i:02d},1,1,1,1,1\n" for m in range(1, 13)))
        for i in range(8)
    ]
    catalog = ParquetCatalog(tmp_path / "cat")
    failures: list[BaseException] = []

    def writer(data: LoadedData) -> None:
        try:
            for _ in range(3):
                ParquetCatalog(tmp_path / "cat").write(data)
        except BaseException as exc:  # pragma: no cover - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(closes(catalog)) == 8 * 12
    assert not [p for p in (tmp_path / "cat").rglob("*") if p.name.endswith((".tmp", ".bak"))]


def test_ranges_reach_the_partitions_of_1677_and_2262(tmp_path: Path) -> None:
    data = daily(tmp_path, "edges.csv", YAHOO + "1677-12-30,1,1,1,1,1\n2262-01-02,1,1,1,1,1\n", gap=Policy.IGNORE)
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(data)
    early, late = data.columns["ts"].tolist()
    assert catalog.query("bars-1-DAY-LAST", "TEST.XNAS", start_ns=0).columns["ts"].tolist() == [late]
    assert catalog.query("bars-1-DAY-LAST", "TEST.XNAS", end_ns=0).columns["ts"].tolist() == [early]
    assert catalog.query("bars-1-DAY-LAST", "TEST.XNAS", early, late).columns["ts"].tolist() == [early]
    assert catalog.query("bars-1-DAY-LAST", "TEST.XNAS", early, late + 1).columns["ts"].tolist() == [early, late]


def test_an_empty_result_has_every_column_of_its_kind(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    rejected = daily(tmp_path, "bad.csv", YAHOO + "2024-01-02,1,1,1,x,1\n")
    assert len(rejected) == 0
    catalog.write(rejected)
    empty = catalog.query("bars-1-DAY-LAST", "TEST.XNAS")
    assert list(empty.columns) == ["ts", "open", "high", "low", "close", "volume"] and len(empty) == 0
    assert empty.to_objects() == []


def test_symbols_with_dots_and_nine_decimals_come_back_exactly(tmp_path: Path) -> None:
    share = Equity(
        id=InstrumentId("BRK.B.XNYS"), price_precision=9, size_precision=0, tick_size=Price.of("0.000000001"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    text = TRADES + "2024-01-02T14:30:00.123456789Z,9223372036.854775807,1,buy\n"
    data = load_market_data(write(tmp_path, "brk.csv", text), layout_named("trades").with_columns(trade_id=""), share)
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(data)
    (info,) = catalog.datasets()
    assert info.instrument_id == "BRK.B.XNYS"
    back = catalog.query("trades", "BRK.B.XNYS")
    assert back.columns["price"].tolist() == [9_223_372_036_854_775_807]
    assert back.columns["ts"].tolist() == [1_704_205_800_123_456_789]
    assert back.to_objects() == data.to_objects()
