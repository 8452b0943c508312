"""The router forgets finished parents (bounded state) without changing its execution quality."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import msgspec
import pytest
from routing_support import BUY, SELL, STRATEGY, RoutingHarness

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import OrderStatus, TimeInForce
from nautilus_platform.model.events import OrderCancelRejected, OrderDenied
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, VenueStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.routing import QualityRow, RouterConfig
from nautilus_platform.routing.listings import FillRecord
from nautilus_platform.routing.router import SmartOrderRouter

SCALE = 10**9
HOME = InstrumentId("BTCUSDT.A")


def books(h: RoutingHarness, step: int) -> None:
    """Fresh L2 books on A, B and C whose prices and sizes move with ``step``."""
    for k, venue in enumerate("ABC"):
        mid = 10_000 + (step * 7 + k * 3) % 11 - 5  # cents
        size = str(1 + (step + k) % 4)
        h.book(
            venue,
            bids=[(f"{(mid - 1) / 100:.2f}", size), (f"{(mid - 4) / 100:.2f}", "5")],
            asks=[(f"{(mid + 1) / 100:.2f}", size), (f"{(mid + 3 + k) / 100:.2f}", "5")],
        )


def ioc_limit(h: RoutingHarness, quantity: str, price: str) -> Order:
    order = h.factory.limit(HOME, BUY, Quantity.of(quantity, 4), Price.of(price, 2), TimeInForce.IOC)
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=order, route=RoutingInstruction()))
    return order


def run(keep_parents: int, parents: int = 60) -> tuple[RoutingHarness, list[Order]]:
    """``parents`` routed orders of every kind, every one finished at the end."""
    h = RoutingHarness(
        {"A": "10", "B": "0", "C": "5"}, latency_ns={"C": 500_000}, config=RouterConfig(keep_parents=keep_parents)
    )
    orders: list[Order] = []
    for i in range(parents):
        books(h, i)
        kind = i % 6
        if kind in (0, 1):  # market orders, swept across venues
            orders.append(h.submit(BUY if i % 4 == 0 else SELL, str(2 + i % 7)))
        elif kind == 2:  # a resting limit, cancelled
            rest = h.submit(BUY, "3", price="99.00")
            orders.append(rest)
            h.cancel(rest)
        elif kind == 3:  # an IOC limit that cannot all fill
            orders.append(ioc_limit(h, "20", "100.02"))
        elif kind == 4:  # every venue down: rejected; then up again
            for venue in "ABC":
                h.node.set_venue_status(venue, VenueStatus.DOWN)
            orders.append(h.submit(SELL, "1"))
            for venue in "ABC":
                h.node.set_venue_status(venue, VenueStatus.UP)
        else:  # a marketable limit on one venue's lot, filled at once
            orders.append(h.submit(SELL, "1", price="99.50"))
        h.advance(h.now + 1_000_000)
    return h, orders


def expected_row(key: str, records: Sequence[FillRecord], spread: bool) -> QualityRow:
    """An aggregate computed independently: exact sums, the shortfall summed with ``math.fsum``."""
    sent = sum(r.qty_raw for r in records)
    filled = sum(r.filled_raw for r in records)
    weighted = [(r.shortfall_bps, r.filled_raw) for r in records if r.shortfall_bps is not None]
    weight = sum(f for _, f in weighted)
    shortfall = math.fsum(bps * f for bps, f in weighted) / weight if weight else None
    times = [r.time_to_fill_ns for r in records if r.time_to_fill_ns is not None]
    fees: dict[str, int] = {}
    for r in records:
        for ccy, raw in r.fees.items():
            fees[ccy] = fees.get(ccy, 0) + raw
    return QualityRow(
        key=key, orders=len(records), sent_qty=Decimal(sent) / SCALE, filled_qty=Decimal(filled) / SCALE,
        fill_rate=filled / sent if sent else 0.0, shortfall_bps=shortfall,
        effective_spread_bps=2 * shortfall if spread and shortfall is not None else None,
        avg_time_to_fill_ms=sum(times) / len(times) / 1e6 if times else None,
        fees={ccy: Decimal(raw) / SCALE for ccy, raw in sorted(fees.items())},
        rejected=sum(r.status in ("REJECTED", "DENIED") for r in records),
    )  # fmt: skip


def internal_sizes(router: SmartOrderRouter) -> dict[str, int]:
    return {
        "parents": len(router._parents),
        "child_parent": len(router._child_parent),
        "parent_records": len(router.parent_records),
        "children": len(router.children),
        "finished": len(router._finished),
    }


def test_finished_parents_are_purged_and_quality_is_unchanged() -> None:
    purged, orders = run(keep_parents=0)
    kept, kept_orders = run(keep_parents=10_000)  # keeps every record: the expectation
    assert all(o.is_closed for o in orders) and len(orders) == 60
    statuses = {o.status for o in orders}
    assert {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED} <= statuses
    # nothing of a finished parent is left (its id only, as the cache keeps purged orders' ids)
    assert internal_sizes(purged.router) == dict.fromkeys(internal_sizes(purged.router), 0)
    assert len(purged.router._finished_ids) == len(orders)
    # both routers saw the same orders, events and decisions
    assert [o.status for o in kept_orders] == [o.status for o in orders]
    assert purged.parent_events == kept.parent_events and purged.child_events == kept.child_events
    assert [d.as_dict() for d in purged.router.decisions] == [d.as_dict() for d in kept.router.decisions]
    parents = list(kept.router.parent_records.values())
    children = list(kept.router.children.values())
    assert len(parents) == len(orders) and sum(p.children for p in parents) == len(children) > len(orders)
    assert sum(p.retries for p in parents) > 0
    # execution quality: the same rows, with or without the records, and as computed independently
    assert purged.router.venue_quality() == kept.router.venue_quality()
    assert purged.router.strategy_quality() == kept.router.strategy_quality()
    rows = purged.router.venue_quality()
    assert [row.key for row in rows] == ["A", "B", "C"]
    for row in rows:
        mine = [r for r in children if r.venue == row.key]
        expected = expected_row(row.key, mine, spread=True)
        state = purged.router.venues[mine[0].venue]
        assert row == QualityRow(
            **{**expected.__dict__, "decayed_fill_rate": state.fill_rate, "decayed_slippage_bps": state.slippage_bps}
        )
    (strategy,) = purged.router.strategy_quality()
    assert strategy == expected_row(str(STRATEGY), parents, spread=False)
    assert strategy.orders == len(orders) and strategy.rejected == statuses_count(orders, OrderStatus.REJECTED)
    assert strategy.avg_time_to_fill_ms is not None and strategy.avg_time_to_fill_ms > 0
    # the shortfall is the exact weighted mean, rounded: within float noise of the exact rational
    exact = sum(
        (Fraction(r.notional_raw, r.filled_raw * SCALE) / Fraction(r.arrival_mid_raw, SCALE) - 1)
        * (1 if r.is_buy else -1) * 10_000 * r.filled_raw
        for r in parents if r.filled_raw and r.arrival_mid_raw
    ) / sum(r.filled_raw for r in parents if r.filled_raw and r.arrival_mid_raw)  # fmt: skip
    assert strategy.shortfall_bps == pytest.approx(float(exact), rel=1e-12, abs=1e-12)


def statuses_count(orders: list[Order], status: OrderStatus) -> int:
    return sum(o.status is status for o in orders)


def test_the_last_keep_parents_finished_records_stay_readable() -> None:
    h, orders = run(keep_parents=5, parents=30)
    router = h.router
    assert len(router.parent_records) == 5 and not router._parents and not router._child_parent
    assert list(router.parent_records) == [o.client_order_id for o in orders[-5:]]
    assert {r.parent_id for r in router.children.values()} <= set(router.parent_records)
    assert router.strategy_quality()[0].orders == 30  # every parent still counts
    assert router.decision_count >= 30 and len(router.decisions) == router.decision_count  # keep_decisions


def test_working_parents_count_in_quality_and_are_purged_once_finished() -> None:
    purged, _ = run(keep_parents=0, parents=12)
    kept, _ = run(keep_parents=10_000, parents=12)
    resting = [h.submit(BUY, "2", price="98.00") for h in (purged, kept)]
    assert all(o.status is OrderStatus.ACCEPTED for o in resting)
    assert internal_sizes(purged.router)["parents"] == 1 and internal_sizes(purged.router)["child_parent"] == 1
    assert purged.router.venue_quality() == kept.router.venue_quality()
    assert purged.router.strategy_quality() == kept.router.strategy_quality()
    assert purged.router.strategy_quality()[0].orders == 13
    for h, order in zip((purged, kept), resting, strict=True):
        h.cancel(order)
        h.advance(h.now + 1_000_000)
        assert order.status is OrderStatus.CANCELED
    assert internal_sizes(purged.router) == dict.fromkeys(internal_sizes(purged.router), 0)
    assert purged.router.venue_quality() == kept.router.venue_quality()
    assert purged.router.strategy_quality() == kept.router.strategy_quality()


def test_a_purged_parent_keeps_its_id() -> None:
    h, orders = run(keep_parents=0, parents=6)
    done = orders[0]
    assert h.router.is_parent(done.client_order_id)
    before = len(h.child_events)
    h.cancel(done)  # refused with its final status, as for any finished order, though purged
    assert len(h.child_events) == before
    refused = h.parent_events[-1]
    assert isinstance(refused, OrderCancelRejected) and refused.client_order_id == done.client_order_id
    assert refused.reason == f"order is {done.status.name}"
    again = h.factory.market(done.instrument_id, BUY, Quantity.of(1))
    reused = Order(msgspec.structs.replace(again.init, client_order_id=done.client_order_id))
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=STRATEGY, order=reused, route=RoutingInstruction()))
    denied = h.parent_events[-1]
    assert isinstance(denied, OrderDenied) and "already used" in denied.message
    assert not h.router._parents


def test_keep_parents_is_validated() -> None:
    with pytest.raises(ValidationError):
        RouterConfig(keep_parents=-1)
    with pytest.raises(ValidationError):
        RouterConfig(keep_parents=True)
