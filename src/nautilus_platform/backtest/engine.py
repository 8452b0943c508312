"""The event-driven backtest: data streams merged by time, through the real trading core.

``Backtest(core, strategies, streams).run()`` feeds every item, in timestamp order (ties keep
the order of the streams as given, then of each stream), to the ``MarketDataEngine`` (the core's
cache, marks and simulated venues, then the bus) while the ``StrategyEngine`` dispatches data
and events to the strategies. The core runs on a ``SimulatedClock`` that the data moves, so a
rerun with the same inputs gives identical orders, fills and statistics.

Time: the core moves the clock to each item's time as it takes the item; timers and alerts due up
to that time fire first, in time order, each with the clock at its own time (an order sent from a
timer between two items carries the timer's time and meets the prices of the items before it), so
a timer due at an item's time fires before that item. Timers set in ``on_start`` without a start
count from the first item the run processes (the first at or after ``start_ns``), so they land on
the data's times.

The end: with an explicit ``end_ns`` the clock runs on after the last item the run processes
(``TradingNode.run_until``): every timer, alert and venue delivery (acknowledgements, fills and
expiries a latency model held back, GTD and DAY expiries) due before ``end_ns`` — exclusive: a
timer at ``end_ns`` does not fire — happens in time order, each with the clock at its own time,
the venues' deliveries due before a timer's time first, those due at its time after it (the rule
between items). Bars built from the ticks (``data_engine.add_bar_aggregation``) whose time bar
ended before ``end_ns`` are complete and go through first, at their own times (a bar stamped at
``end_ns`` is outside the run, as such a bar from a file would be; tick, volume and value bars in
progress are partial and dropped). The clock is then left at ``end_ns - 1`` and the strategies
stop (``on_stop``). A run that processes no item does not run on.
Without ``end_ns`` nothing moves the clock past the last item: a timer due after it does not fire,
no bar in progress goes through (the data could have gone on in its interval), and ``on_stop``
runs at the last item's time. Either way an order whose latency takes it past the
end stays as it stood in the results: ``SUBMITTED`` (never acknowledged, never filled), or
``PENDING_CANCEL`` for a cancel still on its way.

The equity curve samples the equity of the accounts (in the base currency of the first account
that has one) after the last item of each timestamp — or, with ``equity_interval_ns``, at most
once per interval. Every account with that base currency counts (a two-venue run is one curve);
an account with another base currency, or none, is left out and named in the result's notes. The
last item's time holds the equity at the end of the run (after ``on_stop``), unless a fill or an
account state after the last item came later than it (the end's timers and deliveries, or
``on_stop`` at ``end_ns - 1``): then the last item's time holds the equity as it stood after the
last item, and one more sample, at the last such event's time, the equity at the end.

A run over one source of loaded bars or quotes replays its columns directly: the core reads
each row's raw ints, and the model object the cache and the strategies see is built from
shared ``Price``/``Quantity`` values (immutable, so a repeated price is one object). Any other
mix of sources goes item by item through the merge; both give identical results.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, Protocol, cast

import numpy as np

from nautilus_platform.analytics.statistics import EquityCurve, RoundTrip, compute_statistics
from nautilus_platform.backtest.results import (
    BacktestResult,
    FillRates,
    OrderSummary,
    close_reason,
    round_trips,
    summarise_order,
    summarise_snapshot,
)
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, PositionId, TradeId
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.objects import CHUNK, iter_objects
from nautilus_platform.model.data import Bar, BarType, MarketData, QuoteTick
from nautilus_platform.model.enums import DenyReason, OmsType
from nautilus_platform.model.events import (
    AccountState,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    PositionEvent,
)
from nautilus_platform.model.orders import OrderSnapshot
from nautilus_platform.model.values import FIXED_PRECISION, FIXED_SCALAR, Currency, Money, Price, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.engine import StrategyEngine, TradingCore
from nautilus_platform.trading.positions import Account

DataSource = LoadedData | CatalogData | Sequence[MarketData]
#: Items between two purges of closed orders from the core's cache (``None``: never).
PURGE_EVERY = 10_000
Progress = Callable[[int], None]
#: Completes a run's result before ``run`` returns it: what the builder of a backtest adds to
#: every run of it (``service.backtest.build_backtest``: the config's notes, the routed parents).
ResultHook = Callable[[BacktestResult], None]


class BacktestCore(TradingCore, Protocol):
    """A trading core a backtest can drive (``service.node.TradingNode``)."""

    def process(self, data: MarketData) -> None: ...

    def process_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int) -> None: ...

    def process_bar_raw(
        self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int
    ) -> None: ...

    def housekeeping(self, freeze_gc: bool = True) -> int: ...

    def run_until(self, end_ns: int) -> None: ...


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


#: Distinct values a columnar replay keeps as shared objects before it starts afresh.
INTERN_LIMIT: Final = 65_536
SHARED_WINDOW: Final = 65_536  # consecutive price (size) steps shared through a list
SAMPLE_BLOCK: Final = 4_096  # equity samples between copies into the curve's arrays
_PROCESS: Final = 0  # what ``_enter`` says of an item
_SKIP: Final = 1
_STOP: Final = 2
_BEHIND: Final = 3  # before the run's time: the columnar paths let the engine refuse it; the merge refuses it
_NOTIONAL_SCALE: Final = FIXED_SCALAR**3  # raw quantity * raw price * raw multiplier
_FIXED_SCALAR: Final = FIXED_SCALAR  # Final aliases: constants to compiled code, not module-dict lookups
_BAR_CLS: Final = Bar
_QUOTE_CLS: Final = QuoteTick
_FILLED_CLS: Final = OrderFilled
_DENIED_CLS: Final = OrderDenied
_REJECTED_CLS: Final = OrderRejected
_CANCELED_CLS: Final = OrderCanceled
_EXPIRED_CLS: Final = OrderExpired
_HEDGING: Final = OmsType.HEDGING
_DUPLICATE_ID: Final = DenyReason.DUPLICATE_CLIENT_ORDER_ID


class _Samples:
    """The equity curve as it is sampled: Python lists (cheap appends) copied into NumPy arrays
    every ``SAMPLE_BLOCK`` samples. The arrays are sized for ``capacity`` samples up front (pages
    are only touched as they fill) and grow if a run takes more.

    With ``implicit_ts`` the caller samples once per distinct time of an ordered column and adds
    the equity alone (``add_equity``); it hands the times over as an array at the end (``curve``),
    which spares a Python int per sample."""

    def __init__(self, capacity: int = SAMPLE_BLOCK, implicit_ts: bool = False) -> None:
        self.implicit_ts = implicit_ts
        self.ts: list[int] = []
        self.equity: list[float] = []
        self._ts_out = np.empty(1 if implicit_ts else max(capacity, 1), dtype=np.int64)
        self._equity_out = np.empty(max(capacity, 1), dtype=np.float64)
        self._size = 0

    def add(self, ts: int, equity: float) -> None:
        self.ts.append(ts)
        self.equity.append(equity)
        if len(self.ts) >= SAMPLE_BLOCK:
            self._flush()

    def add_equity(self, equity: float) -> None:
        self.equity.append(equity)
        if len(self.equity) >= SAMPLE_BLOCK:
            self._flush()

    def _flush(self) -> None:
        begin = self._size
        end = begin + len(self.equity)
        if end > len(self._equity_out):
            grown = max(end, 2 * len(self._equity_out))
            self._equity_out = np.resize(self._equity_out, grown)
            if not self.implicit_ts:
                self._ts_out = np.resize(self._ts_out, grown)
        count = end - begin  # fromiter with a dtype skips the type discovery of a list assignment
        if not self.implicit_ts:
            self._ts_out[begin:end] = np.fromiter(self.ts, dtype=np.int64, count=count)
        self._equity_out[begin:end] = np.fromiter(self.equity, dtype=np.float64, count=count)
        self._size = end
        self.ts, self.equity = [], []

    def curve(self, ts: np.ndarray | None = None) -> EquityCurve:
        """The curve; with ``implicit_ts``, ``ts`` are the sample times (one per equity sample)."""
        self._flush()
        size = self._size
        if self.implicit_ts:
            if ts is None or len(ts) != size:
                raise RuntimeError(f"equity curve: {size} samples but {None if ts is None else len(ts)} times")
            return EquityCurve(ts=ts, equity=self._equity_out[:size])
        return EquityCurve(ts=self._ts_out[:size], equity=self._equity_out[:size])


def _distinct_times(ts: np.ndarray, start_ns: int | None, end_ns: int | None) -> np.ndarray:
    """The distinct times of an ordered time column within ``[start_ns, end_ns)``, in order: the
    times a replay of that column samples the equity at."""
    begin = 0 if start_ns is None else int(np.searchsorted(ts, start_ns, side="left"))
    finish = len(ts) if end_ns is None else int(np.searchsorted(ts, end_ns, side="left"))
    window = np.asarray(ts[begin : max(begin, finish)], dtype=np.int64)
    if len(window) < 2:
        return window.copy()
    return window[np.concatenate(([True], window[1:] != window[:-1]))]


class _Shared:
    """One shared ``Price`` (or ``Quantity``) object per value of a replayed column.

    Values on the precision's increment (``step``) are keyed by ``raw // step``: keys within a
    window around the first one index a list (no hashing, no boxing), others a dict that is
    emptied when it reaches ``INTERN_LIMIT``. Values off the increment get their own object.
    ``objects`` resolves a whole block of a column at once (NumPy gathers from the window)."""

    def __init__(self, precision: int, is_price: bool) -> None:
        self.precision = precision
        self.is_price = is_price
        self.step: int = 10 ** (FIXED_PRECISION - precision)
        self.base = -1  # the key at the window's first slot, set by the first value
        self.window: list[Price | Quantity | None] = [None] * SHARED_WINDOW
        self.others: dict[int, Price | Quantity] = {}
        # The window's objects as a NumPy object array, and which slots it holds (``objects``).
        self._table: np.ndarray | None = None
        self._held: np.ndarray | None = None

    def objects(self, raws: np.ndarray) -> list[Any]:
        """The shared object of each value of the int64 column ``raws``, in order (``get`` of each).

        When every value is on the increment and inside the window (the usual case) the objects
        are gathered from the window with NumPy: no Python int, hash or call per value."""
        if raws.dtype != np.int64:
            return [self.get(raw) for raw in raws.tolist()]
        if not len(raws):
            return []
        step = self.step
        keys = raws // step
        if self.base < 0:
            self.base = max(0, int(keys[0]) - SHARED_WINDOW // 2)
        slots = keys - self.base
        if not (bool((keys * step == raws).all()) and int(slots.min()) >= 0 and int(slots.max()) < SHARED_WINDOW):
            return [self.get(raw) for raw in raws.tolist()]
        table, held = self._table, self._held
        if table is None or held is None:
            table = self._table = np.empty(SHARED_WINDOW, dtype=object)
            held = self._held = np.zeros(SHARED_WINDOW, dtype=bool)
        present = held[slots]
        if not bool(present.all()):  # values new to the table: the window's objects, made if need be
            wanted = np.zeros(SHARED_WINDOW, dtype=bool)
            wanted[slots[~present]] = True
            missing = np.flatnonzero(wanted)
            window, base = self.window, self.base
            fresh: list[Price | Quantity] = []
            for slot in missing.tolist():
                shared = window[slot]
                if shared is None:
                    shared = window[slot] = self._make((base + slot) * step)
                fresh.append(shared)
            table[missing] = np.fromiter(fresh, dtype=object, count=len(fresh))
            held[missing] = True
        return cast(list[Any], table[slots].tolist())

    def get(self, raw: int) -> Price | Quantity:
        step = self.step
        if raw % step:
            return self._make(raw)
        key = raw // step
        if self.base < 0:
            self.base = max(0, key - SHARED_WINDOW // 2)
        slot = key - self.base
        if 0 <= slot < SHARED_WINDOW:
            shared = self.window[slot]
            if shared is None:
                shared = self._make(raw)
                self.window[slot] = shared
            return shared
        others = self.others
        other = others.get(key)
        if other is None:
            if len(others) >= INTERN_LIMIT:
                others.clear()
            other = self._make(raw)
            others[key] = other
        return other

    def _make(self, raw: int) -> Price | Quantity:
        if self.is_price:
            return Price(raw=raw, precision=self.precision)
        return Quantity(raw=raw, precision=self.precision)


def _columnar(source: DataSource) -> tuple[DataKind, InstrumentId, int, int, BarType | None] | None:
    """What a columnar replay of ``source`` needs (kind, instrument, precisions, bar type), or
    ``None`` when it goes item by item (objects, trades, books)."""
    if isinstance(source, LoadedData):
        instrument = source.instrument
        iid, pp, sp = instrument.id, instrument.price_precision, instrument.size_precision
    elif isinstance(source, CatalogData):
        iid, pp, sp = source.instrument_id, source.price_precision, source.size_precision
    else:
        return None
    if source.kind is DataKind.QUOTES or (source.kind is DataKind.BARS and source.bar_type is not None):
        return source.kind, iid, pp, sp, source.bar_type
    return None


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


def fees_paid(fills: Sequence[OrderFilled], account: Account, notes: list[str]) -> float:
    """The commissions of every fill (positions still open at the end included) in the account's
    base currency: summed exactly per currency, each other currency converted once at the rate the
    portfolio holds at the end of the run (the rate the end equity values its balances at). A
    currency without a rate to the base is left out, and a note in ``notes`` names it and its amount."""
    totals: dict[Currency, int] = {}
    for fill in fills:
        commission = fill.commission
        totals[commission.currency] = totals.get(commission.currency, 0) + commission.raw
    base = account.base_currency
    total = 0
    for currency, raw in totals.items():
        converted = account.rates.convert_raw(raw, currency, base)
        if converted is None:
            notes.append(
                f"the fees paid leave out {Money(raw=raw, currency=currency)} of commissions: no rate from {currency.code} to "
                f"{base.code} at the end of the run"
            )
        else:
            total += converted
    return total / _FIXED_SCALAR


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
        if equity_interval_ns is not None and (type(equity_interval_ns) is not int or equity_interval_ns <= 0):
            raise ValidationError(
                "equity_interval_ns", equity_interval_ns, "must be a positive int (nanoseconds) or None"
            )
        self.equity_interval_ns = equity_interval_ns
        if purge_every is not None and (type(purge_every) is not int or purge_every < 1):
            raise ValidationError("purge_every", purge_every, "must be a positive int or None")
        self.purge_every = purge_every
        # Each order as it closed, unformatted (formatting is for the results: ``_orders``).
        self._closed_orders: dict[str, OrderSnapshot] = {}
        self._order_index: dict[str, int] = {}  # client order id -> the order's place in creation order
        self._close_reasons: dict[str, str] = {}  # client order id -> why it was denied, rejected, cancelled
        self.data_engine = MarketDataEngine(core)
        self.strategy_engine = StrategyEngine(core)
        for strategy in strategies:
            self.strategy_engine.add(strategy)
        self.fills: list[OrderFilled] = []
        self.positions: dict[str, PositionEvent] = {}
        self._fill_positions: dict[tuple[InstrumentId, TradeId], PositionId] = {}  # for the round trips
        self._fill_rates: dict[tuple[InstrumentId, TradeId], FillRates] = {}  # fills not all in the base currency
        self._unrated: set[str] = set()  # currencies a fill had no rate to the base for
        self._base: Currency | None = None
        self._settlements: dict[InstrumentId, Currency] = {}
        self._foreign_settlement = False
        self._portfolio = core.portfolio
        self._position_hints: dict[ClientOrderId, PositionId] = core.cache.position_hints
        # The run loop's state (``_enter``/``_leave``), reset by ``run``.
        self._account: Account | None = None
        self._other_accounts: list[Account] = []  # the other accounts in the curve (same base currency)
        self._samples = _Samples()
        self._count = 0
        self._last_ts = 0
        self._has_last = False
        self._next_sample = -(2**62)
        self._progress: Progress | None = None
        self._in_order = False  # a columnar source's times never go backwards
        self._stream_topic: str | None = None  # its topic once its first item passed the engine's checks
        self._progress_every = 10_000
        self.account_states: list[AccountState] = []
        # Called with the result at the end of ``run``, in order (once per run, not per item).
        self.result_hooks: list[ResultHook] = []
        bus = core.bus
        bus.subscribe("events.order.*", self._on_order_event)
        bus.subscribe("events.position.*", self._on_position_event)
        bus.subscribe("events.account.*", self.account_states.append)

    @property
    def total_items(self) -> int:
        return sum(source_length(source) for source in self.sources)

    def _on_order_event(self, event: OrderEvent) -> None:
        kind = type(event)
        cid = event.client_order_id
        if kind is _FILLED_CLS:
            fill = cast(OrderFilled, event)
            self.fills.append(fill)
            if self._foreign_settlement:  # some instrument settles outside the base currency
                self._note_foreign(fill)
        elif kind is _DENIED_CLS or kind is _REJECTED_CLS or kind is _CANCELED_CLS or kind is _EXPIRED_CLS:
            # Why an order closed, for its summary; not a submit denied for reusing an order's id:
            # that denial is of another object, never stored, and says nothing of the order of that id.
            if kind is not _DENIED_CLS or cast(OrderDenied, event).reason is not _DUPLICATE_ID:
                self._close_reasons[cid] = close_reason(event)
        index = self._order_index
        if cid not in index:
            index[cid] = len(index)
        order = self.core.cache.orders.get(cid)
        if order is not None and order.is_closed:
            self._closed_orders[cid] = order.snapshot()

    def _note_foreign(self, fill: OrderFilled) -> None:
        """``_note_rates`` for a fill whose settlement or commission currency is not the base."""
        base = self._base
        if base is None:
            return
        settle = self._settlements.get(fill.instrument_id)
        fee_ccy = fill.commission.currency
        if (settle is not base and settle != base) or (fee_ccy is not base and fee_ccy != base):
            self._note_rates(fill, base, settle)

    def _note_rates(self, fill: OrderFilled, base: Currency, settle: Currency | None) -> None:
        """The rates to ``base`` at ``fill`` of its settlement and commission currencies, for the
        round trips (``results.round_trips``)."""
        rates = self.core.portfolio.rates
        settle_ratio = None if settle is None else rates.ratio(settle, base)
        fee_ratio = rates.ratio(fill.commission.currency, base)
        self._fill_rates[(fill.instrument_id, fill.trade_id)] = (settle_ratio, fee_ratio)
        if settle_ratio is None and settle is not None:
            self._unrated.add(settle.code)
        if fee_ratio is None and fill.commission.raw:
            self._unrated.add(fill.commission.currency.code)

    def _on_position_event(self, event: PositionEvent) -> None:
        self.positions[str(event.position_id)] = event
        # The round trips need each fill's position only where positions are not one per strategy
        # and instrument: hedging, or a command that named a position.
        portfolio = self._portfolio
        if portfolio.oms_type is _HEDGING or portfolio.oms_overrides or self._position_hints:
            self._fill_positions[(event.instrument_id, event.last_trade_id)] = event.position_id

    def run(self, progress: Progress | None = None, progress_every: int = 10_000) -> BacktestResult:
        """Run to the end of the data, and on to ``end_ns`` when given (see the module docstring);
        ``progress(items_done)`` is called every ``progress_every`` items; the result then passes
        through ``result_hooks``, in order."""
        accounts = list(self.core.portfolio.accounts.values())
        account = next((a for a in accounts if a.base_currency is not None), None)
        if account is None:
            raise ConfigurationError("the equity curve needs an account with a base currency")
        self._account = account
        self._base = account.base_currency
        self._settlements = {iid: i.settlement for iid, i in self.core.cache.instruments.items()}
        # A simulated venue charges commissions in the settlement currency: with every instrument
        # settling in the base currency no fill needs a rate (``_note_foreign`` is skipped).
        self._foreign_settlement = any(c != self._base for c in self._settlements.values())
        self._other_accounts = [a for a in accounts if a is not account and a.base_currency == account.base_currency]
        started = time.perf_counter()
        source = self.sources[0]
        columnar = _columnar(source) if len(self.sources) == 1 else None
        column_ts: np.ndarray | None = None
        self._in_order = False
        if columnar is not None and isinstance(source, LoadedData | CatalogData):
            column_ts = source.columns["ts"]
            # In time order throughout: once the first item has passed the engine's checks, the
            # rest skip them (the instrument is the same and no time can go backwards).
            self._in_order = len(column_ts) < 2 or bool((column_ts[1:] >= column_ts[:-1]).all())
        # Then every distinct time of the column is a sample time: the curve takes them from the
        # column instead of a Python int per sample.
        implicit = column_ts is not None and self._in_order and self.equity_interval_ns is None
        samples = self._samples = _Samples(self.total_items + 1, implicit_ts=implicit)
        self._count = 0
        self._last_ts = 0
        self._has_last = False
        self._next_sample = -(2**62)
        self._stream_topic = None
        self._progress = progress
        self._progress_every = progress_every
        now = self.core.clock.timestamp_ns()
        self.account_states.extend(a.state(now, now, "start") for a in accounts)  # balances over time start here
        # Timers set in ``on_start`` count from the first item the run processes (the first at or
        # after ``start_ns``), so that they land on the data's times even when ``start_ns`` does not.
        items: Iterator[MarketData] = iter(())
        if column_ts is not None:
            first = self._first_column_time(column_ts)
        else:
            first, items = self._first_item(merged(self.sources))
        if first is not None and now < first:
            self.strategy_engine.timer_origin_ns = first
        self.strategy_engine.start()
        if columnar is not None:
            self._replay_columns(source, *columnar)  # type: ignore[arg-type]
        else:
            self._replay_items(items)
        tail_ts = self._finish()
        count = self._count
        if progress is not None:
            progress(count)
        if implicit:
            assert column_ts is not None
            times = _distinct_times(column_ts, self.start_ns, self.end_ns)
            curve = samples.curve(times if tail_ts is None else np.append(times, np.int64(tail_ts)))
        else:
            curve = samples.curve()
        wall = time.perf_counter() - started
        result = self._result(count, wall, curve)
        for hook in self.result_hooks:
            hook(result)
        return result

    def _finish(self) -> int | None:
        """After the last item: with an explicit end, send on the time bars built from ticks that
        ended before it (``MarketDataEngine.close_time_bars``) and run the clock on to it
        (``run_until``: the timers, alerts and venue deliveries due before ``end_ns``), then stop the strategies
        (``on_stop``) and take the curve's last samples. Returns the time of the extra sample
        this adds after the last item's, or ``None``.

        The last item's time gets the equity after it (what the curve would hold had another item
        come) and the end of the run the final equity, at the time of the last fill or account
        state after the last item, when there is one later than it (the tail or ``on_stop``
        changed the equity then); otherwise the last item's time gets the final equity alone, as a
        run without an end always has it (``on_stop`` acts at the last item's time)."""
        fills, states = len(self.fills), len(self.account_states)
        has_last = self._has_last
        before = self._equity_raw() if has_last else 0
        end = self.end_ns
        if end is not None and has_last:
            # Time bars built from ticks (``data_engine.add_bar_aggregation``) that ended before
            # the end are complete: they go through at their time, before the rest of the tail.
            self.data_engine.close_time_bars(end)
            self.core.run_until(end)
        self.strategy_engine.stop()
        if not has_last:
            return None
        last = self._last_ts
        changed = max(
            max((fill.ts_event for fill in self.fills[fills:]), default=last),
            max((state.ts_event for state in self.account_states[states:]), default=last),
        )
        if changed <= last:
            self._sample(last, self._equity_raw() / _FIXED_SCALAR)
            return None
        self._sample(last, before / _FIXED_SCALAR)
        self._sample(changed, self._equity_raw() / _FIXED_SCALAR)
        return changed

    def _first_column_time(self, ts: np.ndarray) -> int | None:
        """The time of the first row of a column that the run processes (``_enter``), or ``None``."""
        start, end = self.start_ns, self.end_ns
        if start is None:
            index = 0
        elif self._in_order:
            index = int(np.searchsorted(ts, start, side="left"))
        else:
            after = np.flatnonzero(ts >= start)
            index = int(after[0]) if len(after) else len(ts)
        if index >= len(ts):
            return None
        first = int(ts[index])
        return None if end is not None and first >= end else first

    def _first_item(self, items: Iterator[MarketData]) -> tuple[int | None, Iterator[MarketData]]:
        """The time of the first item the run processes (``_enter``: those before ``start_ns`` are
        skipped, one at or after ``end_ns`` ends the run), and the items from that one on."""
        start, end = self.start_ns, self.end_ns
        for item in items:
            ts = item.ts_event
            if start is not None and ts < start:
                continue
            if end is not None and ts >= end:
                return None, iter(())
            return ts, itertools.chain((item,), items)
        return None, iter(())

    def _enter(self, ts: int) -> int:
        """Before an item at ``ts``: skip it (before the start), stop (at the end), or process it
        (after sampling the equity of the timestamp that just ended)."""
        start, end = self.start_ns, self.end_ns
        if start is not None and ts < start:
            return _SKIP
        if end is not None and ts >= end:
            return _STOP
        if self._has_last:
            last = self._last_ts
            if ts < last:
                return _BEHIND  # out of time order (see ``_replay_items``)
            if ts != last and last >= self._next_sample:
                account = self._account
                assert account is not None
                equity = account.equity_raw if not self._other_accounts else self._equity_raw()
                self._sample(last, equity / _FIXED_SCALAR)
                interval = self.equity_interval_ns
                if interval is not None:
                    self._next_sample = last + interval
        self._last_ts = ts
        self._has_last = True
        return _PROCESS

    def _equity_raw(self) -> int:
        """The curve's equity (raw, base currency): the first account's plus the others'."""
        account = self._account
        assert account is not None
        total = account.equity_raw
        for other in self._other_accounts:
            total += other.equity_raw
        return total

    def _sample(self, ts: int, equity: float) -> None:
        samples = self._samples
        if samples.implicit_ts:
            samples.add_equity(equity)
        else:
            samples.add(ts, equity)

    def _leave(self) -> None:
        """After an item: count it, report progress, purge closed orders now and then."""
        count = self._count = self._count + 1
        progress = self._progress
        if progress is not None and count % self._progress_every == 0:
            progress(count)
        purge = self.purge_every
        if purge is not None and count % purge == 0:
            # Closed orders leave the cache (their summaries and events are kept for the results).
            self.core.housekeeping(freeze_gc=False)

    def _replay_items(self, items: Iterable[MarketData]) -> None:
        engine = self.data_engine
        process = engine.process
        for item in items:
            action = self._enter(item.ts_event)
            if action == _SKIP:
                continue
            if action == _STOP:
                break
            if action == _BEHIND:  # an unsorted source: the clock has passed it, whatever its stream
                engine.refuse(
                    "time_backwards",
                    f"ts_event {item.ts_event} is before the run's time {self._last_ts} (each source must be in time order)",
                    item,
                )
            else:
                process(item)
            self._leave()

    def _replay_columns(
        self, source: LoadedData | CatalogData, kind: DataKind, iid: InstrumentId, pp: int, sp: int,
        bar_type: BarType | None,
    ) -> None:  # fmt: skip
        columns = source.columns
        prices, sizes = _Shared(pp, is_price=True), _Shared(sp, is_price=False)
        n = len(columns["ts"])
        try:
            self._replay_chunks(columns, n, kind, iid, bar_type, prices, sizes)
        finally:
            if self._stream_topic is not None:
                self.data_engine.end_stream(bar_type if bar_type is not None else iid, self._last_ts)

    def _replay_chunks(
        self, columns: dict[str, np.ndarray], n: int, kind: DataKind, iid: InstrumentId, bar_type: BarType | None,
        prices: _Shared, sizes: _Shared,
    ) -> None:  # fmt: skip
        for begin in range(0, n, CHUNK):
            end = begin + CHUNK
            if kind is DataKind.BARS:
                assert bar_type is not None
                # Python ints for the time and the close (the core reads them natively), the shared
                # objects of the open, high, low and volume gathered at once (a Python int and a
                # lookup each would cost more); one block alive at a time.
                stopped = self._replay_bars(
                    columns["ts"][begin:end].tolist(), columns["close"][begin:end].tolist(),
                    prices.objects(columns["open"][begin:end]), prices.objects(columns["high"][begin:end]),
                    prices.objects(columns["low"][begin:end]), sizes.objects(columns["volume"][begin:end]),
                    bar_type, iid, prices,
                )  # fmt: skip
            else:
                # The time and prices as Python ints (the core reads them natively) with one lookup
                # each for their objects; the sizes, read from the quote when an order needs them,
                # as objects gathered at once.
                stopped = self._replay_quotes(
                    columns["ts"][begin:end].tolist(), columns["bid_price"][begin:end].tolist(),
                    columns["ask_price"][begin:end].tolist(), sizes.objects(columns["bid_size"][begin:end]),
                    sizes.objects(columns["ask_size"][begin:end]), iid, prices,
                )  # fmt: skip
            if stopped:
                return

    def _replay_bars(
        self, ts_col: list[int], c_col: list[int], opens: list[Any], highs: list[Any], lows: list[Any],
        volumes: list[Any], bar_type: BarType, iid: InstrumentId, prices: _Shared,
    ) -> bool:  # fmt: skip
        engine = self.data_engine  # called as a method: a native call when compiled
        ts_objects = cast(list[Any], ts_col)
        for i in range(len(ts_col)):
            # The time as the list's own int object for the bar's two fields (a native int would be
            # boxed into a new object for each) and as a native int for the core.
            ts_object = ts_objects[i]
            t = cast(int, ts_object)
            action = self._enter(t)
            if action == _SKIP:
                continue
            if action == _STOP:
                return True
            c = c_col[i]
            bar = _BAR_CLS(
                bar_type=bar_type, open=opens[i], high=highs[i], low=lows[i], close=cast(Price, prices.get(c)),
                volume=volumes[i], ts_event=ts_object, ts_init=ts_object,
            )  # fmt: skip
            topic = self._stream_topic
            if topic is not None:
                engine.process_bar_ordered(topic, bar, bar_type, iid, t, c)
            elif engine.process_bar_raw(bar, bar_type, iid, t, c) and self._in_order:
                self._stream_topic = engine.stream_topic(bar_type)
            self._leave()
        return False

    def _replay_quotes(
        self, ts_col: list[int], bid_col: list[int], ask_col: list[int], bid_sizes: list[Any], ask_sizes: list[Any],
        iid: InstrumentId, prices: _Shared,
    ) -> bool:  # fmt: skip
        engine = self.data_engine
        ts_objects = cast(list[Any], ts_col)
        for i in range(len(ts_col)):
            ts_object = ts_objects[i]  # one int object for both fields (see ``_replay_bars``)
            t = cast(int, ts_object)
            action = self._enter(t)
            if action == _SKIP:
                continue
            if action == _STOP:
                return True
            bid, ask = bid_col[i], ask_col[i]
            quote = _QUOTE_CLS(
                instrument_id=iid, bid_price=cast(Price, prices.get(bid)), ask_price=cast(Price, prices.get(ask)),
                bid_size=bid_sizes[i], ask_size=ask_sizes[i], ts_event=ts_object, ts_init=ts_object,
            )  # fmt: skip
            topic = self._stream_topic
            if topic is not None:
                engine.process_quote_ordered(topic, quote, iid, t, bid, ask)
            elif engine.process_quote_raw(quote, iid, t, bid, ask) and self._in_order:
                self._stream_topic = engine.stream_topic(iid)
            self._leave()
        return False

    def _orders(self) -> list[OrderSummary]:
        """Every order of the run, in creation order: closed ones as they stood when they closed."""
        reasons = self._close_reasons
        summaries = {
            cid: summarise_snapshot(snapshot, reasons.get(cid, "")) for cid, snapshot in self._closed_orders.items()
        }
        for order in self.core.cache.orders.values():
            if order.client_order_id not in summaries:
                summaries[order.client_order_id] = summarise_order(order, reasons.get(order.client_order_id, ""))
        last = len(self._order_index)
        return sorted(summaries.values(), key=lambda summary: self._order_index.get(summary.client_order_id, last))

    def _result(self, count: int, wall: float, curve: EquityCurve) -> BacktestResult:
        core = self.core
        instruments = {str(iid): instrument for iid, instrument in core.cache.instruments.items()}
        trips = round_trips(self.fills, instruments, self._fill_positions, self._fill_rates)
        # float(qty * price * multiplier) per fill (exact product, one rounding), summed in fill order
        multipliers = {iid: instrument.multiplier.raw for iid, instrument in core.cache.instruments.items()}
        distinct = set(multipliers.values())
        single = distinct.pop() if len(distinct) == 1 else 0
        fill_rates = self._fill_rates
        if fill_rates:  # some fills in another currency: each converted at its fill's rate (when it had one)
            notional = 0.0
            for f in self.fills:
                value = f.last_qty.raw * f.last_px.raw * multipliers[f.instrument_id]
                rates = fill_rates.get((f.instrument_id, f.trade_id))
                ratio = rates[0] if rates is not None else None
                if ratio is None:
                    notional += value / _NOTIONAL_SCALE
                else:
                    notional += (value * ratio[0]) / (ratio[1] * _NOTIONAL_SCALE)
        elif single and _NOTIONAL_SCALE % single == 0:  # one multiplier (1, 50, 0.1, ...): the same exact ratio
            divisor = _NOTIONAL_SCALE // single
            notional = sum((f.last_qty.raw * f.last_px.raw) / divisor for f in self.fills)
        else:
            notional = sum(
                (f.last_qty.raw * f.last_px.raw * multipliers[f.instrument_id]) / _NOTIONAL_SCALE for f in self.fills
            )
        notes: list[str] = []
        account = self._account
        assert account is not None
        statistics = compute_statistics(
            curve, trips, turnover_notional=notional, exposure_time_fraction=exposure(trips, curve, self.positions),
            fees_paid=fees_paid(self.fills, account, notes),
        )  # fmt: skip
        base = account.base_currency
        assert base is not None
        if self._unrated:
            notes.append(
                f"no rate to {base.code} at some fills for {', '.join(sorted(self._unrated))}: their commissions are left "
                "out of the round trips, and a trip without a rate for its settlement currency keeps its P&L in it"
            )
        if self._other_accounts:
            summed = ", ".join(a.id for a in (account, *self._other_accounts))
            notes.append(f"the equity curve and statistics sum the accounts {summed} (base currency {base.code})")
        left_out = [a for a in core.portfolio.accounts.values() if a is not account and a not in self._other_accounts]
        if left_out:
            named = ", ".join(
                f"{a.id} ({'no base currency' if a.base_currency is None else 'base ' + a.base_currency.code})"
                for a in left_out
            )
            notes.append(f"the equity curve and statistics leave out the accounts {named}: not in {base.code}")
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


__all__ = ["Backtest", "BacktestCore", "DataSource", "ResultHook", "merged", "stream_of"]
