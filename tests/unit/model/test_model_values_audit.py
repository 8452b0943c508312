"""Audit of exact values: kinds never mix in arithmetic, and bad arguments raise typed errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nautilus_platform.core.errors import CurrencyMismatchError, ValidationError
from nautilus_platform.model.values import BTC, EUR, JPY, USD, Currency, Money, Price, Quantity

# -- a Price and a Quantity are different kinds: adding them is an error, as comparing them is ----


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Price.of("1.50"), Quantity.of("1.25")),
        (Quantity.of("1.50"), Price.of("1.25")),
        (Price.of("1.50"), 1),
        (Quantity.of("1.50"), Decimal("1")),
    ],
)
def test_price_and_quantity_arithmetic_refuses_other_kinds(left: Any, right: Any) -> None:
    with pytest.raises(TypeError):
        left + right
    with pytest.raises(TypeError):
        left - right


def test_same_kind_arithmetic_still_takes_the_wider_precision() -> None:
    assert Price.of("1.5") + Price.of("1.25") == Price.of("2.75")
    assert (Price.of("1.5") + Price.of("1.25")).precision == 2
    assert (Quantity.of(3) - Quantity.of("0.5")).precision == 1


@pytest.mark.parametrize("other", [1, Decimal("1"), Price.of(1)])
def test_money_refuses_non_money_operands_with_a_type_error(other: Any) -> None:
    money = Money.of(1, USD)
    for operation in (
        lambda: money + other,
        lambda: money - other,
        lambda: money < other,
        lambda: money >= other,
    ):
        with pytest.raises(TypeError):
            operation()


def test_money_in_different_currencies_still_raises_the_typed_mismatch() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money.of(1, USD) + Money.of(1, EUR)


# -- bad arguments name the field -------------------------------------------------------------------


@pytest.mark.parametrize("precision", [True, 2.0, "2", Decimal(2)])
def test_precision_must_be_an_int(precision: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Price.of("1", precision)
    assert info.value.field == "price.precision"
    with pytest.raises(ValidationError) as info:
        Quantity.of("1", precision)
    assert info.value.field == "quantity.precision"


def test_precision_accepts_integer_like_values() -> None:
    np = pytest.importorskip("numpy")
    price = Price.of("1.5", np.int64(2))
    assert price.precision == 2 and type(price.precision) is int


@pytest.mark.parametrize("currency", ["USD", None, 2])
def test_money_of_needs_a_currency(currency: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money.of(1, currency)
    assert info.value.field == "currency"


@pytest.mark.parametrize(
    ("code", "precision", "field"),
    [
        (123, 2, "currency.code"),
        ("XYZ", True, "currency.precision"),
        ("XYZ", 2.0, "currency.precision"),
    ],
)
def test_currency_checks_the_types_of_its_fields(code: Any, precision: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Currency(code, precision)
    assert info.value.field == field


# -- checked and found as documented ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text", "precision"),
    [("-0", "0", 0), ("-0.00", "0.00", 2), ("1e-3", "0.001", 3), (" 1 ", "1", 0), ("1_000", "1000", 0)],
)
def test_parsing_edge_cases(value: str, text: str, precision: int) -> None:
    price = Price.of(value)
    assert str(price) == text and price.precision == precision


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf", "1e999999999", "1e-10", float("nan"), 1e-10])
def test_non_finite_huge_or_too_fine_values_are_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        Price.of(value)


def test_money_precision_follows_the_currency() -> None:
    assert str(Money.of(1000, JPY)) == "1000 JPY"
    with pytest.raises(ValidationError):
        Money.of("1.5", JPY)
    assert str(Money.of("0.00000001", BTC)) == "0.00000001 BTC"
    with pytest.raises(ValidationError):
        Money.of("0.000000001", BTC)


def test_equal_values_at_different_precisions_hash_alike() -> None:
    assert Price.of("1.0") == Price.of("1.00") and hash(Price.of("1.0")) == hash(Price.of("1.00"))
    assert len({Quantity.of("2"), Quantity.of("2.000")}) == 1
    assert Money.of(1, USD) == Money.of("1.00", USD) and hash(Money.of(1, USD)) == hash(Money.of("1.00", USD))
