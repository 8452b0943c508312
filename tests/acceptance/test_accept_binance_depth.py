"""Acceptance: the trading core on real Binance BTCUSDT order-book data from ../shared/data.

The depth snapshot (100 bid levels) and the depth update (one event of 100 level changes, 10
minutes later) drive an L2 simulated venue. A market sell walks the real bid levels, a market
buy the real asks; fills, the position and the margin account must match what the CSV rows say.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import OrderBookDelta, OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.enums import AccountType, BookAction, BookSide, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import Perpetual
from nautilus_platform.model.values import BTC, USDT, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SNAP = DATA / "nautilus-binance-btcusdt-depth-snap.csv"
UPDATE = DATA / "nautilus-binance-btcusdt-depth-update.csv"
pytestmark = pytest.mark.skipif(
    not SNAP.exists(), reason=f"shared market data not found at {DATA} (a fresh clone without ../shared)"
)

BTCUSDT = InstrumentId("BTCUSDT-PERP.BINANCE")
MS = 1_000_000


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def instrument() -> Perpetual:
    return Perpetual(
        id=BTCUSDT, price_precision=2, size_precision=3, tick_size=Price.of("0.10"), lot_size=Quantity.of("0.001"),
        quote_currency=USDT, base_currency=BTC, taker_fee=Decimal("0.0004"), maker_fee=Decimal("0.0002"),
        margin_init=Decimal("0.05"), margin_maint=Decimal("0.025"),
    )  # fmt: skip


def snapshot(data: list[dict[str, str]]) -> OrderBookSnapshot:
    bids = [(Price.of(r["price"], 2), Quantity.of(r["qty"], 3)) for r in data if r["side"] == "b"]
    asks = [(Price.of(r["price"], 2), Quantity.of(r["qty"], 3)) for r in data if r["side"] == "a"]
    return OrderBookSnapshot.of(BTCUSDT, bids, asks, int(data[0]["timestamp"]) * MS)


def deltas(data: list[dict[str, str]]) -> OrderBookDeltas:
    items = []
    for r in data:
        size = Quantity.of(r["qty"], 3)
        ts = int(r["timestamp"]) * MS
        items.append(
            OrderBookDelta(
                instrument_id=BTCUSDT, action=BookAction.UPDATE if size.raw else BookAction.DELETE,
                side=BookSide.BID if r["side"] == "b" else BookSide.ASK, price=Price.of(r["price"], 2), size=size,
                sequence=int(r["last_update_id"]), ts_event=ts, ts_init=ts,
            )
        )  # fmt: skip
    return OrderBookDeltas.of(items)


def walk(levels: list[tuple[Decimal, Decimal]], quantity: Decimal) -> list[tuple[Decimal, Decimal]]:
    """The (price, qty) pieces a market order of ``quantity`` takes from ``levels``, best first."""
    pieces, left = [], quantity
    for price, size in levels:
        if left <= 0:
            break
        take = min(size, left)
        if take > 0:
            pieces.append((price, take))
            left -= take
    return pieces


def test_a_one_sided_book_gives_no_reference_price_and_risk_denies_a_market_order() -> None:
    snap_rows = rows(SNAP)
    node = TradingNode(SimulatedClock(int(snap_rows[0]["timestamp"]) * MS - 1))
    node.add_venue(
        SimulatedVenueConfig(venue_id="BINANCE", book_type="L2"), AccountType.MARGIN, USDT, [Money.of(10**5, USDT)]
    )
    node.add_instrument(instrument())
    node.process(snapshot(snap_rows))
    orders = node.order_factory("ACCEPT")
    sell = orders.market(BTCUSDT, OrderSide.SELL, Quantity.of("1.000"))
    node.execute(SubmitOrder(ts_init=0, strategy_id=orders.strategy_id, order=sell))
    assert sell.status is OrderStatus.DENIED
    assert "NO_REFERENCE_PRICE" in repr(sell.events[-1])


def test_market_orders_walk_the_real_binance_book() -> None:
    snap_rows, update_rows = rows(SNAP), rows(UPDATE)
    # The snapshot has bids only, so there is no mid to value a market order against: by default the
    # risk engine denies it (NO_REFERENCE_PRICE); this session allows orders without a reference.
    risk = RiskConfig(defaults=RiskLimits(allow_without_reference=True))
    node = TradingNode(SimulatedClock(int(snap_rows[0]["timestamp"]) * MS - 1), risk_config=risk)
    node.add_venue(
        SimulatedVenueConfig(venue_id="BINANCE", book_type="L2", fee_model=FeeModel()),
        AccountType.MARGIN, USDT, [Money.of(100_000, USDT)],
    )  # fmt: skip
    node.add_instrument(instrument())
    fills: list[OrderFilled] = []
    node.bus.subscribe("events.order.*", lambda e: fills.append(e) if isinstance(e, OrderFilled) else None)
    orders = node.order_factory("ACCEPT")

    node.process(snapshot(snap_rows))
    bids = sorted(((Decimal(r["price"]), Decimal(r["qty"])) for r in snap_rows), reverse=True)
    # Quantity.of(3) has precision 0: the partial fills must still be stated to the lot (0.001).
    sell = orders.market(BTCUSDT, OrderSide.SELL, Quantity.of(3))
    node.execute(SubmitOrder(ts_init=0, strategy_id=orders.strategy_id, order=sell))
    assert sell.status is OrderStatus.FILLED, sell.events[-1]
    expected = walk(bids, Decimal("3.000"))
    assert [(f.last_px.as_decimal(), f.last_qty.as_decimal()) for f in fills] == expected
    prices = [f.last_px.raw for f in fills]
    assert prices == sorted(prices, reverse=True)  # best bid first, never through the book
    vwap = sum(p * q for p, q in expected) / Decimal(3)
    assert sell.avg_px == vwap

    # Ten minutes later: the update brings the asks; buy back 3 BTC against them.
    node.process(deltas(update_rows))
    book = node.venues[InstrumentId(BTCUSDT).venue].book(BTCUSDT)
    assert book is not None and book.bid is not None and book.ask is not None and book.bid < book.ask
    asks = sorted(
        (Decimal(r["price"]), Decimal(r["qty"])) for r in update_rows if r["side"] == "a" and Decimal(r["qty"])
    )
    fills.clear()
    buy = orders.market(BTCUSDT, OrderSide.BUY, Quantity.of("3.000"))
    node.execute(SubmitOrder(ts_init=0, strategy_id=orders.strategy_id, order=buy))
    assert buy.status is OrderStatus.FILLED
    bought = walk(asks, Decimal("3.000"))
    assert [(f.last_px.as_decimal(), f.last_qty.as_decimal()) for f in fills] == bought

    # Flat again: the account moved by exactly realised P&L minus the taker fees, to the smallest unit.
    assert node.portfolio.net_positions[BTCUSDT] == 0
    account = node.portfolio.accounts[next(iter(node.portfolio.accounts))]
    position = node.portfolio.closed_positions[-1]
    realized = sum(p * q for p, q in expected) - sum(p * q for p, q in bought)
    assert position.realized_pnl == Money.of(realized, USDT)
    fees = sum(fill.commission.raw for fill in [*sell.events, *buy.events] if isinstance(fill, OrderFilled))
    assert account.balances[USDT] - Money.of(100_000, USDT).raw == position.realized_raw - fees
    assert node.execution.refused_events == []
