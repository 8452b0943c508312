"""Exchange rates between currencies, read from the prices of spot pairs: the mid where the pair
has quotes (or a book), else its last trade or bar close (a backtest fed bars or trades only).

A rate is an exact ratio ``(numerator, denominator)``: units of ``to`` per unit of ``from``. It
comes from a fixed rate set by the user, else a spot pair quoting one currency in the other
(``EUR/USD`` gives EUR→USD directly and USD→EUR inverted), else one hop through a third
currency (``EUR→USD→JPY``). Conversions round half-even to the target currency's smallest unit.
A fill converted at a rate journals the exact ratio (``AccountState.conversions``); a replay pins
it (``pin_ratio``) and converts at the same one (``convert_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from math import gcd

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.instruments import CryptoSpot, FxSpot, Instrument
from nautilus_platform.model.values import FIXED_SCALAR, Currency, NumberLike, parse_fixed

Ratio = tuple[int, int]
_ONE: Ratio = (1, 1)


class ExchangeRates:
    """Currency conversion through the latest mid (or last) prices of spot pairs."""

    def __init__(self, prices: Mapping[InstrumentId, int], last: Mapping[InstrumentId, int] | None = None) -> None:
        """``prices``: a live mapping of the latest raw price per instrument (the cache's mids);
        ``last``: the one read for a pair without a price there (the cache's last trade or bar
        close)."""
        self._prices = prices
        self._last: Mapping[InstrumentId, int] = last if last is not None else {}
        self._pairs: dict[tuple[str, str], InstrumentId] = {}
        self._fixed: dict[tuple[str, str], Ratio] = {}
        self._currencies: set[str] = set()
        # The instruments whose marks move a market rate (an account valued through them watches them).
        self.pair_ids: set[InstrumentId] = set()

    def add_instrument(self, instrument: Instrument) -> None:
        """Use ``instrument`` as a rate source if it is an FX or crypto spot pair."""
        if isinstance(instrument, FxSpot | CryptoSpot):
            base, quote = instrument.base_currency.code, instrument.quote_currency.code
            self._pairs[(base, quote)] = instrument.id
            self._currencies.update((base, quote))
            self.pair_ids.add(instrument.id)

    def set_fixed(self, from_currency: Currency, to_currency: Currency, rate: NumberLike) -> None:
        """Pin a rate (e.g. USDT→USD at 1); it wins over market prices, and its inverse is set too."""
        raw, _ = parse_fixed(rate, None, "rate")
        if raw <= 0:
            raise ValidationError("rate", rate, "must be positive")
        self._fixed[(from_currency.code, to_currency.code)] = (raw, FIXED_SCALAR)
        self._fixed[(to_currency.code, from_currency.code)] = (FIXED_SCALAR, raw)
        self._currencies.update((from_currency.code, to_currency.code))

    def pin_ratio(self, from_currency: Currency, to_currency: Currency, numerator: int, denominator: int) -> None:
        """Pin the exact rate ``numerator / denominator`` from ``from_currency`` to ``to_currency``
        (that direction only; it wins over market prices). A replay pins the rates a journal says
        a fill was converted at (``AccountState.conversions``)."""
        if type(numerator) is not int or numerator <= 0:
            raise ValidationError("numerator", numerator, "must be a positive int")
        if type(denominator) is not int or denominator <= 0:
            raise ValidationError("denominator", denominator, "must be a positive int")
        self._fixed[(from_currency.code, to_currency.code)] = (numerator, denominator)
        self._currencies.update((from_currency.code, to_currency.code))

    def ratio(self, from_currency: Currency, to_currency: Currency) -> Ratio | None:
        """Units of ``to_currency`` per unit of ``from_currency`` as an exact ratio, or ``None``."""
        src, dst = from_currency.code, to_currency.code
        if src == dst:
            return _ONE
        direct = self._direct(src, dst)
        if direct is not None:
            return direct
        for via in sorted(self._currencies):  # sorted: the same hop every time (deterministic)
            if via in (src, dst):
                continue
            first = self._direct(src, via)
            if first is None:
                continue
            second = self._direct(via, dst)
            if second is not None:
                return first[0] * second[0], first[1] * second[1]
        return None

    def _direct(self, src: str, dst: str) -> Ratio | None:
        fixed = self._fixed.get((src, dst))
        if fixed is not None:
            return fixed
        iid = self._pairs.get((src, dst))
        if iid is not None:
            price = self._price(iid)
            if price:
                return price, FIXED_SCALAR
        iid = self._pairs.get((dst, src))
        if iid is not None:
            price = self._price(iid)
            if price:
                return FIXED_SCALAR, price
        return None

    def _price(self, iid: InstrumentId) -> int | None:
        """The pair's mid, else its last trade or bar close."""
        price = self._prices.get(iid)
        if price is None:
            price = self._last.get(iid)
        return price

    def rate_raw(self, from_currency: Currency, to_currency: Currency) -> int | None:
        """The rate as a raw fixed-point int (10**9 = 1), rounded half-even, or ``None``."""
        ratio = self.ratio(from_currency, to_currency)
        if ratio is None:
            return None
        return round_half_even(ratio[0] * FIXED_SCALAR, ratio[1])

    def convert_raw(self, amount_raw: int, from_currency: Currency, to_currency: Currency) -> int | None:
        """``amount_raw`` of ``from_currency`` in ``to_currency``, rounded to its smallest unit."""
        if from_currency == to_currency:
            return amount_raw
        ratio = self.ratio(from_currency, to_currency)
        if ratio is None:
            return None
        unit = to_currency.unit_raw
        return round_half_even(amount_raw * ratio[0], ratio[1] * unit) * unit

    def convert_exact(self, exact: int, from_currency: Currency, to_currency: Currency) -> int | None:
        """An exact amount (any scale) in ``to_currency`` at the same scale, floored; ``None`` without a rate."""
        if from_currency == to_currency:
            return exact
        ratio = self.ratio(from_currency, to_currency)
        if ratio is None:
            return None
        return exact * ratio[0] // ratio[1]


def convert_at(amount_raw: int, ratio: Ratio, to_currency: Currency) -> int:
    """``amount_raw`` converted at ``ratio`` into ``to_currency``, rounded half-even to its smallest
    unit (what ``ExchangeRates.convert_raw`` does with the ratio it finds)."""
    unit = to_currency.unit_raw
    return round_half_even(amount_raw * ratio[0], ratio[1] * unit) * unit


def lowest_terms(ratio: Ratio) -> Ratio:
    """``ratio`` in lowest terms (the same rate: conversions at either give the same amounts)."""
    divisor = gcd(ratio[0], ratio[1])
    return ratio[0] // divisor, ratio[1] // divisor
