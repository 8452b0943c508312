"""Instruments: construction validation, tick/lot checks, notional with multiplier."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from model_support import equity, future

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import AssetClass
from nautilus_platform.model.instruments import CryptoSpot, FxSpot, Instrument, Perpetual, rate
from nautilus_platform.model.values import BTC, EUR, USD, USDT, Money, Price, Quantity


def fx() -> FxSpot:
    return FxSpot(
        id=InstrumentId("EUR/USD.SIM"),
        price_precision=5,
        size_precision=0,
        tick_size=Price.of("0.00001"),
        lot_size=Quantity.of(1000),
        quote_currency=USD,
        base_currency=EUR,
    )


def crypto() -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId("BTC/USDT.BINANCE"),
        price_precision=2,
        size_precision=5,
        tick_size=Price.of("0.01"),
        lot_size=Quantity.of("0.00001"),
        quote_currency=USDT,
        base_currency=BTC,
        min_quantity=Quantity.of("0.0001"),
        max_quantity=Quantity.of("100"),
        taker_fee=Decimal("0.001"),
    )


def perpetual() -> Perpetual:
    return Perpetual(
        id=InstrumentId("BTCUSDT-PERP.BINANCE"),
        price_precision=1,
        size_precision=3,
        tick_size=Price.of("0.1"),
        lot_size=Quantity.of("0.001"),
        quote_currency=USDT,
        base_currency=BTC,
        settlement_currency=USDT,
        maker_fee=Decimal("-0.0001"),  # a rebate
    )


ALL = [equity, fx, crypto, future, perpetual]


@pytest.mark.parametrize("build", ALL)
def test_each_instrument_builds_and_knows_its_venue(build: Any) -> None:
    instrument: Instrument = build()
    assert instrument.venue == instrument.id.venue
    assert instrument.describe().startswith(str(instrument.id))


def test_asset_classes_and_currencies() -> None:
    assert equity().asset_class is AssetClass.EQUITY
    assert fx().asset_class is AssetClass.FX
    assert crypto().asset_class is AssetClass.CRYPTO
    assert perpetual().asset_class is AssetClass.CRYPTO
    assert equity().base is None
    assert fx().base is EUR
    assert crypto().base is BTC
    assert perpetual().base is None  # no base currency delivered
    assert perpetual().underlying_base is BTC
    assert future().settlement is USD
    assert future(settlement_currency=EUR).settlement is EUR
    assert perpetual().settlement is USDT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_precision": 10}, "price_precision"),
        ({"price_precision": -1}, "price_precision"),
        ({"size_precision": 2.0}, "size_precision"),
        ({"price_precision": True}, "price_precision"),
        ({"tick_size": Price.of("0")}, "tick_size"),
        ({"tick_size": Price.of("-0.01")}, "tick_size"),
        ({"tick_size": Price.of("0.001")}, "tick_size"),  # finer than price_precision
        ({"lot_size": Quantity.of(0)}, "lot_size"),
        ({"lot_size": Quantity.of("0.5")}, "lot_size"),  # finer than size_precision
        ({"min_quantity": Quantity.of(10), "max_quantity": Quantity.of(5)}, "min_quantity"),
        ({"multiplier": Quantity.of(0)}, "multiplier"),
        ({"maker_fee": Decimal(1)}, "maker_fee"),
        ({"taker_fee": Decimal(-1)}, "taker_fee"),
        ({"taker_fee": 0.001}, "taker_fee"),  # a float rate is refused
        ({"margin_init": Decimal(0)}, "margin_init"),
        ({"margin_maint": Decimal("1.5")}, "margin_maint"),
    ],
)
def test_construction_validation_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        equity(**changes)
    assert info.value.field == field


def test_future_validates_like_any_instrument() -> None:
    with pytest.raises(ValidationError) as info:
        future(tick_size=Price.of("0.125"))
    assert info.value.field == "tick_size"


# -- prices and quantities ------------------------------------------------------------------------


def test_make_price_snaps_to_the_instrument_precision() -> None:
    price = future().make_price("4500.5")
    assert price == Price.of("4500.50")
    assert price.precision == 2
    assert str(price) == "4500.50"
    assert fx().make_price("1.1").precision == 5


@pytest.mark.parametrize(("value", "rule_part"), [("4500.10", "tick size 0.25"), ("4500.333", "decimal places")])
def test_make_price_rejects_off_tick_or_too_precise(value: str, rule_part: str) -> None:
    with pytest.raises(ValidationError) as info:
        future().make_price(value)
    assert info.value.field == "price"
    assert rule_part in info.value.rule


def test_make_price_allows_negative_prices_on_tick() -> None:
    assert future().make_price("-0.25") == Price.of("-0.25")


def test_make_qty_checks_lot_and_bounds() -> None:
    instrument = crypto()
    qty = instrument.make_qty("0.0015")
    assert qty == Quantity.of("0.0015")
    assert qty.precision == 5
    assert fx().make_qty(3000) == Quantity.of(3000)


@pytest.mark.parametrize(
    ("build", "value", "rule_part"),
    [
        (fx, 1500, "lot size 1000"),
        (crypto, "0.00005", "below minimum"),
        (crypto, "100.00001", "above maximum"),
        (crypto, "0", "positive"),
        (equity, "1.5", "decimal places"),
        (equity, "-1", "negative"),
    ],
)
def test_make_qty_rejects(build: Any, value: str | int, rule_part: str) -> None:
    with pytest.raises(ValidationError) as info:
        build().make_qty(value)
    assert info.value.field == "quantity"
    assert rule_part in info.value.rule


def test_error_helpers_return_none_when_valid() -> None:
    instrument = crypto()
    assert instrument.price_error(Price.of("100.01").raw) is None
    assert instrument.price_error(Price.of("100.015").raw) is not None
    assert instrument.quantity_error(Quantity.of("1").raw) is None


# -- notional ----------------------------------------------------------------------------------------


def test_notional_without_multiplier() -> None:
    assert equity().notional(Quantity.of(100), Price.of("101.25")) == Money.of("10125.00", USD)


def test_notional_with_multiplier() -> None:
    # 3 contracts x 4500.25 x 50 = 675 037.50
    assert future().notional(Quantity.of(3), Price.of("4500.25")) == Money.of("675037.50", USD)


def test_notional_settles_in_the_settlement_currency() -> None:
    notional = future(settlement_currency=EUR).notional(Quantity.of(1), Price.of("10"))
    assert notional == Money.of(500, EUR)


def test_notional_rounds_half_even_to_the_smallest_unit() -> None:
    instrument = crypto()
    # 0.00005 BTC x 100.10 = 0.005005 USDT: exact at USDT's 8 places
    assert instrument.notional(Quantity.of("0.00005"), Price.of("100.10")) == Money.of("0.005005", USDT)
    # In USD (2 places) a half cent is a tie and goes to the even cent.
    usd_spot = equity(size_precision=3, lot_size=Quantity.of("0.001"))
    assert usd_spot.notional(Quantity.of("0.001"), Price.of("5.00")) == Money.of("0.00", USD)  # 0.005 -> 0.00
    assert usd_spot.notional(Quantity.of("0.003"), Price.of("5.00")) == Money.of("0.02", USD)  # 0.015 -> 0.02


def test_notional_exact_is_scaled_by_the_fixed_scalar_squared() -> None:
    instrument = future()
    exact = instrument.notional_exact(Quantity.of(2).raw, Price.of("0.5").raw)
    assert exact == 2 * 10**9 * 5 * 10**8 * 50 * 10**9


def test_rate_helper() -> None:
    assert rate("0.001") == Decimal("0.001")
    assert rate(0.001) == Decimal("0.001")
    with pytest.raises(ValidationError) as info:
        rate("x", "taker_fee")
    assert info.value.field == "taker_fee"
