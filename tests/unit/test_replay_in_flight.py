"""A journal that ends while commands are in flight replays to the node's orders, positions and
balances: a submit not yet acknowledged, a cancel or a modify not yet answered (on a resting, a
partially filled, a bracket leg and a trailing stop whose trigger the venue moves meanwhile).
The venue answers late (a latency model); after every step the journal so far is replayed and
compared field by field with the node, and the venue's later answers, fed to the replayed
orders, end where the node's orders end."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderCancelRejected, OrderEvent, OrderInitialized, OrderModifyRejected
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderList
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.journal import CompactJournal, Entry
from nautilus_platform.trading.replay import replay_journal
from nautilus_platform.trading.risk import RiskConfig
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from replay_support import assert_same_state, order_state  # the replay tests' comparison

AAPL = InstrumentId("AAPL.SIM")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MS = 1_000_000
T0 = 1_767_619_800 * 1_000_000_000


#: ``Order.validated`` says how the object was built (checked by its factory), not what happened
#: to it: a replayed order is built from its ``OrderInitialized`` alone.
def px(value: str) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


class Session:
    """A node with one simulated venue answering late (insert 3 ms, modify 2 ms, cancel 1 ms)."""

    def __init__(self) -> None:
        self.node = TradingNode(SimulatedClock(T0), risk_config=RiskConfig())
        latency = LatencyModel(insert_ns=3 * MS, modify_ns=2 * MS, cancel_ns=1 * MS)
        self.node.add_venue(
            SimulatedVenueConfig(venue_id="SIM", latency_model=latency), AccountType.MARGIN, USD,
            [Money.of(1_000_000, USD)],
        )  # fmt: skip
        self.node.add_instrument(
            Equity(
                id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
                quote_currency=USD, maker_fee=Decimal("0.0001"), taker_fee=Decimal("0.0005"),
                margin_init=Decimal("0.25"), margin_maint=Decimal("0.15"),
            )
        )  # fmt: skip
        self.factory = self.node.order_factory("S-1")
        self.now = T0
        self.checked = 0

    def now_ns(self) -> int:
        return self.node.clock.timestamp_ns()

    def quote(self, bid: str, ask: str, bid_size: int = 100, ask_size: int = 100) -> None:
        self.now += MS // 2
        self.node.process(QuoteTick.of(AAPL, px(bid), px(ask), qty(bid_size), qty(ask_size), self.now))

    def advance(self, step_ns: int) -> None:
        self.now += step_ns
        self.node.advance_time(self.now)

    def submit(self, order: Order) -> Order:
        self.node.execute(SubmitOrder(ts_init=self.now_ns(), strategy_id=order.strategy_id, order=order))
        return order

    def submit_list(self, orders: OrderList) -> tuple[Order, ...]:
        self.node.execute(
            SubmitOrderList(
                ts_init=self.now_ns(), strategy_id=self.factory.strategy_id, order_list_id=orders.order_list_id,
                orders=orders.orders,
            )
        )  # fmt: skip
        return tuple(orders.orders)

    def modify(self, order: Order, **figures: Any) -> None:
        self.node.execute(
            ModifyOrder(
                ts_init=self.now_ns(), strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id, **figures,
            )
        )  # fmt: skip

    def cancel(self, order: Order) -> None:
        self.node.execute(
            CancelOrder(
                ts_init=self.now_ns(), strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
            )
        )  # fmt: skip

    def entries(self) -> list[tuple[int, Entry]]:
        return list(self.node.journal.entries())

    def check(self) -> None:
        """The journal so far (as kept, and through a ``CompactJournal``) replays to the node."""
        entries = self.entries()
        compact = CompactJournal(block_size=5, background=False)
        for _, entry in entries:
            compact.append(entry)
        for journal in (entries, list(compact.entries())):
            assert_same_state(self.node, replay_journal(journal, self.node.cache.instruments, self.node.rates))
        self.checked += 1


def feed(orders: dict[ClientOrderId, Order], later: list[tuple[int, Entry]]) -> None:
    """Apply the order events journaled after a replay to its orders, as they come (a venue's late
    answer to a cancel or modify of an order closed meanwhile leaves it as it is, as on the node)."""
    for _, entry in later:
        if isinstance(entry, OrderInitialized):
            orders[entry.client_order_id] = Order(entry)
        elif isinstance(entry, OrderEvent):
            order = orders[entry.client_order_id]
            if isinstance(entry, OrderCancelRejected | OrderModifyRejected) and order.is_closed:
                continue
            order.apply(entry)


# -- the scenarios: each leaves something in flight at its end ------------------------------------
def modify_in_flight(s: Session) -> list[Order]:
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.limit(AAPL, BUY, qty(10), px("99.50")))
    s.advance(3 * MS)
    s.modify(order, quantity=qty(12), price=px("99.60"))
    return [order]


def modify_before_the_ack(s: Session) -> list[Order]:
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.limit(AAPL, BUY, qty(10), px("99.50")))
    s.modify(order, price=px("99.60"))
    return [order]


def cancel_in_flight(s: Session) -> list[Order]:
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.limit(AAPL, BUY, qty(10), px("99.50")))
    s.advance(3 * MS)
    s.cancel(order)
    return [order]


def modify_then_cancel_in_flight(s: Session) -> list[Order]:
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.limit(AAPL, BUY, qty(10), px("99.50")))
    s.advance(3 * MS)
    s.modify(order, price=px("99.60"))
    s.cancel(order)
    return [order]


def submit_in_flight(s: Session) -> list[Order]:
    s.quote("100.00", "100.10")
    return [s.submit(s.factory.limit(AAPL, BUY, qty(10), px("99.50")))]


def modify_of_a_partially_filled_order(s: Session) -> list[Order]:
    s.quote("100.00", "100.10", ask_size=4)
    order = s.submit(s.factory.limit(AAPL, BUY, qty(10), px("100.10")))
    s.advance(3 * MS)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    s.modify(order, quantity=qty(8))
    return [order]


def modifies_of_bracket_legs(s: Session) -> list[Order]:
    s.quote("100.00", "100.10", ask_size=50)
    entry, take_profit, stop_loss = s.submit_list(
        s.factory.bracket(AAPL, BUY, qty(30), take_profit=px("101.00"), stop_loss=px("99.00"), entry_price=px("100.10"))
    )
    s.advance(3 * MS)
    s.advance(3 * MS)
    assert entry.status is OrderStatus.FILLED and take_profit.status is OrderStatus.ACCEPTED
    s.modify(take_profit, price=px("101.50"))
    s.modify(stop_loss, trigger_price=px("98.50"))
    return [take_profit, stop_loss]


def trailing_stop_moving_while_a_modify_is_in_flight(s: Session) -> list[Order]:
    """The venue moves the stop (an ``OrderUpdated`` that answers no modify) before it applies the
    modify: the order is still PENDING_UPDATE."""
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.trailing_stop_market(AAPL, SELL, qty(10), trailing_offset=Decimal("1.00")))
    s.advance(3 * MS)
    s.modify(order, quantity=qty(8))
    s.quote("100.50", "100.60")  # the stop trails to 99.50
    assert order.status is OrderStatus.PENDING_UPDATE and order.trigger_price == px("99.50")
    return [order]


def trailing_stop_leg_resized_by_the_core(s: Session) -> list[Order]:
    """An OCO's take-profit fills in part: the core resizes its trailing stop leg (a modify with no
    ``ModifyOrder`` journaled), which then trails while the resize is in flight."""
    s.quote("100.00", "100.10", ask_size=50)
    s.submit(s.factory.market(AAPL, BUY, qty(30)))
    f = s.factory
    take_profit, stop_loss = s.submit_list(
        f.oco(
            f.limit(AAPL, SELL, qty(30), px("100.30")),
            f.trailing_stop_market(AAPL, SELL, qty(30), trailing_offset=Decimal("1.00")),
        )
    )
    s.advance(3 * MS)
    s.quote("100.30", "100.40", bid_size=10)  # the take-profit fills 10: the stop is cut to 20
    assert take_profit.filled_raw and stop_loss.status is OrderStatus.PENDING_UPDATE
    s.quote("100.60", "100.70", bid_size=0)  # the stop trails while the cut is in flight
    assert stop_loss.status is OrderStatus.PENDING_UPDATE and stop_loss.quantity == qty(30)
    return [stop_loss]


def modifies_answered_one_by_one_and_a_trailing_move(s: Session) -> list[Order]:
    """The first answer brings the order back to ACCEPTED (the second is still in flight); a
    third modify, then the venue trails the stop before it answers the second and third."""
    s.quote("100.00", "100.10")
    order = s.submit(s.factory.trailing_stop_market(AAPL, SELL, qty(10), trailing_offset=Decimal("1.00")))
    s.advance(3 * MS)
    s.modify(order, quantity=qty(8))  # answered 2 ms later
    s.advance(9 * MS // 10)
    s.modify(order, quantity=qty(7))  # answered 2 ms later
    s.advance(11 * MS // 10)  # the first is answered
    assert order.status is OrderStatus.ACCEPTED and order.quantity == qty(8)
    s.modify(order, quantity=qty(6))
    s.quote("100.50", "100.60")  # the stop trails: the second and third are still in flight
    assert order.status is OrderStatus.PENDING_UPDATE and order.quantity == qty(8)
    assert order.trigger_price == px("99.50")
    return [order]


SCENARIOS: dict[str, Callable[[Session], list[Order]]] = {
    f.__name__: f
    for f in (
        modify_in_flight, modify_before_the_ack, cancel_in_flight, modify_then_cancel_in_flight, submit_in_flight,
        modify_of_a_partially_filled_order, modifies_of_bracket_legs, trailing_stop_moving_while_a_modify_is_in_flight,
        trailing_stop_leg_resized_by_the_core, modifies_answered_one_by_one_and_a_trailing_move,
    )
}  # fmt: skip
IN_FLIGHT = (OrderStatus.SUBMITTED, OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_journal_ending_with_commands_in_flight_replays_to_the_node(scenario: str) -> None:
    s = Session()
    orders = SCENARIOS[scenario](s)
    assert all(order.status in IN_FLIGHT for order in orders), orders  # the journal ends mid-flight
    cut = s.entries()
    s.check()
    # The venue answers, the market moves on: each step's journal replays to the node, and the
    # answers fed to the orders replayed at the cut end where the node's orders end.
    for _ in range(4):
        s.advance(MS)
        s.check()
    s.quote("100.80", "100.90")
    s.advance(5 * MS)
    s.check()
    assert not any(order.status in IN_FLIGHT for order in orders), orders
    resumed = replay_journal(cut, s.node.cache.instruments, s.node.rates).orders
    feed(resumed, s.entries()[len(cut) :])
    for cid, order in s.node.cache.orders.items():
        assert order_state(resumed[cid]) == order_state(order), cid


def test_a_trailing_stop_moved_during_a_modify_replays_pending_update() -> None:
    """Fails before the fix: the replay took the venue's trailing move for the modify's answer,
    so the order came back ACCEPTED (the node's is PENDING_UPDATE, the modify to 8 in flight)."""
    s = Session()
    (order,) = trailing_stop_moving_while_a_modify_is_in_flight(s)
    replayed = replay_journal(s.entries(), s.node.cache.instruments, s.node.rates).orders[order.client_order_id]
    assert (replayed.status, replayed.quantity, replayed.trigger_price) == (
        OrderStatus.PENDING_UPDATE, qty(10), px("99.50"),
    )  # fmt: skip
    s.advance(2 * MS)  # the modify is answered
    assert order.status is OrderStatus.ACCEPTED and order.quantity == qty(8)
    s.check()
