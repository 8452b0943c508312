"""Runtime state of the venues and listings the router chooses between, and of routed orders.

A *listing* is one instrument on one venue; a *group* is the listings of the same instrument on
several venues. Fee rates of a group are kept as integers over one common denominator so that
fee-adjusted prices compare exactly.

The router keeps a record of every child and parent order (``ChildRecord``, ``ParentRecord``:
arrival mid, fills, fees, times) and folds the finished ones into running ``QualityTotals``;
``routing.quality`` turns these into execution-quality rows (see there for the measures).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any, Final

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, StrategyId, VenueId
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.routing import VenueStatus
from nautilus_platform.routing.book import ListingBook

_SCALE: Final = 1_000_000_000
_DEC_SCALE: Final = Decimal(_SCALE)
EXACT_SHIFT: Final = 1074  # every finite float is an integer multiple of 2**-1074


class VenueState:
    """A venue's status, expected latency and decayed execution history."""

    __slots__ = ("child_cap_raw", "fill_rate", "latency_ns", "samples", "slippage_bps", "status", "venue_id")

    def __init__(self, venue_id: VenueId, latency_ns: int, child_cap_raw: int | None) -> None:
        self.venue_id = venue_id
        self.status = VenueStatus.UP
        self.latency_ns = latency_ns
        self.child_cap_raw = child_cap_raw
        self.fill_rate = 1.0  # optimistic prior until the venue has history
        self.slippage_bps = 0.0
        self.samples = 0

    def record(self, fill_rate: float, slippage_bps: float | None, decay: float) -> None:
        """Fold one finished child into the decayed history (the first one replaces the prior)."""
        weight = 1.0 if self.samples == 0 else decay
        self.fill_rate += weight * (fill_rate - self.fill_rate)
        if slippage_bps is not None:
            self.slippage_bps += weight * (slippage_bps - self.slippage_bps)
        self.samples += 1


class Listing:
    """One instrument on one venue, with the router's view of its book and its fees."""

    __slots__ = (
        "book",
        "instrument",
        "instrument_id",
        "lot_raw",
        "maker_num",
        "maker_rate",
        "max_raw",
        "min_raw",
        "taker_num",
        "taker_rate",
        "tick_raw",
        "venue",
        "venue_id",
    )

    def __init__(self, instrument: Instrument, venue: VenueState, taker: Fraction, maker: Fraction) -> None:
        self.instrument = instrument
        self.instrument_id: InstrumentId = instrument.id
        self.venue = venue
        self.venue_id: VenueId = venue.venue_id
        self.book = ListingBook(instrument.id)
        self.taker_rate = taker
        self.maker_rate = maker
        self.taker_num = 0  # set by the group (over its common denominator)
        self.maker_num = 0
        self.lot_raw = instrument.lot_size.raw
        self.min_raw = instrument.min_quantity.raw if instrument.min_quantity is not None else 0
        self.max_raw = instrument.max_quantity.raw if instrument.max_quantity is not None else None
        self.tick_raw = instrument.tick_size.raw

    def child_cap_raw(self) -> int | None:
        """The most one child may hold here: the venue's ``max_child_qty`` and the instrument's
        ``max_quantity`` (risk and the venue refuse a larger order), whichever is smaller."""
        cap = self.venue.child_cap_raw
        most = self.max_raw
        if most is not None and (cap is None or most < cap):
            return most
        return cap


class ListingGroup:
    """The listings of one instrument across venues."""

    __slots__ = ("den", "finest_lot_raw", "listings", "name")

    def __init__(self, name: str, listings: list[Listing]) -> None:
        ListingGroup.check(name, listings)
        self.name = name
        self.listings = sorted(listings, key=lambda listing: listing.venue_id)
        self.den = lcm(*(f.denominator for listing in listings for f in (listing.taker_rate, listing.maker_rate)))
        for listing in self.listings:
            listing.taker_num = listing.taker_rate.numerator * (self.den // listing.taker_rate.denominator)
            listing.maker_num = listing.maker_rate.numerator * (self.den // listing.maker_rate.denominator)
        self.finest_lot_raw = min(listing.lot_raw for listing in self.listings)

    @staticmethod
    def check(name: str, listings: list[Listing]) -> None:
        """Raise ``ValidationError`` unless ``listings`` can form one group: at least one, one per
        venue, one quote currency and one multiplier."""
        if not listings:
            raise ValidationError(f"groups.{name}", 0, "needs at least one listing")
        first = listings[0].instrument
        venues = set()
        for listing in listings:
            instrument = listing.instrument
            if listing.venue_id in venues:
                raise ValidationError(f"groups.{name}", str(listing.instrument_id), "lists one venue twice")
            venues.add(listing.venue_id)
            if instrument.quote_currency != first.quote_currency:
                raise ValidationError(
                    f"groups.{name}", str(instrument.id),
                    f"quotes in {instrument.quote_currency}, not {first.quote_currency} like {first.id}",
                )  # fmt: skip
            if instrument.multiplier != first.multiplier:
                raise ValidationError(
                    f"groups.{name}",
                    str(instrument.id),
                    f"has multiplier {instrument.multiplier}, not {first.multiplier}",
                )

    def listing(self, venue: VenueId) -> Listing | None:
        for listing in self.listings:
            if listing.venue_id == venue:
                return listing
        return None


def _ratio(num: int, den: int) -> float:
    """``num / den`` correctly rounded, as Python divides ints.

    Compiled, ``int / int`` of two small ints divides them as doubles, which rounds twice above
    2**53; through ``Any`` the division is Python's own.
    """
    boxed: Any = num
    result: float = boxed / den
    return result


def _bps(is_buy: bool, num: int, den: int) -> float:
    """``side x (num / den - 1)`` in basis points, exactly, rounded once.

    Integer true division is correctly rounded, so this equals ``float()`` of the same ratio
    taken as a ``Fraction`` (what ``shortfall_bps`` does), at a fraction of the cost.
    """
    return _ratio(((num - den) if is_buy else (den - num)) * 10_000, den)


class FillRecord:
    """Fills, fees and timing shared by child and parent records."""

    __slots__ = (
        "arrival_mid_raw",
        "fees",
        "filled_raw",
        "is_buy",
        "notional_raw",
        "qty_raw",
        "status",
        "ts_arrival",
        "ts_last_fill",
    )

    def __init__(self, is_buy: bool, qty_raw: int, arrival_mid_raw: int | None, ts_arrival: int) -> None:
        self.is_buy = is_buy
        self.qty_raw = qty_raw
        self.arrival_mid_raw = arrival_mid_raw
        self.ts_arrival = ts_arrival
        self.filled_raw = 0
        self.notional_raw = 0
        self.fees: dict[str, int] = {}  # currency -> raw
        self.ts_last_fill = 0
        self.status = "WORKING"

    def add_fill(self, qty_raw: int, px_raw: int, fee_currency: str, fee_raw: int, ts: int) -> None:
        self.filled_raw += qty_raw
        self.notional_raw += qty_raw * px_raw
        if fee_raw:
            self.fees[fee_currency] = self.fees.get(fee_currency, 0) + fee_raw
        self.ts_last_fill = ts

    @property
    def avg_px(self) -> Fraction | None:
        return Fraction(self.notional_raw, self.filled_raw * _SCALE) if self.filled_raw else None

    @property
    def fill_rate(self) -> float:
        return _ratio(self.filled_raw, self.qty_raw) if self.qty_raw else 0.0

    @property
    def shortfall_bps(self) -> float | None:
        mid = self.arrival_mid_raw
        filled = self.filled_raw
        if not filled or not mid:
            return None
        # avg / mid = notional / (filled x mid), both at the 10**9 scale
        return _bps(self.is_buy, self.notional_raw, filled * mid)

    @property
    def time_to_fill_ns(self) -> int | None:
        if self.filled_raw != self.qty_raw or not self.filled_raw:
            return None
        return self.ts_last_fill - self.ts_arrival

    def fees_decimal(self) -> dict[str, Decimal]:
        return {ccy: Decimal(raw) / _DEC_SCALE for ccy, raw in sorted(self.fees.items())}


class ChildRecord(FillRecord):
    """One child order: where it went, what it expected, what it got.

    ``expected_notional_raw`` is what a take expected from the book: the sum of price x
    quantity of the levels it sweeps (raw², ``ChildPlan.notional_raw``), ``None`` for rest and
    market children; ``expected_px`` is that over the child's quantity.
    """

    __slots__ = ("child_id", "expected_notional_raw", "instrument_id", "kind", "parent_id", "strategy_id", "venue")

    def __init__(
        self,
        child_id: ClientOrderId,
        parent_id: ClientOrderId,
        strategy_id: StrategyId,
        venue: VenueId,
        instrument_id: InstrumentId,
        kind: str,
        is_buy: bool,
        qty_raw: int,
        expected_notional_raw: int | None,
        arrival_mid_raw: int | None,
        ts: int,
    ) -> None:
        super().__init__(is_buy, qty_raw, arrival_mid_raw, ts)
        self.child_id = child_id
        self.parent_id = parent_id
        self.strategy_id = strategy_id
        self.venue = venue
        self.instrument_id = instrument_id
        self.kind = kind
        self.expected_notional_raw = expected_notional_raw

    @property
    def expected_px(self) -> Fraction | None:
        """The average price the decision expected from the book (takes only)."""
        expected = self.expected_notional_raw
        if expected is None:
            return None
        return Fraction(expected, self.qty_raw * _SCALE)

    @property
    def slippage_bps(self) -> float | None:
        """Average fill price against the price the decision expected (takes only)."""
        expected = self.expected_notional_raw
        filled = self.filled_raw
        if not filled or expected is None:
            return None
        # avg / expected = (notional / filled) / (expected / qty)
        return _bps(self.is_buy, self.notional_raw * self.qty_raw, filled * expected)


class ParentRecord(FillRecord):
    """One routed parent order."""

    __slots__ = ("children", "group", "parent_id", "retries", "strategy_id")

    def __init__(
        self,
        parent_id: ClientOrderId,
        strategy_id: StrategyId,
        group: str,
        is_buy: bool,
        qty_raw: int,
        arrival_mid_raw: int | None,
        ts: int,
    ) -> None:
        super().__init__(is_buy, qty_raw, arrival_mid_raw, ts)
        self.parent_id = parent_id
        self.strategy_id = strategy_id
        self.group = group
        self.children = 0
        self.retries = 0


class QualityTotals:
    """Running execution-quality totals over fill records (``add`` each final record once).

    Integers add exactly; the filled-quantity weighted shortfall is summed exactly too (each
    record's ``shortfall x filled`` as a float, added as an exact multiple of 2**-1074) and
    rounded once (``quality.quality_row``), so the totals do not depend on the order records
    are added in.
    """

    __slots__ = (
        "fees", "filled", "nonfinite", "orders", "rejected", "sent", "ttf_count", "ttf_sum", "weight", "weighted",
    )  # fmt: skip

    def __init__(self) -> None:
        self.orders = 0
        self.sent = 0
        self.filled = 0
        self.weighted = 0  # sum of shortfall_bps x filled_raw, in 2**-1074 units
        self.nonfinite: float | None = None  # sum of the infinite / NaN products, if any
        self.weight = 0
        self.ttf_sum = 0
        self.ttf_count = 0
        self.fees: dict[str, int] = {}
        self.rejected = 0

    def add(self, record: FillRecord) -> None:
        # the properties of FillRecord, inlined: this runs once for every finished order
        self.orders += 1
        self.sent += record.qty_raw
        filled = record.filled_raw
        if record.status in ("REJECTED", "DENIED"):
            self.rejected += 1
        if filled:
            self.filled += filled
            mid = record.arrival_mid_raw
            if mid:
                product = _bps(record.is_buy, record.notional_raw, filled * mid) * filled  # shortfall_bps
                if product - product == 0.0:  # finite: add it exactly
                    num, den = product.as_integer_ratio()
                    self.weighted += num << (EXACT_SHIFT + 1 - den.bit_length())
                else:
                    self.nonfinite = product if self.nonfinite is None else self.nonfinite + product
                self.weight += filled
            if filled == record.qty_raw:  # time_to_fill_ns
                self.ttf_sum += record.ts_last_fill - record.ts_arrival
                self.ttf_count += 1
            if record.fees:
                fees = self.fees
                for ccy, raw in record.fees.items():
                    fees[ccy] = fees.get(ccy, 0) + raw

    def copy(self) -> QualityTotals:
        other = QualityTotals()
        other.orders = self.orders
        other.sent = self.sent
        other.filled = self.filled
        other.weighted = self.weighted
        other.nonfinite = self.nonfinite
        other.weight = self.weight
        other.ttf_sum = self.ttf_sum
        other.ttf_count = self.ttf_count
        other.fees = dict(self.fees)
        other.rejected = self.rejected
        return other
