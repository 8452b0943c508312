"""The columnar replay's shared price/size objects: a block resolved at once equals one ``get`` per value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.backtest.engine import SHARED_WINDOW, _Shared
from nautilus_platform.model.values import Price, Quantity

STEP = 10**7  # two decimals


def test_a_block_in_the_window_shares_the_objects_get_returns() -> None:
    shared = _Shared(2, is_price=True)
    raws = np.array([100_00, 100_01, 99_99, 100_00, 100_01], dtype=np.int64) * STEP
    objects = shared.objects(raws)
    assert objects == [Price(raw=int(raw), precision=2) for raw in raws]
    assert objects[0] is objects[3] and objects[1] is objects[4]
    assert all(obj is shared.get(int(raw)) for obj, raw in zip(objects, raws, strict=True))
    again = shared.objects(raws[::-1].copy())  # a later block reuses them
    assert all(a is b for a, b in zip(again, objects[::-1], strict=True))


def test_values_first_made_by_get_are_the_ones_a_block_gathers() -> None:
    shared = _Shared(0, is_price=False)
    made = shared.get(5 * 10**9)
    assert isinstance(made, Quantity)
    assert shared.objects(np.array([5 * 10**9, 5 * 10**9], dtype=np.int64)) == [made, made]
    assert shared.objects(np.array([5 * 10**9], dtype=np.int64))[0] is made


@pytest.mark.parametrize(
    "raws",
    [
        [100_00 * STEP, 100_00 * STEP + 1],  # off the increment
        [100_00 * STEP, (100_00 + SHARED_WINDOW) * STEP],  # beyond the window
        [100_00 * STEP, -STEP],  # below it
    ],
)
def test_blocks_the_window_cannot_gather_fall_back_to_get(raws: list[int]) -> None:
    shared = _Shared(2, is_price=True)
    assert shared.objects(np.array(raws, dtype=np.int64)) == [Price(raw=raw, precision=2) for raw in raws]


def test_an_empty_block_and_a_block_of_another_dtype() -> None:
    shared = _Shared(2, is_price=True)
    assert shared.objects(np.array([], dtype=np.int64)) == []
    assert shared.objects(np.array([100_00 * STEP], dtype=np.uint64)) == [Price(raw=100_00 * STEP, precision=2)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-3 * SHARED_WINDOW, 3 * SHARED_WINDOW), max_size=40), max_size=4))
def test_blocks_equal_one_get_per_value(blocks: list[list[int]]) -> None:
    shared, reference = _Shared(2, is_price=True), _Shared(2, is_price=True)
    for block in blocks:
        raws = [key * STEP + (1 if key % 7 == 0 else 0) for key in block]  # some off the increment
        assert shared.objects(np.array(raws, dtype=np.int64)) == [reference.get(raw) for raw in raws]
