"""``MarketDataEngine``: the streaming path of market data into the trading core.

Each item is checked (a known type and instrument, time not going backwards for its stream: an
instrument's quotes, its trades, its book (snapshots and deltas together), or one bar type),
handed to the core (cache, marks, the venue's matching) and published on the bus:
``data.quotes.<instrument>``, ``data.trades.<instrument>``, ``data.bars.<bar type>``,
``data.book.<instrument>``. A rejected item changes nothing, is counted by reason with the first
examples kept, and is published on ``data.rejected``; the engine keeps running. Bars can also be
built from the ticks as they pass (``add_bar_aggregation``), in time order: a time bar that a tick
closes ended before it and goes through first; a tick, volume or value bar goes through after the
tick that completes it. A tick that one bar aggregation refuses (its bar's volume past int64 raw, or
a time bar closing after 2262) is reported the same way (``bar_aggregation``: the bar type, field,
value and rule) and leaves that bar as it was; the tick itself is processed, and the other
aggregations still get it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.errors import DuplicateError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.aggregation import BarAggregator, bar_precisions
from nautilus_platform.model.data import (
    Bar,
    BarType,
    MarketData,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import PriceType
from nautilus_platform.model.instruments import Instrument

MAX_EXAMPLES = 20


class InstrumentSource(Protocol):
    """Where the engine looks up known instruments (the trading core's cache)."""

    @property
    def instruments(self) -> Mapping[InstrumentId, Instrument]: ...


class DataSink(Protocol):
    """What the engine feeds (``service.node.TradingNode`` provides it)."""

    bus: MessageBus

    @property
    def cache(self) -> InstrumentSource: ...

    def process(self, data: MarketData) -> None: ...

    def process_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int) -> None: ...

    def process_bar_raw(
        self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int
    ) -> None: ...


class RawDataSink:
    """A ``DataSink`` base whose raw entry points a compiled engine calls natively (the trading
    node derives from it); any other sink is called through the protocol."""

    def process_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int) -> None:
        raise NotImplementedError

    def process_bar_raw(self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class RejectedData:
    """An item the engine refused: a reason code (``not_market_data``, ``unknown_instrument``,
    ``time_backwards``; ``bar_aggregation``: a bar aggregation refused a tick that was itself
    processed), a message naming the value and the item."""

    code: str
    message: str
    item: Any


class MarketDataEngine:
    """Checks, processes and publishes market data; see the module docstring."""

    def __init__(self, core: DataSink) -> None:
        self.core = core
        self._raw_sink: RawDataSink | None = core if isinstance(core, RawDataSink) else None
        self.bus = core.bus
        self._instruments = core.cache.instruments
        self._topics: dict[object, str] = {}
        self._last_ts: dict[object, int] = {}
        self.processed = 0
        self.rejected: dict[str, int] = {}
        self.examples: list[RejectedData] = []
        self._aggregators: dict[tuple[type, InstrumentId], list[BarAggregator]] = {}
        self._aggregated: set[BarType] = set()

    def process(self, item: MarketData) -> bool:
        """Feed one item; ``False`` when it was rejected (see ``rejected`` and ``examples``)."""
        kind = type(item)
        if kind is QuoteTick:
            quote: QuoteTick = item  # type: ignore[assignment]
            return self.process_quote_raw(
                quote, quote.instrument_id, quote.ts_event, quote.bid_price.raw, quote.ask_price.raw
            )
        if kind is Bar:
            bar: Bar = item  # type: ignore[assignment]
            bar_type = bar.bar_type
            return self.process_bar_raw(bar, bar_type, bar_type.instrument_id, bar.ts_event, bar.close.raw)
        if kind is TradeTick:
            instrument_id = item.instrument_id
            key: object = (kind, instrument_id)
        elif kind is OrderBookSnapshot or kind is OrderBookDeltas:
            # Snapshots and deltas are one stream, the instrument's book: a delta dated before the
            # last snapshot would change the book the snapshot replaced.
            instrument_id = item.instrument_id
            key = (OrderBookSnapshot, instrument_id)
        else:
            return self._reject("not_market_data", f"{kind.__name__} is not market data", item)
        topic = self._topic_of(key, item, instrument_id, item.ts_event)
        if topic is None:
            return False
        # With bars built from ticks: the time bars the item closes go first (they ended before
        # it), then the item, then the bars it completes.
        aggregating = bool(self._aggregators)
        if aggregating:
            self._close_due(kind, instrument_id, item.ts_event)
        self.core.process(item)
        self.bus.publish(topic, item)
        self.processed += 1
        if aggregating:
            self._aggregate(kind, instrument_id, item)
        return True

    def process_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int) -> bool:
        """``process(quote)`` with the quote's instrument, time and raw prices already read (a
        columnar replay has them as ints; the sizes are read from the quote when an order needs
        them)."""
        topic = self._topic_of((QuoteTick, instrument_id), quote, instrument_id, ts)
        if topic is None:
            return False
        self.process_quote_ordered(topic, quote, instrument_id, ts, bid, ask)
        return True

    def process_quote_ordered(
        self, topic: str, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int
    ) -> None:
        """``process_quote_raw`` without the per-item checks, for a replay that has checked its whole
        stream itself (see ``stream_topic``). With bars built from ticks, the time bars the quote
        closes go first (they ended before it), then the quote, then the bars it completes."""
        aggregating = bool(self._aggregators)
        if aggregating:
            self._close_due(QuoteTick, instrument_id, ts)
        sink = self._raw_sink
        if sink is not None:
            sink.process_quote_raw(quote, instrument_id, ts, bid, ask)
        else:
            self.core.process_quote_raw(quote, instrument_id, ts, bid, ask)
        self.bus.publish(topic, quote)
        self.processed += 1
        if aggregating:
            self._aggregate(QuoteTick, instrument_id, quote)

    def process_bar_raw(self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int) -> bool:
        """``process(bar)`` with the bar's type, instrument, time and raw close already read (a
        columnar replay has them as ints; the open, high and low are read from the bar only when
        a venue has orders they could fill)."""
        topic = self._topic_of(bar_type, bar, instrument_id, ts)
        if topic is None:
            return False
        self.process_bar_ordered(topic, bar, bar_type, instrument_id, ts, close)
        return True

    def process_bar_ordered(
        self, topic: str, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int
    ) -> None:
        """``process_bar_raw`` without the per-item checks, for a replay that has checked its whole
        stream itself (see ``stream_topic``)."""
        sink = self._raw_sink
        if sink is not None:
            sink.process_bar_raw(bar, bar_type, instrument_id, ts, close)
        else:
            self.core.process_bar_raw(bar, bar_type, instrument_id, ts, close)
        self.bus.publish(topic, bar)
        self.processed += 1

    def stream_topic(self, stream: BarType | InstrumentId) -> str | None:
        """The topic of a bar stream (``BarType``) or an instrument's quote stream once one of its
        items has passed ``process``; ``None`` before.

        A replay that knows its remaining items are in time order (and their instrument is
        known, as the first one's was) may feed them through ``process_bar_ordered`` or
        ``process_quote_ordered`` with this topic, skipping the per-item checks, and must then
        call ``end_stream`` with the last item's time so later items are checked against it."""
        return self._topics.get(self._stream_key(stream))

    def end_stream(self, stream: BarType | InstrumentId, last_ts: int) -> None:
        """Record ``last_ts`` as the time of the last item of a stream fed in order (``stream_topic``)."""
        key = self._stream_key(stream)
        last = self._last_ts.get(key)
        if last is None or last_ts > last:
            self._last_ts[key] = last_ts

    def _stream_key(self, stream: BarType | InstrumentId) -> object:
        return stream if isinstance(stream, BarType) else (QuoteTick, stream)

    def _topic_of(self, key: object, item: MarketData, instrument_id: InstrumentId, ts: int) -> str | None:
        """The item's topic after the checks (known instrument, time not backwards), or ``None``
        when it was rejected."""
        topic = self._topics.get(key)
        if topic is None:
            if instrument_id not in self._instruments:
                self._reject("unknown_instrument", f"instrument {instrument_id} is not in the cache", item)
                return None
            topic = self._topics[key] = _topic(item, instrument_id)
        last_ts = self._last_ts
        last = last_ts.get(key)
        if last is not None and ts < last:
            self._reject("time_backwards", f"ts_event {ts} is before the stream's last {last}", item)
            return None
        last_ts[key] = ts
        return topic

    # -- bars built from ticks ----------------------------------------------------------------
    def add_bar_aggregation(self, bar_type: BarType, price_precision: int, size_precision: int) -> BarAggregator:
        """Build ``bar_type`` bars from its instrument's trades (``LAST``) or quotes (``BID``, ``ASK``,
        ``MID``) as they arrive; each closed bar goes through the engine like any other bar (core,
        then ``data.bars.<bar type>``). ``flush_bar_aggregations`` emits the bars in progress.

        The precisions are the instrument's (MID bars carry one more decimal, see
        ``bar_precisions``): with the instrument in the cache, one below its own raises
        ``ValidationError`` (the bars' prices or volumes would carry more decimals than they
        declare). A bar type already aggregated raises ``DuplicateError`` (each bar would go
        through twice)."""
        bar_precisions(bar_type, price_precision, size_precision)  # the ints' own checks first
        instrument = self._instruments.get(bar_type.instrument_id)
        if instrument is not None:
            for name, value, least in (
                ("price_precision", price_precision, instrument.price_precision),
                ("size_precision", size_precision, instrument.size_precision),
            ):
                if value < least:
                    raise ValidationError(
                        name,
                        value,
                        f"must be at least instrument {bar_type.instrument_id}'s {least} (bar type {bar_type})",
                    )
        if bar_type in self._aggregated:
            raise DuplicateError(f"bar type {bar_type} is already aggregated")
        aggregator = BarAggregator(bar_type, price_precision, size_precision)
        source = TradeTick if bar_type.spec.price_type is PriceType.LAST else QuoteTick
        self._aggregators.setdefault((source, bar_type.instrument_id), []).append(aggregator)
        self._aggregated.add(bar_type)
        return aggregator

    def flush_bar_aggregations(self) -> int:
        """Emit every partial bar in progress (e.g. at the end of the data), in time order (a time
        bar is stamped with its interval's end, any other with its last tick); returns how many."""
        partial = [
            bar
            for aggregators in self._aggregators.values()
            for aggregator in aggregators
            if (bar := aggregator.flush()) is not None
        ]
        partial.sort(key=_ts_event)
        return sum(1 for bar in partial if self.process(bar))

    def close_time_bars(self, end_ns: int) -> int:
        """Emit the time bars in progress that data ending (exclusively) at ``end_ns`` completes —
        those stamped before ``end_ns``, what a tick at ``end_ns - 1`` would close — in time order;
        returns how many. The others (a time bar stamped at or after ``end_ns``, tick, volume and
        value bars) stay in progress. A backtest with an end calls this after its last item."""
        due = [
            bar
            for aggregators in self._aggregators.values()
            for aggregator in aggregators
            if (bar := aggregator.close_due(end_ns - 1)) is not None
        ]
        due.sort(key=_ts_event)
        return sum(1 for bar in due if self.process(bar))

    def _close_due(self, kind: type, instrument_id: InstrumentId, ts: int) -> None:
        """Send on the time bars that a tick at ``ts`` closes, before the tick itself, in time order
        (a 1-second bar that ended at 11 s before a 3-second bar that ended at 12 s)."""
        aggregators = self._aggregators.get((kind, instrument_id))
        if aggregators is None:
            return
        due = [bar for aggregator in aggregators if (bar := aggregator.close_due(ts)) is not None]
        if len(due) > 1:
            due.sort(key=_ts_event)
        for bar in due:
            self.process(bar)

    def _aggregate(self, kind: type, instrument_id: InstrumentId, item: MarketData) -> None:
        aggregators = self._aggregators.get((kind, instrument_id))
        if aggregators is None:
            return
        for aggregator in aggregators:
            try:
                bar = aggregator.handle_trade(item) if kind is TradeTick else aggregator.handle_quote(item)  # type: ignore[arg-type]
            except ValidationError as error:  # that bar stays as it was; the tick was processed
                self._reject("bar_aggregation", f"bar type {aggregator.bar_type} refused the tick: {error}", item)
                continue
            if bar is not None:
                self.process(bar)

    def process_all(self, items: Iterable[MarketData]) -> int:
        """Feed items in order; returns how many were accepted."""
        process = self.process
        return sum(1 for item in items if process(item))

    def refuse(self, code: str, message: str, item: object) -> None:
        """Count ``item`` as rejected for ``code`` (as the engine's own checks do), for a caller that
        found it unfit to process (a backtest: an item before the run's time)."""
        self._reject(code, message, item)

    def _reject(self, code: str, message: str, item: object) -> bool:
        self.rejected[code] = self.rejected.get(code, 0) + 1
        rejection = RejectedData(code, message, item)
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(rejection)
        self.bus.publish("data.rejected", rejection)
        return False


def _ts_event(bar: Bar) -> int:
    return bar.ts_event


def _topic(item: MarketData, instrument_id: InstrumentId) -> str:
    if isinstance(item, Bar):
        return f"data.bars.{item.bar_type}"
    if isinstance(item, QuoteTick):
        return f"data.quotes.{instrument_id}"
    if isinstance(item, TradeTick):
        return f"data.trades.{instrument_id}"
    return f"data.book.{instrument_id}"
