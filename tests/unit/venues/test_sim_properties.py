"""Property tests: the book never crosses, fills never overfill, fills equal what the book lost."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from sim_support import AAPL, Harness, px, qty, quote, snapshot

from nautilus_platform.model.data import OrderBookDelta, OrderBookDeltas
from nautilus_platform.model.enums import BookAction, BookSide, OrderSide, TimeInForce
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.venues.simulated.book import L2Book

prices = st.integers(min_value=9_000, max_value=11_000).map(lambda cents: f"{cents / 100:.2f}")
sizes = st.integers(min_value=1, max_value=50)

delta_st = st.builds(
    lambda action, side, price, size: OrderBookDelta(
        instrument_id=AAPL,
        action=action,
        side=side,
        price=px(price),
        size=qty(size),
        sequence=0,
        ts_event=0,
        ts_init=0,
    ),
    st.sampled_from([BookAction.ADD, BookAction.UPDATE, BookAction.DELETE]),
    st.sampled_from([BookSide.BID, BookSide.ASK]),
    prices,
    st.integers(min_value=0, max_value=50),
)

order_st = st.tuples(
    st.sampled_from(["market", "limit", "ioc", "fok"]),
    st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
    sizes,
    prices,
)

step_st = st.one_of(
    st.tuples(st.just("deltas"), st.lists(delta_st, min_size=1, max_size=5)),
    st.tuples(st.just("order"), order_st),
)


def _levels(book: L2Book) -> dict[tuple[BookSide, int], int]:
    return {(side, p): s for side in (BookSide.BID, BookSide.ASK) for p, s in book.levels(side)}


@settings(max_examples=150, deadline=None)
@given(
    bids=st.lists(st.tuples(st.integers(9_000, 9_999), sizes), max_size=6, unique_by=lambda t: t[0]),
    asks=st.lists(st.tuples(st.integers(10_000, 11_000), sizes), max_size=6, unique_by=lambda t: t[0]),
    steps=st.lists(step_st, max_size=25),
)
def test_l2_matching_invariants(
    bids: list[tuple[int, int]], asks: list[tuple[int, int]], steps: list[tuple[str, object]]
) -> None:
    h = Harness(book_type="L2")
    h.venue.process_book(snapshot([(f"{p / 100:.2f}", s) for p, s in bids], [(f"{p / 100:.2f}", s) for p, s in asks]))
    book = h.venue.book(AAPL)
    assert isinstance(book, L2Book)
    quantities: dict[object, int] = {}
    filled: dict[object, int] = defaultdict(int)
    for kind, payload in steps:
        before = _levels(book)
        h.take()
        aggressive = False
        if kind == "deltas":
            assert isinstance(payload, list)
            h.venue.process_book(OrderBookDeltas(instrument_id=AAPL, deltas=tuple(payload), ts_event=0, ts_init=0))
        else:
            assert isinstance(payload, tuple)
            order_kind, side, size, price = payload
            if order_kind == "market":
                order = h.factory.market(AAPL, side, qty(size))
            else:
                tif = {"limit": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}[order_kind]
                order = h.factory.limit(AAPL, side, qty(size), px(price), time_in_force=tif)
            quantities[order.client_order_id] = order.quantity.raw
            h.venue.submit_order(order)
            aggressive = True
        # never crossed
        if book.bid is not None and book.ask is not None:
            assert book.bid < book.ask
        if aggressive:
            # an incoming order only takes: the fills it got are exactly what the book lost
            after = _levels(book)
            lost = sum(size - after.get(key, 0) for key, size in before.items())
            gained = sum(size for key, size in after.items() if key not in before or size > before[key])
            taken = sum(e.last_qty.raw for e in h.events if isinstance(e, OrderFilled))
            assert gained == 0
            assert lost == taken
        for event in h.events:
            if isinstance(event, OrderFilled):
                filled[event.client_order_id] += event.last_qty.raw
                assert filled[event.client_order_id] <= quantities[event.client_order_id]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([OrderSide.BUY, OrderSide.SELL]), sizes, prices), min_size=1, max_size=20),
    st.lists(st.tuples(prices, prices, sizes, sizes), min_size=1, max_size=20),
)
def test_fills_never_exceed_quantity_on_l1(
    orders: list[tuple[OrderSide, int, str]], quotes: list[tuple[str, str, int, int]]
) -> None:
    h = Harness()
    quantity: dict[object, int] = {}
    for index, (side, size, price) in enumerate(orders):
        if index < len(quotes):
            a, b, bid_size, ask_size = quotes[index]
            bid, ask = sorted((a, b), key=float)
            h.venue.process_quote(quote(bid, ask, bid_size, ask_size))
        order = h.factory.limit(AAPL, side, qty(size), px(price))
        quantity[order.client_order_id] = order.quantity.raw
        h.venue.submit_order(order)
    for a, b, bid_size, ask_size in quotes:
        bid, ask = sorted((a, b), key=float)
        h.venue.process_quote(quote(bid, ask, bid_size, ask_size))
    filled: dict[object, int] = defaultdict(int)
    for event in h.events:
        if isinstance(event, OrderFilled):
            filled[event.client_order_id] += event.last_qty.raw
    for client_order_id, amount in filled.items():
        assert 0 < amount <= quantity[client_order_id]
    open_ids = {rec.client_order_id for rec in h.venue.open_orders()}
    for client_order_id in open_ids:
        assert filled.get(client_order_id, 0) < quantity[client_order_id]
