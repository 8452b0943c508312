"""A paper node on the wall clock: the same core, driven from an asyncio loop."""

from __future__ import annotations

import asyncio
import time

import pytest
from exec_support import AAPL, paper_node

from nautilus_platform.core.clock import LiveClock
from nautilus_platform.core.errors import ConfigurationError
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.service.node import TradingNode


def test_a_live_node_trades_and_its_venue_latency_runs_on_the_event_loop() -> None:
    async def session() -> tuple[OrderStatus, OrderStatus, int]:
        node = paper_node(insert_ns=2_000_000)
        clock = node.clock
        size = Quantity.of(1_000)
        node.process(QuoteTick.of(AAPL, Price.of("100.00"), Price.of("100.02"), size, size, clock.timestamp_ns()))
        orders = node.order_factory("LIVE")
        order = orders.market(AAPL, OrderSide.BUY, Quantity.of(10))
        node.execute(SubmitOrder(ts_init=clock.timestamp_ns(), strategy_id=orders.strategy_id, order=order))
        in_flight = order.status  # the venue has not seen it yet: 2 ms of insert latency
        # The node's venue tick delivers the order once its latency has passed: wait for it on the
        # loop (polling, with a generous deadline for a loaded machine) instead of a fixed sleep.
        deadline = time.monotonic() + 20.0
        while order.status is OrderStatus.SUBMITTED and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        node.stop()
        return in_flight, order.status, node.portfolio.net_positions.get(AAPL, 0)

    in_flight, final, position = asyncio.run(session())
    assert in_flight is OrderStatus.SUBMITTED
    assert final is OrderStatus.FILLED and position == 10 * 10**9


def test_a_live_clock_outside_an_event_loop_says_what_it_needs() -> None:
    with pytest.raises(ConfigurationError, match="event loop"):
        TradingNode(LiveClock())
