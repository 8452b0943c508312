"""Whatever happens to venues and books, a parent is never overfilled and equals its children."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from routing_support import BUY, SELL, RoutingHarness

from nautilus_platform.model.routing import RoutingPolicy, VenueStatus

step = st.one_of(
    st.tuples(st.just("book"), st.sampled_from("ABC"), st.integers(9_990, 10_010), st.integers(1, 8)),
    st.tuples(st.just("submit"), st.booleans(), st.integers(1, 15), st.none() | st.integers(9_990, 10_010)),
    st.tuples(st.just("status"), st.sampled_from("ABC"), st.sampled_from(list(VenueStatus)), st.just(0)),
    st.tuples(st.just("cancel"), st.integers(0, 5), st.just(0), st.just(0)),
    st.tuples(st.just("time"), st.integers(1, 3), st.just(0), st.just(0)),
)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(step, max_size=30), policy=st.sampled_from(list(RoutingPolicy)[:3]))
def test_children_never_overfill_their_parent(steps: list[tuple[object, ...]], policy: RoutingPolicy) -> None:
    h = RoutingHarness({"A": "10", "B": "0", "C": "5"}, latency_ns={"C": 1_000_000})
    parents = []
    for kind, a, b, c in steps:
        if kind == "book":
            mid = int(b)  # cents
            h.book(str(a), bids=[(f"{(mid - 1) / 100:.2f}", str(c))], asks=[(f"{(mid + 1) / 100:.2f}", str(c))])
        elif kind == "submit":
            price = None if c is None else f"{int(c) / 100:.2f}"  # type: ignore[call-overload]
            parents.append(h.submit(BUY if a else SELL, str(b), price=price, policy=policy))
        elif kind == "status":
            h.node.set_venue_status(str(a), b)  # type: ignore[arg-type]
        elif kind == "cancel" and parents:
            h.cancel(parents[int(a) % len(parents)])  # type: ignore[call-overload]
        elif kind == "time":
            h.advance(h.now + int(a) * 1_000_000)  # type: ignore[call-overload]
    fills = h.child_fills()
    for parent in parents:
        prefix = f"{parent.client_order_id}-"
        children = sum(f.last_qty.raw for f in fills if f.client_order_id.startswith(prefix))
        assert children == parent.filled_raw <= parent.quantity.raw
        record = h.router.parent_records.get(parent.client_order_id)
        assert record is None or record.filled_raw == parent.filled_raw
        if parent.is_closed:
            assert not [o for o in h.children(parent) if o.is_open]
