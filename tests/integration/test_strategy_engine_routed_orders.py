"""The strategy engine's ``on_order_closed`` with routed parent orders: an order denied by the router
because a working parent has its id is reported, and the parent is still followed."""

from __future__ import annotations

from routing_support import BUY, RoutingHarness

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import OrderStatus, OrderType
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.engine import StrategyEngine

BTC_A = InstrumentId("BTCUSDT.A")


class Closed(Strategy):
    def on_start(self) -> None:
        self.reported: list[Order] = []

    def on_order_closed(self, order: Order) -> None:
        self.reported.append(order)


def test_a_routed_submit_with_a_working_parents_id_is_reported_denied_and_the_parent_still_followed() -> None:
    h = RoutingHarness({"A": "0", "B": "0"}, book_type="L1")
    engine = StrategyEngine(h.node)
    strategy = Closed("closed")
    engine.add(strategy)
    engine.start()
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
