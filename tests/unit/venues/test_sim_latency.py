"""Latency models."""

from __future__ import annotations

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.venues.simulated.latency import LatencyModel, RandomLatencyModel


def test_fixed_latency_defaults_to_insert() -> None:
    model = LatencyModel(100, cancel_ns=5)
    assert (model.insert_ns(), model.modify_ns(), model.cancel_ns()) == (100, 100, 5)
    assert not model.is_zero
    assert LatencyModel().is_zero


def test_random_latency_is_seeded_and_in_range() -> None:
    a = RandomLatencyModel(7, (10, 20), (30, 40), (50, 60))
    b = RandomLatencyModel(7, (10, 20), (30, 40), (50, 60))
    draws_a = [(a.insert_ns(), a.modify_ns(), a.cancel_ns()) for _ in range(20)]
    draws_b = [(b.insert_ns(), b.modify_ns(), b.cancel_ns()) for _ in range(20)]
    assert draws_a == draws_b
    assert all(10 <= i <= 20 and 30 <= m <= 40 and 50 <= c <= 60 for i, m, c in draws_a)
    c = RandomLatencyModel(8, (10, 20), (30, 40), (50, 60))
    assert [c.insert_ns() for _ in range(20)] != [i for i, _, _ in draws_a]


def test_invalid_latencies() -> None:
    with pytest.raises(ValidationError):
        LatencyModel(-1)
    with pytest.raises(ValidationError):
        RandomLatencyModel(1, (5, 1))
