"""tune_gc changes the collector thresholds and validates its argument."""

from __future__ import annotations

import gc

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.service.runtime import tune_gc


def test_tune_gc_sets_and_returns_thresholds() -> None:
    original = gc.get_threshold()
    try:
        assert tune_gc(50_000) == original
        assert gc.get_threshold() == (50_000, 50, 1000)
    finally:
        gc.set_threshold(*original)


def test_tune_gc_rejects_a_bad_threshold() -> None:
    with pytest.raises(ValidationError):
        tune_gc(0)
