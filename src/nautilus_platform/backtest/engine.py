"""The event-driven backtest: data streams merged by time, through the real trading core.

``Backtest(core, strategies, streams).run()`` feeds every item, in timestamp order (ties keep
the order of the streams as given, then of each stream), to the ``MarketDataEngine`` (the core's
cache, marks and simulated venues, then the bus) while the ``StrategyEngine`` dispatches data
and events to the strategies. The core runs on a ``SimulatedClock`` that the data moves, so a
rerun with the same inputs gives identical orders, fills and statistics.

The equity curve samples the first account's equity (in its base currency) after the last item
of each timestamp — or, with ``equity_interval_ns``, at most once per interval.
"""

from __future__ import annotations

import heapq
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np

from nautilus_platform.analytics.statistics import EquityCurve, RoundTrip, compute_statistics
from nautilus_platform.backtest.results import BacktestResult, OrderSummary, round_trips, summarise_order
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.objects import iter_objects
from nautilus_platform.model.data import MarketData
from nautilus_platform.model.events import AccountState, OrderEvent, OrderFilled, PositionEvent
from nautilus_platform.model.values import FIXED_SCALAR
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.engine import StrategyEngine, TradingCore

DataSource = LoadedData | CatalogData | Sequence[MarketData]
#: Items between two purges of closed orders from the core's cache (``None``: never).
PURGE_EVERY = 10_000
Progress = Callable[[int], None]


class BacktestCore(TradingCore, Protocol):
    """A trading core a backtest can drive (``service.node.TradingNode``)."""

    def process(self, data: MarketData) -> None: ...

    def housekeeping(self, freeze_gc: bool = True) -> int: ...


def stream_of(source: DataSource) -> Iterator[MarketData]:
    """The items of one source, in its order, built lazily from columns where it has them."""
    if isinstance(source, LoadedData):
        instrument = source.instrument
        return iter_objects(
            source.kind, source.columns, instrument_id=instrument.id, price_precision=instrument.price_precision,
            size_precision=instrument.size_precision, bar_type=source.bar_type, trade_ids=source.trade_ids,
        )  # fmt: skip
    if isinstance(source, CatalogData):
        return iter_objects(
            source.kind, source.columns, instrument_id=source.instrument_id, price_precision=source.price_precision,
            size_precision=source.size_precision, bar_type=source.bar_type, trade_ids=source.trade_ids,
        )  # fmt: skip
    return iter(source)


def source_length(source: DataSource) -> int:
    if isinstance(source, LoadedData | CatalogData):
        return len(source.columns["ts"]) if source.columns else 0
    return len(source)


def merged(sources: Sequence[DataSource]) -> Iterator[MarketData]:
    """All sources' items by ``ts_event``; ties keep source order, then each source's order."""
    streams = [stream_of(source) for source in sources]
    if len(streams) == 1:
        return streams[0]
    return _merge(streams)


def _merge(streams: list[Iterator[MarketData]]) -> Iterator[MarketData]:
    # A heap holding each stream's next item: (ts, stream index, item); the index breaks ties.
    heap: list[tuple[int, int, MarketData]] = []
    for index, stream in enumerate(streams):
        first = next(stream, None)
        if first is not None:
            heap.append((first.ts_event, index, first))
    heapq.heapify(heap)
    while heap:
        _, index, item = heap[0]
        yield item
        following = next(streams[index], None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following.ts_event, index, following))


def exposure(trips: Sequence[RoundTrip], curve: EquityCurve, positions: dict[str, PositionEvent]) -> float | None:
    """Fraction of the run's time with any position open: the union of the round trips' spans plus
    positions still open at the end; ``None`` for a run shorter than two timestamps."""
    if len(curve.ts) < 2:
        return None
    first, last = int(curve.ts[0]), int(curve.ts[-1])
    spans = sorted((t.entry_ts, t.exit_ts) for t in trips)
    spans += sorted((p.ts_opened, last) for p in positions.values() if p.quantity.raw)
    covered, reach = 0, first
    for begin, finish in sorted(spans):
        begin, finish = max(begin, reach), min(finish, last)
        if finish > begin:
            covered += finish - begin
            reach = finish
    return covered / (last - first)


class Backtest:
    """One backtest run over a core, strategies and data sources; see the module docstring."""

    def __init__(
        self,
        core: BacktestCore,
        strategies: Sequence[Strategy],
        sources: Sequence[DataSource],
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        equity_interval_ns: int | None = None,
        purge_every: int | None = PURGE_EVERY,
    ) -> None:
        if not isinstance(core.clock, SimulatedClock):
            raise ConfigurationError("a backtest needs a core on a SimulatedClock")
        if not sources:
            raise ValidationError("data", 0, "needs at least one data source")
        if start_ns is not None and end_ns is not None and end_ns <= start_ns:
            raise ValidationError("end", end_ns, f"must be after start {start_ns}")
        self.core = core
        self.sources = list(sources)
        self.start_ns, self.end_ns = start_ns, end_ns
        self.equity_interval_ns = equity_interval_ns
        if purge_every is not None and (type(purge_every) is not int or purge_every < 1):
            raise ValidationError("purge_every", purge_every, "must be a positive int or None")
        self.purge_every = purge_every
        self.order_summaries: dict[str, OrderSummary] = {}
        self._order_index: dict[str, int] = {}  # client order id -> the order's place in creation order
        self.data_engine = MarketDataEngine(core)
        self.strategy_engine = StrategyEngine(core)
        for strategy in strategies:
            self.strategy_engine.add(strategy)
        self.fills: list[OrderFilled] = []
        self.positions: dict[str, PositionEvent] = {}
        self.account_states: list[AccountState] = []
        bus = core.bus
        bus.subscribe("events.order.*", self._on_order_event)
        bus.subscribe("events.position.*", self._on_position_event)
        bus.subscribe("events.account.*", self.account_states.append)

    @property
    def total_items(self) -> int:
        return sum(source_length(source) for source in self.sources)

    def _on_order_event(self, event: OrderEvent) -> None:
        if type(event) is OrderFilled:
            self.fills.append(event)
        index = self._order_index
        cid = event.client_order_id
        if cid not in index:
            index[cid] = len(index)
        order = self.core.cache.orders.get(cid)
        if order is not None and order.is_closed:
            self.order_summaries[str(order.client_order_id)] = summarise_order(order)

    def _on_position_event(self, event: PositionEvent) -> None:
        self.positions[str(event.position_id)] = event

    def run(self, progress: Progress | None = None, progress_every: int = 10_000) -> BacktestResult:
        """Run to the end of the data; ``progress(items_done)`` is called every ``progress_every`` items."""
        accounts = list(self.core.portfolio.accounts.values())
        account = next((a for a in accounts if a.base_currency is not None), None)
        if account is None:
            raise ConfigurationError("the equity curve needs an account with a base currency")
        ts_samples: array[int] = array("q")
        equity_samples: array[float] = array("d")
        process = self.data_engine.process
        sample_ts, sample_equity = ts_samples.append, equity_samples.append
        start, end, interval, purge = self.start_ns, self.end_ns, self.equity_interval_ns, self.purge_every
        started = time.perf_counter()
        self.strategy_engine.start()
        count = 0
        last_ts = None
        next_sample = -(2**63)
        items: Iterable[MarketData] = merged(self.sources)
        for item in items:
            ts = item.ts_event
            if start is not None and ts < start:
                continue
            if end is not None and ts >= end:
                break
            if ts != last_ts and last_ts is not None and last_ts >= next_sample:
                sample_ts(last_ts)
                sample_equity(account.equity_raw / FIXED_SCALAR)
                if interval is not None:
                    next_sample = last_ts + interval
            last_ts = ts
            process(item)
            count += 1
            if progress is not None and count % progress_every == 0:
                progress(count)
            if purge is not None and count % purge == 0:
                # Closed orders leave the cache (their summaries and events are kept for the results).
                self.core.housekeeping(freeze_gc=False)
        self.strategy_engine.stop()
        if last_ts is not None:
            ts_samples.append(last_ts)
            equity_samples.append(account.equity_raw / FIXED_SCALAR)
        if progress is not None:
            progress(count)
        wall = time.perf_counter() - started
        curve = EquityCurve(ts=np.frombuffer(ts_samples, np.int64), equity=np.frombuffer(equity_samples, np.float64))
        del ts_samples, equity_samples, sample_ts, sample_equity  # the curve holds its own copy
        return self._result(count, wall, curve)

    def _orders(self) -> list[OrderSummary]:
        """Every order of the run, in creation order: closed ones as summarised when they closed."""
        summaries = dict(self.order_summaries)
        for order in self.core.cache.orders.values():
            summaries.setdefault(str(order.client_order_id), summarise_order(order))
        last = len(self._order_index)
        return sorted(summaries.values(), key=lambda summary: self._order_index.get(summary.client_order_id, last))

    def _result(self, count: int, wall: float, curve: EquityCurve) -> BacktestResult:
        core = self.core
        instruments = {str(iid): instrument for iid, instrument in core.cache.instruments.items()}
        trips = round_trips(self.fills, instruments)
        notional = sum(float(f.last_qty.as_decimal() * f.last_px.as_decimal()) for f in self.fills)
        statistics = compute_statistics(
            curve, trips, turnover_notional=notional, exposure_time_fraction=exposure(trips, curve, self.positions)
        )
        notes = []
        if len(core.portfolio.accounts) > 1:
            notes.append("the equity curve and statistics are those of the first account with a base currency")
        return BacktestResult(
            strategies={
                str(s.id): {"class": type(s).__name__, **s.params} for s in self.strategy_engine.strategies.values()
            },
            start_ns=int(curve.ts[0]) if len(curve.ts) else None,
            end_ns=int(curve.ts[-1]) if len(curve.ts) else None,
            items=count,
            wall_seconds=wall,
            orders=self._orders(),
            fills=list(self.fills),
            positions=list(self.positions.values()),
            account_states=list(self.account_states),
            equity=curve,
            round_trips=trips,
            statistics=statistics,
            strategy_errors=list(self.strategy_engine.errors),
            data_rejected=dict(self.data_engine.rejected),
            notes=notes,
        )


__all__ = ["Backtest", "BacktestCore", "DataSource", "merged", "stream_of"]
