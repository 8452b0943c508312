"""Edge cases of the simulated venue found by an audit: bar gaps, bars against expiry times,
``next_open`` bar execution, and commands of one order overtaking each other under latency."""

from __future__ import annotations

from sim_support import AAPL, Harness, bar, px, qty, quote, snapshot

from nautilus_platform.model.enums import OrderSide, TimeInForce, TriggerType
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderUpdated,
)
from nautilus_platform.model.orders import Order
from nautilus_platform.venues.simulated import LatencyModel

BUY, SELL = OrderSide.BUY, OrderSide.SELL
DAY = 86_400_000_000_000


def fills(h: Harness) -> list[tuple[str, str, str, int]]:
    """(qty, price, liquidity, ts_event) of every fill so far."""
    return [
        (str(e.last_qty), str(e.last_px), e.liquidity_side.name, e.ts_event)
        for e in h.events
        if isinstance(e, OrderFilled)
    ]


# -- a bar's open gapping through a resting limit ------------------------------------------------
def test_bar_open_gapping_through_a_resting_limit_fills_at_the_open() -> None:
    """Nothing traded between the previous bar and the open: the resting order gets the open, the
    better price (a limit is a worst price), still as MAKER. Later points fill at the limit."""
    h = Harness()
    h.venue.process_bar(bar("101", "101", "101", "101"))
    buy = h.factory.limit(AAPL, BUY, qty(1), px("100"))
    sell = h.factory.limit(AAPL, SELL, qty(1), px("103"))
    h.venue.submit_order(buy)
    h.venue.submit_order(sell)
    h.take()
    h.venue.process_bar(bar("98", "99", "97", "98", ts=60))  # gaps down through the buy
    assert fills(h) == [("1", "98.00", "MAKER", 60)]
    h.take()
    h.venue.process_bar(bar("104.50", "105", "104", "104.20", ts=120))  # gaps up through the sell
    assert fills(h) == [("1", "104.50", "MAKER", 120)]
    # inside the bar (not at its open) a resting order still fills at its own limit
    h.take()
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("103")))
    h.venue.process_bar(bar("104", "104.10", "102", "103.50", ts=180))
    assert fills(h) == [("1", "103.00", "MAKER", 180)]


# -- bars are stamped at their close: expiries at that time come after the bar ---------------------
def test_day_order_on_daily_bars_meets_its_day_before_it_expires() -> None:
    """Daily bars close at midnight UTC, which is also the day end of a DAY order sent at the
    previous close: the bar's prices traded during the order's day, so they may fill it."""
    h = Harness()
    h.clock.set_time(DAY)
    h.venue.process_bar(bar("100", "101", "99", "100", ts=DAY))
    filled = h.factory.limit(AAPL, BUY, qty(1), px("98"), time_in_force=TimeInForce.DAY)
    expires = h.factory.limit(AAPL, BUY, qty(1), px("90"), time_in_force=TimeInForce.DAY)
    h.venue.submit_order(filled)
    h.venue.submit_order(expires)
    h.take()
    h.venue.process_bar(bar("100", "100", "97", "99", ts=2 * DAY))  # the order's day trades down to 97
    assert [(type(e), e.client_order_id, e.ts_event) for e in h.events] == [
        (OrderFilled, filled.client_order_id, 2 * DAY),
        (OrderExpired, expires.client_order_id, 2 * DAY),  # at its day end, after that day's prices
    ]
    assert h.venue.open_orders() == []


def test_gtd_expiring_at_a_bars_close_meets_that_bar_and_one_expiring_before_does_not() -> None:
    h = Harness()
    h.venue.process_bar(bar("100", "100", "100", "100", ts=0))
    at_close = h.factory.limit(AAPL, BUY, qty(1), px("98"), time_in_force=TimeInForce.GTD, expire_time_ns=60)
    before = h.factory.limit(AAPL, BUY, qty(1), px("98.50"), time_in_force=TimeInForce.GTD, expire_time_ns=59)
    h.venue.submit_order(at_close)
    h.venue.submit_order(before)
    h.take()
    h.venue.process_bar(bar("100", "100", "97", "99", ts=60))
    assert [(type(e), e.client_order_id, e.ts_event) for e in h.events] == [
        (OrderExpired, before.client_order_id, 59),
        (OrderFilled, at_close.client_order_id, 60),
    ]


def test_a_command_arriving_at_a_bars_close_acts_after_the_bars_prices() -> None:
    """A market order arriving exactly at the close fills at the close, not at the previous
    bar's price, and a limit arriving then is not filled by the low the bar made before it."""
    h = Harness(latency_model=LatencyModel(insert_ns=60))
    h.venue.process_bar(bar("100", "100", "100", "100", ts=0))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))  # due at 60
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("98")))  # due at 60
    h.venue.process_bar(bar("100", "101", "97", "99", ts=60))
    assert fills(h) == [("1", "99.00", "TAKER", 60)]
    assert [type(e) for e in h.events].count(OrderAccepted) == 2  # both delivered within the bar's call


# -- next_open: nothing sent after a bar trades at that bar's close --------------------------------
def test_next_open_holds_every_order_that_would_trade_on_arrival() -> None:
    h = Harness(bar_execution="next_open", default_trigger_type=TriggerType.LAST)
    h.venue.process_bar(bar("100", "100", "100", "100", ts=60))
    marketable = h.factory.limit(AAPL, BUY, qty(1), px("101"))
    ioc = h.factory.limit(AAPL, BUY, qty(1), px("99"), time_in_force=TimeInForce.IOC)
    stop = h.factory.stop_market(AAPL, BUY, qty(1), px("99.50"))  # already through its trigger
    passive = h.factory.limit(AAPL, BUY, qty(1), px("99"))
    for order in (marketable, ioc, stop, passive):
        h.venue.submit_order(order)
    assert fills(h) == []  # old behaviour: three fills at the signal bar's close, 100.00
    assert "OrderCanceled" not in h.kinds() and "OrderTriggered" not in h.kinds()
    h.take()
    h.venue.process_bar(bar("100.50", "102", "100.40", "101", ts=120))
    assert [(type(e).__name__, e.client_order_id) for e in h.events] == [
        ("OrderFilled", marketable.client_order_id),  # at the open, within its limit
        ("OrderCanceled", ioc.client_order_id),  # the open is above its limit
        ("OrderTriggered", stop.client_order_id),
        ("OrderFilled", stop.client_order_id),
    ]
    assert fills(h) == [("1", "100.50", "TAKER", 120), ("1", "100.50", "TAKER", 120)]
    assert [rec.client_order_id for rec in h.venue.open_orders()] == [passive.client_order_id]


def test_next_open_holds_a_modify_that_makes_a_resting_limit_marketable() -> None:
    h = Harness(bar_execution="next_open")
    h.venue.process_bar(bar("100", "100", "100", "100", ts=60))
    order = h.factory.limit(AAPL, SELL, qty(1), px("101"))
    h.venue.submit_order(order)
    h.venue.modify_order(order, None, px("99"), None)
    assert h.kinds() == ["OrderAccepted", "OrderUpdated"]
    h.take()
    h.venue.process_bar(bar("99.80", "100", "99.50", "99.90", ts=120))
    assert fills(h) == [("1", "99.80", "TAKER", 120)]


# -- latency: a command never overtakes the submit of its own order --------------------------------
def test_cancel_faster_than_the_submit_does_not_overtake_it() -> None:
    h = Harness(latency_model=LatencyModel(insert_ns=100, modify_ns=50, cancel_ns=10))
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(1), px("90"))
    h.venue.submit_order(order)  # due at 100
    h.clock.set_time(1)
    h.venue.cancel_order(order)  # 1 + 10 = 11: the venue does not know the order yet
    h.venue.process_time(1_000)
    assert [(type(e).__name__, e.ts_event) for e in h.events] == [("OrderAccepted", 100), ("OrderCanceled", 100)]
    assert not any(isinstance(e, OrderCancelRejected) for e in h.events)
    assert h.venue.open_orders() == []


def test_modify_faster_than_the_submit_does_not_overtake_it() -> None:
    h = Harness(latency_model=LatencyModel(insert_ns=100, modify_ns=10))
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(1), px("90"))
    h.venue.submit_order(order)
    h.clock.set_time(5)
    h.venue.modify_order(order, None, px("91"), None)
    h.venue.process_time(1_000)
    assert h.kinds() == ["OrderAccepted", "OrderUpdated"]
    [rec] = h.venue.open_orders()
    assert rec.price_raw == px("91").raw


class _ScriptedLatency(LatencyModel):
    """Modify latencies taken in turn from a script (a hand-written fake of a random model)."""

    def __init__(self, insert_ns: int, modifies: list[int]) -> None:
        super().__init__(insert_ns, max(modifies), insert_ns)
        self._modifies = list(modifies)

    def modify_ns(self) -> int:
        return self._modifies.pop(0)


def test_a_later_modify_never_overtakes_an_earlier_one_of_the_same_order() -> None:
    """With random latencies the second modify may draw the shorter latency; the venue must still
    apply the modifies in the order sent, so the order ends as last asked (and the answers come in
    that order, which the contingent-order manager relies on)."""
    h = Harness(latency_model=_ScriptedLatency(10, [500, 20]))
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(1), px("90"))
    h.venue.submit_order(order)
    h.venue.process_time(10)
    h.take()
    h.clock.set_time(100)
    h.venue.modify_order(order, None, px("91"), None)  # due at 600
    h.clock.set_time(101)
    h.venue.modify_order(order, None, px("92"), None)  # drawn 20: due at 121, held back to 600
    h.venue.process_time(1_000)
    assert [str(e.price) for e in h.events if isinstance(e, OrderUpdated)] == ["91.00", "92.00"]
    [rec] = h.venue.open_orders()
    assert rec.price_raw == px("92").raw


# -- re-entrancy: an order cut from inside its own fill handler while it walks the book -----------
def test_an_order_cut_by_a_modify_while_it_walks_the_book_is_never_overfilled() -> None:
    """The engine promises to re-read its state after each event: a strategy that cuts its order
    on the first partial fill (zero latency: inside the walk) gets no more than the new quantity."""
    for make in ("market", "limit"):
        h = Harness(book_type="L2")
        h.venue.process_book(snapshot([("99", 2), ("98", 3), ("97", 5)], [("101", 3)]))
        if make == "market":
            order = h.factory.market(AAPL, SELL, qty(10))
        else:
            order = h.factory.limit(AAPL, SELL, qty(10), px("97"))

        def handler(event: OrderEvent, order: Order = order, h: Harness = h) -> None:
            h.events.append(event)
            if isinstance(event, OrderFilled) and len(fills(h)) == 1:
                h.venue.modify_order(order, qty(6), None, None)

        h.venue.connect(handler)
        h.venue.submit_order(order)
        assert [(q, p) for q, p, _, _ in fills(h)] == [("2", "99.00"), ("3", "98.00"), ("1", "97.00")], make
        assert h.venue.open_orders() == []
