"""Events: immutable, tagged, equal by value, with the defaults an order's rebuild relies on."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest
from model_support import AAPL, COID, STRATEGY, every_event, filled, initialized, submitted

from nautilus_platform.model.enums import ContingencyType, OrderSide, OrderType, TimeInForce, TriggerType
from nautilus_platform.model.events import (
    AccountState,
    Event,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    PositionClosed,
    PositionEvent,
    RiskLimitsChanged,
    TradingStateChanged,
)
from nautilus_platform.model.values import Quantity


def test_every_event_is_an_event_with_timestamps() -> None:
    for event in every_event():
        assert isinstance(event, Event)
        assert event.ts_event >= 0 and event.ts_init >= 0


def test_order_events_carry_the_order_keys() -> None:
    for event in every_event():
        if isinstance(event, OrderEvent):
            assert (event.strategy_id, event.instrument_id, event.client_order_id) == (STRATEGY, AAPL, COID)
        else:
            assert isinstance(event, PositionEvent | AccountState | TradingStateChanged | RiskLimitsChanged)


def test_events_are_immutable() -> None:
    event = submitted()
    with pytest.raises(AttributeError):
        event.ts_event = 99  # type: ignore[misc]


def test_events_are_equal_and_hash_by_value() -> None:
    assert filled(10) == filled(10)
    assert hash(filled(10)) == hash(filled(10))
    assert filled(10) != filled(11)
    assert filled(10) != filled(10, trade_id="T-2")


def test_each_event_type_has_a_distinct_tag() -> None:
    types = {type(e) for e in every_event()}
    tags = {msgspec.inspect.type_info(t).tag for t in types}  # type: ignore[attr-defined]
    assert tags == {t.__name__ for t in types}
    assert len(tags) == len(types) == 20


def test_order_initialized_defaults() -> None:
    init = OrderInitialized(
        ts_event=1,
        ts_init=1,
        strategy_id=STRATEGY,
        instrument_id=AAPL,
        client_order_id=COID,
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Quantity.of(1),
    )
    assert init.time_in_force is TimeInForce.GTC
    assert init.price is None and init.trigger_price is None
    assert init.trigger_type is TriggerType.DEFAULT
    assert init.expire_time_ns == 0
    assert not init.post_only and not init.reduce_only
    assert init.contingency_type is ContingencyType.NONE
    assert init.linked_order_ids == () and init.tags == ()
    assert init.parent_order_id is None and init.order_list_id is None


def test_events_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        OrderFilled(1, 2)  # type: ignore[misc]


def test_replace_builds_a_changed_copy() -> None:
    init = initialized()
    changed = msgspec.structs.replace(init, quantity=Quantity.of(5))
    assert changed.quantity == Quantity.of(5)
    assert init.quantity == Quantity.of(100)


def test_position_closed_adds_its_close_time() -> None:
    closed = next(e for e in every_event() if isinstance(e, PositionClosed))
    assert closed.ts_closed == 9
    assert closed.signed_qty == Decimal(0)
    assert isinstance(closed, PositionEvent)


def test_account_state_balances_are_consistent_in_the_fixture() -> None:
    state = next(e for e in every_event() if isinstance(e, AccountState))
    for balance in state.balances:
        assert balance.total - balance.locked == balance.free
        assert balance.total.currency == balance.currency
