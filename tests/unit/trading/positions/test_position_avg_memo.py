"""The position event's average-price memo returns exactly what a fresh computation would."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.trading.positions.position import _avg_decimal, _AvgMemo


def test_memo_matches_a_fresh_computation_on_repeats_and_changes() -> None:
    memo = _AvgMemo()
    cases = [(10**21, 10**10), (10**21, 10**10), (10**21 + 7, 10**10), (10**21, 3 * 10**9), (10**21, 10**10), (0, 5)]
    for value, qty in cases:
        got = memo.avg(value, qty)
        want = _avg_decimal(value, qty)
        assert got == want and str(got) == str(want)
    assert memo.avg(10**21, 10**10) == Decimal("100")
