"""Every order type end to end through ``TradingNode``: risk, routing, matching, positions."""

from __future__ import annotations

from decimal import Decimal

from exec_support import AAPL, DAY_NS, SECOND_NS, T0, Harness, px, qty, raw

from nautilus_platform.model.enums import LiquiditySide, OrderSide, OrderStatus, TimeInForce, TrailingOffsetType
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
    PositionOpened,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


# -- market -----------------------------------------------------------------------------------
def test_market_order_fills_at_the_ask_and_opens_a_position() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=500)
    order = h.submit(h.factory.market(AAPL, BUY, qty(100)))
    assert order.status is OrderStatus.FILLED
    assert h.kinds(order) == ["OrderSubmitted", "OrderAccepted", "OrderFilled"]
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.last_px == px("100.10") and fill.last_qty == qty(100)
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert h.position_raw() == raw(100)
    assert len(h.of_type(PositionOpened)) == 1


def test_market_order_walks_l1_size_and_cancels_the_rest_when_liquidity_runs_out() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=60)
    order = h.submit(h.factory.market(AAPL, BUY, qty(100)))
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == qty(60)
    (cancel,) = h.of_type(OrderCanceled, order)
    assert "no more liquidity" in cancel.reason
    assert h.position_raw() == raw(60)
    # the consumed liquidity stays consumed until the next quote: a second market order gets nothing
    second = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    assert second.status is OrderStatus.CANCELED and second.filled_raw == 0
    # a new quote refreshes the level and the next order fills
    h.quote("100.00", "100.20", ask_size=60)
    third = h.submit(h.factory.market(AAPL, BUY, qty(40)))
    assert third.status is OrderStatus.FILLED and third.avg_px == Decimal("100.20")
    assert h.position_raw() == raw(100)


def test_market_order_against_an_empty_level_is_canceled_unfilled() -> None:
    h = Harness()
    h.quote("100.00", "100.10", bid_size=0, ask_size=0)
    order = h.submit(h.factory.market(AAPL, SELL, qty(10)))
    assert order.status is OrderStatus.CANCELED  # not stuck open
    assert order.filled_raw == 0
    assert not h.node.cache.orders_open()
    assert h.position_raw() == 0


def test_limit_partially_fills_then_rests_and_completes_on_the_next_quote() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=60)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == qty(60)
    h.quote("100.00", "100.05", ask_size=100)  # the market moves through the resting remainder
    assert order.status is OrderStatus.FILLED
    fills = h.of_type(OrderFilled, order)
    assert [(f.last_qty, f.last_px, f.liquidity_side) for f in fills] == [
        (qty(60), px("100.10"), LiquiditySide.TAKER),
        (qty(40), px("100.10"), LiquiditySide.MAKER),  # a resting order fills at its own limit
    ]
    assert h.position_raw() == raw(100)


def test_ioc_limit_takes_what_it_can_and_cancels_the_rest() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=30)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.20"), time_in_force=TimeInForce.IOC))
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == qty(30)
    assert not h.node.cache.orders_open()
    h.quote("100.00", "100.05", ask_size=100)
    assert order.filled_qty == qty(30)  # nothing rests
    assert h.position_raw() == raw(30)


def test_resting_limit_fills_when_quotes_move_through_it() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(50), px("99.50")))
    assert order.status is OrderStatus.ACCEPTED
    assert h.node.cache.orders_open() == [order]
    h.quote("99.60", "99.70")
    assert order.status is OrderStatus.ACCEPTED  # not yet
    h.quote("99.30", "99.40")
    assert order.status is OrderStatus.FILLED
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.last_px == px("99.50") and fill.liquidity_side is LiquiditySide.MAKER
    assert not h.node.cache.orders_open()


def test_resting_limit_fills_on_a_trade_through_but_not_at_touch() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, SELL, qty(20), px("101.00")))
    h.trade("101.00")
    assert order.status is OrderStatus.ACCEPTED  # touch only, fill_at_touch is off
    h.trade("101.01")
    assert order.status is OrderStatus.FILLED
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.last_px == px("101.00") and fill.last_qty == qty(20)
    assert h.position_raw() == -raw(20)


# -- stops and touched orders -----------------------------------------------------------------
def test_stop_market_triggers_on_the_bid_and_fills_at_market() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.stop_market(AAPL, SELL, qty(10), px("99.00")))
    assert order.status is OrderStatus.ACCEPTED
    h.quote("99.50", "99.60")
    assert order.status is OrderStatus.ACCEPTED
    h.quote("98.90", "99.00")
    assert order.status is OrderStatus.FILLED
    assert h.kinds(order) == ["OrderSubmitted", "OrderAccepted", "OrderTriggered", "OrderFilled"]
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.last_px == px("98.90") and fill.liquidity_side is LiquiditySide.TAKER
    assert h.position_raw() == -raw(10)


def test_stop_limit_triggers_then_rests_at_its_limit_until_the_market_comes_back() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.stop_limit(AAPL, BUY, qty(10), price=px("101.05"), trigger_price=px("101.00")))
    h.quote("100.90", "101.00")  # touches the trigger, but the ask is at or below the limit: fills at once
    assert order.status is OrderStatus.FILLED
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.last_px == px("101.00")

    gap = h.submit(h.factory.stop_limit(AAPL, BUY, qty(10), price=px("101.55"), trigger_price=px("101.50")))
    h.quote("101.55", "101.70")  # gaps through the limit: triggered, rests at 101.55
    assert gap.status is OrderStatus.TRIGGERED
    assert gap.is_triggered and gap.filled_raw == 0
    h.quote("101.40", "101.50")
    assert gap.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, gap)[0].last_px == px("101.55")
    assert h.position_raw() == raw(20)


def test_market_if_touched_buys_when_the_ask_falls_to_the_trigger() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.market_if_touched(AAPL, BUY, qty(5), px("99.00")))
    h.quote("99.50", "99.60")
    assert order.status is OrderStatus.ACCEPTED
    h.quote("98.80", "98.90")
    assert order.status is OrderStatus.FILLED
    assert len(h.of_type(OrderTriggered, order)) == 1
    assert h.of_type(OrderFilled, order)[0].last_px == px("98.90")


def test_limit_if_touched_sells_at_its_limit_when_the_bid_rises_to_the_trigger() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit_if_touched(AAPL, SELL, qty(5), price=px("100.95"), trigger_price=px("101.00")))
    h.quote("100.90", "101.00")
    assert order.status is OrderStatus.ACCEPTED
    h.quote("101.00", "101.10")
    assert order.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, order)[0].last_px == px("101.00")  # takes the bid, better than its limit
    assert h.position_raw() == -raw(5)


def test_trailing_stop_market_follows_the_bid_up_and_fires_on_the_pullback() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    stop = h.submit(
        h.factory.trailing_stop_market(AAPL, SELL, qty(10), Decimal("0.50"), TrailingOffsetType.PRICE, reduce_only=True)
    )
    assert stop.trigger_price == px("99.50")  # set on arrival from the bid
    h.quote("101.00", "101.10")
    assert stop.trigger_price == px("100.50")
    h.quote("100.80", "100.90")  # a dip above the trigger does not move it down
    assert stop.trigger_price == px("100.50")
    assert stop.status is OrderStatus.ACCEPTED
    h.quote("100.40", "100.50")
    assert stop.status is OrderStatus.FILLED
    triggers = [e.trigger_price for e in h.of_type(OrderUpdated, stop)]
    assert triggers == [px("99.50"), px("100.50")]
    assert h.of_type(OrderFilled, stop)[0].last_px == px("100.40")
    assert h.position_raw() == 0


# -- time in force and post-only --------------------------------------------------------------
def test_post_only_that_would_cross_is_rejected_and_one_that_rests_is_accepted() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    crossing = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("100.10"), post_only=True))
    assert crossing.status is OrderStatus.REJECTED
    (rejected,) = h.of_type(OrderRejected, crossing)
    assert "post-only" in rejected.reason
    assert crossing.filled_raw == 0
    passive = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("100.05"), post_only=True))
    assert passive.status is OrderStatus.ACCEPTED
    h.quote("99.90", "100.00")
    assert passive.status is OrderStatus.FILLED
    assert h.of_type(OrderFilled, passive)[0].liquidity_side is LiquiditySide.MAKER
    assert h.position_raw() == raw(10)


def test_fok_that_cannot_fill_completely_is_canceled_without_any_fill() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=50)
    limit = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10"), time_in_force=TimeInForce.FOK))
    market = h.submit(h.factory.market(AAPL, BUY, qty(100), time_in_force=TimeInForce.FOK))
    for order in (limit, market):
        assert order.status is OrderStatus.CANCELED
        assert order.filled_raw == 0
        assert "FOK" in h.of_type(OrderCanceled, order)[0].reason
    assert h.position_raw() == 0
    # and one that can fill does, completely
    ok = h.submit(h.factory.limit(AAPL, BUY, qty(50), px("100.10"), time_in_force=TimeInForce.FOK))
    assert ok.status is OrderStatus.FILLED and h.position_raw() == raw(50)


def test_gtd_order_expires_at_its_expiry_time() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    expire = h.now + 60 * SECOND_NS
    order = h.submit(
        h.factory.limit(AAPL, BUY, qty(10), px("99.00"), time_in_force=TimeInForce.GTD, expire_time_ns=expire)
    )
    assert order.status is OrderStatus.ACCEPTED
    h.advance(expire - 1)
    assert order.status is OrderStatus.ACCEPTED
    h.advance(expire)
    assert order.status is OrderStatus.EXPIRED
    (expired,) = h.of_type(OrderExpired, order)
    assert expired.ts_event == expire
    assert not h.node.cache.orders_open()
    h.quote("98.00", "98.10")  # an expired order never fills
    assert order.filled_raw == 0


def test_day_order_expires_at_the_venue_day_end() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    day = h.submit(h.factory.limit(AAPL, SELL, qty(10), px("105.00"), time_in_force=TimeInForce.DAY))
    gtc = h.submit(h.factory.limit(AAPL, SELL, qty(10), px("105.00")))
    midnight = (T0 // DAY_NS + 1) * DAY_NS
    h.advance(midnight - 1)
    assert day.status is OrderStatus.ACCEPTED
    h.advance(midnight)
    assert day.status is OrderStatus.EXPIRED
    assert gtc.status is OrderStatus.ACCEPTED
    assert h.node.cache.orders_open() == [gtc]
