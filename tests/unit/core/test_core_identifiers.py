"""Identifiers: validated str subclasses, distinct types, InstrumentId SYMBOL.VENUE parsing."""

from __future__ import annotations

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    Identifier,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    VenueId,
    VenueOrderId,
    unchecked,
)

ALL_TYPES: list[tuple[type[Identifier], str]] = [
    (VenueId, "venue_id"),
    (Symbol, "symbol"),
    (InstrumentId, "instrument_id"),
    (ClientOrderId, "client_order_id"),
    (VenueOrderId, "venue_order_id"),
    (OrderListId, "order_list_id"),
    (TradeId, "trade_id"),
    (StrategyId, "strategy_id"),
    (AccountId, "account_id"),
    (PositionId, "position_id"),
]


@pytest.mark.parametrize(("cls", "field"), ALL_TYPES)
@pytest.mark.parametrize("bad", ["", "A B", "A\tB", "A\nB", "\x00", " X", "A\u00a0B"])
def test_bad_values_raise_validation_error_naming_the_field(cls: type[Identifier], field: str, bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        cls(bad)
    assert info.value.field == field
    assert info.value.value == bad


@pytest.mark.parametrize(("cls", "field"), ALL_TYPES)
def test_non_strings_are_refused(cls: type[Identifier], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        cls(123)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.rule == "must be a string"


@pytest.mark.parametrize(("cls", "field"), ALL_TYPES)
def test_valid_values_are_strings_of_their_own_type(cls: type[Identifier], field: str) -> None:
    value = cls("X-1.Y") if cls is not VenueId else cls("X-1")
    assert isinstance(value, cls)
    assert isinstance(value, str)
    assert value == str(value)
    assert repr(value) == f"{cls.__name__}('{value}')"
    assert hash(value) == hash(str(value))


def test_identifier_types_are_distinct() -> None:
    assert not isinstance(StrategyId("S-1"), AccountId)
    assert type(TradeId("T-1")) is TradeId


def test_unicode_printable_values_are_accepted() -> None:
    assert Symbol("ÄPFEL") == "ÄPFEL"


def test_venue_id_must_not_contain_a_dot() -> None:
    with pytest.raises(ValidationError) as info:
        VenueId("X.NAS")
    assert info.value.field == "venue_id"
    assert "'.'" in info.value.rule


@pytest.mark.parametrize(
    ("value", "symbol", "venue"),
    [
        ("AAPL.XNAS", "AAPL", "XNAS"),
        ("BTC/USDT.BINANCE", "BTC/USDT", "BINANCE"),
        ("BRK.B.XNYS", "BRK.B", "XNYS"),  # the venue is after the last dot
        ("ES-2024-12.CME", "ES-2024-12", "CME"),
    ],
)
def test_instrument_id_parses_symbol_and_venue(value: str, symbol: str, venue: str) -> None:
    instrument_id = InstrumentId(value)
    assert instrument_id.symbol == symbol
    assert type(instrument_id.symbol) is Symbol
    assert instrument_id.venue == venue
    assert type(instrument_id.venue) is VenueId


@pytest.mark.parametrize("bad", ["AAPL", "AAPL.", ".XNAS", "."])
def test_instrument_id_requires_symbol_dot_venue(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        InstrumentId(bad)
    assert info.value.field == "instrument_id"
    assert info.value.rule == "must be SYMBOL.VENUE"


def test_instrument_id_of_builds_from_parts() -> None:
    instrument_id = InstrumentId.of("BTC/USDT", "BINANCE")
    assert instrument_id == "BTC/USDT.BINANCE"
    assert type(instrument_id) is InstrumentId


@pytest.mark.parametrize(("symbol", "venue", "field"), [("", "XNAS", "symbol"), ("AAPL", "X.N", "venue_id")])
def test_instrument_id_of_validates_parts(symbol: str, venue: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        InstrumentId.of(symbol, venue)
    assert info.value.field == field


def test_unchecked_skips_validation_but_keeps_the_type() -> None:
    coid = unchecked(ClientOrderId, "O-1")
    assert type(coid) is ClientOrderId
    assert coid == ClientOrderId("O-1")
    assert type(unchecked(ClientOrderId, "has space")) is ClientOrderId  # the fast path trusts its caller


def test_identifiers_work_as_dict_keys_with_their_string() -> None:
    table = {StrategyId("S-1"): 1}
    assert table["S-1"] == 1
