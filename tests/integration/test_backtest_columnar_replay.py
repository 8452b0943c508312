"""A run over one loaded source replays its columns; it must equal the item-by-item run exactly.

The same bars or quotes go once as ``LoadedData`` (columnar replay: raw ints to the core, shared
price objects) and once as a list of model objects (the merge path), with and without a start,
an end and an equity interval; orders, fills, positions, account states, the equity curve and
the statistics must be identical, and so must the progress reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest
from backtest_support import MINUTE, equity

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars, simulate_quotes
from nautilus_platform.model.data import Bar, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.values import USD, Money, Quantity
from nautilus_platform.service.backtest import BacktestConfig, DataSource, VenueSetup, build_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.examples import BollingerBreakout, MovingAverageCross
from nautilus_platform.strategy.params import Param
from nautilus_platform.venues.simulated import SimulatedVenueConfig

MINUTE_NS = 60 * 10**9


class QuoteFlipper(Strategy):
    """A market order every ``every`` quotes, alternating sides, and a resting limit now and then."""

    every = Param(int, 50, low=1)

    def on_start(self) -> None:
        self._iid = InstrumentId("DEMO.SIM")
        self._count = 0
        self._buy = True
        self.subscribe_quotes(self._iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self._count += 1
        if self._count % self.every == 0:
            side = OrderSide.BUY if self._buy else OrderSide.SELL
            self.submit(self.orders.market(self._iid, side, Quantity.of(3)))
            self._buy = not self._buy
        elif self._count % (3 * self.every) == 1:
            self.submit(self.orders.limit(self._iid, OrderSide.BUY, Quantity.of(2), quote.bid_price))


def _run(
    data: DataSource, strategies: Strategy | list[Strategy], **window: int | None
) -> tuple[BacktestResult, list[int]]:
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    listed = strategies if isinstance(strategies, list) else [strategies]
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=[data], strategies=listed, **window)  # type: ignore[arg-type]
    reports: list[int] = []
    result = build_backtest(config).run(reports.append, progress_every=97)
    return result, reports


def _same(columnar: BacktestResult, items: BacktestResult) -> None:
    assert columnar.items == items.items > 0
    assert columnar.orders == items.orders
    assert columnar.fills == items.fills
    assert columnar.positions == items.positions
    assert columnar.account_states == items.account_states
    assert columnar.equity.ts.tolist() == items.equity.ts.tolist()
    assert columnar.equity.equity.tolist() == items.equity.equity.tolist()
    assert columnar.round_trips == items.round_trips
    assert columnar.statistics == items.statistics


def _bars() -> LoadedData:
    return simulate_bars(equity(), MINUTE, 3_000, seed=11, volatility=0.002)


def _quotes() -> LoadedData:
    (quotes,) = simulate_quotes([equity()], 3_000, seed=5)
    return quotes


WINDOWS = [
    {},
    {"start_ns": "+500", "end_ns": "+2500"},
    {"equity_interval_ns": 7 * MINUTE_NS},
]


def _window(data: LoadedData, spec: dict[str, object]) -> dict[str, int | None]:
    first = int(data.columns["ts"][0])
    step = int(data.columns["ts"][1]) - first
    out: dict[str, int | None] = {}
    for key, value in spec.items():
        out[key] = first + int(str(value)[1:]) * step if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    return out


@pytest.mark.parametrize("spec", WINDOWS, ids=["whole", "start-end", "interval"])
@pytest.mark.parametrize("kind", ["market-at-close", "brackets"])
def test_columnar_bars_equal_item_by_item(spec: dict[str, object], kind: str) -> None:
    data = _bars()
    window = _window(data, spec)

    def strategy() -> Strategy:
        if kind == "brackets":  # take-profit and stop-loss legs resting against each bar's high and low
            return BollingerBreakout(
                period=10, k=0.5, reward=1.0, risk=1.0, quantity=Decimal(5), bar_type=str(data.bar_type)
            )
        return MovingAverageCross(fast=5, slow=20, quantity=Decimal(10), allow_short=True, bar_type=str(data.bar_type))

    columnar, reports = _run(data, strategy(), **window)
    items, item_reports = _run(data.to_objects(), strategy(), **window)  # type: ignore[arg-type]
    assert len(columnar.fills) > 100
    _same(columnar, items)
    assert reports == item_reports


@pytest.mark.parametrize("spec", WINDOWS, ids=["whole", "start-end", "interval"])
def test_columnar_quotes_equal_item_by_item(spec: dict[str, object]) -> None:
    data = _quotes()
    window = _window(data, spec)
    columnar, reports = _run(data, QuoteFlipper(), **window)
    items, item_reports = _run(data.to_objects(), QuoteFlipper(), **window)  # type: ignore[arg-type]
    assert len(columnar.fills) > 20
    _same(columnar, items)
    assert reports == item_reports


def test_columnar_replay_shares_equal_prices() -> None:
    data = _bars()
    seen: list[object] = []

    class Recorder(Strategy):
        def on_start(self) -> None:
            self.subscribe_bars(data.bar_type)  # type: ignore[arg-type]

        def on_bar(self, bar: object) -> None:
            seen.append(bar)

    _run(data, Recorder())
    assert seen == data.to_objects()
    closes = {}
    for bar in seen:
        closes.setdefault(bar.close.raw, set()).add(id(bar.close))  # type: ignore[attr-defined]
    assert len(closes) < len(seen)  # prices repeat ...
    assert all(len(ids) == 1 for ids in closes.values())  # ... and a repeated price is one object


def _with_ts(data: LoadedData, ts: list[int]) -> LoadedData:
    columns = dict(data.columns)
    columns["ts"] = np.array(ts, dtype=np.int64)
    return dataclasses.replace(data, columns=columns)


@pytest.mark.parametrize("make", [_bars, _quotes], ids=["bars", "quotes"])
def test_columnar_source_out_of_time_order_is_checked_item_by_item(make: Callable[[], LoadedData]) -> None:
    # An item dated before its predecessor is refused by the engine (time_backwards) and the run
    # goes on; the columnar replay skips the per-item checks only for a source in time order.
    data = make()
    ts = data.columns["ts"].tolist()
    ts[1500] = ts[1400]
    data = _with_ts(data, ts)
    strategy: Callable[[], Strategy] = (
        QuoteFlipper
        if data.bar_type is None
        else lambda: MovingAverageCross(fast=5, slow=20, quantity=Decimal(10), bar_type=str(data.bar_type))
    )
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=[data], strategies=[strategy()])
    backtest = build_backtest(config)
    columnar = backtest.run()
    assert backtest.data_engine.rejected == {"time_backwards": 1}
    assert backtest.data_engine.processed == len(ts) - 1
    items, _ = _run(data.to_objects(), strategy())  # type: ignore[arg-type]
    _same(columnar, items)


def test_columnar_replay_leaves_the_stream_time_for_later_items() -> None:
    # After a replay that skipped the per-item checks, the engine still knows the stream's last
    # time: an item from before it is refused, one at or after it is taken.
    data = _bars()
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    strategy = MovingAverageCross(fast=5, slow=20, quantity=Decimal(10), bar_type=str(data.bar_type))
    backtest = build_backtest(
        BacktestConfig(venues=[venue], instruments=[equity()], data=[data], strategies=[strategy])
    )
    backtest.run()
    bars = data.to_objects()
    engine = backtest.data_engine
    assert engine.process(bars[-2]) is False
    assert engine.rejected == {"time_backwards": 1}
    assert engine.process(bars[-1]) is True


def test_columnar_replay_shares_prices_far_from_the_first_and_off_the_tick() -> None:
    # The first price centres a window of shared objects; prices beyond it and prices off the
    # instrument's increment are still exact (an instrument's increments are not enforced here).
    data = _bars()
    columns = dict(data.columns)
    close = columns["close"].copy()
    close[100] = close[0] + 70_000 * 10**7  # 700.00 above: outside the window of 65,536 cents
    close[101] = close[100]
    close[102] = close[0] + 3  # a thousandth of a cent: off the 0.01 increment
    high = np.maximum(columns["high"], close)
    low = np.minimum(columns["low"], close)
    columns.update(close=close, high=high, low=low)
    data = dataclasses.replace(data, columns=columns)
    seen: list[Bar] = []

    class Recorder(Strategy):
        def on_start(self) -> None:
            self.subscribe_bars(data.bar_type)  # type: ignore[arg-type]

        def on_bar(self, bar: Bar) -> None:
            seen.append(bar)

    _run(data, Recorder())
    assert [bar.close.raw for bar in seen] == close.tolist()
    assert seen[100].close is seen[101].close
    assert seen[102].close.raw == close[102] and seen[102].close.precision == 2


@pytest.mark.parametrize("window", [{}, {"start": 301, "end": 2701}], ids=["whole", "start-end"])
def test_columnar_quotes_with_repeated_times_sample_each_time_once(window: dict[str, int]) -> None:
    # Quotes in time order with runs of equal times (one to four long): the curve has one sample
    # per distinct time, at the end of that time, its times taken from the column; the item path
    # agrees. The window's edges fall inside runs of equal times.
    data = _quotes()
    ts = data.columns["ts"].tolist()
    repeated = [ts[i - i % (1 + (i // 100) % 4)] for i in range(len(ts))]
    assert repeated == sorted(repeated) and len(set(repeated)) < len(repeated) * 0.7
    data = _with_ts(data, repeated)
    bounds = {f"{key}_ns": repeated[index] for key, index in window.items()}
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    config = BacktestConfig(venues=[venue], instruments=[equity()], data=[data], strategies=[QuoteFlipper()], **bounds)  # type: ignore[arg-type]
    backtest = build_backtest(config)
    reports: list[int] = []
    columnar = backtest.run(reports.append, progress_every=97)
    assert backtest._samples.implicit_ts  # the times came from the column
    items, item_reports = _run(data.to_objects(), QuoteFlipper(), **bounds)  # type: ignore[arg-type]
    _same(columnar, items)
    assert reports == item_reports
    lo, hi = bounds.get("start_ns", repeated[0]), bounds.get("end_ns", repeated[-1] + 1)
    assert columnar.equity.ts.tolist() == sorted({t for t in repeated if lo <= t < hi})
