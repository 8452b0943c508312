"""Execution quality of routed orders: per child, per parent, per venue and per strategy.

For each child and parent the router records the arrival mid (the venue's mid for a child, the
consolidated mid across venues for a parent), the fills, fees and times. From these:

- **implementation shortfall** (bps): ``side x (average fill price - arrival mid) / arrival mid``,
  positive when the order paid away from the mid;
- **effective spread** (bps): twice the shortfall of a child against its venue's mid;
- **fill rate**: filled / sent quantity; **time to fill**: last fill - arrival, for complete fills;
- **slippage** (bps) of a take against the price the decision expected from the book.

Quantities, prices and fees are exact; the bps figures are floats (statistics, not accounting).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, StrategyId, VenueId

_SCALE = 1_000_000_000
_DEC_SCALE = Decimal(_SCALE)


def shortfall_bps(is_buy: bool, avg_px: Fraction, mid_raw: int) -> float:
    """``side x (avg - mid) / mid`` in basis points (``mid_raw`` at the 10**9 scale)."""
    mid = Fraction(mid_raw, _SCALE)
    signed = (avg_px - mid) if is_buy else (mid - avg_px)
    return float(signed / mid * 10_000)


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
        return self.filled_raw / self.qty_raw if self.qty_raw else 0.0

    @property
    def shortfall_bps(self) -> float | None:
        avg = self.avg_px
        if avg is None or not self.arrival_mid_raw:
            return None
        return shortfall_bps(self.is_buy, avg, self.arrival_mid_raw)

    @property
    def time_to_fill_ns(self) -> int | None:
        if self.filled_raw != self.qty_raw or not self.filled_raw:
            return None
        return self.ts_last_fill - self.ts_arrival

    def fees_decimal(self) -> dict[str, Decimal]:
        return {ccy: Decimal(raw) / _DEC_SCALE for ccy, raw in sorted(self.fees.items())}


class ChildRecord(FillRecord):
    """One child order: where it went, what it expected, what it got."""

    __slots__ = ("child_id", "expected_px", "instrument_id", "kind", "parent_id", "strategy_id", "venue")

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
        expected_px: Fraction | None,
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
        self.expected_px = expected_px

    @property
    def slippage_bps(self) -> float | None:
        """Average fill price against the price the decision expected (takes only)."""
        avg = self.avg_px
        if avg is None or self.expected_px is None:
            return None
        signed = (avg - self.expected_px) if self.is_buy else (self.expected_px - avg)
        return float(signed / self.expected_px * 10_000)


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


@dataclass(frozen=True)
class QualityRow:
    """Aggregated execution quality of one venue or one strategy (plain data)."""

    key: str
    orders: int
    sent_qty: Decimal
    filled_qty: Decimal
    fill_rate: float
    shortfall_bps: float | None  # filled-quantity weighted
    effective_spread_bps: float | None
    avg_time_to_fill_ms: float | None
    fees: dict[str, Decimal]
    rejected: int = 0
    decayed_fill_rate: float | None = None  # what the venue score uses now
    decayed_slippage_bps: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "orders": self.orders,
            "sent_qty": str(self.sent_qty),
            "filled_qty": str(self.filled_qty),
            "fill_rate": self.fill_rate,
            "shortfall_bps": self.shortfall_bps,
            "effective_spread_bps": self.effective_spread_bps,
            "avg_time_to_fill_ms": self.avg_time_to_fill_ms,
            "fees": {ccy: str(amount) for ccy, amount in self.fees.items()},
            "rejected": self.rejected,
            "decayed_fill_rate": self.decayed_fill_rate,
            "decayed_slippage_bps": self.decayed_slippage_bps,
        }


def aggregate(key: str, records: list[FillRecord], spread: bool) -> QualityRow:
    """One row over ``records``; ``spread`` adds the effective spread (children against their venue)."""
    sent = sum(r.qty_raw for r in records)
    filled = sum(r.filled_raw for r in records)
    weighted = 0.0
    weight = 0
    times = []
    fees: dict[str, int] = {}
    rejected = 0
    for record in records:
        if record.status in ("REJECTED", "DENIED"):
            rejected += 1
        bps = record.shortfall_bps
        if bps is not None:
            weighted += bps * record.filled_raw
            weight += record.filled_raw
        ttf = record.time_to_fill_ns
        if ttf is not None:
            times.append(ttf)
        for ccy, raw in record.fees.items():
            fees[ccy] = fees.get(ccy, 0) + raw
    shortfall = weighted / weight if weight else None
    return QualityRow(
        key=key,
        orders=len(records),
        sent_qty=Decimal(sent) / _DEC_SCALE,
        filled_qty=Decimal(filled) / _DEC_SCALE,
        fill_rate=filled / sent if sent else 0.0,
        shortfall_bps=shortfall,
        effective_spread_bps=2 * shortfall if spread and shortfall is not None else None,
        avg_time_to_fill_ms=sum(times) / len(times) / 1e6 if times else None,
        fees={ccy: Decimal(raw) / _DEC_SCALE for ccy, raw in sorted(fees.items())},
        rejected=rejected,
    )
