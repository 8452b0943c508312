"""The exception hierarchy: one root, typed subclasses, messages that name field, value and rule."""

from __future__ import annotations

import pytest

from nautilus_platform.core.errors import (
    ConfigurationError,
    CurrencyMismatchError,
    DuplicateError,
    DuplicateFillError,
    InvalidStateTransition,
    NautilusError,
    NotFoundError,
    OverfillError,
    ValidationError,
)


def test_validation_error_names_field_value_and_rule() -> None:
    err = ValidationError("price", "abc", "is not a decimal number")
    assert (err.field, err.value, err.rule) == ("price", "abc", "is not a decimal number")
    assert str(err) == "invalid price='abc': is not a decimal number"


def test_validation_error_is_a_value_error_and_a_nautilus_error() -> None:
    with pytest.raises(ValueError):
        raise ValidationError("f", 1, "rule")
    assert issubclass(ValidationError, NautilusError)


def test_currency_mismatch_is_a_validation_error() -> None:
    err = CurrencyMismatchError("currency", "EUR", "expected USD")
    assert isinstance(err, ValidationError)
    assert err.field == "currency"


def test_invalid_state_transition_carries_entity_state_and_trigger() -> None:
    err = InvalidStateTransition("order O-1", "FILLED", "OrderCanceled")
    assert (err.entity, err.state, err.trigger) == ("order O-1", "FILLED", "OrderCanceled")
    assert "FILLED" in str(err) and "OrderCanceled" in str(err)


def test_not_found_error_is_a_key_error_with_a_readable_message() -> None:
    err = NotFoundError("no order O-1")
    assert isinstance(err, KeyError)
    assert str(err) == "no order O-1"
    assert str(NotFoundError()) == ""


@pytest.mark.parametrize(
    "cls",
    [OverfillError, DuplicateFillError, DuplicateError, NotFoundError, ConfigurationError, InvalidStateTransition],
)
def test_every_error_derives_from_the_root(cls: type[Exception]) -> None:
    assert issubclass(cls, NautilusError)
    assert not issubclass(cls, ValidationError)  # callers must not mistake these for bad input
