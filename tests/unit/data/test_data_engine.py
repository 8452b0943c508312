"""The market-data engine: checks, hands items to the core, publishes them; rejects without raising."""

from __future__ import annotations

from data_support import FakeCore, equity

from nautilus_platform.data.engine import MarketDataEngine, RejectedData
from nautilus_platform.model.data import Bar, BarSpecification, BarType, QuoteTick
from nautilus_platform.model.values import Price, Quantity


def quote(ts: int, symbol: str = "TEST.XNAS") -> QuoteTick:
    from nautilus_platform.core.identifiers import InstrumentId

    return QuoteTick.of(InstrumentId(symbol), Price.of("1.00"), Price.of("1.01"), Quantity.of(1), Quantity.of(1), ts)


def test_items_reach_the_core_then_the_bus_topic() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    seen: list[object] = []
    core.bus.subscribe("data.quotes.TEST.XNAS", seen.append)
    bars: list[object] = []
    core.bus.subscribe("data.bars.*", bars.append)
    bar_type = BarType(equity().id, BarSpecification.from_str("1-MINUTE-LAST"))
    bar = Bar.of(bar_type, Price.of("1"), Price.of("2"), Price.of("1"), Price.of("2"), Quantity.of(5), 60)
    assert engine.process(quote(1)) and engine.process(bar)
    assert core.processed == [quote(1), bar] and seen == [quote(1)] and bars == [bar]
    assert engine.processed == 2


def test_rejections_are_counted_published_and_change_nothing() -> None:
    core = FakeCore()
    engine = MarketDataEngine(core)
    rejected: list[RejectedData] = []
    core.bus.subscribe("data.rejected", rejected.append)
    assert engine.process(quote(10))
    assert not engine.process(quote(5))  # back in time for this stream
    assert not engine.process(quote(20, "OTHER.XNAS"))
    assert not engine.process("nonsense")  # type: ignore[arg-type]
    assert engine.process(quote(10))  # equal time is fine
    assert engine.rejected == {"time_backwards": 1, "unknown_instrument": 1, "not_market_data": 1}
    assert [r.code for r in rejected] == ["time_backwards", "unknown_instrument", "not_market_data"]
    assert "before the stream's last 10" in rejected[0].message
    assert len(core.processed) == 2


def test_bars_built_from_ticks_go_through_the_engine_like_any_bar() -> None:
    import numpy as np

    from nautilus_platform.data.aggregation import aggregate_bars
    from nautilus_platform.model.data import TradeTick
    from nautilus_platform.model.enums import AggressorSide

    core = FakeCore()
    engine = MarketDataEngine(core)
    bar_type = BarType(equity().id, BarSpecification.from_str("1-SECOND-LAST"))
    engine.add_bar_aggregation(bar_type, 2, 0)
    bars: list[Bar] = []
    core.bus.subscribe(f"data.bars.{bar_type}", bars.append)
    ts = [100_000_000 * i for i in range(1, 40)]
    prices = [100 + (i * 7) % 11 for i in range(1, 40)]
    for i, (t, p) in enumerate(zip(ts, prices, strict=True)):
        trade = TradeTick.of(equity().id, Price.of(p), Quantity.of(1 + i % 3), AggressorSide.BUYER, str(i), t)
        assert engine.process(trade)
    assert engine.flush_bar_aggregations() == 1
    batch = aggregate_bars(
        bar_type, np.array(ts, np.int64), np.array(prices, np.int64) * 10**9,
        np.array([1 + i % 3 for i in range(39)], np.int64) * 10**9, 2, 0,
    ).to_bars()  # fmt: skip
    assert bars == batch and len(bars) == 4
    assert [b for b in core.processed if isinstance(b, Bar)] == bars  # the core saw each bar too
