"""Audit 6 of instruments: a spot pair delivers its base currency, so every quantity it admits must
be a whole number of that currency's smallest unit (``size_precision`` within the currency's
precision, ``lot_size * multiplier`` a whole number of its units)."""

from __future__ import annotations

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.instruments import CryptoSpot, FxSpot, Perpetual
from nautilus_platform.model.values import ADA, EUR, JPY, USD, USDT, Currency, Price, Quantity


def ada(size_precision: int, lot: str, multiplier: str = "1") -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId("ADA/USDT.SIM"), price_precision=4, size_precision=size_precision,
        tick_size=Price.of("0.0001"), lot_size=Quantity.of(lot), multiplier=Quantity.of(multiplier),
        quote_currency=USDT, base_currency=ADA,
    )  # fmt: skip


def test_crypto_spot_refuses_a_size_precision_finer_than_its_base_currency() -> None:
    with pytest.raises(ValidationError) as raised:
        ada(8, "0.00000001")  # ADA has 6 decimals
    assert raised.value.field == "size_precision" and raised.value.value == 8
    assert "must not exceed the precision 6 of base currency ADA" in str(raised.value)


def test_crypto_spot_at_the_base_currencys_precision_is_accepted() -> None:
    assert ada(6, "0.000001").size_precision == 6
    assert ada(0, "1").size_precision == 0


def test_fx_spot_refuses_a_size_precision_finer_than_its_base_currency() -> None:
    def eurusd(size_precision: int, lot: str) -> FxSpot:
        return FxSpot(
            id=InstrumentId("EUR/USD.SIM"), price_precision=5, size_precision=size_precision,
            tick_size=Price.of("0.00001"), lot_size=Quantity.of(lot), quote_currency=USD, base_currency=EUR,
        )  # fmt: skip

    assert eurusd(2, "0.01").size_precision == 2
    with pytest.raises(ValidationError) as raised:
        eurusd(3, "0.001")
    assert raised.value.field == "size_precision" and raised.value.value == 3
    with pytest.raises(ValidationError):  # a coarse lot does not excuse a fine precision
        eurusd(3, "1")
    with pytest.raises(ValidationError) as raised:
        FxSpot(
            id=InstrumentId("JPY/USD.SIM"), price_precision=5, size_precision=1, tick_size=Price.of("0.00001"),
            lot_size=Quantity.of(1), quote_currency=USD, base_currency=JPY,
        )  # fmt: skip
    assert "base currency JPY" in str(raised.value)


def test_a_multiplier_that_splits_the_base_unit_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        ada(6, "0.000001", multiplier="0.5")
    assert raised.value.field == "lot_size"
    assert ada(6, "0.000002", multiplier="0.5").lot_size == Quantity.of("0.000002")


def test_a_perpetual_delivers_no_base_currency_and_keeps_any_size_precision() -> None:
    perp = Perpetual(
        id=InstrumentId("ADAUSDT-PERP.SIM"), price_precision=4, size_precision=8, tick_size=Price.of("0.0001"),
        lot_size=Quantity.of("0.00000001"), quote_currency=USDT, base_currency=ADA,
    )  # fmt: skip
    assert perp.size_precision == 8 and perp.base is None


def test_a_currency_with_a_custom_precision_bounds_the_size_precision() -> None:
    coarse = Currency("XCOARSE", 2)
    with pytest.raises(ValidationError):
        CryptoSpot(
            id=InstrumentId("XCOARSE/USDT.SIM"), price_precision=2, size_precision=3, tick_size=Price.of("0.01"),
            lot_size=Quantity.of("0.001"), quote_currency=USDT, base_currency=coarse,
        )  # fmt: skip
