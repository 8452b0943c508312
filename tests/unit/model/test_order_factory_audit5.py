"""Audit 5 of the order factory: trailing offsets that fit their type, and which orders are
marked validated (the risk engine checks the others on submit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.model.enums import OrderSide, OrderType, TrailingOffsetType
from nautilus_platform.model.order_factory import OrderFactory, validate_order
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity

AAPL = InstrumentId("AAPL.XNAS")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
TICKS, BPS, PRICE = TrailingOffsetType.TICKS, TrailingOffsetType.BASIS_POINTS, TrailingOffsetType.PRICE


def factory(validate: bool = True) -> OrderFactory:
    return OrderFactory(StrategyId("S-1"), SimulatedClock(1_000), validate=validate)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


@pytest.mark.parametrize("offset", [Decimal("1.5"), Decimal("0.5"), Decimal("2.000000001")])
def test_a_ticks_offset_that_is_not_a_whole_number_of_ticks_is_refused(offset: Decimal) -> None:
    """Fails before the fix: 1.5 ticks was accepted (and the venue trailed by a fraction of a tick)."""
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_market(AAPL, SELL, qty(1), offset, TICKS)
    assert (info.value.field, info.value.value) == ("trailing_offset", offset)
    assert "whole number of ticks" in info.value.rule


@pytest.mark.parametrize("offset", [Decimal("1"), Decimal("2.0"), Decimal("1E+1")])
def test_a_whole_number_of_ticks_is_accepted(offset: Decimal) -> None:
    order = factory().trailing_stop_market(AAPL, SELL, qty(1), offset, TICKS)
    assert order.init.trailing_offset == offset and order.validated


def test_a_trailing_stop_limit_s_ticks_limit_offset_is_whole_ticks_too() -> None:
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_limit(AAPL, SELL, qty(1), Decimal("2"), Decimal("0.5"), TICKS)
    assert (info.value.field, info.value.value) == ("limit_offset", Decimal("0.5"))
    order = factory().trailing_stop_limit(AAPL, SELL, qty(1), Decimal("2"), Decimal("0"), TICKS)
    assert order.init.limit_offset == 0


def test_a_basis_points_offset_is_positive_and_below_100_percent() -> None:
    """Fails before the fix: 10,000 bps (a sell's stop at zero) was accepted."""
    assert factory().trailing_stop_market(AAPL, SELL, qty(1), Decimal("9999.5"), BPS).validated
    for offset in (Decimal("10000"), Decimal("25000")):
        with pytest.raises(ValidationError) as info:
            factory().trailing_stop_market(AAPL, SELL, qty(1), offset, BPS)
        assert (info.value.field, info.value.value) == ("trailing_offset", offset)
        assert "10000 basis points" in info.value.rule
    for offset in (Decimal("0"), Decimal("-1")):
        with pytest.raises(ValidationError) as info:
            factory().trailing_stop_market(AAPL, SELL, qty(1), offset, BPS)
        assert info.value.field == "trailing_offset"


def test_a_price_offset_is_positive_and_left_to_the_risk_engine_s_tick_check() -> None:
    # the factory does not know the instrument: an offset off a tick grid is refused on submit
    # (``test_exec_audit5``), not here
    assert factory().trailing_stop_market(AAPL, SELL, qty(1), Decimal("0.015"), PRICE).validated
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_market(AAPL, SELL, qty(1), Decimal("-0.01"), PRICE)
    assert info.value.field == "trailing_offset"


@pytest.mark.parametrize("kind", [2, "TICKS"])
def test_the_trailing_offset_type_must_be_the_enum(kind: Any) -> None:
    """Fails before the fix: any non-None value passed (the venue read it as BASIS_POINTS)."""
    with pytest.raises(ValidationError) as info:
        factory().trailing_stop_market(AAPL, SELL, qty(1), Decimal("1"), kind)
    assert (info.value.field, info.value.value) == ("trailing_offset_type", kind)


def test_validate_order_applies_the_same_rules_to_an_order_built_without_validation() -> None:
    order = factory(validate=False).trailing_stop_market(AAPL, SELL, qty(1), Decimal("1.5"), TICKS)
    assert not order.validated
    with pytest.raises(ValidationError) as info:
        validate_order(order.init)
    assert info.value.field == "trailing_offset"


def test_only_orders_the_factory_validated_are_marked_validated() -> None:
    """The risk engine skips ``validate_order`` for these alone (one flag read per submit)."""
    f = factory()
    limit = f.limit(AAPL, BUY, qty(1), Price.of("100.00"))
    assert limit.validated
    assert not Order(limit.init).validated  # built by hand
    assert not factory(validate=False).limit(AAPL, BUY, qty(1), Price.of("100.00")).validated
    linked = f.oco(f.limit(AAPL, SELL, qty(1), Price.of("101.00")), f.stop_market(AAPL, SELL, qty(1), Price.of("99")))
    assert all(order.validated for order in linked.orders)
    raw = factory(validate=False)
    unchecked = raw.oco(
        raw.limit(AAPL, SELL, qty(1), Price.of("101")), raw.stop_market(AAPL, SELL, qty(1), Price.of("99"))
    )
    assert not any(order.validated for order in unchecked.orders)
    bracket = f.bracket(AAPL, BUY, qty(1), take_profit=Price.of("110"), stop_loss=Price.of("90"))
    assert all(order.validated for order in bracket.orders)
    assert {order.order_type for order in bracket.orders} == {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET}
