"""Clocks: simulated timers and alerts fire deterministically in time order; live timers on asyncio."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.clock import LiveClock, SimulatedClock, TimeEvent
from nautilus_platform.core.errors import ConfigurationError, ValidationError


class Recorder:
    def __init__(self) -> None:
        self.events: list[TimeEvent] = []

    def __call__(self, event: TimeEvent) -> None:
        self.events.append(event)

    @property
    def pairs(self) -> list[tuple[str, int]]:
        return [(e.name, e.ts_event) for e in self.events]


def test_simulated_clock_starts_at_the_given_time_and_only_moves_when_told() -> None:
    clock = SimulatedClock(start_ns=100)
    assert clock.timestamp_ns() == 100
    clock.set_time(150)
    assert clock.timestamp_ns() == 150
    assert clock.advance_time(200) == 0
    assert clock.timestamp_ns() == 200


def test_time_never_goes_backwards() -> None:
    clock = SimulatedClock(start_ns=100)
    with pytest.raises(ValidationError) as info:
        clock.set_time(99)
    assert info.value.field == "ts_ns"
    with pytest.raises(ValidationError) as info:
        clock.advance_time(50)
    assert info.value.field == "to_ns"
    assert clock.timestamp_ns() == 100


def test_repeating_timer_fires_at_each_interval_up_to_the_target() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("t", 10, rec)
    assert clock.advance_time(35) == 3
    assert rec.pairs == [("t", 10), ("t", 20), ("t", 30)]
    assert clock.timestamp_ns() == 35
    assert clock.next_time_ns() == 40


def test_callbacks_see_the_clock_at_the_firing_time() -> None:
    clock = SimulatedClock(0)
    seen: list[int] = []
    clock.set_timer("t", 10, lambda e: seen.append(clock.timestamp_ns()))
    clock.advance_time(30)
    assert seen == [10, 20, 30]


def test_timer_with_start_and_stop() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("t", 5, rec, start_ns=100, stop_ns=115)
    clock.advance_time(1_000)
    assert rec.pairs == [("t", 105), ("t", 110), ("t", 115)]
    assert clock.timer_names == []  # dropped after its last firing
    assert clock.next_time_ns() is None


def test_alerts_and_timers_fire_in_time_order_across_names() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_time_alert("late", 25, rec)
    clock.set_timer("every7", 7, rec)
    clock.set_time_alert("early", 3, rec)
    clock.advance_time(22)
    assert rec.pairs == [("early", 3), ("every7", 7), ("every7", 14), ("every7", 21)]
    clock.advance_time(30)
    assert rec.pairs[4:] == [("late", 25), ("every7", 28)]


def test_equal_times_fire_in_the_order_the_timers_were_set() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("a", 10, rec)  # set first, fires at 10 and again at 20
    clock.set_time_alert("b", 20, rec)  # set second
    clock.set_time_alert("c", 10, rec)  # set third
    clock.advance_time(20)
    assert rec.pairs == [("a", 10), ("c", 10), ("a", 20), ("b", 20)]


def test_alert_in_the_past_fires_on_the_next_advance_without_moving_time_back() -> None:
    clock = SimulatedClock(100)
    rec = Recorder()
    clock.set_time_alert("past", 50, rec)
    assert clock.advance_time(100) == 1
    assert rec.pairs == [("past", 50)]
    assert clock.timestamp_ns() == 100


def test_alert_fires_once_and_its_name_can_be_reused() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_time_alert("x", 5, rec)
    clock.advance_time(100)
    clock.set_time_alert("x", 150, rec)
    clock.advance_time(200)
    assert rec.pairs == [("x", 5), ("x", 150)]


def test_set_time_does_not_fire_timers_but_the_next_advance_catches_up() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("t", 10, rec)
    clock.set_time(25)
    assert rec.events == []
    clock.advance_time(25)
    assert rec.pairs == [("t", 10), ("t", 20)]


def test_cancel_timer_stops_it_and_unknown_names_raise() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("t", 10, rec)
    clock.set_timer("u", 10, rec)
    clock.advance_time(10)
    clock.cancel_timer("t")
    assert clock.timer_names == ["u"]
    clock.advance_time(30)
    assert rec.pairs == [("t", 10), ("u", 10), ("u", 20), ("u", 30)]
    with pytest.raises(ValidationError) as info:
        clock.cancel_timer("t")
    assert info.value.field == "name"


def test_cancel_then_reset_same_name_uses_only_the_new_schedule() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("t", 10, rec)
    clock.cancel_timer("t")
    clock.set_timer("t", 15, rec)
    clock.advance_time(30)
    assert rec.pairs == [("t", 15), ("t", 30)]


def test_cancel_timers_removes_all() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_timer("a", 1, rec)
    clock.set_time_alert("b", 2, rec)
    clock.cancel_timers()
    assert clock.advance_time(10) == 0
    assert clock.timer_names == []
    assert rec.events == []


def test_a_callback_may_cancel_another_timer_due_at_the_same_time() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()

    def first(event: TimeEvent) -> None:
        rec(event)
        clock.cancel_timer("second")

    clock.set_time_alert("first", 10, first)
    clock.set_time_alert("second", 10, rec)
    assert clock.advance_time(10) == 1
    assert rec.pairs == [("first", 10)]


def test_a_callback_may_set_a_new_alert_inside_the_advanced_window() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()
    clock.set_time_alert("a", 10, lambda e: (rec(e), clock.set_time_alert("b", 15, rec)))
    clock.advance_time(20)
    assert rec.pairs == [("a", 10), ("b", 15)]


def test_a_timer_may_cancel_itself_from_its_callback() -> None:
    clock = SimulatedClock(0)
    rec = Recorder()

    def once(event: TimeEvent) -> None:
        rec(event)
        clock.cancel_timer("t")

    clock.set_timer("t", 10, once)
    clock.advance_time(100)
    assert rec.pairs == [("t", 10)]


@pytest.mark.parametrize("interval", [0, -1])
def test_interval_must_be_positive(interval: int) -> None:
    with pytest.raises(ValidationError) as info:
        SimulatedClock().set_timer("t", interval, Recorder())
    assert info.value.field == "interval_ns"


def test_names_must_be_non_empty_and_unique() -> None:
    clock = SimulatedClock()
    with pytest.raises(ValidationError) as info:
        clock.set_time_alert("", 1, Recorder())
    assert info.value.field == "name"
    clock.set_time_alert("x", 1, Recorder())
    with pytest.raises(ValidationError, match="already set"):
        clock.set_timer("x", 1, Recorder())


def test_stop_before_first_firing_is_refused_and_nothing_is_registered() -> None:
    clock = SimulatedClock(0)
    with pytest.raises(ValidationError) as info:
        clock.set_timer("t", 10, Recorder(), stop_ns=5)
    assert info.value.field == "stop_ns"
    assert clock.timer_names == []


def test_two_identical_runs_fire_identically() -> None:
    def run() -> list[tuple[str, int]]:
        clock = SimulatedClock(0)
        rec = Recorder()
        for i, interval in enumerate([3, 5, 7, 5, 3]):
            clock.set_timer(f"t{i}", interval, rec)
        clock.set_time_alert("alert", 15, rec)
        for to in (4, 15, 15, 40):
            clock.advance_time(to)
        return rec.pairs

    first = run()
    assert first == run()
    assert [ts for _, ts in first] == sorted(ts for _, ts in first)


# -- live clock ------------------------------------------------------------------------------


def test_live_clock_reads_wall_time() -> None:
    before = time.time_ns()
    now = LiveClock().timestamp_ns()
    assert before <= now <= time.time_ns()


def test_live_clock_alert_and_timer_fire_on_the_running_loop() -> None:
    async def scenario() -> tuple[list[tuple[str, int]], list[str]]:
        clock = LiveClock()
        rec = Recorder()
        start = clock.timestamp_ns()
        clock.set_time_alert("alert", start + 5_000_000, rec)
        clock.set_timer("tick", 10_000_000, rec, start_ns=start, stop_ns=start + 30_000_000)
        deadline = time.monotonic() + 20.0  # wait for the four firings, tolerating a loaded machine
        while len(rec.events) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.02)  # nothing more may fire after the stop
        return [(n, ts - start) for n, ts in rec.pairs], clock.timer_names

    pairs, remaining = asyncio.run(scenario())
    assert pairs == [("alert", 5_000_000), ("tick", 10_000_000), ("tick", 20_000_000), ("tick", 30_000_000)]
    assert remaining == []


def test_live_clock_cancel_timer_stops_the_scheduled_callback() -> None:
    async def scenario() -> list[TimeEvent]:
        clock = LiveClock()
        rec = Recorder()
        clock.set_timer("tick", 20_000_000, rec)
        clock.cancel_timer("tick")
        await asyncio.sleep(0.05)
        return rec.events

    assert asyncio.run(scenario()) == []


def test_live_clock_with_an_explicit_loop() -> None:
    loop = asyncio.new_event_loop()
    try:
        clock = LiveClock(loop)
        rec = Recorder()
        clock.set_time_alert("now", clock.timestamp_ns(), rec)  # set outside the running loop
        loop.run_until_complete(asyncio.sleep(0.02))
        assert [e.name for e in rec.events] == ["now"]
    finally:
        loop.close()


def test_live_clock_without_a_loop_refuses_and_registers_nothing() -> None:
    clock = LiveClock()
    with pytest.raises(ConfigurationError, match="event loop"):
        clock.set_time_alert("x", clock.timestamp_ns() + 1, Recorder())
    assert clock.timer_names == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["alert", "cancel", "advance", "next"]), st.sampled_from("abc"), st.integers(0, 40)),
        max_size=40,
    )
)
def test_small_advances_cancels_and_resets_fire_like_a_plain_schedule(ops: list[tuple[str, str, int]]) -> None:
    # The clock skips timer work while the target is before its earliest queued time; whatever
    # sequence of alerts, cancellations and advances, it fires what a plain schedule says: due
    # alerts in time order, equal times in the order they were set.
    clock = SimulatedClock(0)
    rec = Recorder()
    schedule: dict[str, tuple[int, int]] = {}  # name -> (time, order set) of its live alert
    expected: list[tuple[str, int]] = []
    now = 0
    for order, (op, name, amount) in enumerate(ops):
        if op == "alert" and name not in schedule:
            clock.set_time_alert(name, now + amount, rec)
            schedule[name] = (now + amount, order)
        elif op == "cancel" and name in schedule:
            clock.cancel_timer(name)
            del schedule[name]
        elif op == "advance":
            now += amount
            due = sorted((key, n) for n, key in schedule.items() if key[0] <= now)
            expected += [(n, key[0]) for key, n in due]
            for _, n in due:
                del schedule[n]
            assert clock.advance_time(now) == len(due)
        elif op == "next":
            assert clock.next_time_ns() == (min(t for t, _ in schedule.values()) if schedule else None)
        assert rec.pairs == expected
