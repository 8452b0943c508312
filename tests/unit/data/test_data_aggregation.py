"""Bar aggregation: hand-computed bars per aggregation, streaming == batch, quotes, refusals, loaded data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from data_support import equity, write
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.data.aggregation import (
    BarAggregator,
    _half_even_mean,
    aggregate_bars,
    aggregate_loaded,
)
from nautilus_platform.model.data import Bar, BarSpecification, BarType, QuoteTick, TradeTick
from nautilus_platform.model.enums import AggressorSide
from nautilus_platform.model.values import Price, Quantity

IID = InstrumentId("TEST.XNAS")
S = 1_000_000_000
M = 60 * S
B = 28_333_334 * M  # a minute boundary (2023-11-14T22:14:00Z)

Tick = tuple[int, int, int]  # ts, price raw, size raw


def bar_type(spec: str) -> BarType:
    return BarType(IID, BarSpecification.from_str(spec))


def p(value: str) -> int:
    return Price.of(value).raw


def q(value: str | int) -> int:
    return Quantity.of(value).raw


def bar(bt: BarType, o: str, h: str, lo: str, c: str, v: str | int, ts: int, pp: int = 2, sp: int = 0) -> Bar:
    return Bar(
        bar_type=bt, open=Price.of(o, pp), high=Price.of(h, pp), low=Price.of(lo, pp), close=Price.of(c, pp),
        volume=Quantity.of(v, sp), ts_event=ts, ts_init=ts,
    )  # fmt: skip


def stream(bt: BarType, ticks: list[Tick], pp: int = 2, sp: int = 0) -> tuple[list[Bar | None], Bar | None]:
    agg = BarAggregator(bt, pp, sp)
    return [agg.update(*tick) for tick in ticks], agg.flush()


def streamed(bt: BarType, ticks: list[Tick], pp: int = 2, sp: int = 0) -> list[Bar]:
    closed, last = stream(bt, ticks, pp, sp)
    return [b for b in [*closed, last] if b is not None]


def batch(bt: BarType, ticks: list[Tick], pp: int = 2, sp: int = 0) -> list[Bar]:
    ts, price, size = (np.array([t[i] for t in ticks], np.int64) for i in range(3))
    return aggregate_bars(bt, ts, price, size, pp, sp).to_bars()


def test_minute_bars_boundary_tick_and_empty_interval() -> None:
    bt = bar_type("1-MINUTE-LAST")
    ticks = [
        (B + 5 * S, p("10.00"), q(1)),
        (B + 30 * S, p("10.50"), q(2)),
        (B + 59 * S, p("9.90"), q(1)),
        (B + 60 * S, p("10.20"), q(3)),  # exactly on the boundary: opens the next bucket
        (B + 61 * S, p("10.10"), q(1)),
        (B + 185 * S, p("10.30"), q(5)),  # the minute [B+120s, B+180s) has no tick: no bar
    ]
    closed, last = stream(bt, ticks)
    first = bar(bt, "10.00", "10.50", "9.90", "9.90", 4, B + M)
    second = bar(bt, "10.20", "10.20", "10.10", "10.10", 4, B + 2 * M)
    third = bar(bt, "10.30", "10.30", "10.30", "10.30", 5, B + 4 * M)
    assert closed == [None, None, None, first, None, second]
    assert last == third
    assert batch(bt, ticks) == [first, second, third]


def test_day_and_multi_second_buckets_align_to_the_epoch() -> None:
    day = 86_400 * S
    ticks = [(3 * day + 1, p("1.00"), q(1)), (4 * day - 1, p("2.00"), q(1)), (4 * day, p("3.00"), q(1))]
    bt = bar_type("1-DAY-LAST")
    expected = [
        bar(bt, "1.00", "2.00", "1.00", "2.00", 2, 4 * day),
        bar(bt, "3.00", "3.00", "3.00", "3.00", 1, 5 * day),
    ]
    assert streamed(bt, ticks) == batch(bt, ticks) == expected
    bt5 = bar_type("5-SECOND-LAST")
    ticks = [(7 * S, p("1.00"), q(1)), (9 * S, p("2.00"), q(1)), (10 * S, p("3.00"), q(1))]
    assert [b.ts_event for b in batch(bt5, ticks)] == [10 * S, 15 * S]


def test_tick_bars_every_three() -> None:
    bt = bar_type("3-TICK-LAST")
    prices = ["10.00", "10.30", "9.80", "10.10", "10.20", "10.05", "9.95"]
    ticks = [(B + i * S, p(x), q(i + 1)) for i, x in enumerate(prices)]
    closed, last = stream(bt, ticks)
    first = bar(bt, "10.00", "10.30", "9.80", "9.80", 6, B + 2 * S)
    second = bar(bt, "10.10", "10.20", "10.05", "10.05", 15, B + 5 * S)
    partial = bar(bt, "9.95", "9.95", "9.95", "9.95", 7, B + 6 * S)
    assert closed == [None, None, first, None, None, second, None]
    assert last == partial
    assert batch(bt, ticks) == [first, second, partial]


def test_volume_bars_include_the_crossing_tick_whole() -> None:
    bt = bar_type("10-VOLUME-LAST")
    ticks = [
        (B + 1, p("10.00"), q(4)),
        (B + 2, p("10.10"), q(5)),
        (B + 3, p("9.90"), q(3)),  # 12 >= 10: closes, all 3 units in this bar
        (B + 4, p("10.20"), q(10)),  # exactly 10: a bar on its own
        (B + 5, p("10.00"), q(2)),
    ]
    closed, last = stream(bt, ticks)
    assert closed == [
        None,
        None,
        bar(bt, "10.00", "10.10", "9.90", "9.90", 12, B + 3),
        bar(bt, "10.20", "10.20", "10.20", "10.20", 10, B + 4),
        None,
    ]
    assert last == bar(bt, "10.00", "10.00", "10.00", "10.00", 2, B + 5)
    assert batch(bt, ticks) == [b for b in [*closed, last] if b is not None]


def test_value_bars_close_at_the_notional_threshold() -> None:
    bt = bar_type("1000-VALUE-LAST")
    ticks = [
        (B + 1, p("100.00"), q(3)),  # 300
        (B + 2, p("200.00"), q(2)),  # 700
        (B + 3, p("50.00"), q(6)),  # 1000: closes
        (B + 4, p("100.00"), q(1)),
    ]
    expected = [
        bar(bt, "100.00", "200.00", "50.00", "50.00", 11, B + 3),
        bar(bt, "100.00", "100.00", "100.00", "100.00", 1, B + 4),
    ]
    assert streamed(bt, ticks) == batch(bt, ticks) == expected


def test_value_beyond_int64_and_cumulative_volume_beyond_int64_stay_exact() -> None:
    bt = bar_type("10000000000000-VALUE-LAST")  # 1e13 quote units: raw 1e31
    ticks = [(B + i, p("1000000.00"), q(10_000_000)) for i in range(3)]
    bars = batch(bt, ticks)
    assert bars == streamed(bt, ticks) and len(bars) == 3
    big = bar_type("1-VOLUME-LAST")
    ticks = [(B + i, p("1.00"), 2**62) for i in range(4)]  # each bar fits int64, the running total does not
    assert batch(big, ticks) == streamed(big, ticks)
    assert [b.volume.raw for b in batch(big, ticks)] == [2**62] * 4


def quote(ts: int, bid: Price, ask: Price, bid_size: Quantity, ask_size: Quantity) -> QuoteTick:
    return QuoteTick(
        instrument_id=IID, bid_price=bid, ask_price=ask, bid_size=bid_size, ask_size=ask_size, ts_event=ts, ts_init=ts
    )


def test_quote_bars_bid_ask_mid() -> None:
    quotes = [
        quote(B + S, Price.of("10.00"), Price.of("10.01"), Quantity.of(100), Quantity.of(201)),
        quote(B + 2 * S, Price.of("10.02"), Price.of("10.04"), Quantity.of(50), Quantity.of(50)),
    ]
    results = {}
    for side in ("BID", "ASK", "MID"):
        agg = BarAggregator(bar_type(f"1-MINUTE-{side}"), 2, 0)
        assert [agg.handle_quote(t) for t in quotes] == [None, None]
        results[side] = agg.flush()
    assert results["BID"] == bar(bar_type("1-MINUTE-BID"), "10.00", "10.02", "10.00", "10.02", 150, B + M)
    assert results["ASK"] == bar(bar_type("1-MINUTE-ASK"), "10.01", "10.04", "10.01", "10.04", 251, B + M)
    mid = results["MID"]
    assert mid == bar(bar_type("1-MINUTE-MID"), "10.005", "10.03", "10.005", "10.03", "200.5", B + M, 3, 1)
    assert mid is not None and (mid.open.precision, mid.volume.precision) == (3, 1)


def test_mid_on_odd_raw_sums_rounds_half_even() -> None:
    bt = bar_type("1-TICK-MID")
    agg = BarAggregator(bt, 9, 9)
    one, two, three = (Price(raw=n, precision=9) for n in (1, 2, 3))
    size = Quantity(raw=1, precision=9)
    first = agg.handle_quote(quote(B, one, two, size, Quantity(raw=2, precision=9)))  # 1.5 -> 2, sizes 1.5 -> 2
    second = agg.handle_quote(quote(B, two, three, size, size))  # 2.5 -> 2, sizes 1
    assert first is not None and second is not None
    assert (first.close.raw, first.volume.raw, first.close.precision) == (2, 2, 9)
    assert (second.close.raw, second.volume.raw) == (2, 1)


@given(st.integers(-(2**62), 2**62), st.integers(-(2**62), 2**62))
def test_vectorised_mid_matches_exact_half_even(a: int, b: int) -> None:
    got = _half_even_mean(np.array([a], np.int64), np.array([b], np.int64))
    assert int(got[0]) == round_half_even(a + b, 2)


def test_wrong_price_type_for_the_data_is_refused() -> None:
    trade = TradeTick(
        instrument_id=IID, price=Price.of("1.00"), size=Quantity.of(1), aggressor_side=AggressorSide.BUYER,
        trade_id="1", ts_event=B, ts_init=B,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        BarAggregator(bar_type("1-MINUTE-BID"), 2, 0).handle_trade(trade)
    assert exc.value.field == "price_type"
    q1 = quote(B, Price.of("1.00"), Price.of("1.01"), Quantity.of(1), Quantity.of(1))
    with pytest.raises(ValidationError, match="price_type"):
        BarAggregator(bar_type("1-MINUTE-LAST"), 2, 0).handle_quote(q1)
    other = BarType(InstrumentId("OTHER.XNAS"), BarSpecification.from_str("1-MINUTE-LAST"))
    with pytest.raises(ValidationError, match="instrument_id"):
        BarAggregator(other, 2, 0).handle_trade(trade)


def test_backward_timestamp_is_refused_and_leaves_state_intact() -> None:
    bt = bar_type("1-MINUTE-LAST")
    agg = BarAggregator(bt, 2, 0)
    assert agg.update(B + 10 * S, p("10.00"), q(1)) is None
    with pytest.raises(ValidationError) as exc:
        agg.update(B + 5 * S, p("99.00"), q(50))
    assert (exc.value.field, exc.value.value) == ("ts_event", B + 5 * S)
    assert "before" in exc.value.rule
    assert agg.update(B + 10 * S, p("10.10"), q(2)) is None  # equal timestamps are fine
    assert agg.update(B + M, p("10.20"), q(1)) == bar(bt, "10.00", "10.10", "10.00", "10.10", 3, B + M)
    assert agg.flush() == bar(bt, "10.20", "10.20", "10.20", "10.20", 1, B + 2 * M)
    assert agg.flush() is None


def test_batch_input_validation() -> None:
    bt = bar_type("1-MINUTE-LAST")
    one, two = np.array([1], np.int64), np.array([1, 2], np.int64)
    with pytest.raises(ValidationError) as exc:
        aggregate_bars(bt, two, one, two, 2, 0)
    assert exc.value.field == "price"
    with pytest.raises(ValidationError) as exc:
        aggregate_bars(bt, np.array([5, 3], np.int64), two, two, 2, 0)
    assert (exc.value.field, exc.value.value) == ("ts", 3)
    with pytest.raises(ValidationError, match="integer"):
        aggregate_bars(bt, two, np.array([1.0, 2.0]), two, 2, 0)
    with pytest.raises(ValidationError, match="negative"):
        aggregate_bars(bt, two, two, np.array([1, -1], np.int64), 2, 0)
    empty = aggregate_bars(bt, two[:0], two[:0], two[:0], 2, 0)
    assert len(empty) == 0 and empty.to_bars() == []


KINDS = ("1-SECOND", "5-SECOND", "1-MINUTE", "2-HOUR", "1-DAY", "1-TICK", "3-TICK", "1-VOLUME", "7-VOLUME", "1-VALUE")
SPECS = [f"{spec}-{side}" for spec in (*KINDS, "250-VALUE") for side in ("LAST", "MID")]
TICKS = st.lists(
    st.tuples(
        st.one_of(st.just(0), st.integers(0, 3 * S), st.integers(0, 2 * 86_400 * S)),
        st.integers(-(10**12), 10**12),
        st.integers(0, 5 * S),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SPECS), st.integers(0, 10**18), TICKS, st.integers(0, 9), st.integers(0, 9))
def test_streaming_equals_batch(spec: str, start: int, rows: list[Tick], pp: int, sp: int) -> None:
    bt = bar_type(spec)
    ts = start
    ticks = []
    for delta, price, size in rows:
        ts += delta
        ticks.append((ts, price, size))
    bars = streamed(bt, ticks, pp, sp)
    assert batch(bt, ticks, pp, sp) == bars
    assert sum(b.volume.raw for b in bars) == sum(t[2] for t in ticks)
    assert bool(bars) == bool(ticks)


TRADES_CSV = """timestamp,price,size,side,trade_id
2024-01-02T00:00:05+00:00,10.00,100,buy,t1
2024-01-02T00:00:40+00:00,10.20,50,sell,t2
2024-01-02T00:01:00+00:00,10.10,30,buy,t3
2024-01-02T00:02:10+00:00,9.90,20,sell,t4
"""
T0 = 1_704_153_600 * S  # 2024-01-02T00:00:00Z


def test_aggregate_loaded_trades(tmp_path: Path) -> None:
    data = load_market_data(write(tmp_path, "trades.csv", TRADES_CSV), layout_named("trades"), equity(2, 0))
    bt = bar_type("1-MINUTE-LAST")
    result = aggregate_loaded(data, bt)
    assert len(result) == 3
    assert result.to_bars() == [
        bar(bt, "10.00", "10.20", "10.00", "10.20", 150, T0 + M),
        bar(bt, "10.10", "10.10", "10.10", "10.10", 30, T0 + 2 * M),
        bar(bt, "9.90", "9.90", "9.90", "9.90", 20, T0 + 3 * M),
    ]
    agg = BarAggregator(bt, 2, 0)
    trades = [t for t in data.to_objects() if isinstance(t, TradeTick)]
    bars = [b for b in [*(agg.handle_trade(t) for t in trades), agg.flush()] if b is not None]
    assert bars == result.to_bars()
    assert result.ts.tolist() == [T0 + M, T0 + 2 * M, T0 + 3 * M]
    with pytest.raises(ValidationError, match="price_type"):
        aggregate_loaded(data, bar_type("1-MINUTE-BID"))


def test_aggregate_loaded_quotes_mid_matches_streaming(tmp_path: Path) -> None:
    text = "timestamp,bid,ask,bid_size,ask_size\n"
    text += "2024-01-02T00:00:05+00:00,10.00,10.01,100,201\n2024-01-02T00:00:06+00:00,10.02,10.05,3,4\n"
    data = load_market_data(write(tmp_path, "q.csv", text), layout_named("quotes"), equity(2, 0))
    for side in ("BID", "ASK", "MID"):
        bt = bar_type(f"1-TICK-{side}")
        agg = BarAggregator(bt, 2, 0)
        quotes = [t for t in data.to_objects() if isinstance(t, QuoteTick)]
        assert aggregate_loaded(data, bt).to_bars() == [agg.handle_quote(t) for t in quotes]
    mids = aggregate_loaded(data, bar_type("1-TICK-MID"))
    assert mids.close.tolist() == [p("10.005"), p("10.035")] and mids.volume.tolist() == [q("150.5"), q("3.5")]
    with pytest.raises(ValidationError, match="price_type"):
        aggregate_loaded(data, bar_type("1-TICK-LAST"))
