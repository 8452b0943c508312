"""Tradable instruments: equities, FX spot, crypto spot, futures and perpetuals.

An instrument fixes the increments every price and quantity must respect (tick and lot size),
the allowed order sizes, the currencies, the contract multiplier and default fees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import msgspec

from nautilus_platform.core.arith import ceil_div
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.enums import AssetClass
from nautilus_platform.model.values import (
    FIXED_PRECISION,
    FIXED_SCALAR,
    POW10,
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
        if not isinstance(self.id, InstrumentId):
            raise ValidationError("id", self.id, "must be an InstrumentId")
        for name in ("price_precision", "size_precision"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 9:
                raise ValidationError(name, value, "must be an int in 0..9")
        # Increments are checked by value: a tick of 0.010 suits price_precision 2, one of 0.005 does not.
        tick = self.tick_size
        if not isinstance(tick, Price) or tick.raw <= 0 or tick.raw % POW10[FIXED_PRECISION - self.price_precision]:
            raise ValidationError("tick_size", _shown(tick), "must be a positive Price within price_precision")
        lot = self.lot_size
        if not isinstance(lot, Quantity) or lot.raw <= 0 or lot.raw % POW10[FIXED_PRECISION - self.size_precision]:
            raise ValidationError("lot_size", _shown(lot), "must be a positive Quantity within size_precision")
        for name in ("min_quantity", "max_quantity"):
            bound = getattr(self, name)
            if bound is not None and (not isinstance(bound, Quantity) or bound.raw < 0):
                raise ValidationError(name, _shown(bound), "must be a non-negative Quantity")
        low, high = self.min_quantity, self.max_quantity
        if low is not None and high is not None and low.raw > high.raw:
            raise ValidationError("min_quantity", str(low), "must not exceed max_quantity")
        if high is not None:
            # The smallest quantity make_qty can accept: a whole number of lots, at least the minimum.
            smallest = max(lot.raw, ceil_div(low.raw, lot.raw) * lot.raw if low is not None else 0)
            if smallest > high.raw:
                raise ValidationError(
                    "max_quantity", str(high), f"admits no positive multiple of lot size {lot} within the bounds"
                )
        if not isinstance(self.multiplier, Quantity) or self.multiplier.raw <= 0:
            raise ValidationError("multiplier", _shown(self.multiplier), "must be a positive Quantity")
        if not isinstance(self.quote_currency, Currency):
            raise ValidationError("quote_currency", self.quote_currency, "must be a Currency")
        for name in ("maker_fee", "taker_fee"):
            fee = getattr(self, name)
            # NaN is checked first: ordering a NaN Decimal raises decimal.InvalidOperation.
            if not isinstance(fee, Decimal) or not fee.is_finite() or not Decimal(-1) < fee < Decimal(1):
                raise ValidationError(name, fee, "must be a Decimal rate in (-1, 1)")
        for name in ("margin_init", "margin_maint"):
            margin = getattr(self, name)
            if not isinstance(margin, Decimal) or not margin.is_finite() or not Decimal(0) < margin <= Decimal(1):
                raise ValidationError(name, margin, "must be a Decimal in (0, 1]")
        if type(self.tradable) is not bool:
            raise ValidationError("tradable", self.tradable, "must be a bool")

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


def _shown(value: object) -> object:
    """A value for an error message: the text of a Price or Quantity, anything else as it is."""
    return str(value) if isinstance(value, Price | Quantity) else value


def _check_currency(name: str, value: object, optional: bool) -> None:
    if not (isinstance(value, Currency) or (optional and value is None)):
        raise ValidationError(name, value, "must be a Currency")


class Equity(Instrument, frozen=True, kw_only=True, gc=False):
    """A listed share."""

    asset_class = AssetClass.EQUITY


class _Pair(Instrument, frozen=True, kw_only=True, gc=False):
    base_currency: Currency

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_currency("base_currency", self.base_currency, optional=False)


class _SpotPair(_Pair, frozen=True, kw_only=True, gc=False):
    """A pair whose fills deliver the base currency: a cash account books ``quantity * multiplier``
    into the base currency's balance, so it must be a whole number of that currency's smallest unit
    for every valid quantity (a whole number of lots). Hence ``size_precision`` may not exceed the
    base currency's precision, and ``lot_size * multiplier`` is a whole number of its units."""

    def __post_init__(self) -> None:
        super().__post_init__()
        base = self.base_currency
        if self.size_precision > base.precision:
            raise ValidationError(
                "size_precision",
                self.size_precision,
                f"must not exceed the precision {base.precision} of base currency {base.code} (a quantity is "
                f"booked into the {base.code} balance, a whole number of {format_fixed(base.unit_raw, base.precision)} "
                f"{base.code})",
            )
        unit = base.unit_raw * FIXED_SCALAR  # one smallest base unit, at the scale of qty * multiplier
        if (self.lot_size.raw * self.multiplier.raw) % unit:
            raise ValidationError(
                "lot_size",
                str(self.lot_size),
                f"times multiplier {self.multiplier} must be a whole number of "
                f"{format_fixed(base.unit_raw, base.precision)} {base.code} (the base currency's smallest unit)",
            )

    @property
    def base(self) -> Currency | None:
        return self.base_currency


class FxSpot(_SpotPair, frozen=True, kw_only=True, gc=False):
    """A spot currency pair such as EUR/USD."""

    asset_class = AssetClass.FX


class CryptoSpot(_SpotPair, frozen=True, kw_only=True, gc=False):
    """A spot crypto pair such as BTC/USDT."""

    asset_class = AssetClass.CRYPTO


class Future(Instrument, frozen=True, kw_only=True, gc=False):
    """A dated futures contract with a multiplier."""

    underlying: str
    expiry_ns: int
    settlement_currency: Currency | None = None

    asset_class = AssetClass.INDEX

    def __post_init__(self) -> None:
        super().__post_init__()
        if type(self.underlying) is not str or not self.underlying.strip():
            raise ValidationError("underlying", self.underlying, "must be a non-empty string")
        if type(self.expiry_ns) is not int or self.expiry_ns < 0:
            raise ValidationError("expiry_ns", self.expiry_ns, "must be non-negative UNIX nanoseconds (an int)")
        _check_currency("settlement_currency", self.settlement_currency, optional=True)

    @property
    def settlement(self) -> Currency:
        return self.settlement_currency or self.quote_currency


class Perpetual(_Pair, frozen=True, kw_only=True, gc=False):
    """A perpetual swap (no expiry), margined in its settlement currency."""

    settlement_currency: Currency | None = None

    asset_class = AssetClass.CRYPTO

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_currency("settlement_currency", self.settlement_currency, optional=True)

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
