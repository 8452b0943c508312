"""Contingent orders through ``TradingNode``: brackets (OTO + OCO), OCO pairs, OTO, OUO.

The semantics asserted are those of ``trading/oms.py``: held children are released by the
parent's first fill sized to its filled quantity and grown by later fills; a parent that ends
without any fill cancels its held children; an OCO leg's fill reduces its sibling, and a full
fill or a cancel cancels it; an OUO cancel leaves the sibling alone.
"""

from __future__ import annotations

from exec_support import AAPL, Harness, equity, px, qty, raw

from nautilus_platform.model.enums import AccountType, ContingencyType, OrderSide, OrderStatus, OrderType, TradingState
from nautilus_platform.model.events import OrderCanceled, OrderDenied, OrderFilled, OrderUpdated
from nautilus_platform.model.order_factory import OrderList
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL
# Exits of a bracket are reduce-only; the default reduce-only check counts the OCO sibling's
# leaves against the position (see test_bracket_with_default_risk_config_protects_the_position).
NO_RO = RiskLimits(check_reduce_only=False)


def _bracket(h: Harness, quantity: int = 100, entry: str | None = None) -> OrderList:
    return h.factory.bracket(
        AAPL,
        BUY,
        qty(quantity),
        take_profit=px("101.00"),
        stop_loss=px("99.00"),
        entry_price=px(entry) if entry is not None else None,
    )


# -- brackets ---------------------------------------------------------------------------------
def test_bracket_children_are_held_until_the_entry_fills() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10")
    orders = h.submit_list(_bracket(h, entry="99.50"))
    entry, tp, sl = orders.orders
    assert entry.status is OrderStatus.ACCEPTED
    assert tp.status is OrderStatus.INITIALIZED and sl.status is OrderStatus.INITIALIZED
    assert h.node.cache.orders_open() == [entry]
    assert set(h.node.cache.orders_open(held=True)) == {entry, tp, sl}
    assert [o.client_order_id for o in h.node.venues[AAPL.venue].open_orders()] == [entry.client_order_id]
    h.quote("99.40", "99.50")  # the entry fills
    assert entry.status is OrderStatus.FILLED
    assert tp.status is OrderStatus.ACCEPTED and tp.quantity == qty(100)
    assert sl.status is OrderStatus.ACCEPTED and sl.quantity == qty(100)
    assert {o.client_order_id for o in h.node.venues[AAPL.venue].open_orders()} == {
        tp.client_order_id,
        sl.client_order_id,
    }


def test_bracket_market_entry_releases_both_exits_and_take_profit_fill_cancels_stop_loss() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10", ask_size=500)
    entry, tp, sl = h.submit_list(_bracket(h)).orders
    assert entry.order_type is OrderType.MARKET and entry.status is OrderStatus.FILLED
    assert (tp.status, sl.status) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    assert h.position_raw() == raw(100)
    h.quote("101.00", "101.10", bid_size=500)  # the take-profit fills completely
    assert tp.status is OrderStatus.FILLED
    assert sl.status is OrderStatus.CANCELED
    assert len(h.of_type(OrderCanceled, sl)) == 1
    assert h.position_raw() == 0
    assert not h.node.cache.orders_open(held=True)
    h.quote("98.00", "98.10")  # the cancelled stop never fires
    assert sl.filled_raw == 0 and h.position_raw() == 0


def test_partial_entry_fill_sizes_exits_to_the_filled_quantity_and_later_fills_grow_them() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10", ask_size=60)
    entry, tp, sl = h.submit_list(_bracket(h, entry="100.10")).orders
    assert entry.status is OrderStatus.PARTIALLY_FILLED and entry.filled_qty == qty(60)
    assert tp.quantity == qty(60) and sl.quantity == qty(60)
    assert tp.is_open and sl.is_open
    assert h.node.venues[AAPL.venue].engine(AAPL).get_order(tp.client_order_id).quantity == qty(60)  # type: ignore[union-attr]
    h.quote("100.00", "100.05", ask_size=100)  # the rest of the entry fills
    assert entry.status is OrderStatus.FILLED
    assert tp.quantity == qty(100) and sl.quantity == qty(100)
    venue_tp = h.node.venues[AAPL.venue].engine(AAPL).get_order(tp.client_order_id)  # type: ignore[union-attr]
    assert venue_tp is not None and venue_tp.quantity == qty(100)  # the venue's copy grew too
    assert tp.status is OrderStatus.ACCEPTED and sl.status is OrderStatus.ACCEPTED
    assert h.position_raw() == raw(100)


def test_partial_take_profit_fill_reduces_the_stop_loss_then_the_stop_closes_the_rest() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10", ask_size=500)
    entry, tp, sl = h.submit_list(_bracket(h)).orders
    assert entry.status is OrderStatus.FILLED
    h.quote("101.00", "101.10", bid_size=40)  # the take-profit fills 40 of 100
    assert tp.status is OrderStatus.PARTIALLY_FILLED and tp.filled_qty == qty(40)
    assert sl.status is OrderStatus.ACCEPTED
    assert sl.quantity == qty(60)  # reduced by the fill
    assert h.of_type(OrderUpdated, sl)[-1].quantity == qty(60)
    assert h.position_raw() == raw(60)
    h.quote("98.90", "99.00", bid_size=500)  # the stop fires and closes the position
    assert sl.status is OrderStatus.FILLED and sl.filled_qty == qty(60)
    assert tp.status is OrderStatus.CANCELED  # the full stop fill cancels the rest of the take-profit
    assert tp.filled_qty == qty(40)
    assert h.position_raw() == 0
    assert not h.node.cache.orders_open(held=True)
    assert h.node.execution.refused_events == []


def test_cancelling_an_unfilled_bracket_entry_cancels_its_held_exits() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10")
    entry, tp, sl = h.submit_list(_bracket(h, entry="99.50")).orders
    h.cancel(entry)
    assert entry.status is OrderStatus.CANCELED
    assert tp.status is OrderStatus.CANCELED and sl.status is OrderStatus.CANCELED
    assert h.kinds(tp) == ["OrderCanceled"]  # cancelled locally, never sent
    assert "parent" in h.of_type(OrderCanceled, tp)[0].reason
    assert not h.node.cache.orders_open(held=True)
    assert h.node.venues[AAPL.venue].open_orders() == []


def test_cancelling_a_partially_filled_entry_keeps_its_released_exits() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10", ask_size=30)
    entry, tp, sl = h.submit_list(_bracket(h, entry="100.10")).orders
    assert entry.filled_qty == qty(30)
    h.cancel(entry)
    assert entry.status is OrderStatus.CANCELED
    # the position of 30 stays protected
    assert tp.status is OrderStatus.ACCEPTED and tp.quantity == qty(30)
    assert sl.status is OrderStatus.ACCEPTED and sl.quantity == qty(30)
    assert h.position_raw() == raw(30)


def test_denied_entry_cancels_held_exits() -> None:
    h = Harness(NO_RO)
    h.quote("100.00", "100.10")
    orders = h.factory.bracket(AAPL, BUY, qty(10), take_profit=px("101.00"), stop_loss=px("99.00"))
    entry, tp, sl = orders.orders
    h.node.risk.set_trading_state(TradingState.HALTED)  # the entry is denied by risk
    h.submit_list(orders)
    assert entry.status is OrderStatus.DENIED
    assert tp.status is OrderStatus.CANCELED and sl.status is OrderStatus.CANCELED
    assert not h.node.cache.orders_open(held=True)


def test_venue_rejected_parent_cancels_its_held_child() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    crossing = f.limit(AAPL, BUY, qty(10), px("100.10"), post_only=True)  # the venue rejects it
    parent, child = h.submit_list(f.oto(crossing, f.limit(AAPL, SELL, qty(10), px("102.00")))).orders
    assert parent.status is OrderStatus.REJECTED
    assert child.status is OrderStatus.CANCELED
    assert not h.node.cache.orders_open(held=True)


def test_bracket_with_default_risk_config_protects_the_position() -> None:
    h = Harness()  # default limits: reduce-only checked
    h.quote("100.00", "100.10", ask_size=500)
    entry, tp, sl = h.submit_list(_bracket(h)).orders
    assert entry.status is OrderStatus.FILLED
    assert h.of_type(OrderDenied) == []
    assert tp.status is OrderStatus.ACCEPTED
    assert sl.status is OrderStatus.ACCEPTED


# -- OCO ----------------------------------------------------------------------------------------
def test_oco_cancel_of_one_leg_cancels_the_other() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    first, second = h.submit_list(
        f.oco(f.limit(AAPL, BUY, qty(10), px("99.00")), f.limit(AAPL, BUY, qty(10), px("98.00")))
    ).orders
    assert first.init.contingency_type is ContingencyType.OCO
    assert (first.status, second.status) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    h.cancel(first)
    assert first.status is OrderStatus.CANCELED
    assert second.status is OrderStatus.CANCELED
    assert len(h.of_type(OrderCanceled, second)) == 1
    assert h.node.venues[AAPL.venue].open_orders() == []


def test_oco_full_fill_of_one_leg_cancels_the_other() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    low, high = h.submit_list(
        f.oco(f.limit(AAPL, BUY, qty(10), px("99.00")), f.limit(AAPL, SELL, qty(10), px("101.00")))
    ).orders
    h.quote("98.90", "99.00")
    assert low.status is OrderStatus.FILLED
    assert high.status is OrderStatus.CANCELED
    h.quote("101.50", "101.60")
    assert high.filled_raw == 0 and h.position_raw() == raw(10)


def test_ouo_partial_fill_reduces_the_sibling_and_cancel_leaves_it_alone() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    a_id, b_id = f.next_id(), f.next_id()
    a = f.create(
        AAPL, BUY, OrderType.LIMIT, qty(100), price=px("99.00"), contingency_type=ContingencyType.OUO,
        linked_order_ids=(b_id,), client_order_id=a_id,
    )  # fmt: skip
    b = f.create(
        AAPL, BUY, OrderType.LIMIT, qty(100), price=px("98.00"), contingency_type=ContingencyType.OUO,
        linked_order_ids=(a_id,), client_order_id=b_id,
    )  # fmt: skip
    h.submit_list(OrderList(f.next_list_id(), (a, b)))
    h.quote("98.90", "99.00", ask_size=30)  # a fills 30
    assert a.filled_qty == qty(30)
    assert b.quantity == qty(70) and b.status is OrderStatus.ACCEPTED
    h.cancel(a)
    assert a.status is OrderStatus.CANCELED
    assert b.status is OrderStatus.ACCEPTED  # OUO: a cancel does not cancel the sibling


# -- OTO ----------------------------------------------------------------------------------------
def test_oto_child_is_held_until_the_parent_fills_then_sized_to_it() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    parent, child = h.submit_list(
        f.oto(f.limit(AAPL, BUY, qty(50), px("99.50")), f.limit(AAPL, SELL, qty(50), px("102.00")))
    ).orders
    assert parent.status is OrderStatus.ACCEPTED
    assert child.status is OrderStatus.INITIALIZED
    h.quote("99.60", "99.70")
    assert child.status is OrderStatus.INITIALIZED
    h.quote("99.30", "99.40", ask_size=20)  # parent fills 20 of 50
    assert parent.filled_qty == qty(20)
    assert child.status is OrderStatus.ACCEPTED and child.quantity == qty(20)
    h.quote("99.30", "99.40", ask_size=100)  # the rest
    assert parent.status is OrderStatus.FILLED
    assert child.quantity == qty(50)
    h.quote("102.00", "102.10", bid_size=100)
    assert child.status is OrderStatus.FILLED
    assert h.position_raw() == 0
    assert [f.last_qty for f in h.of_type(OrderFilled, child)] == [qty(50)]


def test_oto_cancel_of_a_held_child_is_local_and_the_parent_keeps_working() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    parent, child = h.submit_list(
        f.oto(f.limit(AAPL, BUY, qty(50), px("99.50")), f.limit(AAPL, SELL, qty(50), px("102.00")))
    ).orders
    h.cancel(child)
    assert child.status is OrderStatus.CANCELED
    assert parent.status is OrderStatus.ACCEPTED
    h.quote("99.30", "99.40")
    assert parent.status is OrderStatus.FILLED
    assert child.status is OrderStatus.CANCELED  # a cancelled child is not released
    assert h.node.venues[AAPL.venue].open_orders() == []


def test_modify_of_a_held_child_updates_it_locally_before_release() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    parent, child = h.submit_list(
        f.oto(f.limit(AAPL, BUY, qty(50), px("99.50")), f.limit(AAPL, SELL, qty(50), px("102.00")))
    ).orders
    h.modify(child, price=px("103.00"))
    assert child.status is OrderStatus.INITIALIZED
    assert child.price == px("103.00")
    h.quote("99.30", "99.40")
    assert parent.status is OrderStatus.FILLED and child.status is OrderStatus.ACCEPTED
    rec = h.node.venues[AAPL.venue].engine(AAPL).get_order(child.client_order_id)  # type: ignore[union-attr]
    assert rec is not None and rec.price_raw == raw("103.00")


def test_bracket_exits_in_a_cash_account_count_the_held_shares_once() -> None:
    # Found by the Bollinger breakout example: the take-profit locked the 100 shares held, and the
    # stop-loss (its OCO alternative) was denied INSUFFICIENT_BALANCE, leaving the position unprotected.
    h = Harness(add_default_venue=False)
    h.node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.CASH, USD, [Money.of(1_000_000, USD)])
    h.node.add_instrument(equity(AAPL))
    h.quote("100.00", "100.10", ask_size=500)
    entry, tp, sl = h.submit_list(_bracket(h)).orders
    assert entry.status is OrderStatus.FILLED
    assert h.of_type(OrderDenied) == []
    assert (tp.status, sl.status) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    extra = h.submit(h.factory.limit(AAPL, SELL, qty(1), px("102.00")))  # nothing left to sell beyond the exits
    assert extra.status is OrderStatus.DENIED
