"""Contingent legs are sized from fills, not from a leg's acknowledged quantity.

A bracket's exits each cover what the entry filled minus what the exits filled; an OCO/OUO
sibling is reduced by every fill of its legs even while an earlier reduction is still in flight;
a held child is released at its computed size whatever the modify checks say (the release
submit is risk-checked at that size); an OUO sibling is reduced, not cancelled, by a complete
fill of another leg.
"""

from __future__ import annotations

from exec_support import AAPL, SECOND_NS, Harness, long_with_oco_exits, px, qty, raw

from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.events import OrderFilled, OrderModifyRejected, OrderUpdated
from nautilus_platform.model.order_factory import OrderList
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.trading.risk.config import RateLimit
from nautilus_platform.venues.simulated import SimulatedVenueConfig
from nautilus_platform.venues.simulated.latency import LatencyModel

BUY, SELL = OrderSide.BUY, OrderSide.SELL
NO_RO = RiskLimits(check_reduce_only=False)
MS = 1_000_000


def _bracket(h: Harness) -> OrderList:
    return h.factory.bracket(
        AAPL, BUY, qty(100), take_profit=px("101.00"), stop_loss=px("99.00"), entry_price=px("100.10")
    )


def _entry_partial_then_take_profit_partial_then_entry_rest(limits: RiskLimits) -> Harness:
    h = Harness(limits)
    h.quote("100.00", "100.10", ask_size=60)  # the entry fills 60: exits released at 60
    h.entry, h.tp, h.sl = h.submit_list(_bracket(h)).orders  # type: ignore[attr-defined]
    h.quote("101.00", "101.10", bid_size=40)  # the take-profit fills 40: the stop-loss covers 20
    h.quote("100.00", "100.05", ask_size=100)  # the entry fills its last 40: position 60
    return h


def test_bracket_exits_grow_by_what_the_entry_filled_less_what_the_exits_filled() -> None:
    for limits in (NO_RO, RiskLimits()):  # the default risk (reduce-only checked) too
        h = _entry_partial_then_take_profit_partial_then_entry_rest(limits)
        entry, tp, sl = h.entry, h.tp, h.sl  # type: ignore[attr-defined]
        assert entry.status is OrderStatus.FILLED
        assert h.position_raw() == raw(60)
        assert tp.leaves_raw == raw(60) and tp.filled_raw == raw(40)
        assert sl.leaves_raw == raw(60) and sl.status is OrderStatus.ACCEPTED
        h.quote("98.90", "99.00", bid_size=500)  # the stop fires
        assert sl.status is OrderStatus.FILLED and tp.status is OrderStatus.CANCELED
        assert h.position_raw() == 0  # never flipped short


def test_oco_sibling_reduction_counts_fills_while_a_reduction_is_in_flight() -> None:
    venue = SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=1 * MS, modify_ns=10 * MS))
    h = Harness(NO_RO, venue=venue)
    tp, sl = long_with_oco_exits(h)
    h.quote("101.00", "101.10", bid_size=40, step_ns=1 * MS)  # reduction of the stop to 60 in flight
    h.quote("101.00", "101.10", bid_size=30, step_ns=1 * MS)  # 30 more before it is answered
    assert sl.status is OrderStatus.PENDING_UPDATE
    h.advance(h.now + 50 * MS)
    assert [e.quantity for e in h.of_type(OrderUpdated, sl)] == [qty(60), qty(30)]
    assert tp.leaves_raw == raw(30) and sl.leaves_raw == raw(30)
    assert h.position_raw() == raw(30)


def test_held_children_are_released_at_the_filled_size_even_when_modifies_are_throttled() -> None:
    # One modify a minute: the release resize is a local update, not a venue modify.
    for check_reduce_only in (False, True):
        h = Harness(
            RiskLimits(check_reduce_only=check_reduce_only, modify_rate=RateLimit(limit=1, interval_ns=60 * SECOND_NS))
        )
        h.quote("100.00", "100.10", ask_size=60)
        entry, tp, sl = h.submit_list(_bracket(h)).orders  # the entry fills 60 of 100
        assert entry.filled_raw == raw(60)
        assert tp.quantity == qty(60) and sl.quantity == qty(60)
        assert tp.status is OrderStatus.ACCEPTED and sl.status is OrderStatus.ACCEPTED
        assert h.of_type(OrderModifyRejected) == []


def test_a_complete_fill_of_an_ouo_leg_reduces_its_sibling() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10")
    f = h.factory
    a, b = h.submit_list(
        f.ouo(f.limit(AAPL, BUY, qty(50), px("99.00")), f.limit(AAPL, BUY, qty(100), px("98.00")))
    ).orders
    h.quote("98.90", "99.00", ask_size=500)  # a fills completely
    assert a.status is OrderStatus.FILLED
    assert b.status is OrderStatus.ACCEPTED and b.quantity == qty(50)
    h.quote("97.90", "98.00", ask_size=500)
    assert b.status is OrderStatus.FILLED and h.position_raw() == raw(100)
    assert sum(e.last_qty.raw for e in h.of_type(OrderFilled)) == raw(100)


def test_an_ouo_sibling_reduced_to_nothing_is_cancelled() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10")
    f = h.factory
    a, b = h.submit_list(
        f.ouo(f.limit(AAPL, BUY, qty(100), px("99.00")), f.limit(AAPL, BUY, qty(50), px("98.00")))
    ).orders
    h.quote("98.90", "99.00", ask_size=60)  # a fills 60: b (50) has nothing left
    assert a.status is OrderStatus.PARTIALLY_FILLED
    assert b.status is OrderStatus.CANCELED
