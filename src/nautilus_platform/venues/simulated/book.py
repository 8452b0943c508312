"""The simulated venue's copy of the market: an L1 top-of-book or an L2 price-level book.

Both books work on raw fixed-point ints (scale 10**9) and expose the same matching surface:

- ``bid`` / ``ask``: best prices (raw ints) or ``None``; ``bid_size`` / ``ask_size`` (L1) and
  ``levels(side)`` give the displayed liquidity.
- ``take(is_buy, limit_raw, qty_raw)``: consume liquidity from the opposite side up to a limit,
  best level first, and return the ``(price_raw, qty_raw)`` pieces taken. What is taken stays
  taken until the next market-data update replaces that level, so the same liquidity is never
  used twice.
- ``available(is_buy, limit_raw)``: how much could be taken (for fill-or-kill).

``L1Book``: built from ``QuoteTick`` (one level each side with its displayed size) or, until the
first quote arrives, from trades and bars: a last price on both sides with ``UNLIMITED`` size.
Once a quote has been seen, trades only move ``last``.

``L2Book``: price levels per side from ``OrderBookSnapshot`` (replaces everything) and
``OrderBookDeltas`` (ADD/UPDATE set a level's size, size 0 or DELETE removes it, CLEAR empties the
book). The book is never left crossed: a level that crosses the other side removes the crossed
levels there (the newest data wins; in a snapshot the asks are applied after the bids).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any, Final

from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import BookAction, BookSide

#: Size of a level built from a trade or bar: never runs out and is never decremented.
UNLIMITED: Final = 1 << 100


class L1Book:
    """Top of book: one bid and one ask level, plus the last traded price.

    A quote's sizes are read from it when first needed (``bid_size``/``ask_size``): most quotes
    are replaced before any order takes from them."""

    __slots__ = ("_ask_size", "_bid_size", "_sizes_of", "ask", "bid", "has_quotes", "last")

    is_l2: Final = False

    def __init__(self) -> None:
        self.bid: int | None = None
        self.ask: int | None = None
        self._bid_size = 0
        self._ask_size = 0
        self._sizes_of: QuoteTick | None = None  # the quote whose sizes the levels have, not read yet
        self.last: int | None = None
        self.has_quotes = False

    @property
    def bid_size(self) -> int:
        if self._sizes_of is not None:
            self._read_sizes()
        return self._bid_size

    @bid_size.setter
    def bid_size(self, size: int) -> None:
        if self._sizes_of is not None:
            self._read_sizes()
        self._bid_size = size

    @property
    def ask_size(self) -> int:
        if self._sizes_of is not None:
            self._read_sizes()
        return self._ask_size

    @ask_size.setter
    def ask_size(self, size: int) -> None:
        if self._sizes_of is not None:
            self._read_sizes()
        self._ask_size = size

    def _read_sizes(self) -> None:
        quote = self._sizes_of
        assert quote is not None
        self._sizes_of = None
        self._bid_size = quote.bid_size.raw
        self._ask_size = quote.ask_size.raw

    def apply_quote(self, quote: QuoteTick) -> None:
        """Replace both levels with the quote's prices and displayed sizes."""
        self.apply_quote_raw(quote.bid_price.raw, quote.ask_price.raw, quote)

    def apply_quote_raw(self, bid: int, ask: int, quote: QuoteTick) -> None:
        """``apply_quote`` with the quote's raw prices already read (its sizes are read when needed)."""
        self.bid = bid
        self.ask = ask
        self._sizes_of = quote
        self.has_quotes = True

    def apply_last(self, price_raw: Any) -> bool:
        """Record a traded price (a raw ``int``); returns whether the bid/ask changed (only before
        any quote). ``Any``: the caller's int object is stored in the three fields as it is
        (compiled, an ``int`` parameter would be unboxed and each field would box its own)."""
        self.last = price_raw
        if self.has_quotes:
            return False
        self.bid = self.ask = price_raw
        self._bid_size = self._ask_size = UNLIMITED
        return True

    def take(self, is_buy: bool, limit_raw: int | None, qty_raw: int) -> list[tuple[int, int]]:
        """Consume up to ``qty_raw`` from the opposite level if it is within ``limit_raw``."""
        if is_buy:
            price, size = self.ask, self.ask_size
            if price is None or size <= 0 or (limit_raw is not None and price > limit_raw):
                return []
            if size == UNLIMITED:
                return [(price, qty_raw)]
            taken = qty_raw if qty_raw < size else size
            self.ask_size = size - taken
            return [(price, taken)]
        price, size = self.bid, self.bid_size
        if price is None or size <= 0 or (limit_raw is not None and price < limit_raw):
            return []
        if size == UNLIMITED:
            return [(price, qty_raw)]
        taken = qty_raw if qty_raw < size else size
        self.bid_size = size - taken
        return [(price, taken)]

    def available(self, is_buy: bool, limit_raw: int | None) -> int:
        """Quantity an aggressive order could take within ``limit_raw``."""
        price, size = (self.ask, self.ask_size) if is_buy else (self.bid, self.bid_size)
        if price is None or size <= 0:
            return 0
        if limit_raw is not None and (price > limit_raw if is_buy else price < limit_raw):
            return 0
        return size

    def levels(self, side: BookSide) -> list[tuple[int, int]]:
        """``[(price_raw, size_raw)]`` of one side (at most one level)."""
        price, size = (self.bid, self.bid_size) if side is BookSide.BID else (self.ask, self.ask_size)
        return [] if price is None or size <= 0 else [(price, size)]


class L2Book:
    """Aggregated price levels per side; best bid/ask kept in ``bid`` / ``ask``."""

    __slots__ = ("_ask_keys", "_asks", "_bid_keys", "_bids", "ask", "bid", "last")

    is_l2: Final = True

    def __init__(self) -> None:
        self._bids: dict[int, int] = {}
        self._asks: dict[int, int] = {}
        self._bid_keys: list[int] = []  # ascending prices: best bid last
        self._ask_keys: list[int] = []  # ascending negated prices: best ask last
        self.bid: int | None = None
        self.ask: int | None = None
        self.last: int | None = None

    # -- market data -------------------------------------------------------------------------
    def apply_snapshot(self, snapshot: OrderBookSnapshot) -> None:
        """Replace the whole book."""
        self.clear()
        for level in snapshot.bids:
            if level.size.raw > 0:
                self._set(True, level.price.raw, level.size.raw)
        for level in snapshot.asks:
            if level.size.raw > 0:
                self._set(False, level.price.raw, level.size.raw)

    def apply_deltas(self, deltas: OrderBookDeltas) -> None:
        """Apply a batch of level changes in order."""
        for delta in deltas.deltas:
            action = delta.action
            if action is BookAction.CLEAR:
                self.clear()
                continue
            is_bid = delta.side is BookSide.BID
            size = delta.size.raw
            if action is BookAction.DELETE or size <= 0:
                self._remove(is_bid, delta.price.raw)
            else:
                self._set(is_bid, delta.price.raw, size)

    def apply_last(self, price_raw: Any) -> bool:
        """Record a traded price, a raw ``int`` (the L2 levels come only from book data)."""
        self.last = price_raw
        return False

    def clear(self) -> None:
        self._bids.clear()
        self._asks.clear()
        self._bid_keys.clear()
        self._ask_keys.clear()
        self.bid = self.ask = None

    def _set(self, is_bid: bool, price: int, size: int) -> None:
        if is_bid:
            if price not in self._bids:
                insort(self._bid_keys, price)
                # uncross: the new bid removes asks at or below it
                while self._ask_keys and -self._ask_keys[-1] <= price:
                    del self._asks[-self._ask_keys.pop()]
            self._bids[price] = size
        else:
            if price not in self._asks:
                insort(self._ask_keys, -price)
                while self._bid_keys and self._bid_keys[-1] >= price:
                    del self._bids[self._bid_keys.pop()]
            self._asks[price] = size
        self._refresh()

    def _remove(self, is_bid: bool, price: int) -> None:
        levels, keys, key = (self._bids, self._bid_keys, price) if is_bid else (self._asks, self._ask_keys, -price)
        if levels.pop(price, None) is not None:
            del keys[bisect_left(keys, key)]
            self._refresh()

    def _refresh(self) -> None:
        self.bid = self._bid_keys[-1] if self._bid_keys else None
        self.ask = -self._ask_keys[-1] if self._ask_keys else None

    # -- matching ----------------------------------------------------------------------------
    def take(self, is_buy: bool, limit_raw: int | None, qty_raw: int) -> list[tuple[int, int]]:
        """Walk the opposite side best first, consuming up to ``qty_raw`` within ``limit_raw``."""
        fills: list[tuple[int, int]] = []
        keys, levels = (self._ask_keys, self._asks) if is_buy else (self._bid_keys, self._bids)
        sign = -1 if is_buy else 1
        remaining = qty_raw
        while remaining > 0 and keys:
            price = sign * keys[-1]
            if limit_raw is not None and (price > limit_raw if is_buy else price < limit_raw):
                break
            size = levels[price]
            if size > remaining:
                levels[price] = size - remaining
                fills.append((price, remaining))
                remaining = 0
            else:
                del levels[price]
                keys.pop()
                fills.append((price, size))
                remaining -= size
        if fills:
            self._refresh()
        return fills

    def available(self, is_buy: bool, limit_raw: int | None) -> int:
        """Total size on the opposite side within ``limit_raw``."""
        total = 0
        for price, size in self.levels(BookSide.ASK if is_buy else BookSide.BID):
            if limit_raw is not None and (price > limit_raw if is_buy else price < limit_raw):
                break
            total += size
        return total

    def levels(self, side: BookSide) -> list[tuple[int, int]]:
        """``[(price_raw, size_raw)]`` of one side, best first."""
        if side is BookSide.BID:
            return [(p, self._bids[p]) for p in reversed(self._bid_keys)]
        return [(-k, self._asks[-k]) for k in reversed(self._ask_keys)]

    def size_at(self, side: BookSide, price_raw: int) -> int:
        """Displayed size at one price (0 when there is no level)."""
        return (self._bids if side is BookSide.BID else self._asks).get(price_raw, 0)

    def total_size(self, side: BookSide) -> int:
        return sum((self._bids if side is BookSide.BID else self._asks).values())


OrderBook = L1Book | L2Book
