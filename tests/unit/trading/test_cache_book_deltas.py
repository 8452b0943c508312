"""Book deltas keep the cache's L2 book (and the mid marks read) current, by the venue's rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import BookLevel, OrderBookDelta, OrderBookDeltas, OrderBookSnapshot
from nautilus_platform.model.enums import AccountType, BookAction, BookSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.cache import Cache
from nautilus_platform.venues.simulated import SimulatedVenueConfig
from nautilus_platform.venues.simulated.book import L2Book

AAPL = InstrumentId("AAPL.SIM")
ADD, UPDATE, DELETE, CLEAR = BookAction.ADD, BookAction.UPDATE, BookAction.DELETE, BookAction.CLEAR
BID, ASK = BookSide.BID, BookSide.ASK


def delta(action: BookAction, side: BookSide, price: str, size: int, seq: int = 0) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=AAPL, action=action, side=side, price=Price.of(price, 2), size=Quantity.of(size, 0),
        sequence=seq, ts_event=seq, ts_init=seq,
    )  # fmt: skip


def levels(book: OrderBookSnapshot) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    def side(lv: tuple[BookLevel, ...]) -> list[tuple[str, int]]:
        return [(str(level.price), int(level.size.as_decimal())) for level in lv]

    return side(book.bids), side(book.asks)


def snapshot(bids: list[tuple[str, int]], asks: list[tuple[str, int]]) -> OrderBookSnapshot:
    return OrderBookSnapshot.of(
        AAPL, [(Price.of(p, 2), Quantity.of(s, 0)) for p, s in bids], [(Price.of(p, 2), Quantity.of(s, 0)) for p, s in asks],
        ts_event=0,
    )  # fmt: skip


def test_deltas_update_add_and_remove_levels_of_the_cached_snapshot_and_move_the_mid() -> None:
    cache = Cache()
    cache.add_book(snapshot([("99.00", 5), ("98.00", 10)], [("101.00", 3), ("102.00", 4)]))
    book = cache.add_deltas(
        OrderBookDeltas.of([
            delta(UPDATE, BID, "99.00", 7, 1),  # new size
            delta(ADD, BID, "99.50", 2, 2),  # new best bid
            delta(DELETE, ASK, "101.00", 0, 3),
            delta(UPDATE, BID, "98.00", 0, 4),  # size 0 removes the level
        ])
    )  # fmt: skip
    assert cache.books[AAPL] is book
    assert levels(book) == ([("99.50", 2), ("99.00", 7)], [("102.00", 4)])
    assert (book.sequence, book.ts_event) == (4, 4)
    assert cache.mid_raw[AAPL] == (Price.of("99.50").raw + Price.of("102.00").raw) // 2


def test_deltas_without_a_snapshot_build_the_book_and_clear_empties_it() -> None:
    cache = Cache()
    book = cache.add_deltas(OrderBookDeltas.of([delta(ADD, BID, "10.00", 1), delta(ADD, ASK, "10.02", 2)]))
    assert levels(book) == ([("10.00", 1)], [("10.02", 2)])
    assert cache.mid_raw[AAPL] == Price.of("10.01").raw
    cleared = cache.add_deltas(OrderBookDeltas.of([delta(CLEAR, BID, "0.00", 0), delta(ADD, ASK, "11.00", 1)]))
    assert levels(cleared) == ([], [("11.00", 1)])


def test_a_new_level_crossing_the_other_side_removes_what_it_crosses() -> None:
    cache = Cache()
    cache.add_book(snapshot([("99.00", 5)], [("100.00", 3), ("100.50", 4), ("101.00", 1)]))
    book = cache.add_deltas(OrderBookDeltas.of([delta(ADD, BID, "100.50", 6)]))
    assert levels(book) == ([("100.50", 6), ("99.00", 5)], [("101.00", 1)])


prices = st.integers(9_900, 10_100).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")
deltas_strategy = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from([ADD, UPDATE, DELETE, CLEAR]), st.sampled_from([BID, ASK]), prices, st.integers(0, 50)
        ),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(batches=deltas_strategy)
def test_the_cached_book_equals_the_simulated_venues_book_after_any_deltas(
    batches: list[list[tuple[BookAction, BookSide, str, int]]],
) -> None:
    cache, venue_book = Cache(), L2Book()
    for batch in batches:
        items = [
            delta(action, side, price, 0 if action is DELETE else (size if action is not ADD else size + 1))
            for action, side, price, size in batch
        ]
        deltas = OrderBookDeltas.of(items)
        book = cache.add_deltas(deltas)
        venue_book.apply_deltas(deltas)
        assert [(lv.price.raw, lv.size.raw) for lv in book.bids] == venue_book.levels(BID)
        assert [(lv.price.raw, lv.size.raw) for lv in book.asks] == venue_book.levels(ASK)


def test_the_node_marks_on_book_deltas() -> None:
    node = TradingNode(SimulatedClock(0))
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    node.add_instrument(
        Equity(
            id=AAPL,
            price_precision=2,
            size_precision=0,
            tick_size=Price.of("0.01"),
            lot_size=Quantity.of(1),
            quote_currency=USD,
        )
    )
    node.process(snapshot([("99.00", 5)], [("101.00", 3)]))
    assert node.portfolio.marks[AAPL] == Price.of("100.00").raw
    node.process(OrderBookDeltas.of([delta(ADD, BID, "100.00", 1, 1), delta(DELETE, ASK, "101.00", 0, 2),
                                     delta(ADD, ASK, "100.50", 2, 3)]))  # fmt: skip
    assert node.portfolio.marks[AAPL] == Price.of("100.25").raw
    assert levels(node.cache.books[AAPL]) == ([("100.00", 1), ("99.00", 5)], [("100.50", 2)])
