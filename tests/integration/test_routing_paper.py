"""The router works the same on a paper node (wall clock, venue latency on the asyncio loop) as in
a backtest (simulated clock): the same books and parent order give the same children and fills."""

from __future__ import annotations

import asyncio
import time

from routing_support import BUY, RoutingHarness

from nautilus_platform.core.clock import LiveClock
from nautilus_platform.model.enums import OrderStatus

FEES = {"ALFA": "2", "BETA": "1"}
LATENCY = {"ALFA": 1_000_000, "BETA": 3_000_000}  # 1 ms and 3 ms to reach the matching engine


def routed(h: RoutingHarness) -> object:
    h.book("ALFA", asks=[("100.00", "1"), ("100.10", "2")])
    h.book("BETA", asks=[("100.05", "1.5"), ("100.20", "5")])
    return h.submit(BUY, "3")


def outcome(h: RoutingHarness, parent: object) -> tuple[object, ...]:
    fills = sorted((str(f.instrument_id.venue), str(f.last_px), str(f.last_qty)) for f in h.child_fills())
    children = sorted((str(o.instrument_id), str(o.quantity), str(o.price)) for o in h.children(parent))  # type: ignore[arg-type]
    return parent.status, str(parent.avg_px), str(parent.filled_qty), fills, children  # type: ignore[attr-defined]


def test_paper_node_routes_like_the_backtest() -> None:
    backtest = RoutingHarness(FEES, latency_ns=LATENCY)
    parent = routed(backtest)
    backtest.advance(backtest.now + 10_000_000)
    expected = outcome(backtest, parent)
    assert expected[0] is OrderStatus.FILLED and {fill[0] for fill in expected[3]} == {"ALFA", "BETA"}

    async def session() -> tuple[tuple[object, ...], OrderStatus]:
        paper = RoutingHarness(FEES, latency_ns=LATENCY, clock=LiveClock())
        live_parent = routed(paper)
        in_flight = live_parent.status  # type: ignore[attr-defined]
        deadline = time.monotonic() + 20.0  # generous, for a loaded machine
        while time.monotonic() < deadline:  # the node's venue tick delivers the children once their latency has passed
            await asyncio.sleep(0.005)
            if live_parent.status is OrderStatus.FILLED:  # type: ignore[attr-defined]
                break
        paper.node.stop()
        return outcome(paper, live_parent), in_flight

    live, in_flight = asyncio.run(session())
    assert in_flight is not OrderStatus.FILLED  # nothing filled before the venues' latency elapsed
    assert live == expected
