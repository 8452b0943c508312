"""``SimulatedVenue``: a ``VenueClient`` backed by one matching engine per instrument.

Conventions
-----------
- Ids: venue order ids ``{venue}-{n}``, trade ids ``{venue}-T{n}``, from venue-wide counters
  (deterministic). ``OrderFilled.position_id`` is left ``None`` (the execution engine assigns it).
- Time: ``ts_event`` is when it happened at the venue (the clock for an immediate command, the
  due time of a delayed command or an expiry, the data's ``ts_event`` for data-driven fills);
  ``ts_init`` is the clock's time when the event was built.
- Latency: with a zero latency model every command acts inside the call (no heap). Otherwise a
  command sent at ``t`` acts at ``t + latency``, but never before the submit of its order, and a
  modify never before an earlier modify of the same order (a cancel may overtake a modify); due
  commands and expiries are delivered in time order, then in the order they were scheduled, by
  ``process_time`` and at the start of every ``process_*`` call (up to the data's ``ts_event``)
  and every command (up to the clock's time). A bar is stamped with its close time and its
  prices came before it: what is due at exactly its ``ts_event`` acts after its prices.
- Expiry: GTD at ``expire_time_ns``; DAY at the next day end after acceptance (UTC midnight plus
  ``day_end_offset_ns``). Expired orders get ``OrderExpired``.
- Bad input is an answer: unknown instruments, untradable instruments, malformed or duplicate
  orders are rejected (``OrderRejected``); modifies and cancels of unknown or closed orders get
  ``OrderModifyRejected`` / ``OrderCancelRejected``. Market data for unknown instruments is ignored.
- Book type: ``L1`` books are built from quotes (or trades/bars until the first quote) and ignore
  ``process_book``; ``L2`` books are built from ``process_book`` and ignore quotes. Trades and bars
  drive LAST triggers and trade-through fills of resting orders in both.
- One stream per instrument: once quotes, trades or book updates have moved an instrument's book,
  its bars no longer do (nor match orders); among bar types, one drives at a time (the first seen;
  a time bar type takes over with a bar that starts at or after the close of the last bar that
  drove, so a 1-minute stream takes over from 5-minute bars and is never overlapped by them). A
  bar of another stream only lets time pass (``process_time``): a 5-minute bar walked against
  orders sent during its interval would fill them at prices from before they existed.

See ``matching`` for the matching rules and ``book`` for the books.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Literal

from nautilus_platform.core.clock import Clock
from nautilus_platform.core.errors import DuplicateError, ValidationError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, VenueId
from nautilus_platform.model.data import Bar, BarType, OrderBookDeltas, OrderBookSnapshot, QuoteTick, TradeTick
from nautilus_platform.model.enums import TriggerType
from nautilus_platform.model.events import OrderCancelRejected, OrderEvent, OrderModifyRejected, OrderRejected
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import VenueStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.venues.client import EventHandler
from nautilus_platform.venues.simulated.book import L1Book, L2Book
from nautilus_platform.venues.simulated.fees import FeeModel
from nautilus_platform.venues.simulated.latency import LatencyModel
from nautilus_platform.venues.simulated.matching import (
    DAY_NS,
    IdGenerator,
    MatchingEngine,
    WorkingOrder,
    snapshot_order,
)

_TRIGGER_TYPE_BID_ASK: Final = TriggerType.BID_ASK
_TRIGGER_TYPE_LAST: Final = TriggerType.LAST
_TRIGGER_TYPE_MID: Final = TriggerType.MID
_UP: Final = VenueStatus.UP

BookType = Literal["L1", "L2"]
BarExecution = Literal["close", "next_open"]
_ModifyArgs = tuple[StrategyId, InstrumentId, ClientOrderId, Quantity | None, Price | None, Price | None]


@dataclass(frozen=True, slots=True)
class SimulatedVenueConfig:
    """Settings of one simulated venue (validated when built)."""

    venue_id: str = "SIM"
    account_id: str | None = None  # default: f"{venue_id}-001"
    book_type: BookType = "L1"
    default_trigger_type: TriggerType = _TRIGGER_TYPE_BID_ASK
    fee_model: FeeModel = field(default_factory=FeeModel)
    latency_model: LatencyModel = field(default_factory=LatencyModel)
    bar_execution: BarExecution = "close"
    fill_at_touch: bool = False
    day_end_offset_ns: int = 0  # DAY orders expire at UTC midnight + this offset

    def __post_init__(self) -> None:
        VenueId(self.venue_id)
        if self.account_id is not None:
            AccountId(self.account_id)
        if self.book_type not in ("L1", "L2"):
            raise ValidationError("book_type", self.book_type, "must be 'L1' or 'L2'")
        if self.default_trigger_type not in (_TRIGGER_TYPE_LAST, _TRIGGER_TYPE_BID_ASK, _TRIGGER_TYPE_MID):
            raise ValidationError("default_trigger_type", self.default_trigger_type, "must be LAST, BID_ASK or MID")
        if self.bar_execution not in ("close", "next_open"):
            raise ValidationError("bar_execution", self.bar_execution, "must be 'close' or 'next_open'")
        if not isinstance(self.fee_model, FeeModel):
            raise ValidationError("fee_model", self.fee_model, "must be a FeeModel")
        if not isinstance(self.latency_model, LatencyModel):
            raise ValidationError("latency_model", self.latency_model, "must be a LatencyModel")
        if type(self.day_end_offset_ns) is not int or not 0 <= self.day_end_offset_ns < DAY_NS:
            raise ValidationError("day_end_offset_ns", self.day_end_offset_ns, "must be an int in [0, 1 day)")

    def __reduce__(self) -> tuple[type[SimulatedVenueConfig], tuple[object, ...]]:
        # By constructor, so it pickles (to sweep workers) the same compiled with mypyc or not.
        return (SimulatedVenueConfig, (
            self.venue_id, self.account_id, self.book_type, self.default_trigger_type, self.fee_model,
            self.latency_model, self.bar_execution, self.fill_at_touch, self.day_end_offset_ns,
        ))  # fmt: skip


def _ignore(event: OrderEvent) -> None:
    """Default event sink until ``connect``."""


class SimulatedVenue:
    """A simulated exchange implementing the ``VenueClient`` port."""

    def __init__(self, config: SimulatedVenueConfig, clock: Clock) -> None:
        self.config = config
        self.venue_id = VenueId(config.venue_id)
        self.account_id = AccountId(config.account_id or f"{config.venue_id}-001")
        self._clock = clock
        self._handler: EventHandler = _ignore
        self._engines: dict[InstrumentId, MatchingEngine] = {}
        # The last instrument a market-data item asked for, and its engine: a replay feeds one
        # instrument object item after item (see ``_engine_of``).
        self._last_iid: InstrumentId | None = None
        self._last_engine: MatchingEngine | None = None
        self._ids = IdGenerator(str(self.venue_id))
        self._latency = config.latency_model
        self._zero_latency = config.latency_model.is_zero
        self._heap: list[tuple[int, int, Callable[[int], None]]] = []
        self._seq = 0
        # Due times of the submits and modifies still in flight, by order: a later command of the
        # same order is never delivered before them (see ``_due_after``).
        self._submit_due: dict[ClientOrderId, int] = {}
        self._modify_due: dict[ClientOrderId, int] = {}
        self.status = VenueStatus.UP

    # -- setup -------------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        """Register an instrument (one matching engine each); re-adding the same one is a no-op."""
        existing = self._engines.get(instrument.id)
        if existing is not None:
            if existing.instrument == instrument:
                return
            raise DuplicateError(f"instrument {instrument.id} is already registered with different terms")
        config = self.config
        engine = MatchingEngine(
            instrument,
            account_id=self.account_id,
            ids=self._ids,
            fees=config.fee_model.for_instrument(instrument),
            l2=config.book_type == "L2",
            default_trigger_type=config.default_trigger_type,
            fill_at_touch=config.fill_at_touch,
            bar_next_open=config.bar_execution == "next_open",
            day_end_offset_ns=config.day_end_offset_ns,
            schedule_expiry=self._schedule_expiry,
        )
        engine.emit = self._handler
        self._engines[instrument.id] = engine
        self._last_iid = None

    def connect(self, handler: EventHandler) -> None:
        """Set the callback that receives every order event from this venue."""
        self._handler = handler
        for engine in self._engines.values():
            engine.emit = handler

    # -- views -------------------------------------------------------------------------------
    @property
    def instrument_ids(self) -> list[InstrumentId]:
        return list(self._engines)

    def engine(self, instrument_id: InstrumentId) -> MatchingEngine | None:
        """The matching engine of an instrument, or ``None``."""
        return self._engines.get(instrument_id)

    def book(self, instrument_id: InstrumentId) -> L1Book | L2Book | None:
        """The venue's copy of an instrument's book, or ``None``."""
        engine = self._engines.get(instrument_id)
        return None if engine is None else engine.book

    def open_orders(self, instrument_id: InstrumentId | None = None) -> list[WorkingOrder]:
        """The venue's records of its open orders."""
        if instrument_id is not None:
            engine = self._engines.get(instrument_id)
            return [] if engine is None else engine.open_orders()
        return [rec for engine in self._engines.values() for rec in engine.open_orders()]

    @property
    def pending_count(self) -> int:
        """Delayed commands and expiries not yet delivered."""
        return len(self._heap)

    def next_due_ns(self) -> int | None:
        """When the next delayed command or expiry is due (``process_time`` delivers it), or ``None``."""
        heap = self._heap
        return heap[0][0] if heap else None

    def set_status(self, status: VenueStatus) -> None:
        """Take the venue down (its resting orders are cancelled: cancel on disconnect), halt it (new
        orders are refused, resting ones stay) or bring it back up."""
        if not isinstance(status, VenueStatus):
            raise ValidationError("status", status, f"must be one of {[s.name for s in VenueStatus]}")
        self.status = status
        if status is VenueStatus.DOWN:
            now = self._clock.timestamp_ns()
            for engine in self._engines.values():
                engine.ts_event = engine.ts_init = now
                for rec in engine.open_orders():
                    engine.cancel(rec.strategy_id, rec.client_order_id, "cancel on disconnect: venue down")

    # -- commands (VenueClient) --------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Send a new order; answered by accepted/rejected (and fills) now or after the latency."""
        now = self._clock.timestamp_ns()
        heap = self._heap
        if heap and heap[0][0] <= now:
            self._advance(now)
        rec = snapshot_order(order)
        if self.status is not _UP:
            self._reject(rec, now, now, f"venue {self.venue_id} is {self.status.name}")
            return
        if self._zero_latency:
            engine = self._engines.get(rec.instrument_id)
            if engine is None:
                self._reject_unknown(rec, now, now)
                return
            engine.ts_event = engine.ts_init = now
            engine.submit(rec)
        else:
            due = now + self._latency.insert_ns()
            cid = rec.client_order_id
            self._submit_due[cid] = max(due, self._submit_due.get(cid, due))
            self._push(due, partial(self._deliver_submit, rec))

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        """Ask to change a working order; answered by ``OrderUpdated`` or ``OrderModifyRejected``."""
        now = self._clock.timestamp_ns()
        if self._heap and self._heap[0][0] <= now:
            self._advance(now)
        args: _ModifyArgs = (
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            quantity,
            price,
            trigger_price,
        )
        if self._zero_latency:
            self._deliver_modify(args, now)
        else:
            cid = order.client_order_id
            due = self._due_after(cid, now + self._latency.modify_ns(), True)
            self._modify_due[cid] = due
            self._push(due, partial(self._deliver_modify, args))

    def cancel_order(self, order: Order, reason: str = "") -> None:
        """Ask to cancel a working order; answered by ``OrderCanceled`` (carrying ``reason``) or
        ``OrderCancelRejected``."""
        now = self._clock.timestamp_ns()
        heap = self._heap
        if heap and heap[0][0] <= now:
            self._advance(now)
        if self._zero_latency:
            engine = self._engines.get(order.instrument_id)
            if engine is not None:
                engine.ts_event = engine.ts_init = now
                engine.cancel(order.strategy_id, order.client_order_id, reason)
                return
            self._deliver_cancel(order, reason, now)
        else:
            due = self._due_after(order.client_order_id, now + self._latency.cancel_ns(), False)
            self._push(due, partial(self._deliver_cancel, order, reason))

    # -- market data and time ----------------------------------------------------------------
    def process_quote(self, quote: QuoteTick) -> None:
        """Update the instrument's L1 book from a quote and match."""
        self.process_quote_raw(quote.instrument_id, quote.ts_event, quote.bid_price.raw, quote.ask_price.raw, quote)

    def process_quote_raw(self, instrument_id: InstrumentId, ts: int, bid: int, ask: int, quote: QuoteTick) -> None:
        """``process_quote`` with the quote's instrument, time and raw prices already read."""
        if self._heap and self._heap[0][0] <= ts:
            self._advance(ts)
        engine = self._engine_of(instrument_id)
        if engine is not None:
            engine.ts_event = ts
            engine.ts_init = self._clock.timestamp_ns()
            engine.on_quote_raw(bid, ask, quote)

    def process_trade(self, trade: TradeTick) -> None:
        """A trade print: LAST triggers, trade-through fills, and the L1 book before any quote."""
        ts = trade.ts_event
        if self._heap and self._heap[0][0] <= ts:
            self._advance(ts)
        engine = self._engines.get(trade.instrument_id)
        if engine is not None:
            engine.ts_event = ts
            engine.ts_init = self._clock.timestamp_ns()
            engine.on_trade(trade.price.raw)

    def process_bar(self, bar: Bar) -> None:
        """A bar, as four price points: open, nearer of high/low, the other, close (when its stream
        drives the instrument: see ``process_bar_raw``)."""
        bar_type = bar.bar_type
        self.process_bar_raw(bar_type.instrument_id, bar.ts_event, bar, bar.close.raw, bar_type)

    def process_bar_raw(self, instrument_id: InstrumentId, ts: int, bar: Bar, close: Any, bar_type: BarType) -> None:
        """``process_bar`` with the bar's instrument, time, raw close (an ``int``, kept as the
        caller's object: see ``MatchingEngine.on_bar_close``) and type already read.

        A bar is stamped with its close time and its prices traded before it: what is due strictly
        before ``ts`` acts first, what is due at ``ts`` (a DAY order's day end, a GTD expiry, a
        command arriving then) after the bar's prices.

        One stream drives an instrument's book and matching: a bar moves them only when no quote,
        trade or book update has, and it is of the bar type in charge or takes over
        (``MatchingEngine.takes_bar``); any other bar only lets time pass here."""
        heap = self._heap
        if heap and heap[0][0] < ts:
            self._advance(ts - 1)
        engine = self._engine_of(instrument_id)
        if engine is not None and (
            (bar_type is engine.bar_type and not engine.ticked) or engine.takes_bar(bar_type, ts)
        ):
            engine.bar_ts = ts
            engine.ts_event = ts
            engine.ts_init = self._clock.timestamp_ns()
            engine.on_bar_close(bar, close)
        if heap and heap[0][0] <= ts:
            self._advance(ts)

    def _engine_of(self, instrument_id: InstrumentId) -> MatchingEngine | None:
        """``self._engines.get(instrument_id)``, answered without a lookup when the instrument
        object is the one asked for last (``add_instrument`` forgets it)."""
        if instrument_id is self._last_iid:
            return self._last_engine
        engine = self._engines.get(instrument_id)
        self._last_iid, self._last_engine = instrument_id, engine
        return engine

    def process_book(self, data: OrderBookSnapshot | OrderBookDeltas) -> None:
        """Update the instrument's L2 book from a snapshot or deltas and match."""
        ts = data.ts_event
        if self._heap and self._heap[0][0] <= ts:
            self._advance(ts)
        engine = self._engines.get(data.instrument_id)
        if engine is not None:
            engine.ts_event = ts
            engine.ts_init = self._clock.timestamp_ns()
            engine.on_book(data)

    def process_time(self, ts_ns: int) -> None:
        """Deliver delayed commands and expire GTD/DAY orders due at or before ``ts_ns``."""
        if self._heap and self._heap[0][0] <= ts_ns:
            self._advance(ts_ns)

    # -- internals ---------------------------------------------------------------------------
    def _push(self, due_ns: int, action: Callable[[int], None]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due_ns, self._seq, action))

    def _advance(self, ts_ns: int) -> None:
        heap = self._heap
        while heap and heap[0][0] <= ts_ns:
            due, _, action = heapq.heappop(heap)
            action(due)

    def _due_after(self, client_order_id: ClientOrderId, due: int, after_modifies: bool) -> int:
        """``due``, or later: a modify or cancel never reaches the engine before the submit of its
        order (the venue would not know the order yet), and a modify never before an earlier modify
        of the same order. Equal due times keep the order sent. A cancel may still overtake a
        modify sent before it (a faster cancel latency)."""
        submit_due = self._submit_due.get(client_order_id)
        if submit_due is not None and submit_due > due:
            due = submit_due
        if after_modifies:
            modify_due = self._modify_due.get(client_order_id)
            if modify_due is not None and modify_due > due:
                due = modify_due
        return due

    def _schedule_expiry(self, expire_ns: int, rec: WorkingOrder) -> None:
        self._push(expire_ns, partial(self._deliver_expiry, rec))

    def _deliver_expiry(self, rec: WorkingOrder, ts: int) -> None:
        engine = self._engines.get(rec.instrument_id)
        if engine is not None and rec.is_open:
            engine.ts_event = ts
            engine.ts_init = self._clock.timestamp_ns()
            engine.expire(rec)

    def _deliver_submit(self, rec: WorkingOrder, ts: int) -> None:
        cid = rec.client_order_id
        if self._submit_due.get(cid) == ts:
            del self._submit_due[cid]
        ts_init = self._clock.timestamp_ns()
        engine = self._engines.get(rec.instrument_id)
        if engine is None:
            self._reject_unknown(rec, ts, ts_init)
            return
        if self.status is not _UP:
            self._reject(rec, ts, ts_init, f"venue {self.venue_id} is {self.status.name}")
            return
        engine.ts_event = ts
        engine.ts_init = ts_init
        engine.submit(rec)

    def _deliver_modify(
        self,
        args: _ModifyArgs,
        ts: int,
    ) -> None:
        strategy_id, instrument_id, client_order_id, quantity, price, trigger_price = args
        if self._modify_due.get(client_order_id) == ts:
            del self._modify_due[client_order_id]
        ts_init = self._clock.timestamp_ns()
        engine = self._engines.get(instrument_id)
        if engine is None:
            self._handler(
                OrderModifyRejected(
                    ts_event=ts,
                    ts_init=ts_init,
                    strategy_id=strategy_id,
                    instrument_id=instrument_id,
                    client_order_id=client_order_id,
                    reason=f"unknown instrument {instrument_id}",
                )
            )
            return
        engine.ts_event = ts
        engine.ts_init = ts_init
        engine.modify(strategy_id, client_order_id, quantity, price, trigger_price)

    def _deliver_cancel(self, order: Order, reason: str, ts: int) -> None:
        ts_init = self._clock.timestamp_ns()
        engine = self._engines.get(order.instrument_id)
        if engine is None:
            self._handler(
                OrderCancelRejected(
                    ts_event=ts,
                    ts_init=ts_init,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    reason=f"unknown instrument {order.instrument_id}",
                )
            )
            return
        engine.ts_event = ts
        engine.ts_init = ts_init
        engine.cancel(order.strategy_id, order.client_order_id, reason)

    def _reject_unknown(self, rec: WorkingOrder, ts: int, ts_init: int) -> None:
        self._reject(rec, ts, ts_init, f"unknown instrument {rec.instrument_id} at venue {self.venue_id}")

    def _reject(self, rec: WorkingOrder, ts: int, ts_init: int, reason: str) -> None:
        self._handler(
            OrderRejected(
                ts_event=ts,
                ts_init=ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=rec.instrument_id,
                client_order_id=rec.client_order_id,
                account_id=self.account_id,
                reason=reason,
            )
        )
