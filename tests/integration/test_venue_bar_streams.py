"""One stream drives an instrument's matching at a simulated venue.

Every bar the node processes used to reach the venue's matching: with 1-minute and 5-minute bars of
one instrument, the 5-minute bar (stamped at its close) was walked open, high/low, close against
orders sent during its interval, filling them at prices from before they existed; the same with
bars built from the ticks that already drove the book, and with bars beside quotes. Now quotes,
trades or book updates, once they move the book, keep bars out of it; among bar types the first
seen drives, and a time bar type takes over with a bar that starts at or after the close of the
last bar that drove. Other bars still reach the cache, the marks and the strategies.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from backtest_support import bars, equity
from exec_support import AAPL, T0, Harness, px, qty, raw

from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.data import Bar, BarSpecification, BarType, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy import Strategy
from nautilus_platform.venues.simulated import SimulatedVenueConfig

MIN = 60 * 1_000_000_000
ONE = BarType.from_str(f"{AAPL}-1-MINUTE-LAST")
FIVE = BarType.from_str(f"{AAPL}-5-MINUTE-LAST")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _bar(bar_type: BarType, o: str, h: str, low: str, c: str, ts: int) -> Bar:
    return Bar(
        bar_type=bar_type, open=px(o), high=px(h), low=px(low), close=px(c), volume=qty(100), ts_event=ts, ts_init=ts
    )


def _feed(h: Harness, bar: Bar) -> None:
    h.now = max(h.now, bar.ts_event)
    h.node.process(bar)


def _fills(h: Harness) -> list[tuple[str, int]]:
    return [(str(e.last_px), (e.ts_event - T0) // MIN) for e in h.events if isinstance(e, OrderFilled)]


# Minute bars 1..5 (stamped at their close, minutes after T0); minute 1 trades down to 100.00, later
# minutes stay above 100.50. The 5-minute bar over them has the low of minute 1.
MINUTES = [
    ("101.00", "101.20", "100.00", "101.00"),
    ("101.00", "101.40", "100.90", "101.30"),
    ("101.30", "101.50", "101.10", "101.20"),
    ("101.20", "101.30", "100.60", "100.80"),
    ("100.80", "101.00", "100.55", "100.90"),
]


def test_a_five_minute_bar_does_not_fill_an_order_sent_inside_it_at_a_price_from_before() -> None:
    """The audit's case: a buy limit sent after minute 2 filled at minute 5 at 100.20 through the
    5-minute bar's low, which traded in minute 1, before the order existed."""
    h = Harness()
    for minute, (o, hi, low, c) in enumerate(MINUTES, start=1):
        _feed(h, _bar(ONE, o, hi, low, c, T0 + minute * MIN))
        if minute == 2:
            order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.20")))
    _feed(h, _bar(FIVE, "101.00", "101.50", "100.00", "100.90", T0 + 5 * MIN))
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED
    # the 5-minute bar still reached the cache and marks its instrument at its close
    assert h.node.cache.last_raw[AAPL] == raw("100.90")
    assert h.node.portfolio.marks[AAPL] == raw("100.90")
    # the minute stream still drives: a later minute through the limit fills it
    _feed(h, _bar(ONE, "100.90", "100.90", "100.10", "100.50", T0 + 6 * MIN))
    assert _fills(h) == [("100.20", 6)]


def test_a_five_minute_bar_ahead_of_the_minute_bar_of_its_close_does_not_drive_either() -> None:
    """At equal times the merge keeps the order of the files: here the 5-minute bar comes before
    the minute bar closing with it. It still overlaps minutes already matched, so it does not drive."""
    h = Harness()
    for minute, (o, hi, low, c) in enumerate(MINUTES[:4], start=1):
        _feed(h, _bar(ONE, o, hi, low, c, T0 + minute * MIN))
        if minute == 2:
            order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.20")))
    _feed(h, _bar(FIVE, "101.00", "101.50", "100.00", "100.90", T0 + 5 * MIN))
    _feed(h, _bar(ONE, *MINUTES[4], T0 + 5 * MIN))
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED


def test_a_finer_bar_type_takes_over_from_a_coarser_one_seen_first() -> None:
    """5-minute bars come first (they drive alone: an order resting under them fills); once the
    minute bars start, they drive, and a 5-minute bar overlapping them no longer walks its range."""
    h = Harness()
    _feed(h, _bar(FIVE, "101.00", "101.00", "101.00", "101.00", T0 + 5 * MIN))
    h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.50")))
    _feed(h, _bar(FIVE, "101.00", "101.20", "100.40", "101.00", T0 + 10 * MIN))
    assert _fills(h) == [("100.50", 10)]  # the 5-minute bars drive while they are alone
    h.events.clear()
    # from minute 10 on, minute bars too: the first starts at the last 5-minute close and takes over
    _feed(h, _bar(ONE, "101.00", "101.10", "99.00", "101.00", T0 + 11 * MIN))  # minute 11 dips to 99
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.00")))  # sent after the dip
    for minute in range(12, 16):
        _feed(h, _bar(ONE, "101.00", "101.20", "100.80", "101.00", T0 + minute * MIN))
    _feed(h, _bar(FIVE, "101.00", "101.20", "99.00", "101.00", T0 + 15 * MIN))  # its low is minute 11's
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED


def test_a_coarser_bar_drives_across_a_gap_of_the_finer_stream_that_spans_it() -> None:
    """No minute bar from minute 5 to minute 10: the 5-minute bar over that gap starts at the last
    minute close, so every price in it came after the order, and it fills the order; the minute
    bars take over again when they come back."""
    h = Harness()
    for minute in range(1, 6):
        _feed(h, _bar(ONE, "101.00", "101.20", "100.80", "101.00", T0 + minute * MIN))
    h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    _feed(h, _bar(FIVE, "101.00", "101.20", "99.50", "100.20", T0 + 10 * MIN))
    assert _fills(h) == [("100.00", 10)]
    h.events.clear()
    h.submit(h.factory.limit(AAPL, SELL, qty(1), px("101.00")))
    _feed(h, _bar(ONE, "100.20", "101.50", "100.20", "101.00", T0 + 11 * MIN))
    assert _fills(h) == [("101.00", 11)]


def test_quotes_drive_the_book_and_bars_of_the_instrument_neither_move_it_nor_match() -> None:
    h = Harness()
    h.quote("100.90", "101.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.50")))
    bar = _bar(ONE, "101.00", "101.20", "99.00", "100.00", h.tick())  # traded through the order's price
    h.node.process(bar)
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED
    book = h.node.venues[AAPL.venue].book(AAPL)
    assert book is not None
    assert (book.bid, book.ask, book.last) == (raw("100.90"), raw("101.10"), None)  # the bar left it alone
    assert h.node.cache.last_raw[AAPL] == raw("100.00")  # but reached the cache
    h.quote("100.30", "100.40")
    assert _fills(h) == [("100.50", 0)]  # quotes match as before


def test_trades_drive_the_book_and_bars_of_the_instrument_do_not_match() -> None:
    h = Harness()
    h.trade("101.00")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("100.50")))
    h.node.process(_bar(ONE, "101.00", "101.20", "99.00", "100.00", h.tick()))
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED
    h.trade("100.40")
    assert _fills(h) == [("100.50", 0)]


def test_bars_built_from_the_quotes_that_drive_the_book_do_not_match_again() -> None:
    """A minute bar built from quotes goes through the node when the first quote after the minute
    closes it; walked at the venue, its open (a mid from before the order) filled a buy limit the
    quotes never reached."""
    h = Harness()
    engine = MarketDataEngine(h.node)
    engine.add_bar_aggregation(BarType.from_str(f"{AAPL}-1-MINUTE-MID"), 2, 0)
    bars_seen: list[Bar] = []
    h.node.bus.subscribe("data.bars.*", bars_seen.append)
    start = (T0 // MIN + 1) * MIN  # a minute boundary

    def quote(bid: str, ask: str, ts: int) -> None:
        h.now = ts
        assert engine.process(QuoteTick.of(AAPL, px(bid), px(ask), qty(100), qty(100), ts))

    quote("98.90", "99.10", start + 10 * 1_000_000_000)  # mid 99.00
    quote("100.00", "100.20", start + 20 * 1_000_000_000)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("99.50")))  # the ask never comes down to it
    quote("100.00", "100.20", start + 61 * 1_000_000_000)  # closes the minute bar
    assert [(b.open.raw, b.low.raw) for b in bars_seen] == [(raw("99.00"), raw("99.00"))]
    assert _fills(h) == []
    assert order.status is OrderStatus.ACCEPTED


def test_an_order_held_for_the_next_bar_open_acts_at_the_first_quote_when_quotes_take_over() -> None:
    """With ``next_open`` an order that would trade on arrival (here a marketable limit) sent after a
    bar waits for the next bar's open; when quotes start instead (bars no longer drive), it acts at
    the first quote rather than never."""
    h = Harness(venue=SimulatedVenueConfig(venue_id="SIM", bar_execution="next_open"))
    _feed(h, _bar(ONE, "101.00", "101.00", "101.00", "101.00", T0 + MIN))
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("102.00")))
    assert order.status is OrderStatus.ACCEPTED
    h.quote("100.90", "101.10")
    assert _fills(h) == [("101.10", 1)]


# -- through a backtest: merged 1-minute and 5-minute files -----------------------------------------
class BuyUnderMinuteTwo(Strategy):
    """On the third minute bar, a buy limit below everything the next two minutes trade but above
    the low of the first minute (the audit's reproduction)."""

    def on_start(self) -> None:
        self.subscribe_bars("DEMO.SIM-1-MINUTE-LAST")
        self.k = 0

    def on_bar(self, bar: Bar) -> None:
        self.k += 1
        if self.k == 3:
            self.submit(
                self.orders.limit(bar.instrument_id, OrderSide.BUY, Quantity.of(1), Price.of(f"{self.limit:.2f}"))
            )


def _five_minute(m1: object) -> object:
    c = m1.columns  # type: ignore[attr-defined]
    n = len(c["ts"]) // 5 * 5
    five = {k: v[:n] for k, v in c.items()}

    def by5(a: np.ndarray, f: object) -> np.ndarray:
        return f(a.reshape(-1, 5), axis=1)  # type: ignore[operator, no-any-return]

    cols = {
        "ts": five["ts"][4::5], "open": five["open"][0::5], "high": by5(five["high"], np.max),
        "low": by5(five["low"], np.min), "close": five["close"][4::5], "volume": by5(five["volume"], np.sum),
    }  # fmt: skip
    spec = BarSpecification.from_str("5-MINUTE-LAST")
    return dataclasses.replace(m1, bar_type=BarType(m1.instrument.id, spec), columns=cols)  # type: ignore[attr-defined, type-var]


def _run_merged(data: list[object], limit: float) -> list[tuple[int, str]]:
    strategy = BuyUnderMinuteTwo("s")
    strategy.limit = limit
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=data, strategies=[strategy])  # type: ignore[arg-type]
    result = build_backtest(config).run()
    t0 = int(data[0].columns["ts"][0])  # type: ignore[attr-defined]
    return [((f.ts_event - t0) // MIN, str(f.last_px)) for f in result.fills]


def test_a_backtest_of_merged_minute_and_five_minute_bars_fills_as_the_minute_bars_alone() -> None:
    m1 = bars(60, seed=11, volatility=0.003)
    c = m1.columns
    # above the lows of minutes 3..4 (0-based) would fill there; below them and above minute 0's low
    limit = round(float(min(c["low"][3:5].min(), c["close"][2])) / 1e9 - 0.01, 2)
    assert c["low"][0] / 1e9 < limit  # minute 0 traded through it, before the order
    alone = _run_merged([m1], limit)
    merged = _run_merged([m1, _five_minute(m1)], limit)
    assert merged == alone
    assert all(minute > 4 for minute, _ in merged)  # nothing filled inside the first 5-minute bar
