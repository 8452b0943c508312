"""Properties of routing decisions over random books, fees and orders."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, VenueId
from nautilus_platform.model.data import OrderBookSnapshot
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import Currency, Price, Quantity
from nautilus_platform.routing.config import ScoreWeights
from nautilus_platform.routing.decision import TAKE, decide
from nautilus_platform.routing.listings import Listing, ListingGroup, VenueState

SCALE = 10**9
USDT, BTC = Currency.from_str("USDT"), Currency.from_str("BTC")

venue_books = st.lists(
    st.tuples(
        st.integers(0, 30),  # taker fee in bps
        st.lists(st.tuples(st.integers(9_900, 10_100), st.integers(1, 20)), min_size=0, max_size=10),  # cents, lots
    ),
    min_size=1,
    max_size=5,
)


def group_of(books: list[tuple[int, list[tuple[int, int]]]], is_buy: bool) -> ListingGroup:
    listings = []
    for i, (fee_bps, levels) in enumerate(books):
        venue = VenueId(f"V{i}")
        instrument = CryptoSpot(
            id=InstrumentId(f"BTCUSDT.{venue}"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
            lot_size=Quantity.of(1), quote_currency=USDT, base_currency=BTC,
        )  # fmt: skip
        listing = Listing(instrument, VenueState(venue, 0, None), Fraction(fee_bps, 10_000), Fraction(0))
        unique = dict(levels)
        side = [(Price(raw=c * 10**7, precision=2), Quantity(raw=q * SCALE, precision=0)) for c, q in unique.items()]
        snapshot = OrderBookSnapshot.of(instrument.id, [] if is_buy else side, side if is_buy else [], ts_event=1)
        listing.book.apply_snapshot(snapshot)
        listings.append(listing)
    return ListingGroup("BTCUSDT", listings)


def single_venue_cost(listing: Listing, den: int, qty: int, is_buy: bool) -> Fraction | None:
    """Fee-adjusted cost of taking ``qty`` from one venue's book alone (``None`` if too thin)."""
    prices, sizes = listing.book.levels(is_buy)
    left, notional = qty, 0
    for px, size in zip(prices, sizes, strict=True):
        take = min(size, left)
        notional += px * take
        left -= take
        if not left:
            break
    if left:
        return None
    factor = den + listing.taker_num if is_buy else den - listing.taker_num
    value = Fraction(notional * factor, den * SCALE * SCALE)
    return value if is_buy else -value


@settings(max_examples=300, deadline=None)
@given(
    books=venue_books,
    qty=st.integers(1, 60),
    is_buy=st.booleans(),
    limit_cents=st.none() | st.integers(9_900, 10_100),
    policy=st.sampled_from(list(RoutingPolicy)),
)
def test_children_never_exceed_the_parent_and_respect_lots_and_limit(
    books: list[tuple[int, list[tuple[int, int]]]],
    qty: int,
    is_buy: bool,
    limit_cents: int | None,
    policy: RoutingPolicy,
) -> None:
    group = group_of(books, is_buy)
    limit = None if limit_cents is None else limit_cents * 10**7
    prefer = (group.listings[0].venue_id,) if policy is RoutingPolicy.PREFERENCE else ()
    decision = decide(
        group, ClientOrderId("P-1"), 1, is_buy, qty * SCALE, limit, True, False,
        RoutingInstruction(policy=policy, prefer=prefer), ScoreWeights(),
    )  # fmt: skip
    total = sum(child.qty_raw for child in decision.children)
    assert total + decision.unrouted_raw == qty * SCALE
    assert total <= qty * SCALE
    for child in decision.children:
        assert child.qty_raw > 0 and child.qty_raw % child.listing.lot_raw == 0
        if child.kind == TAKE:
            prices, sizes = child.listing.book.levels(is_buy)
            available = sum(
                s
                for p, s in zip(prices, sizes, strict=True)
                if (p <= child.price_raw if is_buy else p >= child.price_raw)
            )
            assert child.qty_raw <= available  # never more than the venue shows up to the child's price
        if limit is not None and child.price_raw:
            assert child.price_raw <= limit if is_buy else child.price_raw >= limit


@settings(max_examples=300, deadline=None)
@given(books=venue_books, qty=st.integers(1, 40), is_buy=st.booleans())
def test_lowest_cost_split_is_never_worse_than_any_single_venue(
    books: list[tuple[int, list[tuple[int, int]]]], qty: int, is_buy: bool
) -> None:
    group = group_of(books, is_buy)
    decision = decide(
        group, ClientOrderId("P-1"), 1, is_buy, qty * SCALE, None, False, False,
        RoutingInstruction(policy=RoutingPolicy.LOWEST_COST), ScoreWeights(),
    )  # fmt: skip
    split_cost = decision.expected_cost()
    for listing in group.listings:
        alone = single_venue_cost(listing, group.den, qty * SCALE, is_buy)
        if alone is not None:  # that venue could fill the whole order by itself
            assert not any(c.kind != TAKE for c in decision.children)
            assert split_cost <= alone
