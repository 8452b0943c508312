"""One routing decision: score the candidate venues, then split the order across them.

``decide`` is a pure function of the listings' books, fees, latencies and histories:

1. **Score** every listing of the group. Ineligible ones (excluded by the order, outside its
   preference list, rejected it before, venue halted or down) are recorded with the reason.
   The score is the weighted sum of ``ScoreWeights``' parts (see there).
2. **Sweep** the consolidated book level by level in the policy's order: by price
   (``BEST_PRICE``), by fee-adjusted price compared exactly as integers (``LOWEST_COST``), by
   latency then price (``FASTEST``), by the order's preference then price (``PREFERENCE``); ties
   go to the higher score. Each venue's take is a multiple of its lot, at most its child cap.
   Every venue taken from gets one IOC limit child at the worst price it takes there.
3. **Remainder**: a market order sends the rest as market children to the best-ranked venues; a
   limit order that may rest (GTC, DAY, GTD) rests the rest at its limit on the venue with the
   best expected fill quality (decayed fill rate, latency and, under ``LOWEST_COST``, maker fee);
   an IOC order leaves it unrouted.

Scores are floats (they rank, they never book); quantities and prices stay exact integers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, VenueId
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy, VenueStatus
from nautilus_platform.routing.config import ScoreWeights
from nautilus_platform.routing.listings import Listing, ListingGroup

_UP: Final = VenueStatus.UP
_LOWEST_COST: Final = RoutingPolicy.LOWEST_COST
_FASTEST: Final = RoutingPolicy.FASTEST
_PREFERENCE: Final = RoutingPolicy.PREFERENCE
_SCALE: Final = 1_000_000_000
_NO_PRICE_BPS: Final = 10_000.0  # a venue with nothing to take scores as 100% worse on price

TAKE: Final = "take"  # IOC limit child sweeping displayed levels
REST: Final = "rest"  # limit child resting the remainder
MARKET: Final = "market"  # market child for what the books do not show
PART_NAMES: Final = ("price", "depth", "latency", "fill_rate", "slippage")


class VenueScore:
    """How one listing scored in one decision (``why`` says why it was not eligible)."""

    __slots__ = (
        "best_px_raw",
        "depth_raw",
        "eligible",
        "fill_rate",
        "instrument_id",
        "latency_ns",
        "parts",
        "rank",
        "score",
        "slippage_bps",
        "venue",
        "why",
    )

    def __init__(self, listing: Listing, why: str, best_px_raw: int, depth_raw: int) -> None:
        venue = listing.venue
        self.venue: VenueId = listing.venue_id
        self.instrument_id: InstrumentId = listing.instrument_id
        self.eligible = not why
        self.why = why
        self.best_px_raw = best_px_raw  # 0: nothing on the side the order would take
        self.depth_raw = depth_raw
        self.latency_ns = venue.latency_ns
        self.fill_rate = venue.fill_rate
        self.slippage_bps = venue.slippage_bps
        self.parts: tuple[float, ...] = ()
        self.score = float("-inf")
        self.rank = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "venue": str(self.venue),
            "instrument_id": str(self.instrument_id),
            "eligible": self.eligible,
            "why_not": self.why or None,
            "best_price": self.best_px_raw / _SCALE if self.best_px_raw else None,
            "depth": self.depth_raw / _SCALE,
            "latency_ms": self.latency_ns / 1e6,
            "fill_rate": self.fill_rate,
            "slippage_bps": self.slippage_bps,
            "score": self.score if self.eligible else None,
            "parts": dict(zip(PART_NAMES, self.parts, strict=True)) if self.parts else {},
        }


class ChildPlan:
    """One child order the decision sends."""

    __slots__ = ("kind", "listing", "notional_raw", "price_raw", "qty_raw")

    def __init__(self, listing: Listing, kind: str, qty_raw: int, price_raw: int, notional_raw: int) -> None:
        self.listing = listing
        self.kind = kind
        self.qty_raw = qty_raw
        self.price_raw = price_raw  # 0 for a market child
        self.notional_raw = notional_raw  # sum of price x quantity of the levels a take expects (raw²)

    @property
    def venue(self) -> VenueId:
        return self.listing.venue_id

    def expected_px(self) -> Fraction | None:
        """The average price a take expects from the book (``None`` for rest and market)."""
        if self.kind != TAKE:
            return None
        return Fraction(self.notional_raw, self.qty_raw * _SCALE)

    def __repr__(self) -> str:
        px = f" @ {self.price_raw / _SCALE:g}" if self.price_raw else ""
        return f"ChildPlan({self.kind} {self.qty_raw / _SCALE:g} on {self.listing.venue_id}{px})"


class RoutingDecision:
    """The outcome of one decision: every venue's score, the children, and the unrouted rest."""

    __slots__ = (
        "children",
        "den",
        "is_buy",
        "leaves_raw",
        "limit_raw",
        "parent_id",
        "policy",
        "scores",
        "ts",
        "unrouted_raw",
        "winner",
    )

    def __init__(
        self,
        parent_id: ClientOrderId,
        ts: int,
        policy: RoutingPolicy,
        is_buy: bool,
        leaves_raw: int,
        limit_raw: int | None,
        den: int,
    ) -> None:
        self.parent_id = parent_id
        self.ts = ts
        self.policy = policy
        self.is_buy = is_buy
        self.leaves_raw = leaves_raw
        self.limit_raw = limit_raw
        self.den = den
        self.scores: list[VenueScore] = []
        self.children: list[ChildPlan] = []
        self.winner: VenueScore | None = None
        self.unrouted_raw = 0

    @property
    def routed_raw(self) -> int:
        return self.leaves_raw - self.unrouted_raw

    @property
    def reason(self) -> str:
        """Why the winner won, in words."""
        winner = self.winner
        if winner is None:
            why = "; ".join(f"{s.venue}: {s.why}" for s in self.scores if s.why) or "no listing"
            return f"no eligible venue ({why})"
        if self.policy is _PREFERENCE:
            return f"{winner.venue} is the first eligible venue of the order's preference list"
        rivals = [s for s in self.scores if s.eligible and s is not winner]
        if not rivals:
            return f"{winner.venue} is the only eligible venue"
        runner = max(rivals, key=lambda s: s.score)
        if self.policy is _FASTEST and winner.latency_ns < runner.latency_ns:
            return f"{winner.venue} is the fastest eligible venue ({winner.latency_ns / 1e6:g} ms vs {runner.latency_ns / 1e6:g} ms at {runner.venue})"
        gaps = [(w - r, name) for w, r, name in zip(winner.parts, runner.parts, PART_NAMES, strict=True)]
        gap, name = max(gaps)
        return (
            f"{winner.venue} scored {winner.score:.4f} vs {runner.score:.4f} at {runner.venue}; "
            f"its largest edge is {name} (+{gap:.4f})"
        )

    def expected_cost(self) -> Fraction:
        """Fee-adjusted expected value of the takes, in quote currency: paid for a buy (positive),
        received for a sell (negative); lower is better either way."""
        total = Fraction(0)
        den = self.den
        for child in self.children:
            if child.kind != TAKE:
                continue
            fee = child.listing.taker_num
            factor = den + fee if self.is_buy else den - fee
            total += Fraction(child.notional_raw * factor, den * _SCALE * _SCALE)
        return total if self.is_buy else -total

    def as_dict(self) -> dict[str, object]:
        return {
            "parent_id": str(self.parent_id),
            "ts": self.ts,
            "policy": self.policy.name,
            "side": "BUY" if self.is_buy else "SELL",
            "quantity": self.leaves_raw / _SCALE,
            "limit": self.limit_raw / _SCALE if self.limit_raw is not None else None,
            "winner": str(self.winner.venue) if self.winner is not None else None,
            "reason": self.reason,
            "unrouted": self.unrouted_raw / _SCALE,
            "scores": [s.as_dict() for s in self.scores],
            "children": [
                {
                    "venue": str(c.venue),
                    "instrument_id": str(c.listing.instrument_id),
                    "kind": c.kind,
                    "quantity": c.qty_raw / _SCALE,
                    "price": c.price_raw / _SCALE if c.price_raw else None,
                }
                for c in self.children
            ],
        }


def decide(
    group: ListingGroup,
    parent_id: ClientOrderId,
    ts: int,
    is_buy: bool,
    leaves_raw: int,
    limit_raw: int | None,
    may_rest: bool,
    post_only: bool,
    route: RoutingInstruction,
    weights: ScoreWeights,
    refused: set[VenueId] | None = None,
) -> RoutingDecision:
    """Score the group's listings and split ``leaves_raw`` across them (see the module docstring)."""
    policy = route.policy
    decision = RoutingDecision(parent_id, ts, policy, is_buy, leaves_raw, limit_raw, group.den)
    scores = decision.scores
    eligible: list[VenueScore] = []
    listings: list[Listing] = []
    den = group.den
    best_eff = 0.0
    exclude = route.exclude
    lowest_cost = policy is _LOWEST_COST
    for listing in group.listings:
        venue_id = listing.venue_id
        book = listing.book
        prices, sizes = (book.ask_px, book.ask_sz) if is_buy else (book.bid_px, book.bid_sz)
        best = prices[0] if prices else 0
        depth = 0
        for i in range(len(prices)):  # depth within the limit, counted up to the order's size
            if limit_raw is not None and (prices[i] > limit_raw if is_buy else prices[i] < limit_raw):
                break
            depth += sizes[i]
            if depth >= leaves_raw:
                break
        why = ""
        if exclude and venue_id in exclude:
            why = "excluded by the order"
        elif policy is _PREFERENCE and venue_id not in route.prefer:
            why = "not in the order's preference list"
        elif refused is not None and venue_id in refused:
            why = "rejected or denied this order before"
        elif listing.venue.status is not _UP:
            why = f"venue is {listing.venue.status.name}"
        score = VenueScore(listing, why, best, depth)
        scores.append(score)
        if not why:
            eligible.append(score)
            listings.append(listing)
            if best:
                eff = _effective(best, listing, den, is_buy, lowest_cost)
                if best_eff == 0.0 or (eff < best_eff if is_buy else eff > best_eff):
                    best_eff = eff
    if not eligible:
        decision.unrouted_raw = leaves_raw
        return decision
    w_price, w_depth, w_latency = weights.price, weights.depth, weights.latency
    w_fill, w_slip = weights.fill_rate, weights.slippage
    for k in range(len(eligible)):
        score = eligible[k]
        listing = listings[k]
        if score.best_px_raw and best_eff > 0.0:
            eff = _effective(score.best_px_raw, listing, den, is_buy, lowest_cost)
            worse_bps = ((eff - best_eff) if is_buy else (best_eff - eff)) / best_eff * 10_000.0
        else:
            worse_bps = _NO_PRICE_BPS
        depth_share = min(score.depth_raw, leaves_raw) / leaves_raw
        parts = (
            -w_price * worse_bps,
            w_depth * depth_share,
            -w_latency * score.latency_ns / 1e6,
            w_fill * score.fill_rate,
            -w_slip * score.slippage_bps,
        )
        score.parts = parts
        score.score = parts[0] + parts[1] + parts[2] + parts[3] + parts[4]
        if policy is _PREFERENCE:
            score.rank = route.prefer.index(score.venue)
        elif policy is _FASTEST:
            score.rank = score.latency_ns
    ranked = [(eligible[j].rank, -eligible[j].score, eligible[j].venue, j) for j in range(len(eligible))]
    ranked.sort()
    order = [item[3] for item in ranked]
    decision.winner = eligible[order[0]]
    remaining = leaves_raw
    if not post_only:
        remaining = _sweep(decision, [listings[j] for j in order], [eligible[j] for j in order], remaining, policy)
    if remaining > 0:
        if limit_raw is None:
            remaining = _place_rest(decision, listings, eligible, order, remaining, MARKET, 0)
        elif may_rest:
            rest_order = _rest_order(listings, eligible, order, policy, weights, den, is_buy, limit_raw, post_only)
            remaining = _place_rest(decision, listings, eligible, rest_order, remaining, REST, limit_raw)
    decision.unrouted_raw = remaining
    return decision


def _effective(px: int, listing: Listing, den: int, is_buy: bool, lowest_cost: bool) -> float:
    if not lowest_cost:
        return float(px)
    fee = listing.taker_num
    return px * ((den + fee) if is_buy else (den - fee)) / den


def _sweep(
    decision: RoutingDecision,
    listings: list[Listing],
    scores: list[VenueScore],
    remaining: int,
    policy: RoutingPolicy,
) -> int:
    """Take displayed liquidity within the limit in policy order; returns what is left."""
    is_buy = decision.is_buy
    limit_raw = decision.limit_raw
    den = decision.den
    n = len(listings)
    ptr = [0] * n
    level_left = [0] * n
    cap_left = [0] * n
    done = [False] * n
    take_qty = [0] * n
    take_px = [0] * n
    take_notional = [0] * n
    factor = [0] * n
    px_lists: list[list[int]] = []
    sz_lists: list[list[int]] = []
    for i in range(n):
        listing = listings[i]
        prices, sizes = listing.book.levels(is_buy)
        px_lists.append(prices)
        sz_lists.append(sizes)
        if prices:
            level_left[i] = sizes[0]
        else:
            done[i] = True
        cap = listing.venue.child_cap_raw
        cap_left[i] = cap if cap is not None else remaining
        if policy is _LOWEST_COST:
            factor[i] = (den + listing.taker_num) if is_buy else -(den - listing.taker_num)
        else:
            factor[i] = 1 if is_buy else -1
    while remaining > 0:
        chosen = -1
        chosen_rank = 0
        chosen_key = 0
        for i in range(n):
            if done[i]:
                continue
            px = px_lists[i][ptr[i]]
            if limit_raw is not None and (px > limit_raw if is_buy else px < limit_raw):
                done[i] = True
                continue
            key = px * factor[i]
            rank = scores[i].rank
            if chosen < 0 or rank < chosen_rank or (rank == chosen_rank and key < chosen_key):
                chosen, chosen_rank, chosen_key = i, rank, key
        if chosen < 0:
            break
        listing = listings[chosen]
        prices = px_lists[chosen]
        sizes = sz_lists[chosen]
        lot = listing.lot_raw
        take = min(level_left[chosen], remaining, cap_left[chosen])
        take -= take % lot
        if take > 0:
            px = prices[ptr[chosen]]
            take_qty[chosen] += take
            take_px[chosen] = px
            take_notional[chosen] += px * take
            remaining -= take
            cap_left[chosen] -= take
            level_left[chosen] -= take
        if remaining < lot or cap_left[chosen] < lot:
            done[chosen] = True
        elif level_left[chosen] < lot:
            ptr[chosen] += 1
            if ptr[chosen] < len(prices):
                level_left[chosen] = sizes[ptr[chosen]]
            else:
                done[chosen] = True
    for i in range(n):
        qty = take_qty[i]
        if qty == 0:
            continue
        if qty < listings[i].min_raw:  # below the instrument's minimum: leave it for the remainder
            remaining += qty
            continue
        decision.children.append(ChildPlan(listings[i], TAKE, qty, take_px[i], take_notional[i]))
    return remaining


def _rest_order(
    listings: list[Listing],
    scores: list[VenueScore],
    order: list[int],
    policy: RoutingPolicy,
    weights: ScoreWeights,
    den: int,
    is_buy: bool,
    limit_raw: int,
    post_only: bool,
) -> list[int]:
    """Venues for the resting remainder, best expected fill quality first."""
    ranked: list[tuple[int, float, VenueId, int]] = []
    for j in order:
        listing = listings[j]
        score = scores[j]
        if post_only:
            opposite = listing.book.levels(is_buy)[0]
            if opposite and (opposite[0] <= limit_raw if is_buy else opposite[0] >= limit_raw):
                continue  # would take liquidity: the venue would refuse a post-only order
        quality = weights.fill_rate * score.fill_rate - weights.latency * score.latency_ns / 1e6
        if policy is _LOWEST_COST:
            quality -= weights.price * listing.maker_num / den * 10_000.0
        ranked.append((score.rank, -quality, score.venue, j))
    ranked.sort()
    return [item[3] for item in ranked]


def _place_rest(
    decision: RoutingDecision,
    listings: list[Listing],
    scores: list[VenueScore],
    order: list[int],
    remaining: int,
    kind: str,
    limit_raw: int,
) -> int:
    """Rest (or send at market) ``remaining`` on the venues in ``order``, each up to its cap."""
    is_buy = decision.is_buy
    for j in order:
        if remaining <= 0:
            break
        listing = listings[j]
        cap = listing.venue.child_cap_raw
        qty = remaining if cap is None else min(remaining, cap)
        qty -= qty % listing.lot_raw
        if qty <= 0 or qty < listing.min_raw:
            continue
        price = 0
        if kind == REST:
            tick = listing.tick_raw
            price = limit_raw - limit_raw % tick if is_buy else -((-limit_raw) // tick) * tick  # passive side
            if price <= 0:
                continue
        decision.children.append(ChildPlan(listing, kind, qty, price, 0))
        remaining -= qty
    return remaining
