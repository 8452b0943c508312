"""What the router sees: a parent's arrival mid over its eligible venues, and the consolidated
book after the router's own fills."""

from __future__ import annotations

from decimal import Decimal

from routing_support import BUY, STRATEGY, RoutingHarness

from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import OrderStatus, TimeInForce
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy, VenueStatus
from nautilus_platform.model.values import Price, Quantity

A, B, C = VenueId("A"), VenueId("B"), VenueId("C")
SCALE = 10**9


def raw(price: str) -> int:
    return Price.of(price).raw


# -- arrival mid ---------------------------------------------------------------------------------
def test_a_parents_arrival_mid_uses_only_the_venues_it_may_use() -> None:
    h = RoutingHarness({"A": "0", "B": "0", "C": "0"})
    h.book("A", bids=[("99.00", "5")], asks=[("101.00", "5")])
    h.book("B", bids=[("100.50", "5")], asks=[("100.60", "5")])  # down: never available
    h.book("C", bids=[("99.50", "5")], asks=[("100.50", "5")])  # excluded by the first order
    h.node.set_venue_status("B", VenueStatus.DOWN)
    only_a = h.submit(BUY, "1", exclude=(C,))
    a_and_c = h.submit(BUY, "1", price="98.00")  # rests
    preferred_c = h.submit(BUY, "1", price="98.00", policy=RoutingPolicy.PREFERENCE, prefer=(C,))
    records = h.router.parent_records
    assert records[only_a.client_order_id].arrival_mid_raw == raw("100.00")  # (99.00 + 101.00) / 2
    assert records[a_and_c.client_order_id].arrival_mid_raw == raw("100.00")  # (99.50 + 100.50) / 2 at C
    assert records[preferred_c.client_order_id].arrival_mid_raw == raw("100.00")
    h.node.set_venue_status("B", VenueStatus.UP)
    with_b = h.submit(BUY, "1", price="98.00")
    assert h.router.parent_records[with_b.client_order_id].arrival_mid_raw == raw("100.50")  # (100.50 + 100.50) / 2
    (row,) = h.router.strategy_quality()  # only_a filled at 101.00 against 100.00: 100 bps
    assert row.filled_qty == Decimal(1) and row.shortfall_bps == 100.0


def test_no_eligible_quote_leaves_the_arrival_mid_unknown() -> None:
    h = RoutingHarness({"A": "0", "B": "0"})
    h.book("A", asks=[("101.00", "5")])  # no bid on A
    h.book("B", bids=[("99.00", "5")], asks=[("100.00", "5")])
    parent = h.submit(BUY, "1", exclude=(B,))
    assert parent.status is OrderStatus.FILLED
    assert h.router.parent_records[parent.client_order_id].arrival_mid_raw is None
    assert h.router.strategy_quality()[0].shortfall_bps is None


# -- the consolidated book after our own fills ---------------------------------------------------
def test_a_resting_childs_fill_is_taken_out_of_the_update_that_filled_it() -> None:
    h = RoutingHarness({"A": "0", "B": "0"})
    h.book("A", bids=[("98.00", "5")], asks=[("100.00", "3")])
    h.book("B", bids=[("98.00", "5")], asks=[("100.05", "4"), ("100.20", "10")])
    resting = h.submit(BUY, "10", price="99.00")
    assert [(o.instrument_id.venue, o.status) for o in h.children(resting)] == [(A, OrderStatus.ACCEPTED)]
    h.book("A", bids=[("97.00", "5")], asks=[("98.50", "50")])  # the market moves through the resting child
    assert resting.status is OrderStatus.FILLED and resting.avg_px == Decimal("99.00")  # maker, at its limit
    book = h.router.listings[InstrumentId("BTCUSDT.A")].book
    assert (book.ask_px, book.ask_sz) == ([raw("98.50")], [40 * SCALE])  # as the venue's own copy
    # the next decision sees 40 at A, not 50: nothing is sent that A cannot fill
    sweep = h.submit(BUY, "45")
    assert [(c.venue, c.qty_raw // SCALE) for c in h.router.decisions[-1].children] == [(A, 40), (B, 5)]
    assert sweep.status is OrderStatus.FILLED and h.filled_by_venue()[A] == Decimal(50)  # 10 resting, 40 taken
    assert h.router.parent_records[sweep.client_order_id].retries == 0
    assert (book.ask_px, book.ask_sz) == ([], [])


def test_a_child_due_before_an_update_fills_against_the_book_it_met() -> None:
    # a take on A arrives (1 ms latency) as the next update comes in: it fills against the book as
    # it was, and the update then shows the venue's new book untouched by that fill
    h = RoutingHarness({"A": "0", "B": "0"}, latency_ns={"A": 1_000_000})
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "5")])
    h.book("B", bids=[("99.00", "5")], asks=[("100.10", "5")])
    order = h.factory.limit(
        InstrumentId("BTCUSDT.A"), BUY, Quantity.of("3", 4), Price.of("100.00", 2), time_in_force=TimeInForce.IOC
    )
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    assert [(c.venue, c.kind) for c in h.router.decisions[-1].children] == [(A, "take")]
    h.book("A", bids=[("99.00", "5")], asks=[("100.00", "7")], step_ns=1_000_000)
    assert order.status is OrderStatus.FILLED and h.filled_by_venue() == {A: Decimal(3)}
    book = h.router.listings[InstrumentId("BTCUSDT.A")].book
    assert (book.ask_px, book.ask_sz) == ([raw("100.00")], [7 * SCALE])


def test_a_resting_childs_fill_is_taken_out_of_the_quote_that_filled_it() -> None:
    # the same on top-of-book venues: the quote is the router's one level a side
    h = RoutingHarness({"A": "0", "B": "0"}, book_type="L1")
    h.quote("A", bid=("98.00", "5"), ask=("100.00", "3"))
    h.quote("B", bid=("98.00", "5"), ask=("100.05", "4"))
    resting = h.submit(BUY, "10", price="99.00")
    assert [o.instrument_id.venue for o in h.children(resting)] == [A]
    h.quote("A", bid=("97.00", "5"), ask=("98.50", "50"))
    assert resting.status is OrderStatus.FILLED and resting.avg_px == Decimal("99.00")
    book = h.router.listings[InstrumentId("BTCUSDT.A")].book
    assert (book.ask_px, book.ask_sz) == ([raw("98.50")], [40 * SCALE])
