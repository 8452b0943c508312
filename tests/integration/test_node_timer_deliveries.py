"""Timers and alerts of a backtest see what the venues' latency delivered before them.

The data moves the simulated clock, which fires the timers due up to the item's time; the venues
delivered what their latency held back (acknowledgements, fills, expiries) only when the item
reached them, after the timers. A timer at ``T`` saw an order whose acceptance or fill was due
before ``T`` still pending. Now the node lets every venue deliver what is due strictly before
``T`` before each timer at ``T``; what is due at exactly ``T`` comes after the timers at ``T`` (a
fill at a trading day's start belongs to the new day; what is due at a bar's close acts after the
bar's prices), and the timer's own commands leave from ``T`` with the venue's latency.
"""

from __future__ import annotations

from typing import Any

from backtest_support import bars, equity
from exec_support import AAPL, SECOND_NS, Harness, px, qty

from nautilus_platform.core.clock import SimulatedClock, TimeEvent
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus, TimeInForce
from nautilus_platform.model.events import OrderAccepted, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy import Strategy
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

MS = 1_000_000
BUY = OrderSide.BUY


def _latency_harness(insert_ms: int = 100) -> Harness:
    return Harness(venue=SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ms * MS)))


def _watch(h: Harness, at: int, order: Order, seen: list[Any]) -> None:
    def callback(event: TimeEvent) -> None:
        seen.append((event.ts_event, order.status, h.node.clock.timestamp_ns()))

    h.node.clock.set_time_alert(f"watch-{at}", at, callback)


def test_an_alert_after_an_acknowledgement_was_due_sees_the_order_accepted() -> None:
    h = _latency_harness()
    h.quote("100.00", "100.10")
    sent = h.now
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("99.00")))
    assert order.status is OrderStatus.SUBMITTED
    seen: list[Any] = []
    _watch(h, sent + 200 * MS, order, seen)
    h.quote("100.00", "100.10")  # one second later: the clock passes the alert
    assert seen == [(sent + 200 * MS, OrderStatus.ACCEPTED, sent + 200 * MS)]
    (accepted,) = h.of_type(OrderAccepted, order)
    assert accepted.ts_event == sent + 100 * MS


def test_an_alert_at_exactly_the_due_time_runs_before_that_delivery() -> None:
    """What is due at ``T`` comes after the timers at ``T`` (the trading-day timer must reset the
    daily P&L before a fill at the day's start: that fill is the new day's)."""
    h = _latency_harness()
    h.quote("100.00", "100.10")
    sent = h.now
    order = h.submit(h.factory.market(AAPL, BUY, qty(1)))
    seen: list[Any] = []
    h.node.clock.set_time_alert("at-due", sent + 100 * MS, lambda e: seen.append(order.status))
    h.node.clock.set_time_alert("after-due", sent + 100 * MS + 1, lambda e: seen.append(order.status))
    h.quote("100.00", "100.10")
    assert seen == [OrderStatus.SUBMITTED, OrderStatus.FILLED]
    (fill,) = h.of_type(OrderFilled, order)
    assert fill.ts_event == sent + 100 * MS


def test_orders_sent_from_a_timer_follow_the_latency_from_its_time() -> None:
    h = _latency_harness()
    h.quote("100.00", "100.10")
    at = h.now + 300 * MS
    sent: list[Order] = []

    def callback(event: TimeEvent) -> None:
        sent.append(h.submit(h.factory.limit(AAPL, BUY, qty(1), px("99.00"))))

    h.node.clock.set_time_alert("send", at, callback)
    h.quote("100.00", "100.10")  # at +1 s: the alert fires at +300 ms, the submit arrives at +400 ms
    (order,) = sent
    (accepted,) = h.of_type(OrderAccepted, order)
    assert accepted.ts_event == at + 100 * MS


def test_a_timer_cancelled_by_an_event_delivered_before_it_does_not_fire() -> None:
    """What the venues deliver before a timer may change the timers: a strategy that cancels its
    timer on a fill never sees it fire."""
    h = _latency_harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.market(AAPL, BUY, qty(1)))
    fired: list[int] = []
    h.node.clock.set_time_alert("after-fill", h.now + 500 * MS, lambda e: fired.append(e.ts_event))

    def on_fill(event: Any) -> None:
        if isinstance(event, OrderFilled) and event.client_order_id == order.client_order_id:
            h.node.clock.cancel_timer("after-fill")

    h.node.bus.subscribe("events.order.*", on_fill)
    h.quote("100.00", "100.10")
    assert order.status is OrderStatus.FILLED
    assert fired == []


def test_an_expiry_due_at_a_bars_close_still_comes_after_the_bars_prices_for_a_timer_then() -> None:
    """A GTD order expiring at a bar's close meets that bar's prices first (the bar convention);
    an alert at that close fires before the bar, so it still sees the order working."""
    h = Harness()
    bar_type = BarType.from_str(f"{AAPL}-1-MINUTE-LAST")
    minute = 60 * SECOND_NS

    def bar(low: str, ts: int) -> Bar:
        h.now = ts
        return Bar(
            bar_type=bar_type, open=px("101.00"), high=px("101.00"), low=px(low), close=px("101.00"),
            volume=qty(100), ts_event=ts, ts_init=ts,
        )  # fmt: skip

    start = h.now
    h.node.process(bar("101.00", start + minute))
    close = start + 2 * minute
    order = h.submit(
        h.factory.limit(AAPL, BUY, qty(1), px("100.00"), time_in_force=TimeInForce.GTD, expire_time_ns=close)
    )
    seen: list[Any] = []
    _watch(h, close, order, seen)
    h.node.process(bar("99.50", close))  # trades through the limit before the order's expiry
    assert seen == [(close, OrderStatus.ACCEPTED, close)]
    assert order.status is OrderStatus.FILLED


def test_the_clock_runs_its_before_timer_hook_just_before_each_firing_time() -> None:
    """The hook runs with the clock at ``T - 1`` (what it delivers is stamped before the timer),
    once per firing time, then the timers at ``T`` fire with the clock at ``T``."""
    clock = SimulatedClock(0)
    calls: list[tuple[str, int, int]] = []
    clock.before_timer = lambda ts: calls.append(("before", ts, clock.timestamp_ns()))
    clock.set_timer("t", 10, lambda e: calls.append(("timer", e.ts_event, clock.timestamp_ns())))
    clock.set_time_alert("a", 20, lambda e: calls.append(("alert", e.ts_event, clock.timestamp_ns())))
    assert clock.advance_time(25) == 3
    assert calls == [
        ("before", 9, 9), ("timer", 10, 10), ("before", 19, 19), ("timer", 20, 20), ("alert", 20, 20),
    ]  # fmt: skip


# -- through a backtest ---------------------------------------------------------------------------
class CheckAfterLatency(Strategy):
    """On the third bar: a market order, and an alert 30 s later (the venue answers after 10 s)."""

    def on_start(self) -> None:
        self.subscribe_bars("DEMO.SIM-1-MINUTE-LAST")
        self.k = 0
        self.seen: list[tuple[str, bool]] = []

    def on_bar(self, bar: Bar) -> None:
        self.k += 1
        if self.k == 3:
            order = self.orders.market(bar.instrument_id, OrderSide.BUY, Quantity.of(1))
            self.submit(order)
            self.set_time_alert("check", bar.ts_event + 30 * SECOND_NS, lambda e: self._check(order))

    def _check(self, order: Order) -> None:
        self.seen.append((order.status.name, self.is_flat(order.instrument_id)))


def test_a_strategys_alert_in_a_backtest_sees_the_fill_its_venue_delivered_before_it() -> None:
    strategy = CheckAfterLatency("s")
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(10 * SECOND_NS)),
        AccountType.MARGIN, USD, [Money.of(1_000_000, USD)],
    )  # fmt: skip
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=[bars(10)], strategies=[strategy])
    result = build_backtest(config).run()
    assert strategy.seen == [("FILLED", False)]
    assert len(result.fills) == 1
