"""The sliding-window Throttle on its own."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.trading.risk import Throttle


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 10), "limit"),
        ((-1, 10), "limit"),
        ((True, 10), "limit"),
        ((1, 0), "interval_ns"),
        ((1, 1.5), "interval_ns"),
        ((1, 2**60 + 1), "interval_ns"),
    ],
)
def test_throttle_rejects_invalid_construction(args: tuple[Any, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Throttle(*args)
    assert info.value.field == field


def test_throttle_allows_limit_events_then_refuses_in_the_same_window() -> None:
    throttle = Throttle(3, 100)
    assert [throttle.try_acquire(1_000) for _ in range(4)] == [True, True, True, False]
    assert throttle.used(1_000) == 3
    assert not throttle.allows(1_099)


def test_throttle_window_slides_exactly() -> None:
    throttle = Throttle(2, 100)
    assert throttle.try_acquire(0)
    assert throttle.try_acquire(50)
    assert not throttle.try_acquire(99)  # window (-1, 99] still holds both
    assert throttle.retry_after_ns(99) == 1
    assert throttle.try_acquire(100)  # the event at 0 just left the window
    assert not throttle.try_acquire(149)
    assert throttle.retry_after_ns(149) == 1
    assert throttle.try_acquire(150)
    assert throttle.used(150) == 2
    assert throttle.used(250) == 0
    assert throttle.retry_after_ns(250) == 0


def test_an_empty_slot_has_left_the_longest_window_at_time_zero() -> None:
    throttle = Throttle(1, 2**60)  # the longest interval allowed, about 36 years
    assert throttle.used(0) == 0
    assert throttle.try_acquire(0)
    assert not throttle.allows(2**60 - 1)
    assert throttle.allows(2**60)


def test_throttle_allows_records_nothing() -> None:
    throttle = Throttle(1, 10)
    assert throttle.allows(0)
    assert throttle.allows(0)
    assert throttle.used(0) == 0
    throttle.record(0)
    assert not throttle.allows(5)
    assert throttle.allows(10)


def test_throttle_refused_acquire_records_nothing() -> None:
    throttle = Throttle(1, 10)
    assert throttle.try_acquire(0)
    assert not throttle.try_acquire(5)
    assert throttle.used(9) == 1
    assert throttle.try_acquire(10)  # the refused attempt at 5 did not extend the window


def test_throttle_reset_forgets_events() -> None:
    throttle = Throttle(1, 1_000)
    throttle.record(5)
    throttle.reset()
    assert throttle.used(5) == 0
    assert throttle.try_acquire(6)


def test_throttle_repr_names_it() -> None:
    assert repr(Throttle(4, 10, "submit_rate")) == "Throttle(submit_rate: 4 per 10 ns)"


@given(
    limit=st.integers(1, 5),
    interval=st.integers(1, 50),
    gaps=st.lists(st.integers(0, 30), min_size=1, max_size=60),
)
def test_throttle_matches_a_naive_sliding_window(limit: int, interval: int, gaps: list[int]) -> None:
    throttle = Throttle(limit, interval)
    accepted: list[int] = []
    now = 0
    for gap in gaps:
        now += gap
        in_window = [t for t in accepted if t > now - interval]
        expected = len(in_window) < limit
        assert throttle.used(now) == len(in_window)
        assert throttle.try_acquire(now) is expected
        if expected:
            accepted.append(now)
