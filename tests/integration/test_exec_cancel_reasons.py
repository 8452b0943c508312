"""A cancel the core starts reaches the venue with its reason, and the venue's ``OrderCanceled``
carries it: an OCO sibling's fill, a venue going down. A strategy's own cancel has none."""

from __future__ import annotations

from exec_support import AAPL, Harness, long_with_oco_exits, px, qty

from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.events import OrderCanceled
from nautilus_platform.model.routing import VenueStatus
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig
from nautilus_platform.venues.simulated.latency import LatencyModel

BUY, SELL = OrderSide.BUY, OrderSide.SELL
MS = 1_000_000


def _oco_take_profit_fills(h: Harness) -> tuple[str, OrderStatus]:
    tp, sl = long_with_oco_exits(h)
    h.quote("101.00", "101.10", bid_size=500, step_ns=1 * MS)  # the take-profit fills completely
    h.advance(h.now + 50 * MS)
    assert tp.status is OrderStatus.FILLED
    (canceled,) = h.of_type(OrderCanceled, sl)
    return canceled.reason, sl.status


def test_an_oco_sibling_cancel_carries_its_reason_with_and_without_latency() -> None:
    latent = SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=1 * MS, cancel_ns=3 * MS))
    for venue in (None, latent):
        reason, status = _oco_take_profit_fills(Harness(RiskLimits(check_reduce_only=False), venue=venue))
        assert status is OrderStatus.CANCELED
        assert reason.startswith("OCO sibling ") and "filled" in reason


def test_a_venue_going_down_cancels_resting_orders_with_the_reason() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.node.set_venue_status("SIM", VenueStatus.DOWN)
    assert order.status is OrderStatus.CANCELED
    assert [e.reason for e in h.of_type(OrderCanceled, order)] == ["cancel on disconnect: venue down"]


def test_a_strategy_cancel_has_no_reason() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.cancel(order)
    assert [e.reason for e in h.of_type(OrderCanceled, order)] == [""]
