"""L1 and L2 books of the simulated venue."""

from __future__ import annotations

from sim_support import AAPL, px, qty, quote, snapshot

from nautilus_platform.model.data import OrderBookDelta, OrderBookDeltas
from nautilus_platform.model.enums import BookAction, BookSide
from nautilus_platform.venues.simulated.book import UNLIMITED, L1Book, L2Book

P = 10_000_000  # raw of 0.01


def raw(value: str) -> int:
    return px(value).raw


def delta(action: BookAction, side: BookSide, price: str, size: int) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=AAPL, action=action, side=side, price=px(price), size=qty(size), sequence=0, ts_event=0, ts_init=0
    )


def test_l1_from_quote_takes_displayed_size_then_nothing() -> None:
    book = L1Book()
    book.apply_quote(quote("99.99", "100.01", 10, 20))
    assert (book.bid, book.ask) == (raw("99.99"), raw("100.01"))
    assert book.take(True, None, qty(30).raw) == [(raw("100.01"), qty(20).raw)]
    assert book.take(True, None, qty(1).raw) == []
    assert book.available(False, raw("100")) == 0  # bid 99.99 below a sell limit of 100
    assert book.available(False, raw("99.99")) == qty(10).raw


def test_l1_sizes_come_from_the_latest_quote_and_what_was_taken() -> None:
    book = L1Book()
    book.apply_quote(quote("99", "101", 10, 20))
    book.apply_quote(quote("98", "102", 7, 8))  # replaced before anything read the sizes
    assert (book.bid_size, book.ask_size) == (qty(7).raw, qty(8).raw)
    assert book.take(False, None, qty(3).raw) == [(raw("98"), qty(3).raw)]
    assert (book.bid_size, book.ask_size) == (qty(4).raw, qty(8).raw)
    book.apply_quote(quote("97", "103", 5, 6))
    book.ask_size = qty(1).raw  # set before the quote's sizes were read: the bid keeps the quote's
    assert (book.bid_size, book.ask_size) == (qty(5).raw, qty(1).raw)
    assert book.levels(BookSide.BID) == [(raw("97"), qty(5).raw)]


def test_l1_from_trades_is_unlimited_until_a_quote() -> None:
    book = L1Book()
    assert book.apply_last(raw("50"))
    assert book.take(False, None, qty(10**6).raw) == [(raw("50"), qty(10**6).raw)]
    assert book.bid_size == UNLIMITED
    book.apply_quote(quote("49", "51"))
    assert not book.apply_last(raw("60"))  # quotes own the levels now
    assert (book.bid, book.ask, book.last) == (raw("49"), raw("51"), raw("60"))


def test_l1_limit_respected() -> None:
    book = L1Book()
    book.apply_quote(quote("99", "101"))
    assert book.take(True, raw("100"), 5) == []
    assert book.levels(BookSide.ASK) == [(raw("101"), qty(100).raw)]


def test_l2_snapshot_levels_and_walk() -> None:
    book = L2Book()
    book.apply_snapshot(snapshot([("99", 5), ("98", 10)], [("101", 3), ("102", 4), ("103", 50)]))
    assert (book.bid, book.ask) == (raw("99"), raw("101"))
    assert book.levels(BookSide.BID) == [(raw("99"), qty(5).raw), (raw("98"), qty(10).raw)]
    fills = book.take(True, raw("102"), qty(10).raw)
    assert fills == [(raw("101"), qty(3).raw), (raw("102"), qty(4).raw)]
    assert book.ask == raw("103")
    assert book.available(True, None) == qty(50).raw


def test_l2_deltas_set_delete_clear() -> None:
    book = L2Book()
    book.apply_snapshot(snapshot([("99", 5)], [("101", 3)]))
    book.apply_deltas(
        OrderBookDeltas(
            instrument_id=AAPL,
            deltas=(
                delta(BookAction.ADD, BookSide.BID, "99.50", 7),
                delta(BookAction.UPDATE, BookSide.ASK, "101", 9),
                delta(BookAction.UPDATE, BookSide.BID, "99", 0),
            ),
            ts_event=1,
            ts_init=1,
        )
    )
    assert book.levels(BookSide.BID) == [(raw("99.50"), qty(7).raw)]
    assert book.size_at(BookSide.ASK, raw("101")) == qty(9).raw
    book.apply_deltas(
        OrderBookDeltas(
            instrument_id=AAPL, deltas=(delta(BookAction.CLEAR, BookSide.BID, "0", 0),), ts_event=2, ts_init=2
        )
    )
    assert book.bid is None and book.ask is None


def test_l2_crossing_delta_removes_crossed_levels() -> None:
    book = L2Book()
    book.apply_snapshot(snapshot([("99", 5)], [("101", 3), ("102", 3)]))
    book.apply_deltas(
        OrderBookDeltas(
            instrument_id=AAPL, deltas=(delta(BookAction.ADD, BookSide.BID, "101.5", 1),), ts_event=1, ts_init=1
        )
    )
    assert book.bid == raw("101.5")
    assert book.ask == raw("102")
    assert book.bid < book.ask
