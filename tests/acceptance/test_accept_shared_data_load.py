"""Acceptance: every real file in ../shared/data loads through a layout preset, and the report
agrees with what the data README says about each file (rows, missing values, duplicates, gaps)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import Check, DataKind, LoadedData, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.model.data import Bar, BarSpecification, OrderBookDeltas, OrderBookSnapshot, QuoteTick, TradeTick
from nautilus_platform.model.enums import AggressorSide, BookAction
from nautilus_platform.model.instruments import CryptoSpot, Equity, Instrument
from nautilus_platform.model.values import ADA, BTC, EUR, USD, USDT, Currency, Price, Quantity

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(
    not (DATA / "README.md").exists(),
    reason=f"shared market data not found at {DATA} (a fresh clone without ../shared)",
)
DAY = BarSpecification.from_str("1-DAY-LAST")
MS = 1_000_000


def instrument(symbol: str, pp: int, sp: int, currency: Currency = USD, tick: str | None = None) -> Instrument:
    tick_size = Price.of(tick) if tick else Price(raw=10 ** (9 - pp), precision=pp)
    lot = Quantity(raw=10 ** (9 - sp), precision=sp)
    return Equity(
        id=InstrumentId(symbol),
        price_precision=pp,
        size_precision=sp,
        tick_size=tick_size,
        lot_size=lot,
        quote_currency=currency,
    )


def crypto(symbol: str, pp: int, sp: int, base: Currency, quote: Currency) -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId(symbol), price_precision=pp, size_precision=sp, tick_size=Price(raw=10 ** (9 - pp), precision=pp),
        lot_size=Quantity(raw=10 ** (9 - sp), precision=sp), quote_currency=quote, base_currency=base,
        taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "rows", "first_close"),
    [("orcl-1995-2014", 5036, "2.117284"), ("nvda-1999-2014", 4012, "1.640625"), ("yhoo-1996-2014", 4713, "1.375000")],
)
def test_yahoo_daily_files(name: str, rows: int, first_close: str) -> None:
    data = load_market_data(
        DATA / f"backtrader-{name}.txt", layout_named("yahoo"), instrument("X.XNAS", 6, 0), bar_spec=DAY
    )
    r = data.report
    assert (r.rows, r.rejected, r.repaired) == (rows, 0, 0)  # no missing values, duplicates or OHLC errors
    assert r.flagged == r.gaps > 0  # US holidays show up as missing weekdays
    bars = data.to_objects()
    assert isinstance(bars[0], Bar) and str(bars[0].close) == first_close


def test_backtrader_2006_index_has_five_missing_weekdays() -> None:
    data = load_market_data(
        DATA / "backtrader-2006-day-001.txt",
        layout_named("backtrader"),
        instrument("SX5E.EUX", 2, 0, EUR),
        bar_spec=DAY,
    )
    r = data.report
    assert (r.rows, r.rejected, r.missing_intervals) == (255, 0, 5)  # the README's five European holidays
    assert set(data.columns["volume"].tolist()) == {0}


def test_backtrader_2006_futures_on_a_whole_point_tick() -> None:
    path = DATA / "backtrader-2006-volume-day-001.txt"
    data = load_market_data(path, layout_named("backtrader"), instrument("FESX.EUX", 0, 0, EUR), bar_spec=DAY)
    assert (data.report.rows, data.report.rejected) == (255, 0)
    assert min(data.columns["volume"].tolist()) == 164_794 * 10**9


@pytest.mark.parametrize(("day", "rows"), [("27", 10), ("28", 11)])
def test_binance_klines_headerless_ms(day: str, rows: int) -> None:
    path = DATA / f"nautilus-ADABTC-1m-2021-11-{day}.csv"
    data = load_market_data(
        path, layout_named("binance-klines"), crypto("ADABTC.BINANCE", 8, 1, ADA, BTC),
        bar_spec=BarSpecification.from_str("1-MINUTE-LAST"),
    )  # fmt: skip
    assert (data.report.rows, data.report.accepted) == (rows, rows)
    first = data.to_objects()[0]
    assert isinstance(first, Bar)
    midnight_ms = {"27": 1_637_971_200_000, "28": 1_638_057_600_000}[day]
    assert first.ts_event == (midnight_ms + 60_000) * MS  # close_time + 1 ms: the bar's close
    assert first.close.precision == 8


def test_binance_quotes_parquet_flags_the_23_duplicate_timestamps() -> None:
    data = load_market_data(
        DATA / "nautilus-binance-btcusdt-quotes.parquet",
        layout_named("binance-quotes"),
        crypto("BTCUSDT.BINANCE", 2, 6, BTC, USDT),
    )
    r = data.report
    assert (r.rows, r.rejected, r.count(Check.DUPLICATE_TIMESTAMP, "flagged")) == (451, 0, 23)
    assert r.count(Check.CROSSED_QUOTE) == 0
    quotes = [q for q in data.to_objects() if isinstance(q, QuoteTick)]
    assert len(quotes) == 451 and all(q.bid_price <= q.ask_price for q in quotes)


def test_binance_trades_parquet_aggressor_from_buyer_maker_text() -> None:
    data = load_market_data(
        DATA / "nautilus-binance-btcusdt-trades.parquet",
        layout_named("binance-trades"),
        crypto("BTCUSDT.BINANCE", 2, 6, BTC, USDT),
    )
    r = data.report
    assert (r.rows, r.rejected, r.count(Check.DUPLICATE_TIMESTAMP, "flagged")) == (2001, 0, 630)
    trades = [t for t in data.to_objects() if isinstance(t, TradeTick)]
    sides = [t.aggressor_side for t in trades]
    assert (sides.count(AggressorSide.SELLER), sides.count(AggressorSide.BUYER)) == (914, 1087)
    ids = [int(t.trade_id) for t in trades]
    assert ids == list(range(553287559, 553289560))  # contiguous, in file order


def test_binance_depth_snapshot_and_update() -> None:
    perp = crypto("BTCUSDT-PERP.BINANCE", 2, 3, BTC, USDT)
    (snap,) = load_market_data(
        DATA / "nautilus-binance-btcusdt-depth-snap.csv", layout_named("binance-depth"), perp
    ).to_objects()
    assert isinstance(snap, OrderBookSnapshot)
    assert (len(snap.bids), len(snap.asks), str(snap.bids[0].price), str(snap.bids[-1].price)) == (
        100,
        0,
        "20377.00",
        "20365.90",
    )
    update = load_market_data(DATA / "nautilus-binance-btcusdt-depth-update.csv", layout_named("binance-depth"), perp)
    (deltas,) = update.to_objects()
    assert isinstance(deltas, OrderBookDeltas) and len(deltas.deltas) == 100
    assert sum(d.action is BookAction.DELETE for d in deltas.deltas) == 21


def test_wide_close_file_one_ticker_with_its_missing_history_rejected() -> None:
    layout = layout_named("close").with_columns(close="GOOG")
    data: LoadedData = load_market_data(
        DATA / "pyportfolioopt-stock_prices.csv", layout, instrument("GOOG.XNAS", 6, 0), bar_spec=DAY
    )
    r = data.report
    assert (r.rows, r.count(Check.MISSING_VALUE, "rejected")) == (7126, 3691)  # the README's NaN count for GOOG
    assert len(data) == 7126 - 3691
    assert any("close-only" in note for note in r.notes)


def test_float_artifacts_are_off_increment_and_repairable() -> None:
    layout = layout_named("close").with_columns(close="SPY")
    path = DATA / "pyportfolioopt-spy_prices.csv"
    strict = load_market_data(path, layout, instrument("SPY.ARCX", 6, 0), bar_spec=DAY)
    off = strict.report.count(Check.OFF_INCREMENT, "rejected")
    assert strict.report.rows == 6765 and off > 0  # values such as 27.226834999999998
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check.OFF_INCREMENT: Policy.REPAIR})
    repaired = load_market_data(path, layout, instrument("SPY.ARCX", 6, 0), bar_spec=DAY, policy=policy)
    assert (repaired.report.rejected, repaired.report.repaired) == (0, off)
    assert len(repaired) == 6765
