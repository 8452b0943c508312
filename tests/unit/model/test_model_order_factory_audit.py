"""Audit of the order factory: finite offsets, typed enums and ids, linking only distinct fresh orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.model.enums import OrderSide, OrderType, TimeInForce
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import Price, Quantity

AAPL = InstrumentId("AAPL.XNAS")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def factory() -> OrderFactory:
    return OrderFactory(StrategyId("S-1"), SimulatedClock(1_000))


@pytest.mark.parametrize("offset", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")])
def test_trailing_offset_must_be_finite(offset: Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_market(AAPL, SELL, Quantity.of(1), offset)
    assert info.value.field == "trailing_offset"


@pytest.mark.parametrize("limit", [Decimal("NaN"), Decimal("Infinity")])
def test_limit_offset_must_be_finite(limit: Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_limit(AAPL, SELL, Quantity.of(1), Decimal("1"), limit)
    assert info.value.field == "limit_offset"


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((AAPL, BUY, 2, Quantity.of(1)), {"price": Price.of(10)}, "order_type"),
        ((AAPL, BUY, "LIMIT", Quantity.of(1)), {"price": Price.of(10)}, "order_type"),
        ((AAPL, BUY, OrderType.LIMIT, Quantity.of(1)), {"price": Price.of(10), "time_in_force": 1}, "time_in_force"),
        ((AAPL, BUY, OrderType.LIMIT, Quantity.of(1)), {"price": Price.of(10), "trigger_type": 99}, "trigger_type"),
        (("AAPL", BUY, OrderType.MARKET, Quantity.of(1)), {}, "instrument_id"),
        (
            (AAPL, BUY, OrderType.LIMIT, Quantity.of(1)),
            {"price": Price.of(10), "time_in_force": TimeInForce.GTD, "expire_time_ns": 2_000.5},
            "expire_time_ns",
        ),
    ],
)
def test_create_refuses_untyped_fields(args: tuple[Any, ...], kwargs: dict[str, Any], field: str) -> None:
    # Interpreted: a ValidationError naming the field. Compiled (make compiled): mypyc may refuse a
    # value of the wrong type at the call boundary with its own TypeError first.
    with pytest.raises((ValidationError, TypeError)) as info:
        factory().create(*args, **kwargs)
    if isinstance(info.value, ValidationError):
        assert info.value.field == field


@pytest.mark.parametrize("link", ["oco", "ouo", "oto"])
def test_an_order_cannot_be_linked_to_itself(link: str) -> None:
    f = factory()
    order = f.limit(AAPL, BUY, Quantity.of(1), Price.of(10))
    with pytest.raises(ValidationError) as info:
        getattr(f, link)(order, order)
    assert info.value.field == "order"


@pytest.mark.parametrize("link", ["oco", "ouo", "oto"])
def test_an_order_already_in_a_list_is_not_relinked(link: str) -> None:
    f = factory()
    first, _second = f.oco(
        f.limit(AAPL, BUY, Quantity.of(1), Price.of(9)), f.limit(AAPL, SELL, Quantity.of(1), Price.of(11))
    ).orders
    third = f.limit(AAPL, SELL, Quantity.of(1), Price.of(12))
    with pytest.raises(ValidationError) as info:
        getattr(f, link)(first, third)  # would leave ``_second`` linked to an order that no longer links back
    assert info.value.field == "order"


def test_bracket_prices_must_be_prices() -> None:
    with pytest.raises(ValidationError) as info:
        factory().bracket(AAPL, BUY, Quantity.of(1), Price.of(11), None)  # type: ignore[arg-type]
    assert info.value.field == "stop_loss"


def test_fresh_distinct_orders_still_link() -> None:
    f = factory()
    a, b = f.limit(AAPL, BUY, Quantity.of(1), Price.of(9)), f.limit(AAPL, SELL, Quantity.of(1), Price.of(11))
    assert [o.client_order_id for o in f.oco(a, b).orders] == [a.client_order_id, b.client_order_id]
    assert len(f.oto(a, b).orders) == 2
