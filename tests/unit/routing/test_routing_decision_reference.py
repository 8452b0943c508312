"""``decide`` (tuned for the compiled hot path) against a plain reference implementation.

The reference scores, ranks (by sorting keys) and sweeps (rescanning every venue for every step)
the straightforward way; both must give the same scores, winner, children and remainder. The
ranking and the sweep start from the decision's own scores: compiled, ``int / int`` divides as
doubles, so a fee-adjusted price part may differ from this (interpreted) reference in its last
bits, which would make a near tie a coin flip between the two.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, VenueId
from nautilus_platform.model.data import OrderBookSnapshot
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy, VenueStatus
from nautilus_platform.model.values import Currency, Price, Quantity
from nautilus_platform.routing.config import ScoreWeights
from nautilus_platform.routing.decision import MARKET, REST, TAKE, decide
from nautilus_platform.routing.listings import Listing, ListingGroup, VenueState

SCALE = 10**9
USDT, BTC = Currency.from_str("USDT"), Currency.from_str("BTC")
Child = tuple[str, str, int, int, int]
# taker and maker fee (bps), lot, minimum and maximum quantity, child cap (lots of 1), latency,
# status, history (fill rate, slippage) and levels (ticks of 0.05 from 100.00, lots)
Venue = tuple[
    int, int, str, str | None, str | None, int | None, int, VenueStatus, tuple[float, float] | None,
    list[tuple[int, int]],
]  # fmt: skip


def reference(
    group: ListingGroup,
    is_buy: bool,
    leaves: int,
    limit: int | None,
    may_rest: bool,
    post_only: bool,
    route: RoutingInstruction,
    w: ScoreWeights,
    refused: set[VenueId],
    score_of: dict[str, float],
) -> tuple[list[tuple[object, ...]], str | None, list[Child], int]:
    """(scores, winner, children, unrouted) of one decision, computed the plain way; venues rank by
    ``score_of`` (the decision's scores)."""
    policy, den = route.policy, group.den

    def beyond(px: int) -> bool:
        return limit is not None and (px > limit if is_buy else px < limit)

    def effective(px: int, listing: Listing) -> float:
        if policy is not RoutingPolicy.LOWEST_COST:
            return float(px)
        fee = listing.taker_num
        return px * ((den + fee) if is_buy else (den - fee)) / den

    def cap_of(listing: Listing) -> int | None:
        caps = [c for c in (listing.venue.child_cap_raw, listing.max_raw) if c is not None]
        return min(caps) if caps else None

    def sweep(order: list[Listing], ranks: list[int]) -> tuple[int, list[list[int]]]:
        """Every step rescans every venue's current level; (what is left, each venue's take)."""
        remaining = leaves
        ptr = [0] * len(order)
        cap = [c if (c := cap_of(v)) is not None else leaves for v in order]
        left = [v.book.levels(is_buy)[1][0] if v.book.levels(is_buy)[0] else 0 for v in order]
        done = [not v.book.levels(is_buy)[0] for v in order]
        taken = [[0, 0, 0] for _ in order]  # qty, last price, notional
        while remaining > 0:
            chosen, key = -1, (0, 0)
            for i, listing in enumerate(order):
                if done[i]:
                    continue
                px = listing.book.levels(is_buy)[0][ptr[i]]
                if beyond(px):
                    done[i] = True
                    continue
                if policy is RoutingPolicy.LOWEST_COST:
                    fee = listing.taker_num
                    factor = (den + fee) if is_buy else -(den - fee)
                else:
                    factor = 1 if is_buy else -1
                candidate = (ranks[i], px * factor)
                if chosen < 0 or candidate < key:
                    chosen, key = i, candidate
            if chosen < 0:
                break
            listing = order[chosen]
            prices, sizes = listing.book.levels(is_buy)
            lot = listing.lot_raw
            take = min(left[chosen], remaining, cap[chosen])
            take -= take % lot
            if take > 0:
                px = prices[ptr[chosen]]
                taken[chosen][0] += take
                taken[chosen][1] = px
                taken[chosen][2] += px * take
                remaining -= take
                cap[chosen] -= take
                left[chosen] -= take
            if remaining < lot or cap[chosen] < lot:
                done[chosen] = True
            elif left[chosen] < lot:
                ptr[chosen] += 1
                if ptr[chosen] < len(prices):
                    left[chosen] = sizes[ptr[chosen]]
                else:
                    done[chosen] = True
        return remaining, taken

    scores: list[tuple[object, ...]] = []
    eligible: list[tuple[Listing, int, int]] = []
    best_eff = 0.0
    for listing in group.listings:
        prices, sizes = listing.book.levels(is_buy)
        depth = 0
        for px, size in zip(prices, sizes, strict=True):
            if beyond(px):
                break
            depth += size
            if depth >= leaves:
                break
        venue = listing.venue_id
        why = (
            "excluded by the order" if venue in route.exclude
            else "not in the order's preference list" if policy is RoutingPolicy.PREFERENCE and venue not in route.prefer
            else "rejected or denied this order before" if venue in refused
            else f"venue is {listing.venue.status.name}" if listing.venue.status is not VenueStatus.UP
            else ""
        )  # fmt: skip
        best = prices[0] if prices else 0
        scores.append((str(venue), why, best, depth))
        if not why:
            eligible.append((listing, best, depth))
            if best:
                eff = effective(best, listing)
                if best_eff == 0.0 or (eff < best_eff if is_buy else eff > best_eff):
                    best_eff = eff
    if not eligible:
        return scores, None, [], leaves
    ranked = []
    for j, (listing, best, depth) in enumerate(eligible):
        state = listing.venue
        if best and best_eff > 0.0:
            eff = effective(best, listing)
            worse = ((eff - best_eff) if is_buy else (best_eff - eff)) / best_eff * 10_000.0
        else:
            worse = 10_000.0
        parts = (
            -w.price * worse, w.depth * (min(depth, leaves) / leaves), -w.latency * state.latency_ns / 1e6,
            w.fill_rate * state.fill_rate, -w.slippage * state.slippage_bps,
        )  # fmt: skip
        score = score_of[str(listing.venue_id)]
        rank = (
            route.prefer.index(listing.venue_id) if policy is RoutingPolicy.PREFERENCE
            else state.latency_ns if policy is RoutingPolicy.FASTEST
            else 0
        )  # fmt: skip
        scores[group.listings.index(listing)] += (parts, rank)
        ranked.append((rank, -score, listing.venue_id, j))
    ranked.sort()
    order = [eligible[item[3]][0] for item in ranked]
    ranks = [item[0] for item in ranked]
    children: list[Child] = []
    remaining = leaves
    if not post_only:
        swept = list(range(len(order)))
        while True:  # a venue whose take stays below its minimum is left out and the sweep redone
            remaining, taken = sweep([order[i] for i in swept], [ranks[i] for i in swept])
            short = [i for i, (qty, _, _) in zip(swept, taken, strict=True) if 0 < qty < order[i].min_raw]
            if not short:
                break
            swept = [i for i in swept if i not in short]
        for i, (qty, px, notional) in zip(swept, taken, strict=True):
            if qty:
                children.append((str(order[i].venue_id), TAKE, qty, px, notional))
    if remaining > 0 and (limit is None or may_rest):
        kind, targets = MARKET, order
        if limit is not None:
            kind, quality = REST, []
            for listing in order:
                state = listing.venue
                opposite = listing.book.levels(is_buy)[0]
                if post_only and opposite and (opposite[0] <= limit if is_buy else opposite[0] >= limit):
                    continue
                q = w.fill_rate * state.fill_rate - w.latency * state.latency_ns / 1e6
                if policy is RoutingPolicy.LOWEST_COST:
                    q -= w.price * listing.maker_num / den * 10_000.0
                rank = ranks[order.index(listing)]
                quality.append((rank, -q, listing.venue_id, listing))
            targets = [item[3] for item in sorted(quality, key=lambda item: item[:3])]
        for listing in targets:
            if remaining <= 0:
                break
            cap_raw = cap_of(listing)
            qty = remaining if cap_raw is None else min(remaining, cap_raw)
            qty -= qty % listing.lot_raw
            if qty <= 0 or qty < listing.min_raw:
                continue
            price = 0
            if kind == REST:
                assert limit is not None
                tick = listing.tick_raw
                price = limit - limit % tick if is_buy else -((-limit) // tick) * tick
                if price <= 0:
                    continue
            children.append((str(listing.venue_id), kind, qty, price, 0))
            remaining -= qty
    return scores, str(order[0].venue_id), children, remaining


venue: st.SearchStrategy[Venue] = st.tuples(
    st.integers(-2, 30),
    st.integers(-3, 4),
    st.sampled_from(["1", "0.5", "0.001"]),
    st.sampled_from([None, None, "2"]),
    st.sampled_from([None, None, "2.5", "4"]),
    st.sampled_from([None, None, 3]),
    st.sampled_from([0, 0, 1_000_000, 3_000_000]),
    st.sampled_from(list(VenueStatus) + [VenueStatus.UP] * 4),
    st.none() | st.tuples(st.floats(0, 1), st.floats(-5, 5)),
    st.lists(st.tuples(st.integers(-20, 20), st.integers(1, 9)), max_size=8),
)


def build(venues: list[Venue], is_buy: bool) -> ListingGroup:
    listings = []
    for i, (taker, maker, lot, minimum, maximum, cap, latency, status, history, levels) in enumerate(venues):
        venue_id = VenueId(f"V{i}")
        instrument = CryptoSpot(
            id=InstrumentId(f"BTCUSDT.{venue_id}"), price_precision=2, size_precision=3, tick_size=Price.of("0.05"),
            lot_size=Quantity.of(lot), min_quantity=Quantity.of(minimum) if minimum else None,
            max_quantity=Quantity.of(maximum) if maximum and (not minimum or Decimal(maximum) >= Decimal(minimum)) else None,
            quote_currency=USDT, base_currency=BTC,
        )  # fmt: skip
        state = VenueState(venue_id, latency, cap * SCALE if cap else None)
        state.status = status
        if history is not None:
            fill_rate, slippage_bps = history
            state.record(fill_rate, slippage_bps, 0.2)
        listing = Listing(instrument, state, Fraction(taker, 10_000), Fraction(maker, 10_000))
        side = sorted({100_00 + 5 * t: q for t, q in levels}.items(), reverse=not is_buy)
        quotes = [(Price(raw=c * 10**7, precision=2), Quantity(raw=q * SCALE, precision=3)) for c, q in side]
        listing.book.apply_snapshot(
            OrderBookSnapshot.of(instrument.id, [] if is_buy else quotes, quotes if is_buy else [], ts_event=1)
        )
        listings.append(listing)
    return ListingGroup("G", listings)


@settings(max_examples=400, deadline=None)
@given(
    venues=st.lists(venue, min_size=1, max_size=5),
    twin=st.booleans(),  # a copy of the first venue: ties everywhere
    is_buy=st.booleans(),
    lots=st.integers(1, 60),
    limit=st.none() | st.integers(-25, 25),
    may_rest=st.booleans(),
    post_only=st.booleans(),
    policy=st.sampled_from(list(RoutingPolicy)),
    weights=st.sampled_from([ScoreWeights(), ScoreWeights(price=0.01, depth=0.5, latency=10.0, fill_rate=0.5)]),
    refused=st.sets(st.integers(0, 4), max_size=2),
)
def test_decide_matches_the_reference(
    venues: list[Venue],
    twin: bool,
    is_buy: bool,
    lots: int,
    limit: int | None,
    may_rest: bool,
    post_only: bool,
    policy: RoutingPolicy,
    weights: ScoreWeights,
    refused: set[int],
) -> None:
    group = build(venues + venues[:1] if twin else venues, is_buy)
    ids = [listing.venue_id for listing in group.listings]
    prefer = tuple(ids[::-1][:2]) if policy is RoutingPolicy.PREFERENCE else ()
    route = RoutingInstruction(policy=policy, prefer=prefer)
    limit_raw = None if limit is None else (100_00 + 2 * limit) * 10**7
    refused_ids = {VenueId(f"V{i}") for i in refused}
    leaves = lots * SCALE // 2
    decision = decide(
        group, ClientOrderId("P-1"), 1, is_buy, leaves, limit_raw, may_rest, post_only, route, weights, refused_ids
    )
    score_of = {str(s.venue): s.score for s in decision.scores}
    scores, winner, children, unrouted = reference(
        group, is_buy, leaves, limit_raw, may_rest, post_only, route, weights, refused_ids, score_of
    )
    assert len(decision.scores) == len(scores)
    for mine, expected in zip(decision.scores, scores, strict=True):
        assert (str(mine.venue), mine.why, mine.best_px_raw, mine.depth_raw) == expected[:4]
        if mine.eligible:
            parts, rank = expected[4:]
            assert mine.parts == pytest.approx(parts, rel=1e-12, abs=1e-9) and mine.rank == rank
            assert mine.score == sum(mine.parts[1:], mine.parts[0])
        else:
            assert len(expected) == 4 and mine.parts == ()
    assert (str(decision.winner.venue) if decision.winner else None) == winner
    assert [(str(c.venue), c.kind, c.qty_raw, c.price_raw, c.notional_raw) for c in decision.children] == children
    assert decision.unrouted_raw == unrouted
