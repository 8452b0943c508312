"""Audit of instruments: increments by value, reachable size bounds, typed fields, finite rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from model_support import equity, future

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.instruments import CryptoSpot, Perpetual
from nautilus_platform.model.values import BTC, USDT, Price, Quantity


def perpetual(**changes: Any) -> Perpetual:
    fields: dict[str, Any] = {
        "id": InstrumentId("BTCUSDT-PERP.BINANCE"),
        "price_precision": 1,
        "size_precision": 3,
        "tick_size": Price.of("0.1"),
        "lot_size": Quantity.of("0.001"),
        "quote_currency": USDT,
        "base_currency": BTC,
    }
    fields.update(changes)
    return Perpetual(**fields)


# -- increments are checked by value, not by the precision they were written at -------------------


def test_a_tick_finer_than_the_price_precision_is_refused_whatever_its_declared_precision() -> None:
    with pytest.raises(ValidationError) as info:
        equity(tick_size=Price(raw=12_345, precision=2))  # 0.000012345 "at precision 2"
    assert info.value.field == "tick_size"
    with pytest.raises(ValidationError) as info:
        equity(lot_size=Quantity(raw=500_000_000, precision=0))  # 0.5 with size_precision 0
    assert info.value.field == "lot_size"


def test_a_tick_written_with_trailing_zeros_is_accepted() -> None:
    instrument = equity(tick_size=Price.of("0.010"), lot_size=Quantity.of("1.0"))
    assert instrument.make_price("1.23") == Price.of("1.23")
    assert instrument.make_qty(3) == Quantity.of(3)


# -- size bounds must leave a tradable quantity ----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_quantity": Quantity.of(0)}, "max_quantity"),
        ({"lot_size": Quantity.of(100), "max_quantity": Quantity.of(99)}, "max_quantity"),
        (
            {"lot_size": Quantity.of(100), "min_quantity": Quantity.of(150), "max_quantity": Quantity.of(199)},
            "max_quantity",
        ),
        ({"min_quantity": Quantity(raw=-1_000_000_000, precision=0)}, "min_quantity"),
        ({"min_quantity": Price.of(1)}, "min_quantity"),
    ],
)
def test_size_bounds_that_admit_no_order_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        equity(**changes)
    assert info.value.field == field


def test_bounds_with_a_reachable_lot_multiple_are_accepted() -> None:
    instrument = equity(lot_size=Quantity.of(100), min_quantity=Quantity.of(150), max_quantity=Quantity.of(200))
    assert instrument.make_qty(200) == Quantity.of(200)
    assert equity(min_quantity=Quantity.of(0)).make_qty(1) == Quantity.of(1)


# -- typed fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "AAPL.XNAS"}, "id"),
        ({"quote_currency": "USD"}, "quote_currency"),
        ({"tick_size": Quantity.of("0.01")}, "tick_size"),
        ({"lot_size": Price.of(1)}, "lot_size"),
        ({"multiplier": Price.of(1)}, "multiplier"),
        ({"tradable": "yes"}, "tradable"),
    ],
)
def test_fields_of_the_wrong_type_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        equity(**changes)
    assert info.value.field == field


@pytest.mark.parametrize("name", ["maker_fee", "taker_fee", "margin_init", "margin_maint"])
@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("sNaN"), Decimal("-NaN")])
def test_non_finite_rates_raise_a_validation_error(name: str, bad: Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        equity(**{name: bad})
    assert info.value.field == name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expiry_ns": True}, "expiry_ns"),
        ({"expiry_ns": -1}, "expiry_ns"),
        ({"expiry_ns": 1.7e18}, "expiry_ns"),
        ({"underlying": ""}, "underlying"),
        ({"settlement_currency": "USD"}, "settlement_currency"),
    ],
)
def test_future_fields_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        future(**changes)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"base_currency": "BTC"}, "base_currency"), ({"settlement_currency": 1}, "settlement_currency")],
)
def test_pair_currencies_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        perpetual(**changes)
    assert info.value.field == field
    with pytest.raises(ValidationError):
        CryptoSpot(
            id=InstrumentId("BTC/USDT.BINANCE"), price_precision=2, size_precision=5, tick_size=Price.of("0.01"),
            lot_size=Quantity.of("0.00001"), quote_currency=USDT, base_currency="BTC",  # type: ignore[arg-type]
        )  # fmt: skip


# -- checked and found as documented ----------------------------------------------------------------


def test_quarter_and_half_cent_ticks() -> None:
    assert future().make_price("4500.25") == Price.of("4500.25")
    with pytest.raises(ValidationError):
        future().make_price("4500.30")
    fine = equity(price_precision=3, tick_size=Price.of("0.005"))
    assert fine.make_price("1.015") == Price.of("1.015")
    with pytest.raises(ValidationError):
        fine.make_price("1.013")


def test_perpetual_multiplier_and_settlement() -> None:
    perp = perpetual(multiplier=Quantity.of(10), settlement_currency=USDT)
    assert perp.settlement is USDT and perp.base is None and perp.underlying_base is BTC
    assert str(perp.notional(Quantity.of("0.002"), Price.of("50000.0"))) == "1000.00000000 USDT"
