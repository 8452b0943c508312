"""A strategy's commands aimed at routed orders: cancels of children and of finished parents,
parents past their expiry, ids already taken by a parent."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from routing_support import BUY, STRATEGY, RoutingHarness

from nautilus_platform.core.identifiers import InstrumentId, StrategyId, VenueId
from nautilus_platform.model.commands import CancelAllOrders, CancelOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import DenyReason, OrderSide, OrderStatus, TimeInForce
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderPendingCancel,
    OrderRejected,
)
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, VenueStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.trading.replay import replay_journal

A, B = VenueId("A"), VenueId("B")
HOME = InstrumentId("BTCUSDT.A")


def two_venues() -> RoutingHarness:
    """A: 10 bps taker, asks 100.00 x 3, 100.10 x 5. B: no fee, asks 100.05 x 4, 100.20 x 10."""
    h = RoutingHarness({"A": "10", "B": "0"})
    h.book("A", bids=[("99.90", "5")], asks=[("100.00", "3"), ("100.10", "5")])
    h.book("B", bids=[("99.95", "5"), ("99.80", "10")], asks=[("100.05", "4"), ("100.20", "10")])
    return h


def cancel_as(h: RoutingHarness, strategy: StrategyId, order: Order) -> None:
    h.node.execute(
        CancelOrder(
            ts_init=h.now, strategy_id=strategy, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
        )
    )  # fmt: skip


# -- a child cannot be cancelled alone ------------------------------------------------------------
def test_a_strategys_cancel_of_a_child_is_refused_and_nothing_is_rerouted() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="99.00")  # rests on A
    (child,) = h.children(parent)
    h.cancel(child)
    refused = h.child_events[-1]
    assert isinstance(refused, OrderCancelRejected) and refused.client_order_id == child.client_order_id
    assert refused.reason.startswith(DenyReason.INVALID_ORDER.value)
    assert f"cancel the parent {parent.client_order_id}" in refused.reason
    assert child.status is OrderStatus.ACCEPTED and parent.status is OrderStatus.ACCEPTED
    assert len(h.children(parent)) == 1  # not re-routed to B
    h.book("A", asks=[("98.00", "50")])  # the market comes to the resting child
    assert parent.status is OrderStatus.FILLED and parent.filled_qty == Quantity.of(10)
    assert sum(f.last_qty.raw for f in h.child_fills()) == parent.quantity.raw
    replayed = replay_journal(h.node.journal.entries(), h.node.cache.instruments, h.node.rates)  # refusal kept
    assert replayed.orders[child.client_order_id].status is OrderStatus.FILLED


def test_the_cores_own_cancels_of_children_still_work() -> None:
    # cancel-all: the parent first, then its children; the kill switch; a venue going down
    h = two_venues()
    first = h.submit(BUY, "10", price="99.00")
    h.node.execute(CancelAllOrders(ts_init=h.now, strategy_id=STRATEGY, instrument_id=HOME))
    second = h.submit(BUY, "10", price="99.00")
    h.node.execution.kill()
    for parent in (first, second):
        assert parent.status is OrderStatus.CANCELED
        assert [o.status for o in h.children(parent)] == [OrderStatus.CANCELED]
    assert not [e for e in h.child_events if isinstance(e, OrderCancelRejected)]
    h = two_venues()
    third = h.submit(BUY, "10", price="99.00")  # rests on A
    h.node.set_venue_status("A", VenueStatus.DOWN)  # cancels it there: re-routed to B
    assert [(o.instrument_id.venue, o.status) for o in h.children(third)] == [
        (A, OrderStatus.CANCELED), (B, OrderStatus.ACCEPTED),
    ]  # fmt: skip


# -- a finished parent ---------------------------------------------------------------------------
def test_cancelling_a_finished_parent_is_refused_with_its_status() -> None:
    h = two_venues()
    filled = h.submit(BUY, "2")
    resting = h.submit(BUY, "3", price="99.00")
    h.cancel(resting)
    assert (filled.status, resting.status) == (OrderStatus.FILLED, OrderStatus.CANCELED)
    before = len(h.child_events)
    for parent in (filled, resting):
        h.cancel(parent)
        refused = h.parent_events[-1]  # among the parent's events, as its other events
        assert isinstance(refused, OrderCancelRejected) and refused.client_order_id == parent.client_order_id
        assert refused.reason == f"order is {parent.status.name}"
    assert (filled.status, resting.status) == (OrderStatus.FILLED, OrderStatus.CANCELED)
    assert len(h.child_events) == before


def test_a_second_cancel_of_a_parent_or_child_being_cancelled_is_not_refused() -> None:
    h = RoutingHarness({"A": "0", "B": "0"}, latency_ns={"A": 1_000_000, "B": 1_000_000})
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "3")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.10", "5")])
    parent = h.submit(BUY, "10", price="99.50")
    h.advance(h.now + 1_000_000)
    h.cancel(parent)  # the child's cancel takes 1 ms to reach its venue
    (child,) = h.children(parent)
    assert parent.status is OrderStatus.PENDING_CANCEL and child.status is OrderStatus.PENDING_CANCEL
    events = len(h.child_events)
    h.cancel(parent)  # already asked, as for any order
    h.cancel(child)  # already asked too: not refused, and it stays pending
    assert isinstance(h.parent_events[-1], OrderPendingCancel) and len(h.child_events) == events
    assert child.status is OrderStatus.PENDING_CANCEL
    h.advance(h.now + 1_000_000)
    assert parent.status is OrderStatus.CANCELED and isinstance(h.parent_events[-1], OrderCanceled)
    assert child.status is OrderStatus.CANCELED


def test_another_strategy_cannot_cancel_a_parent() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="99.00")
    other = StrategyId("T")
    answers: list[OrderEvent] = []
    h.node.bus.subscribe(f"events.order.{other}", answers.append)
    cancel_as(h, other, parent)
    (refused,) = answers  # not found for it, as another strategy's ordinary order
    assert isinstance(refused, OrderCancelRejected) and refused.reason.startswith(DenyReason.ORDER_NOT_FOUND.value)
    assert parent.status is OrderStatus.ACCEPTED and [o.status for o in h.children(parent)] == [OrderStatus.ACCEPTED]


def test_an_ordinary_order_cannot_take_a_parents_id() -> None:
    h = two_venues()
    working = h.submit(BUY, "10", price="99.00")
    filled = h.submit(BUY, "2")
    for parent in (working, filled):
        again = h.factory.limit(HOME, BUY, Quantity.of(1, 4), Price.of("98.00", 2))
        order = Order(msgspec.structs.replace(again.init, client_order_id=parent.client_order_id))
        h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order))
        denied = h.child_events[-1]
        assert isinstance(denied, OrderDenied) and denied.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID
        assert order.status is OrderStatus.DENIED and parent.client_order_id not in h.node.cache.orders
    h.cancel(working)  # still reaches the parent
    assert working.status is OrderStatus.CANCELED


# -- time in force --------------------------------------------------------------------------------
def test_a_gtd_parent_past_its_expiry_is_denied_before_any_child() -> None:
    h = two_venues()
    expire = h.now + 1_000_000
    order = h.factory.limit(
        HOME, BUY, Quantity.of("10", 4), Price.of("100.00", 2), time_in_force=TimeInForce.GTD, expire_time_ns=expire
    )
    h.advance(expire)  # at its expiry: no child could work
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert order.status is OrderStatus.DENIED
    denied = h.parent_events[-1]
    assert isinstance(denied, OrderDenied) and denied.reason is DenyReason.INVALID_ORDER
    assert denied.message == f"GTD expire_time_ns {expire} is not after the current time {h.now}"
    assert not h.children(order) and not h.router.decisions
    assert not [e for e in h.child_events if isinstance(e, OrderRejected)]
    assert h.filled_by_venue() == {} and Decimal(0) == order.filled_qty.as_decimal()


# -- a routed submit of an order the core holds ---------------------------------------------------
def test_routing_a_held_contingent_order_again_is_denied_without_touching_the_held_order() -> None:
    h = two_venues()
    f = h.factory
    entry = f.limit(HOME, BUY, Quantity.of("2", 4), Price.of("99.00", 2))  # rests on A
    exit_ = f.limit(HOME, OrderSide.SELL, Quantity.of("2", 4), Price.of("150.00", 2))
    listed = f.oto(entry, exit_)
    h.node.execute(
        SubmitOrderList(ts_init=h.now, strategy_id=STRATEGY, order_list_id=listed.order_list_id, orders=listed.orders)
    )
    entry, held = listed.orders
    assert held.status is OrderStatus.INITIALIZED  # held until the entry fills
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=held, route=RoutingInstruction()))
    denied = h.parent_events[-1]
    assert isinstance(denied, OrderDenied) and denied.client_order_id == held.client_order_id
    assert held.status is OrderStatus.INITIALIZED  # the core's held order is not the router's to deny
    h.book("A", asks=[("98.00", "50")])  # the entry fills: the held exit is released
    assert entry.status is OrderStatus.FILLED
    assert held.status is OrderStatus.ACCEPTED
