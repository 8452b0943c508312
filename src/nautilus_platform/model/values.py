"""Exact values: ``Price``, ``Quantity``, ``Money`` and ``Currency``.

Every amount is a fixed-point integer ``raw`` at a single scale of 10**9 (nine decimal places),
plus the precision it is quoted at. Values at different precisions add, subtract and compare
directly; no binary float ever carries money. Construct with ``Price.of("101.25")``,
``Quantity.of(100)``, ``Money.of("12.50", USD)``; floats are accepted only when their shortest
repr fits the precision exactly. ``Price(raw=…, precision=…)`` is the unchecked fast path.
"""

from __future__ import annotations

import math
import operator
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from enum import Enum
from typing import ClassVar

import msgspec

from nautilus_platform.core.arith import FIXED_PRECISION as FIXED_PRECISION
from nautilus_platform.core.arith import FIXED_SCALAR as FIXED_SCALAR
from nautilus_platform.core.arith import format_fixed as format_fixed
from nautilus_platform.core.arith import round_half_even as round_half_even
from nautilus_platform.core.errors import CurrencyMismatchError, ValidationError

POW10: tuple[int, ...] = tuple(int(10**i) for i in range(FIXED_PRECISION * 2 + 1))

NumberLike = int | str | Decimal | float

#: Decimal context that never rounds: scaling by powers of ten stays exact at any size.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
#: Bound on the integer digits of a parsed amount, so absurd exponents ("1e999999999") are refused.
_MAX_INTEGER_DIGITS = 30


def to_decimal(value: NumberLike, field: str) -> Decimal:
    """Convert a user value to ``Decimal`` exactly, rejecting bools, NaN and infinities."""
    if isinstance(value, bool):
        raise ValidationError(field, value, "must be a number, not a bool")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, value, "must be finite")
        return Decimal(repr(value))
    if isinstance(value, Decimal | int):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValidationError(field, value, "is not a decimal number") from None
    else:
        raise ValidationError(field, value, "must be int, str, Decimal or float")
    if not dec.is_finite():
        raise ValidationError(field, value, "must be finite")
    return dec


def decimal_places(dec: Decimal) -> int:
    exponent = dec.normalize(context=_EXACT).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def parse_fixed(value: NumberLike, precision: int | None, field: str) -> tuple[int, int]:
    """Return ``(raw, precision)`` for ``value``; infer precision when ``None``."""
    dec = to_decimal(value, field)
    if dec and dec.adjusted() >= _MAX_INTEGER_DIGITS:
        raise ValidationError(field, value, f"must be less than 10**{_MAX_INTEGER_DIGITS} in magnitude")
    places = decimal_places(dec)
    if precision is None:
        if places > FIXED_PRECISION:
            raise ValidationError(field, value, f"has more than {FIXED_PRECISION} decimal places")
        # The precision is the decimals as written ("1.10" has 2), at most FIXED_PRECISION.
        exponent = dec.as_tuple().exponent
        written = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        precision = min(max(places, written), FIXED_PRECISION)
    elif isinstance(precision, bool):
        raise ValidationError(f"{field}.precision", precision, "must be an int, not a bool")
    else:
        try:
            precision = operator.index(precision)  # an int (or NumPy integer); not a float or str
        except TypeError:
            raise ValidationError(f"{field}.precision", precision, "must be an int") from None
    if not 0 <= precision <= FIXED_PRECISION:
        raise ValidationError(f"{field}.precision", precision, f"must be in 0..{FIXED_PRECISION}")
    if places > precision:
        raise ValidationError(field, value, f"has more than {precision} decimal places")
    return int(dec.scaleb(FIXED_PRECISION, context=_EXACT)), precision


def _raw_to_decimal(raw: int, precision: int) -> Decimal:
    """``raw`` as a ``Decimal`` with ``precision`` places (half-even), exact at any size."""
    return Decimal(raw).scaleb(-FIXED_PRECISION, context=_EXACT).quantize(Decimal(1).scaleb(-precision), context=_EXACT)


class _Fixed(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Shared behaviour of Price and Quantity: compare and hash by value."""

    raw: int
    precision: int

    _field: ClassVar[str] = "value"

    def as_decimal(self) -> Decimal:
        return _raw_to_decimal(self.raw, self.precision)

    def as_double(self) -> float:
        """For analytics and display only, never for accounting."""
        return self.raw / FIXED_SCALAR

    def __str__(self) -> str:
        return format_fixed(self.raw, self.precision)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self}')"

    def __hash__(self) -> int:
        return hash(self.raw)

    def __eq__(self, other: object) -> bool:
        # Same kind only: a Price never equals a Quantity, whatever their raw values.
        if type(other) is type(self):
            return self.raw == other.raw
        return NotImplemented

    def _same_kind(self, other: object) -> int:
        if type(other) is not type(self):
            raise TypeError(f"cannot compare {type(self).__name__} with {type(other).__name__}")
        return other.raw

    def __lt__(self, other: _Fixed) -> bool:
        return self.raw < self._same_kind(other)

    def __le__(self, other: _Fixed) -> bool:
        return self.raw <= self._same_kind(other)

    def __gt__(self, other: _Fixed) -> bool:
        return self.raw > self._same_kind(other)

    def __ge__(self, other: _Fixed) -> bool:
        return self.raw >= self._same_kind(other)

    def __bool__(self) -> bool:
        return self.raw != 0


class Price(_Fixed, frozen=True, gc=False, kw_only=True):
    """An exact price (may be negative: spreads, some futures)."""

    _field = "price"

    @classmethod
    def of(cls, value: NumberLike, precision: int | None = None) -> Price:
        """Validated constructor; ``precision`` defaults to the value's decimal places."""
        raw, prec = parse_fixed(value, precision, cls._field)
        return cls(raw=raw, precision=prec)

    def __add__(self, other: Price) -> Price:
        if type(other) is not Price:  # a Price plus a Quantity (or a number) is a mistake, not a Price
            return NotImplemented
        return Price(raw=self.raw + other.raw, precision=max(self.precision, other.precision))

    def __sub__(self, other: Price) -> Price:
        if type(other) is not Price:
            return NotImplemented
        return Price(raw=self.raw - other.raw, precision=max(self.precision, other.precision))

    def __neg__(self) -> Price:
        return Price(raw=-self.raw, precision=self.precision)


class Quantity(_Fixed, frozen=True, gc=False, kw_only=True):
    """An exact, non-negative quantity."""

    _field = "quantity"

    @classmethod
    def of(cls, value: NumberLike, precision: int | None = None) -> Quantity:
        """Validated constructor; rejects negative quantities."""
        raw, prec = parse_fixed(value, precision, cls._field)
        if raw < 0:
            raise ValidationError(cls._field, value, "must not be negative")
        return cls(raw=raw, precision=prec)

    @classmethod
    def zero(cls, precision: int = 0) -> Quantity:
        return cls(raw=0, precision=precision)

    def __add__(self, other: Quantity) -> Quantity:
        if type(other) is not Quantity:  # a Quantity plus a Price (or a number) is a mistake
            return NotImplemented
        return Quantity(raw=self.raw + other.raw, precision=max(self.precision, other.precision))

    def __sub__(self, other: Quantity) -> Quantity:
        if type(other) is not Quantity:
            return NotImplemented
        raw = self.raw - other.raw
        if raw < 0:
            raise ValidationError(self._field, format_fixed(raw, self.precision), "must not be negative")
        return Quantity(raw=raw, precision=max(self.precision, other.precision))


class CurrencyType(Enum):
    FIAT = "FIAT"
    CRYPTO = "CRYPTO"


class Currency(msgspec.Struct, frozen=True, gc=False, cache_hash=True):
    """An ISO 4217 or crypto currency with the precision of its smallest unit."""

    code: str
    precision: int
    currency_type: CurrencyType = CurrencyType.FIAT

    _registry: ClassVar[dict[str, Currency]] = {}

    def __post_init__(self) -> None:
        if type(self.code) is not str or not self.code or not self.code.isalnum():
            raise ValidationError("currency.code", self.code, "must be alphanumeric and non-empty")
        if type(self.precision) is not int or not 0 <= self.precision <= FIXED_PRECISION:
            raise ValidationError("currency.precision", self.precision, f"must be in 0..{FIXED_PRECISION}")

    @property
    def unit_raw(self) -> int:
        """Raw size of the smallest unit (one cent for USD)."""
        return POW10[FIXED_PRECISION - self.precision]

    @classmethod
    def register(cls, currency: Currency) -> Currency:
        cls._registry[currency.code] = currency
        return currency

    @classmethod
    def from_str(cls, code: str) -> Currency:
        """Look up a registered currency by code (``USD``, ``BTC`` …)."""
        currency = cls._registry.get(code.upper()) if isinstance(code, str) else None
        if currency is None:
            raise ValidationError("currency", code, f"unknown currency; known: {', '.join(sorted(cls._registry))}")
        return currency

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Currency('{self.code}')"


def _fiat(code: str, precision: int = 2) -> Currency:
    return Currency.register(Currency(code, precision, CurrencyType.FIAT))


def _crypto(code: str, precision: int = 8) -> Currency:
    return Currency.register(Currency(code, precision, CurrencyType.CRYPTO))


USD = _fiat("USD")
EUR = _fiat("EUR")
GBP = _fiat("GBP")
CHF = _fiat("CHF")
AUD = _fiat("AUD")
CAD = _fiat("CAD")
JPY = _fiat("JPY", 0)
BTC = _crypto("BTC")
ETH = _crypto("ETH")
USDT = _crypto("USDT")
USDC = _crypto("USDC", 6)
ADA = _crypto("ADA", 6)


class Money(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """An exact amount in a currency, always a whole number of the currency's smallest unit."""

    raw: int
    currency: Currency

    @classmethod
    def of(cls, value: NumberLike, currency: Currency) -> Money:
        """Validated constructor: at most ``currency.precision`` decimals."""
        if type(currency) is not Currency:
            raise ValidationError("currency", currency, "must be a Currency")
        raw, _ = parse_fixed(value, currency.precision, f"money[{currency.code}]")
        return cls(raw=raw, currency=currency)

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(raw=0, currency=currency)

    @classmethod
    def from_exact(cls, numerator: int, denominator: int, currency: Currency) -> Money:
        """Round the exact raw amount ``numerator / denominator`` half-even to the smallest unit."""
        unit = currency.unit_raw
        return cls(raw=round_half_even(numerator, denominator * unit) * unit, currency=currency)

    def as_decimal(self) -> Decimal:
        return _raw_to_decimal(self.raw, self.currency.precision)

    def as_double(self) -> float:
        """For analytics and display only, never for accounting."""
        return self.raw / FIXED_SCALAR

    def _check(self, other: Money) -> None:
        if type(other) is not Money:
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError("currency", other.currency.code, f"expected {self.currency.code}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(raw=self.raw + other.raw, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(raw=self.raw - other.raw, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(raw=-self.raw, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.raw < other.raw

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.raw <= other.raw

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.raw > other.raw

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.raw >= other.raw

    def __str__(self) -> str:
        return f"{format_fixed(self.raw, self.currency.precision)} {self.currency.code}"

    def __repr__(self) -> str:
        return f"Money('{format_fixed(self.raw, self.currency.precision)}', {self.currency.code})"
