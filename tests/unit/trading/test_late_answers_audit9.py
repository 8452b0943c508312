"""Audit 9: a venue's late answer to a cancel or modify, through a real ``TradingNode`` whose
simulated venue answers late (a latency model).

The order closes (fills, is cancelled, expires) while the strategy's cancel or modify is on its way
to the venue, which then answers ``OrderCancelRejected`` / ``OrderModifyRejected`` ("order not
found or not open at the venue"). That is the normal "too late" answer, not an inconsistent venue:
the strategy hears it in ``on_order_event``, it is journaled (and a replay rebuilds the same
orders, positions and balances), the closed order is left as it is, no modify stays in flight, and
nothing reaches ``events.error`` / ``refused_events``. A rejection that answers nothing the engine
sent, and the other inconsistent venue events, are still refused."""

from __future__ import annotations

import sys
from pathlib import Path

from test_oms_audit4 import AAPL, BUY, MS, SECOND, px, qty
from test_oms_audit4 import Node as HarnessNode

from nautilus_platform.core.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from nautilus_platform.model.enums import LiquiditySide, OrderStatus, TimeInForce
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
)
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.engine import StrategyEngine
from nautilus_platform.trading.replay import replay_journal
from nautilus_platform.venues.simulated import LatencyModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
from replay_support import assert_same_state  # the replay tests' comparison

TOO_LATE = "order not found or not open at the venue"


class Trader(Strategy):
    """Records every order event it hears."""

    def on_start(self) -> None:
        self.heard: list[OrderEvent] = []

    def on_order_event(self, event: OrderEvent) -> None:
        self.heard.append(event)


class Node(HarnessNode):
    """The OMS audit's node (venue SIM answering inserts in 1 ms, modifies and cancels in 10 ms
    unless told) with a running strategy ``T`` and a resting limit buy of 100 at 99.00."""

    def __init__(self, cancel_ms: int = 10, modify_ms: int = 10) -> None:
        super().__init__(latency=LatencyModel(insert_ns=1 * MS, modify_ns=modify_ms * MS, cancel_ns=cancel_ms * MS))
        self.strategies = StrategyEngine(self.node)
        self.trader = Trader("T")
        self.strategies.add(self.trader)
        self.strategies.start()
        self.quote("100.00", "100.10")

    def rest(self, **kwargs: object) -> Order:
        order = self.trader.orders.limit(AAPL, BUY, qty(100), px("99.00"), **kwargs)  # type: ignore[arg-type]
        self.trader.submit(order)
        self.advance_to(self.now + 2 * MS)
        assert order.status is OrderStatus.ACCEPTED
        return order

    def fill_it(self) -> None:
        """The market comes down through 99.00 before the cancel or modify reaches the venue."""
        self.quote("98.80", "98.90", step_ns=1 * MS)

    def heard(self, order: Order) -> list[str]:
        return [type(e).__name__ for e in self.trader.heard if e.client_order_id == order.client_order_id]

    def assert_no_refusal(self) -> None:
        assert self.errors == []
        assert self.node.execution.refused_events == []
        assert self.node.cache.modifies_in_flight == {}

    def journaled(self) -> list[object]:
        return [entry for _, entry in self.node.journal.entries()]

    def assert_replays(self) -> None:
        assert_same_state(self.node, replay_journal(self.node.journal.entries(), self.node.cache.instruments))


def _late(n: Node, order: Order, kind: type[OrderEvent]) -> OrderEvent:
    """The one late answer of ``kind`` to ``order``: heard by the strategy and journaled, never
    among the closed order's events."""
    heard = [e for e in n.trader.heard if type(e) is kind and e.client_order_id == order.client_order_id]
    assert len(heard) == 1, n.heard(order)
    journaled = [e for e in n.journaled() if e is heard[0]]
    assert len(journaled) == 1
    assert all(type(e) is not kind for e in order.events)
    return heard[0]


# -- a cancel that races a fill -----------------------------------------------------------------------
def test_a_cancel_that_races_a_fill_is_answered_too_late_not_refused() -> None:
    """Fails before the fix: the venue's ``OrderCancelRejected`` was an invalid transition from FILLED,
    refused and published on ``events.error``, and the strategy never heard its cancel was too late."""
    n = Node()
    order = n.rest()
    n.trader.cancel(order)
    assert order.status is OrderStatus.PENDING_CANCEL
    n.fill_it()
    assert order.status is OrderStatus.FILLED
    closed_events = list(order.events)
    n.advance_to(n.now + 50 * MS)  # the cancel reaches the venue: too late
    assert order.status is OrderStatus.FILLED and order.events == closed_events
    assert n.position() == 100 * SECOND
    n.assert_no_refusal()
    late = _late(n, order, OrderCancelRejected)
    assert late.reason == TOO_LATE  # type: ignore[attr-defined]
    assert n.heard(order)[-3:] == ["OrderPendingCancel", "OrderFilled", "OrderCancelRejected"]
    n.assert_replays()


# -- a modify that races a fill or a cancel -------------------------------------------------------------
def test_a_modify_that_races_a_fill_is_answered_too_late_and_leaves_nothing_in_flight() -> None:
    n = Node()
    order = n.rest()
    n.trader.modify(order, price=px("98.50"))
    assert order.status is OrderStatus.PENDING_UPDATE
    assert list(n.node.cache.modifies_in_flight) == [order.client_order_id]
    n.fill_it()
    assert order.status is OrderStatus.FILLED and order.price == px("99.00")
    n.advance_to(n.now + 50 * MS)
    assert order.status is OrderStatus.FILLED
    assert _late(n, order, OrderModifyRejected).reason == TOO_LATE  # type: ignore[attr-defined]
    assert n.heard(order)[-3:] == ["OrderPendingUpdate", "OrderFilled", "OrderModifyRejected"]
    n.assert_no_refusal()
    n.assert_replays()


def test_a_modify_overtaken_by_a_faster_cancel_is_answered_too_late() -> None:
    n = Node(cancel_ms=1, modify_ms=10)
    order = n.rest()
    n.trader.modify(order, quantity=qty(50))
    n.trader.cancel(order)
    assert order.status is OrderStatus.PENDING_CANCEL
    n.advance_to(n.now + 2 * MS)  # the cancel arrives first
    assert order.status is OrderStatus.CANCELED and order.quantity == qty(100)
    assert n.node.cache.modifies_in_flight == {}
    n.advance_to(n.now + 50 * MS)
    assert order.status is OrderStatus.CANCELED
    _late(n, order, OrderModifyRejected)
    assert n.heard(order)[-2:] == ["OrderCanceled", "OrderModifyRejected"]
    n.assert_no_refusal()
    n.assert_replays()


# -- a cancel that races an expiry -------------------------------------------------------------------
def test_a_cancel_that_races_an_expiry_is_answered_too_late() -> None:
    n = Node()
    order = n.rest(time_in_force=TimeInForce.GTD, expire_time_ns=n.now + 5 * MS)
    n.trader.cancel(order)
    n.advance_to(n.now + 50 * MS)
    assert order.status is OrderStatus.EXPIRED
    _late(n, order, OrderCancelRejected)
    assert n.heard(order)[-2:] == ["OrderExpired", "OrderCancelRejected"]
    assert [type(e) for e in order.events][-1] is OrderExpired
    n.assert_no_refusal()
    n.assert_replays()


# -- what is still refused -------------------------------------------------------------------------------
def _filled_without_cancel(n: Node) -> Order:
    order = n.rest()
    n.fill_it()
    assert order.status is OrderStatus.FILLED
    return order


def _refused(n: Node, event: OrderEvent) -> str:
    """Feed ``event`` as the venue's: it must be refused, not journaled nor heard by the strategy."""
    entries, heard, errors = len(n.journaled()), len(n.trader.heard), len(n.errors)
    n.node.execution.on_venue_event(event)
    refused, why = n.node.execution.refused_events[-1]
    assert refused is event
    assert n.errors[errors:] == [(event, why)]
    assert len(n.journaled()) == entries and len(n.trader.heard) == heard
    return why


def _common(n: Node, order: Order) -> dict[str, object]:
    return {
        "ts_event": n.now, "ts_init": n.now, "strategy_id": order.strategy_id, "instrument_id": AAPL,
        "client_order_id": order.client_order_id,
    }  # fmt: skip


def test_a_cancel_rejection_of_a_closed_order_never_cancelled_is_still_refused() -> None:
    n = Node()
    order = _filled_without_cancel(n)
    why = _refused(n, OrderCancelRejected(**_common(n, order), reason=TOO_LATE))  # type: ignore[arg-type]
    assert "FILLED" in why and order.status is OrderStatus.FILLED


def test_a_modify_rejection_of_a_closed_order_that_only_had_a_cancel_is_still_refused() -> None:
    n = Node()
    order = n.rest()
    n.trader.cancel(order)
    n.advance_to(n.now + 50 * MS)
    assert order.status is OrderStatus.CANCELED
    _refused(n, OrderModifyRejected(**_common(n, order), reason=TOO_LATE))  # type: ignore[arg-type]
    assert type(order.events[-1]) is OrderCanceled
    n.assert_replays()


def test_a_fill_of_an_unknown_or_a_filled_order_is_still_refused() -> None:
    n = Node()
    order = n.rest()
    n.trader.cancel(order)
    n.fill_it()  # a cancel was requested: that excuses a late rejection, not another fill
    n.advance_to(n.now + 50 * MS)

    def fill(cid: ClientOrderId, trade_id: str) -> OrderFilled:
        common = _common(n, order) | {"client_order_id": cid}
        return OrderFilled(
            **common, venue_order_id=VenueOrderId("V-X"), account_id=AccountId("SIM-001"),  # type: ignore[arg-type]
            trade_id=TradeId(trade_id), position_id=None, order_side=BUY, order_type=order.order_type,
            last_qty=qty(10), last_px=px("99.00"), commission=Money.of(0, USD),
            liquidity_side=LiquiditySide.MAKER,
        )  # fmt: skip

    assert "unknown order" in _refused(n, fill(ClientOrderId("O-NOBODY"), "X-1"))
    _refused(n, fill(order.client_order_id, "X-2"))  # an overfill of the filled order
    assert order.status is OrderStatus.FILLED and order.filled_qty == qty(100)
    n.assert_replays()
