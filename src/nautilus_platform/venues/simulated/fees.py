"""Fee models of the simulated venue.

A fill's commission is, in the instrument's settlement currency::

    notional * rate(maker or taker) + quantity * per_contract + fixed_per_order (first fill only)

where ``notional = quantity * price * multiplier``. Everything is summed exactly from raw ints
and rounded once, half-even, to the currency's smallest unit (``Money.from_exact``). Rates are in
basis points; ``None`` takes the instrument's own ``maker_fee`` / ``taker_fee`` rate. A negative
maker rate is a rebate (a negative commission).

``FeeModel.for_instrument`` compiles the model into an ``InstrumentFees`` for one instrument so
the per-fill work is a few integer multiplications.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Final

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import FIXED_SCALAR, Money, NumberLike, to_decimal

# Final aliases of imported classes: compiled code reads them as constants, not via the module dict.
_MONEY_CLS: Final = Money

_BPS: Final = Fraction(1, 10_000)
_SCALE2: Final = FIXED_SCALAR * FIXED_SCALAR


def _fraction(value: NumberLike | None, field: str) -> Fraction | None:
    if value is None:
        return None
    return Fraction(to_decimal(value, field))


@dataclass(frozen=True, slots=True)
class FeeModel:
    """Maker/taker basis points, a fixed fee per order and a fee per unit of quantity.

    ``maker_bps`` / ``taker_bps``: ``None`` uses the instrument's rate; ``Decimal("-0.5")`` is a
    half basis point rebate. ``fixed_per_order`` and ``per_contract`` are amounts of the
    settlement currency.
    """

    maker_bps: Decimal | None = None
    taker_bps: Decimal | None = None
    fixed_per_order: Decimal = Decimal(0)
    per_contract: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("maker_bps", "taker_bps"):
            value = getattr(self, name)
            if value is not None and not -10_000 < _fraction(value, name) < 10_000:  # type: ignore[operator]
                raise ValidationError(name, value, "must be within (-10000, 10000) basis points")
        for name in ("fixed_per_order", "per_contract"):
            value = getattr(self, name)
            if _fraction(value, name) < 0:  # type: ignore[operator]
                raise ValidationError(name, value, "must not be negative")

    def __reduce__(self) -> tuple[type[FeeModel], tuple[Decimal | None, Decimal | None, Decimal, Decimal]]:
        # By constructor, so it pickles (to sweep workers) the same compiled with mypyc or not.
        return (FeeModel, (self.maker_bps, self.taker_bps, self.fixed_per_order, self.per_contract))

    @classmethod
    def fixed(cls, amount: NumberLike) -> FeeModel:
        """Only a fixed fee per order, charged on its first fill."""
        return cls(maker_bps=Decimal(0), taker_bps=Decimal(0), fixed_per_order=to_decimal(amount, "fixed_per_order"))

    @classmethod
    def per_unit(cls, amount: NumberLike) -> FeeModel:
        """Only a fee per unit of quantity (per contract / share)."""
        return cls(maker_bps=Decimal(0), taker_bps=Decimal(0), per_contract=to_decimal(amount, "per_contract"))

    def for_instrument(self, instrument: Instrument) -> InstrumentFees:
        """Compile this model for one instrument."""
        maker = _fraction(self.maker_bps, "maker_bps")
        taker = _fraction(self.taker_bps, "taker_bps")
        maker_rate = Fraction(instrument.maker_fee) if maker is None else maker * _BPS
        taker_rate = Fraction(instrument.taker_fee) if taker is None else taker * _BPS
        per_contract = Fraction(self.per_contract)
        fixed_raw = Fraction(self.fixed_per_order) * FIXED_SCALAR
        return InstrumentFees(instrument, maker_rate, taker_rate, per_contract, fixed_raw)


class InstrumentFees:
    """A fee model compiled for one instrument: ``commission`` is exact integer arithmetic."""

    __slots__ = (
        "_den_unit", "_fixed", "_maker_k", "_per_contract", "_taker_k", "_unit", "currency", "is_zero",
        "maker_rate", "taker_rate", "zero",
    )  # fmt: skip

    def __init__(
        self,
        instrument: Instrument,
        maker_rate: Fraction,
        taker_rate: Fraction,
        per_contract: Fraction,
        fixed_raw: Fraction,
    ) -> None:
        self.currency = instrument.settlement
        self.maker_rate = maker_rate  # of notional (a negative maker rate is a rebate)
        self.taker_rate = taker_rate
        self.zero = _MONEY_CLS(raw=0, currency=self.currency)
        self._unit = self.currency.unit_raw
        den = lcm(maker_rate.denominator, taker_rate.denominator, per_contract.denominator, fixed_raw.denominator)
        maker = maker_rate.numerator * (den // maker_rate.denominator)
        taker = taker_rate.numerator * (den // taker_rate.denominator)
        # qty_raw * px_raw * k: the notional (qty * price * multiplier, scale 10**27) times the rate
        mult = instrument.multiplier.raw
        self._maker_k = mult * maker
        self._taker_k = mult * taker
        # per unit: qty_raw * pc is a raw amount; bring it to the notional's 10**18 extra scale
        self._per_contract = per_contract.numerator * (den // per_contract.denominator) * _SCALE2
        self._fixed = fixed_raw.numerator * (den // fixed_raw.denominator) * _SCALE2
        self._den_unit = den * _SCALE2 * self._unit  # the result is rounded to whole units of the currency
        self.is_zero = not (maker or taker or self._per_contract or self._fixed)

    def commission(self, qty_raw: int, px_raw: int, maker: bool, first_fill: bool) -> Money:
        """Commission of one fill of ``qty_raw`` at ``px_raw`` (raw ints)."""
        if self.is_zero:
            return self.zero
        numerator = qty_raw * px_raw * (self._maker_k if maker else self._taker_k)
        per_contract = self._per_contract
        if per_contract:
            numerator += qty_raw * per_contract
        fixed = self._fixed
        if first_fill and fixed:
            numerator += fixed
        if not numerator:
            return self.zero
        return _MONEY_CLS(raw=round_half_even(numerator, self._den_unit) * self._unit, currency=self.currency)
