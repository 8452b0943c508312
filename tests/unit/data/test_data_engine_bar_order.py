"""Bars built from ticks reach the core and the bus in time order: a time bar that a later tick
closes goes through before that tick (it ended first); a tick, volume or value bar goes through
after the tick that completes it (that tick is part of it)."""

from __future__ import annotations

import numpy as np
from data_support import FakeCore, equity
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.data.aggregation import aggregate_bars
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.data import Bar, BarSpecification, BarType, QuoteTick, TradeTick
from nautilus_platform.model.enums import AggressorSide
from nautilus_platform.model.values import Price, Quantity

S = 1_000_000_000
IID = equity().id


def trade(ts: int, price: str, size: int = 1) -> TradeTick:
    return TradeTick.of(IID, Price.of(price), Quantity.of(size), AggressorSide.BUYER, str(ts), ts)


def quote(ts: int, bid: str, ask: str) -> QuoteTick:
    return QuoteTick.of(IID, Price.of(bid), Price.of(ask), Quantity.of(1), Quantity.of(1), ts)


def times(items: list[object]) -> list[tuple[str, int]]:
    return [(type(item).__name__, item.ts_event) for item in items]  # type: ignore[attr-defined]


def test_a_time_bar_closed_by_a_later_trade_goes_through_before_that_trade() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType(IID, BarSpecification.from_str("1-SECOND-LAST")), 2, 0)
    published: list[object] = []
    core.bus.subscribe("data.*", published.append)
    for item in (trade(S // 2, "10.00"), trade(S + S // 5, "10.50"), trade(3 * S, "11.00")):
        assert engine.process(item)
    expected = [
        ("TradeTick", S // 2),
        ("Bar", S),  # [0 s, 1 s) ended before the trade at 1.2 s
        ("TradeTick", S + S // 5),
        ("Bar", 2 * S),  # [1 s, 2 s); [2 s, 3 s) had no trade, so no bar
        ("TradeTick", 3 * S),  # exactly on a boundary: it opens the next bar
    ]
    assert times(core.processed) == times(published) == expected
    bars = [item for item in core.processed if isinstance(item, Bar)]
    assert [str(b.close) for b in bars] == ["10.00", "10.50"]
    assert engine.flush_bar_aggregations() == 1
    assert times(core.processed)[-1] == ("Bar", 4 * S)


def test_a_time_bar_closed_by_a_later_quote_goes_through_before_that_quote() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType(IID, BarSpecification.from_str("1-SECOND-MID")), 2, 0)
    for item in (quote(S // 2, "10.00", "10.02"), quote(S + 1, "10.10", "10.12")):
        assert engine.process(item)
    assert times(core.processed) == [("QuoteTick", S // 2), ("Bar", S), ("QuoteTick", S + 1)]


def test_time_bars_of_several_steps_closed_by_one_trade_go_through_in_time_order() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    for spec in ("3-SECOND-LAST", "1-SECOND-LAST"):  # the longer step registered first
        engine.add_bar_aggregation(BarType(IID, BarSpecification.from_str(spec)), 2, 0)
    for item in (trade(10 * S, "10.00"), trade(12 * S, "10.01")):
        assert engine.process(item)
    # the trade at 12 s closes [10 s, 11 s) and [9 s, 12 s): the one that ended first goes first
    assert times(core.processed) == [("TradeTick", 10 * S), ("Bar", 11 * S), ("Bar", 12 * S), ("TradeTick", 12 * S)]


def test_a_tick_bar_goes_through_after_the_tick_that_completes_it() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType(IID, BarSpecification.from_str("2-TICK-LAST")), 2, 0)
    engine.add_bar_aggregation(BarType(IID, BarSpecification.from_str("1-SECOND-LAST")), 2, 0)
    for item in (trade(S // 2, "10.00"), trade(S, "10.10"), trade(S + 1, "10.20")):
        assert engine.process(item)
    kinds = [(type(item).__name__, item.ts_event, getattr(item, "bar_type", None)) for item in core.processed]
    assert [(name, ts) for name, ts, _ in kinds] == [
        ("TradeTick", S // 2),
        ("Bar", S),  # the 1-second bar [0 s, 1 s): before the trade at 1 s
        ("TradeTick", S),
        ("Bar", S),  # the 2-tick bar of the trades at 0.5 s and 1 s: after the second
        ("TradeTick", S + 1),
    ]
    assert str(kinds[1][2]).endswith("1-SECOND-LAST") and str(kinds[3][2]).endswith("2-TICK-LAST")


SPECS = ("1-SECOND", "3-SECOND", "1-MINUTE", "2-TICK", "1-VOLUME", "3-VOLUME", "1-VALUE", "40-VALUE")
# gaps of 0 (same time), exactly a second (boundaries), or anything up to a few seconds (empty seconds)
GAPS = st.one_of(st.just(0), st.just(S), st.integers(0, 4 * S))
TRADES = st.lists(st.tuples(GAPS, st.integers(1, 2_000), st.integers(1, 9)), max_size=30)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(SPECS), min_size=1, max_size=3, unique=True), TRADES)
def test_engine_bars_equal_batch_bars_and_everything_arrives_in_time_order(
    specs: list[str], rows: list[tuple[int, int, int]]
) -> None:
    """Random trade streams (ties, ticks on a boundary, empty seconds, sizes that cross a volume
    threshold several times at once): the engine's bars equal ``aggregate_bars`` on the same ticks,
    and the core sees ticks and bars with ``ts_event`` never going back."""
    core = FakeCore()
    engine = MarketDataEngine(core)
    bar_types = [BarType(IID, BarSpecification.from_str(f"{spec}-LAST")) for spec in specs]
    for bar_type in bar_types:
        engine.add_bar_aggregation(bar_type, 2, 0)
    ts, trades = 10 * S, []
    for gap, cents, size in rows:
        ts += gap
        trades.append(trade(ts, f"{cents / 100:.2f}", size))
    for item in trades:
        assert engine.process(item)
    engine.flush_bar_aggregations()
    stamps = [item.ts_event for item in core.processed]
    assert stamps == sorted(stamps)
    ts_column = np.array([t.ts_event for t in trades], np.int64)
    price_column = np.array([t.price.raw for t in trades], np.int64)
    size_column = np.array([t.size.raw for t in trades], np.int64)
    for bar_type in bar_types:
        streamed = [item for item in core.processed if isinstance(item, Bar) and item.bar_type == bar_type]
        expected = aggregate_bars(bar_type, ts_column, price_column, size_column, 2, 0).to_bars()
        assert streamed == expected
