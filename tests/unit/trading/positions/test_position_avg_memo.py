"""The position event's average-price memo returns exactly what a fresh computation would."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from nautilus_platform.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import Future
from nautilus_platform.model.orders import average_price
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.positions.position import Position, _avg_decimal, _qty_decimal

B = 10**9
CL = Future(
    id=InstrumentId("CL.NYMEX"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, multiplier=Quantity.of(1000), underlying="CL", expiry_ns=0,
)  # fmt: skip

# (side is buy, quantity, price in cents): negative prices too (oil futures traded below zero)
_FILLS = st.lists(st.tuples(st.booleans(), st.integers(1, 7), st.integers(-500, 500)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(_FILLS)
def test_event_figures_equal_a_fresh_computation(fills: list[tuple[bool, int, int]]) -> None:
    """Each event's entry and exit averages and signed quantity (reused from the position's memo or
    the shared cache where unchanged) equal, to the digit, what the raw totals give afresh."""
    position = Position(PositionId("CL-S"), CL, StrategyId("S"), AccountId("A"), ClientOrderId("O-0"), 0)
    for n, (buy, qty, cents) in enumerate(fills, 1):
        event_fill = OrderFilled(
            ts_event=n, ts_init=n, strategy_id=StrategyId("S"), instrument_id=CL.id,
            client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"),
            account_id=AccountId("A"), trade_id=TradeId(f"T-{n}"),
            order_side=OrderSide.BUY if buy else OrderSide.SELL, order_type=OrderType.MARKET,
            last_qty=Quantity.of(qty), last_px=Price(raw=cents * 10**7, precision=2),
            commission=Money.of(0, USD), liquidity_side=LiquiditySide.TAKER,
        )  # fmt: skip
        opened = position.signed_raw == 0
        position.apply(event_fill)
        event = position.event(event_fill, opened, None)
        size = abs(position.signed_raw)
        if size:
            want_open = _avg_decimal(position.cost_exact, size)
        else:
            want_open = _avg_decimal(position._closed_cost, position._closed_qty)
        assert str(event.avg_px_open) == str(want_open) == str(position.avg_px_open)
        want_close = (
            _avg_decimal(position.close_value_exact, position.close_qty_raw) if position.close_qty_raw else None
        )
        assert str(event.avg_px_close) == str(want_close)
        if size:
            assert str(event.signed_qty) == str(_qty_decimal(position.signed_raw)) == str(position.signed_qty)
        if not position.signed_raw:  # a netting position reopens as a new one
            position = Position(PositionId("CL-S"), CL, StrategyId("S"), AccountId("A"), ClientOrderId(f"O-{n}"), n)


def test_averages_and_quantities_ignore_the_threads_decimal_context() -> None:
    """A strategy may narrow the decimal context of its thread; the core's figures stay exact."""
    value, qty = 123_456_789_012_345_678_901_234_567 * 10**18, 10**9  # a 27-digit average, 45 digits in all
    want = Decimal("123456789012345678901234567.000000000000000000")
    with localcontext() as ctx:
        ctx.prec = 3
        assert str(_avg_decimal(value, qty)) == str(want)
        assert str(_qty_decimal(12_345_678_901_234)) == "12345.678901234"
        assert average_price(3 * 100_050_000_000 * 10**9, 3 * 10**9) == Decimal("100.05")


def test_average_fill_price_is_rounded_to_28_digits_half_even() -> None:
    assert average_price(0, 0) is None
    assert average_price(10**9 * 10**9, 3 * 10**9) == Decimal("0.3333333333333333333333333333")
    assert average_price(2 * 10**9 * 10**9, 3 * 10**9) == Decimal("0.6666666666666666666666666667")
