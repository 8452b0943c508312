"""Exact integer helpers: ``mul``, the machine multiply where the product fits a word, Python's
elsewhere; always exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_platform.core.arith import mul

# Around every edge the screen has: zero, the sign, 2**30 (mypyc's own fast test), 2**53 (exact
# floats), 2**62 (a tagged int), 2**63 (a machine word) and beyond the float range.
EDGES = [0, 1, 2**30 - 1, 2**30, 2**31, 2**53 - 1, 2**53 + 1, 2**62 - 1, 2**62, 2**63 - 1, 2**63, 2**64, 10**400]
near_edges = st.sampled_from(EDGES).flatmap(lambda edge: st.integers(edge - 3, edge + 3))
ints = st.one_of(near_edges, st.integers(), st.integers(-(2**70), 2**70))
signed = st.builds(lambda value, negative: -value if negative else value, ints, st.booleans())


@given(signed, signed)
def test_mul_is_the_exact_product(a: int, b: int) -> None:
    assert mul(a, b) == a * b


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (2**31, 2**31 - 1),  # 2**62 - 2**31: a word, the largest class of products below 4e18
        (2**32, -(2**30)),  # -2**62: just past the screen's bound, Python's multiply
        (-(2**62), 1),
        (3, 1_333_333_333_333_333_333),  # 3,999,999,999,999,999,999: just inside the screen
        (10**400, 0),
        (0, -(10**400)),
        (10**400, -1),
    ],
)
def test_mul_at_the_screen_edges(a: int, b: int) -> None:
    assert mul(a, b) == a * b
    assert mul(b, a) == a * b
