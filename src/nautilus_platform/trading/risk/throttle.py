"""A sliding-window rate throttle driven by the injected clock's timestamps (deterministic)."""

from __future__ import annotations

from typing import Final

from nautilus_platform.core.errors import ValidationError

# An empty slot's time: far enough back that any allowed interval has passed since it, near
# enough that ``now - _NEVER`` stays a small int (compiled code does big-int arithmetic slowly).
MAX_INTERVAL_NS: Final = 1 << 60  # about 36.5 years
_NEVER: Final = -MAX_INTERVAL_NS


class Throttle:
    """At most ``limit`` events in any window of ``interval_ns``: an exact sliding window.

    A ring holds the times of the last ``limit`` events; a new event fits when the oldest of them
    is at least ``interval_ns`` old. ``allows`` and ``record`` are O(1) and allocate nothing.
    """

    __slots__ = ("_index", "_ring", "interval_ns", "limit", "name")

    def __init__(self, limit: object, interval_ns: object, name: str = "throttle") -> None:
        # ``object``: the checks below, not the (compiled) signature, reject a wrong type.
        if type(limit) is not int or limit <= 0:
            raise ValidationError("limit", limit, "must be a positive int")
        if type(interval_ns) is not int or interval_ns <= 0:
            raise ValidationError("interval_ns", interval_ns, "must be a positive int of nanoseconds")
        if interval_ns > MAX_INTERVAL_NS:
            raise ValidationError("interval_ns", interval_ns, f"must be at most {MAX_INTERVAL_NS} ns (about 36 years)")
        self.limit = limit
        self.interval_ns = interval_ns
        self.name = name
        self._ring = [_NEVER] * limit
        self._index = 0

    def allows(self, now_ns: int) -> bool:
        """Whether one more event at ``now_ns`` stays within the limit (records nothing)."""
        return now_ns - self._ring[self._index] >= self.interval_ns

    def record(self, now_ns: int) -> None:
        """Count one event at ``now_ns``."""
        index = self._index
        self._ring[index] = now_ns
        index += 1
        self._index = 0 if index == self.limit else index

    def try_acquire(self, now_ns: int) -> bool:
        """Record an event at ``now_ns`` if it fits; return whether it did."""
        if now_ns - self._ring[self._index] >= self.interval_ns:
            self.record(now_ns)
            return True
        return False

    def used(self, now_ns: int) -> int:
        """Events counted in the window ending at ``now_ns``."""
        start = now_ns - self.interval_ns
        return sum(1 for ts in self._ring if ts > start)

    def retry_after_ns(self, now_ns: int) -> int:
        """Nanoseconds until one more event fits (0 when it fits now)."""
        return max(0, self._ring[self._index] + self.interval_ns - now_ns)

    def reset(self) -> None:
        """Forget every recorded event."""
        self._ring = [_NEVER] * self.limit
        self._index = 0

    def __repr__(self) -> str:
        return f"Throttle({self.name}: {self.limit} per {self.interval_ns} ns)"
