"""Audit 5 of order handling, through a real ``TradingNode`` with a simulated venue: a venue's own
update while a modify is in flight, trailing offsets that do not fit, and orders that no
validating ``OrderFactory`` built."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import pytest
from test_oms_audit4 import AAPL, BUY, MS, SECOND, SELL, T0, px, qty
from test_oms_audit4 import Node as HarnessNode

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, StrategyId, VenueOrderId
from nautilus_platform.model.enums import (
    DenyReason,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderDenied,
    OrderInitialized,
    OrderPendingUpdate,
    OrderSubmitted,
    OrderUpdated,
)
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Quantity
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import LatencyModel

S1 = StrategyId("S-1")
S2 = StrategyId("S-2")
E = TypeVar("E")


class Node(HarnessNode):
    """The OMS audit's node (venue SIM, AAPL.SIM, strategy S-1's factory, an event log) with
    500-share quotes and strategy S-2's factory without validation."""

    def __init__(self, limits: RiskLimits | None = None, latency: LatencyModel | None = None) -> None:
        super().__init__(limits, latency)
        self.unchecked = OrderFactory(S2, self.node.clock, validate=False)  # strategy S-2, no validation

    def quote(self, bid: str, ask: str, bid_size: int = 500, ask_size: int = 500, step_ns: int = SECOND) -> None:
        super().quote(bid, ask, bid_size, ask_size, step_ns)

    def of(self, kind: type[E], order: Order) -> list[E]:
        return [e for e in self.events if type(e) is kind and e.client_order_id == order.client_order_id]

    def statuses(self, order: Order) -> list[str]:
        return [type(e).__name__ for e in self.events if getattr(e, "client_order_id", None) == order.client_order_id]

    def position(self) -> int:
        return self.node.portfolio.net_positions.get(AAPL, 0)


def _long(n: Node, shares: int) -> None:
    n.quote("100.00", "100.10")
    n.submit(n.factory.market(AAPL, BUY, qty(shares)))
    n.advance_to(n.now + 1)
    assert n.position() == shares * SECOND


# -- 1. a venue's own update while a modify is in flight ------------------------------------------
def test_a_trailing_move_while_the_reduce_only_cut_is_in_flight_keeps_the_stop_pending() -> None:
    """Fails before the fix: the trail's ``OrderUpdated`` (quantity 100, answering no modify) took
    the stop back to ACCEPTED while its cut to 50 was in flight, and reduce-only enforcement, which
    leaves PENDING_UPDATE orders to their answer, sent the same cut a second time."""
    n = Node(RiskLimits(check_reduce_only=False), latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    _long(n, 100)
    stop = n.submit(
        n.factory.trailing_stop_market(AAPL, SELL, qty(100), trailing_offset=Decimal("1.00"), reduce_only=True)
    )
    n.advance_to(n.now + 1)
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("99.00")
    n.submit(n.factory.market(AAPL, SELL, qty(50)))
    n.advance_to(n.now + 1)
    assert n.position() == 50 * SECOND
    # the position is 50: the stop's cut to 50 is in flight
    assert stop.status is OrderStatus.PENDING_UPDATE
    assert [r.quantity_raw for r in n.node.cache.modifies_in_flight[stop.client_order_id]] == [50 * SECOND]
    n.quote("101.00", "101.10", step_ns=1 * MS)  # the stop trails to 100.00 before the venue answers
    assert stop.trigger_price == px("100.00") and stop.quantity == qty(100)
    assert stop.status is OrderStatus.PENDING_UPDATE, stop
    assert len(n.node.cache.modifies_in_flight[stop.client_order_id]) == 1
    assert len(n.of(OrderPendingUpdate, stop)) == 1  # no second cut
    n.advance_to(n.now + 50 * MS)  # the venue answers the cut
    assert stop.status is OrderStatus.ACCEPTED and stop.quantity == qty(50) and stop.trigger_price == px("100.00")
    assert n.node.cache.modifies_in_flight == {}
    assert len(n.of(OrderPendingUpdate, stop)) == 1


def test_a_strategy_s_modify_stays_pending_through_trailing_moves_until_its_answer() -> None:
    """Fails before the fix: the first trailing move made the order ACCEPTED with the modify still
    in flight."""
    n = Node(latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    _long(n, 100)
    stop = n.submit(n.factory.trailing_stop_market(AAPL, SELL, qty(100), trailing_offset=Decimal("1.00")))
    n.advance_to(n.now + 1)
    n.modify(stop, quantity=qty(80))
    assert stop.status is OrderStatus.PENDING_UPDATE
    for bid in ("100.50", "101.00"):  # two trailing moves, neither answers the modify
        n.quote(bid, "101.20", step_ns=1 * MS)
        assert stop.status is OrderStatus.PENDING_UPDATE and stop.quantity == qty(100)
    assert stop.trigger_price == px("100.00")
    n.advance_to(n.now + 50 * MS)
    assert stop.status is OrderStatus.ACCEPTED and stop.quantity == qty(80)
    assert n.node.cache.modifies_in_flight == {}
    updates = n.of(OrderUpdated, stop)
    assert [u.quantity for u in updates][-1] == qty(80)


def test_an_update_answering_the_modify_returns_the_order_to_its_status_before() -> None:
    # The answer (quantity 80) comes after a trailing move; the modify's figures decide, not the order.
    n = Node(latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    _long(n, 100)
    stop = n.submit(n.factory.trailing_stop_market(AAPL, SELL, qty(100), trailing_offset=Decimal("1.00")))
    n.advance_to(n.now + 1)
    n.modify(stop, trigger=px("99.50"))
    n.advance_to(n.now + 50 * MS)
    assert stop.status is OrderStatus.ACCEPTED and stop.trigger_price == px("99.50")
    assert n.statuses(stop)[-2:] == ["OrderPendingUpdate", "OrderUpdated"]


def test_order_apply_keeps_pending_update_for_an_update_that_answers_no_modify() -> None:
    f = OrderFactory(S1, SimulatedClock(T0))
    order = f.limit(AAPL, BUY, qty(100), px("100.00"))
    common: dict[str, Any] = {
        "ts_event": T0, "ts_init": T0, "strategy_id": S1, "instrument_id": AAPL,
        "client_order_id": order.client_order_id,
    }  # fmt: skip
    account = AccountId("SIM-001")
    order.apply(OrderSubmitted(**common, account_id=account))
    order.apply(OrderAccepted(**common, account_id=account, venue_order_id=VenueOrderId("V-1")))
    order.apply(OrderPendingUpdate(**common, account_id=account))
    update = OrderUpdated(**common, venue_order_id=VenueOrderId("V-1"), quantity=qty(100), price=px("100.00"))
    order.apply(update, answers_modify=False)
    assert order.status is OrderStatus.PENDING_UPDATE
    order.apply(OrderUpdated(**common, venue_order_id=VenueOrderId("V-1"), quantity=qty(90), price=px("100.00")))
    assert order.status is OrderStatus.ACCEPTED and order.quantity == qty(90)
    order.apply(update, answers_modify=False)  # outside PENDING_UPDATE: as any update
    assert order.status is OrderStatus.ACCEPTED and order.quantity == qty(100)


# -- 2. trailing offsets that do not fit -------------------------------------------------------------
def _assert_denied(n: Node, order: Order, reason: DenyReason, *words: str) -> None:
    assert order.status is OrderStatus.DENIED, order
    denied = n.of(OrderDenied, order)
    assert len(denied) == 1 and denied[0].reason is reason, denied
    for word in words:
        assert word in denied[0].message, denied[0].message
    # the venue never saw it
    assert n.statuses(order) == ["OrderDenied"]
    assert order.client_order_id not in n.node.cache.order_venue or order.venue_order_id is None


def test_a_trailing_stop_of_one_and_a_half_ticks_never_reaches_the_venue() -> None:
    """Fails before the fix: built without validation, it was submitted and trailed by 1.5 ticks."""
    n = Node()
    _long(n, 100)
    stop = n.submit(n.unchecked.trailing_stop_market(AAPL, SELL, qty(10), Decimal("1.5"), TrailingOffsetType.TICKS))
    _assert_denied(n, stop, DenyReason.INVALID_ORDER, "trailing_offset", "1.5", "whole number of ticks")


def test_a_price_offset_off_the_tick_grid_is_denied_on_submit() -> None:
    """Fails before the fix: a trailing offset of 0.015 on a 0.01 tick was accepted."""
    n = Node()
    _long(n, 100)
    stop = n.submit(n.factory.trailing_stop_market(AAPL, SELL, qty(10), Decimal("0.015")))
    _assert_denied(n, stop, DenyReason.PRICE_INCREMENT, "trailing_offset 0.015", "tick_size 0.01")
    limit = n.submit(n.factory.trailing_stop_limit(AAPL, SELL, qty(10), Decimal("0.50"), Decimal("0.005")))
    _assert_denied(n, limit, DenyReason.PRICE_INCREMENT, "limit_offset 0.005")
    ok = n.submit(n.factory.trailing_stop_limit(AAPL, SELL, qty(10), Decimal("0.50"), Decimal("0.10")))
    assert ok.status is OrderStatus.ACCEPTED and ok.trigger_price == px("99.50") and ok.price == px("99.40")


def test_the_price_offset_tick_check_is_an_instrument_check() -> None:
    n = Node(RiskLimits(check_instrument=False))
    _long(n, 100)
    stop = n.submit(n.factory.trailing_stop_market(AAPL, SELL, qty(10), Decimal("0.015")))
    assert stop.status is OrderStatus.ACCEPTED  # the venue rounds the trigger to its tick
    assert stop.trigger_price == px("99.98")


# -- 3. orders no validating factory built -----------------------------------------------------------
def _unchecked(n: Node, kind: OrderType, quantity: Quantity | None = None, **fields: Any) -> Order:
    return n.unchecked.create(AAPL, BUY, kind, qty(10) if quantity is None else quantity, **fields)


@pytest.mark.parametrize(
    ("kind", "quantity", "fields", "words"),
    [
        (OrderType.LIMIT, qty(10), {}, ("price=None", "required for LIMIT")),
        (OrderType.STOP_MARKET, qty(10), {}, ("trigger_price=None", "required for STOP_MARKET")),
        (OrderType.STOP_LIMIT, qty(10), {"trigger_price": px("101.00")}, ("price=None",)),
        (OrderType.MARKET, qty(10), {"price": px("100.00")}, ("price=", "not allowed on MARKET")),
        (OrderType.MARKET, Quantity.zero(), {}, ("quantity",)),
        (OrderType.LIMIT, qty(10), {"price": px("99.00"), "time_in_force": TimeInForce.GTD}, ("expire_time_ns",)),
        (OrderType.TRAILING_STOP_MARKET, qty(10), {}, ("trailing_offset=None",)),
        (OrderType.MARKET, qty(10), {"post_only": True}, ("post_only",)),
    ],
    ids=[
        "limit-without-price",
        "stop-market-without-trigger",
        "stop-limit-without-price",
        "market-with-price",
        "zero-quantity",
        "gtd-without-expiry",
        "trailing-without-offset",
        "post-only-market",
    ],
)
def test_an_invalid_order_built_without_validation_is_denied_before_the_venue(
    kind: OrderType, quantity: Quantity, fields: dict[str, Any], words: tuple[str, ...]
) -> None:
    """Fails before the fix (all but the zero quantity, which the quantity check denied): the
    order reached the venue, which rejected it (or, a MARKET with a price, filled it)."""
    n = Node()
    n.quote("100.00", "100.10")
    order = n.submit(_unchecked(n, kind, quantity, **fields))
    _assert_denied(n, order, DenyReason.INVALID_ORDER, *words)


def test_an_order_built_by_hand_is_checked_too() -> None:
    """Fails before the fix: a LIMIT without a price made by hand reached the venue."""
    n = Node()
    n.quote("100.00", "100.10")
    init = OrderInitialized(
        ts_event=n.now, ts_init=n.now, strategy_id=S1, instrument_id=AAPL, client_order_id=ClientOrderId("HAND-1"),
        side=BUY, order_type=OrderType.LIMIT, quantity=qty(10), time_in_force=TimeInForce.GTC,
        trigger_type=TriggerType.DEFAULT,
    )  # fmt: skip
    order = n.submit(Order(init))
    _assert_denied(n, order, DenyReason.INVALID_ORDER, "price=None")


def test_a_valid_order_built_without_validation_trades() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    order = n.submit(_unchecked(n, OrderType.LIMIT, price=px("100.10")))
    assert not order.validated and order.status is OrderStatus.FILLED
    stop = n.submit(_unchecked(n, OrderType.STOP_MARKET, trigger_price=px("110.00")))
    assert stop.status is OrderStatus.ACCEPTED
