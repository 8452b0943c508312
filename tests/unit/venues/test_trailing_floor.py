"""A simulated venue never works a trailing stop whose trigger (or limit price) is at or below zero.

Before: a sell trailing stop whose offset reached the reference price (a PRICE offset at least the
bid, TICKS beyond it, BASIS_POINTS close to 10000 on a tiny price) was accepted with a trigger of
0.00 or below: a stop that can never trigger. Now it is rejected on arrival (``OrderRejected``
naming the trigger_price); a trigger first computed after acceptance (no reference on arrival) is
kept at the smallest positive tick instead, and so is a trailing limit's price.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick, TradeTick
from nautilus_platform.model.enums import (
    AccountType,
    AggressorSide,
    OrderSide,
    OrderStatus,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.events import OrderEvent, OrderRejected, OrderUpdated
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

AAPL = InstrumentId("AAPL.SIM")
T0 = 1_767_619_800 * 1_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL
PRICE, TICKS, BPS = TrailingOffsetType.PRICE, TrailingOffsetType.TICKS, TrailingOffsetType.BASIS_POINTS


def px(value: str) -> Price:
    return Price.of(value, 2)


class Node:
    """A node with one simulated venue (default trigger BID_ASK) listing a cent-tick equity."""

    def __init__(self) -> None:
        self.node = TradingNode(SimulatedClock(T0), risk_config=RiskConfig(defaults=RiskLimits()))
        self.node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
        self.node.add_instrument(
            Equity(
                id=AAPL,
                price_precision=2,
                size_precision=0,
                tick_size=px("0.01"),
                lot_size=Quantity.of(1),
                quote_currency=USD,
                margin_init=Decimal("0.25"),
                margin_maint=Decimal("0.15"),
            )
        )
        self.factory = self.node.order_factory("S-1")
        self.events: list[OrderEvent] = []
        self.node.bus.subscribe("events.order.*", self.events.append)
        self.now = T0

    def quote(self, bid: str, ask: str) -> None:
        self.now += 1_000
        self.node.process(QuoteTick.of(AAPL, px(bid), px(ask), Quantity.of(100), Quantity.of(100), self.now))

    def trade(self, price: str) -> None:
        self.now += 1_000
        self.node.process(
            TradeTick.of(AAPL, px(price), Quantity.of(100), AggressorSide.BUYER, f"X{self.now}", self.now)
        )

    def submit(self, order: Order) -> Order:
        self.node.execute(
            SubmitOrder(ts_init=self.node.clock.timestamp_ns(), strategy_id=order.strategy_id, order=order)
        )
        return order

    def of(self, kind: type[OrderEvent], order: Order) -> list[OrderEvent]:
        return [e for e in self.events if type(e) is kind and e.client_order_id == order.client_order_id]


@pytest.mark.parametrize(
    ("bid", "offset", "kind", "trigger"),
    [
        pytest.param("1.00", "1.00", PRICE, "0.00", id="price-offset-equal-to-the-bid"),
        pytest.param("1.00", "1.50", PRICE, "-0.50", id="price-offset-beyond-the-bid"),
        pytest.param("0.05", "5", TICKS, "0.00", id="ticks-down-to-zero"),
        pytest.param("0.05", "9999", BPS, "0.00", id="basis-points-near-10000-on-a-tiny-price"),
        pytest.param("0.50", "9900", BPS, "0.00", id="basis-points-leaving-less-than-a-tick"),
    ],
)
def test_a_sell_trailing_stop_whose_first_trigger_is_not_positive_is_rejected(
    bid: str, offset: str, kind: TrailingOffsetType, trigger: str
) -> None:
    h = Node()
    h.quote(bid, "1.10")
    stop = h.submit(h.factory.trailing_stop_market(AAPL, SELL, Quantity.of(10), Decimal(offset), kind))
    assert stop.status is OrderStatus.REJECTED
    (rejected,) = h.of(OrderRejected, stop)
    assert isinstance(rejected, OrderRejected)
    assert (
        f"trigger_price would be {trigger} (reference {bid} - trailing_offset {offset} {kind.name}" in rejected.reason
    )
    assert "must be positive" in rejected.reason
    assert not h.of(OrderUpdated, stop) and stop.trigger_price is None


def test_the_smallest_positive_first_trigger_is_accepted() -> None:
    h = Node()
    h.quote("1.00", "1.10")
    stop = h.submit(h.factory.trailing_stop_market(AAPL, SELL, Quantity.of(10), Decimal("0.99"), PRICE))
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("0.01")


def test_a_trailing_stop_limit_whose_first_limit_price_is_not_positive_is_rejected() -> None:
    h = Node()
    h.quote("1.00", "1.10")
    order = h.factory.trailing_stop_limit(
        AAPL, SELL, Quantity.of(10), Decimal("0.50"), Decimal("0.50"), trailing_offset_type=PRICE
    )
    h.submit(order)
    assert order.status is OrderStatus.REJECTED
    (rejected,) = h.of(OrderRejected, order)
    assert isinstance(rejected, OrderRejected)
    assert "price would be 0.00 (trigger_price 0.50 - limit_offset 0.50 PRICE)" in rejected.reason


def test_an_own_positive_trigger_holds_when_the_trailed_one_is_not_positive() -> None:
    h = Node()
    h.quote("1.00", "1.10")
    stop = h.submit(
        h.factory.trailing_stop_market(AAPL, SELL, Quantity.of(10), Decimal("2.00"), PRICE, trigger_price=px("0.40"))
    )
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("0.40")


def test_a_buy_trailing_stop_with_a_large_offset_is_accepted() -> None:
    h = Node()
    h.quote("0.04", "0.05")
    stop = h.submit(h.factory.trailing_stop_market(AAPL, BUY, Quantity.of(10), Decimal("9999"), BPS))
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("0.10")  # 0.05 * 1.9999, rounded up


def test_a_trigger_first_computed_after_acceptance_is_kept_at_one_tick() -> None:
    # LAST trigger and no trade yet: accepted without a trigger; the first trade would put it at -0.20
    h = Node()
    h.quote("1.00", "1.10")
    stop = h.submit(
        h.factory.trailing_stop_market(
            AAPL, SELL, Quantity.of(10), Decimal("1.00"), PRICE, trigger_type=TriggerType.LAST
        )
    )
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price is None
    h.trade("0.80")
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("0.01")
    h.trade("0.50")  # a lower trade does not move a sell's trigger down
    assert stop.trigger_price == px("0.01")
    h.trade("1.50")  # it trails up as usual once the reference allows
    assert stop.trigger_price == px("0.50")
    triggers = [e.trigger_price for e in h.of(OrderUpdated, stop) if isinstance(e, OrderUpdated)]
    assert triggers == [px("0.01"), px("0.50")]


def test_a_trailing_limit_price_first_computed_after_acceptance_is_kept_at_one_tick() -> None:
    h = Node()
    h.quote("1.00", "1.10")
    order = h.factory.trailing_stop_limit(
        AAPL,
        SELL,
        Quantity.of(10),
        Decimal("0.50"),
        Decimal("0.50"),
        trailing_offset_type=PRICE,
        trigger_type=TriggerType.LAST,
    )
    h.submit(order)
    assert order.status is OrderStatus.ACCEPTED
    h.trade("0.80")  # trigger 0.30, limit 0.30 - 0.50 = -0.20: kept at 0.01
    assert order.status is OrderStatus.ACCEPTED
    assert order.trigger_price == px("0.30") and order.price == px("0.01")
