"""Market data types: the validated ``.of`` constructors, bar types, book snapshots and deltas."""

from __future__ import annotations

import pytest
from model_support import AAPL, px, qty

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import (
    Bar,
    BarSpecification,
    BarType,
    BookLevel,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import AggressorSide, BarAggregation, BookAction, BookSide, PriceType
from nautilus_platform.model.values import Quantity

BAR_TYPE = BarType(AAPL, BarSpecification(1, BarAggregation.MINUTE))

# -- quotes and trades ----------------------------------------------------------------------------


def test_quote_of_defaults_ts_init_and_keeps_values() -> None:
    quote = QuoteTick.of(AAPL, px("100.00"), px("100.02"), qty(5), qty(7), ts_event=10)
    assert quote.ts_init == 10
    assert quote.mid_raw2 == px("200.02").raw
    assert QuoteTick.of(AAPL, px("1"), px("1"), qty(0), qty(0), 1, 2).ts_init == 2  # locked, empty sizes ok


def test_crossed_quote_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        QuoteTick.of(AAPL, px("100.03"), px("100.02"), qty(1), qty(1), 1)
    assert info.value.field == "bid_price"


def test_quote_with_negative_size_is_refused() -> None:
    negative = Quantity(raw=-1, precision=0)  # only the unchecked constructor can build this
    with pytest.raises(ValidationError) as info:
        QuoteTick.of(AAPL, px("1"), px("2"), negative, qty(1), 1)
    assert info.value.field == "bid_size/ask_size"


@pytest.mark.parametrize(("ts_event", "ts_init", "field"), [(-1, None, "ts_event"), (5, -1, "ts_init")])
def test_negative_timestamps_are_refused(ts_event: int, ts_init: int | None, field: str) -> None:
    for build in (
        lambda: QuoteTick.of(AAPL, px("1"), px("2"), qty(1), qty(1), ts_event, ts_init),
        lambda: TradeTick.of(AAPL, px("1"), qty(1), AggressorSide.BUYER, "T", ts_event, ts_init),
        lambda: Bar.of(BAR_TYPE, px("1"), px("1"), px("1"), px("1"), qty(1), ts_event, ts_init),
        lambda: OrderBookSnapshot.of(AAPL, [], [], ts_event, ts_init=ts_init),
    ):
        with pytest.raises(ValidationError) as info:
            build()
        assert info.value.field == field


def test_trade_tick_of() -> None:
    trade = TradeTick.of(AAPL, px("100.01"), qty(3), AggressorSide.SELLER, "T-9", 5)
    assert (trade.price, trade.size, trade.trade_id, trade.ts_init) == (px("100.01"), qty(3), "T-9", 5)


@pytest.mark.parametrize(("size", "trade_id", "field"), [(0, "T", "size"), (1, "", "trade_id")])
def test_trade_tick_rejects(size: int, trade_id: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        TradeTick.of(AAPL, px("1"), qty(size), AggressorSide.BUYER, trade_id, 1)
    assert info.value.field == field


# -- bars -------------------------------------------------------------------------------------------


def test_bar_of_accepts_consistent_ohlc() -> None:
    bar = Bar.of(BAR_TYPE, px("10"), px("12"), px("9"), px("11"), qty(100), 60)
    assert bar.instrument_id == AAPL
    assert bar.ts_init == 60
    flat = Bar.of(BAR_TYPE, px("10"), px("10"), px("10"), px("10"), qty(0), 60)
    assert flat.volume == qty(0)


@pytest.mark.parametrize(
    ("o", "h", "low", "c", "field"),
    [
        ("10", "9", "8", "9", "high"),  # high below open
        ("10", "12", "13", "11", "high"),  # high below low
        ("10", "12", "9", "13", "high"),  # close above high
        ("10", "12", "11", "11", "low"),  # low above open
        ("10", "12", "9", "8", "low"),  # close below low
    ],
)
def test_bar_of_rejects_inconsistent_ohlc(o: str, h: str, low: str, c: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Bar.of(BAR_TYPE, px(o), px(h), px(low), px(c), qty(1), 1)
    assert info.value.field == field


def test_bar_of_rejects_negative_volume() -> None:
    with pytest.raises(ValidationError) as info:
        Bar.of(BAR_TYPE, px("1"), px("1"), px("1"), px("1"), Quantity(raw=-1, precision=0), 1)
    assert info.value.field == "volume"


def test_bar_specification_round_trips_through_text() -> None:
    spec = BarSpecification(5, BarAggregation.MINUTE, PriceType.MID)
    assert str(spec) == "5-MINUTE-MID"
    assert BarSpecification.from_str("5-MINUTE-MID") == spec
    assert spec.interval_ns == 300_000_000_000
    assert BarSpecification(100, BarAggregation.TICK).interval_ns is None
    assert BarSpecification(1, BarAggregation.DAY).price_type is PriceType.LAST


@pytest.mark.parametrize("bad", ["1-MINUTE", "x-MINUTE-LAST", "1-WEEK-LAST", "1-MINUTE-LAST-X", "0-MINUTE-LAST"])
def test_bar_specification_from_str_rejects(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        BarSpecification.from_str(bad)
    assert info.value.field in {"bar_spec", "step"}


@pytest.mark.parametrize("step", [0, -1, 1.5, True])
def test_bar_specification_step_must_be_a_positive_int(step: object) -> None:
    with pytest.raises(ValidationError) as info:
        BarSpecification(step, BarAggregation.SECOND)  # type: ignore[arg-type]
    assert info.value.field == "step"


def test_bar_type_round_trips_through_text_including_dashes_in_the_symbol() -> None:
    bar_type = BarType(InstrumentId("ES-Z4.CME"), BarSpecification(1, BarAggregation.HOUR, PriceType.BID))
    assert str(bar_type) == "ES-Z4.CME-1-HOUR-BID"
    assert BarType.from_str("ES-Z4.CME-1-HOUR-BID") == bar_type
    assert BarType.from_str(str(BAR_TYPE)) == BAR_TYPE


@pytest.mark.parametrize(("bad", "field"), [("1-HOUR-BID", "bar_type"), ("AAPL-1-HOUR-BID", "instrument_id")])
def test_bar_type_from_str_rejects(bad: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        BarType.from_str(bad)
    assert info.value.field == field


# -- order book -------------------------------------------------------------------------------------


def test_snapshot_sorts_levels_best_first() -> None:
    book = OrderBookSnapshot.of(
        AAPL,
        bids=[(px("99"), qty(1)), (px("100"), qty(2)), (px("98"), qty(3))],
        asks=[(px("102"), qty(4)), (px("101"), qty(5))],
        ts_event=7,
        sequence=3,
    )
    assert [lv.price for lv in book.bids] == [px("100"), px("99"), px("98")]
    assert [lv.price for lv in book.asks] == [px("101"), px("102")]
    assert book.bids[0] == BookLevel(px("100"), qty(2))
    assert (book.sequence, book.ts_init) == (3, 7)


@pytest.mark.parametrize(
    ("bids", "asks", "field"),
    [
        ([("100", 1), ("100", 2)], [], "bids"),
        ([], [("101", 1), ("101", 1)], "asks"),
        ([("100", 0)], [], "bids.size"),
        ([], [("101", 0)], "asks.size"),
        ([("101", 1)], [("101", 1)], "bids"),  # locked counts as crossed
        ([("102", 1)], [("101", 1)], "bids"),
    ],
)
def test_snapshot_rejects(bids: list[tuple[str, int]], asks: list[tuple[str, int]], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrderBookSnapshot.of(AAPL, [(px(p), qty(q)) for p, q in bids], [(px(p), qty(q)) for p, q in asks], 1)
    assert info.value.field == field


def delta(
    action: BookAction = BookAction.ADD, size: int = 1, instrument_id: InstrumentId = AAPL, ts: int = 1
) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=instrument_id,
        action=action,
        side=BookSide.BID,
        price=px("100"),
        size=qty(size),
        sequence=ts,
        ts_event=ts,
        ts_init=ts + 1,
    )


def test_deltas_take_their_timestamps_from_the_last_delta() -> None:
    batch = OrderBookDeltas.of([delta(ts=1), delta(BookAction.UPDATE, 0, ts=2), delta(BookAction.DELETE, 0, ts=3)])
    assert (batch.instrument_id, batch.ts_event, batch.ts_init, len(batch.deltas)) == (AAPL, 3, 4, 3)


def test_deltas_reject_empty_mixed_or_bad_sizes() -> None:
    cases = [
        ([], "deltas"),
        ([delta(), delta(instrument_id=InstrumentId("MSFT.XNAS"))], "instrument_id"),
        ([delta(BookAction.ADD, 0)], "size"),
    ]
    for deltas, field in cases:
        with pytest.raises(ValidationError) as info:
            OrderBookDeltas.of(deltas)
        assert info.value.field == field
    negative = OrderBookDelta(
        instrument_id=AAPL,
        action=BookAction.UPDATE,
        side=BookSide.ASK,
        price=px("1"),
        size=Quantity(raw=-1, precision=0),
        sequence=0,
        ts_event=0,
        ts_init=0,
    )
    with pytest.raises(ValidationError) as info:
        OrderBookDeltas.of([negative])
    assert info.value.field == "size"
