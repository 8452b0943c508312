"""Clocks with one timer/alert API: a simulated clock for backtests, a wall clock for live.

Timers fire ``TimeEvent`` callbacks. On the simulated clock they fire when time is advanced,
in time order and, at equal times, in the order they were set, so runs are deterministic.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from nautilus_platform.core.errors import ConfigurationError, ValidationError

_NEVER: Final = 2**63  # beyond every nanosecond timestamp (int64)


@dataclass(frozen=True, slots=True)
class TimeEvent:
    """A timer or alert firing: ``name`` at ``ts_event`` (UNIX nanoseconds)."""

    name: str
    ts_event: int


TimeCallback = Callable[[TimeEvent], None]


@dataclass(slots=True)
class _Timer:
    name: str
    callback: TimeCallback
    next_ns: int
    interval_ns: int  # 0 for a one-off alert
    stop_ns: int | None
    seq: int = 0  # the order timers were set in: breaks ties between equal firing times


def _check_ns(field: str, value: int | None) -> None:
    if value is not None and type(value) is not int:
        raise ValidationError(field, value, "must be an int of UNIX nanoseconds")


class Clock(ABC):
    """Time source plus named timers (repeating) and alerts (one-off)."""

    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self._timer_seq = 0
        # A simulated clock moving to a timer's time ``T`` first reads ``T - 1`` and calls this with
        # it (a trading node lets its venues deliver what was due before ``T``). ``None``: nothing.
        self.before_timer: Callable[[int], None] | None = None

    @abstractmethod
    def timestamp_ns(self) -> int:
        """Current time in UNIX nanoseconds."""

    @property
    def timer_names(self) -> list[str]:
        return sorted(self._timers)

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimeCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire ``callback`` every ``interval_ns`` from ``start_ns`` (default now) until ``stop_ns``."""
        if type(interval_ns) is not int or interval_ns <= 0:
            raise ValidationError("interval_ns", interval_ns, "must be a positive int of nanoseconds")
        _check_ns("start_ns", start_ns)
        _check_ns("stop_ns", stop_ns)
        start = self.timestamp_ns() if start_ns is None else start_ns
        self._add(_Timer(name, callback, start + interval_ns, interval_ns, stop_ns))

    def set_time_alert(self, name: str, alert_time_ns: int, callback: TimeCallback) -> None:
        """Fire ``callback`` once at ``alert_time_ns`` (immediately on the next advance if past)."""
        if type(alert_time_ns) is not int:
            raise ValidationError("alert_time_ns", alert_time_ns, "must be an int of UNIX nanoseconds")
        self._add(_Timer(name, callback, alert_time_ns, 0, None))

    def cancel_timer(self, name: str) -> None:
        if self._timers.pop(name, None) is None:
            raise ValidationError("name", name, "no such timer")
        self._on_cancel(name)

    def cancel_timers(self) -> None:
        for name in list(self._timers):
            self.cancel_timer(name)

    def _add(self, timer: _Timer) -> None:
        if not isinstance(timer.name, str) or not timer.name:
            raise ValidationError("name", timer.name, "must be a non-empty string")
        if not callable(timer.callback):
            raise ValidationError("callback", timer.callback, "must be callable")
        if timer.name in self._timers:
            raise ValidationError("name", timer.name, "a timer with this name is already set")
        if timer.stop_ns is not None and timer.stop_ns < timer.next_ns:
            raise ValidationError("stop_ns", timer.stop_ns, "must not be before the first firing")
        self._timer_seq += 1
        timer.seq = self._timer_seq
        self._on_add(timer)  # schedule first: if that fails, no half-registered timer is left
        self._timers[timer.name] = timer

    def _fire(self, timer: _Timer, ts: int) -> None:
        """Advance ``timer`` past ``ts`` (or drop it) and run its callback."""
        if timer.interval_ns and (timer.stop_ns is None or ts + timer.interval_ns <= timer.stop_ns):
            timer.next_ns = ts + timer.interval_ns
            self._on_add(timer)
        else:
            self._timers.pop(timer.name, None)
        timer.callback(TimeEvent(timer.name, ts))

    @abstractmethod
    def _on_add(self, timer: _Timer) -> None: ...

    def _on_cancel(self, name: str) -> None:  # noqa: B027 - optional hook
        """Hook for subclasses that schedule timers elsewhere."""


class SimulatedClock(Clock):
    """A clock whose time moves only when told: backtests and tests."""

    def __init__(self, start_ns: int = 0) -> None:
        super().__init__()
        self._now = start_ns
        self._heap: list[tuple[int, int, str, _Timer]] = []
        # The earliest time in the heap (``_NEVER`` when empty), possibly of a cancelled timer: a
        # time before it fires nothing, and each item of a replay moves the clock.
        self._due = _NEVER

    def timestamp_ns(self) -> int:
        return self._now

    def set_time(self, ts_ns: int) -> None:
        """Jump to ``ts_ns`` without firing timers (time never goes backwards)."""
        if ts_ns < self._now:
            raise ValidationError("ts_ns", ts_ns, f"must not be before the clock's time {self._now}")
        self._now = ts_ns

    def next_time_ns(self) -> int | None:
        """When the next live timer fires, or ``None``."""
        heap = self._heap
        while heap:
            ts, _, name, timer = heap[0]
            if self._timers.get(name) is timer and timer.next_ns == ts:
                return ts
            heapq.heappop(heap)
            self._due = heap[0][0] if heap else _NEVER
        return None

    def advance_time(self, to_ns: int) -> int:
        """Fire every timer due up to ``to_ns`` in order, then set the time; returns firings."""
        if to_ns < self._now:
            raise ValidationError("to_ns", to_ns, f"must not be before the clock's time {self._now}")
        if to_ns < self._due:
            self._now = to_ns
            return 0
        fired = 0
        heap = self._heap
        while heap and heap[0][0] <= to_ns:
            ts, _, name, timer = heapq.heappop(heap)
            if self._timers.get(name) is not timer or timer.next_ns != ts:
                continue  # cancelled or rescheduled
            if ts > self._now:
                hook = self.before_timer
                if hook is not None:  # what was due before ``ts`` happens just before it, at ts - 1
                    self._now = ts - 1
                    hook(ts - 1)
                    if self._timers.get(name) is not timer or timer.next_ns != ts:
                        continue  # what it set off cancelled or rescheduled the timer
                self._now = ts
            self._fire(timer, ts)
            fired += 1
        self._due = heap[0][0] if heap else _NEVER
        self._now = to_ns
        return fired

    def _on_add(self, timer: _Timer) -> None:
        # Keyed (time, order set): a timer is queued at most once per firing time, so keys are unique.
        heapq.heappush(self._heap, (timer.next_ns, timer.seq, timer.name, timer))
        if timer.next_ns < self._due:
            self._due = timer.next_ns


class LiveClock(Clock):
    """Wall-clock time; timers run on an asyncio event loop.

    ``timestamp_ns`` is the wall time read when the clock is built, moved on by the monotonic
    clock: it never goes backwards between calls (a wall-clock step, e.g. by NTP, is not followed),
    and it runs on the same time base as the event loop, so a timer never fires before its time
    (in its callback ``timestamp_ns() >= event.ts_event``). A timer's firings stay on its schedule
    (``start + k * interval``, whatever its callbacks take); when the loop was held up past several
    of them, each missed firing fires once, in order, with its own scheduled ``ts_event``, as a
    simulated clock moved past them does. An exception in a callback goes to the loop's exception
    handler (logged by default); the loop, the timer's next firings and the other timers go on.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__()
        self._loop = loop
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._wall0 = time.time_ns()
        self._mono0 = time.monotonic_ns()

    def timestamp_ns(self) -> int:
        return self._wall0 + (time.monotonic_ns() - self._mono0)

    def _on_add(self, timer: _Timer) -> None:
        loop = self._loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise ConfigurationError(
                    f"LiveClock timer {timer.name!r} needs an asyncio event loop: set it from inside a running "
                    "loop (e.g. build the node in an async function) or pass LiveClock(loop=...)"
                ) from None
        self._schedule(loop, timer)

    def _schedule(self, loop: asyncio.AbstractEventLoop, timer: _Timer) -> None:
        delay = max(0.0, (timer.next_ns - self.timestamp_ns()) / 1e9)
        self._handles[timer.name] = loop.call_later(delay, self._run, timer, loop)

    def _run(self, timer: _Timer, loop: asyncio.AbstractEventLoop) -> None:
        self._handles.pop(timer.name, None)
        if self._timers.get(timer.name) is not timer:
            return
        if self.timestamp_ns() < timer.next_ns:  # the loop woke a little early: never fire before the time
            self._schedule(loop, timer)
            return
        self._fire(timer, timer.next_ns)

    def _on_cancel(self, name: str) -> None:
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()
