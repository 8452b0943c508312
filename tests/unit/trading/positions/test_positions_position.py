"""Position accounting: average cost, realised P&L on reducing fills, flips, commissions, marks."""

from __future__ import annotations

from decimal import Decimal

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
from nautilus_platform.model.enums import LiquiditySide, OrderSide, OrderType, PositionSide
from nautilus_platform.model.events import OrderFilled, PositionChanged, PositionClosed, PositionOpened
from nautilus_platform.model.instruments import Future
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.positions import Position

B = 1_000_000_000
ES = Future(
    id=InstrumentId("ES.CME"), price_precision=2, size_precision=0, tick_size=Price.of("0.25"),
    lot_size=Quantity.of(1), quote_currency=USD, multiplier=Quantity.of(50), underlying="ES", expiry_ns=0,
)  # fmt: skip
_trade = iter(range(1, 10**9))


def fill(side: OrderSide, qty: int, px: str, fee: str = "0") -> OrderFilled:
    n = next(_trade)
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=StrategyId("S"), instrument_id=ES.id,
        client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"),
        account_id=AccountId("SIM-001"), trade_id=TradeId(f"T-{n}"), order_side=side, order_type=OrderType.MARKET,
        last_qty=Quantity.of(qty), last_px=Price.of(px, 2), commission=Money.of(fee, USD),
        liquidity_side=LiquiditySide.TAKER,
    )  # fmt: skip


def position() -> Position:
    return Position(PositionId("ES.CME-S"), ES, StrategyId("S"), AccountId("SIM-001"), ClientOrderId("O-1"), 0)


def test_average_price_and_realised_pnl_with_multiplier() -> None:
    pos = position()
    assert pos.apply(fill(OrderSide.BUY, 2, "5000.00", "2.50")) == 0
    assert pos.apply(fill(OrderSide.BUY, 1, "5003.00", "1.25")) == 0
    assert pos.avg_px_open == Decimal("5001")
    assert pos.side is PositionSide.LONG
    realized = pos.apply(fill(OrderSide.SELL, 1, "5010.00"))
    assert realized == (5010 - 5001) * 50 * B  # 450 USD
    assert pos.realized_pnl == Money.of(450, USD)
    assert pos.unrealized_pnl(5000 * B) == Money.of(-100, USD)  # 2 x (5000 - 5001) x 50
    assert pos.commission(USD) == Money.of("3.75", USD)
    assert pos.avg_px_close == Decimal("5010")


def test_flip_in_one_fill_realises_the_closing_part_and_reopens_at_the_fill_price() -> None:
    pos = position()
    pos.apply(fill(OrderSide.BUY, 2, "5000.00"))
    realized = pos.apply(fill(OrderSide.SELL, 5, "5001.00"))
    assert realized == 2 * 1 * 50 * B
    assert pos.side is PositionSide.SHORT
    assert pos.quantity == Quantity.of(3)
    assert pos.avg_px_open == Decimal("5001")
    assert pos.unrealized_pnl(4999 * B) == Money.of(300, USD)


def test_short_position_pnl() -> None:
    pos = position()
    pos.apply(fill(OrderSide.SELL, 3, "5000.00"))
    assert pos.apply(fill(OrderSide.BUY, 3, "4990.25")) == 3 * Decimal("9.75") * 50 * B
    assert pos.is_closed


def test_rounding_is_cumulative_so_booked_amounts_sum_to_the_rounded_total() -> None:
    # Average 5000.0833.. after three buys; each one-lot sale realises a non-cent exact amount.
    pos = position()
    for px in ("5000.00", "5000.00", "5000.25"):
        pos.apply(fill(OrderSide.BUY, 1, px))
    booked = [pos.apply(fill(OrderSide.SELL, 1, "5001.00")) for _ in range(3)]
    assert sum(booked) == pos.realized_raw == (3 * 5001 - 15000.25) * 50 * B
    assert pos.cost_exact == 0


def test_events_follow_the_lifecycle() -> None:
    pos = position()
    f1 = fill(OrderSide.BUY, 1, "5000.00")
    pos.apply(f1)
    assert isinstance(pos.event(f1, True, None), PositionOpened)
    f2 = fill(OrderSide.BUY, 1, "5001.00")
    pos.apply(f2)
    changed = pos.event(f2, False, 5002 * B)
    assert isinstance(changed, PositionChanged)
    assert changed.unrealized_pnl == Money.of(150, USD)
    f3 = fill(OrderSide.SELL, 2, "5002.00")
    pos.apply(f3)
    closed = pos.event(f3, False, None)
    assert isinstance(closed, PositionClosed) and closed.realized_pnl == Money.of(150, USD)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([OrderSide.BUY, OrderSide.SELL]), st.integers(1, 9), st.integers(19_000, 21_000)),
        min_size=1,
        max_size=30,
    )
)
def test_position_equals_sum_of_fills_and_flat_pnl_equals_cash_flows(trades: list[tuple[OrderSide, int, int]]) -> None:
    pos = position()
    signed = 0
    cash = 0  # exact, in quarter ticks x multiplier
    booked = 0
    for side, qty, quarter_ticks in trades:
        px = f"{quarter_ticks / 4:.2f}"
        booked += pos.apply(fill(side, qty, px))
        signed += qty if side is OrderSide.BUY else -qty
        cash += (-1 if side is OrderSide.BUY else 1) * qty * quarter_ticks
    assert pos.signed_raw == signed * B
    assert booked == pos.realized_raw
    # Close out at the last price: then all P&L is realised and equals the exact cash flows.
    last = trades[-1][2]
    if signed:
        side = OrderSide.SELL if signed > 0 else OrderSide.BUY
        booked += pos.apply(fill(side, abs(signed), f"{last / 4:.2f}"))
        cash += signed * last
    assert pos.is_closed and pos.cost_exact == 0
    assert booked * 4 == cash * 50 * B  # cash in quarter points; x50 multiplier


def test_a_closed_position_keeps_the_entry_price_of_what_it_held() -> None:
    """A ``PositionClosed`` (and ``avg_px_open`` when flat) used to report 0, so exported closed
    positions had lost their entry price."""
    pos = position()
    pos.apply(fill(OrderSide.BUY, 2, "5000.00"))
    pos.apply(fill(OrderSide.BUY, 1, "5003.00"))
    pos.apply(fill(OrderSide.SELL, 1, "5010.00"))  # reducing: the entry stays 5001
    last = fill(OrderSide.SELL, 2, "4990.00")
    pos.apply(last)
    event = pos.event(last, opened=False, mark_raw=None)
    assert isinstance(event, PositionClosed)
    assert event.avg_px_open == pos.avg_px_open == Decimal("5001")
    assert event.avg_px_close == Decimal("4996.666666666666666666")  # (5010 + 2 x 4990) / 3
    assert pos.side is PositionSide.FLAT
    assert position().avg_px_open == 0  # nothing held yet
