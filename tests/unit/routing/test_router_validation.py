"""A routed parent that no validating ``OrderFactory`` built is held to ``validate_order``'s rules.

A parent never goes through the risk engine itself (only its children do), so before this check
a hand-built or ``OrderFactory(validate=False)`` parent reached the router's decision logic: a
LIMIT without a price was routed as a market order and filled at any price, a MARKET with a price
filled ignoring it, a zero quantity was "submitted" and then rejected with "nothing to route".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import OrderBookSnapshot
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderStatus, OrderType, TimeInForce
from nautilus_platform.model.events import OrderDenied, OrderEvent
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Currency, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

BTC = Currency.from_str("BTC")
USDT = Currency.from_str("USDT")
STRATEGY = StrategyId("S")
HOME = InstrumentId("BTCUSDT.A")
BUY = OrderSide.BUY


class Routed:
    """Venues A and B listing BTCUSDT with L2 books (asks 100.00 on A, 100.05 on B), routing on."""

    def __init__(self) -> None:
        self.clock = SimulatedClock(1_000)
        limits = RiskLimits(reference_source=PriceSource.MARK, check_balance=False)
        self.node = TradingNode(self.clock, risk_config=RiskConfig(defaults=limits))
        for venue in ("A", "B"):
            self.node.add_venue(
                SimulatedVenueConfig(
                    venue_id=venue, book_type="L2", fee_model=FeeModel(maker_bps=Decimal(0), taker_bps=Decimal(0))
                ),
                AccountType.CASH,
                USDT,
                [Money.of(10_000_000, USDT), Money.of(1_000, BTC)],
            )
            self.node.add_instrument(
                CryptoSpot(
                    id=InstrumentId(f"BTCUSDT.{venue}"),
                    price_precision=2,
                    size_precision=4,
                    tick_size=Price.of("0.01"),
                    lot_size=Quantity.of("0.0001"),
                    quote_currency=USDT,
                    base_currency=BTC,
                )
            )
        self.router = self.node.enable_routing()
        self.data = MarketDataEngine(self.node)
        self.parent_events: list[OrderEvent] = []
        self.child_events: list[OrderEvent] = []
        self.node.bus.subscribe(f"events.routed.{STRATEGY}", self.parent_events.append)
        self.node.bus.subscribe(f"events.order.{STRATEGY}", self.child_events.append)
        self.book("A", "99.90", "100.00", 1)
        self.book("B", "99.95", "100.05", 2)

    def book(self, venue: str, bid: str, ask: str, seq: int) -> None:
        snapshot = OrderBookSnapshot.of(
            InstrumentId(f"BTCUSDT.{venue}"),
            [(Price.of(bid, 2), Quantity.of("5", 4))],
            [(Price.of(ask, 2), Quantity.of("5", 4))],
            ts_event=self.clock.timestamp_ns() + 1,
            sequence=seq,
        )
        assert self.data.process(snapshot)

    def route(self, order: Order) -> Order:
        now = self.clock.timestamp_ns()
        self.node.execute(SubmitOrder(ts_init=now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
        return order


def unchecked(kind: OrderType, quantity: str = "2", **fields: Any) -> tuple[Routed, Order]:
    h = Routed()
    factory = OrderFactory(STRATEGY, h.clock, validate=False)
    order = factory.create(HOME, BUY, kind, Quantity(raw=int(Decimal(quantity) * 10**9), precision=4), **fields)
    assert not order.validated
    return h, order


INVALID = [
    pytest.param(OrderType.LIMIT, "2", {}, "price", "is required for LIMIT", id="limit-without-price"),
    pytest.param(OrderType.MARKET, "2", {"price": Price.of("100.00", 2)}, "price", "not allowed", id="market-price"),
    pytest.param(OrderType.MARKET, "0", {}, "quantity", "positive", id="zero-quantity"),
    pytest.param(OrderType.MARKET, "-1", {}, "quantity", "positive", id="negative-quantity"),
    pytest.param(
        OrderType.LIMIT, "2", {"price": Price(raw=-100 * 10**9, precision=2)}, "price", "positive", id="negative-price"
    ),
    pytest.param(OrderType.STOP_MARKET, "2", {}, "trigger_price", "is required", id="stop-without-trigger"),
    pytest.param(
        OrderType.MARKET,
        "2",
        {"trigger_price": Price.of("101.00", 2)},
        "trigger_price",
        "not allowed",
        id="market-trigger",
    ),
    pytest.param(
        OrderType.MARKET,
        "2",
        {"time_in_force": TimeInForce.GTD, "expire_time_ns": 10**12},
        "time_in_force",
        "cannot be GTD",
        id="market-gtd",
    ),
    pytest.param(
        OrderType.LIMIT,
        "2",
        {"price": Price.of("99.00", 2), "post_only": True, "time_in_force": TimeInForce.IOC},
        "post_only",
        "IOC",
        id="post-only-ioc",
    ),
    pytest.param(
        OrderType.LIMIT,
        "2",
        {"price": Price.of("99.00", 2), "expire_time_ns": 10**12},
        "expire_time_ns",
        "only GTD",
        id="expiry-without-gtd",
    ),
]


@pytest.mark.parametrize(("kind", "quantity", "fields", "field", "rule"), INVALID)
def test_an_unchecked_invalid_parent_is_denied_before_anything_is_routed(
    kind: OrderType, quantity: str, fields: dict[str, Any], field: str, rule: str
) -> None:
    h, order = unchecked(kind, quantity, **fields)
    h.route(order)
    (denied,) = h.parent_events
    assert isinstance(denied, OrderDenied)
    assert denied.reason is DenyReason.INVALID_ORDER
    assert f"invalid {field}=" in denied.message and rule in denied.message
    assert order.status is OrderStatus.DENIED
    assert not h.child_events and not h.router.decisions and h.router.parent_count == 0
    assert not h.router.is_parent(order.client_order_id)


def test_a_limit_parent_without_a_price_is_not_routed_as_a_market_order() -> None:
    # the old router decided with ``limit=None`` (a market parent) and filled it at the ask
    h, order = unchecked(OrderType.LIMIT)
    h.route(order)
    assert order.status is OrderStatus.DENIED and order.filled_raw == 0
    assert not h.node.cache.orders  # no child was created


def test_an_unchecked_but_valid_parent_is_routed() -> None:
    h, order = unchecked(OrderType.LIMIT, price=Price.of("100.00", 2), time_in_force=TimeInForce.IOC)
    h.route(order)
    assert order.status is OrderStatus.FILLED
    assert [type(e).__name__ for e in h.parent_events] == ["OrderSubmitted", "OrderAccepted", "OrderFilled"]


def test_an_unchecked_valid_stop_is_still_refused_as_not_routable() -> None:
    h, order = unchecked(OrderType.STOP_MARKET, trigger_price=Price.of("101.00", 2))
    h.route(order)
    (denied,) = h.parent_events
    assert isinstance(denied, OrderDenied) and denied.reason is DenyReason.INVALID_ORDER
    assert "only MARKET and LIMIT orders can be routed, not STOP_MARKET" in denied.message


def test_a_duplicate_id_is_reported_before_the_fields() -> None:
    h, first = unchecked(OrderType.MARKET)
    h.route(first)
    assert first.status is OrderStatus.FILLED
    factory = OrderFactory(STRATEGY, h.clock, validate=False)
    again = factory.create(HOME, BUY, OrderType.LIMIT, Quantity.of("1", 4), client_order_id=first.client_order_id)
    h.route(again)
    denied = h.parent_events[-1]
    assert isinstance(denied, OrderDenied) and denied.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID


def test_a_factory_validated_parent_is_routed_as_before() -> None:
    h = Routed()
    order = OrderFactory(STRATEGY, h.clock).market(HOME, BUY, Quantity.of("2", 4))
    assert order.validated
    h.route(order)
    assert order.status is OrderStatus.FILLED and order.filled_qty == Quantity.of("2", 4)
