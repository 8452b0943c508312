"""Property tests: terminal order states are final, fills never overfill, values are exact."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from model_support import (
    accepted,
    cancel_rejected,
    canceled,
    denied,
    expired,
    filled,
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
from nautilus_platform.model.enums import TERMINAL_STATUSES, OrderStatus
from nautilus_platform.model.events import OrderEvent, OrderFilled
from nautilus_platform.model.values import Price, Quantity

ORDER_QTY = 100

SIMPLE: list[Callable[[], OrderEvent]] = [
    submitted,
    accepted,
    rejected,
    denied,
    pending_update,
    pending_cancel,
    modify_rejected,
    cancel_rejected,
    lambda: updated(quantity=ORDER_QTY),
    triggered,
    canceled,
    expired,
]

simple_events = st.sampled_from(SIMPLE).map(lambda build: build())
fill_events = st.builds(
    lambda q, t: filled(q, trade_id=f"T-{t}"),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=8),  # few ids, so duplicates happen
)
event_sequences = st.lists(st.one_of(simple_events, fill_events), max_size=25)

REFUSALS = (InvalidStateTransition, OverfillError, DuplicateFillError)


@settings(max_examples=150, deadline=None)
@given(event_sequences)
def test_orders_never_leave_a_terminal_state_and_refusals_change_nothing(events: list[OrderEvent]) -> None:
    order = new_order(ORDER_QTY)
    terminal_reached: OrderStatus | None = None
    for event in events:
        before = (order.status, order.filled_raw, len(order.events), order.quantity)
        try:
            order.apply(event)
        except REFUSALS:
            assert (order.status, order.filled_raw, len(order.events), order.quantity) == before
            continue
        assert terminal_reached is None, f"{type(event).__name__} applied after terminal {terminal_reached}"
        assert order.events[-1] is event
        if order.status in TERMINAL_STATUSES:
            terminal_reached = order.status
    if terminal_reached is not None:
        assert order.status is terminal_reached
        assert order.is_closed and not order.is_open


@settings(max_examples=150, deadline=None)
@given(event_sequences)
def test_filled_quantity_never_exceeds_the_order_quantity(events: list[OrderEvent]) -> None:
    order = new_order(ORDER_QTY)
    applied_fill_raw = 0
    seen_trade_ids: set[str] = set()
    for event in events:
        try:
            order.apply(event)
        except OverfillError:
            assert isinstance(event, OrderFilled)
            assert order.filled_raw + event.last_qty.raw > order.quantity.raw
            continue
        except DuplicateFillError:
            assert isinstance(event, OrderFilled) and event.trade_id in seen_trade_ids
            continue
        except InvalidStateTransition:
            continue
        if isinstance(event, OrderFilled):
            applied_fill_raw += event.last_qty.raw
            seen_trade_ids.add(event.trade_id)
        assert 0 <= order.filled_raw <= order.quantity.raw
    assert order.filled_raw == applied_fill_raw
    assert order.leaves_raw == order.quantity.raw - applied_fill_raw
    assert (order.status is OrderStatus.FILLED) == (applied_fill_raw == order.quantity.raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=ORDER_QTY), max_size=12))
def test_random_fills_on_a_working_order_fill_exactly_up_to_the_quantity(sizes: list[int]) -> None:
    order = new_order(ORDER_QTY)
    order.apply(submitted())
    order.apply(accepted())
    expected = 0
    for i, size in enumerate(sizes):
        if order.is_closed:
            break
        if expected + size > ORDER_QTY:
            try:
                order.apply(filled(size, trade_id=f"T-{i}"))
            except OverfillError:
                pass
            else:
                raise AssertionError("an overfill was accepted")
        else:
            order.apply(filled(size, trade_id=f"T-{i}"))
            expected += size
        assert order.filled_qty == Quantity.of(expected)
    assert order.status is {0: OrderStatus.ACCEPTED, ORDER_QTY: OrderStatus.FILLED}.get(
        expected, OrderStatus.PARTIALLY_FILLED
    )


# -- values ----------------------------------------------------------------------------------------

precisions = st.integers(min_value=0, max_value=9)
decimals = st.builds(
    lambda units, precision: Decimal(units).scaleb(-precision),
    st.integers(min_value=-(10**18), max_value=10**18),
    precisions,
)


@settings(max_examples=150, deadline=None)
@given(decimals, precisions)
def test_price_round_trips_through_text_and_decimal(value: Decimal, extra: int) -> None:
    price = Price.of(value)
    assert price.as_decimal() == value
    assert Price.of(str(price), price.precision) == price
    assert Price.of(price.as_decimal()).raw == price.raw
    wider = min(9, price.precision + extra)
    assert Price.of(value, wider).raw == price.raw
    assert str(Price.of(value, wider)) == format(value.quantize(Decimal(1).scaleb(-wider)), "f")


@settings(max_examples=150, deadline=None)
@given(decimals.map(abs))
def test_quantity_round_trips(value: Decimal) -> None:
    quantity = Quantity.of(value)
    assert quantity.as_decimal() == value
    assert Quantity.of(str(quantity)) == quantity
    assert Quantity.of(str(quantity)).precision == quantity.precision


@settings(max_examples=150, deadline=None)
@given(decimals, decimals)
def test_price_addition_and_subtraction_are_exact(a: Decimal, b: Decimal) -> None:
    pa, pb = Price.of(a), Price.of(b)
    assert (pa + pb).as_decimal() == a + b
    assert (pa - pb).as_decimal() == a - b
    assert (pa + pb) - pb == pa
    assert (pa < pb) == (a < b)
    assert (pa == pb) == (a == b)


@settings(max_examples=100, deadline=None)
@given(decimals.map(abs), decimals.map(abs))
def test_quantity_subtraction_is_exact_or_refused(a: Decimal, b: Decimal) -> None:
    qa, qb = Quantity.of(a), Quantity.of(b)
    assert (qa + qb).as_decimal() == a + b
    if a >= b:
        assert (qa - qb).as_decimal() == a - b
    else:
        try:
            qa - qb
        except ValueError:
            pass
        else:
            raise AssertionError("a negative quantity was built")
