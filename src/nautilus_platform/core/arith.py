"""Exact integer arithmetic helpers for fixed-point amounts (compiled on the hot path)."""

from __future__ import annotations

from typing import Final

from mypy_extensions import i64

#: Decimal places of every raw fixed-point amount (prices, quantities, money): raw = value * 10**9.
FIXED_PRECISION: Final = 9
FIXED_SCALAR: Final[int] = 10**FIXED_PRECISION


def format_fixed(raw: int, precision: int) -> str:
    """Render a raw fixed-point value with ``precision`` decimals (the digits beyond are cut)."""
    sign = "-" if raw < 0 else ""
    whole, frac = divmod(abs(raw), FIXED_SCALAR)
    if precision == 0:
        return sign + str(whole)
    # ``frac`` is below 10**9: the 10 digits of 10**9 + frac are a 1 and ``frac`` zero-padded to 9.
    return sign + str(whole) + "." + str(FIXED_SCALAR + frac)[1:][:precision]


def round_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, ties to even (exact)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def ceil_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded up (toward positive infinity), for a positive denominator."""
    return -(-numerator // denominator)


# Below 2**62 with room for the float rounding of the screen in ``mul``.
_WORD_PRODUCT: Final = 4.0e18


def mul(a: int, b: int) -> int:
    """``a * b``, exactly. Compiled code multiplies through Python int objects whenever an operand
    is negative or at least 2**30 (mypyc's conservative overflow test); this takes the machine
    multiply whenever a float screen shows the product fits a machine word."""
    try:
        product = float(a) * float(b)
    except OverflowError:  # an operand beyond the float range
        return a * b
    if product == 0.0:  # a or b is 0 (a nonzero int is at least 1 in size: no underflow)
        return 0
    if -_WORD_PRODUCT < product < _WORD_PRODUCT:
        # Both operands are below 2**63 in size (the other is at least 1) and the exact product
        # below 2**62: no machine overflow.
        return i64(a) * i64(b)
    return a * b
