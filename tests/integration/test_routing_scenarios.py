"""Smart order routing scenarios with hand-computable answers (two or three L2 venues)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from routing_support import BUY, SELL, STRATEGY, RoutingHarness, listing, two_venues

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.commands import ModifyOrder, SubmitOrder
from nautilus_platform.model.enums import AccountType, DenyReason, OrderStatus, TimeInForce
from nautilus_platform.model.events import OrderCanceled, OrderDenied, OrderFilled, OrderModifyRejected, OrderRejected
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy, VenueStatus
from nautilus_platform.model.values import USD, Currency, Price, Quantity
from nautilus_platform.routing import RouterConfig, VenueProfile
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

A, B, C = VenueId("A"), VenueId("B"), VenueId("C")


def test_best_price_sweeps_the_consolidated_book_level_by_level() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10")
    # 3 @ 100.00 (A), 4 @ 100.05 (B), 3 @ 100.10 (A): (300 + 400.20 + 300.30) / 10 = 100.05
    assert parent.status is OrderStatus.FILLED
    assert parent.avg_px == Decimal("100.05")
    assert h.filled_by_venue() == {A: Decimal(6), B: Decimal(4)}
    decision = h.router.decisions[-1]
    assert [(c.venue, c.kind, c.qty_raw // 10**9, c.price_raw) for c in decision.children] == [
        (A, "take", 6, Price.of("100.10").raw),
        (B, "take", 4, Price.of("100.05").raw),
    ]
    assert decision.winner is not None and decision.winner.venue == A
    assert "price" in decision.reason
    # the parent carries every child fill and the children's fees (A: 600.30 x 10 bps)
    parent_fills = [e for e in h.parent_events if isinstance(e, OrderFilled)]
    assert sum(f.last_qty.raw for f in parent_fills) == parent.quantity.raw
    assert parent.commissions is not None
    assert {c.code: m.as_decimal() for c, m in parent.commissions.items()} == {"USDT": Decimal("0.6003")}
    assert {str(k): v for k, v in h.router.parent_records[parent.client_order_id].fees_decimal().items()} == {
        "USDT": Decimal("0.6003")
    }
    # positions are booked per listing, on each venue's account
    positions = {p.instrument_id: p.quantity.as_decimal() for p in h.node.portfolio.open_positions()}
    assert positions == {InstrumentId("BTCUSDT.A"): Decimal(6), InstrumentId("BTCUSDT.B"): Decimal(4)}


def test_lowest_cost_sweeps_by_fee_adjusted_price_and_costs_less() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", policy=RoutingPolicy.LOWEST_COST)
    # fee-adjusted asks: B 100.05, A 100.10 (100.00 x 1.001), B 100.20, A 100.2001 -> B 4, A 3, B 3
    assert h.filled_by_venue() == {A: Decimal(3), B: Decimal(7)}
    assert parent.avg_px == Decimal("100.08")  # (300 + 400.20 + 300.60) / 10
    cost = h.router.decisions[-1].expected_cost()
    assert cost == Fraction("1001.1")  # 300 x 1.001 + 400.20 + 300.60
    best_price = two_venues()
    best_price.submit(BUY, "10")
    assert best_price.router.decisions[-1].expected_cost() == Fraction("1001.1003")  # 600.30 x 1.001 + 400.20
    assert cost < best_price.router.decisions[-1].expected_cost()


def test_a_sell_sweeps_the_bids() -> None:
    h = two_venues()
    parent = h.submit(SELL, "8")
    # bids: B 99.95 x 5, A 99.90 x 3 (of 5)
    assert h.filled_by_venue() == {B: Decimal(5), A: Decimal(3)}
    assert parent.avg_px == (Decimal("99.95") * 5 + Decimal("99.90") * 3) / 8


def test_limit_order_takes_what_is_marketable_and_rests_the_rest() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="100.05")
    decision = h.router.decisions[-1]
    kinds = [(c.venue, c.kind, c.qty_raw // 10**9) for c in decision.children]
    assert kinds == [(A, "take", 3), (B, "take", 4), (A, "rest", 3)]  # A wins the tie on name, equal quality
    assert parent.status is OrderStatus.PARTIALLY_FILLED and parent.filled_qty == Quantity.of(7)
    rest = next(o for o in h.children(parent) if o.is_open)
    assert rest.price == Price.of("100.05") and rest.time_in_force is TimeInForce.GTC
    # the market comes to the resting child
    h.book("A", bids=[("99.90", "5")], asks=[("100.04", "5")])
    assert parent.status is OrderStatus.FILLED
    assert sum(f.last_qty.raw for f in h.child_fills()) == Quantity.of(10).raw


def test_a_venue_going_down_reroutes_its_children_and_nothing_is_double_filled() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="100.05")
    rest = next(o for o in h.children(parent) if o.is_open)
    assert rest.instrument_id.venue == A
    h.node.set_venue_status("A", VenueStatus.DOWN)  # cancel on disconnect
    assert rest.status is OrderStatus.CANCELED
    moved = [o for o in h.children(parent) if o.is_open]
    assert len(moved) == 1 and moved[0].instrument_id.venue == B and moved[0].quantity == Quantity.of(3)
    assert h.router.decisions[-1].scores[0].why == "venue is DOWN"
    # the down venue's book still shows cheap offers: nothing goes there
    h.book("A", asks=[("99.00", "100")])
    h.book("B", bids=[("99.95", "5")], asks=[("100.05", "10")])
    assert parent.status is OrderStatus.FILLED
    filled = sum(f.last_qty.raw for f in h.child_fills())
    assert filled == parent.quantity.raw == parent.filled_raw
    assert all(f.instrument_id.venue == B for f in h.child_fills()[2:])
    # a new parent avoids the down venue until it is back up
    h.book("A", bids=[("99.90", "5")], asks=[("100.00", "3")])
    h.book("B", bids=[("99.95", "5")], asks=[("100.05", "10")])
    second = h.submit(BUY, "2")
    assert {o.instrument_id.venue for o in h.children(second)} == {B}
    h.node.set_venue_status("A", VenueStatus.UP)
    third = h.submit(BUY, "2")
    assert {o.instrument_id.venue for o in h.children(third)} == {A}


def test_a_child_denied_by_risk_is_rerouted_to_the_next_venue() -> None:
    limits = RiskLimits(reference_source=PriceSource.MARK, check_balance=False)
    risk = RiskConfig(defaults=limits, instruments={"BTCUSDT.A": RiskLimits(max_quantity=Quantity.of(2))})
    h = two_venues(risk=risk)
    parent = h.submit(BUY, "5")
    statuses = {o.instrument_id.venue: o.status for o in h.children(parent)}
    assert statuses[A] is OrderStatus.DENIED
    denied = next(e for e in h.child_events if isinstance(e, OrderDenied))
    assert denied.reason is DenyReason.QUANTITY_ABOVE_MAX
    assert parent.status is OrderStatus.FILLED
    assert h.filled_by_venue() == {B: Decimal(5)}  # 4 @ 100.05 + 1 @ 100.20
    retry = h.router.decisions[-1]
    assert retry.scores[0].why == "rejected or denied this order before"
    assert h.router.parent_records[parent.client_order_id].retries == 1


def test_a_venue_rejection_is_rerouted_and_retries_are_bounded() -> None:
    h = RoutingHarness({"A": "0", "B": "0", "C": "0"}, config=RouterConfig(max_retries=1))
    for venue in "ABC":
        h.book(venue, bids=[("99.00", "5")], asks=[("100.00", "5")])
    for venue in ("A", "B"):
        h.node.venues[VenueId(venue)].set_status(VenueStatus.HALTED)  # the router does not know yet
    parent = h.submit(BUY, "3")
    # A rejects, the retry goes to B, which rejects too: one retry only, so C is never tried
    assert [e.instrument_id.venue for e in h.child_events if isinstance(e, OrderRejected)] == [A, B]
    assert parent.status is OrderStatus.CANCELED and parent.filled_raw == 0
    canceled = next(e for e in h.parent_events if isinstance(e, OrderCanceled))
    assert "after 1 retries" in canceled.reason
    assert h.router.venues[A].fill_rate == 0.0  # a venue rejection counts against its history


def test_cancelling_the_parent_cancels_its_working_children() -> None:
    h = two_venues()
    parent = h.submit(BUY, "10", price="100.05")
    h.cancel(parent)
    assert parent.status is OrderStatus.CANCELED and parent.filled_qty == Quantity.of(7)
    assert not [o for o in h.children(parent) if o.is_open]
    h.book("A", asks=[("100.00", "50")])
    assert parent.filled_qty == Quantity.of(7)  # nothing more fills after the cancel


def test_ioc_parent_does_not_rest_its_remainder() -> None:
    h = two_venues()
    order = h.factory.limit(
        InstrumentId("BTCUSDT.A"), BUY, Quantity.of("10", 4), Price.of("100.05", 2), time_in_force=TimeInForce.IOC
    )
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert order.status is OrderStatus.CANCELED and order.filled_qty == Quantity.of(7)
    assert all(o.time_in_force is TimeInForce.IOC for o in h.children(order))


def test_policies_fastest_preference_and_exclusion() -> None:
    h = RoutingHarness({"A": "0", "B": "0", "C": "0"}, latency_ns={"A": 5_000_000, "B": 1_000_000, "C": 3_000_000})
    for venue, ask in (("A", "100.00"), ("B", "100.10"), ("C", "100.05")):
        h.book(venue, bids=[("99.00", "5")], asks=[(ask, "2")])
    fastest = h.submit(BUY, "3", policy=RoutingPolicy.FASTEST)
    decision = h.router.decisions[-1]
    assert [(c.venue, c.qty_raw // 10**9) for c in decision.children] == [(B, 2), (C, 1)]
    assert "fastest" in decision.reason
    assert fastest.status is OrderStatus.ACCEPTED and fastest.filled_raw == 0  # the children are travelling
    h.advance(h.now + 5_000_000)
    assert fastest.status is OrderStatus.FILLED
    for venue, ask in (("A", "100.00"), ("B", "100.10"), ("C", "100.05")):
        h.book(venue, bids=[("99.00", "5")], asks=[(ask, "2")])
    h.submit(BUY, "3", policy=RoutingPolicy.PREFERENCE, prefer=(C, B))
    decision = h.router.decisions[-1]
    assert [(c.venue, c.qty_raw // 10**9) for c in decision.children] == [(C, 2), (B, 1)]
    assert decision.scores[0].why == "not in the order's preference list"
    h.submit(BUY, "1", exclude=(A,))
    decision = h.router.decisions[-1]
    assert [c.venue for c in decision.children] == [C]
    assert decision.scores[0].why == "excluded by the order"


def test_child_cap_and_lots_per_venue() -> None:
    config = RouterConfig(venues=(VenueProfile("A", max_child_qty=Decimal(2)),))
    h = RoutingHarness({"A": "0", "B": "0"}, config=config, lots={"A": "1", "B": "0.5"})
    h.book("A", asks=[("100.00", "10")])
    h.book("B", asks=[("100.05", "10")])
    h.submit(BUY, "3.5")
    assert [(c.venue, c.qty_raw) for c in h.router.decisions[-1].children] == [(A, 2 * 10**9), (B, 15 * 10**8)]


def test_orders_the_router_cannot_take_are_denied_with_the_reason() -> None:
    h = two_venues()
    stop = h.factory.stop_market(InstrumentId("BTCUSDT.A"), BUY, Quantity.of(1, 4), Price.of("101", 2))
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=stop, route=RoutingInstruction()))
    assert stop.status is OrderStatus.DENIED
    denied = h.parent_events[-1]
    assert isinstance(denied, OrderDenied) and "only MARKET and LIMIT" in denied.message
    odd = h.factory.market(InstrumentId("BTCUSDT.A"), BUY, Quantity.of("1.5", 4))
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=odd, route=RoutingInstruction()))
    assert odd.status is OrderStatus.DENIED and h.parent_events[-1].reason is DenyReason.QUANTITY_INCREMENT  # type: ignore[attr-defined]
    parent = h.submit(BUY, "1", price="90")
    h.node.execute(
        ModifyOrder(
            ts_init=h.now, strategy_id=STRATEGY, instrument_id=parent.instrument_id,
            client_order_id=parent.client_order_id, price=Price.of("91", 2),
        )
    )  # fmt: skip
    refused = h.parent_events[-1]  # among the parent's events, on its stream
    assert isinstance(refused, OrderModifyRejected) and refused.client_order_id == parent.client_order_id
    assert parent.price == Price.of("90", 2)


def test_routing_needs_the_router_enabled() -> None:
    node = TradingNode()
    order = node.order_factory("S").market(listing("A").id, BUY, Quantity.of(1))
    node.execute(SubmitOrder(ts_init=0, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert order.status is OrderStatus.DENIED


def test_execution_quality_per_venue_and_strategy() -> None:
    h = two_venues()
    h.submit(BUY, "10")
    venues = {row.key: row for row in h.router.venue_quality()}
    # arrival mids: A (99.90 + 100.00) / 2 = 99.95; B (99.95 + 100.05) / 2 = 100.00
    a, b = venues["A"], venues["B"]
    assert (a.filled_qty, b.filled_qty) == (Decimal(6), Decimal(4))
    assert a.fees == {"USDT": Decimal("0.6003")} and b.fees == {}
    assert abs(a.shortfall_bps - float((Fraction("100.05") - Fraction("99.95")) / Fraction("99.95") * 10_000)) < 1e-9  # type: ignore[operator]
    assert b.shortfall_bps == 5.0 and b.effective_spread_bps == 10.0
    (strategy,) = h.router.strategy_quality()
    # parent arrival: consolidated mid (99.95 + 100.00) / 2 = 99.975, average 100.05
    assert strategy.key == "S" and strategy.fill_rate == 1.0
    assert (
        abs(strategy.shortfall_bps - float((Fraction("100.05") - Fraction("99.975")) / Fraction("99.975") * 10_000))
        < 1e-9
    )  # type: ignore[operator]


def test_latency_venue_ioc_shortfall_is_rerouted_on_the_moved_book() -> None:
    h = RoutingHarness({"A": "0", "B": "0"}, latency_ns={"A": 2_000_000})
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "5")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.10", "5")])
    parent = h.submit(BUY, "5")
    assert [c.venue for c in h.router.decisions[-1].children] == [A]
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "2"), ("100.30", "5")])  # liquidity leaves A
    h.advance(h.now + 2_000_000)  # the IOC child arrives: 2 fill, 3 are cancelled and re-routed to B
    assert parent.status is OrderStatus.FILLED
    assert h.filled_by_venue() == {A: Decimal(2), B: Decimal(3)}
    assert h.router.venues[A].fill_rate == 0.4
    assert h.router.parent_records[parent.client_order_id].retries == 1


def test_listing_group_rejects_mixed_quote_currencies_and_the_instrument_is_not_added_at_all() -> None:
    h = RoutingHarness({"A": "0"})
    h.node.add_venue(SimulatedVenueConfig(venue_id="Z"), AccountType.CASH, USD, [])
    other = CryptoSpot(
        id=InstrumentId("BTCUSDT.Z"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD, base_currency=Currency.from_str("BTC"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="quotes in USD"):
        h.node.add_instrument(other)
    assert other.id not in h.node.cache.instruments and other.id not in h.router.listings
    assert h.node.venues[VenueId("Z")].engine(other.id) is None
