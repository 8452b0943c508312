"""The Parquet catalog: partitions, idempotent imports, range queries, objects read back equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_support import equity, write

from nautilus_platform.core.errors import NotFoundError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.data.catalog import ParquetCatalog
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

S = 1_000_000_000
DAY = 86_400 * S
QUOTES = """timestamp,bid,ask,bid_size,ask_size
2024-01-02T23:59:59Z,10.00,10.01,5,5
2024-01-03T00:00:00Z,10.00,10.02,5,5
2024-01-03T00:00:00Z,10.00,10.02,5,5
2024-01-03T00:00:01Z,10.01,10.02,1,2
"""
MORE_QUOTES = """timestamp,bid,ask,bid_size,ask_size
2024-01-03T00:00:01Z,10.01,10.02,1,2
2024-01-03T00:00:02Z,10.02,10.03,1,2
"""


def quotes(tmp_path: Path, text: str = QUOTES, name: str = "q.csv", pp: int = 2) -> LoadedData:
    return load_market_data(write(tmp_path, name, text), layout_named("quotes"), equity(pp))


def test_partitions_by_type_instrument_and_utc_day(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    result = catalog.write(quotes(tmp_path))
    assert (result.rows, result.added, result.already_stored, result.partitions) == (4, 4, 0, 2)
    parts = sorted(p.relative_to(tmp_path / "cat").as_posix() for p in (tmp_path / "cat").rglob("*.parquet"))
    assert parts == ["quotes/TEST.XNAS/date=2024-01-02/data.parquet", "quotes/TEST.XNAS/date=2024-01-03/data.parquet"]


def test_importing_twice_or_overlapping_never_duplicates_but_keeps_real_repeats(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(quotes(tmp_path))
    again = catalog.write(quotes(tmp_path))
    assert (again.added, again.already_stored) == (0, 4)
    overlap = catalog.write(quotes(tmp_path, MORE_QUOTES, "more.csv"))
    assert (overlap.added, overlap.already_stored) == (1, 1)
    (info,) = catalog.datasets()
    assert info.rows == 5  # the repeated 00:00:00 quote in the first file is kept twice
    stored = catalog.query("quotes", "TEST.XNAS")
    assert stored.columns["ts"].tolist() == sorted(stored.columns["ts"].tolist())


def test_range_queries_cut_on_ts_and_objects_round_trip(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    data = quotes(tmp_path)
    catalog.write(data)
    everything = catalog.query("quotes", "TEST.XNAS")
    assert everything.to_objects() == data.to_objects()
    midnight = 1_704_240_000 * S  # 2024-01-03T00:00Z
    assert len(catalog.query("quotes", "TEST.XNAS", start_ns=midnight)) == 3
    assert len(catalog.query("quotes", "TEST.XNAS", end_ns=midnight)) == 1
    assert len(catalog.query("quotes", "TEST.XNAS", midnight, midnight + S)) == 2
    assert len(catalog.query("quotes", "TEST.XNAS", midnight + 10 * DAY)) == 0
    with pytest.raises(ValidationError, match="end"):
        catalog.query("quotes", "TEST.XNAS", midnight, midnight - 1)


def test_unknown_dataset_names_what_the_catalog_has(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(quotes(tmp_path))
    with pytest.raises(NotFoundError, match=r"no dataset trades TEST.XNAS.*quotes TEST.XNAS"):
        catalog.query("trades", "TEST.XNAS")


def test_a_dataset_keeps_its_precisions(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(quotes(tmp_path))
    with pytest.raises(ValidationError, match="price_precision"):
        catalog.write(quotes(tmp_path, pp=4))


def test_daily_bars_are_one_partition_a_year_and_instrument_ids_with_slashes(tmp_path: Path) -> None:
    text = "Date,Open,High,Low,Close,Volume\n2023-12-29,1,1,1,1,1\n2024-01-02,1,2,1,2,3\n"
    pair = Equity(
        id=InstrumentId("BTC/USD.COINBASE"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    bars = load_market_data(
        write(tmp_path, "y.csv", text), layout_named("yahoo"), pair, bar_spec=BarSpecification.from_str("1-DAY-LAST")
    )
    catalog = ParquetCatalog(tmp_path / "cat")
    assert catalog.write(bars).partitions == 2
    (info,) = catalog.datasets()
    assert (info.data_type, info.instrument_id, info.rows, info.partitions) == (
        "bars-1-DAY-LAST",
        "BTC/USD.COINBASE",
        2,
        2,
    )
    back = catalog.query("bars-1-DAY-LAST", "BTC/USD.COINBASE")
    assert back.to_objects() == bars.to_objects()


def test_trades_and_books_round_trip(tmp_path: Path) -> None:
    trades = "timestamp,price,size,side,trade_id\n2024-01-02T00:00:00Z,10.00,5,buy,a1\n2024-01-02T00:00:01Z,10.01,3,sell,a2\n"
    data = load_market_data(write(tmp_path, "t.csv", trades), layout_named("trades"), equity(2))
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(data)
    assert catalog.write(data).added == 0
    assert catalog.query("trades", "TEST.XNAS").to_objects() == data.to_objects()
    book = (
        "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
        "X,1000,1,10,b,snap,99.9,1.0,-1\nX,1000,1,10,a,snap,100.1,2.0,-1\nX,2000,11,12,b,set,99.9,0,10\n"
    )
    depth = load_market_data(write(tmp_path, "d.csv", book), layout_named("binance-depth"), equity(2, 1))
    catalog.write(depth)
    assert catalog.query("book", "TEST.XNAS").to_objects() == depth.to_objects()


def test_overlapping_trade_files_without_ids_are_stored_once(tmp_path: Path) -> None:
    header = "timestamp,price,size,side\n"
    first = header + "2021-01-01T00:00:01Z,10,1,buy\n2021-01-01T00:00:02Z,11,1,sell\n2021-01-01T00:00:03Z,12,1,buy\n"
    second = header + "2021-01-01T00:00:02Z,11,1,sell\n2021-01-01T00:00:03Z,12,1,buy\n2021-01-01T00:00:04Z,13,1,buy\n"
    layout = layout_named("trades").with_columns(trade_id="")
    catalog = ParquetCatalog(tmp_path / "cat")
    catalog.write(load_market_data(write(tmp_path, "a.csv", first), layout, equity(2)))
    overlap = catalog.write(load_market_data(write(tmp_path, "b.csv", second), layout, equity(2)))
    assert (overlap.added, overlap.already_stored) == (1, 2)
    stored = catalog.query("trades", "TEST.XNAS")
    assert len(stored) == 4 and len(set(stored.trade_ids)) == 4


def test_identical_trades_without_ids_in_one_file_stay_two_trades(tmp_path: Path) -> None:
    text = "timestamp,price,size,side\n2021-01-01T00:00:01Z,10,1,buy\n2021-01-01T00:00:01Z,10,1,buy\n"
    data = load_market_data(write(tmp_path, "t.csv", text), layout_named("trades").with_columns(trade_id=""), equity(2))
    assert data.trade_ids == [
        "1609459201000000000:10000000000:1000000000:1:0",
        "1609459201000000000:10000000000:1000000000:1:1",
    ]
    catalog = ParquetCatalog(tmp_path / "cat")
    assert catalog.write(data).added == 2
    assert catalog.write(data).added == 0
    assert len(catalog.query("trades", "TEST.XNAS")) == 2


def test_a_file_as_catalog_root_is_a_clear_error(tmp_path: Path) -> None:
    root = write(tmp_path, "not-a-folder", "")
    catalog = ParquetCatalog(root)
    for call in (lambda: catalog.write(quotes(tmp_path)), catalog.datasets, lambda: catalog.query("quotes", "X.Y")):
        with pytest.raises(ValidationError, match=r"catalog.*must be a folder"):
            call()
    with pytest.raises(ValidationError, match=r"catalog.*cannot hold"):
        ParquetCatalog(root / "below").write(quotes(tmp_path))
