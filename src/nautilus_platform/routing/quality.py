"""Execution quality of routed orders: per child, per parent, per venue and per strategy.

For each child and parent the router records the arrival mid (the venue's mid for a child, the
consolidated mid across venues for a parent), the fills, fees and times. From these:

- **implementation shortfall** (bps): ``side x (average fill price - arrival mid) / arrival mid``,
  positive when the order paid away from the mid;
- **effective spread** (bps): twice the shortfall of a child against its venue's mid;
- **fill rate**: filled / sent quantity; **time to fill**: last fill - arrival, for complete fills;
- **slippage** (bps) of a take against the price the decision expected from the book.

Quantities, prices and fees are exact; the bps figures are floats (statistics, not accounting),
each the exact ratio rounded once. A venue's or strategy's weighted shortfall is summed exactly
(``QualityTotals``) and rounded once, so it does not depend on the order the records are added
in: the router folds finished orders into running totals and forgets their records.

The records and totals live in ``routing.listings`` (compiled with the router's hot path); this
module turns them into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from nautilus_platform.routing.listings import EXACT_SHIFT, ChildRecord, FillRecord, ParentRecord, QualityTotals

_SCALE = 1_000_000_000
_DEC_SCALE = Decimal(_SCALE)

__all__ = [
    "ChildRecord", "FillRecord", "ParentRecord", "QualityRow", "QualityTotals", "aggregate", "quality_row",
    "shortfall_bps",
]  # fmt: skip


def shortfall_bps(is_buy: bool, avg_px: Fraction, mid_raw: int) -> float:
    """``side x (avg - mid) / mid`` in basis points (``mid_raw`` at the 10**9 scale)."""
    mid = Fraction(mid_raw, _SCALE)
    signed = (avg_px - mid) if is_buy else (mid - avg_px)
    return float(signed / mid * 10_000)


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


def quality_row(totals: QualityTotals, key: str, spread: bool) -> QualityRow:
    """``totals`` as one row; ``spread`` adds the effective spread (children against their venue)."""
    sent, filled = totals.sent, totals.filled
    shortfall = None
    if totals.weight:
        if totals.nonfinite is not None:
            weighted = totals.nonfinite
        else:
            try:
                weighted = totals.weighted / (1 << EXACT_SHIFT)
            except OverflowError:  # beyond the float range, where a float sum ends up too
                weighted = float("inf") if totals.weighted > 0 else float("-inf")
        shortfall = weighted / totals.weight
    return QualityRow(
        key=key,
        orders=totals.orders,
        sent_qty=Decimal(sent) / _DEC_SCALE,
        filled_qty=Decimal(filled) / _DEC_SCALE,
        fill_rate=filled / sent if sent else 0.0,
        shortfall_bps=shortfall,
        effective_spread_bps=2 * shortfall if spread and shortfall is not None else None,
        avg_time_to_fill_ms=totals.ttf_sum / totals.ttf_count / 1e6 if totals.ttf_count else None,
        fees={ccy: Decimal(raw) / _DEC_SCALE for ccy, raw in sorted(totals.fees.items())},
        rejected=totals.rejected,
    )


def aggregate(key: str, records: list[FillRecord], spread: bool) -> QualityRow:
    """One row over ``records``; ``spread`` adds the effective spread (children against their venue)."""
    totals = QualityTotals()
    for record in records:
        totals.add(record)
    return quality_row(totals, key, spread)
