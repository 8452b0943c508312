"""The strategy engine's ``on_order_closed`` with routed parent orders: an order denied by the router
because a working parent has its id is reported, and the parent is still followed."""

from __future__ import annotations

from routing_support import BUY, strategies_on_two_l1_venues

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import OrderStatus, OrderType
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy.base import Strategy

BTC_A = InstrumentId("BTCUSDT.A")
BTC_B = InstrumentId("BTCUSDT.B")


class Closed(Strategy):
    def on_start(self) -> None:
        self.reported: list[Order] = []

    def on_order_closed(self, order: Order) -> None:
        self.reported.append(order)


def test_a_routed_submit_with_a_working_parents_id_is_reported_denied_and_the_parent_still_followed() -> None:
    strategy = Closed("closed")
    h, engine = strategies_on_two_l1_venues(strategy)
    h.quote("B", ("99.50", "5"), ("100.50", "5"))
    h.quote("A", ("99.50", "5"), ("100.50", "5"))
    route = RoutingInstruction.of("best-price")
    parent = strategy.orders.limit(BTC_A, BUY, Quantity.of("1", 4), Price.of("99.00", 2))
    strategy.submit(parent, route=route)  # rests a child below the market
    assert parent.status is OrderStatus.ACCEPTED
    same_id = strategy.orders.create(
        BTC_A, BUY, OrderType.LIMIT, Quantity.of("1", 4), price=Price.of("98.00", 2),
        client_order_id=parent.client_order_id,
    )  # fmt: skip
    strategy.submit(same_id, route=route)  # denied by the router (events.routed)
    (reported,) = strategy.reported
    assert reported is same_id and same_id.status is OrderStatus.DENIED
    assert parent.status is OrderStatus.ACCEPTED
    assert list(engine._followed[strategy.id].values()) == [parent]
    strategy.cancel(parent)
    assert strategy.reported[1:] == [parent] and parent.status.name == "CANCELED"
    assert not engine._followed[strategy.id]


def test_open_orders_show_a_routed_parent_not_its_children_over_the_listings_it_spans() -> None:
    strategy = Closed("lister")
    h, _ = strategies_on_two_l1_venues(strategy)
    h.quote("B", ("99.50", "5"), ("100.50", "5"))
    h.quote("A", ("99.50", "5"), ("100.50", "5"))
    direct = strategy.orders.limit(BTC_B, BUY, Quantity.of("1", 4), Price.of("97.00", 2))
    strategy.submit(direct)  # to B's venue, not routed
    parent = strategy.orders.limit(BTC_A, BUY, Quantity.of("2", 4), Price.of("99.00", 2))
    strategy.submit(parent, route=RoutingInstruction.of("best-price"))  # rests a child below the market
    (child,) = h.children(parent)
    assert child.is_open and child in h.node.cache.orders_open()
    assert strategy.open_orders() == [direct, parent]
    assert strategy.open_orders(BTC_A) == [direct, parent]  # the group spans A and B, as position_qty does
    assert strategy.open_orders(BTC_B) == [direct, parent]
    for order in strategy.open_orders():  # what a strategy may cancel: a child alone it may not
        strategy.cancel(order)
    assert strategy.open_orders() == [] and child.status is OrderStatus.CANCELED


def test_open_orders_are_the_strategy_s_own() -> None:
    strategy, other = Closed("mine"), Closed("theirs")
    h, _ = strategies_on_two_l1_venues(strategy, other)
    h.quote("A", ("99.50", "5"), ("100.50", "5"))
    mine = strategy.orders.limit(BTC_A, BUY, Quantity.of("1", 4), Price.of("97.00", 2))
    theirs = other.orders.limit(BTC_A, BUY, Quantity.of("1", 4), Price.of("96.00", 2))
    strategy.submit(mine)
    other.submit(theirs)
    assert strategy.open_orders() == [mine] == strategy.open_orders(BTC_A)
    assert other.open_orders() == [theirs]
