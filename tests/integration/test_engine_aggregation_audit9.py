"""Bar aggregation in the market-data engine, audit 9: a tick that a bar aggregation refuses is
reported and the engine keeps running; a bar type aggregated twice and precisions below the
instrument's are refused; a backtest with an end delivers the time bars its data completed."""

from __future__ import annotations

import pytest
from backtest_support import equity

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.errors import DuplicateError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.aggregation import aggregate_loaded
from nautilus_platform.data.engine import MarketDataEngine, RejectedData
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import Bar, BarType, MarketData, QuoteTick, TradeTick
from nautilus_platform.model.enums import AccountType, AggressorSide
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, DataSource, VenueSetup, build_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import SimulatedVenueConfig

S = 1_000_000_000
INT64_MAX = 2**63 - 1
IID = InstrumentId("DEMO.SIM")


class _Cache:
    def __init__(self, instruments: list[Instrument]) -> None:
        self.instruments = {instrument.id: instrument for instrument in instruments}


class _Core:
    """What the engine hands on, in order."""

    def __init__(self, *instruments: Instrument) -> None:
        self.bus = MessageBus()
        self.cache = _Cache(list(instruments) or [equity()])
        self.processed: list[MarketData] = []

    def process(self, data: MarketData) -> None:
        self.processed.append(data)

    def process_quote_raw(self, quote: QuoteTick, *fields: object) -> None:
        self.processed.append(quote)

    def process_bar_raw(self, bar: Bar, *fields: object) -> None:
        self.processed.append(bar)


def _trade(ts: int, price: str, size: int) -> TradeTick:
    return TradeTick.of(IID, Price.of(price), Quantity.of(size), AggressorSide.BUYER, str(ts), ts)


def _bars_of(items: list[MarketData], spec: str) -> list[Bar]:
    return [item for item in items if isinstance(item, Bar) and str(item.bar_type).endswith(spec)]


# -- 1. a tick that an aggregation refuses ---------------------------------------------------------
def test_a_bar_volume_beyond_int64_is_reported_and_the_tick_and_other_aggregations_go_on() -> None:
    """Two trades of 5e9 units in one second: the second-bar's volume (1e19 raw) is past int64. It
    used to raise out of ``process`` after the trade had reached the core and the bus."""
    core = _Core()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-SECOND-LAST"), 2, 0)  # refuses the 2nd trade
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-TICK-LAST"), 2, 0)  # registered after it
    rejected: list[RejectedData] = []
    trades: list[object] = []
    core.bus.subscribe("data.rejected", rejected.append)
    core.bus.subscribe("data.trades.*", trades.append)
    first, second = _trade(10 * S, "10.00", 5_000_000_000), _trade(10 * S + 1, "10.50", 5_000_000_000)
    assert engine.process(first)
    assert engine.process(second)  # the trade itself is processed
    assert second in core.processed and trades == [first, second]
    assert engine.processed == 2 + 2  # the trades and their two tick bars
    assert [b.close for b in _bars_of(core.processed, "1-TICK-LAST")] == [Price.of("10.00"), Price.of("10.50")]
    assert engine.rejected == {"bar_aggregation": 1}
    (report,) = rejected
    assert report is engine.examples[0] and report.item is second and report.code == "bar_aggregation"
    assert f"{IID}-1-SECOND-LAST" in report.message
    assert "volume" in report.message and str(10**19) in report.message and "int64" in report.message
    # The refused bar holds the first trade only, and goes on with the next.
    assert engine.process(_trade(10 * S + 2, "11.00", 1))
    assert engine.flush_bar_aggregations() == 1
    (second_bar,) = _bars_of(core.processed, "1-SECOND-LAST")
    assert second_bar.volume == Quantity.of(5_000_000_001) and second_bar.close == Price.of("11.00")


def test_a_time_bar_closing_after_2262_is_reported_and_the_tick_still_processed() -> None:
    core = _Core()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-DAY-LAST"), 2, 0)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-TICK-LAST"), 2, 0)
    late = _trade(INT64_MAX - 1, "10.00", 1)
    assert engine.process(late)
    assert core.processed[0] is late and len(_bars_of(core.processed, "1-TICK-LAST")) == 1
    assert engine.rejected == {"bar_aggregation": 1}
    message = engine.examples[0].message
    assert f"{IID}-1-DAY-LAST" in message and "ts_event" in message and str(INT64_MAX - 1) in message
    assert "2262" in message


# -- 2. one bar type aggregated twice ---------------------------------------------------------------
def test_a_bar_type_aggregated_twice_is_refused_and_each_bar_goes_through_once() -> None:
    core = _Core()
    engine = MarketDataEngine(core)
    bar_type = BarType.from_str(f"{IID}-1-SECOND-LAST")
    engine.add_bar_aggregation(bar_type, 2, 0)
    with pytest.raises(DuplicateError, match="1-SECOND-LAST"):
        engine.add_bar_aggregation(bar_type, 2, 0)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-SECOND-MID"), 2, 0)  # another bar type is fine
    assert engine.process(_trade(S, "10.00", 1)) and engine.process(_trade(2 * S, "10.10", 1))
    assert len(_bars_of(core.processed, "1-SECOND-LAST")) == 1


# -- 3. precisions against the instrument's ---------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "precisions", "field", "value"),
    [
        ("LAST", (1, 2), "price_precision", 1),
        ("BID", (2, 1), "size_precision", 1),
        ("MID", (1, 2), "price_precision", 1),
    ],
)
def test_precisions_below_the_instruments_are_refused(
    spec: str, precisions: tuple[int, int], field: str, value: int
) -> None:
    """Price precision 1 on a 2-decimal instrument made bars whose close 10.05 declared one decimal."""
    core = _Core(equity())
    core.cache.instruments[IID] = equity().__class__(
        id=IID, price_precision=2, size_precision=2, tick_size=Price.of("0.01"), lot_size=Quantity.of("0.01"),
        quote_currency=USD,
    )  # fmt: skip
    engine = MarketDataEngine(core)
    with pytest.raises(ValidationError) as error:
        engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-SECOND-{spec}"), *precisions)
    assert (error.value.field, error.value.value) == (field, value)
    assert "at least" in error.value.rule and "2" in error.value.rule
    assert engine.process(_trade(S, "10.05", 1))  # nothing was registered
    assert engine.flush_bar_aggregations() == 0


def test_mid_bars_keep_their_extra_decimal_and_an_unknown_instrument_is_not_checked() -> None:
    core = _Core()
    engine = MarketDataEngine(core)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-SECOND-MID"), 2, 0)
    engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-SECOND-ASK"), 3, 1)  # more decimals: exact
    engine.add_bar_aggregation(BarType.from_str("OTHER.SIM-1-SECOND-LAST"), 0, 0)  # not in the cache
    assert engine.process(QuoteTick.of(IID, Price.of("10.00"), Price.of("10.01"), Quantity.of(1), Quantity.of(2), S))
    assert engine.flush_bar_aggregations() == 2
    mid, ask = _bars_of(core.processed, "1-SECOND-MID")[0], _bars_of(core.processed, "1-SECOND-ASK")[0]
    assert (str(mid.close), str(mid.volume)) == ("10.005", "1.5")
    assert (str(ask.close), str(ask.volume)) == ("10.010", "2.0")


# -- 4. a backtest with an end delivers the time bars its data completed ----------------------------
class _BarRecorder(Strategy):
    def __init__(self) -> None:
        super().__init__("bars")

    def on_start(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.subscribe_bars(f"{IID}-1-MINUTE-MID")

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(("bar", bar.ts_event, self.clock.timestamp_ns()))

    def on_stop(self) -> None:
        self.seen.append(("stop", -1, self.clock.timestamp_ns()))


def _quotes() -> LoadedData:
    (quotes,) = simulate_quotes([equity()], 1_000, seed=3)  # 100 s from a minute boundary
    assert int(quotes.columns["ts"][-1]) % (60 * S) == 40 * S
    return quotes


def _run(source: DataSource, end_ns: int | None) -> list[tuple[str, int, int]]:
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    strategy = _BarRecorder()
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=[source], strategies=[strategy], end_ns=end_ns)
    backtest = build_backtest(config)
    backtest.data_engine.add_bar_aggregation(BarType.from_str(f"{IID}-1-MINUTE-MID"), 2, 0)
    backtest.run()
    return strategy.seen


@pytest.mark.parametrize("path", ["columnar", "objects"])
def test_a_time_bar_that_ended_before_the_end_reaches_the_strategy_before_on_stop(path: str) -> None:
    quotes = _quotes()
    first = int(quotes.columns["ts"][0]) // (60 * S) * (60 * S)  # the first quote's minute
    source: DataSource = quotes if path == "columnar" else quotes.to_objects()  # type: ignore[assignment]
    expected = [b.ts_event for b in aggregate_loaded(quotes, BarType.from_str(f"{IID}-1-MINUTE-MID")).to_bars()]
    assert expected == [first + 60 * S, first + 120 * S]  # the second holds the last 40 s of quotes
    end = first + 180 * S
    seen = _run(source, end)
    # The bar of [60 s, 120 s) ended before the end: complete, delivered at its time, before on_stop.
    assert seen == [("bar", expected[0], expected[0]), ("bar", expected[1], expected[1]), ("stop", -1, end - 1)]


@pytest.mark.parametrize("end_after_first_s", [110, 120, None])
def test_a_bar_not_complete_by_the_end_is_not_delivered(end_after_first_s: int | None) -> None:
    """An end inside the last bar's interval (110 s) or at its close (120 s: a bar stamped at the
    end is outside the run, as a loaded one would be), or no end at all (the data could go on)."""
    quotes = _quotes()
    first = int(quotes.columns["ts"][0]) // (60 * S) * (60 * S)
    end = None if end_after_first_s is None else first + end_after_first_s * S
    seen = _run(quotes, end)
    assert [what for what, _, _ in seen] == ["bar", "stop"]
    assert seen[0][1] == first + 60 * S
