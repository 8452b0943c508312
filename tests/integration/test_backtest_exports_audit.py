"""Exports and the report of small scripted backtests: every file has its columns even when empty,
money is exact decimal text without its currency code (the code has a column), tiny crypto prices
are written in plain notation, the three formats read back the same exact values, open positions at
the end are shown in the report, and a price chart joins the files of one instrument."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from nautilus_platform.backtest.report import price_series, report_data, write_backtest_report
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import Bar, BarSpecification
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import CryptoSpot, Instrument
from nautilus_platform.model.values import BTC, USDT, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
TABLES = ("orders", "fills", "positions", "balances", "equity", "round_trips")


def crypto(symbol: str, price_precision: int, size_precision: int) -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId(symbol), price_precision=price_precision, size_precision=size_precision,
        tick_size=Price.of(Decimal(1).scaleb(-price_precision)), lot_size=Quantity.of(Decimal(1).scaleb(-size_precision)),
        quote_currency=USDT, base_currency=BTC, taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip


BTCUSDT = crypto("BTCUSDT.BINANCE", 2, 8)
PEPEUSDT = crypto("PEPEUSDT.BINANCE", 9, 0)


class Script(Strategy):
    """Market orders on given bars: ``plan`` maps a bar's number (from 0) to (side, quantity)."""

    def __init__(self, strategy_id: str, bar_type: str, plan: dict[int, tuple[OrderSide, str]]) -> None:
        super().__init__(strategy_id)
        self.bar_type, self.plan, self.seen = bar_type, plan, 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        step = self.plan.get(self.seen)
        if step is not None:
            instrument = self.cache.instrument(bar.instrument_id)
            self.submit(self.orders.market(bar.instrument_id, step[0], Quantity.of(step[1], instrument.size_precision)))
        self.seen += 1


def backtest(instrument: Instrument, data: list[LoadedData], plan: dict[int, tuple[OrderSide, str]]) -> BacktestResult:
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="BINANCE", fee_model=FeeModel()), AccountType.CASH, USDT,
        [Money.of(1_000_000, USDT), Money.of(0, BTC)],
    )  # fmt: skip
    strategy = Script("S1", f"{instrument.id}-1-MINUTE-LAST", plan)
    return run_backtest(BacktestConfig(venues=[venue], instruments=[instrument], data=data, strategies=[strategy]))


def bars(instrument: Instrument, n: int, price: float, **kwargs: object) -> LoadedData:
    return simulate_bars(instrument, MINUTE, n, seed=1, start_price=price, **kwargs)  # type: ignore[arg-type]


def read_all(folder: Path, name: str) -> dict[str, list[dict[str, object]]]:
    """The rows of one table from each format, CSV read as text (a reader's own type guessing aside)."""
    header = (folder / f"{name}.csv").read_text().splitlines()[0].replace('"', "").split(",")
    as_text = pacsv.read_csv(
        folder / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, "string"), strings_can_be_null=False),
    )
    return {
        "parquet": pq.read_table(folder / f"{name}.parquet").to_pylist(),
        "csv": as_text.to_pylist(),
        "json": json.loads((folder / f"{name}.json").read_text()),
    }


def test_an_empty_run_writes_every_table_with_its_columns(tmp_path: Path) -> None:
    result = backtest(BTCUSDT, [bars(BTCUSDT, 20, 43_251.57)], {})
    assert not result.fills and not result.orders
    result.export(tmp_path)
    for name in TABLES:
        columns = pq.read_table(tmp_path / f"{name}.parquet").column_names
        assert columns, name  # was a table without columns
        header = (tmp_path / f"{name}.csv").read_text().splitlines()[0]  # was an empty file
        assert header.replace('"', "").split(",") == columns
    fills = pq.read_table(tmp_path / "fills.parquet")
    assert fills.schema.field("ts").type == "int64" and fills.schema.field("price").type == "string"
    trips = pq.read_table(tmp_path / "round_trips.parquet")
    assert trips.schema.field("pnl").type == "double" and trips.schema.field("exit_ts").type == "int64"


@pytest.fixture(scope="module")
def crypto_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[BacktestResult, Path]:
    plan = {1: (OrderSide.BUY, "0.12345678"), 3: (OrderSide.SELL, "0.00000001"), 5: (OrderSide.SELL, "0.12345677")}
    result = backtest(BTCUSDT, [bars(BTCUSDT, 20, 43_251.57)], plan)
    assert len(result.fills) == 3 and len(result.round_trips) == 1
    folder = tmp_path_factory.mktemp("crypto")
    result.export(folder)
    return result, folder


def test_money_columns_are_exact_decimals_with_the_currency_in_its_own_column(
    crypto_run: tuple[BacktestResult, Path],
) -> None:
    result, folder = crypto_run
    fills = read_all(folder, "fills")
    for rows in fills.values():
        assert [Decimal(str(row["commission"])) for row in rows] == [f.commission.as_decimal() for f in result.fills]
        assert {row["commission_currency"] for row in rows} == {"USDT"}
        assert [(row["quantity"], row["price"]) for row in rows] == [
            (str(f.last_qty), str(f.last_px)) for f in result.fills
        ]
        assert [int(str(row["ts"])) for row in rows] == [f.ts_event for f in result.fills]  # UTC ns kept
    balances = read_all(folder, "balances")
    expected = [
        (b.currency.code, b.total.as_decimal(), b.free.as_decimal()) for s in result.account_states for b in s.balances
    ]
    for rows in balances.values():
        assert [(row["currency"], Decimal(str(row["total"])), Decimal(str(row["free"]))) for row in rows] == expected
    assert any(total == Decimal("0.12345678") for _, total, _ in expected)  # BTC to its 8 decimals
    positions = read_all(folder, "positions")
    for rows in positions.values():
        (row,) = rows
        assert Decimal(str(row["realized_pnl"])) == result.positions[0].realized_pnl.as_decimal()
        assert row["currency"] == "USDT"


def test_the_three_formats_read_back_the_same_values(crypto_run: tuple[BacktestResult, Path]) -> None:
    _, folder = crypto_run
    for name in ("orders", "fills", "positions", "balances"):
        formats = read_all(folder, name)
        as_text = {fmt: [{k: str(v) for k, v in row.items()} for row in rows] for fmt, rows in formats.items()}
        assert as_text["parquet"] == as_text["csv"] == as_text["json"], name


def test_tiny_prices_are_written_in_plain_notation(tmp_path: Path) -> None:
    plan = {1: (OrderSide.BUY, "1000000"), 2: (OrderSide.BUY, "1000000"), 5: (OrderSide.SELL, "1500000")}
    result = backtest(PEPEUSDT, [bars(PEPEUSDT, 20, 0.00000012)], plan)
    assert [str(f.last_px) for f in result.fills] == ["0.000000120"] * 3
    result.export(tmp_path)
    for name, column in (("orders", "avg_px"), ("positions", "avg_px_open"), ("positions", "avg_px_close")):
        for fmt, rows in read_all(tmp_path, name).items():
            values = [str(row[column]) for row in rows]
            assert values and all("E" not in v and Decimal(v) == Decimal("0.00000012") for v in values), (fmt, values)


def test_the_report_lists_positions_still_open_at_the_end(tmp_path: Path) -> None:
    data = bars(BTCUSDT, 20, 43_251.57)
    result = backtest(BTCUSDT, [data], {2: (OrderSide.BUY, "0.12345678")})
    assert not result.round_trips and result.statistics.trades == 0
    data_for_report = report_data(result, [data], "open")
    (title,) = data_for_report.extra_tables
    assert title == "Open positions at the end (1)"
    header, rows = data_for_report.extra_tables[title]
    assert dict(zip(header, rows[0], strict=True))["quantity"] == "0.12345678"
    assert any("still open at the end" in note for note in data_for_report.notes)
    text = write_backtest_report(result, [data], tmp_path / "r.html", "open").read_text()
    assert "Open positions at the end (1)" in text and "<td>0.12345678</td>" in text


def test_the_price_chart_joins_the_files_of_one_instrument() -> None:
    first = bars(BTCUSDT, 10, 43_251.57)
    second = bars(BTCUSDT, 10, 43_500.00, start_ns=int(first.columns["ts"][-1]) + 60 * 10**9)
    ts, price = price_series([second, first])["BTCUSDT.BINANCE"]  # was the first file's ten bars only
    assert ts.tolist() == sorted([*first.columns["ts"].tolist(), *second.columns["ts"].tolist()])
    assert price[0] == first.columns["close"][0] / 1e9 and price[-1] == second.columns["close"][-1] / 1e9


def test_balances_start_with_each_account_before_the_first_fill(tmp_path: Path) -> None:
    """Before: only the states after fills were kept, so an empty run exported no balance at all."""
    empty = backtest(BTCUSDT, [bars(BTCUSDT, 20, 43_251.57)], {})
    (start,) = empty.account_states
    assert start.reason == "start" and start.ts_event <= int(empty.equity.ts[0])
    empty.export(tmp_path)
    rows = read_all(tmp_path, "balances")["csv"]
    assert {(r["currency"], r["total"], r["free"]) for r in rows} == {
        ("USDT", "1000000.00000000", "1000000.00000000"),
        ("BTC", "0.00000000", "0.00000000"),
    }
    traded = backtest(BTCUSDT, [bars(BTCUSDT, 20, 43_251.57)], {2: (OrderSide.BUY, "0.5")})
    assert traded.account_states[0].reason == "start" and len(traded.account_states) == 2


def test_a_second_export_into_the_folder_leaves_no_table_of_the_first(tmp_path: Path) -> None:
    """Before: the first run's execution_quality files stayed beside the second run's tables."""
    stale = [tmp_path / f"execution_quality.{fmt}" for fmt in ("parquet", "csv", "json")]
    for path in stale:
        path.write_text("an earlier routed run")
    keep = tmp_path / "notes.txt"
    keep.write_text("the user's own")
    backtest(BTCUSDT, [bars(BTCUSDT, 20, 43_251.57)], {}).export(tmp_path)
    assert not any(path.exists() for path in stale) and keep.exists()
