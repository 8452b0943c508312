"""Audit of market data: book deltas with invalid actions, canonical bar text, typed ``.of`` arguments."""

from __future__ import annotations

from typing import Any

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import (
    Bar,
    BarSpecification,
    BarType,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import AggressorSide, BarAggregation, BookAction, BookSide, PriceType
from nautilus_platform.model.values import Price, Quantity

AAPL = InstrumentId("AAPL.XNAS")
P, Q = Price.of("100.00"), Quantity.of(5)


def delta(**changes: Any) -> OrderBookDelta:
    fields: dict[str, Any] = {
        "instrument_id": AAPL,
        "action": BookAction.UPDATE,
        "side": BookSide.BID,
        "price": P,
        "size": Q,
        "sequence": 1,
        "ts_event": 10,
        "ts_init": 10,
    }
    fields.update(changes)
    return OrderBookDelta(**fields)


# -- book deltas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"action": 3}, "action"),  # the value of DELETE, but the book compares actions by identity
        ({"action": "ADD"}, "action"),
        ({"action": 9}, "action"),
        ({"side": 1}, "side"),
        ({"side": "ASK"}, "side"),
        ({"price": 100}, "price"),
        ({"size": 5}, "size"),
        ({"ts_event": -1}, "ts_event"),
        ({"ts_init": 1.5}, "ts_init"),
        ({"sequence": -1}, "sequence"),
        ({"instrument_id": "AAPL.XNAS"}, "instrument_id"),
    ],
)
def test_deltas_of_refuses_invalid_fields(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrderBookDeltas.of([delta(), delta(**changes)])
    assert info.value.field == field


def test_deltas_of_refuses_items_that_are_not_deltas() -> None:
    with pytest.raises(ValidationError) as info:
        OrderBookDeltas.of([delta(), ("UPDATE", 1)])  # type: ignore[list-item]
    assert info.value.field == "deltas"


def test_delta_of_validates_one_delta() -> None:
    built = OrderBookDelta.of(AAPL, BookAction.DELETE, BookSide.ASK, P, Quantity.of(0), ts_event=7, sequence=3)
    assert built == delta(
        action=BookAction.DELETE, side=BookSide.ASK, size=Quantity.of(0), sequence=3, ts_event=7, ts_init=7
    )
    with pytest.raises(ValidationError) as info:
        OrderBookDelta.of(AAPL, 3, BookSide.ASK, P, Q, ts_event=7)  # type: ignore[arg-type]
    assert info.value.field == "action"
    with pytest.raises(ValidationError) as info:
        OrderBookDelta.of(AAPL, BookAction.ADD, BookSide.ASK, P, Quantity.of(0), ts_event=7)
    assert info.value.field == "size"


def test_valid_deltas_still_build() -> None:
    deltas = OrderBookDeltas.of(
        [
            delta(action=BookAction.CLEAR, size=Quantity.of(0)),
            delta(action=BookAction.ADD),
            delta(action=BookAction.DELETE),
        ]
    )
    assert len(deltas.deltas) == 3


# -- bar specifications and types have one spelling ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["01-MINUTE-LAST", "+1-MINUTE-LAST", " 1-MINUTE-LAST", "1_0-MINUTE-LAST", "\u0661-MINUTE-LAST"],
)
def test_bar_specification_text_must_be_canonical(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        BarSpecification.from_str(text)
    assert info.value.field == "bar_spec"
    with pytest.raises(ValidationError):
        BarType.from_str(f"AAPL.XNAS-{text}")


@pytest.mark.parametrize(
    "text",
    ["1-MINUTE-LAST", "100-TICK-MID", "15-SECOND-BID", "10-VOLUME-ASK"],
)
def test_bar_specification_round_trips(text: str) -> None:
    assert str(BarSpecification.from_str(text)) == text


@pytest.mark.parametrize(
    "text",
    ["AAPL.XNAS-1-DAY-LAST", "BTC-PERP.BINANCE-5-MINUTE-BID", "BTC/USDT.BINANCE-1-HOUR-MID", "BRK.B.XNYS-1-DAY-LAST"],
)
def test_bar_type_round_trips(text: str) -> None:
    assert str(BarType.from_str(text)) == text


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((1, "MINUTE"), "aggregation"),
        ((1, 11), "aggregation"),
        ((1, BarAggregation.MINUTE, "LAST"), "price_type"),
        ((1, BarAggregation.MINUTE, 4), "price_type"),
    ],
)
def test_bar_specification_needs_its_enums(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        BarSpecification(*args)
    assert info.value.field == field


def test_bar_type_needs_an_instrument_id_and_a_specification() -> None:
    spec = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
    with pytest.raises(ValidationError) as info:
        BarType("AAPL.XNAS", spec)  # type: ignore[arg-type]
    assert info.value.field == "instrument_id"
    with pytest.raises(ValidationError) as info:
        BarType(AAPL, "1-MINUTE-LAST")  # type: ignore[arg-type]
    assert info.value.field == "spec"


# -- the other validated constructors check their arguments' types ------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: QuoteTick.of("AAPL.XNAS", P, P, Q, Q, 0), "instrument_id"),
        (lambda: QuoteTick.of(AAPL, 1, P, Q, Q, 0), "bid_price"),
        (lambda: QuoteTick.of(AAPL, Q, Quantity.of(6), Q, Q, 0), "bid_price"),
        (lambda: QuoteTick.of(AAPL, P, P, Q, P, 0), "ask_size"),
        (lambda: QuoteTick.of(AAPL, P, P, Q, Q, 1.5), "ts_event"),
        (lambda: QuoteTick.of(AAPL, P, P, Q, Q, True), "ts_event"),
        (lambda: QuoteTick.of(AAPL, P, P, Q, Q, "5"), "ts_event"),
        (lambda: TradeTick.of(AAPL, P, Q, 1, "T-1", 0), "aggressor_side"),
        (lambda: TradeTick.of(AAPL, P, Q, AggressorSide.BUYER, " ", 0), "trade_id"),
        (lambda: TradeTick.of(AAPL, P, Q, AggressorSide.BUYER, "T 1", 0), "trade_id"),
        (lambda: TradeTick.of(AAPL, 100, Q, AggressorSide.BUYER, "T-1", 0), "price"),
        (lambda: Bar.of("AAPL.XNAS-1-MINUTE-LAST", P, P, P, P, Q, 0), "bar_type"),
        (lambda: OrderBookSnapshot.of(AAPL, [(P, Q)], [], 0, sequence=-1), "sequence"),
        (lambda: OrderBookSnapshot.of(AAPL, [(100, Q)], [], 0), "bids.price"),
    ],
)
def test_of_constructors_check_argument_types(call: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field == field
