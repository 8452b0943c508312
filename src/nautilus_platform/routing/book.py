"""The router's view of each listing's book, and the consolidated view across venues.

``ListingBook`` holds one listing's L2 levels as parallel lists of raw prices and sizes (best
first): a snapshot replaces them, deltas change single levels, and a quote stands in as one
level a side while the listing has no L2 book. The router's own fills are taken out of the view
(``consume``, from the best levels within the fill's price, as the simulated venue takes them
from its copy) until the venue's next update shows the new book.
"""

from __future__ import annotations

from typing import Final

from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import BookAction, BookSide

_CLEAR: Final = BookAction.CLEAR
_DELETE: Final = BookAction.DELETE
_BID: Final = BookSide.BID


class ListingBook:
    """L1/L2 levels of one listing (an instrument on one venue)."""

    __slots__ = (
        "_ask_map",
        "_bid_map",
        "ask_px",
        "ask_sz",
        "bid_px",
        "bid_sz",
        "has_l2",
        "instrument_id",
        "ts",
        "venue",
    )

    def __init__(self, instrument_id: InstrumentId) -> None:
        self.instrument_id = instrument_id
        self.venue: VenueId = instrument_id.venue
        self.bid_px: list[int] = []
        self.bid_sz: list[int] = []
        self.ask_px: list[int] = []
        self.ask_sz: list[int] = []
        self._bid_map: dict[int, int] = {}
        self._ask_map: dict[int, int] = {}
        self.has_l2 = False
        self.ts = 0

    # -- updates --------------------------------------------------------------------------------
    def apply_quote(self, quote: QuoteTick) -> None:
        """Top of book from a quote; ignored once the listing has an L2 book."""
        if self.has_l2:
            return
        self.bid_px = [quote.bid_price.raw]
        self.bid_sz = [quote.bid_size.raw]
        self.ask_px = [quote.ask_price.raw]
        self.ask_sz = [quote.ask_size.raw]
        self.ts = quote.ts_event

    def apply_snapshot(self, book: OrderBookSnapshot) -> None:
        self.has_l2 = True
        self.bid_px = [level.price.raw for level in book.bids]
        self.bid_sz = [level.size.raw for level in book.bids]
        self.ask_px = [level.price.raw for level in book.asks]
        self.ask_sz = [level.size.raw for level in book.asks]
        self._bid_map = dict(zip(self.bid_px, self.bid_sz, strict=True))
        self._ask_map = dict(zip(self.ask_px, self.ask_sz, strict=True))
        self.ts = book.ts_event

    def apply_deltas(self, deltas: OrderBookDeltas) -> None:
        self.has_l2 = True
        bids, asks = self._bid_map, self._ask_map
        for delta in deltas.deltas:
            if delta.action is _CLEAR:
                bids.clear()
                asks.clear()
                continue
            side = bids if delta.side is _BID else asks
            size = delta.size.raw
            if delta.action is _DELETE or size <= 0:
                side.pop(delta.price.raw, None)
            else:
                side[delta.price.raw] = size
        self._rebuild()
        self.ts = deltas.ts_event

    def consume(self, is_buy: bool, price_raw: int, qty_raw: int) -> None:
        """Take ``qty_raw`` of our own fill at ``price_raw`` out of the view: from the best levels
        at that price or better (asks at or below it for a buy), best first, as the venue takes
        them from its copy of the book. A take fills at a level's price; a resting order fills at
        its own limit, from the levels the market moved through it."""
        prices, sizes = (self.ask_px, self.ask_sz) if is_buy else (self.bid_px, self.bid_sz)
        side = (self._ask_map if is_buy else self._bid_map) if self.has_l2 else None
        left = qty_raw
        while left > 0 and prices:
            px = prices[0]
            if px > price_raw if is_buy else px < price_raw:
                break
            size = sizes[0]
            if size > left:
                sizes[0] = size - left
                if side is not None:
                    side[px] = size - left
                return
            del prices[0]
            del sizes[0]
            if side is not None:
                side.pop(px, None)
            left -= size

    def _rebuild(self) -> None:
        bid_prices = sorted(self._bid_map, reverse=True)
        ask_prices = sorted(self._ask_map)
        self.bid_px, self.bid_sz = bid_prices, [self._bid_map[p] for p in bid_prices]
        self.ask_px, self.ask_sz = ask_prices, [self._ask_map[p] for p in ask_prices]

    # -- views ----------------------------------------------------------------------------------
    def best_bid(self) -> int | None:
        return self.bid_px[0] if self.bid_px else None

    def best_ask(self) -> int | None:
        return self.ask_px[0] if self.ask_px else None

    def mid_raw(self) -> int | None:
        if self.bid_px and self.ask_px:
            return (self.bid_px[0] + self.ask_px[0]) // 2
        return None

    def levels(self, is_buy: bool) -> tuple[list[int], list[int]]:
        """The levels a buy (asks) or a sell (bids) would take, best first."""
        return (self.ask_px, self.ask_sz) if is_buy else (self.bid_px, self.bid_sz)


class ConsolidatedLevel:
    """One price level of one venue in the consolidated book."""

    __slots__ = ("instrument_id", "price_raw", "size_raw", "venue")

    def __init__(self, venue: VenueId, instrument_id: InstrumentId, price_raw: int, size_raw: int) -> None:
        self.venue = venue
        self.instrument_id = instrument_id
        self.price_raw = price_raw
        self.size_raw = size_raw

    def __repr__(self) -> str:
        return f"ConsolidatedLevel({self.venue} {self.price_raw / 1e9:g} x {self.size_raw / 1e9:g})"


def consolidated(books: list[ListingBook], is_bid: bool) -> list[ConsolidatedLevel]:
    """All venues' levels of one side, best first; equal prices keep the venues in name order."""
    levels = [
        ConsolidatedLevel(book.venue, book.instrument_id, px, sz)
        for book in sorted(books, key=lambda b: b.venue)
        for px, sz in zip(*(book.levels(not is_bid)), strict=True)
    ]
    levels.sort(key=lambda level: -level.price_raw if is_bid else level.price_raw)
    return levels


def nbbo_mid(books: list[ListingBook]) -> int | None:
    """Mid of the best bid and best ask across venues (``None`` while a side is empty everywhere)."""
    bids = [b.bid_px[0] for b in books if b.bid_px]
    asks = [b.ask_px[0] for b in books if b.ask_px]
    if not bids or not asks:
        return None
    return (max(bids) + min(asks)) // 2
