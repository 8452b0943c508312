"""Latency models: how long a command takes to reach the simulated venue's matching engine.

Separate latencies for inserts (submit), modifies and cancels, in nanoseconds. A model whose
latencies are all zero (``is_zero``) lets the venue take its synchronous fast path: commands act
inside the call that sent them. Otherwise a command sent at ``t`` acts at ``t + latency``.

``RandomLatencyModel`` draws uniformly from inclusive ranges with its own ``random.Random(seed)``,
so the same seed and the same sequence of commands give the same timings.
"""

from __future__ import annotations

import random

from nautilus_platform.core.errors import ValidationError


class LatencyModel:
    """Fixed latencies in nanoseconds (modify and cancel default to the insert latency)."""

    __slots__ = ("cancel_latency_ns", "insert_latency_ns", "modify_latency_ns")

    def __init__(self, insert_ns: int = 0, modify_ns: int | None = None, cancel_ns: int | None = None) -> None:
        modify_ns = insert_ns if modify_ns is None else modify_ns
        cancel_ns = insert_ns if cancel_ns is None else cancel_ns
        for name, value in (("insert_ns", insert_ns), ("modify_ns", modify_ns), ("cancel_ns", cancel_ns)):
            if type(value) is not int or value < 0:
                raise ValidationError(name, value, "must be a non-negative int of nanoseconds")
        self.insert_latency_ns = insert_ns
        self.modify_latency_ns = modify_ns
        self.cancel_latency_ns = cancel_ns

    @property
    def is_zero(self) -> bool:
        """True when every command acts immediately (the venue's synchronous path)."""
        return not (self.insert_latency_ns or self.modify_latency_ns or self.cancel_latency_ns)

    def insert_ns(self) -> int:
        """Latency of the next submit."""
        return self.insert_latency_ns

    def modify_ns(self) -> int:
        """Latency of the next modify."""
        return self.modify_latency_ns

    def cancel_ns(self) -> int:
        """Latency of the next cancel."""
        return self.cancel_latency_ns


FixedLatencyModel = LatencyModel


class RandomLatencyModel(LatencyModel):
    """Uniform random latencies from inclusive ``(low_ns, high_ns)`` ranges, seeded."""

    __slots__ = ("_cancel", "_insert", "_modify", "_rng")

    def __init__(
        self,
        seed: int,
        insert_ns: tuple[int, int],
        modify_ns: tuple[int, int] | None = None,
        cancel_ns: tuple[int, int] | None = None,
    ) -> None:
        modify_ns = insert_ns if modify_ns is None else modify_ns
        cancel_ns = insert_ns if cancel_ns is None else cancel_ns
        for name, bounds in (("insert_ns", insert_ns), ("modify_ns", modify_ns), ("cancel_ns", cancel_ns)):
            low, high = bounds
            if type(low) is not int or type(high) is not int or not 0 <= low <= high:
                raise ValidationError(name, bounds, "must be (low, high) ints with 0 <= low <= high")
        super().__init__(insert_ns[1], modify_ns[1], cancel_ns[1])
        self._rng = random.Random(seed)
        self._insert = insert_ns
        self._modify = modify_ns
        self._cancel = cancel_ns

    def insert_ns(self) -> int:
        return self._rng.randint(*self._insert)

    def modify_ns(self) -> int:
        return self._rng.randint(*self._modify)

    def cancel_ns(self) -> int:
        return self._rng.randint(*self._cancel)
