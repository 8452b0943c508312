"""Exact integer arithmetic helpers for fixed-point amounts (compiled on the hot path)."""

from __future__ import annotations


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
