"""The matching engine of a simulated venue for ONE instrument.

The engine keeps its own record (``WorkingOrder``) of every order it accepted and never touches
the platform's ``Order``. It reports through ``emit`` (set by the venue) and stamps events with
``ts_event`` / ``ts_init`` that the venue sets before each call. All prices and sizes are raw
fixed-point ints (scale 10**9).

Conventions
-----------
Aggressive orders (market, marketable limit, triggered stop) take liquidity from the venue's
copy of the book (``book.L1Book`` / ``book.L2Book``), best level first, at the book's prices, as
TAKER. What they take is removed from that copy until market data replaces it. A market order's
remainder when the book runs out is cancelled (``OrderCanceled`` with a reason); a market order
with no opposite side at all is rejected ("no market").

Resting limit orders keep price-time priority among the venue's own orders (they are never put
into the market-data book) and fill as MAKER at their own limit price when the market moves
through them:

- quotes / L2 book: a resting buy at P fills when the ask <= P, taking the displayed size of the
  levels at or below P (a resting sell mirrors it with bids >= P);
- trades and bar price points at p: a resting buy at P fills completely when p < P, or p <= P
  with ``fill_at_touch`` (a sell when p > P, or p >= P). A bar's open is the exception to "at
  its own limit": nothing traded between the previous bar and the open, so a resting order the
  open gapped through fills at the open (the better price), still as MAKER.

Stops and touched orders trigger on their trigger type (``DEFAULT`` = the venue's): LAST on trades
and bar points; BID_ASK on the ask (buys) or bid (sells); MID on the quote mid. In an L1 book
that has seen no quote, trades and bars set bid = ask = last, so BID_ASK and MID triggers follow
them too. Buy STOP (and trailing stops) trigger when price >= trigger, sell when <= trigger;
MARKET_IF_TOUCHED / LIMIT_IF_TOUCHED the opposite. Triggers are checked on arrival too. On
trigger: ``OrderTriggered``, then the order acts as a market order (STOP_MARKET, MIT, trailing
market) or a limit order (STOP_LIMIT, LIT, trailing limit). TIF (IOC/FOK) applies when the order
becomes active (on arrival or on trigger).

Trailing stops: the offset is PRICE (absolute), TICKS (n ticks) or BASIS_POINTS of the reference
price (the trigger type's price). A sell's trigger is ``max(trigger, reference - offset)``
rounded down to the tick, a buy's ``min(trigger, reference + offset)`` rounded up; every move
(including the first, when no trigger was given) emits ``OrderUpdated``. The limit variant keeps
``price = trigger - limit_offset`` (sell) or ``trigger + limit_offset`` (buy), the limit offset
in the same unit as the trailing offset.

A trailing stop never works with a trigger (or a trailing limit with a limit price) at or below
zero. When its first trigger can be computed on arrival (the reference is there), an order whose
trigger would be <= 0 (a sell with a PRICE offset at least the reference, TICKS beyond it, or
BASIS_POINTS that leave less than a tick), or whose limit price would be, is rejected
(``OrderRejected`` naming the trigger_price, or the price, and how it was computed) instead of
being accepted as a stop that can never trigger. A trigger or limit price computed later (the
first reference arrives after acceptance, or a move) that would be <= 0 is kept at the smallest
positive tick instead: the order is already working, so it is not rejected then.

Bars: each bar is four price points in order: open, the nearer of high/low to the open (ties:
high first), the other one, close; each point is processed like a trade. Market orders submitted
while bars drive an L1 book fill at the latest point (the bar's close); with
``bar_execution="next_open"`` every order that would trade (or end) on arrival is held and arrives
at the next bar's open instead, in the order sent: market orders, marketable / IOC / FOK limits,
and stops and touched orders already through their trigger (a modify that makes a working order
so is held the same way). Nothing sent after a bar trades at that bar's close.

A bar is stamped with its close time ``t`` and its prices traded before it, but it may reach the
engine after orders accepted at ``t`` (sent from another instrument's bar, a timer or another bar
type at ``t``, or arriving then through latency): an order accepted at or after ``t`` (its
``accept_ns``: when it started to rest, wait for its trigger or wait for an open; a modify that
moves its price or trigger, or raises its size, sets it anew) meets only the bar's close: resting limits fill and stops trigger (trailing stops trail) on the close
alone, and an order held for an open (``next_open``) waits for the next bar's. A market order (or
a limit marketable on arrival) sent at ``t`` before the instrument's bar at ``t`` fills on
arrival at the book's latest point, the previous bar's close. Orders accepted before ``t`` meet
all four points; orders that arrive during the walk (an OCO/OTO child of a fill at a bar point)
meet the points after it.

Events emitted from inside handlers may re-enter the venue (an OCO cancel, an OTO child submit):
every loop re-reads the engine's state after each event.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from nautilus_platform.core.arith import format_fixed
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from nautilus_platform.model.data import Bar, BarType, OrderBookDeltas, OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Price, Quantity
from nautilus_platform.venues.simulated.book import UNLIMITED, L1Book, L2Book
from nautilus_platform.venues.simulated.fees import InstrumentFees

# Final aliases of imported classes: compiled code reads them as constants, not via the module dict.
_PRICE_CLS: Final = Price
_TRADE_ID_CLS: Final = TradeId
_QUANTITY_CLS: Final = Quantity
_ORDER_FILLED_CLS: Final = OrderFilled
_VENUE_ORDER_ID_CLS: Final = VenueOrderId
_ORDER_ACCEPTED_CLS: Final = OrderAccepted
_ORDER_CANCELED_CLS: Final = OrderCanceled

_ORDER_SIDE_BUY: Final = OrderSide.BUY
_ORDER_TYPE_LIMIT: Final = OrderType.LIMIT
_ORDER_TYPE_LIMIT_IF_TOUCHED: Final = OrderType.LIMIT_IF_TOUCHED
_ORDER_TYPE_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_ORDER_TYPE_TRAILING_STOP_LIMIT: Final = OrderType.TRAILING_STOP_LIMIT
_TIME_IN_FORCE_DAY: Final = TimeInForce.DAY
_TIME_IN_FORCE_GTD: Final = TimeInForce.GTD
_TRAILING_OFFSET_TYPE_PRICE: Final = TrailingOffsetType.PRICE
_TRAILING_OFFSET_TYPE_TICKS: Final = TrailingOffsetType.TICKS
_TRIGGER_TYPE_DEFAULT: Final = TriggerType.DEFAULT
_TRIGGER_TYPE_MID: Final = TriggerType.MID

DAY_NS: Final = 86_400_000_000_000

# where a working order currently lives in the engine
_NOWHERE: Final = 0
_RESTING: Final = 1
_CONDITIONAL: Final = 2
_HELD: Final = 3
# set aside while a bar's open, high and low pass (accepted at or after the bar's close time),
# by where the order was before
_LATE_RESTING: Final = 4
_LATE_CONDITIONAL: Final = 5
_LATE_HELD: Final = 6

_BUY: Final = OrderSide.BUY
_MARKET: Final = OrderType.MARKET
_LIMIT: Final = OrderType.LIMIT
_STOP_TYPES: Final = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})
_TOUCHED_TYPES: Final = frozenset({OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED})
_TRAILING_TYPES: Final = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})
_LIMIT_LIKE: Final = frozenset(
    {_ORDER_TYPE_LIMIT, _ORDER_TYPE_STOP_LIMIT, _ORDER_TYPE_LIMIT_IF_TOUCHED, _ORDER_TYPE_TRAILING_STOP_LIMIT}
)
_CONDITIONAL_TYPES: Final = _STOP_TYPES | _TOUCHED_TYPES | _TRAILING_TYPES
_GTC: Final = TimeInForce.GTC
_IOC: Final = TimeInForce.IOC
_FOK: Final = TimeInForce.FOK
_MAKER: Final = LiquiditySide.MAKER
_TAKER: Final = LiquiditySide.TAKER
_LAST: Final = TriggerType.LAST
_BID_ASK: Final = TriggerType.BID_ASK


class IdGenerator:
    """Deterministic venue order ids ``{venue}-{n}`` and trade ids ``{venue}-T{n}``.

    The ids are well-formed by construction, so they skip the identifier re-validation.
    """

    __slots__ = ("order_count", "prefix", "trade_count", "trade_prefix")

    def __init__(self, venue: str) -> None:
        self.prefix = f"{venue}-"
        self.trade_prefix = f"{venue}-T"
        self.order_count = 0
        self.trade_count = 0

    def next_venue_order_id(self) -> VenueOrderId:
        self.order_count += 1
        return str.__new__(_VENUE_ORDER_ID_CLS, f"{self.prefix}{self.order_count}")

    def next_trade_id(self) -> TradeId:
        self.trade_count += 1
        return str.__new__(_TRADE_ID_CLS, f"{self.trade_prefix}{self.trade_count}")


#: ``WorkingOrder``'s fields in order (its repr, like the msgspec struct it was, lists them all).
_WORKING_ORDER_FIELDS: Final = (
    "client_order_id",
    "strategy_id",
    "instrument_id",
    "side",
    "is_buy",
    "order_type",
    "quantity",
    "quantity_raw",
    "price_raw",
    "trigger_raw",
    "tif",
    "expire_ns",
    "post_only",
    "trigger_type",
    "init",
    "filled_raw",
    "venue_order_id",
    "is_open",
    "is_triggered",
    "trigger_up",
    "where",
    "accept_ns",
)


class WorkingOrder:
    """The venue's own record of one order: a snapshot of the order's spec at submit time.

    Built with ``WorkingOrder.of(order)``; mutated only by the matching engine. A plain class (a
    native one when compiled: the matching engine reads and writes its fields on every event, which
    on a msgspec struct costs a generic attribute lookup each); compared by identity.
    """

    __slots__ = (
        "accept_ns",
        "client_order_id",
        "expire_ns",
        "filled_raw",
        "init",
        "instrument_id",
        "is_buy",
        "is_open",
        "is_triggered",
        "order_type",
        "post_only",
        "price_raw",
        "quantity",
        "quantity_raw",
        "side",
        "strategy_id",
        "tif",
        "trigger_raw",
        "trigger_type",
        "trigger_up",
        "venue_order_id",
        "where",
    )

    def __init__(
        self,
        client_order_id: ClientOrderId,
        strategy_id: StrategyId,
        instrument_id: InstrumentId,
        side: OrderSide,
        is_buy: bool,
        order_type: OrderType,
        quantity: Quantity,
        quantity_raw: int,
        price_raw: int | None,
        trigger_raw: int | None,
        tif: TimeInForce,
        expire_ns: int,
        post_only: bool,
        trigger_type: TriggerType,
        init: OrderInitialized,
        filled_raw: int = 0,
        venue_order_id: VenueOrderId | None = None,
        is_open: bool = True,
        is_triggered: bool = False,
        trigger_up: bool = False,
        where: int = _NOWHERE,
    ) -> None:
        self.client_order_id = client_order_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.side = side
        self.is_buy = is_buy
        self.order_type = order_type
        self.quantity = quantity
        self.quantity_raw = quantity_raw
        self.price_raw = price_raw
        self.trigger_raw = trigger_raw
        self.tif = tif
        self.expire_ns = expire_ns
        self.post_only = post_only
        self.trigger_type = trigger_type
        self.init = init
        self.filled_raw = filled_raw
        self.venue_order_id = venue_order_id
        self.is_open = is_open
        self.is_triggered = is_triggered
        self.trigger_up = trigger_up
        self.where = where
        # when the order started to rest, wait for its trigger or wait for an open (or a modify
        # moved its price or trigger): a bar closing at or before it meets it at its close only
        # (``on_bar_raw``); set by the engine, not read for an order that trades on arrival
        self.accept_ns = 0

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _WORKING_ORDER_FIELDS)
        return f"WorkingOrder({fields})"

    @classmethod
    def of(cls, order: Order) -> WorkingOrder:
        """Snapshot ``order`` (the platform's object is never touched again)."""
        return snapshot_order(order)

    @property
    def leaves_raw(self) -> int:
        return self.quantity_raw - self.filled_raw


def snapshot_order(order: Order) -> WorkingOrder:
    """The venue's record of a new order (fast path of ``WorkingOrder.of``)."""
    quantity = order.quantity
    price = order.price
    trigger = order.trigger_price
    side = order.side
    init = order.init
    return WorkingOrder(
        order.client_order_id,
        order.strategy_id,
        order.instrument_id,
        side,
        side is _BUY,
        order.order_type,
        quantity,
        order.quantity_raw,
        None if price is None else price.raw,
        None if trigger is None else trigger.raw,
        order.time_in_force,
        order.expire_time_ns,
        order.post_only,
        init.trigger_type,
        init,
    )


def _ignore(event: OrderEvent) -> None:
    """Default event sink until the venue is connected."""


class MatchingEngine:
    """Matches one instrument's orders against the venue's copy of its market."""

    def __init__(
        self,
        instrument: Instrument,
        *,
        account_id: AccountId,
        ids: IdGenerator,
        fees: InstrumentFees,
        l2: bool = False,
        default_trigger_type: TriggerType = TriggerType.BID_ASK,
        fill_at_touch: bool = False,
        bar_next_open: bool = False,
        day_end_offset_ns: int = 0,
        schedule_expiry: Callable[[int, WorkingOrder], None] | None = None,
    ) -> None:
        self.instrument = instrument
        self.instrument_id = instrument.id
        self.account_id = account_id
        self.book: L1Book | L2Book = L2Book() if l2 else L1Book()
        self.emit: Callable[[OrderEvent], None] = _ignore
        self.ts_event = 0
        self.ts_init = 0
        self._ids = ids
        self._fees = fees
        self._tradable = instrument.tradable
        self._last_px = _PRICE_CLS(raw=0, precision=instrument.price_precision)  # one-entry cache of fill prices
        self._last_px_raw = 0
        self._price_precision = instrument.price_precision
        self._size_precision = instrument.size_precision
        self._tick = instrument.tick_size.raw
        self._default_trigger = default_trigger_type
        self._fill_at_touch = fill_at_touch
        self._bar_next_open = bar_next_open
        self._bar_driven = False
        # Which stream moves the book and matches (see ``takes_bar``): once a quote, trade or book
        # update has, ``ticked``; before that, bars of ``bar_type``, the last of them closing at ``bar_ts``.
        self.ticked = False
        self.bar_type: BarType | None = None
        self.bar_ts = 0
        self._day_end_offset_ns = day_end_offset_ns
        self._schedule = schedule_expiry
        self._orders: dict[ClientOrderId, WorkingOrder] = {}
        # price -> FIFO queue (an insertion-ordered dict: O(1) removal on cancel)
        self._bids: dict[int, dict[ClientOrderId, WorkingOrder]] = {}
        self._asks: dict[int, dict[ClientOrderId, WorkingOrder]] = {}
        self._bid_keys: list[int] = []  # ascending: best (highest) bid last
        self._ask_keys: list[int] = []  # ascending: best (lowest) ask first
        self._conditionals: list[WorkingOrder] = []
        self._held: list[WorkingOrder] = []
        # the latest ``accept_ns`` of any order: a bar closing after it needs no accept-time check
        self._last_accept_ns = -1
        self._late: list[WorkingOrder] = []

    # -- views -------------------------------------------------------------------------------
    def get_order(self, client_order_id: ClientOrderId) -> WorkingOrder | None:
        """The venue's record of an open order, or ``None``."""
        return self._orders.get(client_order_id)

    def open_orders(self) -> list[WorkingOrder]:
        """Every open order in acceptance order."""
        return list(self._orders.values())

    def resting(self, side: OrderSide) -> list[WorkingOrder]:
        """Resting limit orders of one side in priority order."""
        if side is _ORDER_SIDE_BUY:
            return [rec for price in reversed(self._bid_keys) for rec in self._bids[price].values()]
        return [rec for price in self._ask_keys for rec in self._asks[price].values()]

    # -- commands ----------------------------------------------------------------------------
    def submit(self, rec: WorkingOrder) -> None:
        """Accept (or reject) a new order and act on it at once."""
        order_type = rec.order_type
        tif = rec.tif
        if (
            (order_type is _MARKET or (order_type is _LIMIT and rec.price_raw is not None and rec.price_raw > 0))
            and (tif is _GTC or tif is _IOC or tif is _FOK)
            and rec.quantity_raw > 0
            and self._tradable
            and rec.client_order_id not in self._orders
        ):
            rec.expire_ns = 0  # the common case, checked inline
        else:
            reason = self._check(rec)
            if reason is not None:
                self._reject(rec, reason)
                return
        book = self.book
        if order_type is _MARKET:
            if (book.ask if rec.is_buy else book.bid) is None:
                self._reject(rec, "no market: no opposite side to fill a market order")
                return
        elif rec.post_only and rec.price_raw is not None and self._crosses(rec.is_buy, rec.price_raw):
            self._reject(rec, "post-only order would take liquidity")
            return
        # accept
        ids = self._ids
        ids.order_count += 1
        venue_order_id = rec.venue_order_id = str.__new__(_VENUE_ORDER_ID_CLS, f"{ids.prefix}{ids.order_count}")
        self._orders[rec.client_order_id] = rec
        self.emit(
            _ORDER_ACCEPTED_CLS(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=venue_order_id,
                account_id=self.account_id,
            )
        )
        if not rec.is_open:  # cancelled from inside the handler
            return
        if order_type is _MARKET:
            if self._bar_driven and self._bar_next_open:
                self._hold(rec)
            else:
                self._execute_market(rec)
        elif order_type is _LIMIT:
            if self._bar_driven and self._bar_next_open and self._acts_on_arrival(rec):
                self._hold(rec)  # it would trade (or end) now: at the next bar's open instead, like a market order
            else:
                self._execute_limit(rec)
        else:
            self._arrive_conditional(rec, True)
        if rec.is_open and rec.expire_ns and self._schedule is not None:
            self._schedule(rec.expire_ns, rec)

    def modify(
        self,
        strategy_id: StrategyId,
        client_order_id: ClientOrderId,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        """Apply a modify (``OrderUpdated``) or refuse it (``OrderModifyRejected``)."""
        rec = self._orders.get(client_order_id)
        if rec is None:
            self._modify_reject(strategy_id, client_order_id, "order not found or not open at the venue")
            return
        reason = self._check_modify(rec, quantity, price, trigger_price)
        if reason is not None:
            self._modify_reject(strategy_id, client_order_id, reason)
            return
        new_qty = rec.quantity_raw if quantity is None else quantity.raw
        requeue = rec.where == _RESTING and (
            (price is not None and price.raw != rec.price_raw) or new_qty > rec.quantity_raw
        )
        if requeue:
            self._unrest(rec)
        if (
            requeue
            or (price is not None and price.raw != rec.price_raw)
            or (trigger_price is not None and trigger_price.raw != rec.trigger_raw)
        ):
            # a new price or trigger (or a larger size) is a new order for the bar being formed
            self._stamp(rec)
        if quantity is not None:
            rec.quantity = quantity
            rec.quantity_raw = quantity.raw
        if price is not None:
            rec.price_raw = price.raw
        if trigger_price is not None:
            rec.trigger_raw = trigger_price.raw
        self._emit_updated(rec)
        if not rec.is_open:
            return
        if rec.filled_raw >= rec.quantity_raw:
            self._cancel(rec, "quantity reduced to the filled quantity")
        elif rec.where == _CONDITIONAL:
            ref2 = self._reference2(rec, True, True)
            if ref2 is not None and self._is_triggered(rec, ref2):
                if self._bar_driven and self._bar_next_open:
                    self._conditionals.remove(rec)
                    self._hold(rec)
                else:
                    self._fire(rec)
        elif requeue:
            if self._bar_driven and self._bar_next_open and self._acts_on_arrival(rec):
                self._hold(rec)
            else:
                self._execute_limit(rec)

    def cancel(self, strategy_id: StrategyId, client_order_id: ClientOrderId, reason: str = "") -> None:
        """Cancel an open order (``OrderCanceled`` with ``reason``) or refuse (``OrderCancelRejected``)."""
        rec = self._orders.get(client_order_id)
        if rec is None:
            self.emit(
                OrderCancelRejected(
                    ts_event=self.ts_event,
                    ts_init=self.ts_init,
                    strategy_id=strategy_id,
                    instrument_id=self.instrument_id,
                    client_order_id=client_order_id,
                    reason="order not found or not open at the venue",
                )
            )
            return
        self._cancel(rec, reason)

    def expire(self, rec: WorkingOrder) -> None:
        """Expire an open GTD/DAY order (no-op when it already closed)."""
        if not rec.is_open:
            return
        self._detach(rec)
        self._close(rec)
        self.emit(
            OrderExpired(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=rec.venue_order_id,
            )
        )

    def day_end_ns(self, ts_ns: int) -> int:
        """The DAY expiry for an order accepted at ``ts_ns``: the next day end strictly after it."""
        offset = self._day_end_offset_ns
        return ((ts_ns - offset) // DAY_NS + 1) * DAY_NS + offset

    # -- market data -------------------------------------------------------------------------
    def on_quote(self, quote: QuoteTick) -> None:
        """Update an L1 book from a quote (an L2 book ignores quotes), then match."""
        self.on_quote_raw(quote.bid_price.raw, quote.ask_price.raw, quote)

    def on_quote_raw(self, bid: int, ask: int, quote: QuoteTick) -> None:
        """``on_quote`` with the quote's raw prices already read (the book reads its sizes when an
        order needs them)."""
        book = self.book
        if isinstance(book, L2Book):
            return
        book.apply_quote_raw(bid, ask, quote)
        self._bar_driven = False
        if not self.ticked:
            self._start_ticks()
        # Resting orders first: they were in the book before the stops this quote triggers.
        self._match_book()
        if self._conditionals:
            self._check_conditionals(False, True)

    def on_trade(self, price_raw: int) -> None:
        """A trade printed at ``price_raw``."""
        self._bar_driven = False
        changed = self.book.apply_last(price_raw)
        if not self.ticked:
            self._start_ticks()
        self._on_last(price_raw, changed, False)

    def _start_ticks(self) -> None:
        """The first quote, trade or book update the book uses: from now on the ticks move it and
        bars no longer do (``takes_bar``). Orders held for a bar's open (``next_open``) act now, at
        the first price after the last bar, as they would have at the next bar's open."""
        self.ticked = True
        if self._held:
            self._fill_held()

    def takes_bar(self, bar_type: BarType, ts: int) -> bool:
        """Whether a bar of ``bar_type`` closing at ``ts`` moves the book and matches, when it is
        not simply the next bar of the bar type in charge (the venue checks that first, by identity).

        One stream drives an instrument, so that no price is matched twice or against orders sent
        after it: once quotes, trades or book updates have moved the book (``ticked``), no bar does.
        Before that, the first bar type seen drives; a bar of another type takes over (its type
        drives from then on) only when every price in it came after the last bar that drove: a time
        bar whose interval ``[ts - duration, ts]`` starts at or after that bar's close. So a finer
        time bar type (1-minute under 5-minute bars) takes over at its first bar that does not
        overlap, a coarser one never while the finer one keeps coming, and a coarser one fills a
        gap of the finer one that spans a whole coarser bar. Tick, volume and value bars (no fixed
        duration) drive only as the first bar type seen."""
        if self.ticked:
            return False
        current = self.bar_type
        if current is not None and bar_type != current:
            duration = bar_type.spec.interval_ns
            if duration is None or ts - duration < self.bar_ts:
                return False
        self.bar_type = bar_type  # kept as given: the next bar of this type is recognised by identity
        return True

    def on_bar(self, bar: Bar) -> None:
        """Process the bar's four price points (see the module docstring)."""
        self.on_bar_raw(bar.open.raw, bar.high.raw, bar.low.raw, bar.close.raw)

    def on_bar_close(self, bar: Bar, close: Any) -> None:
        """``on_bar`` with the bar's raw close (an ``int``) already read: the open, high and low
        are read only when an order rests, waits or is held (otherwise nothing can fill on the
        way). ``Any`` keeps the caller's int object for the book (compiled, an ``int`` parameter
        would be unboxed and boxed again)."""
        if self._nothing_waits():
            self._close_only(close)
        else:
            self.on_bar_raw(bar.open.raw, bar.high.raw, bar.low.raw, close)

    def _nothing_waits(self) -> bool:
        """No order rests, waits for a trigger or is held: a bar can fill nothing on the way."""
        return not (self._conditionals or self._held or self._bid_keys or self._ask_keys)

    def _close_only(self, close: Any) -> None:
        """A bar when nothing waits: only where it ends matters."""
        book = self.book
        book.apply_last(close)
        self._bar_driven = isinstance(book, L1Book) and not book.has_quotes

    def on_bar_raw(self, o: int, h: int, low: int, c: int) -> None:
        """``on_bar`` from the raw open, high, low and close; the bar closes at ``ts_event``.

        Its prices traded before that time: an order accepted at or after it (an order sent at the
        close time before this bar reached the venue, e.g. from another instrument's bar, a timer or
        another bar type at that time; or a modify then that moved its price or trigger) meets only
        the close, and one held for an open (``next_open``) waits for the next bar's."""
        if self._nothing_waits():
            self._close_only(c)
            return
        book = self.book
        points = (o, h, low, c) if h - o <= o - low else (o, low, h, c)
        if self._last_accept_ns >= self.ts_event:
            self._bar_with_late_orders(points)
            return
        previous = None
        for index, point in enumerate(points):
            if point == previous:
                continue
            previous = point
            changed = book.apply_last(point)
            if index == 0 and self._held:
                self._fill_held()
            self._on_last(point, changed, index == 0)  # the open: resting orders it gapped through fill at it
        self._bar_driven = isinstance(book, L1Book) and not book.has_quotes

    def _bar_with_late_orders(self, points: tuple[int, int, int, int]) -> None:
        """``on_bar_raw`` when some order was accepted at or after the bar's close time: those are
        set aside (``_late``) while the open, high and low pass, then meet the close (resting and
        conditional ones) or stay held for the next bar's open. Orders that arrive during the walk
        (an OCO/OTO child of a fill) meet the later points as usual."""
        ts = self.ts_event
        late = self._late
        for levels in (self._bids, self._asks):
            for rec in [rec for queue in levels.values() for rec in queue.values() if rec.accept_ns >= ts]:
                self._unrest(rec)  # a suffix of its queue (accepted last): it comes back behind the same orders
                rec.where = _LATE_RESTING
                late.append(rec)
        for rec in list(self._conditionals):
            if rec.accept_ns >= ts:
                self._conditionals.remove(rec)
                rec.where = _LATE_CONDITIONAL
                late.append(rec)
        for rec in list(self._held):
            if rec.accept_ns >= ts:
                self._held.remove(rec)
                rec.where = _LATE_HELD
                late.append(rec)
        book = self.book
        previous = None
        for index in range(3):
            point = points[index]
            if point == previous:
                continue
            previous = point
            changed = book.apply_last(point)
            if index == 0 and self._held:
                self._fill_held()
            self._on_last(point, changed, index == 0)
        # Back in the order they were accepted, behind what arrived during the walk (earlier in
        # time); a late order cancelled meanwhile has left ``late`` (``_detach``).
        for rec in list(late):
            where = rec.where
            if where == _LATE_RESTING:
                late.remove(rec)
                self._rest(rec)
            elif where == _LATE_CONDITIONAL:
                late.remove(rec)
                rec.where = _CONDITIONAL
                self._conditionals.append(rec)
        close = points[3]
        book.apply_last(close)
        self._on_last(close, True, False)  # the first point the late orders meet: checked even if unmoved
        while late:  # held for an open: the next bar's
            self._hold(late.pop(0))
        self._bar_driven = isinstance(book, L1Book) and not book.has_quotes

    def on_book(self, data: OrderBookSnapshot | OrderBookDeltas) -> None:
        """Update an L2 book (an L1 book ignores book data), then match."""
        book = self.book
        if not isinstance(book, L2Book):
            return
        if isinstance(data, OrderBookSnapshot):
            book.apply_snapshot(data)
        else:
            book.apply_deltas(data)
        if not self.ticked:
            self._start_ticks()
        self._match_book()  # resting orders before the stops the update triggers (price-time priority)
        if self._conditionals:
            self._check_conditionals(False, True)

    # -- validation --------------------------------------------------------------------------
    def _check(self, rec: WorkingOrder) -> str | None:
        if not self._tradable:
            return f"instrument {self.instrument_id} is not tradable"
        if rec.client_order_id in self._orders:
            return f"duplicate client_order_id {rec.client_order_id}"
        if rec.quantity_raw <= 0:
            return "quantity must be positive"
        order_type = rec.order_type
        if order_type in _LIMIT_LIKE and order_type is not _ORDER_TYPE_TRAILING_STOP_LIMIT:
            if rec.price_raw is None or rec.price_raw <= 0:
                return f"{order_type.name} needs a positive price"
        if order_type in _CONDITIONAL_TYPES:
            if order_type in _TRAILING_TYPES:
                init = rec.init
                if init.trailing_offset is None or init.trailing_offset <= 0 or init.trailing_offset_type is None:
                    return "trailing stop needs a positive trailing_offset and its type"
                if order_type is _ORDER_TYPE_TRAILING_STOP_LIMIT and (
                    init.limit_offset is None or init.limit_offset < 0
                ):
                    return "trailing stop limit needs a non-negative limit_offset"
                if rec.trigger_raw is not None and rec.trigger_raw <= 0:
                    return "trigger_price must be positive"
            elif rec.trigger_raw is None or rec.trigger_raw <= 0:
                return f"{order_type.name} needs a positive trigger_price"
            trigger_type = rec.trigger_type
            if trigger_type is _TRIGGER_TYPE_DEFAULT:
                rec.trigger_type = self._default_trigger
            elif trigger_type not in (_LAST, _BID_ASK, _TRIGGER_TYPE_MID):
                return f"trigger type {trigger_type.name} is not supported by this venue"
            if order_type in _TRAILING_TYPES:
                ref2 = self._reference2(rec, True, True)
                if ref2 is not None:  # its first trigger is computed on arrival: it must be positive
                    reason = self._first_trail_error(rec, ref2)
                    if reason is not None:
                        return reason
        tif = rec.tif
        if tif is _TIME_IN_FORCE_GTD:
            if rec.expire_ns <= self.ts_event:
                return f"GTD expire_time_ns {rec.expire_ns} is not after the venue time {self.ts_event}"
        elif tif is _TIME_IN_FORCE_DAY:
            rec.expire_ns = self.day_end_ns(self.ts_event)
        else:
            rec.expire_ns = 0
        return None

    def _check_modify(
        self, rec: WorkingOrder, quantity: Quantity | None, price: Price | None, trigger_price: Price | None
    ) -> str | None:
        if quantity is None and price is None and trigger_price is None:
            return "nothing to modify"
        if quantity is not None:
            if not isinstance(quantity, Quantity) or quantity.raw <= 0:
                return "quantity must be a positive Quantity"
            if quantity.raw < rec.filled_raw:
                return f"quantity {quantity} is below the filled quantity"
        if price is not None:
            if not isinstance(price, Price) or price.raw <= 0:
                return "price must be a positive Price"
            if rec.order_type not in _LIMIT_LIKE:
                return f"a {rec.order_type.name} order has no limit price"
            if rec.post_only and self._crosses(rec.is_buy, price.raw):
                return "post-only order would take liquidity at the new price"
        if trigger_price is not None:
            if not isinstance(trigger_price, Price) or trigger_price.raw <= 0:
                return "trigger_price must be a positive Price"
            where = rec.where
            if (
                where != _CONDITIONAL
                and where != _LATE_CONDITIONAL
                and ((where != _HELD and where != _LATE_HELD) or rec.order_type not in _CONDITIONAL_TYPES)
            ):
                return "the order has no pending trigger"
        return None

    def _crosses(self, is_buy: bool, price_raw: int) -> bool:
        book = self.book
        if is_buy:
            return book.ask is not None and book.ask <= price_raw
        return book.bid is not None and book.bid >= price_raw

    # -- execution ---------------------------------------------------------------------------
    def _execute_market(self, rec: WorkingOrder) -> None:
        is_buy = rec.is_buy
        book = self.book
        leaves = rec.quantity_raw - rec.filled_raw
        if type(book) is L1Book and rec.tif is not _FOK:  # the hot path, inlined
            price, size = (book.ask, book.ask_size) if is_buy else (book.bid, book.bid_size)
            if price is not None and size > 0:
                if size == UNLIMITED:
                    taken = leaves
                else:
                    taken = leaves if leaves < size else size
                    if is_buy:
                        book.ask_size = size - taken
                    else:
                        book.bid_size = size - taken
                self._fill(rec, price, taken, _TAKER)
            if rec.is_open:
                self._cancel(rec, "market order: no more liquidity in the book")
            return
        if rec.tif is _FOK and book.available(is_buy, None) < leaves:
            self._cancel(rec, "FOK: not enough liquidity to fill completely")
            return
        for price, qty in book.take(is_buy, None, leaves):
            if not rec.is_open:
                return
            left = rec.quantity_raw - rec.filled_raw  # a handler may have cut the order meanwhile
            self._fill(rec, price, qty if qty <= left else left, _TAKER)
        if rec.is_open:
            self._cancel(rec, "market order: no more liquidity in the book")

    def _execute_limit(self, rec: WorkingOrder) -> None:
        """Take what is marketable up to the limit (TAKER), then rest or cancel by TIF."""
        limit = rec.price_raw
        assert limit is not None
        is_buy = rec.is_buy
        book = self.book
        tif = rec.tif
        if tif is _FOK and book.available(is_buy, limit) < rec.quantity_raw - rec.filled_raw:
            self._cancel(rec, "FOK: not enough liquidity to fill completely")
            return
        if (book.ask if is_buy else book.bid) is not None:
            for price, qty in book.take(is_buy, limit, rec.quantity_raw - rec.filled_raw):
                if not rec.is_open:
                    return
                left = rec.quantity_raw - rec.filled_raw  # a handler may have cut the order meanwhile
                self._fill(rec, price, qty if qty <= left else left, _TAKER)
            if not rec.is_open:
                return
        if tif is _IOC or tif is _FOK:
            self._cancel(rec, f"{tif.name}: unfilled remainder canceled")
            return
        self._rest(rec)

    def _fill(self, rec: WorkingOrder, price_raw: int, qty_raw: int, liquidity: LiquiditySide) -> None:
        first = rec.filled_raw == 0
        filled = rec.filled_raw + qty_raw
        rec.filled_raw = filled
        if filled >= rec.quantity_raw:
            rec.is_open = False
            self._orders.pop(rec.client_order_id, None)
        venue_order_id = rec.venue_order_id
        assert venue_order_id is not None
        if price_raw == self._last_px_raw:
            last_px = self._last_px
        else:
            last_px = self._last_px = _PRICE_CLS(raw=price_raw, precision=self._price_precision)
            self._last_px_raw = price_raw
        fees = self._fees
        ids = self._ids
        ids.trade_count += 1
        self.emit(
            _ORDER_FILLED_CLS(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=venue_order_id,
                account_id=self.account_id,
                trade_id=str.__new__(_TRADE_ID_CLS, f"{ids.trade_prefix}{ids.trade_count}"),
                order_side=rec.side,
                order_type=rec.order_type,
                # a partial fill is stated at the instrument's size precision (the order's may be coarser)
                last_qty=rec.quantity
                if qty_raw == rec.quantity_raw
                else _QUANTITY_CLS(raw=qty_raw, precision=max(rec.quantity.precision, self._size_precision)),
                last_px=last_px,
                commission=fees.zero
                if fees.is_zero
                else fees.commission(qty_raw, price_raw, liquidity is _MAKER, first),
                liquidity_side=liquidity,
            )
        )

    def _stamp(self, rec: WorkingOrder) -> None:
        """Record that ``rec`` starts to wait now (see ``on_bar_raw``)."""
        ts = rec.accept_ns = self.ts_event
        if ts > self._last_accept_ns:
            self._last_accept_ns = ts

    def _hold(self, rec: WorkingOrder) -> None:
        """Keep an order that would trade on arrival for the next bar's open (``next_open``)."""
        self._stamp(rec)
        rec.where = _HELD
        self._held.append(rec)

    def _acts_on_arrival(self, rec: WorkingOrder) -> bool:
        """A limit order that would trade or end at once: marketable, IOC or FOK."""
        tif = rec.tif
        price = rec.price_raw
        return tif is _IOC or tif is _FOK or (price is not None and self._crosses(rec.is_buy, price))

    def _fill_held(self) -> None:
        """At a bar's open: the held orders act as if they arrived now, in the order they came."""
        while self._held:
            rec = self._held.pop(0)
            rec.where = _NOWHERE
            if not rec.is_open:
                continue
            order_type = rec.order_type
            if order_type is _MARKET:
                self._execute_market(rec)
            elif order_type is _LIMIT:
                self._execute_limit(rec)
            else:
                self._arrive_conditional(rec, False)

    # -- resting orders ----------------------------------------------------------------------
    def _rest(self, rec: WorkingOrder) -> None:
        price = rec.price_raw
        assert price is not None
        levels, keys = (self._bids, self._bid_keys) if rec.is_buy else (self._asks, self._ask_keys)
        queue = levels.get(price)
        if queue is None:
            levels[price] = {rec.client_order_id: rec}
            insort(keys, price)
        else:
            queue[rec.client_order_id] = rec
        rec.where = _RESTING
        self._stamp(rec)

    def _unrest(self, rec: WorkingOrder) -> None:
        price = rec.price_raw
        assert price is not None
        levels, keys = (self._bids, self._bid_keys) if rec.is_buy else (self._asks, self._ask_keys)
        queue = levels[price]
        del queue[rec.client_order_id]
        if not queue:
            del levels[price]
            del keys[bisect_left(keys, price)]
        rec.where = _NOWHERE

    def _match_book(self) -> None:
        """Resting orders the quote / L2 book has moved through fill (MAKER, at their price)."""
        book = self.book
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        while bid_keys and book.ask is not None and bid_keys[-1] >= book.ask:
            if not self._fill_resting_from_book(True, bid_keys[-1]):
                break
        while ask_keys and book.bid is not None and ask_keys[0] <= book.bid:
            if not self._fill_resting_from_book(False, ask_keys[0]):
                break

    def _fill_resting_from_book(self, is_buy: bool, price: int) -> bool:
        """Fill the first order queued at ``price``; False when the book ran out within it."""
        rec = next(iter((self._bids if is_buy else self._asks)[price].values()))
        leaves = rec.quantity_raw - rec.filled_raw
        taken = sum(qty for _, qty in self.book.take(is_buy, price, leaves))
        if taken <= 0:
            return False
        if taken >= leaves:
            self._unrest(rec)
        self._fill(rec, price, taken, _MAKER)
        return taken >= leaves

    def _match_through(self, price: int, at_print: bool) -> None:
        """A print at ``price`` fills every resting order it traded through (MAKER, completely):
        at the order's limit, or at the print itself with ``at_print`` (a bar's open that gapped
        through the limit: nothing traded in between, so the order gets the better price)."""
        touch = self._fill_at_touch
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        while bid_keys and (bid_keys[-1] > price or (touch and bid_keys[-1] == price)):
            level = bid_keys[-1]
            rec = next(iter(self._bids[level].values()))
            self._unrest(rec)
            self._fill(rec, price if at_print else level, rec.quantity_raw - rec.filled_raw, _MAKER)
        while ask_keys and (ask_keys[0] < price or (touch and ask_keys[0] == price)):
            level = ask_keys[0]
            rec = next(iter(self._asks[level].values()))
            self._unrest(rec)
            self._fill(rec, price if at_print else level, rec.quantity_raw - rec.filled_raw, _MAKER)

    def _on_last(self, price: int, book_changed: bool, at_print: bool) -> None:
        if self._conditionals:
            self._check_conditionals(True, book_changed)
        if self._bid_keys or self._ask_keys:
            self._match_through(price, at_print)

    # -- conditional orders ------------------------------------------------------------------
    def _arrive_conditional(self, rec: WorkingOrder, may_hold: bool) -> None:
        """A new stop/touched/trailing order starts waiting for its trigger (and fires if the market
        is already through it; with ``may_hold`` in ``next_open`` bar mode it then waits for the
        next bar's open instead, where it arrives again)."""
        order_type = rec.order_type
        rec.trigger_up = (order_type in _TOUCHED_TYPES) is not rec.is_buy
        rec.where = _CONDITIONAL
        self._stamp(rec)
        self._conditionals.append(rec)
        ref2 = self._reference2(rec, True, True)
        if ref2 is None:
            return
        if order_type in _TRAILING_TYPES:
            self._trail(rec, ref2)
            if not rec.is_open or rec.where != _CONDITIONAL:
                return
        if self._is_triggered(rec, ref2):
            if may_hold and self._bar_driven and self._bar_next_open:
                self._conditionals.remove(rec)
                self._hold(rec)
            else:
                self._fire(rec)

    def _reference2(self, rec: WorkingOrder, last_changed: bool, book_changed: bool) -> int | None:
        """Twice the reference price of ``rec``'s trigger type, or ``None`` (not available/changed)."""
        book = self.book
        trigger_type = rec.trigger_type
        if trigger_type is _LAST:
            last = book.last
            return None if not last_changed or last is None else 2 * last
        if not book_changed:
            return None
        if trigger_type is _BID_ASK:
            price = book.ask if rec.is_buy else book.bid
            return None if price is None else 2 * price
        bid, ask = book.bid, book.ask
        return None if bid is None or ask is None else bid + ask

    @staticmethod
    def _is_triggered(rec: WorkingOrder, ref2: int) -> bool:
        trigger = rec.trigger_raw
        if trigger is None:
            return False
        return ref2 >= 2 * trigger if rec.trigger_up else ref2 <= 2 * trigger

    def _check_conditionals(self, last_changed: bool, book_changed: bool) -> None:
        for rec in list(self._conditionals):  # a snapshot: events may re-enter the engine
            if rec.where != _CONDITIONAL or not rec.is_open:
                continue
            ref2 = self._reference2(rec, last_changed, book_changed)
            if ref2 is None:
                continue
            if rec.order_type in _TRAILING_TYPES:
                self._trail(rec, ref2)
                if rec.where != _CONDITIONAL or not rec.is_open:
                    continue
            if self._is_triggered(rec, ref2):
                self._fire(rec)

    def _fire(self, rec: WorkingOrder) -> None:
        self._conditionals.remove(rec)
        rec.where = _NOWHERE
        rec.is_triggered = True
        self.emit(
            OrderTriggered(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=rec.venue_order_id,
            )
        )
        if not rec.is_open:
            return
        if rec.order_type in _LIMIT_LIKE:
            if rec.price_raw is None:  # a trailing limit that never had a reference
                self._cancel(rec, "triggered without a limit price")
            else:
                self._execute_limit(rec)
        else:
            self._execute_market(rec)

    def _trail(self, rec: WorkingOrder, ref2: int) -> None:
        """Move a trailing stop's trigger (and limit) with the reference price; emit on a move."""
        init = rec.init
        assert init.trailing_offset is not None and init.trailing_offset_type is not None
        kind = init.trailing_offset_type
        num, den = self._offset(kind, init.trailing_offset.as_integer_ratio(), ref2)
        tick = self._tick
        current = rec.trigger_raw
        candidate = self._trail_trigger(rec.is_buy, ref2, num, den)
        if candidate <= 0:  # never at or below zero: the smallest positive tick (see the module docstring)
            candidate = tick
        if rec.is_buy:
            stays = current is not None and candidate >= current
        else:
            stays = current is not None and candidate <= current
        is_limit = rec.order_type is _ORDER_TYPE_TRAILING_STOP_LIMIT and init.limit_offset is not None
        if stays:
            if not is_limit or rec.price_raw is not None:
                return
            # A trailing limit sent with its own trigger: the limit follows that trigger.
            assert current is not None
            candidate = current
        rec.trigger_raw = candidate
        if is_limit:
            assert init.limit_offset is not None
            price = self._trail_price(rec.is_buy, candidate, kind, init.limit_offset, ref2)
            rec.price_raw = price if price > 0 else tick
        self._emit_updated(rec)

    def _trail_trigger(self, is_buy: bool, ref2: int, num: int, den: int) -> int:
        """The trigger ``num / den`` from the reference (``ref2 / 2``), rounded away from the
        market to the tick (up for a buy, down for a sell); not floored."""
        tick = self._tick
        if is_buy:
            return -((-(ref2 * den + 2 * num)) // (2 * den * tick)) * tick
        return ((ref2 * den - 2 * num) // (2 * den * tick)) * tick

    def _trail_price(
        self, is_buy: bool, trigger: int, kind: TrailingOffsetType, limit_offset: Decimal, ref2: int
    ) -> int:
        """A trailing limit's price ``limit_offset`` from its trigger, on the tick; not floored."""
        tick = self._tick
        lnum, lden = self._offset(kind, limit_offset.as_integer_ratio(), ref2)
        if is_buy:
            return -((-(trigger * lden + lnum)) // (lden * tick)) * tick
        return ((trigger * lden - lnum) // (lden * tick)) * tick

    def _first_trail_error(self, rec: WorkingOrder, ref2: int) -> str | None:
        """Why a trailing stop arriving now cannot be accepted: the trigger (or the limit price)
        ``_trail`` would give it on arrival is at or below zero; ``None`` when both are positive."""
        init = rec.init
        kind = init.trailing_offset_type
        offset = init.trailing_offset
        assert offset is not None and kind is not None
        num, den = self._offset(kind, offset.as_integer_ratio(), ref2)
        is_buy = rec.is_buy
        trigger = self._trail_trigger(is_buy, ref2, num, den)
        current = rec.trigger_raw
        precision = self._price_precision
        if current is not None and (trigger >= current if is_buy else trigger <= current):
            trigger = current  # its own trigger holds
        elif trigger <= 0:
            on_grid = ref2 % (2 * 10 ** (9 - precision)) == 0  # the reference has the price's decimals
            reference = format_fixed(ref2 // 2, precision if on_grid else 9)
            if not on_grid:
                reference = reference.rstrip("0")
            return (
                f"trailing stop's trigger_price would be {_PRICE_CLS(raw=trigger, precision=precision)} "
                f"(reference {reference} {'+' if is_buy else '-'} trailing_offset {offset} {kind.name}, "
                f"rounded to the tick): it must be positive"
            )
        limit_offset = init.limit_offset
        if rec.order_type is _ORDER_TYPE_TRAILING_STOP_LIMIT and limit_offset is not None:
            price = self._trail_price(is_buy, trigger, kind, limit_offset, ref2)
            if price <= 0:
                return (
                    f"trailing stop limit's price would be {_PRICE_CLS(raw=price, precision=precision)} "
                    f"(trigger_price {_PRICE_CLS(raw=trigger, precision=precision)} "
                    f"{'+' if is_buy else '-'} limit_offset {limit_offset} {kind.name}): it must be positive"
                )
        return None

    def _offset(self, kind: TrailingOffsetType, ratio: tuple[int, int], ref2: int) -> tuple[int, int]:
        """An offset as an exact raw-price fraction ``num / den``."""
        n, d = ratio
        if kind is _TRAILING_OFFSET_TYPE_PRICE:
            return n * FIXED_SCALAR, d
        if kind is _TRAILING_OFFSET_TYPE_TICKS:
            return n * self._tick, d
        return ref2 * n, d * 20_000  # basis points of the reference (ref2 / 2)

    # -- lifecycle helpers -------------------------------------------------------------------
    def _reject(self, rec: WorkingOrder, reason: str) -> None:
        rec.is_open = False
        self.emit(
            OrderRejected(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=rec.instrument_id,
                client_order_id=rec.client_order_id,
                account_id=self.account_id,
                reason=reason,
            )
        )

    def _modify_reject(self, strategy_id: StrategyId, client_order_id: ClientOrderId, reason: str) -> None:
        self.emit(
            OrderModifyRejected(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=client_order_id,
                reason=reason,
            )
        )

    def _emit_updated(self, rec: WorkingOrder) -> None:
        precision = self._price_precision
        price, trigger = rec.price_raw, rec.trigger_raw
        self.emit(
            OrderUpdated(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=rec.venue_order_id,
                quantity=rec.quantity,
                price=None if price is None else _PRICE_CLS(raw=price, precision=precision),
                trigger_price=None if trigger is None else _PRICE_CLS(raw=trigger, precision=precision),
            )
        )

    def _detach(self, rec: WorkingOrder) -> None:
        where = rec.where
        if where == _RESTING:
            self._unrest(rec)
        elif where == _CONDITIONAL:
            self._conditionals.remove(rec)
        elif where == _HELD:
            self._held.remove(rec)
        elif where >= _LATE_RESTING:
            self._late.remove(rec)
        rec.where = _NOWHERE

    def _close(self, rec: WorkingOrder) -> None:
        rec.is_open = False
        self._orders.pop(rec.client_order_id, None)

    def _cancel(self, rec: WorkingOrder, reason: str) -> None:
        self._detach(rec)
        self._close(rec)
        self.emit(
            _ORDER_CANCELED_CLS(
                ts_event=self.ts_event,
                ts_init=self.ts_init,
                strategy_id=rec.strategy_id,
                instrument_id=self.instrument_id,
                client_order_id=rec.client_order_id,
                venue_order_id=rec.venue_order_id,
                reason=reason,
            )
        )
