"""The wall clock and a paper node on it, as a professional user relies on them.

Every wait here is on an event with a generous timeout (a loaded machine only makes them slower),
and no assertion bounds how long anything took; the one place that holds the loop up does it with
a blocking sleep, so that firings are missed whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from exec_support import AAPL, paper_node  # the live tests' paper node

from nautilus_platform.core.clock import LiveClock, SimulatedClock, TimeEvent
from nautilus_platform.core.errors import ConfigurationError
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.service.node import TradingNode

MS = 1_000_000
TIMEOUT_S = 20.0  # generous: only a broken clock gets anywhere near it


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


# -- the clock's time --------------------------------------------------------------------------


def test_live_clock_time_never_goes_backwards_when_the_wall_clock_steps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = LiveClock()
    before = clock.timestamp_ns()
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() - 3_600 * 10**9)  # NTP steps the wall clock back an hour
    after = clock.timestamp_ns()
    assert after >= before


def test_a_timer_callback_never_sees_the_clock_before_its_firing_time(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> list[tuple[int, int]]:
        clock = LiveClock()
        seen: list[tuple[int, int]] = []
        clock.set_time_alert(
            "a", clock.timestamp_ns() + 5 * MS, lambda e: seen.append((e.ts_event, clock.timestamp_ns()))
        )
        real = time.time_ns
        monkeypatch.setattr(time, "time_ns", lambda: real() - 10**9)  # the wall clock steps back a second
        await wait_for(lambda: bool(seen), "the alert")
        return seen

    [(ts_event, now)] = asyncio.run(scenario())
    assert now >= ts_event


# -- timers ------------------------------------------------------------------------------------


def test_a_slow_callback_does_not_make_the_timer_drift() -> None:
    async def scenario() -> tuple[int, list[TimeEvent], list[int]]:
        clock = LiveClock()
        events: list[TimeEvent] = []
        seen_at: list[int] = []

        def slow(event: TimeEvent) -> None:
            events.append(event)
            seen_at.append(clock.timestamp_ns())
            time.sleep(0.006)  # most of the 10 ms interval

        start = clock.timestamp_ns()
        clock.set_timer("t", 10 * MS, slow, start_ns=start)
        await wait_for(lambda: len(events) >= 5, "five firings")
        clock.cancel_timer("t")
        return start, events, seen_at

    start, events, seen_at = asyncio.run(scenario())
    assert [e.ts_event - start for e in events[:5]] == [10 * MS, 20 * MS, 30 * MS, 40 * MS, 50 * MS]
    assert all(seen >= e.ts_event for seen, e in zip(seen_at, events, strict=True))


def test_a_held_up_loop_fires_each_missed_firing_once_in_order() -> None:
    # Decision: like a simulated clock moved past them, every missed firing fires, once, in order,
    # with its own scheduled time (none dropped, none doubled); they come as soon as the loop is free.
    async def scenario() -> tuple[int, list[int]]:
        clock = LiveClock()
        stamps: list[int] = []
        start = clock.timestamp_ns()
        clock.set_timer("t", 5 * MS, lambda e: stamps.append(e.ts_event), start_ns=start)
        time.sleep(0.1)  # the loop is held up past about 20 firings
        held_until = clock.timestamp_ns()
        await wait_for(lambda: bool(stamps) and stamps[-1] >= held_until, "the missed firings")
        clock.cancel_timer("t")
        missed = (held_until - start) // (5 * MS)
        assert missed >= 20
        return start, stamps

    start, stamps = asyncio.run(scenario())
    assert stamps == [start + k * 5 * MS for k in range(1, len(stamps) + 1)]


def test_cancel_timer_inside_its_own_callback_stops_it() -> None:
    async def scenario() -> tuple[list[TimeEvent], list[str]]:
        clock = LiveClock()
        events: list[TimeEvent] = []

        def once_twice(event: TimeEvent) -> None:
            events.append(event)
            if len(events) == 2:
                clock.cancel_timer("t")

        clock.set_timer("t", 2 * MS, once_twice)
        await wait_for(lambda: len(events) >= 2, "two firings")
        await asyncio.sleep(0.05)  # 25 intervals: a timer that went on would fire again
        return events, clock.timer_names

    events, names = asyncio.run(scenario())
    assert len(events) == 2 and names == []


def test_an_exception_in_a_timer_callback_is_reported_and_stops_nothing() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], int, int]:
        clock = LiveClock()
        reported: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
        bad: list[TimeEvent] = []
        good: list[TimeEvent] = []

        def boom(event: TimeEvent) -> None:
            bad.append(event)
            raise RuntimeError("strategy bug")

        clock.set_timer("bad", 2 * MS, boom)
        clock.set_timer("good", 2 * MS, good.append)
        await wait_for(lambda: len(bad) >= 3 and len(good) >= 3, "both timers to go on")
        clock.cancel_timers()
        return reported, len(bad), len(good)

    reported, bad, good = asyncio.run(scenario())
    assert bad >= 3 and good >= 3  # the failing timer goes on, and so does the other one
    assert len(reported) >= 3
    assert all(isinstance(c.get("exception"), RuntimeError) for c in reported)


def test_an_alert_in_the_past_fires_once_promptly_with_its_own_time() -> None:
    async def scenario() -> tuple[list[TimeEvent], list[str], int]:
        clock = LiveClock()
        events: list[TimeEvent] = []
        at = clock.timestamp_ns() - 10**9
        clock.set_time_alert("late", at, events.append)
        await wait_for(lambda: bool(events), "the alert")
        await asyncio.sleep(0.02)  # it does not fire again
        return events, clock.timer_names, at

    events, names, at = asyncio.run(scenario())
    assert events == [TimeEvent("late", at)] and names == []


def test_live_and_simulated_clocks_fire_the_same_schedule() -> None:
    def schedule(clock: LiveClock | SimulatedClock, start: int, out: list[tuple[str, int]]) -> None:
        record = lambda e: out.append((e.name, e.ts_event - start))  # noqa: E731
        clock.set_timer("t", 4 * MS, record, start_ns=start, stop_ns=start + 12 * MS)
        clock.set_time_alert("a", start + 6 * MS, record)

    simulated: list[tuple[str, int]] = []
    sim = SimulatedClock(0)
    schedule(sim, 0, simulated)
    sim.advance_time(20 * MS)

    async def scenario() -> list[tuple[str, int]]:
        clock = LiveClock()
        live: list[tuple[str, int]] = []
        schedule(clock, clock.timestamp_ns(), live)
        await wait_for(lambda: len(live) >= 4, "the schedule")
        await asyncio.sleep(0.02)
        assert clock.timer_names == []
        return live

    assert asyncio.run(scenario()) == simulated == [("t", 4 * MS), ("a", 6 * MS), ("t", 8 * MS), ("t", 12 * MS)]


# -- a paper node ------------------------------------------------------------------------------


def buy(node: TradingNode, orders: OrderFactory, qty: int) -> Order:
    now = node.clock.timestamp_ns()
    size = Quantity.of(1_000)
    node.process(QuoteTick.of(AAPL, Price.of("100.00"), Price.of("100.02"), size, size, now))
    order = orders.market(AAPL, OrderSide.BUY, Quantity.of(qty))
    node.execute(SubmitOrder(ts_init=now, strategy_id=orders.strategy_id, order=order))
    return order


def test_a_stopped_node_leaves_nothing_on_the_loop_and_a_second_session_trades() -> None:
    orders: list[OrderFactory] = []

    async def first() -> tuple[TradingNode, OrderStatus, list[str]]:
        node = paper_node(insert_ns=2 * MS)
        orders.append(node.order_factory("LIVE"))  # one factory for both sessions: unique order ids
        assert node.is_running
        order = buy(node, orders[0], 10)
        await wait_for(lambda: order.status is OrderStatus.FILLED, "the first fill")
        node.stop()
        node.stop()  # stopping twice does nothing
        return node, order.status, node.clock.timer_names

    node, status, names = asyncio.run(first())
    assert status is OrderStatus.FILLED and names == [] and not node.is_running

    async def second() -> tuple[OrderStatus, OrderStatus, int]:
        order = buy(node, orders[0], 5)  # held by the latency until the node runs again
        await asyncio.sleep(0.02)
        held = order.status
        node.start()
        with pytest.raises(ConfigurationError, match="already running"):
            node.start()
        await wait_for(lambda: order.status is OrderStatus.FILLED, "the second session's fill")
        node.stop()
        return held, order.status, node.portfolio.net_positions.get(AAPL, 0)

    held, final, position = asyncio.run(second())
    assert held is OrderStatus.SUBMITTED and final is OrderStatus.FILLED and position == 15 * 10**9


def test_a_node_on_a_simulated_clock_is_not_started() -> None:
    node = TradingNode(SimulatedClock(0))
    assert not node.is_running
    with pytest.raises(ConfigurationError, match="SimulatedClock"):
        node.start()
    node.stop()  # nothing to stop
    assert node.clock.timer_names == ["trading-day"]


def test_start_outside_a_loop_refuses_and_changes_nothing() -> None:
    async def build() -> TradingNode:
        node = paper_node(insert_ns=MS)
        node.stop()
        return node

    node = asyncio.run(build())
    with pytest.raises(ConfigurationError, match="event loop"):
        node.start()
    assert not node.is_running and node.clock.timer_names == []


def test_after_a_held_up_loop_the_next_venue_tick_delivers_what_is_due_by_now() -> None:
    # The venue tick is 1 ms; the order's insert latency is 30 ms. While the loop is held up for
    # 100 ms about 100 ticks are missed: the first tick after it must deliver the order (due by
    # now), not walk the venue's time on one missed tick per loop iteration.
    async def scenario() -> OrderStatus:
        node = paper_node(insert_ns=30 * MS)
        order = buy(node, node.order_factory("LIVE"), 10)
        time.sleep(0.1)
        for _ in range(3):  # a few loop iterations: the overdue tick runs in the first
            await asyncio.sleep(0)
        status = order.status
        node.clock.cancel_timers()
        return status

    assert asyncio.run(scenario()) is OrderStatus.FILLED
