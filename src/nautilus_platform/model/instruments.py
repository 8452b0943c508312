"""Tradable instruments: equities, FX spot, crypto spot, futures and perpetuals.

An instrument fixes the increments every price and quantity must respect (tick and lot size),
the allowed order sizes, the currencies, the contract multiplier and default fees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.enums import AssetClass
from nautilus_platform.model.values import (
    FIXED_SCALAR,
    Currency,
    Money,
    NumberLike,
    Price,
    Quantity,
    format_fixed,
    to_decimal,
)

_ONE = Quantity(raw=FIXED_SCALAR, precision=0)
_ZERO = Decimal(0)


class Instrument(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base of all instruments. Fees are rates: ``Decimal("0.001")`` is 10 basis points."""

    id: InstrumentId
    price_precision: int
    size_precision: int
    tick_size: Price
    lot_size: Quantity
    quote_currency: Currency
    min_quantity: Quantity | None = None
    max_quantity: Quantity | None = None
    multiplier: Quantity = _ONE
    maker_fee: Decimal = _ZERO
    taker_fee: Decimal = _ZERO
    margin_init: Decimal = Decimal(1)
    margin_maint: Decimal = Decimal(1)
    tradable: bool = True

    asset_class: ClassVar[AssetClass] = AssetClass.EQUITY

    def __post_init__(self) -> None:
        for name in ("price_precision", "size_precision"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 9:
                raise ValidationError(name, value, "must be an int in 0..9")
        if self.tick_size.raw <= 0 or self.tick_size.precision > self.price_precision:
            raise ValidationError("tick_size", str(self.tick_size), "must be positive within price_precision")
        if self.lot_size.raw <= 0 or self.lot_size.precision > self.size_precision:
            raise ValidationError("lot_size", str(self.lot_size), "must be positive within size_precision")
        if self.min_quantity is not None and self.max_quantity is not None:
            if self.min_quantity.raw > self.max_quantity.raw:
                raise ValidationError("min_quantity", str(self.min_quantity), "must not exceed max_quantity")
        if self.multiplier.raw <= 0:
            raise ValidationError("multiplier", str(self.multiplier), "must be positive")
        for name in ("maker_fee", "taker_fee"):
            fee = getattr(self, name)
            if not isinstance(fee, Decimal) or not Decimal(-1) < fee < Decimal(1):
                raise ValidationError(name, fee, "must be a Decimal rate in (-1, 1)")
        for name in ("margin_init", "margin_maint"):
            margin = getattr(self, name)
            if not isinstance(margin, Decimal) or not Decimal(0) < margin <= Decimal(1):
                raise ValidationError(name, margin, "must be a Decimal in (0, 1]")

    @property
    def venue(self) -> VenueId:
        return self.id.venue

    @property
    def settlement(self) -> Currency:
        """The currency P&L and margin settle in (the quote currency unless overridden)."""
        return self.quote_currency

    @property
    def base(self) -> Currency | None:
        """The currency received when buying a spot pair, else ``None``."""
        return None

    def make_price(self, value: NumberLike) -> Price:
        """A validated price: at most ``price_precision`` decimals and a multiple of the tick."""
        raw = Price.of(value, self.price_precision).raw
        error = self.price_error(raw)
        if error:
            raise ValidationError("price", value, error)
        return Price(raw=raw, precision=self.price_precision)

    def make_qty(self, value: NumberLike) -> Quantity:
        """A validated quantity: a positive multiple of the lot within min/max."""
        raw = Quantity.of(value, self.size_precision).raw
        error = self.quantity_error(raw)
        if error:
            raise ValidationError("quantity", value, error)
        return Quantity(raw=raw, precision=self.size_precision)

    def price_error(self, raw: int) -> str | None:
        """Why a raw price is not valid for this instrument, or ``None``."""
        if raw % self.tick_size.raw:
            return f"not a multiple of tick size {self.tick_size}"
        return None

    def quantity_error(self, raw: int) -> str | None:
        """Why a raw quantity is not valid for this instrument, or ``None``."""
        if raw <= 0:
            return "must be positive"
        if raw % self.lot_size.raw:
            return f"not a multiple of lot size {self.lot_size}"
        if self.min_quantity is not None and raw < self.min_quantity.raw:
            return f"below minimum quantity {self.min_quantity}"
        if self.max_quantity is not None and raw > self.max_quantity.raw:
            return f"above maximum quantity {self.max_quantity}"
        return None

    def notional_exact(self, qty_raw: int, price_raw: int) -> int:
        """``qty * price * multiplier`` as a raw amount scaled by 10**18 more (exact)."""
        return qty_raw * price_raw * self.multiplier.raw

    def notional(self, quantity: Quantity, price: Price) -> Money:
        """Notional value in the settlement currency, rounded half-even to its smallest unit."""
        exact = self.notional_exact(quantity.raw, price.raw)
        return Money.from_exact(exact, FIXED_SCALAR * FIXED_SCALAR, self.settlement)

    def describe(self) -> str:
        return (
            f"{self.id} {type(self).__name__} tick={self.tick_size} lot={self.lot_size} "
            f"x{format_fixed(self.multiplier.raw, self.multiplier.precision)} {self.quote_currency}"
        )


class Equity(Instrument, frozen=True, kw_only=True, gc=False):
    """A listed share."""

    asset_class = AssetClass.EQUITY


class _Pair(Instrument, frozen=True, kw_only=True, gc=False):
    base_currency: Currency

    @property
    def base(self) -> Currency | None:
        return self.base_currency


class FxSpot(_Pair, frozen=True, kw_only=True, gc=False):
    """A spot currency pair such as EUR/USD."""

    asset_class = AssetClass.FX


class CryptoSpot(_Pair, frozen=True, kw_only=True, gc=False):
    """A spot crypto pair such as BTC/USDT."""

    asset_class = AssetClass.CRYPTO


class Future(Instrument, frozen=True, kw_only=True, gc=False):
    """A dated futures contract with a multiplier."""

    underlying: str
    expiry_ns: int
    settlement_currency: Currency | None = None

    asset_class = AssetClass.INDEX

    @property
    def settlement(self) -> Currency:
        return self.settlement_currency or self.quote_currency


class Perpetual(_Pair, frozen=True, kw_only=True, gc=False):
    """A perpetual swap (no expiry), margined in its settlement currency."""

    settlement_currency: Currency | None = None

    asset_class = AssetClass.CRYPTO

    @property
    def base(self) -> Currency | None:
        return None  # a perpetual delivers no base currency; exposure is a position

    @property
    def underlying_base(self) -> Currency:
        return self.base_currency

    @property
    def settlement(self) -> Currency:
        return self.settlement_currency or self.quote_currency


def rate(value: NumberLike, field: str = "rate") -> Decimal:
    """A Decimal rate from user input (``"0.001"``, ``0.001``)."""
    return to_decimal(value, field)
