"""Identifiers as their own types.

Each identifier is a ``str`` subclass: as cheap to hash and compare as a string, but a
distinct type that mypy and ``isinstance`` can tell apart. Construction validates.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from nautilus_platform.core.errors import ValidationError

IdT = TypeVar("IdT", bound="Identifier")


class Identifier(str):
    """Base identifier: a non-empty string without whitespace."""

    __slots__ = ()
    _field: ClassVar[str] = "identifier"

    def __new__(cls, value: str) -> Identifier:
        if not isinstance(value, str):
            raise ValidationError(cls._field, value, "must be a string")
        # isprintable() is False for control and separator characters except the ASCII space.
        if not value or " " in value or not value.isprintable():
            raise ValidationError(cls._field, value, "must be non-empty, printable, without whitespace")
        return str.__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self!s}')"


class VenueId(Identifier):
    """A trading venue, e.g. ``SIM`` or ``BINANCE``."""

    __slots__ = ()
    _field = "venue_id"

    def __new__(cls, value: str) -> VenueId:
        venue = super().__new__(cls, value)
        if "." in value:
            raise ValidationError(cls._field, value, "must not contain '.'")
        return venue  # type: ignore[return-value]


class Symbol(Identifier):
    """A ticker symbol on its venue, e.g. ``AAPL`` or ``BTC/USDT``."""

    __slots__ = ()
    _field = "symbol"


class InstrumentId(Identifier):
    """``SYMBOL.VENUE``, e.g. ``AAPL.XNAS`` or ``BTC/USDT.BINANCE``."""

    __slots__ = ()
    _field = "instrument_id"

    def __new__(cls, value: str) -> InstrumentId:
        instrument_id = super().__new__(cls, value)
        symbol, dot, venue = value.rpartition(".")
        if not dot or not symbol or not venue:
            raise ValidationError(cls._field, value, "must be SYMBOL.VENUE")
        return instrument_id  # type: ignore[return-value]

    @classmethod
    def of(cls, symbol: str, venue: str) -> InstrumentId:
        """Build from a symbol and a venue."""
        return cls(f"{Symbol(symbol)}.{VenueId(venue)}")

    @property
    def symbol(self) -> Symbol:
        return Symbol(self.rpartition(".")[0])

    @property
    def venue(self) -> VenueId:
        return VenueId(self.rpartition(".")[2])


class ClientOrderId(Identifier):
    """The order's identifier assigned by the platform."""

    __slots__ = ()
    _field = "client_order_id"


class VenueOrderId(Identifier):
    """The order's identifier assigned by the venue."""

    __slots__ = ()
    _field = "venue_order_id"


class OrderListId(Identifier):
    """Identifies a list of linked orders (bracket, OCO, OTO)."""

    __slots__ = ()
    _field = "order_list_id"


class TradeId(Identifier):
    """A venue's identifier of one execution (fill)."""

    __slots__ = ()
    _field = "trade_id"


class StrategyId(Identifier):
    """A strategy instance, e.g. ``EMACross-001``."""

    __slots__ = ()
    _field = "strategy_id"


class AccountId(Identifier):
    """An account at a venue, e.g. ``SIM-001``."""

    __slots__ = ()
    _field = "account_id"


class PositionId(Identifier):
    """A position; in netting mode ``INSTRUMENT-STRATEGY``."""

    __slots__ = ()
    _field = "position_id"


def unchecked(cls: type[IdT], value: str) -> IdT:
    """Build an identifier without validation: the fast path for ids the platform generates."""
    return str.__new__(cls, value)
