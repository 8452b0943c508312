"""Audit 4 of order management: contingent legs, modifies, expiries and the order lifecycle,
probed through a real ``TradingNode`` with a simulated venue (and on ``Order`` itself)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import DuplicateFillError, InvalidStateTransition, OverfillError
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId, TradeId, VenueOrderId
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.data import QuoteTick, TradeTick
from nautilus_platform.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
)
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderFilled,
    OrderModifyRejected,
    OrderSubmitted,
)
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderFactory, OrderList
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

SECOND = 1_000_000_000
MS = 1_000_000
T0 = 1_767_619_800 * SECOND  # 2026-01-05 13:30:00 UTC
AAPL = InstrumentId("AAPL.SIM")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
ACCOUNT = AccountId("SIM-001")
E = TypeVar("E")


def px(value: str) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


def raw(value: int) -> int:
    return value * 1_000_000_000


class Node:
    """A node with venue SIM (margin account, 1,000,000 USD) trading AAPL.SIM (2 price decimals,
    0 size decimals unless told), strategy S-1's factory and an event log."""

    def __init__(
        self,
        limits: RiskLimits | None = None,
        latency: LatencyModel | None = None,
        price_precision: int = 2,
        tick: str = "0.01",
    ) -> None:
        self.now = T0
        self.node = TradingNode(SimulatedClock(self.now), risk_config=RiskConfig(defaults=limits or RiskLimits()))
        venue = SimulatedVenueConfig(venue_id="SIM", latency_model=latency or LatencyModel())
        self.node.add_venue(venue, AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
        self.node.add_instrument(
            Equity(
                id=AAPL, price_precision=price_precision, size_precision=0, tick_size=Price.of(tick),
                lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.25"),
                margin_maint=Decimal("0.15"),
            )
        )  # fmt: skip
        self.pp = price_precision
        self.events: list[Any] = []
        self.errors: list[Any] = []
        self.node.bus.subscribe("events.*", self.events.append)
        self.node.bus.subscribe("events.error", self.errors.append)
        self.factory: OrderFactory = self.node.order_factory("S-1")

    def price(self, value: str) -> Price:
        return Price.of(value, self.pp)

    def quote(self, bid: str, ask: str, bid_size: int = 100, ask_size: int = 100, step_ns: int = SECOND) -> None:
        self.now += step_ns
        self.node.process(QuoteTick.of(AAPL, self.price(bid), self.price(ask), qty(bid_size), qty(ask_size), self.now))

    def trade(self, price: str, size: int = 100, step_ns: int = SECOND) -> None:
        self.now += step_ns
        self.node.process(
            TradeTick.of(AAPL, self.price(price), qty(size), AggressorSide.BUYER, f"X-{self.now}", self.now)
        )

    def advance_to(self, ts: int) -> None:
        self.now = max(self.now, ts)
        self.node.advance_time(ts)

    def submit(self, order: Order) -> Order:
        self.node.execute(SubmitOrder(ts_init=self.now, strategy_id=order.strategy_id, order=order))
        return order

    def submit_list(self, orders: OrderList) -> tuple[Order, ...]:
        self.node.execute(
            SubmitOrderList(
                ts_init=self.now, strategy_id=self.factory.strategy_id, order_list_id=orders.order_list_id,
                orders=orders.orders,
            )
        )  # fmt: skip
        return orders.orders

    def modify(
        self, order: Order, quantity: Quantity | None = None, price: Price | None = None, trigger: Price | None = None
    ) -> None:
        self.node.execute(
            ModifyOrder(
                ts_init=self.now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id, quantity=quantity, price=price, trigger_price=trigger,
            )
        )  # fmt: skip

    def cancel(self, order: Order) -> None:
        self.node.execute(
            CancelOrder(
                ts_init=self.now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
            )
        )  # fmt: skip

    def of_type(self, kind: type[E], order: Order | None = None) -> list[E]:
        return [
            e
            for e in self.events
            if type(e) is kind and (order is None or getattr(e, "client_order_id", None) == order.client_order_id)
        ]

    def position(self) -> int:
        return self.node.portfolio.net_positions.get(AAPL, 0)


# -- Order on its own ------------------------------------------------------------------------
def _order(kind: OrderType = OrderType.LIMIT) -> Order:
    f = OrderFactory(StrategyId("S-1"), SimulatedClock(T0))
    if kind is OrderType.LIMIT:
        return f.limit(AAPL, BUY, qty(100), px("100.00"))
    return f.stop_limit(AAPL, BUY, qty(100), px("101.00"), px("100.50"))


def _submitted(order: Order) -> Order:
    order.apply(
        OrderSubmitted(
            ts_event=T0, ts_init=T0, strategy_id=order.strategy_id, instrument_id=AAPL,
            client_order_id=order.client_order_id, account_id=ACCOUNT,
        )
    )  # fmt: skip
    return order


def _accepted(order: Order) -> Order:
    _submitted(order)
    order.apply(
        OrderAccepted(
            ts_event=T0, ts_init=T0, strategy_id=order.strategy_id, instrument_id=AAPL,
            client_order_id=order.client_order_id, account_id=ACCOUNT, venue_order_id=VenueOrderId("V-1"),
        )
    )  # fmt: skip
    return order


def _fill(order: Order, quantity: int, trade_id: str) -> OrderFilled:
    return OrderFilled(
        ts_event=T0, ts_init=T0, strategy_id=order.strategy_id, instrument_id=AAPL,
        client_order_id=order.client_order_id, account_id=ACCOUNT, venue_order_id=VenueOrderId("V-1"),
        trade_id=TradeId(trade_id), order_side=order.side, order_type=order.order_type, last_qty=qty(quantity),
        last_px=px("100.00"), commission=Money.zero(USD), liquidity_side=LiquiditySide.MAKER,
    )  # fmt: skip


# -- probes ------------------------------------------------------------------------------------
def _long_100(n: Node) -> None:
    n.quote("100.00", "100.10", ask_size=500)
    n.submit(n.factory.market(AAPL, BUY, qty(100)))
    n.advance_to(n.now + 1)
    assert n.position() == raw(100)


def test_oco_partial_fill_reduces_the_sibling() -> None:
    n = Node(RiskLimits(check_reduce_only=False))
    _long_100(n)
    f = n.factory
    tp, sl = n.submit_list(
        f.oco(f.limit(AAPL, SELL, qty(100), px("101.00")), f.stop_market(AAPL, SELL, qty(100), px("99.00")))
    )
    n.quote("101.00", "101.10", bid_size=30)
    assert tp.filled_raw == raw(30) and tp.status is OrderStatus.PARTIALLY_FILLED
    assert sl.quantity == qty(70) and sl.status is OrderStatus.ACCEPTED


def test_bracket_entry_partially_filled_then_cancelled_keeps_exits_at_the_filled_size() -> None:
    n = Node()
    n.quote("100.00", "100.10", ask_size=40)
    entry, tp, sl = n.submit_list(
        n.factory.bracket(
            AAPL, BUY, qty(100), take_profit=px("101.00"), stop_loss=px("99.00"), entry_price=px("100.10")
        )
    )
    assert entry.filled_raw == raw(40)
    n.cancel(entry)
    assert entry.status is OrderStatus.CANCELED
    assert tp.quantity == qty(40) and sl.quantity == qty(40)
    assert tp.is_open and sl.is_open


def test_oto_child_is_released_only_by_a_fill() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    f = n.factory
    parent, child = n.submit_list(
        f.oto(f.limit(AAPL, BUY, qty(50), px("99.00")), f.limit(AAPL, SELL, qty(50), px("102.00")))
    )
    assert parent.status is OrderStatus.ACCEPTED and child.status is OrderStatus.INITIALIZED
    n.modify(parent, price=px("99.50"))  # an update is not a fill
    assert parent.price == px("99.50") and child.status is OrderStatus.INITIALIZED
    n.quote("99.40", "99.50", ask_size=20)
    assert parent.filled_raw == raw(20)
    assert child.status is OrderStatus.ACCEPTED and child.quantity == qty(20)


def test_trailing_stop_in_basis_points_on_a_whole_number_instrument_rounds_to_ticks() -> None:
    n = Node(price_precision=0, tick="1")
    n.quote("1000", "1002", ask_size=500)
    n.submit(n.factory.market(AAPL, BUY, qty(10)))
    stop = n.submit(
        n.factory.trailing_stop_market(
            AAPL, SELL, qty(10), trailing_offset=Decimal("50"), trailing_offset_type=TrailingOffsetType.BASIS_POINTS
        )
    )
    assert stop.trigger_price is not None
    # a sell trails the bid: 1000 less 50 bps (5.00) = 995
    assert stop.trigger_price.raw == raw(995)
    assert stop.trigger_price.raw % raw(1) == 0
    n.quote("1010", "1012")  # 1010 less 50 bps (5.05) = 1004.95, rounded down to the tick: 1004
    assert stop.trigger_price.raw == raw(1004)


def test_gtd_order_expires_exactly_at_its_expire_time() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    expire = n.now + 10 * SECOND
    order = n.submit(n.factory.limit(AAPL, BUY, qty(10), px("99.00"), TimeInForce.GTD, expire_time_ns=expire))
    n.advance_to(expire - 1)
    assert order.status is OrderStatus.ACCEPTED
    n.advance_to(expire)
    assert order.status is OrderStatus.EXPIRED


def test_modify_of_a_partially_filled_order_below_its_filled_quantity_is_rejected_and_changes_nothing() -> None:
    n = Node()
    n.quote("100.00", "100.10", ask_size=30)
    order = n.submit(n.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    assert order.filled_raw == raw(30)
    for asked in (20, 30):
        n.modify(order, quantity=qty(asked))
        assert order.quantity == qty(100) and order.status is OrderStatus.PARTIALLY_FILLED
        rejected = n.of_type(OrderModifyRejected, order)
        assert rejected and "INVALID_ORDER" in rejected[-1].reason
    n.modify(order, quantity=qty(31))
    assert order.quantity == qty(31) and order.leaves_raw == raw(1)


def test_trailing_stop_move_while_a_sibling_reduction_is_in_flight_keeps_the_leg_base() -> None:
    # An OCO of a take-profit and a trailing stop; the take-profit's fill cuts the stop to 70,
    # and before the venue answers the stop trails (an OrderUpdated at the old quantity).
    n = Node(RiskLimits(check_reduce_only=False), latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    _long_100(n)
    f = n.factory
    tp, stop = n.submit_list(
        f.oco(
            f.limit(AAPL, SELL, qty(100), px("101.00")),
            f.trailing_stop_market(AAPL, SELL, qty(100), trailing_offset=Decimal("1.00")),
        )
    )
    n.advance_to(n.now + 1)
    # tp fills 30: the stop's cut to 70 is in flight; the same quote moves the stop's trigger up
    # to 100.00 (an OrderUpdated at the old quantity, 100) before the venue answers the cut
    n.quote("101.00", "101.10", bid_size=30, step_ns=1 * MS)
    assert tp.filled_raw == raw(30) and stop.client_order_id in n.node.cache.modifies_in_flight
    assert stop.quantity == qty(100) and stop.trigger_price == px("100.00")
    n.advance_to(n.now + 50 * MS)
    assert stop.quantity == qty(70)
    n.quote("101.00", "101.10", bid_size=20, step_ns=1 * MS)  # 20 more: the stop covers 50
    n.advance_to(n.now + 50 * MS)
    assert n.position() == raw(50)
    assert stop.quantity == qty(50), stop


def test_strategy_trigger_modify_answered_after_a_sibling_fill_keeps_the_leg_base() -> None:
    # The strategy moves the stop (trigger only); before the venue answers, the take-profit fills
    # 30 and the manager sends the stop's cut to 70. The strategy's answer (quantity 100, the
    # quantity it left) must not be read as a new base of 100 + 30.
    n = Node(RiskLimits(check_reduce_only=False), latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    _long_100(n)
    f = n.factory
    _, stop = n.submit_list(
        f.oco(f.limit(AAPL, SELL, qty(100), px("101.00")), f.stop_market(AAPL, SELL, qty(100), px("99.00")))
    )
    n.advance_to(n.now + 1)
    n.modify(stop, trigger=px("99.50"))
    n.quote("101.00", "101.10", bid_size=30, step_ns=1 * MS)  # tp fills 30: cut to 70 sent behind it
    n.advance_to(n.now + 50 * MS)
    assert stop.quantity == qty(70) and stop.trigger_price == px("99.50")
    n.quote("101.00", "101.10", bid_size=20, step_ns=1 * MS)
    n.advance_to(n.now + 50 * MS)
    assert n.position() == raw(50)
    assert stop.quantity == qty(50), stop


def test_overfill_and_duplicate_fill_raise_typed_errors_and_change_nothing() -> None:
    order = _accepted(_order())
    order.apply(_fill(order, 60, "T-1"))
    with pytest.raises(DuplicateFillError):
        order.apply(_fill(order, 10, "T-1"))
    with pytest.raises(OverfillError):
        order.apply(_fill(order, 41, "T-2"))
    assert order.filled_raw == raw(60) and order.status is OrderStatus.PARTIALLY_FILLED
    order.apply(_fill(order, 40, "T-2"))
    assert order.status is OrderStatus.FILLED
    with pytest.raises((InvalidStateTransition, OverfillError)):
        order.apply(_fill(order, 1, "T-3"))
    assert order.filled_raw == raw(100) and order.status is OrderStatus.FILLED


def test_invalid_transition_raises_a_typed_error_and_changes_nothing() -> None:
    order = _order()
    events = list(order.events)
    with pytest.raises(InvalidStateTransition):
        order.apply(
            OrderAccepted(
                ts_event=T0, ts_init=T0, strategy_id=order.strategy_id, instrument_id=AAPL,
                client_order_id=order.client_order_id, account_id=ACCOUNT, venue_order_id=VenueOrderId("V-1"),
            )
        )  # fmt: skip
    assert order.status is OrderStatus.INITIALIZED and order.events == events and order.venue_order_id is None


def test_venue_duplicate_fill_is_refused_and_reported_on_the_node() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    order = n.submit(n.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    fill = _fill(order, 10, "T-X")
    n.node.execution.on_venue_event(fill)
    n.node.execution.on_venue_event(fill)
    assert order.filled_raw == raw(10)
    assert n.position() == raw(10)
    assert len(n.errors) == 1 and "duplicate" in n.errors[0][1]


def test_modify_cannot_give_a_price_to_an_order_type_without_one() -> None:
    # A price on a MARKET / STOP_MARKET order, or a trigger on a LIMIT order, is not a field
    # that order has: the modify is refused and the order keeps its figures.
    n = Node()
    n.quote("100.00", "100.10")
    f = n.factory
    stop = n.submit(f.stop_market(AAPL, BUY, qty(10), px("101.00")))
    limit = n.submit(f.limit(AAPL, BUY, qty(10), px("99.00")))
    n.modify(stop, price=px("101.50"))
    n.modify(limit, trigger=px("98.00"))
    assert stop.price is None and stop.trigger_price == px("101.00")
    assert limit.trigger_price is None and limit.price == px("99.00")
    assert n.of_type(OrderModifyRejected, stop) and n.of_type(OrderModifyRejected, limit)


def test_modify_of_a_held_market_child_cannot_give_it_a_price() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    f = n.factory
    _, child = n.submit_list(f.oto(f.limit(AAPL, BUY, qty(10), px("99.00")), f.market(AAPL, SELL, qty(10))))
    assert child.status is OrderStatus.INITIALIZED
    n.modify(child, price=px("105.00"))
    assert child.price is None
    assert n.of_type(OrderModifyRejected, child)


def test_bracket_exit_filled_in_full_while_the_entry_works_cancels_the_entrys_rest() -> None:
    # The entry fills 60 of 100 and the take-profit then closes those 60: the stop-loss is
    # cancelled (OCO). Were the entry to go on working, its next fills would open a position
    # with no exit at all; the rest of the entry is cancelled instead.
    n = Node()
    n.quote("100.00", "100.10", ask_size=60)
    entry, tp, sl = n.submit_list(
        n.factory.bracket(
            AAPL, BUY, qty(100), take_profit=px("101.00"), stop_loss=px("99.00"), entry_price=px("100.10")
        )
    )
    assert entry.filled_raw == raw(60) and tp.quantity == qty(60)
    n.quote("101.00", "101.10", bid_size=100, ask_size=0)
    assert tp.status is OrderStatus.FILLED and sl.status is OrderStatus.CANCELED
    assert entry.status is OrderStatus.CANCELED and entry.filled_raw == raw(60)
    n.quote("100.00", "100.05", ask_size=100)  # would have filled the entry's last 40
    assert n.position() == 0


def test_bracket_stop_loss_filled_in_full_while_the_entry_works_cancels_the_entrys_rest() -> None:
    n = Node()
    n.quote("100.00", "100.10", ask_size=60)
    entry, tp, sl = n.submit_list(
        n.factory.bracket(
            AAPL, BUY, qty(100), take_profit=px("101.00"), stop_loss=px("99.00"), entry_price=px("100.10")
        )
    )
    n.quote("98.90", "99.00", bid_size=100, ask_size=0)  # the stop fires and closes the 60
    assert sl.status is OrderStatus.FILLED and tp.status is OrderStatus.CANCELED
    assert entry.status is OrderStatus.CANCELED
    n.quote("98.90", "99.00", bid_size=100, ask_size=100)  # the entry's limit 100.10 would buy here
    assert n.position() == 0
