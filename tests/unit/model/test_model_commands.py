"""Commands validate when built: wrong types, missing changes, non-initialized or foreign orders."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from model_support import AAPL, COID, STRATEGY, every_command, factory, px, qty, submitted

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, OrderListId, StrategyId
from nautilus_platform.model.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.events import OrderSubmitted
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Quantity

OTHER = StrategyId("OTHER-1")


def test_every_command_builds() -> None:
    commands = every_command()
    assert {type(c) for c in commands} == {SubmitOrder, SubmitOrderList, ModifyOrder, CancelOrder, CancelAllOrders}
    assert all(isinstance(c, Command) and c.strategy_id == STRATEGY for c in commands)


# -- SubmitOrder -------------------------------------------------------------------------------------


def test_submit_order_requires_a_strategy_id_type() -> None:
    order = factory().market(AAPL, OrderSide.BUY, qty(1))
    with pytest.raises(ValidationError) as info:
        SubmitOrder(strategy_id="EMA-1", ts_init=1, order=order)  # type: ignore[arg-type]
    assert info.value.field == "strategy_id"


def test_submit_order_requires_an_order() -> None:
    with pytest.raises(ValidationError) as info:
        SubmitOrder(strategy_id=STRATEGY, ts_init=1, order="order")  # type: ignore[arg-type]
    assert info.value.field == "order"


def test_submit_order_requires_the_same_strategy() -> None:
    order = factory().market(AAPL, OrderSide.BUY, qty(1))
    with pytest.raises(ValidationError) as info:
        SubmitOrder(strategy_id=OTHER, ts_init=1, order=order)
    assert info.value.field == "order.strategy_id"


def _submitted_for(order: Order) -> OrderSubmitted:
    return msgspec.structs.replace(submitted(), client_order_id=order.client_order_id, strategy_id=order.strategy_id)


def test_submit_order_requires_an_initialized_order() -> None:
    order = factory().market(AAPL, OrderSide.BUY, qty(1))
    order.apply(_submitted_for(order))
    with pytest.raises(ValidationError) as info:
        SubmitOrder(strategy_id=STRATEGY, ts_init=1, order=order)
    assert info.value.field == "order.status"
    assert info.value.value == "SUBMITTED"


# -- SubmitOrderList ---------------------------------------------------------------------------------


def orders(n: int = 2) -> tuple[Any, ...]:
    fac = factory()
    return tuple(fac.limit(AAPL, OrderSide.BUY, qty(1), px("100")) for _ in range(n))


def test_submit_order_list_accepts_distinct_initialized_orders() -> None:
    command = SubmitOrderList(strategy_id=STRATEGY, ts_init=1, order_list_id=OrderListId("OL-1"), orders=orders(3))
    assert len(command.orders) == 3


@pytest.mark.parametrize("count", [0, 1])
def test_submit_order_list_needs_two_orders(count: int) -> None:
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id=STRATEGY, ts_init=1, order_list_id=OrderListId("OL-1"), orders=orders(count))
    assert info.value.field == "orders"


def test_submit_order_list_rejects_duplicates_foreign_and_non_orders() -> None:
    one = orders(1)[0]
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id=STRATEGY, ts_init=1, order_list_id=OrderListId("OL-1"), orders=(one, one))
    assert info.value.field == "orders"
    assert "duplicate" in info.value.rule
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id=OTHER, ts_init=1, order_list_id=OrderListId("OL-1"), orders=orders())
    assert info.value.field == "orders[].strategy_id"
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id=STRATEGY, ts_init=1, order_list_id=OrderListId("OL-1"), orders=(one, "x"))  # type: ignore[arg-type]
    assert info.value.field == "orders[]"
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id="S", ts_init=1, order_list_id=OrderListId("OL-1"), orders=orders())  # type: ignore[arg-type]
    assert info.value.field == "strategy_id"


def test_submit_order_list_rejects_a_non_initialized_order() -> None:
    first, second = orders()
    second.apply(_submitted_for(second))
    with pytest.raises(ValidationError) as info:
        SubmitOrderList(strategy_id=STRATEGY, ts_init=1, order_list_id=OrderListId("OL-1"), orders=(first, second))
    assert info.value.field == "orders[].status"


# -- ModifyOrder / CancelOrder / CancelAllOrders -------------------------------------------------------


def modify(**changes: Any) -> ModifyOrder:
    fields: dict[str, Any] = {"strategy_id": STRATEGY, "ts_init": 1, "instrument_id": AAPL, "client_order_id": COID}
    fields.update(changes)
    return ModifyOrder(**fields)


def test_modify_order_accepts_any_one_change() -> None:
    assert modify(quantity=qty(5)).quantity == qty(5)
    assert modify(price=px("-1")).price == px("-1")  # the instrument decides whether negative prices trade
    assert modify(trigger_price=px("99")).trigger_price == px("99")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "quantity/price/trigger_price"),
        ({"quantity": Quantity.zero()}, "quantity"),
        ({"quantity": 5}, "quantity"),
        ({"price": "100"}, "price"),
        ({"trigger_price": 99}, "trigger_price"),
        ({"price": qty(1)}, "price"),  # a Quantity is not a Price
        ({"quantity": px("1")}, "quantity"),
        ({"quantity": qty(1), "strategy_id": "S"}, "strategy_id"),
        ({"quantity": qty(1), "instrument_id": "AAPL.XNAS"}, "instrument_id"),
        ({"quantity": qty(1), "client_order_id": "O-1"}, "client_order_id"),
    ],
)
def test_modify_order_rejects(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        modify(**changes)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strategy_id": "S"}, "strategy_id"),
        ({"instrument_id": "AAPL.XNAS"}, "instrument_id"),
        ({"client_order_id": "O-1"}, "client_order_id"),
    ],
)
def test_cancel_order_rejects_plain_strings(changes: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {"strategy_id": STRATEGY, "ts_init": 1, "instrument_id": AAPL, "client_order_id": COID}
    fields.update(changes)
    with pytest.raises(ValidationError) as info:
        CancelOrder(**fields)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strategy_id": "S"}, "strategy_id"),
        ({"instrument_id": "AAPL.XNAS"}, "instrument_id"),
        ({"order_side": 1}, "order_side"),
        ({"order_side": "BUY"}, "order_side"),
    ],
)
def test_cancel_all_orders_rejects(changes: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {"strategy_id": STRATEGY, "ts_init": 1, "instrument_id": AAPL}
    fields.update(changes)
    with pytest.raises(ValidationError) as info:
        CancelAllOrders(**fields)
    assert info.value.field == field


def test_cancel_all_orders_side_is_optional() -> None:
    command = CancelAllOrders(strategy_id=STRATEGY, ts_init=1, instrument_id=InstrumentId("MSFT.XNAS"))
    assert command.order_side is None
    assert (
        CancelAllOrders(strategy_id=STRATEGY, ts_init=1, instrument_id=AAPL, order_side=OrderSide.SELL).order_side
        is OrderSide.SELL
    )


def test_commands_are_immutable() -> None:
    command = CancelOrder(strategy_id=STRATEGY, ts_init=1, instrument_id=AAPL, client_order_id=COID)
    with pytest.raises(AttributeError):
        command.ts_init = 2  # type: ignore[misc]
