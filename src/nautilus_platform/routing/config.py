"""Router configuration: venue profiles, listing groups, score weights per policy, retry limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.routing import RoutingPolicy
from nautilus_platform.model.values import to_decimal


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the venue score's parts (the score is their weighted sum, higher wins).

    Parts: ``price`` -bps worse than the best candidate's price (fee-adjusted under
    ``LOWEST_COST``); ``depth`` the share of the order available at or better than its limit
    (0..1); ``latency`` -milliseconds of expected latency; ``fill_rate`` the venue's decayed fill
    rate (0..1); ``slippage`` -bps of the venue's decayed slippage against the expected price.
    """

    price: float = 1.0
    depth: float = 1.0
    latency: float = 0.01
    fill_rate: float = 1.0
    slippage: float = 0.1

    def __post_init__(self) -> None:
        for name in ("price", "depth", "latency", "fill_rate", "slippage"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
                raise ValidationError(f"weights.{name}", value, "must be a finite number >= 0")


DEFAULT_WEIGHTS: dict[RoutingPolicy, ScoreWeights] = {
    RoutingPolicy.BEST_PRICE: ScoreWeights(),
    RoutingPolicy.LOWEST_COST: ScoreWeights(),
    RoutingPolicy.FASTEST: ScoreWeights(price=0.01, depth=0.5, latency=10.0, fill_rate=0.5, slippage=0.01),
    RoutingPolicy.PREFERENCE: ScoreWeights(),
}


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """What the router assumes of one venue; ``None`` takes the value from the simulated venue.

    Fees are rates (``Decimal("0.001")`` = 10 bps) on notional; ``max_child_qty`` caps each child
    order sent there.
    """

    venue_id: str
    taker_fee: Decimal | None = None
    maker_fee: Decimal | None = None
    latency_ns: int | None = None
    max_child_qty: Decimal | None = None

    def __post_init__(self) -> None:
        VenueId(self.venue_id)
        for name in ("taker_fee", "maker_fee"):
            value = getattr(self, name)
            if value is not None:
                rate = to_decimal(value, name)
                if not -1 < rate < 1:
                    raise ValidationError(name, value, "must be a rate in (-1, 1)")
                object.__setattr__(self, name, rate)
        if self.latency_ns is not None and (type(self.latency_ns) is not int or self.latency_ns < 0):
            raise ValidationError("latency_ns", self.latency_ns, "must be a non-negative int")
        if self.max_child_qty is not None:
            cap = to_decimal(self.max_child_qty, "max_child_qty")
            if cap <= 0:
                raise ValidationError("max_child_qty", self.max_child_qty, "must be positive")
            object.__setattr__(self, "max_child_qty", cap)


@dataclass(frozen=True)
class RouterConfig:
    """Settings of the smart order router.

    ``groups`` maps a name to the listings of one instrument on several venues; without it every
    symbol listed on two or more venues forms a group named after the symbol. ``max_retries`` is
    how often a parent re-routes after a rejected, denied or unfilled child. ``history_decay`` is
    the weight of the newest child in each venue's decayed fill rate and slippage.
    ``keep_decisions`` is how many of the latest decisions stay readable, ``keep_parents`` of how
    many finished parents the records stay readable (``parent_records``, ``children``); the
    execution-quality figures count every parent whatever these are.
    """

    venues: tuple[VenueProfile, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weights: dict[RoutingPolicy, ScoreWeights] = field(default_factory=dict)
    max_retries: int = 3
    history_decay: float = 0.2
    keep_decisions: int = 10_000
    keep_parents: int = 10_000

    def __post_init__(self) -> None:
        seen = set()
        for profile in self.venues:
            if not isinstance(profile, VenueProfile):
                raise ValidationError("venues[]", profile, "must be a VenueProfile")
            if profile.venue_id in seen:
                raise ValidationError("venues[].venue_id", profile.venue_id, "is given twice")
            seen.add(profile.venue_id)
        group_of: dict[str, str] = {}
        for name, listings in self.groups.items():
            if not listings:
                raise ValidationError(f"groups.{name}", listings, "needs at least one listing")
            for listing in listings:
                InstrumentId(listing)
                if listing in group_of:  # its fees are kept over one group's denominator
                    raise ValidationError(f"groups.{name}", listing, f"is already in group {group_of[listing]}")
                group_of[listing] = name
        for policy, weights in self.weights.items():
            if not isinstance(policy, RoutingPolicy) or not isinstance(weights, ScoreWeights):
                raise ValidationError("weights", policy, "must map RoutingPolicy to ScoreWeights")
        if type(self.max_retries) is not int or self.max_retries < 0:
            raise ValidationError("max_retries", self.max_retries, "must be a non-negative int")
        if isinstance(self.history_decay, bool) or not 0 < self.history_decay <= 1:
            raise ValidationError("history_decay", self.history_decay, "must be in (0, 1]")
        if type(self.keep_decisions) is not int or self.keep_decisions < 0:
            raise ValidationError("keep_decisions", self.keep_decisions, "must be a non-negative int")
        if type(self.keep_parents) is not int or self.keep_parents < 0:
            raise ValidationError("keep_parents", self.keep_parents, "must be a non-negative int")

    def weights_for(self, policy: RoutingPolicy) -> ScoreWeights:
        return self.weights.get(policy, DEFAULT_WEIGHTS[policy])

    def profile(self, venue_id: str) -> VenueProfile | None:
        return next((p for p in self.venues if p.venue_id == venue_id), None)
