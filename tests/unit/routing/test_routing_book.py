"""``ListingBook.consume``: the router's own fills leave its view as they leave the venue's copy."""

from __future__ import annotations

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import OrderBookDelta, OrderBookDeltas, OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import BookAction, BookSide
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.routing.book import ListingBook

IID = InstrumentId("BTCUSDT.A")


def px(text: str) -> int:
    return Price.of(text).raw


def qty(text: str) -> int:
    return Quantity.of(text).raw


def l2(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> ListingBook:
    book = ListingBook(IID)
    book.apply_snapshot(
        OrderBookSnapshot.of(
            IID, [(Price.of(p, 2), Quantity.of(q, 4)) for p, q in bids],
            [(Price.of(p, 2), Quantity.of(q, 4)) for p, q in asks], ts_event=1,
        )
    )  # fmt: skip
    return book


def test_a_fill_at_a_resting_limit_takes_the_levels_the_market_moved_through_best_first() -> None:
    book = l2([("97.00", "5")], [("98.50", "3"), ("98.90", "4"), ("99.10", "8")])
    book.consume(True, px("99.00"), qty("5"))  # a buy resting at 99.00 filled 5 there
    assert (book.ask_px, book.ask_sz) == ([px("98.90"), px("99.10")], [qty("2"), qty("8")])
    book.consume(True, px("99.00"), qty("10"))  # more than shown within 99.00: nothing beyond it
    assert (book.ask_px, book.ask_sz) == ([px("99.10")], [qty("8")])
    assert (book.bid_px, book.bid_sz) == ([px("97.00")], [qty("5")])


def test_a_sell_takes_bids_at_or_above_its_price() -> None:
    book = l2([("101.00", "2"), ("100.50", "2"), ("99.00", "9")], [("102.00", "1")])
    book.consume(False, px("100.50"), qty("3"))
    assert (book.bid_px, book.bid_sz) == ([px("100.50"), px("99.00")], [qty("1"), qty("9")])


def test_a_take_at_a_level_price_takes_that_level() -> None:
    book = l2([], [("100.00", "3"), ("100.10", "5")])
    book.consume(True, px("100.00"), qty("3"))
    book.consume(True, px("100.10"), qty("2"))
    assert (book.ask_px, book.ask_sz) == ([px("100.10")], [qty("3")])


def test_what_was_consumed_stays_out_when_deltas_change_other_levels() -> None:
    book = l2([("97.00", "5")], [("98.50", "3"), ("98.90", "4")])
    book.consume(True, px("99.00"), qty("5"))
    delta = OrderBookDelta(
        instrument_id=IID, action=BookAction.UPDATE, side=BookSide.BID, price=Price.of("97.50", 2),
        size=Quantity.of("1", 4), sequence=2, ts_event=2, ts_init=2,
    )  # fmt: skip
    book.apply_deltas(OrderBookDeltas.of([delta]))
    assert (book.ask_px, book.ask_sz) == ([px("98.90")], [qty("2")])
    assert book.bid_px == [px("97.50"), px("97.00")]


def test_a_quote_is_one_level_a_side() -> None:
    book = ListingBook(IID)
    book.apply_quote(
        QuoteTick.of(IID, Price.of("97.00", 2), Price.of("98.50", 2), Quantity.of("5", 4), Quantity.of("50", 4), 1)
    )
    book.consume(True, px("99.00"), qty("10"))
    assert (book.ask_px, book.ask_sz) == ([px("98.50")], [qty("40")])
    book.consume(True, px("98.00"), qty("10"))  # nothing at 98.00 or better
    assert book.ask_sz == [qty("40")]
