"""Price, Quantity, Money: exact fixed-point values, validated construction, typed errors."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_platform.core.errors import CurrencyMismatchError, ValidationError
from nautilus_platform.model.values import (
    BTC,
    EUR,
    FIXED_SCALAR,
    JPY,
    USD,
    USDC,
    Currency,
    CurrencyType,
    Money,
    Price,
    Quantity,
    format_fixed,
    round_half_even,
    to_decimal,
)

# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "raw", "precision"),
    [
        ("101.25", 101_250_000_000, 2),
        (" 1_000.5 ", 1_000_500_000_000, 1),
        (7, 7 * FIXED_SCALAR, 0),
        (Decimal("0.000000001"), 1, 9),
        (Decimal("-3.5"), -3_500_000_000, 1),
        (0.1, 100_000_000, 1),  # a float whose shortest repr is exact
        ("1e2", 100 * FIXED_SCALAR, 0),
        ("1.10", 1_100_000_000, 2),  # precision is the decimals as written
    ],
)
def test_price_of_parses_exactly(value: str | int | Decimal | float, raw: int, precision: int) -> None:
    price = Price.of(value)
    assert price.raw == raw
    assert price.precision == precision


def test_explicit_precision_is_kept_and_formats_the_value() -> None:
    price = Price.of("1.5", 4)
    assert price.precision == 4
    assert str(price) == "1.5000"
    assert repr(price) == "Price('1.5000')"
    assert price.as_decimal() == Decimal("1.5000")
    assert str(price.as_decimal()) == "1.5000"


def test_large_values_stay_exact() -> None:
    # 29 significant digits: more than the default Decimal context keeps.
    price = Price.of("12345678901234567890.123456789")
    assert price.raw == 12345678901234567890123456789
    assert price.precision == 9
    assert str(price) == "12345678901234567890.123456789"
    assert price.as_decimal() == Decimal("12345678901234567890.123456789")


@pytest.mark.parametrize(
    ("value", "precision", "field", "rule_part"),
    [
        ("1.234", 2, "price", "more than 2 decimal places"),
        (0.1 + 0.2, None, "price", "more than 9 decimal places"),  # float with binary error
        (0.1 + 0.2, 9, "price", "more than 9 decimal places"),
        ("0.0000000001", None, "price", "more than 9 decimal places"),
        ("abc", None, "price", "not a decimal number"),
        ("", None, "price", "not a decimal number"),
        ("NaN", None, "price", "finite"),
        ("-Infinity", None, "price", "finite"),
        (math.nan, None, "price", "finite"),
        (math.inf, None, "price", "finite"),
        (Decimal("NaN"), None, "price", "finite"),
        (True, None, "price", "bool"),
        ([1], None, "price", "must be int, str, Decimal or float"),
        ("1", 10, "price.precision", "0..9"),
        ("1", -1, "price.precision", "0..9"),
        ("1e999999999", None, "price", "magnitude"),
    ],
)
def test_price_of_rejects_with_the_field_named(
    value: object, precision: int | None, field: str, rule_part: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Price.of(value, precision)  # type: ignore[arg-type]
    assert info.value.field == field
    assert rule_part in info.value.rule


def test_quantity_rejects_negative_values() -> None:
    with pytest.raises(ValidationError) as info:
        Quantity.of("-1")
    assert info.value.field == "quantity"
    assert info.value.value == "-1"
    assert "negative" in info.value.rule


def test_quantity_errors_name_quantity() -> None:
    with pytest.raises(ValidationError) as info:
        Quantity.of("0.5", 0)
    assert info.value.field == "quantity"


def test_negative_prices_are_allowed() -> None:
    assert Price.of("-0.25").raw == -250_000_000


# -- arithmetic and comparison --------------------------------------------------------------------


def test_price_arithmetic_is_exact_and_takes_the_wider_precision() -> None:
    total = Price.of("0.1") + Price.of("0.20")
    assert total == Price.of("0.3")
    assert total.precision == 2  # "0.20" is written with 2 decimals
    diff = Price.of("1.005", 3) - Price.of("2", 0)
    assert diff.raw == -995_000_000
    assert diff.precision == 3
    assert str(diff) == "-0.995"
    assert -Price.of("1.5") == Price.of("-1.5")


def test_adding_many_tenths_has_no_float_drift() -> None:
    total = Price.of("0")
    for _ in range(1_000):
        total = total + Price.of("0.1")
    assert total == Price.of("100")
    assert total.as_decimal() == Decimal("100.0")


def test_quantity_arithmetic() -> None:
    assert Quantity.of("1.5") + Quantity.of("2.25") == Quantity.of("3.75")
    assert (Quantity.of("5") - Quantity.of("1.5")).precision == 1
    assert Quantity.of(3) - Quantity.of(3) == Quantity.zero()


def test_quantity_subtraction_below_zero_raises() -> None:
    with pytest.raises(ValidationError) as info:
        Quantity.of(1) - Quantity.of(2)
    assert info.value.field == "quantity"


def test_values_compare_and_hash_by_raw_across_precisions() -> None:
    assert Price.of("1.5") == Price.of("1.50", 2)
    assert hash(Price.of("1.5")) == hash(Price.of("1.500", 3))
    assert len({Price.of("1.5"), Price.of("1.50", 2), Price.of("1.51")}) == 2
    assert Price.of("1.49") < Price.of("1.5") <= Price.of("1.50", 2) < Price.of(2)
    assert Quantity.of(2) > Quantity.of("1.999") >= Quantity.of("1.999")
    assert Price.of(1) != 1  # no comparison with plain numbers
    assert not Quantity.zero(3)
    assert Quantity.of("0.001")


def test_as_double_is_for_display_only() -> None:
    assert Price.of("101.25").as_double() == pytest.approx(101.25)


@pytest.mark.parametrize(
    ("raw", "precision", "text"),
    [(0, 0, "0"), (1, 9, "0.000000001"), (-1_500_000_000, 1, "-1.5"), (1_999_999_999, 0, "1"), (5, 2, "0.00")],
)
def test_format_fixed(raw: int, precision: int, text: str) -> None:
    assert format_fixed(raw, precision) == text


def test_to_decimal_keeps_the_exact_string() -> None:
    assert str(to_decimal("1.10", "x")) == "1.10"
    assert to_decimal(0.1, "x") == Decimal("0.1")
    with pytest.raises(ValidationError) as info:
        to_decimal(None, "rate")  # type: ignore[arg-type]
    assert info.value.field == "rate"


# -- rounding ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 2, 2),  # 2.5 -> 2 (even)
        (7, 2, 4),  # 3.5 -> 4 (even)
        (-5, 2, -2),
        (-7, 2, -4),
        (5, -2, -2),
        (10, 4, 2),  # 2.5
        (11, 4, 3),  # 2.75
        (9, 4, 2),  # 2.25
        (-9, 4, -2),
        (-11, 4, -3),
        (6, 3, 2),
        (0, 7, 0),
        (1, 3, 0),
        (2, 3, 1),
    ],
)
def test_round_half_even(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_even(numerator, denominator) == expected


def test_round_half_even_is_exact_for_huge_numbers() -> None:
    big = 10**40
    assert round_half_even(6 * big + 2, 4) == 3 * big // 2  # 1.5e40 + 0.5: even quotient, tie stays
    assert round_half_even(2 * big + 1, 2) == big  # big is even: tie goes down
    assert round_half_even(2 * (big + 1) + 1, 2) == big + 2  # big+1 is odd: tie goes up


@given(
    st.integers(-(10**45), 10**45) | st.integers(-50, 50),
    st.integers(1, 10**36) | st.integers(1, 12) | st.sampled_from([2, 10**18, 10**25, 2 * 10**27 + 1]),
    st.booleans(),
)
def test_round_half_even_matches_exact_rounding(numerator: int, denominator: int, negate: bool) -> None:
    """Against ``Decimal`` rounding of the exact fraction (ties included: small numerators hit them)."""
    if negate:
        numerator, denominator = -numerator, -denominator
    exact = Fraction(numerator, denominator)
    with localcontext() as ctx:
        ctx.prec = 200
        want = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    assert round_half_even(numerator, denominator) == int(want)


# -- currency and money --------------------------------------------------------------------------


def test_currency_registry_lookup() -> None:
    assert Currency.from_str("usd") is USD
    assert Currency.from_str("BTC").currency_type is CurrencyType.CRYPTO
    assert JPY.unit_raw == FIXED_SCALAR
    assert USD.unit_raw == 10_000_000
    assert USDC.precision == 6
    with pytest.raises(ValidationError) as info:
        Currency.from_str("XYZ")
    assert info.value.field == "currency"


@pytest.mark.parametrize(
    ("code", "precision", "field"),
    [("", 2, "currency.code"), ("U$D", 2, "currency.code"), ("ABC", 10, "currency.precision")],
)
def test_currency_validation(code: str, precision: int, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Currency(code, precision)
    assert info.value.field == field


def test_money_of_respects_the_currency_precision() -> None:
    assert Money.of("12.50", USD).raw == 12_500_000_000
    assert str(Money.of("12.5", USD)) == "12.50 USD"
    assert repr(Money.of(3, JPY)) == "Money('3', JPY)"
    assert Money.of("0.12345678", BTC).as_decimal() == Decimal("0.12345678")
    with pytest.raises(ValidationError) as info:
        Money.of("0.001", USD)
    assert info.value.field == "money[USD]"
    with pytest.raises(ValidationError):
        Money.of("1.5", JPY)


def test_money_arithmetic_is_exact() -> None:
    total = Money.zero(USD)
    for _ in range(10):
        total = total + Money.of("0.10", USD)
    assert total == Money.of(1, USD)
    assert Money.of(1, USD) - Money.of("1.01", USD) == Money.of("-0.01", USD)
    assert -Money.of("2.5", USD) == Money.of("-2.5", USD)
    assert Money.of(1, USD) < Money.of("1.01", USD) <= Money.of("1.01", USD)
    assert Money.of(2, USD) > Money.of(1, USD) >= Money.of(1, USD)


def test_money_in_different_currencies_does_not_mix() -> None:
    usd, eur = Money.of(1, USD), Money.of(1, EUR)
    assert usd != eur
    for op in (
        lambda: usd + eur,
        lambda: usd - eur,
        lambda: usd < eur,
        lambda: usd <= eur,
        lambda: usd > eur,
        lambda: usd >= eur,
    ):
        with pytest.raises(CurrencyMismatchError) as info:
            op()
        assert info.value.field == "currency"
        assert info.value.value == "EUR"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (12_345_000_000, 1, "12.34"),  # 12.345 -> 12.34 (half to even)
        (12_355_000_000, 1, "12.36"),  # 12.355 -> 12.36
        (12_346_000_000, 1, "12.35"),
        (-12_345_000_000, 1, "-12.34"),
        (1, 3, "0.00"),
        (100 * FIXED_SCALAR, 3, "33.33"),
        (200 * FIXED_SCALAR, 3, "66.67"),
    ],
)
def test_money_from_exact_rounds_half_even_to_the_smallest_unit(
    numerator: int, denominator: int, expected: str
) -> None:
    money = Money.from_exact(numerator, denominator, USD)
    assert money == Money.of(expected, USD)
    assert money.raw % USD.unit_raw == 0
