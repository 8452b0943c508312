"""One routing decision: score the candidate venues, then split the order across them.

``decide`` is a pure function of the listings' books, fees, latencies and histories:

1. **Score** every listing of the group. Ineligible ones (excluded by the order, outside its
   preference list, rejected it before, venue halted or down) are recorded with the reason.
   The score is the weighted sum of ``ScoreWeights``' parts (see there).
2. **Sweep** the consolidated book level by level in the policy's order: by price
   (``BEST_PRICE``), by fee-adjusted price compared exactly as integers (``LOWEST_COST``), by
   latency then price (``FASTEST``), by the order's preference then price (``PREFERENCE``); ties
   go to the higher score. Each venue's take is a multiple of its lot, at most its child cap
   (``max_child_qty``, and the instrument's ``max_quantity``); a venue whose take would stay
   below the instrument's ``min_quantity`` is left out and the sweep done again without it.
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
_NEG_INF: Final = float("-inf")
_LOW30: Final = (1 << 30) - 1
_BELOW60: Final = 1 << 60

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
        "p_depth",
        "p_fill",
        "p_latency",
        "p_price",
        "p_slip",
        "rank",
        "score",
        "scored",
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
        self.scored = False  # the parts below are set (eligible venues only)
        self.p_price = 0.0
        self.p_depth = 0.0
        self.p_latency = 0.0
        self.p_fill = 0.0
        self.p_slip = 0.0
        self.score = _NEG_INF
        self.rank = 0

    @property
    def parts(self) -> tuple[float, ...]:
        """The score's weighted parts in ``PART_NAMES`` order (empty for an ineligible venue)."""
        if not self.scored:
            return ()
        return (self.p_price, self.p_depth, self.p_latency, self.p_fill, self.p_slip)

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


class _Leg:
    """One eligible listing while a decision ranks and sweeps (internal, never leaves ``decide``).

    Sweep state lives in native attributes, not in parallel lists of ints: compiled, an int
    attribute is stored unboxed, a list item is a Python object.
    """

    __slots__ = (
        "cap_left",
        "done",
        "eff",
        "key",
        "level_left",
        "listing",
        "lot",
        "prices",
        "ptr",
        "px",
        "rank",
        "score",
        "sizes",
        "take_notional",
        "take_px",
        "take_qty",
    )

    def __init__(self, listing: Listing, score: VenueScore, prices: list[int], sizes: list[int]) -> None:
        self.listing = listing
        self.score = score
        self.prices = prices
        self.sizes = sizes
        self.eff = 0.0  # effective best price (fee-adjusted under LOWEST_COST); 0.0 with no price
        self.lot = listing.lot_raw
        self.rank = 0
        self.done = False
        self.ptr = 0
        self.px = 0  # price of the level at ptr
        self.key = 0  # px in sweep order (fee-adjusted, negated for a sell): lower sweeps first
        self.level_left = 0
        self.cap_left = 0
        self.take_qty = 0
        self.take_px = 0
        self.take_notional = 0


def _sweep_key(px: int, taker_num: int, den: int, is_buy: bool, lowest_cost: bool) -> int:
    """A level's place in the sweep, smaller first: its price (after the taker fee, exactly, under
    ``LOWEST_COST``), negated for a sell so that the best bid comes first."""
    if lowest_cost:
        return _times(px, den + taker_num) if is_buy else -_times(px, den - taker_num)
    return px if is_buy else -px


def _times(px: int, factor: int) -> int:
    """``px * factor``, exactly, without boxing the usual operands when compiled.

    mypyc multiplies two ints natively only when both are below 2**30 and boxes them otherwise;
    a price at the 10**9 scale is above that, so it is split as ``hi * 2**30 + lo``.
    """
    if 0 <= px < _BELOW60 and 0 <= factor <= _LOW30:
        return ((px >> 30) * factor << 30) + (px & _LOW30) * factor
    return px * factor


def _ranks_before(a: VenueScore, b: VenueScore) -> bool:
    """Whether ``a`` ranks before ``b``: lower rank, then higher score, then venue name."""
    if a.rank != b.rank:
        return a.rank < b.rank
    if a.score != b.score:
        return a.score > b.score
    return a.venue < b.venue


def _why_not(
    listing: Listing, exclude: tuple[VenueId, ...], prefer: tuple[VenueId, ...] | None, refused: set[VenueId] | None
) -> str:
    """Why an order may not use ``listing`` (``""`` when it may): the order excludes it, it is
    outside the order's preference list (``prefer``, given under ``PREFERENCE`` only), its venue
    refused the order before, or is not UP. The caller reads the route's fields once: a route is
    not a native object, and each read of it costs a lookup."""
    venue_id = listing.venue_id
    if exclude and venue_id in exclude:
        return "excluded by the order"
    if prefer is not None and venue_id not in prefer:
        return "not in the order's preference list"
    if refused is not None and venue_id in refused:
        return "rejected or denied this order before"
    status = listing.venue.status
    if status is not _UP:
        return f"venue is {status.name}"
    return ""


def arrival_mid(group: ListingGroup, route: RoutingInstruction) -> int | None:
    """Mid of the best bid and best ask over the listings an order routed by ``route`` may use
    (those ``decide`` finds eligible), rounded down to the raw unit; ``None`` while a side is
    empty on every one of them. A parent's implementation shortfall is measured from it: the
    prices of a venue that is down or halted, or that the order excludes, were never available."""
    best_bid = 0
    best_ask = 0
    has_bid = False
    has_ask = False
    exclude = route.exclude
    prefer = route.prefer if route.policy is _PREFERENCE else None
    for listing in group.listings:
        if _why_not(listing, exclude, prefer, None):
            continue
        book = listing.book
        bids = book.bid_px
        if bids and (not has_bid or bids[0] > best_bid):
            best_bid = bids[0]
            has_bid = True
        asks = book.ask_px
        if asks and (not has_ask or asks[0] < best_ask):
            best_ask = asks[0]
            has_ask = True
    if not has_bid or not has_ask:
        return None
    return (best_bid + best_ask) // 2


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
    den = group.den
    decision = RoutingDecision(parent_id, ts, policy, is_buy, leaves_raw, limit_raw, den)
    scores = decision.scores
    legs: list[_Leg] = []
    best_eff = 0.0
    lowest_cost = policy is _LOWEST_COST
    preference = policy is _PREFERENCE
    exclude = route.exclude
    prefer = route.prefer if preference else None
    has_limit = limit_raw is not None
    limit = limit_raw if limit_raw is not None else 0
    for listing in group.listings:
        book = listing.book
        if is_buy:
            prices = book.ask_px
            sizes = book.ask_sz
        else:
            prices = book.bid_px
            sizes = book.bid_sz
        n_levels = len(prices)
        best = prices[0] if n_levels else 0
        depth = 0
        for i in range(n_levels):  # depth within the limit, counted up to the order's size
            if has_limit:
                px = prices[i]
                if px > limit if is_buy else px < limit:
                    break
            depth += sizes[i]
            if depth >= leaves_raw:
                break
        why = _why_not(listing, exclude, prefer, refused)
        score = VenueScore(listing, why, best, depth)
        scores.append(score)
        if not why:
            leg = _Leg(listing, score, prices, sizes)
            if best:
                if lowest_cost:  # fee-adjusted, exactly as an integer
                    fee = listing.taker_num
                    eff = _times(best, den + fee if is_buy else den - fee) / den
                else:
                    eff = float(best)
                leg.eff = eff
                if best_eff == 0.0 or (eff < best_eff if is_buy else eff > best_eff):
                    best_eff = eff
            legs.append(leg)
    if not legs:
        decision.unrouted_raw = leaves_raw
        return decision
    w_price = weights.price
    w_depth = weights.depth
    w_latency = weights.latency
    w_fill = weights.fill_rate
    w_slip = weights.slippage
    fastest = policy is _FASTEST
    ranked: list[_Leg] = []
    for leg in legs:
        score = leg.score
        if score.best_px_raw and best_eff > 0.0:
            eff = leg.eff
            worse_bps = ((eff - best_eff) if is_buy else (best_eff - eff)) / best_eff * 10_000.0
        else:
            worse_bps = _NO_PRICE_BPS
        depth_share = min(score.depth_raw, leaves_raw) / leaves_raw
        p_price = -w_price * worse_bps
        p_depth = w_depth * depth_share
        p_latency = -w_latency * score.latency_ns / 1e6
        p_fill = w_fill * score.fill_rate
        p_slip = -w_slip * score.slippage_bps
        score.p_price = p_price
        score.p_depth = p_depth
        score.p_latency = p_latency
        score.p_fill = p_fill
        score.p_slip = p_slip
        score.scored = True
        score.score = p_price + p_depth + p_latency + p_fill + p_slip
        if preference:
            score.rank = route.prefer.index(score.venue)
        elif fastest:
            score.rank = score.latency_ns
        leg.rank = score.rank
        # insertion into the ranking (few venues: cheaper than building and sorting keys)
        pos = len(ranked)
        while pos > 0 and _ranks_before(score, ranked[pos - 1].score):
            pos -= 1
        ranked.insert(pos, leg)
    decision.winner = ranked[0].score
    remaining = leaves_raw
    if not post_only:
        remaining = _sweep(decision, ranked, remaining, lowest_cost)
    if remaining > 0:
        if limit_raw is None:
            remaining = _place_rest(decision, ranked, remaining, MARKET, 0)
        elif may_rest:
            rest_order = _rest_order(ranked, policy, weights, den, is_buy, limit_raw, post_only)
            remaining = _place_rest(decision, rest_order, remaining, REST, limit_raw)
    decision.unrouted_raw = remaining
    return decision


def _sweep(decision: RoutingDecision, legs: list[_Leg], remaining: int, lowest_cost: bool) -> int:
    """Take displayed liquidity within the limit in policy order; returns what is left.

    Each step takes from the venue whose current level comes first by (rank, price in sweep
    order), the earlier venue of ``legs`` on a tie. A venue whose take ends below its minimum
    quantity could not be sent it: the sweep is done again without that venue, so the quantity
    goes to the liquidity the other venues show instead of being left over.
    """
    swept = legs
    left = _sweep_once(decision, swept, remaining, lowest_cost)
    while True:
        short = [leg for leg in swept if 0 < leg.take_qty < leg.listing.min_raw]
        if not short:
            break
        swept = [leg for leg in swept if leg not in short]
        left = _sweep_once(decision, swept, remaining, lowest_cost)
    children = decision.children
    for leg in swept:
        if leg.take_qty:
            children.append(ChildPlan(leg.listing, TAKE, leg.take_qty, leg.take_px, leg.take_notional))
    return left


def _sweep_once(decision: RoutingDecision, legs: list[_Leg], remaining: int, lowest_cost: bool) -> int:
    """One sweep over ``legs`` from their best level (see ``_sweep``); sets each leg's take."""
    is_buy = decision.is_buy
    limit_raw = decision.limit_raw
    has_limit = limit_raw is not None
    limit = limit_raw if limit_raw is not None else 0
    den = decision.den
    for leg in legs:
        leg.take_qty = 0
        leg.take_px = 0
        leg.take_notional = 0
        leg.ptr = 0
        leg.done = False
        prices = leg.prices
        cap = leg.listing.child_cap_raw()
        leg.cap_left = cap if cap is not None else remaining
        if not prices:
            leg.done = True
            continue
        px = prices[0]
        if has_limit and (px > limit if is_buy else px < limit):
            leg.done = True
            continue
        leg.level_left = leg.sizes[0]
        leg.px = px
        leg.key = _sweep_key(px, leg.listing.taker_num, den, is_buy, lowest_cost)
    while remaining > 0:
        chosen: _Leg | None = None
        for leg in legs:
            if leg.done:
                continue
            if chosen is None or leg.rank < chosen.rank or (leg.rank == chosen.rank and leg.key < chosen.key):
                chosen = leg
        if chosen is None:
            break
        lot = chosen.lot
        take = chosen.level_left
        if remaining < take:
            take = remaining
        if chosen.cap_left < take:
            take = chosen.cap_left
        take -= take % lot
        if take > 0:
            px = chosen.px
            chosen.take_qty += take
            chosen.take_px = px
            chosen.take_notional += px * take
            remaining -= take
            chosen.cap_left -= take
            chosen.level_left -= take
        if remaining < lot or chosen.cap_left < lot:
            chosen.done = True
        elif chosen.level_left < lot:
            ptr = chosen.ptr + 1
            chosen.ptr = ptr
            prices = chosen.prices
            if ptr < len(prices):
                chosen.level_left = chosen.sizes[ptr]
                px = prices[ptr]
                if has_limit and (px > limit if is_buy else px < limit):
                    chosen.done = True
                else:
                    chosen.px = px
                    chosen.key = _sweep_key(px, chosen.listing.taker_num, den, is_buy, lowest_cost)
            else:
                chosen.done = True
    return remaining


def _rest_order(
    legs: list[_Leg],
    policy: RoutingPolicy,
    weights: ScoreWeights,
    den: int,
    is_buy: bool,
    limit_raw: int,
    post_only: bool,
) -> list[_Leg]:
    """Venues for the resting remainder, best expected fill quality first."""
    ranked: list[tuple[int, float, VenueId, int]] = []
    for j in range(len(legs)):
        leg = legs[j]
        listing = leg.listing
        score = leg.score
        if post_only:
            book = listing.book
            opposite = book.ask_px if is_buy else book.bid_px
            if opposite and (opposite[0] <= limit_raw if is_buy else opposite[0] >= limit_raw):
                continue  # would take liquidity: the venue would refuse a post-only order
        quality = weights.fill_rate * score.fill_rate - weights.latency * score.latency_ns / 1e6
        if policy is _LOWEST_COST:
            quality -= weights.price * listing.maker_num / den * 10_000.0
        ranked.append((score.rank, -quality, score.venue, j))
    ranked.sort()
    return [legs[item[3]] for item in ranked]


def _place_rest(decision: RoutingDecision, legs: list[_Leg], remaining: int, kind: str, limit_raw: int) -> int:
    """Rest (or send at market) ``remaining`` on the venues of ``legs`` in order, each up to its cap."""
    is_buy = decision.is_buy
    for leg in legs:
        if remaining <= 0:
            break
        listing = leg.listing
        cap = listing.child_cap_raw()
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
