"""The cache: the trading core's in-memory state, with O(1) aggregates for pre-trade risk.

It holds instruments, orders (with an index of open orders and, per instrument and side, the
open leaves quantity, order count and notional), the latest market data, and the reference
prices (last, mid, mark) risk checks read. Orders change only through events; the execution
engine tells the cache around each change (``before_change``/``after_change``) so the
aggregates stay exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from nautilus_platform.core.errors import DuplicateError, NotFoundError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, PositionId, StrategyId, VenueId
from nautilus_platform.model.data import (
    Bar,
    BarType,
    BookLevel,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import BookAction, BookSide, OrderSide, OrderStatus, PriceType
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR
from nautilus_platform.trading.positions.account import AccountOrders, rate_ppb

if TYPE_CHECKING:  # (risk imports the cache: only the annotation needs it)
    from nautilus_platform.trading.risk.state import ModifyRequest

_ORDER_STATUS_CANCELED: Final = OrderStatus.CANCELED
_ORDER_STATUS_DENIED: Final = OrderStatus.DENIED
_ORDER_STATUS_EXPIRED: Final = OrderStatus.EXPIRED
_ORDER_STATUS_FILLED: Final = OrderStatus.FILLED
_ORDER_STATUS_REJECTED: Final = OrderStatus.REJECTED

_CLOSED: Final = frozenset(
    {_ORDER_STATUS_DENIED, _ORDER_STATUS_REJECTED, _ORDER_STATUS_CANCELED, _ORDER_STATUS_EXPIRED, _ORDER_STATUS_FILLED}
)
_INITIALIZED: Final = OrderStatus.INITIALIZED
_BUY: Final = OrderSide.BUY
_FIXED_SCALAR: Final = FIXED_SCALAR  # a constant to compiled code, not a module-dict lookup
_BID: Final = BookSide.BID
_CLEAR: Final = BookAction.CLEAR
_DELETE: Final = BookAction.DELETE


class SideAggregate:
    """Open (working or in-flight) orders of one instrument on one side."""

    __slots__ = ("count", "leaves_raw", "notional_exact", "reduce_only_leaves_raw")

    def __init__(self) -> None:
        self.count = 0
        self.leaves_raw = 0
        self.notional_exact = 0  # sum of leaves_raw * price_raw (multiply by the multiplier for value)
        self.reduce_only_leaves_raw = 0


class _Terms:
    """What the open-order aggregates need of an instrument, read once."""

    __slots__ = ("base", "margin_ppb", "multiplier", "settlement")

    def __init__(self, instrument: Instrument) -> None:
        self.settlement = instrument.settlement
        self.base = instrument.base
        self.multiplier = instrument.multiplier.raw
        self.margin_ppb = rate_ppb(instrument.margin_init)


class _OpenEntry:
    """An open order's valuation price and what its opening added to the account aggregates."""

    __slots__ = ("leaves", "margin", "notional", "px_raw", "value")

    def __init__(self, px_raw: int) -> None:
        self.px_raw = px_raw
        self.leaves = -1  # the leaves the products below were added for (-1: none kept)
        self.notional = 0  # leaves * px_raw
        self.value = 0  # notional * multiplier
        self.margin = 0  # value * margin_ppb


class Cache:
    """In-memory state of the trading core."""

    def __init__(self) -> None:
        self.instruments: dict[InstrumentId, Instrument] = {}
        self.orders: dict[ClientOrderId, Order] = {}
        self.order_venue: dict[ClientOrderId, VenueId] = {}
        self.position_hints: dict[ClientOrderId, PositionId] = {}
        self.quotes: dict[InstrumentId, QuoteTick] = {}
        self.trades: dict[InstrumentId, TradeTick] = {}
        self.bars: dict[BarType, Bar] = {}
        self.books: dict[InstrumentId, OrderBookSnapshot] = {}
        self.last_raw: dict[InstrumentId, int] = {}
        self.mid_raw: dict[InstrumentId, int] = {}
        self._open: dict[ClientOrderId, Order] = {}
        self._held: dict[ClientOrderId, Order] = {}
        self._order_px: dict[ClientOrderId, _OpenEntry] = {}
        self._buy: dict[InstrumentId, SideAggregate] = {}
        self._sell: dict[InstrumentId, SideAggregate] = {}
        self._accounts: dict[AccountId, AccountOrders] = {}
        self._purged_ids: set[ClientOrderId] = set()
        #: The modifies sent to a venue and not answered yet, oldest first, by order (the execution
        #: engine keeps it; pre-trade risk counts each order at the worst they may leave it).
        self.modifies_in_flight: dict[ClientOrderId, list[ModifyRequest]] = {}
        self._terms: dict[InstrumentId, _Terms] = {}

    # -- instruments ------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        if instrument.id in self.instruments:
            raise DuplicateError(f"instrument {instrument.id} is already in the cache")
        self.instruments[instrument.id] = instrument
        self._terms[instrument.id] = _Terms(instrument)
        self._buy[instrument.id] = SideAggregate()
        self._sell[instrument.id] = SideAggregate()

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        instrument = self.instruments.get(instrument_id)
        if instrument is None:
            raise NotFoundError(f"unknown instrument {instrument_id}")
        return instrument

    # -- market data ------------------------------------------------------------------------
    def add_quote(self, quote: QuoteTick) -> None:
        self.add_quote_raw(quote, quote.instrument_id, (quote.bid_price.raw + quote.ask_price.raw) // 2)

    def add_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, mid: Any) -> None:
        """``add_quote`` with the quote's instrument and raw mid, ``(bid + ask) // 2``, already
        computed (``Any``: the caller's int object is stored as it is, see ``add_bar_raw``)."""
        self.quotes[instrument_id] = quote
        self.mid_raw[instrument_id] = mid

    def add_trade(self, trade: TradeTick) -> None:
        self.trades[trade.instrument_id] = trade
        self.last_raw[trade.instrument_id] = trade.price.raw

    def add_bar(self, bar: Bar) -> None:
        bar_type = bar.bar_type
        self.add_bar_raw(bar, bar_type, bar_type.instrument_id, bar.close.raw)

    def add_bar_raw(self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, close: Any) -> None:
        """``add_bar`` with the bar's type, instrument and raw close (an ``int``) already read; the
        close is typed ``Any`` so the caller's int object is stored as it is (compiled, an ``int``
        parameter would be unboxed and boxed again)."""
        self.bars[bar_type] = bar
        self.last_raw[instrument_id] = close

    def add_book(self, book: OrderBookSnapshot) -> None:
        self.books[book.instrument_id] = book
        if book.bids and book.asks:
            self.mid_raw[book.instrument_id] = (book.bids[0].price.raw + book.asks[0].price.raw) // 2

    def add_deltas(self, deltas: OrderBookDeltas) -> OrderBookSnapshot:
        """Apply a batch of book deltas to the instrument's cached book (an empty one if none)
        and cache the result as a snapshot, mid included; returns it.

        The rules are the simulated venue's (``L2Book``): ADD or UPDATE sets a level's size, DELETE
        or a size of 0 removes it, CLEAR empties the book, and a new level that crosses the other
        side removes the levels it crosses."""
        iid = deltas.instrument_id
        book = self.books.get(iid)
        bids = {level.price.raw: level for level in book.bids} if book is not None else {}
        asks = {level.price.raw: level for level in book.asks} if book is not None else {}
        for delta in deltas.deltas:
            if delta.action is _CLEAR:
                bids.clear()
                asks.clear()
                continue
            price = delta.price.raw
            is_bid = delta.side is _BID
            levels = bids if is_bid else asks
            if delta.action is _DELETE or delta.size.raw <= 0:
                levels.pop(price, None)
                continue
            if price not in levels:  # uncross, as a venue's book does
                if is_bid:
                    asks = {p: level for p, level in asks.items() if p > price}
                else:
                    bids = {p: level for p, level in bids.items() if p < price}
            levels[price] = BookLevel(delta.price, delta.size)
        snapshot = OrderBookSnapshot(
            instrument_id=iid, bids=tuple(bids[p] for p in sorted(bids, reverse=True)),
            asks=tuple(asks[p] for p in sorted(asks)), sequence=deltas.deltas[-1].sequence,
            ts_event=deltas.ts_event, ts_init=deltas.ts_init,
        )  # fmt: skip
        self.add_book(snapshot)
        return snapshot

    def price_raw(self, instrument_id: InstrumentId, price_type: PriceType = PriceType.MID) -> int | None:
        """Latest price by type; MID falls back to LAST and LAST to MID (a mark price)."""
        if price_type is PriceType.LAST:
            return self.last_raw.get(instrument_id, self.mid_raw.get(instrument_id))
        if price_type is PriceType.MID:
            return self.mid_raw.get(instrument_id, self.last_raw.get(instrument_id))
        quote = self.quotes.get(instrument_id)
        if quote is None:
            return None
        return quote.bid_price.raw if price_type is PriceType.BID else quote.ask_price.raw

    def mark_raw(self, instrument_id: InstrumentId) -> int | None:
        """The mark price: quote mid when quoted, else the last trade or bar close."""
        mid = self.mid_raw.get(instrument_id)
        return mid if mid is not None else self.last_raw.get(instrument_id)

    # -- orders -----------------------------------------------------------------------------
    def add_order(self, order: Order, venue: VenueId | None = None, position_id: PositionId | None = None) -> None:
        cid = order.client_order_id
        if cid in self.orders:
            raise DuplicateError(f"order {cid} is already in the cache")
        self.orders[cid] = order
        if venue is not None:
            self.order_venue[cid] = venue
        if position_id is not None:
            self.position_hints[cid] = position_id
        if order.init.parent_order_id is not None:
            self._held[cid] = order

    def is_known(self, client_order_id: ClientOrderId) -> bool:
        """Whether the id was ever used (including orders purged from memory)."""
        return client_order_id in self.orders or client_order_id in self._purged_ids

    def order(self, client_order_id: ClientOrderId) -> Order:
        order = self.orders.get(client_order_id)
        if order is None:
            raise NotFoundError(f"unknown order {client_order_id}")
        return order

    def before_change(self, order: Order) -> int:
        """Snapshot for ``after_change``: the leaves counted as open, or -1 if not open."""
        if order.client_order_id in self._open:
            return order.quantity_raw - order.filled_raw
        return -1

    def after_change(self, order: Order, before: int) -> None:
        """Update the open-order index and aggregates after ``order`` applied an event."""
        status = order.status
        cid = order.client_order_id
        held = self._held
        if status in _CLOSED:
            if cid in held:  # (a membership test is cheaper than ``pop`` with a default when compiled)
                del held[cid]
            if before >= 0:
                del self._open[cid]
                entry = self._order_px.pop(cid)
                if entry.leaves == before:
                    self._remove_opening(order, entry)  # exactly what the opening added, taken back
                else:
                    self._account_delta(order, -1, -before, entry.px_raw, 0)
            return
        if status is _INITIALIZED:
            return
        leaves = order.quantity_raw - order.filled_raw
        if before < 0:  # newly open
            if cid in held:
                del held[cid]
            self._open[cid] = order
            px = order.price if order.price is not None else order.trigger_price
            px_raw = px.raw if px is not None else (self.mark_raw(order.instrument_id) or 0)
            entry = self._order_px[cid] = _OpenEntry(px_raw)
            self._account_delta(order, 1, leaves, px_raw, 0, entry)
            return
        entry = self._order_px[cid]
        px_raw = entry.px_raw
        new_px = order.price if order.price is not None else order.trigger_price
        if new_px is not None and new_px.raw != px_raw:  # modified price: revalue what was open
            entry.px_raw = new_px.raw
            entry.leaves = -1
            self._account_delta(order, 0, 0, 0, before * (new_px.raw - px_raw))
            px_raw = new_px.raw
        if leaves != before:
            entry.leaves = -1
            self._account_delta(order, 0, leaves - before, px_raw, 0)

    def _account_delta(
        self, order: Order, count: int, leaves: int, px_raw: int, extra_notional: int, keep: _OpenEntry | None = None
    ) -> None:
        """Add ``count`` orders and ``leaves`` at ``px_raw`` (plus ``extra_notional``) to the aggregates;
        ``keep`` records the products added (an opening), so the close can take them back unmultiplied."""
        notional = leaves * px_raw + extra_notional
        agg = (self._buy if order.side is _BUY else self._sell)[order.instrument_id]
        agg.count += count
        agg.leaves_raw += leaves
        agg.notional_exact += notional
        if order.reduce_only:
            agg.reduce_only_leaves_raw += leaves
        account_id = order.account_id
        if account_id is not None:
            account = self._accounts.get(account_id)
            if account is None:
                account = self._accounts[account_id] = AccountOrders()
            account.count += count
            terms = self._terms[order.instrument_id]
            currency = terms.settlement
            value = notional * terms.multiplier
            totals = account.notional_exact
            totals[currency] = totals.get(currency, 0) + value
            cash = account.cash
            margin_value = 0
            if cash is not True:
                margin = account.margin_exact
                margin_value = value * terms.margin_ppb
                margin[currency] = margin.get(currency, 0) + margin_value
            if keep is not None:
                keep.leaves, keep.notional, keep.value, keep.margin = leaves, notional, value, margin_value
            if cash is False:
                return
            if order.side is _BUY:
                buys = account.buy_notional_exact
                buys[currency] = buys.get(currency, 0) + value
            elif leaves:
                base = terms.base
                if base is not None:
                    sells = account.sell_base_exact
                    sells[base] = sells.get(base, 0) + leaves * terms.multiplier * _FIXED_SCALAR

    def _remove_opening(self, order: Order, entry: _OpenEntry) -> None:
        """``_account_delta(order, -1, -entry.leaves, entry.px_raw, 0)`` from the products the opening kept."""
        leaves = entry.leaves
        agg = (self._buy if order.side is _BUY else self._sell)[order.instrument_id]
        agg.count -= 1
        agg.leaves_raw -= leaves
        agg.notional_exact -= entry.notional
        if order.reduce_only:
            agg.reduce_only_leaves_raw -= leaves
        account_id = order.account_id
        if account_id is not None:
            account = self._accounts.get(account_id)
            if account is None:
                account = self._accounts[account_id] = AccountOrders()
            account.count -= 1
            terms = self._terms[order.instrument_id]
            currency = terms.settlement
            value = entry.value
            totals = account.notional_exact
            totals[currency] = totals.get(currency, 0) - value
            cash = account.cash
            if cash is not True:
                margin = account.margin_exact
                margin[currency] = margin.get(currency, 0) - entry.margin
            if cash is False:
                return
            if order.side is _BUY:
                buys = account.buy_notional_exact
                buys[currency] = buys.get(currency, 0) - value
            elif leaves:
                base = terms.base
                if base is not None:
                    sells = account.sell_base_exact
                    sells[base] = sells.get(base, 0) - leaves * terms.multiplier * _FIXED_SCALAR

    def account_orders(self, account_id: AccountId) -> AccountOrders:
        """The live open-order aggregate of ``account_id`` (created empty on first use)."""
        account = self._accounts.get(account_id)
        if account is None:
            account = self._accounts[account_id] = AccountOrders()
        return account

    def side_aggregates(self, side: OrderSide) -> dict[InstrumentId, SideAggregate]:
        """The live per-instrument open-order aggregates of one side."""
        return self._buy if side is _BUY else self._sell

    def has_open_reduce_only(self, instrument_id: InstrumentId) -> bool:
        """Whether any open order of ``instrument_id`` is reduce-only."""
        buy = self._buy.get(instrument_id)
        sell = self._sell.get(instrument_id)
        return (buy is not None and buy.reduce_only_leaves_raw > 0) or (
            sell is not None and sell.reduce_only_leaves_raw > 0
        )

    def side_aggregate(self, instrument_id: InstrumentId, side: OrderSide) -> SideAggregate:
        """Open orders of ``instrument_id`` on ``side`` (count, leaves, notional)."""
        return (self._buy if side is _BUY else self._sell)[instrument_id]

    @property
    def open_order_count(self) -> int:
        return len(self._open)

    def orders_open(
        self,
        instrument_id: InstrumentId | None = None,
        strategy_id: StrategyId | None = None,
        held: bool = False,
    ) -> list[Order]:
        """Open (working or in-flight) orders, oldest first; ``held`` adds unreleased contingent orders."""
        pools = [self._open, self._held] if held else [self._open]
        return [
            order
            for pool in pools
            for order in pool.values()
            if (instrument_id is None or order.instrument_id == instrument_id)
            and (strategy_id is None or order.strategy_id == strategy_id)
        ]

    def orders_for(self, strategy_id: StrategyId | None = None) -> list[Order]:
        return [o for o in self.orders.values() if strategy_id is None or o.strategy_id == strategy_id]

    def purge_closed_orders(self) -> int:
        """Drop closed orders from memory (the journal keeps their history); returns how many."""
        closed = [cid for cid, order in self.orders.items() if order.status in _CLOSED]
        for cid in closed:
            del self.orders[cid]
            self.order_venue.pop(cid, None)
            self.position_hints.pop(cid, None)
        self._purged_ids.update(closed)
        return len(closed)
