"""Order lifecycle through the transition table; overfills and duplicate fills refused; fill views."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_support import (
    ACCOUNT,
    VOID,
    accepted,
    cancel_rejected,
    canceled,
    denied,
    expired,
    filled,
    initialized,
    modify_rejected,
    new_order,
    pending_cancel,
    pending_update,
    rejected,
    submitted,
    triggered,
    updated,
)

from nautilus_platform.core.errors import DuplicateFillError, InvalidStateTransition, OverfillError
from nautilus_platform.core.identifiers import ClientOrderId, PositionId
from nautilus_platform.model.enums import TERMINAL_STATUSES, OrderStatus, OrderType
from nautilus_platform.model.events import OrderEvent
from nautilus_platform.model.orders import ORDER_TRANSITIONS, Order, average_price
from nautilus_platform.model.values import USD, Money, Price, Quantity

S = OrderStatus


def working(quantity: int = 100) -> Order:
    order = new_order(quantity)
    order.apply(submitted())
    order.apply(accepted())
    return order


def test_new_order_mirrors_its_init() -> None:
    order = new_order()
    assert order.status is S.INITIALIZED
    assert order.quantity == Quantity.of(100)
    assert order.price == Price.of("101.25")
    assert order.filled_qty == Quantity.zero()
    assert order.leaves_qty == Quantity.of(100)
    assert order.avg_px is None
    assert order.events == [order.init]
    assert order.is_buy and order.is_passive
    assert not order.is_open and not order.is_closed and not order.is_inflight
    assert "INITIALIZED" in repr(order) and "@ 101.25" in repr(order)


def test_happy_path_submit_accept_partial_then_full_fill() -> None:
    order = new_order()
    order.apply(submitted())
    assert order.status is S.SUBMITTED and order.is_inflight
    assert order.account_id == ACCOUNT
    order.apply(accepted())
    assert order.status is S.ACCEPTED and order.is_open
    assert order.venue_order_id == VOID
    order.apply(filled(40, "101.00", "T-1", commission="0.40"))
    assert order.status is S.PARTIALLY_FILLED
    assert order.filled_qty == Quantity.of(40) and order.leaves_qty == Quantity.of(60)
    assert order.leaves_raw == Quantity.of(60).raw
    order.apply(filled(60, "101.50", "T-2", commission="0.60", ts=9))
    assert order.status is S.FILLED and order.is_closed and not order.is_open
    assert order.filled_qty == order.quantity
    # (40 x 101.00 + 60 x 101.50) / 100 = 101.30
    assert order.avg_px == Decimal("101.30")
    assert order.commissions == {USD: Money.of("1.00", USD)}
    assert order.position_id == PositionId("AAPL.XNAS-EMA-1")
    assert order.ts_last == 9
    assert [type(e).__name__ for e in order.events] == [
        "OrderInitialized",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderFilled",
        "OrderFilled",
    ]


def test_avg_px_is_exact_for_uneven_fills() -> None:
    order = working(3)
    order.apply(filled(1, "1.00", "T-1"))
    order.apply(filled(2, "1.01", "T-2"))
    assert order.avg_px == Decimal("3.02") / Decimal(3)


@settings(max_examples=500)
@given(
    st.integers(1, 10**20),
    st.integers(-(10**31), 10**31) | st.integers(-(10**13), 10**13).map(lambda p: p * 10**7),
    st.integers(-(10**19), 10**19),
)
def test_average_price_of_an_exact_quotient_is_the_division_digit_for_digit(qty: int, px: int, extra: int) -> None:
    # The exact-quotient shortcut (every fill at one price) gives what the 28-digit division gives,
    # exponent included; an inexact notional (``extra``) takes the division.
    reference = Context(prec=28, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)
    for notional in (qty * px, qty * px + extra):
        expected = reference.divide(Decimal(notional), Decimal(qty)).scaleb(-9, reference)
        got = average_price(notional, qty)
        assert got is not None and got.as_tuple() == expected.as_tuple()


def test_fill_straight_from_submitted() -> None:
    order = new_order()
    order.apply(submitted())
    order.apply(filled(100))
    assert order.status is S.FILLED


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([denied], S.DENIED),
        ([submitted, rejected], S.REJECTED),
        ([canceled], S.CANCELED),  # a held contingent child
        ([submitted, canceled], S.CANCELED),
        ([submitted, accepted, canceled], S.CANCELED),
        ([submitted, accepted, expired], S.EXPIRED),
        ([submitted, expired], S.EXPIRED),
        ([submitted, accepted, triggered], S.TRIGGERED),
        ([submitted, accepted, pending_update], S.PENDING_UPDATE),
        ([submitted, accepted, pending_update, updated], S.ACCEPTED),
        ([submitted, accepted, pending_update, modify_rejected], S.ACCEPTED),
        ([submitted, accepted, triggered, pending_update, updated], S.TRIGGERED),
        ([submitted, accepted, pending_cancel], S.PENDING_CANCEL),
        ([submitted, accepted, pending_cancel, cancel_rejected], S.ACCEPTED),
        ([submitted, accepted, pending_cancel, canceled], S.CANCELED),
        ([submitted, accepted, pending_update, pending_cancel, cancel_rejected], S.ACCEPTED),
        ([submitted, accepted, pending_update, triggered], S.TRIGGERED),
        ([submitted, accepted, modify_rejected], S.ACCEPTED),
        ([submitted, accepted, cancel_rejected], S.ACCEPTED),
        ([submitted, modify_rejected], S.SUBMITTED),
        ([updated], S.INITIALIZED),
        ([submitted, accepted, updated], S.ACCEPTED),
        ([submitted, accepted, pending_cancel, updated], S.PENDING_CANCEL),
        ([submitted, accepted, pending_cancel, expired], S.EXPIRED),
    ],
)
def test_lifecycle_paths(events: list[object], status: OrderStatus) -> None:
    order = new_order()
    for build in events:
        order.apply(build())  # type: ignore[operator]
    assert order.status is status


def test_previous_status_is_restored_after_pending_on_a_partially_filled_order() -> None:
    order = working()
    order.apply(filled(10))
    order.apply(pending_cancel())
    assert order.status is S.PENDING_CANCEL
    order.apply(cancel_rejected())
    assert order.status is S.PARTIALLY_FILLED


def test_fill_during_pending_cancel_moves_to_partially_filled() -> None:
    order = working()
    order.apply(pending_cancel())
    order.apply(filled(10))
    assert order.status is S.PARTIALLY_FILLED


def test_updated_changes_quantity_and_prices() -> None:
    order = working()
    order.apply(updated(quantity=80, price="100.50"))
    assert order.quantity == Quantity.of(80)
    assert order.price == Price.of("100.50")
    assert order.trigger_price is None
    order.apply(updated(quantity=70, price=None))
    assert order.price == Price.of("100.50")  # unchanged when not given
    assert order.leaves_qty == Quantity.of(70)


def test_triggered_flags_the_order() -> None:
    order = working()
    assert not order.is_triggered
    order.apply(triggered())
    assert order.is_triggered


@pytest.mark.parametrize("terminal", [denied, rejected, canceled, expired])
def test_terminal_states_refuse_everything(terminal: object) -> None:
    order = new_order()
    if terminal is rejected:
        order.apply(submitted())
    if terminal in (canceled, expired):
        order.apply(submitted())
        order.apply(accepted())
    order.apply(terminal())  # type: ignore[operator]
    assert order.is_closed
    for build in (submitted, accepted, canceled, expired, triggered, pending_cancel, pending_update, updated):
        before = (order.status, len(order.events))
        with pytest.raises(InvalidStateTransition) as info:
            order.apply(build())
        assert (order.status, len(order.events)) == before
        assert info.value.state == order.status.name
    with pytest.raises(InvalidStateTransition):
        order.apply(filled(1))


def test_filled_order_refuses_more_fills_as_overfill_and_cancels_as_transition() -> None:
    order = working(10)
    order.apply(filled(10))
    with pytest.raises(OverfillError):
        order.apply(filled(1, trade_id="T-9"))
    with pytest.raises(InvalidStateTransition) as info:
        order.apply(canceled())
    assert (info.value.state, info.value.trigger) == ("FILLED", "OrderCanceled")


@pytest.mark.parametrize(
    ("prefix", "event"),
    [
        ([], accepted),
        ([], rejected),
        ([], triggered),
        ([submitted], submitted),
        ([submitted], triggered),
        ([submitted, accepted], accepted),
        ([submitted, accepted], submitted),
        ([submitted, accepted, pending_cancel], pending_update),
    ],
)
def test_invalid_transitions_raise_and_change_nothing(prefix: list[object], event: object) -> None:
    order = new_order()
    for build in prefix:
        order.apply(build())  # type: ignore[operator]
    before = (order.status, list(order.events), order.venue_order_id, order.account_id)
    with pytest.raises(InvalidStateTransition):
        order.apply(event())  # type: ignore[operator]
    assert (order.status, list(order.events), order.venue_order_id, order.account_id) == before


def test_fill_before_submission_is_an_invalid_transition() -> None:
    order = new_order()
    with pytest.raises(InvalidStateTransition):
        order.apply(filled(1))
    assert order.filled_raw == 0


def test_order_initialized_cannot_be_applied() -> None:
    order = new_order()
    with pytest.raises(InvalidStateTransition) as info:
        order.apply(order.init)
    assert info.value.trigger == "OrderInitialized"


def test_overfill_is_refused_before_any_change() -> None:
    order = working(100)
    order.apply(filled(60, trade_id="T-1"))
    snapshot = (order.status, order.filled_raw, len(order.events), order.avg_px, dict(order.commissions or {}))
    with pytest.raises(OverfillError):
        order.apply(filled(41, trade_id="T-2"))
    assert (order.status, order.filled_raw, len(order.events), order.avg_px, dict(order.commissions or {})) == snapshot
    order.apply(filled(40, trade_id="T-2"))  # the trade id was not consumed by the refused fill
    assert order.status is S.FILLED


def test_zero_quantity_fill_is_refused() -> None:
    order = working()
    with pytest.raises(OverfillError, match="positive"):
        order.apply(filled(0))
    assert order.status is S.ACCEPTED


def test_duplicate_trade_id_is_refused_before_any_change() -> None:
    order = working(100)
    order.apply(filled(10, trade_id="T-1"))
    with pytest.raises(DuplicateFillError):
        order.apply(filled(10, trade_id="T-1"))
    assert order.filled_qty == Quantity.of(10)
    assert len(order.events) == 4


def test_duplicate_check_precedes_overfill_check() -> None:
    order = working(10)
    order.apply(filled(10, trade_id="T-1"))
    with pytest.raises(DuplicateFillError):
        order.apply(filled(10, trade_id="T-1"))


def test_commissions_accumulate_per_currency_and_zero_is_skipped() -> None:
    order = working(3)
    order.apply(filled(1, trade_id="T-1", commission="0"))
    assert order.commissions is None
    order.apply(filled(1, trade_id="T-2", commission="0.25"))
    order.apply(filled(1, trade_id="T-3", commission="-0.05"))  # a rebate
    assert order.commissions == {USD: Money.of("0.20", USD)}


def test_unknown_event_type_is_an_invalid_transition() -> None:
    class Foreign(OrderEvent, frozen=True, kw_only=True):
        pass

    order = new_order()
    event = Foreign(
        ts_event=1,
        ts_init=1,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
    )
    with pytest.raises(InvalidStateTransition):
        order.apply(event)


def test_market_order_is_not_passive() -> None:
    order = Order(initialized(order_type=OrderType.MARKET, price=None))
    assert not order.is_passive
    assert "@" not in repr(order)


def test_transition_table_has_no_exit_from_terminal_states() -> None:
    assert not [key for key in ORDER_TRANSITIONS if key[0] in TERMINAL_STATUSES]


def test_cancel_sent_before_the_venue_acknowledged_the_order() -> None:
    # A cancel may go out while the order is still SUBMITTED; an acknowledgement that crosses it
    # keeps the order pending, and a refused cancel then returns it to ACCEPTED.
    order = new_order()
    order.apply(submitted())
    order.apply(pending_cancel())
    assert order.status is OrderStatus.PENDING_CANCEL
    order.apply(accepted())
    assert order.status is OrderStatus.PENDING_CANCEL
    order.apply(cancel_rejected())
    assert order.status is OrderStatus.ACCEPTED


def test_an_event_of_another_order_is_refused() -> None:
    order = new_order()
    stranger = msgspec.structs.replace(submitted(), client_order_id=ClientOrderId("SOMEONE-ELSE"))
    with pytest.raises(InvalidStateTransition):
        order.apply(stranger)
    assert order.status is OrderStatus.INITIALIZED and len(order.events) == 1


def test_an_update_below_the_filled_quantity_is_refused() -> None:
    order = new_order(100)
    for build in (submitted, accepted):
        order.apply(build())
    order.apply(filled(40))
    with pytest.raises(OverfillError):
        order.apply(updated(quantity=30))
    assert order.quantity == Quantity.of(100) and order.leaves_raw == 60 * 10**9


def test_an_update_down_to_the_filled_quantity_completes_the_order() -> None:
    order = new_order(100)
    for build in (submitted, accepted):
        order.apply(build())
    order.apply(filled(40))
    order.apply(updated(quantity=40))
    assert order.status is OrderStatus.FILLED and order.leaves_raw == 0
