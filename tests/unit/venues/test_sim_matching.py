"""Matching rules of the simulated venue (L1/L2, limits, TIF, stops, trailing, bars, expiry)."""

from __future__ import annotations

from decimal import Decimal

from sim_support import AAPL, Harness, bar, px, qty, quote, snapshot, trade

from nautilus_platform.model.enums import (
    BookSide,
    LiquiditySide,
    OrderSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.events import (
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderUpdated,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def fills(h: Harness) -> list[tuple[str, str, str]]:
    """(qty, price, liquidity) of every fill so far."""
    return [(str(e.last_qty), str(e.last_px), e.liquidity_side.name) for e in h.events if isinstance(e, OrderFilled)]


# -- market orders -------------------------------------------------------------------------
def test_market_on_l1_quote_partial_then_cancel() -> None:
    h = Harness()
    h.venue.process_quote(quote("99.99", "100.01", 10, 20))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(30)))
    assert h.kinds() == ["OrderAccepted", "OrderFilled", "OrderCanceled"]
    assert fills(h) == [("20", "100.01", "TAKER")]
    assert "liquidity" in h.events[2].reason  # type: ignore[attr-defined]
    # the quote's size was consumed: a second order finds nothing until the next quote
    h.take()
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))
    assert h.kinds() == ["OrderAccepted", "OrderCanceled"]
    h.take()
    h.venue.process_quote(quote("99.99", "100.02", 10, 20))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))
    assert fills(h) == [("1", "100.02", "TAKER")]


def test_market_without_market_data_is_rejected() -> None:
    h = Harness()
    h.venue.submit_order(h.factory.market(AAPL, SELL, qty(1)))
    assert h.kinds() == ["OrderRejected"]
    assert "no market" in h.events[0].reason  # type: ignore[attr-defined]


def test_market_walks_l2_book_and_book_loses_what_was_filled() -> None:
    h = Harness(book_type="L2")
    h.venue.process_book(snapshot([("99", 5)], [("101", 3), ("102", 4), ("103", 50)]))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(10)))
    assert fills(h) == [("3", "101.00", "TAKER"), ("4", "102.00", "TAKER"), ("3", "103.00", "TAKER")]
    book = h.venue.book(AAPL)
    assert book is not None and book.ask == px("103").raw
    assert book.levels(BookSide.ASK) == [(px("103").raw, qty(47).raw)]


def test_market_exhausts_l2_book() -> None:
    h = Harness(book_type="L2")
    h.venue.process_book(snapshot([("99", 2), ("98", 3)], [("101", 3)]))
    h.venue.submit_order(h.factory.market(AAPL, SELL, qty(10)))
    assert h.kinds() == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderCanceled"]
    assert fills(h) == [("2", "99.00", "TAKER"), ("3", "98.00", "TAKER")]


def test_market_on_trades_has_unlimited_size() -> None:
    h = Harness()
    h.venue.process_trade(trade("50.00"))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1_000_000)))
    assert fills(h) == [("1000000", "50.00", "TAKER")]


# -- limit orders --------------------------------------------------------------------------
def test_marketable_limit_takes_then_rests_then_fills_as_maker() -> None:
    h = Harness(book_type="L2")
    h.venue.process_book(snapshot([("99", 5)], [("100", 3), ("101", 4)]))
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(10), px("100.50")))
    assert h.kinds() == ["OrderAccepted", "OrderFilled"]
    assert fills(h) == [("3", "100.00", "TAKER")]
    h.take()
    # an ask at 100.50 arrives: our resting buy fills at its own price as maker
    h.venue.process_book(snapshot([("99", 5)], [("100.50", 4), ("101", 4)]))
    assert fills(h) == [("4", "100.50", "MAKER")]
    h.take()
    h.venue.process_book(snapshot([("99", 5)], [("100.40", 100)]))
    assert fills(h) == [("3", "100.50", "MAKER")]
    assert h.venue.open_orders() == []


def test_post_only_crossing_is_rejected_and_resting_one_is_accepted() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("100"), post_only=True))
    assert h.kinds() == ["OrderRejected"]
    assert "post-only" in h.events[0].reason  # type: ignore[attr-defined]
    h.take()
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("99.99"), post_only=True))
    assert h.kinds() == ["OrderAccepted"]


def test_price_time_priority_among_own_orders() -> None:
    h = Harness()
    h.venue.process_quote(quote("98", "100", 100, 100))
    first = h.factory.limit(AAPL, BUY, qty(5), px("99"))
    second = h.factory.limit(AAPL, BUY, qty(5), px("99"))
    better = h.factory.limit(AAPL, BUY, qty(5), px("99.50"))
    for order in (first, second, better):
        h.venue.submit_order(order)
    h.take()
    h.venue.process_quote(quote("98", "99", 100, 8))  # 8 available at or below 99
    filled = [(e.client_order_id, str(e.last_qty), str(e.last_px)) for e in h.events if isinstance(e, OrderFilled)]
    assert filled == [
        (better.client_order_id, "5", "99.50"),
        (first.client_order_id, "3", "99.00"),
    ]


def test_resting_limit_on_trades_needs_trade_through_unless_fill_at_touch() -> None:
    for touch, expected in ((False, []), (True, [("5", "100.00", "MAKER")])):
        h = Harness(fill_at_touch=touch)
        h.venue.process_trade(trade("101"))
        h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(5), px("100")))
        h.venue.process_trade(trade("100"))
        assert fills(h) == expected
    h = Harness()
    h.venue.process_trade(trade("101"))
    h.venue.submit_order(h.factory.limit(AAPL, SELL, qty(5), px("102")))
    h.venue.process_trade(trade("102.01"))
    assert fills(h) == [("5", "102.00", "MAKER")]


def test_ioc_and_fok() -> None:
    h = Harness(book_type="L2")
    h.venue.process_book(snapshot([("99", 5)], [("100", 3), ("101", 4)]))
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(10), px("100"), time_in_force=TimeInForce.IOC))
    assert h.kinds() == ["OrderAccepted", "OrderFilled", "OrderCanceled"]
    assert fills(h) == [("3", "100.00", "TAKER")]
    h.take()
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(5), px("101"), time_in_force=TimeInForce.FOK))
    assert h.kinds() == ["OrderAccepted", "OrderCanceled"]  # only 4 left at <= 101: no fill at all
    h.take()
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(4), px("101"), time_in_force=TimeInForce.FOK))
    assert fills(h) == [("4", "101.00", "TAKER")]
    h.take()
    h.venue.process_book(snapshot([("99", 5)], [("100", 3)]))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(4), time_in_force=TimeInForce.FOK))
    assert h.kinds() == ["OrderAccepted", "OrderCanceled"]


# -- stops and touched orders ----------------------------------------------------------------
def test_stop_market_triggers_on_last_and_fills_at_market() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_quote(quote("99", "100", 100, 100))
    h.venue.submit_order(h.factory.stop_market(AAPL, BUY, qty(10), px("105")))
    h.venue.process_quote(quote("106", "107", 100, 100))  # quotes do not move LAST
    assert h.kinds() == ["OrderAccepted"]
    h.venue.process_trade(trade("105"))
    assert h.kinds() == ["OrderAccepted", "OrderTriggered", "OrderFilled"]
    assert fills(h) == [("10", "107.00", "TAKER")]  # at the quoted ask


def test_stop_bid_ask_and_mid_triggers() -> None:
    h = Harness()  # default BID_ASK
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.stop_market(AAPL, SELL, qty(1), px("98")))
    h.venue.process_quote(quote("98.01", "99"))
    assert "OrderTriggered" not in h.kinds()
    h.venue.process_quote(quote("98", "98.50"))
    assert fills(h) == [("1", "98.00", "TAKER")]
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.stop_market(AAPL, BUY, qty(1), px("100.50"), trigger_type=TriggerType.MID))
    h.venue.process_quote(quote("100", "100.99"))  # mid 100.495
    assert "OrderTriggered" not in h.kinds()
    h.venue.process_quote(quote("100", "101"))  # mid 100.50
    assert fills(h) == [("1", "101.00", "TAKER")]


def test_stop_through_its_trigger_on_arrival_triggers_immediately() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.stop_market(AAPL, BUY, qty(1), px("99.50")))
    assert h.kinds() == ["OrderAccepted", "OrderTriggered", "OrderFilled"]


def test_stop_limit_becomes_limit_and_rests() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.stop_limit(AAPL, BUY, qty(1), price=px("101"), trigger_price=px("101")))
    h.venue.process_quote(quote("101.50", "102"))  # ask 102 >= trigger, but above the limit
    assert h.kinds() == ["OrderAccepted", "OrderTriggered"]
    h.venue.process_quote(quote("100", "101"))
    assert fills(h) == [("1", "101.00", "MAKER")]


def test_mit_and_lit_trigger_the_other_way() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.market_if_touched(AAPL, BUY, qty(2), px("98")))
    h.venue.process_quote(quote("98.50", "99"))
    assert "OrderTriggered" not in h.kinds()
    h.venue.process_quote(quote("97", "98"))
    assert fills(h) == [("2", "98.00", "TAKER")]
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.limit_if_touched(AAPL, SELL, qty(2), price=px("101"), trigger_price=px("101")))
    h.venue.process_quote(quote("101", "102"))  # bid touches 101: triggered, marketable at 101
    assert h.kinds() == ["OrderAccepted", "OrderTriggered", "OrderFilled"]
    assert fills(h) == [("2", "101.00", "TAKER")]


# -- trailing stops ----------------------------------------------------------------------------
def triggers(h: Harness) -> list[str]:
    return [str(e.trigger_price) for e in h.events if isinstance(e, OrderUpdated)]


def test_trailing_stop_price_offset_ratchets_and_triggers() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_trade(trade("100"))
    h.venue.submit_order(h.factory.trailing_stop_market(AAPL, SELL, qty(1), Decimal("2")))
    h.venue.process_trade(trade("103"))
    h.venue.process_trade(trade("102"))  # no move down
    h.venue.process_trade(trade("104.50"))
    assert triggers(h) == ["98.00", "101.00", "102.50"]
    h.venue.process_trade(trade("102.50"))
    assert h.kinds()[-2:] == ["OrderTriggered", "OrderFilled"]
    assert fills(h) == [("1", "102.50", "TAKER")]


def test_trailing_stop_ticks_and_bps_buy() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_trade(trade("100"))
    h.venue.submit_order(
        h.factory.trailing_stop_market(AAPL, BUY, qty(1), Decimal(5), trailing_offset_type=TrailingOffsetType.TICKS)
    )
    h.venue.process_trade(trade("99"))
    assert triggers(h) == ["100.05", "99.05"]
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_trade(trade("100.33"))
    h.venue.submit_order(
        h.factory.trailing_stop_market(
            AAPL, BUY, qty(1), Decimal(25), trailing_offset_type=TrailingOffsetType.BASIS_POINTS
        )
    )
    # 100.33 * 1.0025 = 100.580825 -> rounded up (away from the market) to 100.59
    assert triggers(h) == ["100.59"]


def test_trailing_stop_limit_moves_its_limit() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_trade(trade("100"))
    h.venue.submit_order(
        h.factory.trailing_stop_limit(
            AAPL, SELL, qty(1), trailing_offset=Decimal(1), limit_offset=Decimal("0.5"), trigger_price=px("98")
        )
    )
    updates = [(str(e.trigger_price), str(e.price)) for e in h.events if isinstance(e, OrderUpdated)]
    assert updates == [("99.00", "98.50")]
    h.venue.process_trade(trade("101"))
    updates = [(str(e.trigger_price), str(e.price)) for e in h.events if isinstance(e, OrderUpdated)]
    assert updates[-1] == ("100.00", "99.50")


# -- bars ------------------------------------------------------------------------------------
def test_bar_points_order_high_first_when_closer() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_bar(bar("100", "100", "100", "100"))
    buy_stop = h.factory.stop_market(AAPL, BUY, qty(1), px("101"))
    sell_stop = h.factory.stop_market(AAPL, SELL, qty(1), px("97"))
    h.venue.submit_order(buy_stop)
    h.venue.submit_order(sell_stop)
    h.take()
    h.venue.process_bar(bar("100", "102", "96", "99", ts=60))  # high nearer: 100, 102, 96, 99
    order = [e.client_order_id for e in h.events if isinstance(e, OrderFilled)]
    assert order == [buy_stop.client_order_id, sell_stop.client_order_id]
    assert fills(h) == [("1", "102.00", "TAKER"), ("1", "96.00", "TAKER")]


def test_bar_points_low_first_when_closer_and_resting_limits() -> None:
    h = Harness()
    h.venue.process_bar(bar("100", "100", "100", "100"))
    buy = h.factory.limit(AAPL, BUY, qty(1), px("98"))
    sell = h.factory.limit(AAPL, SELL, qty(1), px("103"))
    h.venue.submit_order(buy)
    h.venue.submit_order(sell)
    h.take()
    h.venue.process_bar(bar("100", "104", "97", "101", ts=60))  # low nearer: 100, 97, 104, 101
    order = [(e.client_order_id, str(e.last_px), e.liquidity_side) for e in h.events if isinstance(e, OrderFilled)]
    assert order == [
        (buy.client_order_id, "98.00", LiquiditySide.MAKER),
        (sell.client_order_id, "103.00", LiquiditySide.MAKER),
    ]


def test_bar_limit_needs_trade_through_unless_fill_at_touch() -> None:
    for touch, n in ((False, 0), (True, 1)):
        h = Harness(fill_at_touch=touch)
        h.venue.process_bar(bar("100", "100", "100", "100"))
        h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("98")))
        h.venue.process_bar(bar("100", "101", "98", "99", ts=60))
        assert len(fills(h)) == n


def test_market_after_bar_fills_at_close_or_next_open() -> None:
    h = Harness()
    h.venue.process_bar(bar("100", "102", "99", "101"))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(3)))
    assert fills(h) == [("3", "101.00", "TAKER")]
    h = Harness(bar_execution="next_open")
    h.venue.process_bar(bar("100", "102", "99", "101"))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(3)))
    assert h.kinds() == ["OrderAccepted"]
    h.venue.process_bar(bar("101.50", "103", "101", "102", ts=60))
    assert fills(h) == [("3", "101.50", "TAKER")]


# -- expiry ----------------------------------------------------------------------------------
def test_gtd_and_day_expiry() -> None:
    h = Harness()
    h.clock.set_time(1_000)
    h.venue.process_quote(quote("99", "100", ts=1_000))
    gtd = h.factory.limit(AAPL, BUY, qty(1), px("90"), time_in_force=TimeInForce.GTD, expire_time_ns=5_000)
    day = h.factory.limit(AAPL, BUY, qty(1), px("90"), time_in_force=TimeInForce.DAY)
    h.venue.submit_order(gtd)
    h.venue.submit_order(day)
    h.take()
    h.venue.process_time(4_999)
    assert h.events == []
    h.venue.process_quote(quote("99", "100", ts=5_000))  # expiry is checked before the data
    assert [type(e) for e in h.events] == [OrderExpired]
    assert h.events[0].client_order_id == gtd.client_order_id
    h.take()
    h.venue.process_time(86_400_000_000_000 - 1)
    assert h.events == []
    h.venue.process_time(86_400_000_000_000)
    assert [e.client_order_id for e in h.events if isinstance(e, OrderExpired)] == [day.client_order_id]
    assert h.events[0].ts_event == 86_400_000_000_000


def test_day_end_offset_and_past_gtd_rejected() -> None:
    h = Harness(day_end_offset_ns=3_600_000_000_000)
    engine = h.venue.engine(AAPL)
    assert engine is not None
    assert engine.day_end_ns(0) == 3_600_000_000_000
    assert engine.day_end_ns(3_600_000_000_000) == 86_400_000_000_000 + 3_600_000_000_000
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(1), px("90"), time_in_force=TimeInForce.GTD, expire_time_ns=10)
    h.clock.set_time(20)
    h.venue.submit_order(order)
    assert [type(e) for e in h.events] == [OrderRejected]


# -- modify and cancel ------------------------------------------------------------------------
def test_modify_then_cross_fills() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100", 10, 10))
    order = h.factory.limit(AAPL, BUY, qty(5), px("98"))
    h.venue.submit_order(order)
    h.take()
    h.venue.modify_order(order, qty(8), px("100"), None)
    assert h.kinds() == ["OrderUpdated", "OrderFilled"]
    assert fills(h) == [("8", "100.00", "TAKER")]
    update = h.events[0]
    assert isinstance(update, OrderUpdated) and str(update.quantity) == "8" and str(update.price) == "100.00"


def test_modify_rejections() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100", 10, 2))
    order = h.factory.limit(AAPL, BUY, qty(5), px("100"))
    h.venue.submit_order(order)  # fills 2, 3 rest at 100
    unknown = h.factory.limit(AAPL, BUY, qty(5), px("98"))
    h.take()
    h.venue.modify_order(unknown, qty(1), None, None)
    h.venue.modify_order(order, qty(1), None, None)  # below filled 2
    h.venue.modify_order(order, None, None, px("99"))  # no trigger on a limit
    h.venue.modify_order(order, None, px("-1"), None)
    assert h.kinds() == ["OrderModifyRejected"] * 4
    h.take()
    h.venue.modify_order(order, qty(2), None, None)  # down to the filled quantity: done
    assert h.kinds() == ["OrderUpdated", "OrderCanceled"]


def test_cancel_and_cancel_rejected() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(5), px("98"))
    h.venue.submit_order(order)
    h.venue.cancel_order(order)
    h.venue.cancel_order(order)
    assert h.kinds() == ["OrderAccepted", "OrderCanceled", "OrderCancelRejected"]
    assert isinstance(h.events[1], OrderCanceled)
    assert h.venue.open_orders() == []


# -- re-entrancy ------------------------------------------------------------------------------
def test_handlers_may_reenter_the_venue_during_matching() -> None:
    """An OCO-style cancel and an OTO-style submit from inside the fill handler."""
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.process_trade(trade("100"))
    take_profit = h.factory.limit(AAPL, SELL, qty(1), px("102"))
    stop_loss = h.factory.stop_market(AAPL, SELL, qty(1), px("98"))
    other = h.factory.limit(AAPL, SELL, qty(1), px("101"))
    child = h.factory.limit(AAPL, BUY, qty(1), px("90"))
    for order in (take_profit, stop_loss, other):
        h.venue.submit_order(order)
    h.take()

    def handler(event: object) -> None:
        h.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, OrderFilled) and event.client_order_id == other.client_order_id:
            h.venue.cancel_order(take_profit)
            h.venue.submit_order(child)

    h.venue.connect(handler)
    h.venue.process_trade(trade("103"))
    assert [(type(e).__name__, e.client_order_id) for e in h.events] == [
        ("OrderFilled", other.client_order_id),
        ("OrderCanceled", take_profit.client_order_id),
        ("OrderAccepted", child.client_order_id),
    ]
    assert {rec.client_order_id for rec in h.venue.open_orders()} == {stop_loss.client_order_id, child.client_order_id}


def test_trailing_stop_without_data_waits_for_first_reference() -> None:
    h = Harness(default_trigger_type=TriggerType.LAST)
    h.venue.submit_order(h.factory.trailing_stop_market(AAPL, SELL, qty(1), Decimal("1.5")))
    assert h.kinds() == ["OrderAccepted"]
    h.venue.process_trade(trade("10"))
    assert triggers(h) == ["8.50"]


def test_resting_limit_keeps_priority_over_a_stop_the_same_quote_triggers() -> None:
    """Price-time priority: the resting limit was in the book before the quote fired the MIT."""
    for book_type in ("L1", "L2"):
        h = Harness(book_type=book_type)
        if book_type == "L1":
            h.venue.process_quote(quote("99", "101", 10, 10))
        else:
            h.venue.process_book(snapshot([("99", 10)], [("101", 10)]))
        resting = h.factory.limit(AAPL, BUY, qty(5), px("100"))
        touched = h.factory.market_if_touched(AAPL, BUY, qty(5), px("100"))
        h.venue.submit_order(resting)
        h.venue.submit_order(touched)
        h.take()
        if book_type == "L1":
            h.venue.process_quote(quote("99", "100", 10, 5))  # 5 offered at 100
        else:
            h.venue.process_book(snapshot([("99", 10)], [("100", 5)]))
        filled = [(e.client_order_id, str(e.last_qty)) for e in h.events if isinstance(e, OrderFilled)]
        assert filled == [(resting.client_order_id, "5")]
