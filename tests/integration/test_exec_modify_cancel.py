"""Modify and cancel of working orders through ``TradingNode``, and of orders that cannot be."""

from __future__ import annotations

from exec_support import AAPL, Harness, px, qty, raw

from nautilus_platform.core.identifiers import ClientOrderId, StrategyId
from nautilus_platform.model.commands import CancelAllOrders, CancelOrder, ModifyOrder
from nautilus_platform.model.enums import DenyReason, OrderSide, OrderStatus
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderModifyRejected,
    OrderUpdated,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _venue_rec(h: Harness, cid: ClientOrderId):  # type: ignore[no-untyped-def]
    engine = h.node.venues[AAPL.venue].engine(AAPL)
    assert engine is not None
    return engine.get_order(cid)


# -- modify ---------------------------------------------------------------------------------------
def test_modify_price_of_a_resting_limit_moves_it_at_the_venue() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(50), px("99.00")))
    h.modify(order, price=px("99.50"))
    assert order.status is OrderStatus.ACCEPTED
    assert order.price == px("99.50")
    assert h.kinds(order)[-2:] == ["OrderPendingUpdate", "OrderUpdated"]
    assert _venue_rec(h, order.client_order_id).price_raw == raw("99.50")
    h.quote("99.55", "99.60")
    assert order.status is OrderStatus.ACCEPTED  # the new limit is not reached yet
    h.quote("99.40", "99.50")
    assert order.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, order)[0].last_px == px("99.50")


def test_modify_to_a_marketable_price_fills_at_once() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(50), px("99.00")))
    h.modify(order, price=px("100.20"))
    assert order.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, order)[0].last_px == px("100.10")  # takes the ask
    assert h.position_raw() == raw(50)


def test_modify_quantity_updates_order_venue_and_open_order_aggregates() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    h.modify(order, quantity=qty(40))
    assert order.quantity == qty(40) and order.status is OrderStatus.ACCEPTED
    assert _venue_rec(h, order.client_order_id).quantity == qty(40)
    agg = h.node.cache.side_aggregate(AAPL, BUY)
    assert agg.count == 1 and agg.leaves_raw == raw(40)
    h.quote("98.90", "99.00", ask_size=500)
    assert order.status is OrderStatus.FILLED and order.filled_qty == qty(40)
    assert agg.count == 0 and agg.leaves_raw == 0
    assert h.position_raw() == raw(40)


def test_modify_trigger_of_a_stop_and_trigger_it_by_the_modify() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    stop = h.submit(h.factory.stop_market(AAPL, SELL, qty(10), px("99.00")))
    h.modify(stop, trigger_price=px("99.80"))
    assert stop.trigger_price == px("99.80") and stop.status is OrderStatus.ACCEPTED
    h.quote("99.90", "100.00")
    assert stop.status is OrderStatus.ACCEPTED
    h.modify(stop, trigger_price=px("99.95"))  # now at/above the bid: fires on the modify
    assert stop.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, stop)[0].last_px == px("99.90")
    assert h.position_raw() == -raw(10)


def test_venue_refusal_of_a_modify_restores_the_previous_status() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.modify(order, trigger_price=px("98.00"))  # a plain limit has no trigger to move
    assert order.status is OrderStatus.ACCEPTED
    (rejected,) = h.of_type(OrderModifyRejected, order)
    assert "trigger" in rejected.reason
    assert order.trigger_price is None and order.price == px("99.00")


def test_modify_quantity_to_the_filled_quantity_is_refused_and_the_order_keeps_working() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=30)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    assert order.filled_qty == qty(30)
    h.modify(order, quantity=qty(30))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.quantity == qty(100)
    (rejected,) = h.of_type(OrderModifyRejected, order)
    assert DenyReason.INVALID_ORDER.value in rejected.reason
    h.quote("100.00", "100.05", ask_size=100)
    assert order.status is OrderStatus.FILLED and order.filled_qty == qty(100)


def test_modify_and_cancel_of_an_unknown_order_are_rejected_and_the_engine_keeps_running() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    unknown = ClientOrderId("O-NOPE-1")
    now = h.node.clock.timestamp_ns()
    strategy = h.factory.strategy_id
    before = len(h.node.cache.orders)
    h.node.execute(
        ModifyOrder(ts_init=now, strategy_id=strategy, instrument_id=AAPL, client_order_id=unknown, price=px("1.00"))
    )
    h.node.execute(CancelOrder(ts_init=now, strategy_id=strategy, instrument_id=AAPL, client_order_id=unknown))
    (mod,) = h.of_type(OrderModifyRejected)
    (can,) = h.of_type(OrderCancelRejected)
    assert mod.client_order_id == unknown and DenyReason.ORDER_NOT_FOUND.value in mod.reason
    assert can.client_order_id == unknown and DenyReason.ORDER_NOT_FOUND.value in can.reason
    assert len(h.node.cache.orders) == before
    order = h.submit(h.factory.market(AAPL, BUY, qty(5)))
    assert order.status is OrderStatus.FILLED


def test_another_strategy_cannot_modify_or_cancel_an_order_it_does_not_own() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    other = StrategyId("S-2")
    now = h.node.clock.timestamp_ns()
    cid = order.client_order_id
    h.node.execute(ModifyOrder(ts_init=now, strategy_id=other, instrument_id=AAPL, client_order_id=cid, price=px("98")))
    h.node.execute(CancelOrder(ts_init=now, strategy_id=other, instrument_id=AAPL, client_order_id=cid))
    assert order.status is OrderStatus.ACCEPTED and order.price == px("99.00")
    assert [e.strategy_id for e in h.of_type(OrderModifyRejected)] == [other]
    assert [e.strategy_id for e in h.of_type(OrderCancelRejected)] == [other]


def test_modify_and_cancel_of_closed_orders_are_rejected_without_changing_them() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    filled = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    canceled = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.cancel(canceled)
    assert (filled.status, canceled.status) == (OrderStatus.FILLED, OrderStatus.CANCELED)
    n_filled, n_canceled = len(filled.events), len(canceled.events)
    for order in (filled, canceled):
        h.modify(order, quantity=qty(20))
        h.cancel(order)
    assert (filled.status, canceled.status) == (OrderStatus.FILLED, OrderStatus.CANCELED)
    assert (len(filled.events), len(canceled.events)) == (n_filled, n_canceled)  # nothing applied
    assert filled.quantity == qty(10)
    assert len(h.of_type(OrderModifyRejected)) == 2
    assert len(h.of_type(OrderCancelRejected)) == 2
    assert h.node.execution.refused_events == []
    assert h.position_raw() == raw(10)


# -- cancel ---------------------------------------------------------------------------------------
def test_cancel_of_a_working_order_removes_it_from_venue_and_cache_indexes() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.cancel(order)
    assert order.status is OrderStatus.CANCELED
    assert h.kinds(order)[-2:] == ["OrderPendingCancel", "OrderCanceled"]
    assert _venue_rec(h, order.client_order_id) is None
    assert h.node.cache.orders_open() == []
    assert h.node.cache.side_aggregate(AAPL, BUY).leaves_raw == 0
    h.quote("98.00", "98.10")
    assert order.filled_raw == 0


def test_cancel_of_a_partially_filled_order_keeps_its_fills_and_position() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=25)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    h.cancel(order)
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == qty(25)
    assert h.position_raw() == raw(25)


def test_cancel_all_orders_of_one_side() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    buys = [h.submit(h.factory.limit(AAPL, BUY, qty(10), px(p))) for p in ("99.00", "98.00")]
    sell = h.submit(h.factory.limit(AAPL, SELL, qty(10), px("101.00")))
    h.node.execute(
        CancelAllOrders(
            ts_init=h.node.clock.timestamp_ns(), strategy_id=h.factory.strategy_id, instrument_id=AAPL, order_side=BUY
        )
    )
    assert [o.status for o in buys] == [OrderStatus.CANCELED, OrderStatus.CANCELED]
    assert sell.status is OrderStatus.ACCEPTED
    assert len(h.of_type(OrderCanceled)) == 2


def test_updates_are_applied_in_order_and_the_last_one_wins() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    for p in ("98.00", "98.50", "97.25"):
        h.modify(order, price=px(p))
    assert [e.price for e in h.of_type(OrderUpdated, order)] == [px("98.00"), px("98.50"), px("97.25")]
    assert order.price == px("97.25")
    assert _venue_rec(h, order.client_order_id).price_raw == raw("97.25")
