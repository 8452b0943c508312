"""An order that reaches a simulated venue at exactly a bar's close time meets only that bar's close.

A bar is stamped with its close time and its prices (open, nearer of high/low, the other, close)
traded before that time. Bars of several instruments (or bar types, or a timer) at one time reach
the venue one after the other, so an order for B sent at ``t`` from ``on_bar`` of A's bar at ``t``
reached B's matching before B's bar at ``t``, and that bar's whole range was walked against it: a
limit or stop filled at B's open or high/low, prices from before the order existed. Now an order
accepted at or after a bar's close time (or a modify then that moves its price or trigger) meets
only the close; one held for an open (``next_open``) waits for the next bar's; a market order fills
on arrival at the book's latest point (B's previous close). Orders accepted before ``t``, and
orders activated during the bar's walk (an OTO child of a fill), meet the points as before.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
from backtest_support import bars, equity, run

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.model.data import Bar, BarSpecification, BarType
from nautilus_platform.model.enums import BarAggregation, OrderSide, TriggerType
from nautilus_platform.model.events import OrderEvent, OrderFilled, OrderTriggered, OrderUpdated
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy import Strategy
from nautilus_platform.venues.simulated import SimulatedVenue, SimulatedVenueConfig
from nautilus_platform.venues.simulated.latency import LatencyModel

A = InstrumentId("A.SIM")
B = InstrumentId("B.SIM")
MIN = 60 * 1_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def px(value: str) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


def _bar(iid: InstrumentId, o: str, h: str, low: str, c: str, ts: int) -> Bar:
    bar_type = BarType(iid, BarSpecification(1, BarAggregation.MINUTE))
    return Bar(
        bar_type=bar_type, open=px(o), high=px(h), low=px(low), close=px(c), volume=qty(100), ts_event=ts, ts_init=ts
    )


class Venue:
    """Two instruments at one simulated venue, a clock, an order factory and the events."""

    def __init__(self, **config: object) -> None:
        self.clock = SimulatedClock(0)
        self.venue = SimulatedVenue(SimulatedVenueConfig(venue_id="SIM", **config), self.clock)  # type: ignore[arg-type]
        self.venue.add_instrument(equity(str(A)))
        self.venue.add_instrument(equity(str(B)))
        self.events: list[OrderEvent] = []
        self.venue.connect(self.events.append)
        self.factory = OrderFactory(StrategyId("S-1"), self.clock)

    def bar(self, iid: InstrumentId, o: str, h: str, low: str, c: str, minute: int) -> None:
        ts = minute * MIN
        self.clock.set_time(max(self.clock.timestamp_ns(), ts))
        self.venue.process_bar(_bar(iid, o, h, low, c, ts))

    def submit(self, order: Order) -> Order:
        self.venue.submit_order(order)
        return order

    def fills(self) -> list[tuple[str, str, int]]:
        return [
            (str(e.instrument_id), str(e.last_px), e.ts_event // MIN) for e in self.events if isinstance(e, OrderFilled)
        ]


def _minute_1(**config: object) -> Venue:
    """Bars of A and B at minute 1 (B closes at 100.00)."""
    v = Venue(**config)
    v.bar(A, "50.00", "50.00", "50.00", "50.00", 1)
    v.bar(B, "100.00", "100.00", "100.00", "100.00", 1)
    return v


def _a_at_minute_2(v: Venue) -> Venue:
    """A's bar at minute 2: the clock at minute 2, B's bar of that minute not processed yet."""
    v.bar(A, "50.00", "50.50", "49.00", "49.50", 2)
    return v


def _b_after_a_at_minute_2(**config: object) -> Venue:
    return _a_at_minute_2(_minute_1(**config))


def test_a_limit_sent_at_a_bar_close_before_that_bar_does_not_fill_on_its_low() -> None:
    v = _b_after_a_at_minute_2()
    v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))  # from on_bar of A at minute 2
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)  # the low traded before the order existed
    assert v.fills() == []
    v.bar(B, "99.50", "99.80", "98.50", "99.60", 3)
    assert v.fills() == [("B.SIM", "99.00", 3)]


def test_a_limit_sent_at_a_bar_close_meets_that_bar_close() -> None:
    v = _b_after_a_at_minute_2()
    v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))
    v.bar(B, "100.00", "100.20", "98.00", "98.50", 2)  # the close trades through it
    assert v.fills() == [("B.SIM", "99.00", 2)]  # at its limit, not the open's or the low's


def test_a_limit_sent_before_the_bar_close_still_meets_the_whole_bar() -> None:
    v = _minute_1()
    v.clock.set_time(2 * MIN - 1)
    v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))  # 1 ns before the close: the whole bar
    _a_at_minute_2(v)
    late = v.submit(v.factory.limit(B, SELL, qty(1), px("100.10")))
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)  # points 100.00, 100.20, 98.00, 99.50
    assert v.fills() == [("B.SIM", "99.00", 2)]
    assert v.venue.engine(B).get_order(late.client_order_id) is not None  # type: ignore[union-attr]


def test_a_stop_sent_at_a_bar_close_is_not_triggered_by_that_bar_low() -> None:
    v = _b_after_a_at_minute_2(default_trigger_type=TriggerType.LAST)
    v.submit(v.factory.stop_market(B, SELL, qty(1), px("99.00")))
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)
    assert [e for e in v.events if isinstance(e, OrderTriggered)] == []
    v.bar(B, "99.50", "99.60", "98.80", "99.00", 3)
    assert v.fills() == [("B.SIM", "98.80", 3)]  # triggered at the low of the next bar


def test_a_trailing_stop_sent_at_a_bar_close_trails_from_that_bar_close_only() -> None:
    v = _b_after_a_at_minute_2()
    order = v.submit(v.factory.trailing_stop_market(B, SELL, qty(1), Decimal("1")))
    v.events.clear()  # the first trail, from the book's latest point (B's minute-1 close)
    v.bar(B, "100.00", "103.00", "99.80", "100.50", 2)  # the high would have pulled it up to 102
    updates = [e for e in v.events if isinstance(e, OrderUpdated) and e.client_order_id == order.client_order_id]
    assert [str(u.trigger_price) for u in updates] == ["99.50"]
    assert v.fills() == []


def test_a_modify_at_a_bar_close_that_moves_a_limit_into_the_bar_range_meets_only_the_close() -> None:
    v = _minute_1()
    v.clock.set_time(MIN + 1)
    kept = v.submit(v.factory.limit(B, BUY, qty(2), px("97.00")))
    moved = v.submit(v.factory.limit(B, BUY, qty(1), px("97.00")))
    _a_at_minute_2(v)
    v.venue.modify_order(moved, None, px("99.00"), None)
    v.venue.modify_order(kept, qty(1), None, None)  # a smaller size keeps its place and its bar
    v.bar(B, "100.00", "100.20", "96.00", "99.50", 2)
    filled = [e.client_order_id for e in v.events if isinstance(e, OrderFilled)]
    assert filled == [kept.client_order_id]
    assert v.venue.engine(B).get_order(moved.client_order_id) is not None  # type: ignore[union-attr]


def test_an_order_arriving_at_a_bar_close_through_latency_meets_only_the_close() -> None:
    v = Venue(latency_model=LatencyModel(insert_ns=5))
    v.bar(A, "50.00", "50.00", "50.00", "50.00", 1)
    v.bar(B, "100.00", "100.00", "100.00", "100.00", 1)
    v.clock.set_time(2 * MIN - 5)
    v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))  # due at minute 2 exactly
    v.bar(A, "50.00", "50.50", "49.00", "49.50", 2)  # delivers it, before B's bar at minute 2
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)
    assert v.fills() == []


def test_next_open_a_market_order_sent_at_a_bar_close_waits_for_the_next_bar_open() -> None:
    v = _b_after_a_at_minute_2(bar_execution="next_open")
    v.submit(v.factory.market(B, BUY, qty(1)))
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)  # its open is from before the order
    assert v.fills() == []
    v.bar(B, "99.70", "99.80", "99.40", "99.60", 3)
    assert v.fills() == [("B.SIM", "99.70", 3)]


def test_next_open_an_order_sent_before_the_bar_still_fills_at_its_open() -> None:
    v = _minute_1(bar_execution="next_open")
    v.clock.set_time(2 * MIN - 1)
    v.submit(v.factory.market(B, BUY, qty(1)))
    _a_at_minute_2(v)
    v.submit(v.factory.market(B, BUY, qty(1)))
    v.bar(B, "100.10", "100.20", "98.00", "99.50", 2)
    v.bar(B, "99.70", "99.80", "99.40", "99.60", 3)
    assert v.fills() == [("B.SIM", "100.10", 2), ("B.SIM", "99.70", 3)]


def test_close_a_market_order_sent_at_a_bar_close_before_that_bar_fills_at_the_latest_close() -> None:
    """Documented: it fills on arrival at the book's latest point, B's previous bar's close."""
    v = _b_after_a_at_minute_2()
    v.submit(v.factory.market(B, BUY, qty(1)))
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 2)
    assert v.fills() == [("B.SIM", "100.00", 2)]


def test_a_bracket_child_activated_inside_the_bar_meets_its_later_points() -> None:
    v = _minute_1()
    v.clock.set_time(MIN + 1)
    entry = v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))
    _a_at_minute_2(v)
    late = v.submit(v.factory.limit(B, SELL, qty(1), px("101.00")))
    children: list[Order] = []

    def on_event(event: OrderEvent) -> None:
        v.events.append(event)
        if isinstance(event, OrderFilled) and event.client_order_id == entry.client_order_id:
            child = v.factory.limit(B, SELL, qty(1), px("101.00"))
            children.append(child)
            v.venue.submit_order(child)

    v.venue.connect(on_event)
    # open 100, low 98 nearer (fills the entry), then high 103 (fills the child), close 100.50
    v.bar(B, "100.00", "103.00", "98.00", "100.50", 2)
    filled = [e.client_order_id for e in v.events if isinstance(e, OrderFilled)]
    assert filled == [entry.client_order_id, children[0].client_order_id]
    assert v.venue.engine(B).get_order(late.client_order_id) is not None  # type: ignore[union-attr]
    # the late sell sits behind the child at 101.00 and fills on the next bar through it
    v.bar(B, "100.50", "101.50", "100.40", "101.20", 3)
    assert [e.client_order_id for e in v.events if isinstance(e, OrderFilled)][2:] == [late.client_order_id]


# -- through a backtest: a pairs strategy trading B from A's bar --------------------------------------
class BuysBOnA(Strategy):
    """On A's ``nth`` bar, a buy limit for B at 98.00."""

    nth = 3

    def on_start(self) -> None:
        self.subscribe_bars("A.SIM-1-MINUTE-LAST")
        self.k = 0

    def on_bar(self, bar: Bar) -> None:
        self.k += 1
        if self.k == self.nth:
            self.submit(self.orders.limit(B, OrderSide.BUY, Quantity.of(1), Price.of("98.00")))


class BuysBOnSecondA(BuysBOnA):
    nth = 2


def _data(symbol: str, lows: list[float], seed: int) -> object:
    loaded = bars(len(lows), seed=seed, symbol=symbol)
    c = loaded.columns  # type: ignore[attr-defined]
    n = len(lows)
    scale = 1_000_000_000
    cols = {
        "ts": c["ts"][:n],
        "open": np.full(n, 100 * scale, dtype=np.int64),
        "high": np.full(n, 101 * scale, dtype=np.int64),
        "low": np.array([int(x * scale) for x in lows], dtype=np.int64),
        "close": np.full(n, 100 * scale, dtype=np.int64),
        "volume": c["volume"][:n],
    }
    return dataclasses.replace(loaded, columns=cols)  # type: ignore[type-var]


def test_a_pairs_backtest_does_not_fill_b_on_b_low_from_before_the_order() -> None:
    # B's third bar (the one closing with A's third) dips to 95; no other bar comes under 99
    a = _data("A.SIM", [99.5] * 6, 1)
    b = _data("B.SIM", [99.5, 99.5, 95.0, 99.5, 99.5, 99.5], 2)
    result = run([BuysBOnA("s")], [a, b])
    assert [(str(f.instrument_id), str(f.last_px)) for f in result.fills] == []
    # the same order one bar earlier (sent at A's second bar) meets B's third bar whole
    result = run([BuysBOnSecondA("s")], [a, b])
    assert [(str(f.instrument_id), str(f.last_px)) for f in result.fills] == [("B.SIM", "98.00")]


class BuysBFromATimer(Strategy):
    """A time alert at the close time of B's third bar sends a buy limit for B at 98.00."""

    def on_start(self) -> None:
        self.subscribe_bars("B.SIM-1-MINUTE-LAST")
        self.k = 0

    def on_bar(self, bar: Bar) -> None:
        self.k += 1
        if self.k == 1:
            self.set_time_alert("third", bar.ts_event + 2 * MIN, self.on_alert)

    def on_alert(self, event: object) -> None:
        self.submit(self.orders.limit(B, OrderSide.BUY, Quantity.of(1), Price.of("98.00")))


def test_an_order_sent_from_a_timer_at_a_bar_close_does_not_fill_on_that_bar_low() -> None:
    b = _data("B.SIM", [99.5, 99.5, 95.0, 99.5, 99.5, 99.5], 2)
    result = run([BuysBFromATimer("s")], [b])
    assert result.fills == []


def test_an_order_sent_on_another_bar_type_of_the_instrument_at_its_close_meets_only_the_close() -> None:
    """Minute bars of B drive; its 5-minute bar at minute 5 reaches the venue (and the strategy)
    before the minute bar of minute 5 (the files' order): an order sent from it meets only that
    minute bar's close."""
    v = Venue()
    for minute in range(1, 5):
        v.bar(B, "100.00", "100.00", "100.00", "100.00", minute)
    five = BarType(B, BarSpecification(5, BarAggregation.MINUTE))
    v.clock.set_time(5 * MIN)
    v.venue.process_bar(
        Bar(bar_type=five, open=px("100.00"), high=px("100.20"), low=px("99.80"), close=px("100.00"),
            volume=qty(100), ts_event=5 * MIN, ts_init=5 * MIN)
    )  # fmt: skip
    v.submit(v.factory.limit(B, BUY, qty(1), px("99.00")))
    v.bar(B, "100.00", "100.20", "98.00", "99.50", 5)
    assert v.fills() == []
