"""Routed parents across their life: venue size limits, cancel-all, modifies, expiry, listings added."""

from __future__ import annotations

from decimal import Decimal

import pytest
from routing_support import BUY, SELL, STRATEGY, USDT, RoutingHarness, two_venues

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.commands import CancelAllOrders, ModifyOrder, SubmitOrder
from nautilus_platform.model.enums import AccountType, OrderStatus, TimeInForce
from nautilus_platform.model.events import OrderDenied, OrderExpired, OrderModifyRejected, OrderRejected
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import USD, Currency, Money, Price, Quantity
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.node import TradingNode
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

A, B, C = VenueId("A"), VenueId("B"), VenueId("C")


def eth(venue: str, quote: Currency = USDT) -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId(f"ETHUSDT.{venue}"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=quote, base_currency=Currency.from_str("ETH"),
    )  # fmt: skip


# -- venue size limits ----------------------------------------------------------------------------
def test_children_stay_within_the_listings_max_quantity() -> None:
    # A is cheapest with 10 shown, but takes at most 5 an order: risk and the venue refuse more
    h = RoutingHarness({"A": "0", "B": "0"}, sizes={"A": (None, "5")})
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "10")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.10", "10")])
    parent = h.submit(BUY, "8")
    assert not [e for e in h.child_events if isinstance(e, OrderDenied)]
    assert parent.status is OrderStatus.FILLED
    assert h.filled_by_venue() == {A: Decimal(5), B: Decimal(3)}
    assert parent.avg_px == Decimal("100.0375")  # (500 + 300.30) / 8


def test_a_venue_below_its_minimum_leaves_the_quantity_to_the_other_venues() -> None:
    # A shows 1 at the best price but takes no order under 2: the 3 come from B in one decision
    h = RoutingHarness({"A": "0", "B": "0"}, sizes={"A": ("2", None)}, config=RouterConfig(max_retries=0))
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "1")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.01", "10")])
    order = h.factory.limit(
        InstrumentId("BTCUSDT.A"), BUY, Quantity.of("3", 4), Price.of("100.05", 2), time_in_force=TimeInForce.IOC
    )
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    decision = h.router.decisions[-1]
    assert [(c.venue, c.kind, c.qty_raw) for c in decision.children] == [(B, "take", 3 * 10**9)]
    assert decision.unrouted_raw == 0
    assert order.status is OrderStatus.FILLED and order.filled_qty == Quantity.of(3)


# -- cancel and modify ----------------------------------------------------------------------------
def test_cancel_all_of_one_side_cancels_the_routed_parents_of_that_side() -> None:
    h = two_venues()
    buy = h.submit(BUY, "10", price="99.00")  # rests on A
    sell = h.submit(SELL, "2", price="101.00")
    h.node.execute(
        CancelAllOrders(ts_init=h.now, strategy_id=STRATEGY, instrument_id=buy.instrument_id, order_side=BUY)
    )
    assert buy.status is OrderStatus.CANCELED
    assert not [o for o in h.children(buy) if o.is_open]  # nothing re-routed to B
    assert len(h.children(buy)) == 1
    assert sell.status is OrderStatus.ACCEPTED and [o for o in h.children(sell) if o.is_open]


def test_a_routed_child_cannot_be_modified_so_the_parent_never_overfills() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="99.00")
    (child,) = h.children(parent)
    h.node.execute(
        ModifyOrder(
            ts_init=h.now, strategy_id=STRATEGY, instrument_id=child.instrument_id,
            client_order_id=child.client_order_id, quantity=Quantity.of("20", 4), price=Price.of("100.20", 2),
        )
    )  # fmt: skip
    refused = h.child_events[-1]
    assert isinstance(refused, OrderModifyRejected) and refused.client_order_id == child.client_order_id
    assert child.quantity == Quantity.of("10", 4) and child.price == Price.of("99.00", 2)
    assert child.status is OrderStatus.ACCEPTED
    h.book("A", asks=[("98.00", "50")])  # the market comes to the resting child
    assert parent.status is OrderStatus.FILLED and parent.filled_qty == Quantity.of(10)
    assert sum(f.last_qty.raw for f in h.child_fills()) == parent.quantity.raw


# -- time in force --------------------------------------------------------------------------------
def test_a_gtd_parent_is_not_rerouted_past_its_expiry() -> None:
    h = RoutingHarness({"A": "0", "B": "0"}, latency_ns={"A": 2_000_000})
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "3")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.10", "5")])
    order = h.factory.limit(
        InstrumentId("BTCUSDT.A"), BUY, Quantity.of("10", 4), Price.of("100.00", 2),
        time_in_force=TimeInForce.GTD, expire_time_ns=h.now + 1_000_000,
    )  # fmt: skip
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert [(c.venue, c.kind) for c in h.router.decisions[-1].children] == [(A, "take"), (B, "rest")]
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "1")])  # liquidity leaves A before the take arrives
    h.advance(h.now + 3_000_000)  # the rest on B expires; the take fills 1, its rest is cancelled
    assert order.status is OrderStatus.EXPIRED and order.filled_qty == Quantity.of(1)
    assert isinstance(h.parent_events[-1], OrderExpired)
    assert not [e for e in h.child_events if isinstance(e, OrderRejected)]  # no child sent past the expiry
    assert len(h.children(order)) == 2
    assert h.router.venues[B].samples == 1 and h.router.venues[B].fill_rate == 0.0  # its expired rest only


# -- listings added while parents work -----------------------------------------------------------
def test_a_listing_added_later_leaves_working_parents_cancellable_by_instrument() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="99.00")
    h.node.add_instrument(eth("A"))
    h.node.execute(CancelAllOrders(ts_init=h.now, strategy_id=STRATEGY, instrument_id=parent.instrument_id))
    assert parent.status is OrderStatus.CANCELED
    assert len(h.children(parent)) == 1 and not [o for o in h.children(parent) if o.is_open]


def test_a_venue_added_later_keeps_the_working_parents_fees_exact() -> None:
    h = RoutingHarness({"A": "10", "B": "0"}, latency_ns={"B": 2_000_000})
    h.book("A", bids=[("99.00", "5")], asks=[("100.20", "10")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.00", "5")])
    parent = h.submit(BUY, "5", policy=RoutingPolicy.LOWEST_COST)
    assert [(c.venue, c.qty_raw // 10**9) for c in h.router.decisions[-1].children] == [(B, 5)]
    # a third venue at 7.5 bps puts the group's fees over a new common denominator
    h.node.add_venue(
        SimulatedVenueConfig(venue_id="C", book_type="L2", fee_model=FeeModel(maker_bps=Decimal(0), taker_bps=Decimal("7.5"))),
        AccountType.CASH, USDT, [Money.of(10_000_000, USDT)],
    )  # fmt: skip
    h.node.add_instrument(CryptoSpot(
        id=InstrumentId("BTCUSDT.C"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USDT, base_currency=Currency.from_str("BTC"),
    ))  # fmt: skip
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "10")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.00", "2"), ("100.15", "10")])
    h.advance(h.now + 2_000_000)  # B fills 2; the 3 left are re-routed
    retry = h.router.decisions[-1]
    # fee-adjusted: A 100.00 x 1.001 = 100.10 is cheaper than B 100.15
    assert [(c.venue, c.qty_raw // 10**9, c.price_raw) for c in retry.children] == [(A, 3, Price.of("100.00").raw)]
    assert retry.den == h.router.groups["BTCUSDT"].den
    assert parent.status is OrderStatus.FILLED and h.filled_by_venue() == {A: Decimal(3), B: Decimal(2)}


def test_a_refused_listing_does_not_stop_later_listings_from_routing() -> None:
    h = RoutingHarness({"A": "0"})
    h.node.add_venue(SimulatedVenueConfig(venue_id="Z"), AccountType.CASH, USD, [])
    with pytest.raises(ValidationError, match="quotes in USD"):
        h.node.add_instrument(
            CryptoSpot(
                id=InstrumentId("BTCUSDT.Z"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
                lot_size=Quantity.of(1), quote_currency=USD, base_currency=Currency.from_str("BTC"),
            )
        )  # fmt: skip
    assert InstrumentId("BTCUSDT.Z") not in h.router.listings
    h.node.add_instrument(eth("A"))  # unrelated and valid: it becomes routable
    assert h.router.group_of(InstrumentId("ETHUSDT.A")) is not None
    assert h.router.group_of(InstrumentId("BTCUSDT.A")) is not None


def test_routing_that_cannot_group_the_instruments_stays_off() -> None:
    node = TradingNode()
    for venue, quote in (("A", USDT), ("Z", USD)):
        node.add_venue(SimulatedVenueConfig(venue_id=venue, book_type="L2"), AccountType.CASH, quote, [])
        node.add_instrument(CryptoSpot(
            id=InstrumentId(f"BTCUSDT.{venue}"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
            lot_size=Quantity.of(1), quote_currency=quote, base_currency=Currency.from_str("BTC"),
        ))  # fmt: skip
    with pytest.raises(ValidationError, match="quotes in USD"):
        node.enable_routing()
    assert node.router is None and node.execution.parent_orders is None
    order = node.order_factory(STRATEGY).market(InstrumentId("BTCUSDT.A"), BUY, Quantity.of(1, 4))
    node.execute(SubmitOrder(ts_init=0, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert order.status is OrderStatus.DENIED  # "smart order routing is not enabled"
    router = node.enable_routing(RouterConfig(groups={"USDT": ("BTCUSDT.A",), "USD": ("BTCUSDT.Z",)}))
    assert node.router is router and sorted(router.groups) == ["USD", "USDT"]
