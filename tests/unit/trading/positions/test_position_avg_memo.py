"""The position event's average-price memo returns exactly what a fresh computation would."""

from __future__ import annotations

from decimal import Decimal, localcontext

from nautilus_platform.model.orders import average_price
from nautilus_platform.trading.positions.position import _avg_decimal, _AvgMemo, _qty_decimal


def test_memo_matches_a_fresh_computation_on_repeats_and_changes() -> None:
    memo = _AvgMemo()
    cases = [(10**21, 10**10), (10**21, 10**10), (10**21 + 7, 10**10), (10**21, 3 * 10**9), (10**21, 10**10), (0, 5)]
    for value, qty in cases:
        got = memo.avg(value, qty)
        want = _avg_decimal(value, qty)
        assert got == want and str(got) == str(want)
    assert memo.avg(10**21, 10**10) == Decimal("100")


def test_averages_and_quantities_ignore_the_threads_decimal_context() -> None:
    """A strategy may narrow the decimal context of its thread; the core's figures stay exact."""
    value, qty = 123_456_789_012_345_678_901_234_567 * 10**18, 10**9  # a 27-digit average, 45 digits in all
    want = Decimal("123456789012345678901234567.000000000000000000")
    with localcontext() as ctx:
        ctx.prec = 3
        assert str(_avg_decimal(value, qty)) == str(want)
        assert str(_qty_decimal(12_345_678_901_234)) == "12345.678901234"
        assert average_price(3 * 100_050_000_000 * 10**9, 3 * 10**9) == Decimal("100.05")


def test_average_fill_price_is_rounded_to_28_digits_half_even() -> None:
    assert average_price(0, 0) is None
    assert average_price(10**9 * 10**9, 3 * 10**9) == Decimal("0.3333333333333333333333333333")
    assert average_price(2 * 10**9 * 10**9, 3 * 10**9) == Decimal("0.6666666666666666666666666667")
