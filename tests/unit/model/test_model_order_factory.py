"""OrderFactory: every order type, time in force, flags, and linked lists (bracket, OCO, OTO)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from model_support import AAPL, STRATEGY, factory, px, qty

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import ClientOrderId, OrderListId
from nautilus_platform.model.enums import (
    ContingencyType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.order_factory import OrderFactory, validate_order
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_ids_are_unique_sequential_and_stamped_by_the_clock() -> None:
    clock = SimulatedClock(5_000)
    fac = OrderFactory(STRATEGY, clock)
    first = fac.market(AAPL, BUY, qty(1))
    clock.set_time(6_000)
    second = fac.market(AAPL, SELL, qty(1))
    assert (first.client_order_id, second.client_order_id) == ("O-EMA-1-1", "O-EMA-1-2")
    assert type(first.client_order_id) is ClientOrderId
    assert (first.init.ts_init, second.init.ts_event) == (5_000, 6_000)
    assert first.strategy_id == STRATEGY and first.status is OrderStatus.INITIALIZED
    assert fac.next_list_id() == OrderListId("OL-EMA-1-1")


def test_market() -> None:
    order = factory().market(AAPL, BUY, qty(10), time_in_force=TimeInForce.IOC, reduce_only=True, tags=("x",))
    assert order.order_type is OrderType.MARKET
    assert order.price is None and order.trigger_price is None
    assert order.time_in_force is TimeInForce.IOC
    assert order.reduce_only and order.init.tags == ("x",)


def test_limit_with_post_only() -> None:
    order = factory().limit(AAPL, SELL, qty(10), px("101.25"), post_only=True)
    assert (order.order_type, order.price, order.post_only) == (OrderType.LIMIT, px("101.25"), True)


def test_stop_market() -> None:
    order = factory().stop_market(AAPL, SELL, qty(10), px("95"), trigger_type=TriggerType.LAST)
    assert order.order_type is OrderType.STOP_MARKET
    assert order.trigger_price == px("95") and order.price is None
    assert order.init.trigger_type is TriggerType.LAST


def test_stop_limit() -> None:
    order = factory().stop_limit(AAPL, BUY, qty(10), price=px("105.10"), trigger_price=px("105"))
    assert (order.order_type, order.price, order.trigger_price) == (OrderType.STOP_LIMIT, px("105.10"), px("105"))


def test_market_if_touched() -> None:
    order = factory().market_if_touched(AAPL, BUY, qty(10), px("95"), trigger_type=TriggerType.MID)
    assert (order.order_type, order.trigger_price, order.price) == (OrderType.MARKET_IF_TOUCHED, px("95"), None)


def test_limit_if_touched() -> None:
    order = factory().limit_if_touched(AAPL, BUY, qty(10), price=px("95.05"), trigger_price=px("95"))
    assert (order.order_type, order.price, order.trigger_price) == (OrderType.LIMIT_IF_TOUCHED, px("95.05"), px("95"))


@pytest.mark.parametrize(
    ("offset", "offset_type"),
    [
        (Decimal("0.50"), TrailingOffsetType.PRICE),
        (Decimal("5"), TrailingOffsetType.TICKS),
        (Decimal("25"), TrailingOffsetType.BASIS_POINTS),
    ],
)
def test_trailing_stop_market_offsets(offset: Decimal, offset_type: TrailingOffsetType) -> None:
    order = factory().trailing_stop_market(AAPL, SELL, qty(10), offset, offset_type)
    assert order.order_type is OrderType.TRAILING_STOP_MARKET
    assert (order.init.trailing_offset, order.init.trailing_offset_type) == (offset, offset_type)
    assert order.trigger_price is None  # set by the venue when it activates


def test_trailing_stop_market_with_an_initial_trigger() -> None:
    order = factory().trailing_stop_market(AAPL, SELL, qty(10), Decimal("1"), trigger_price=px("99"))
    assert order.trigger_price == px("99")


@pytest.mark.parametrize("offset_type", list(TrailingOffsetType))
def test_trailing_stop_limit(offset_type: TrailingOffsetType) -> None:
    order = factory().trailing_stop_limit(AAPL, BUY, qty(10), Decimal("3"), Decimal("0"), offset_type)
    assert order.order_type is OrderType.TRAILING_STOP_LIMIT
    assert order.init.limit_offset == Decimal(0)
    assert order.init.trailing_offset_type is offset_type
    assert order.price is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trailing_offset": Decimal(0), "limit_offset": Decimal(1)}, "trailing_offset"),
        ({"trailing_offset": Decimal(-1), "limit_offset": Decimal(1)}, "trailing_offset"),
        ({"trailing_offset": 0.5, "limit_offset": Decimal(1)}, "trailing_offset"),  # not a Decimal
        ({"trailing_offset": Decimal(1), "limit_offset": Decimal(-1)}, "limit_offset"),
        ({"trailing_offset": Decimal(1), "limit_offset": None}, "limit_offset"),
        (
            {"trailing_offset": Decimal(1), "limit_offset": Decimal(1), "trailing_offset_type": None},
            "trailing_offset_type",
        ),
    ],
)
def test_trailing_stop_limit_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_limit(AAPL, BUY, qty(1), **kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("order_type", "kwargs", "field"),
    [
        (OrderType.LIMIT, {}, "price"),
        (OrderType.STOP_LIMIT, {"trigger_price": px("1")}, "price"),
        (OrderType.LIMIT_IF_TOUCHED, {"trigger_price": px("1")}, "price"),
        (OrderType.MARKET, {"price": px("1")}, "price"),
        (OrderType.STOP_MARKET, {"price": px("1"), "trigger_price": px("1")}, "price"),
        (OrderType.STOP_MARKET, {}, "trigger_price"),
        (OrderType.STOP_LIMIT, {"price": px("1")}, "trigger_price"),
        (OrderType.MARKET_IF_TOUCHED, {}, "trigger_price"),
        (OrderType.LIMIT, {"price": px("1"), "trigger_price": px("1")}, "trigger_price"),
        (OrderType.LIMIT, {"price": px("0")}, "price"),
        (OrderType.LIMIT, {"price": px("-1")}, "price"),
        (OrderType.STOP_MARKET, {"trigger_price": px("0")}, "trigger_price"),
        (OrderType.LIMIT, {"price": Decimal("1")}, "price"),
        (OrderType.TRAILING_STOP_MARKET, {}, "trailing_offset"),
        (OrderType.TRAILING_STOP_MARKET, {"trailing_offset": Decimal(1)}, "trailing_offset_type"),
    ],
)
def test_create_validates_prices_per_type(order_type: OrderType, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        factory().create(AAPL, BUY, order_type, qty(1), **kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("quantity", [Quantity.zero(), 5, Price.of("1")])
def test_quantity_must_be_a_positive_quantity(quantity: Any) -> None:
    with pytest.raises(ValidationError) as info:
        factory().market(AAPL, BUY, quantity)
    assert info.value.field == "quantity"


def test_side_must_be_an_order_side() -> None:
    with pytest.raises(ValidationError) as info:
        factory().market(AAPL, 1, qty(1))  # type: ignore[arg-type]
    assert info.value.field == "side"


# -- time in force -------------------------------------------------------------------------------


@pytest.mark.parametrize("tif", [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY])
def test_time_in_force_without_expiry(tif: TimeInForce) -> None:
    assert factory().limit(AAPL, BUY, qty(1), px("1"), time_in_force=tif).time_in_force is tif
    assert factory().market(AAPL, BUY, qty(1), time_in_force=tif).time_in_force is tif


def test_gtd_requires_an_expiry_after_creation() -> None:
    order = factory(ts=1_000).limit(AAPL, BUY, qty(1), px("1"), time_in_force=TimeInForce.GTD, expire_time_ns=2_000)
    assert order.expire_time_ns == 2_000
    for expiry in (0, 1_000, 999):
        with pytest.raises(ValidationError) as info:
            factory(ts=1_000).limit(AAPL, BUY, qty(1), px("1"), time_in_force=TimeInForce.GTD, expire_time_ns=expiry)
        assert info.value.field == "expire_time_ns"


def test_stop_orders_may_be_gtd() -> None:
    order = factory(ts=1).stop_market(AAPL, SELL, qty(1), px("1"), time_in_force=TimeInForce.GTD, expire_time_ns=9)
    assert order.time_in_force is TimeInForce.GTD


@pytest.mark.parametrize("tif", [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY])
def test_only_gtd_orders_have_an_expiry(tif: TimeInForce) -> None:
    with pytest.raises(ValidationError) as info:
        factory().limit(AAPL, BUY, qty(1), px("1"), time_in_force=tif, expire_time_ns=10**12)
    assert info.value.field == "expire_time_ns"


def test_market_orders_cannot_be_gtd() -> None:
    with pytest.raises(ValidationError) as info:
        factory(ts=1).create(AAPL, BUY, OrderType.MARKET, qty(1), time_in_force=TimeInForce.GTD, expire_time_ns=10)
    assert info.value.field == "time_in_force"


# -- flags ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
def test_post_only_cannot_take_liquidity_immediately(tif: TimeInForce) -> None:
    with pytest.raises(ValidationError) as info:
        factory().limit(AAPL, BUY, qty(1), px("1"), time_in_force=tif, post_only=True)
    assert info.value.field == "post_only"


def test_post_only_is_for_limit_orders_only() -> None:
    with pytest.raises(ValidationError) as info:
        factory().create(AAPL, BUY, OrderType.STOP_LIMIT, qty(1), price=px("1"), trigger_price=px("1"), post_only=True)
    assert info.value.field == "post_only"


def test_reduce_only_on_every_helper() -> None:
    fac = factory()
    orders = [
        fac.market(AAPL, SELL, qty(1), reduce_only=True),
        fac.limit(AAPL, SELL, qty(1), px("1"), reduce_only=True),
        fac.stop_market(AAPL, SELL, qty(1), px("1"), reduce_only=True),
        fac.stop_limit(AAPL, SELL, qty(1), px("1"), px("1"), reduce_only=True),
        fac.market_if_touched(AAPL, SELL, qty(1), px("1"), reduce_only=True),
        fac.limit_if_touched(AAPL, SELL, qty(1), px("1"), px("1"), reduce_only=True),
        fac.trailing_stop_market(AAPL, SELL, qty(1), Decimal(1), reduce_only=True),
        fac.trailing_stop_limit(AAPL, SELL, qty(1), Decimal(1), Decimal(1), reduce_only=True),
    ]
    assert all(o.reduce_only for o in orders)
    assert {o.order_type for o in orders} == set(OrderType)
    assert len({o.client_order_id for o in orders}) == len(orders)


def test_validation_can_be_turned_off() -> None:
    fac = OrderFactory(STRATEGY, SimulatedClock(), validate=False)
    order = fac.create(AAPL, BUY, OrderType.LIMIT, qty(1))  # no price: would be refused
    assert order.price is None
    with pytest.raises(ValidationError):
        validate_order(order.init)


def test_explicit_client_order_id_is_used() -> None:
    order = factory().market(AAPL, BUY, qty(1))
    again = factory().create(AAPL, BUY, OrderType.MARKET, qty(1), client_order_id=ClientOrderId("MINE"))
    assert again.client_order_id == "MINE" and order.client_order_id != "MINE"


# -- linked orders -----------------------------------------------------------------------------------


def test_buy_bracket_links_entry_take_profit_and_stop_loss() -> None:
    fac = factory()
    bracket = fac.bracket(AAPL, BUY, qty(10), take_profit=px("110"), stop_loss=px("90"), entry_price=px("100"))
    entry, tp, sl = bracket.orders
    assert entry.order_type is OrderType.LIMIT and entry.price == px("100")
    assert (tp.order_type, tp.side, tp.price, tp.reduce_only) == (OrderType.LIMIT, SELL, px("110"), True)
    assert (sl.order_type, sl.side, sl.trigger_price, sl.reduce_only) == (OrderType.STOP_MARKET, SELL, px("90"), True)
    assert entry.init.contingency_type is ContingencyType.OTO
    assert entry.linked_order_ids == (tp.client_order_id, sl.client_order_id)
    assert tp.init.contingency_type is ContingencyType.OCO and tp.linked_order_ids == (sl.client_order_id,)
    assert sl.init.contingency_type is ContingencyType.OCO and sl.linked_order_ids == (tp.client_order_id,)
    assert tp.parent_order_id == entry.client_order_id == sl.parent_order_id
    assert entry.parent_order_id is None
    assert {o.init.order_list_id for o in bracket.orders} == {bracket.order_list_id}
    assert [o.init.tags for o in bracket.orders] == [("ENTRY",), ("TAKE_PROFIT",), ("STOP_LOSS",)]
    assert all(o.quantity == qty(10) for o in bracket.orders)


def test_sell_bracket_with_market_entry() -> None:
    bracket = factory().bracket(AAPL, SELL, qty(5), take_profit=px("90"), stop_loss=px("110"))
    entry, tp, sl = bracket.orders
    assert entry.order_type is OrderType.MARKET and entry.price is None
    assert tp.side is BUY and sl.side is BUY


@pytest.mark.parametrize(
    ("side", "tp", "sl", "entry"),
    [
        (BUY, "90", "110", None),  # exits inverted
        (BUY, "110", "90", "120"),  # entry above take-profit
        (BUY, "110", "90", "90"),  # entry on the stop
        (SELL, "110", "90", None),
        (SELL, "90", "110", "80"),
    ],
)
def test_bracket_rejects_misordered_prices(side: OrderSide, tp: str, sl: str, entry: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        factory().bracket(
            AAPL, side, qty(1), take_profit=px(tp), stop_loss=px(sl), entry_price=None if entry is None else px(entry)
        )
    assert info.value.field == "stop_loss/take_profit"


def test_oco_links_both_ways_and_keeps_the_originals_untouched() -> None:
    fac = factory()
    a = fac.limit(AAPL, SELL, qty(1), px("110"))
    b = fac.stop_market(AAPL, SELL, qty(1), px("90"))
    linked = fac.oco(a, b)
    x, y = linked.orders
    assert isinstance(x, Order) and x is not a
    assert x.client_order_id == a.client_order_id and y.client_order_id == b.client_order_id
    assert x.init.contingency_type is y.init.contingency_type is ContingencyType.OCO
    assert x.linked_order_ids == (b.client_order_id,) and y.linked_order_ids == (a.client_order_id,)
    assert x.init.order_list_id == y.init.order_list_id == linked.order_list_id
    assert a.init.contingency_type is ContingencyType.NONE and a.linked_order_ids == ()


def test_oto_holds_the_child_under_the_parent() -> None:
    fac = factory()
    parent = fac.limit(AAPL, BUY, qty(1), px("100"))
    child = fac.limit(AAPL, SELL, qty(1), px("110"))
    linked = fac.oto(parent, child)
    p, c = linked.orders
    assert p.init.contingency_type is ContingencyType.OTO
    assert p.linked_order_ids == (child.client_order_id,)
    assert c.parent_order_id == parent.client_order_id
    assert c.init.contingency_type is ContingencyType.NONE
    assert p.init.order_list_id == c.init.order_list_id == linked.order_list_id
    assert fac.oco(parent, child).order_list_id != linked.order_list_id
