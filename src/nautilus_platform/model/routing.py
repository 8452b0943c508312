"""How a strategy asks for smart order routing: the policy and venue constraints of one order."""

from __future__ import annotations

from enum import IntEnum

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import VenueId


class RoutingPolicy(IntEnum):
    """What the router optimises when it picks venues for a parent order.

    - ``BEST_PRICE`` (default): sweep the consolidated book by price as displayed;
    - ``LOWEST_COST``: sweep by price after taker fees (maker fees for the resting remainder);
    - ``FASTEST``: sweep the lowest-latency venues first;
    - ``PREFERENCE``: only the ``prefer`` venues, in that order.
    """

    BEST_PRICE = 1
    LOWEST_COST = 2
    FASTEST = 3
    PREFERENCE = 4


class VenueStatus(IntEnum):
    """Whether a venue takes new orders."""

    UP = 1
    HALTED = 2  # trading halted: new orders are refused, resting ones stay
    DOWN = 3  # disconnected: new orders are refused, resting ones are cancelled (cancel on disconnect)


class RoutingInstruction(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Route one order through the smart order router instead of to a single venue.

    ``prefer`` lists venues in order of preference (required by ``PREFERENCE``, a tie-breaker
    otherwise); ``exclude`` venues are never used; ``max_retries`` overrides the router's limit
    on re-routing a rejected or unfilled child.
    """

    policy: RoutingPolicy = RoutingPolicy.BEST_PRICE
    prefer: tuple[VenueId, ...] = ()
    exclude: tuple[VenueId, ...] = ()
    max_retries: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.policy, RoutingPolicy):
            raise ValidationError("route.policy", self.policy, f"must be one of {[p.name for p in RoutingPolicy]}")
        for name in ("prefer", "exclude"):
            for venue in getattr(self, name):
                if not isinstance(venue, VenueId):
                    raise ValidationError(f"route.{name}", venue, "must be VenueIds")
        if self.policy is RoutingPolicy.PREFERENCE and not self.prefer:
            raise ValidationError("route.prefer", (), "PREFERENCE routing needs at least one venue")
        overlap = set(self.prefer) & set(self.exclude)
        if overlap:
            raise ValidationError("route.exclude", sorted(overlap), "a venue cannot be both preferred and excluded")
        if self.max_retries is not None and (type(self.max_retries) is not int or self.max_retries < 0):
            raise ValidationError("route.max_retries", self.max_retries, "must be a non-negative int")

    @classmethod
    def of(
        cls,
        policy: RoutingPolicy | str = RoutingPolicy.BEST_PRICE,
        prefer: tuple[str, ...] | list[str] = (),
        exclude: tuple[str, ...] | list[str] = (),
        max_retries: int | None = None,
    ) -> RoutingInstruction:
        """Build from plain values: ``RoutingInstruction.of("lowest-cost", exclude=["SLOW"])``."""
        if isinstance(policy, str):
            key = policy.strip().upper().replace("-", "_")
            if key not in RoutingPolicy.__members__:
                raise ValidationError(
                    "route.policy",
                    policy,
                    f"must be one of {[p.name.lower().replace('_', '-') for p in RoutingPolicy]}",
                )
            policy = RoutingPolicy[key]
        return cls(
            policy=policy,
            prefer=tuple(VenueId(v) for v in prefer),
            exclude=tuple(VenueId(v) for v in exclude),
            max_retries=max_retries,
        )
