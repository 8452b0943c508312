"""The execution engine keeps orders, positions and the venue consistent at the edges.

- a refused modify of a held contingent order is answered with ``OrderModifyRejected``;
- a modify sent while a cancel is in flight is rejected and never reaches the venue;
- a venue fill that names another instrument, side or strategy than its order is refused;
- an order (or fill) naming a position of another instrument or strategy is denied (refused);
- a working reduce-only order is cancelled or cut when the position it reduces shrinks;
- a trailing stop-limit sent with its own trigger works with the limit that trigger implies.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
from exec_support import AAPL, MSFT, Harness, px, qty, raw

from nautilus_platform.core.identifiers import StrategyId, TradeId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import DenyReason, LiquiditySide, OmsType, OrderSide, OrderStatus, TradingState
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderModifyRejected,
    OrderUpdated,
)
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig
from nautilus_platform.venues.simulated.latency import LatencyModel

BUY, SELL = OrderSide.BUY, OrderSide.SELL
MS = 1_000_000


def test_a_denied_modify_of_a_held_child_is_answered_with_modify_rejected() -> None:
    h = Harness(RiskLimits(collar_bps=300))
    h.quote("100.00", "100.10")
    f = h.factory
    _, child = h.submit_list(
        f.oto(f.limit(AAPL, BUY, qty(50), px("99.50")), f.limit(AAPL, SELL, qty(50), px("102.00")))
    ).orders
    h.modify(child, price=px("150.00"))  # far outside the collar
    (rejected,) = h.of_type(OrderModifyRejected, child)
    assert rejected.reason.startswith("PRICE_COLLAR")
    assert child.status is OrderStatus.INITIALIZED and child.price == px("102.00")
    assert h.node.execution.refused_events == []
    assert type(list(h.node.journal.entries())[-1][1]) is OrderModifyRejected


def test_a_modify_while_a_cancel_is_in_flight_is_rejected_and_not_sent() -> None:
    latency = LatencyModel(insert_ns=1 * MS, modify_ns=1 * MS, cancel_ns=20 * MS)
    h = Harness(venue=SimulatedVenueConfig(venue_id="SIM", latency_model=latency))
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.advance(h.now + 2 * MS)
    h.cancel(order)
    h.modify(order, price=px("99.50"))
    (rejected,) = h.of_type(OrderModifyRejected, order)
    assert "PENDING_CANCEL" in rejected.reason
    assert order.status is OrderStatus.PENDING_CANCEL
    assert h.node.venues[AAPL.venue].pending_count == 1  # only the cancel
    h.advance(h.now + 30 * MS)
    assert order.status is OrderStatus.CANCELED
    assert h.of_type(OrderUpdated, order) == [] and h.node.execution.refused_events == []


def test_a_fill_contradicting_its_order_is_refused_and_books_nothing() -> None:
    for change in ({"instrument_id": MSFT}, {"order_side": SELL}, {"strategy_id": StrategyId("OTHER-1")}):
        h = Harness(instruments=(AAPL, MSFT))
        h.quote("100.00", "100.10", ask_size=40)
        h.quote("200.00", "200.10", instrument_id=MSFT)
        order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))  # fills 40
        (fill,) = h.of_type(OrderFilled, order)
        bad = msgspec.structs.replace(fill, trade_id=TradeId("SIM-T900"), last_qty=qty(10), **change)
        h.node.execution.on_venue_event(bad)
        ((refused, why),) = h.node.execution.refused_events
        assert refused is bad and next(iter(change)) in why
        assert order.filled_raw == raw(40)
        assert [(p.instrument_id, p.strategy_id, p.signed_raw) for p in h.node.portfolio.open_positions()] == [
            (AAPL, h.factory.strategy_id, raw(40))
        ]


def test_an_order_naming_another_instruments_position_is_denied() -> None:
    h = Harness(instruments=(AAPL, MSFT))
    h.node.portfolio.set_oms_type(h.factory.strategy_id, OmsType.HEDGING)
    h.quote("100.00", "100.00")
    h.quote("300.00", "300.00", instrument_id=MSFT)
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    (position,) = h.node.portfolio.open_positions()
    balance = h.balance_raw()
    order = h.factory.market(MSFT, SELL, qty(10))
    h.node.execute(SubmitOrder(ts_init=h.now, strategy_id=h.factory.strategy_id, order=order, position_id=position.id))
    (denied,) = h.of_type(OrderDenied, order)
    assert denied.reason is DenyReason.INVALID_ORDER and f"is for {AAPL}, not {MSFT}" in denied.message
    assert position.signed_raw == raw(10) and h.balance_raw() == balance


def test_a_fill_naming_another_instruments_position_is_refused() -> None:
    h = Harness(instruments=(AAPL, MSFT))
    h.quote("100.00", "100.10")
    h.quote("300.00", "300.10", instrument_id=MSFT)
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    (position,) = h.node.portfolio.open_positions()
    order = h.submit(h.factory.limit(MSFT, BUY, qty(10), px("290.00")))
    fill = OrderFilled(
        ts_event=h.now, ts_init=h.now, strategy_id=order.strategy_id, instrument_id=MSFT,
        client_order_id=order.client_order_id, venue_order_id=order.venue_order_id, account_id=order.account_id,
        trade_id=TradeId("SIM-T901"), position_id=position.id, order_side=BUY, order_type=order.order_type,
        last_qty=qty(10), last_px=px("290.00"), commission=None, liquidity_side=LiquiditySide.MAKER,
    )  # fmt: skip
    h.node.execution.on_venue_event(fill)
    ((refused, why),) = h.node.execution.refused_events
    assert refused is fill and f"is for {AAPL}, not {MSFT}" in why
    assert order.filled_raw == 0 and position.signed_raw == raw(10)


def test_a_reduce_only_order_is_cancelled_when_its_position_is_closed_by_another_order() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=500, bid_size=500)
    f = h.factory
    h.submit(f.market(AAPL, BUY, qty(100)))
    tp = h.submit(f.limit(AAPL, SELL, qty(100), px("101.00"), reduce_only=True))
    h.submit(f.market(AAPL, SELL, qty(100)))  # flattened by hand
    assert tp.status is OrderStatus.CANCELED and len(h.of_type(OrderCanceled, tp)) == 1
    h.quote("101.00", "101.10", bid_size=500)
    assert h.position_raw() == 0


def test_a_reduce_only_order_is_cut_to_the_position_left() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=500, bid_size=500)
    f = h.factory
    h.submit(f.market(AAPL, BUY, qty(100)))
    tp = h.submit(f.limit(AAPL, SELL, qty(100), px("101.00"), reduce_only=True))
    h.submit(f.market(AAPL, SELL, qty(70)))  # 30 left
    assert tp.status is OrderStatus.ACCEPTED and tp.quantity == qty(30)
    h.quote("101.00", "101.10", bid_size=500)
    assert tp.status is OrderStatus.FILLED and h.position_raw() == 0


def test_a_brackets_exits_are_cut_when_another_order_reduces_its_position() -> None:
    h = Harness()  # default limits: reduce-only enforced, OCO exits counted once
    h.quote("100.00", "100.10", ask_size=500, bid_size=500)
    f = h.factory
    _, take_profit, stop_loss = h.submit_list(
        f.bracket(AAPL, BUY, qty(30), take_profit=px("105.00"), stop_loss=px("95.00"))
    ).orders
    h.submit(f.market(AAPL, SELL, qty(10)))  # it recursed without end here
    assert take_profit.quantity == stop_loss.quantity == qty(20)
    assert take_profit.status is OrderStatus.ACCEPTED and stop_loss.status is OrderStatus.ACCEPTED
    h.quote("105.00", "105.10", bid_size=500)
    assert take_profit.status is OrderStatus.FILLED and stop_loss.status is OrderStatus.CANCELED
    assert h.position_raw() == 0


def test_a_reduce_only_order_whose_cut_is_refused_is_cancelled() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=500, bid_size=500)
    f = h.factory
    h.submit(f.market(AAPL, BUY, qty(30)))
    tp = h.submit(f.limit(AAPL, SELL, qty(30), px("105.00"), reduce_only=True))
    sell = h.submit(f.limit(AAPL, SELL, qty(10), px("100.50")))  # rests, not reduce-only
    h.node.risk.set_trading_state(TradingState.HALTED)  # every modify is denied from now on
    h.quote("100.50", "100.60", bid_size=500)  # the plain sell fills: 20 left, the cut is refused
    assert sell.status is OrderStatus.FILLED and h.position_raw() == raw(20)
    assert tp.status is OrderStatus.CANCELED
    (canceled,) = h.of_type(OrderCanceled, tp)
    assert canceled.reason == "reduce-only: the cut to 20 was refused"
    assert h.of_type(OrderModifyRejected, tp)  # the refusal is reported, once
    assert len(h.of_type(OrderModifyRejected, tp)) == 1


def test_a_trailing_stop_limit_with_its_own_trigger_fills_at_its_limit() -> None:
    for side, trigger, limit, through in (
        (SELL, "99.50", "99.00", ("99.40", "99.50")),
        (BUY, "100.60", "101.10", ("100.60", "100.70")),
    ):
        h = Harness(RiskLimits(check_reduce_only=False))
        h.quote("100.00", "100.10")
        order = h.submit(
            h.factory.trailing_stop_limit(AAPL, side, qty(1), Decimal("1"), Decimal("0.5"), trigger_price=px(trigger))
        )
        assert order.status is OrderStatus.ACCEPTED and order.price == px(limit)
        h.quote(*through)
        assert order.status is OrderStatus.FILLED


def test_routing_a_held_order_on_a_node_without_routing_leaves_the_held_order_alone() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=500, bid_size=500)
    f = h.factory
    entry, take_profit, _ = h.submit_list(
        f.bracket(AAPL, BUY, qty(30), take_profit=px("105.00"), stop_loss=px("95.00"), entry_price=px("99.00"))
    ).orders
    assert take_profit.status is OrderStatus.INITIALIZED  # held until the entry fills
    h.node.execute(
        SubmitOrder(ts_init=h.node.clock.timestamp_ns(), strategy_id=f.strategy_id, order=take_profit,
                    route=RoutingInstruction())
    )  # fmt: skip
    (denied,) = h.of_type(OrderDenied, take_profit)
    assert denied.reason is DenyReason.NO_VENUE
    assert take_profit.status is OrderStatus.INITIALIZED  # still held, not DENIED
    h.quote("98.90", "99.00", ask_size=500, bid_size=500)  # the entry fills: the exits are released
    assert entry.status is OrderStatus.FILLED and take_profit.status is OrderStatus.ACCEPTED
