"""How a backtest merges its streams and delivers time: timers against the data's times, the
run's window, ties between streams, and the columnar replay against the item-by-item merge."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from backtest_support import MINUTE, equity

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.clock import TimeEvent
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars, simulate_quotes
from nautilus_platform.model.data import Bar, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, DataSource, VenueSetup, build_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

MINUTE_NS = 60 * 10**9
IID = InstrumentId("DEMO.SIM")
BAR_TYPE = "DEMO.SIM-1-MINUTE-LAST"


def _run(data: list[DataSource], strategy: Strategy, latency_ns: int = 0, **window: int) -> BacktestResult:
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(latency_ns)), AccountType.MARGIN, USD,
        [Money.of(1_000_000, USD)],
    )  # fmt: skip
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=data, strategies=[strategy], **window)  # type: ignore[arg-type]
    return build_backtest(config).run()


def _split(data: LoadedData, at: int) -> list[DataSource]:
    """The rows as two sources, the first ``at`` rows and the rest (forces the item-by-item merge)."""
    return [
        dataclasses.replace(data, columns={name: column[:at] for name, column in data.columns.items()}),
        dataclasses.replace(data, columns={name: column[at:] for name, column in data.columns.items()}),
    ]


def _bars(n: int = 3_000) -> LoadedData:
    return simulate_bars(equity(), MINUTE, n, seed=11, volatility=0.002)


def _quotes() -> LoadedData:
    (quotes,) = simulate_quotes([equity()], 3_000, seed=5)
    return quotes


def _sources(data: LoadedData) -> dict[str, Callable[[], list[DataSource]]]:
    return {
        "columnar": lambda: [data],
        "objects": lambda: [data.to_objects()],  # type: ignore[list-item]
        "two-sources": lambda: _split(data, len(data) // 2),
    }


class Recorder(Strategy):
    """Records what it sees with the clock's time, and trades from a timer."""

    def __init__(self, kind: str = "bars", every_ns: int = MINUTE_NS, trade: bool = False) -> None:
        super().__init__("rec")
        self.kind, self.every_ns, self.trade = kind, every_ns, trade

    def on_start(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.side = OrderSide.BUY
        if self.kind == "bars":
            self.subscribe_bars(BAR_TYPE)
        else:
            self.subscribe_quotes(IID)
        self.set_timer("t", self.every_ns, self.on_timer)

    def on_timer(self, event: TimeEvent) -> None:
        self.seen.append(("timer", event.ts_event, self.clock.timestamp_ns()))
        if self.trade:
            self.submit(self.orders.market(IID, self.side, Quantity.of(3)))
            self.side = OrderSide.SELL if self.side is OrderSide.BUY else OrderSide.BUY

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(("bar", bar.ts_event, self.clock.timestamp_ns()))

    def on_quote(self, quote: QuoteTick) -> None:
        self.seen.append(("quote", quote.ts_event, self.clock.timestamp_ns()))


@pytest.mark.parametrize("path", ["columnar", "objects", "two-sources"])
def test_timers_set_in_on_start_land_on_the_data_times_when_start_falls_between_them(path: str) -> None:
    # Before the fix a timer set in on_start counted from start_ns itself: with start_ns 90 s after
    # the first minute bar, a 60 s timer fired at 2.5, 3.5, ... minutes, between the bars.
    data = _bars(20)
    first = int(data.columns["ts"][0])
    recorder = Recorder()
    _run(_sources(data)[path](), recorder, start_ns=first + 90 * 10**9)
    bars = [ts for what, ts, _ in recorder.seen if what == "bar"]
    timers = [ts for what, ts, _ in recorder.seen if what == "timer"]
    assert bars[0] == first + 2 * MINUTE_NS  # the first bar at or after the start
    assert timers[:3] == bars[1:4]  # each timer on a bar's time, just before that bar
    assert set(timers) <= set(bars)


@pytest.mark.parametrize("path", ["columnar", "objects", "two-sources"])
def test_a_timer_at_a_data_time_fires_before_the_item_and_one_between_items_moves_the_clock(path: str) -> None:
    data = _bars(10)
    first = int(data.columns["ts"][0])
    recorder = Recorder(every_ns=MINUTE_NS // 2, trade=True)
    result = _run(_sources(data)[path](), recorder)
    seen = [(what, (ts - first) / MINUTE_NS, (now - first) / MINUTE_NS) for what, ts, now in recorder.seen]
    assert seen[:6] == [
        ("bar", 0, 0), ("timer", 0.5, 0.5), ("timer", 1, 1), ("bar", 1, 1), ("timer", 1.5, 1.5), ("timer", 2, 2),
    ]  # fmt: skip
    # An order sent from a timer carries the timer's time; with bar data it fills at the last close.
    closes = dict(zip(data.columns["ts"].tolist(), data.columns["close"].tolist(), strict=True))
    fills = result.fills
    assert [(f.ts_event - first) / MINUTE_NS for f in fills[:3]] == [0.5, 1, 1.5]
    assert [f.last_px.raw for f in fills[:3]] == [closes[first], closes[first], closes[first + MINUTE_NS]]
    # No timer fires after the last item the run processes.
    last = int(data.columns["ts"][-1])
    assert max(ts for _, ts, _ in recorder.seen) == last


def test_no_timer_at_or_after_the_end_fires() -> None:
    # The clock runs on after the last item before end_ns only up to end_ns - 1: the next timer,
    # half a bar after that item, is past the end and does not fire.
    data = _bars(10)
    ts = data.columns["ts"].tolist()
    recorder = Recorder(every_ns=MINUTE_NS // 2)
    result = _run([data], recorder, end_ns=ts[5] + 1)
    assert max(t for _, t, _ in recorder.seen) == ts[5]
    assert result.end_ns == ts[5]


@pytest.mark.parametrize("latency_ns", [0, 150_000_000])
@pytest.mark.parametrize("kind", ["bars", "quotes"])
@pytest.mark.parametrize("window", ["whole", "start-end", "interval"])
def test_one_columnar_source_and_the_same_rows_in_two_sources_give_identical_runs(
    kind: str, window: str, latency_ns: int
) -> None:
    # Rows with repeated times, split inside a run of equal times: ties keep the source order,
    # so the merge of the two halves is the column's own order.
    data = _bars() if kind == "bars" else _quotes()
    ts = data.columns["ts"].tolist()
    repeated = [ts[i - i % (1 + (i // 100) % 3)] for i in range(len(ts))]
    data = dataclasses.replace(data, columns={**data.columns, "ts": np.array(repeated, dtype=np.int64)})
    at = next(i for i in range(len(repeated) // 2, len(repeated)) if repeated[i] == repeated[i - 1])
    step = ts[1] - ts[0]
    bounds = {
        "whole": {},
        "start-end": {"start_ns": repeated[400] + step // 2, "end_ns": repeated[2_600]},
        "interval": {"equity_interval_ns": 7 * step},
    }[window]
    every = 7 * step + 3  # between the data's times
    runs = []
    for sources in ([data], _split(data, at), [data.to_objects()]):
        recorder = Recorder(kind, every, trade=True)
        runs.append((_run(sources, recorder, latency_ns, **bounds), recorder.seen))  # type: ignore[arg-type]
    (columnar, seen), *others = runs
    assert len(columnar.fills) > 100
    for other, other_seen in others:
        assert other_seen == seen
        assert other.items == columnar.items
        assert other.orders == columnar.orders
        assert other.fills == columnar.fills
        assert other.positions == columnar.positions
        assert other.account_states == columnar.account_states
        assert other.equity.ts.tolist() == columnar.equity.ts.tolist()
        assert other.equity.equity.tolist() == columnar.equity.equity.tolist()
        assert repr(other.statistics) == repr(columnar.statistics)


def test_ties_across_streams_keep_the_order_of_the_sources() -> None:
    # A quote and a bar of one instrument at one time: the strategy sees them in source order.
    bars = _bars(5)
    ts = bars.columns["ts"].tolist()
    quotes = [
        QuoteTick.of(IID, bar.close, Price(raw=bar.close.raw + 10**7, precision=2), Quantity.of(9), Quantity.of(9), t)
        for bar, t in zip(bars.to_objects(), ts, strict=True)  # type: ignore[attr-defined]
    ]

    class Both(Recorder):
        def on_start(self) -> None:
            super().on_start()
            self.subscribe_quotes(IID)

    for sources, first in (([quotes, bars], "quote"), ([bars, quotes], "bar")):
        recorder = Both(every_ns=10 * MINUTE_NS)
        _run(sources, recorder)  # type: ignore[arg-type]
        kinds = [what for what, _, _ in recorder.seen]
        assert kinds == [first, "bar" if first == "quote" else "quote"] * 5
