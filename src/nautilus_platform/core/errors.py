"""The platform's exception hierarchy.

One root, with subclasses grouped by what the caller should do. Business rejections
(a denied or rejected order) are events, not exceptions.
"""

from __future__ import annotations

from typing import Any


class NautilusError(Exception):
    """Root of every error raised by the platform."""


class ValidationError(NautilusError, ValueError):
    """A value failed validation; names the field, the offending value and the rule."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"invalid {field}={value!r}: {rule}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the three fields: pickling (process pools, Ray) and copy would otherwise call
        # __init__ with the one formatted message and fail.
        return type(self), (self.field, self.value, self.rule)


class CurrencyMismatchError(ValidationError):
    """Arithmetic or accounting between amounts in different currencies."""


class InvalidStateTransition(NautilusError):
    """A lifecycle received a trigger that is not allowed from its current state."""

    def __init__(self, entity: str, state: str, trigger: str) -> None:
        self.entity = entity
        self.state = state
        self.trigger = trigger
        super().__init__(f"{entity}: invalid transition from {state} on {trigger}")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.entity, self.state, self.trigger)


class OverfillError(NautilusError):
    """A fill would take an order's filled quantity above its quantity."""


class DuplicateFillError(NautilusError):
    """A fill carries a TradeId that was already applied to the order."""


class DuplicateError(NautilusError):
    """An object with the same identifier already exists."""


class NotFoundError(NautilusError, KeyError):
    """A referenced object (order, instrument, account…) does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ConfigurationError(NautilusError):
    """Configuration is invalid or inconsistent."""
