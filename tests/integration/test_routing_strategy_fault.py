"""A strategy that faults with a routed parent working: the parent and its children are cancelled,
as its other working orders are."""

from __future__ import annotations

from routing_support import BUY, strategies_on_two_l1_venues

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderStatus
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy.base import Strategy


class RestThenFail(Strategy):
    """Rests a routed buy below the market on its first quote, raises on the next."""

    def on_start(self) -> None:
        self.parent: Order | None = None
        self.subscribe_quotes("BTCUSDT.A")

    def on_quote(self, quote: QuoteTick) -> None:
        if self.parent is None:
            order = self.orders.limit(InstrumentId("BTCUSDT.A"), BUY, Quantity.of("1", 4), Price.of("99.00", 2))
            self.parent = order
            self.submit(order, route=RoutingInstruction.of("best-price"))
            return
        raise RuntimeError("boom")


def test_a_faulted_strategys_routed_parent_and_its_children_are_cancelled() -> None:
    strategy = RestThenFail("fails")
    h, engine = strategies_on_two_l1_venues(strategy)
    h.quote("B", ("99.50", "5"), ("100.50", "5"))
    h.quote("A", ("99.50", "5"), ("100.50", "5"))  # the parent rests a child at 99.00
    parent = strategy.parent
    assert parent is not None and parent.status is OrderStatus.ACCEPTED
    children = h.children(parent)
    assert children and all(c.status is OrderStatus.ACCEPTED for c in children)
    h.quote("A", ("99.60", "5"), ("100.40", "5"))  # the strategy raises
    assert [e.callback for e in engine.errors] == ["on_quote"]
    assert parent.status is OrderStatus.CANCELED
    assert all(c.status is OrderStatus.CANCELED for c in children)
    h.quote("A", ("98.90", "5"), ("99.00", "5"))  # would have filled the child
    assert parent.filled_raw == 0 and all(c.filled_raw == 0 for c in children)
