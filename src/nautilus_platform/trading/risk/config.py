"""Typed, validated configuration of the pre-trade risk engine.

One ``RiskLimits`` struct serves every scope. ``None`` means "not set here": a numeric limit that
is ``None`` at every scope is disabled. The engine resolves the effective limits of an order from
four layers — ``defaults``, the account, the strategy and the instrument — with **strictest
wins**:

- numeric limits (quantities, money, counts, basis points): the smallest value set at any layer;
- ``check_*`` switches: on if any layer turns them on, else off if any layer turns them off,
  else on (the built-in default);
- ``allow_without_reference``: allowed only if some layer allows it and none forbids it;
- ``breaker_state``: ``HALTED`` if any layer says so, else ``REDUCING`` if set, else ``HALTED``;
- ``reference_source``: the most specific layer that sets it (instrument > strategy > account >
  defaults), else ``MID``;
- rate limits are not merged: each layer's ``submit_rate`` / ``modify_rate`` is its own bucket
  (the defaults' is global, an account's counts that account's orders, and so on) and every
  bucket that applies must have room.

Aggregate limits are measured on the account (exposure, open orders, loss, drawdown) or on the
account's position in the instrument (``max_position``), whichever layer set them. Money limits
of one field must all be in one currency; an order valued in another currency is converted with
the state's exchange rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.enums import TradingState
from nautilus_platform.model.values import Money, Price, Quantity
from nautilus_platform.trading.risk.state import PriceSource
from nautilus_platform.trading.risk.throttle import MAX_INTERVAL_NS


class RiskScope(Enum):
    """Where a ``RiskLimits`` applies."""

    DEFAULT = "DEFAULT"
    ACCOUNT = "ACCOUNT"
    STRATEGY = "STRATEGY"
    INSTRUMENT = "INSTRUMENT"


#: The throttle keeps one timestamp per allowed event, so a window holds at most this many.
MAX_RATE_LIMIT = 10_000_000


class RateLimit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """At most ``limit`` events in any window of ``interval_ns`` nanoseconds."""

    limit: int
    interval_ns: int

    def __post_init__(self) -> None:
        if type(self.limit) is not int or not 0 < self.limit <= MAX_RATE_LIMIT:
            raise ValidationError("limit", self.limit, f"must be an int in 1..{MAX_RATE_LIMIT}")
        if type(self.interval_ns) is not int or not 0 < self.interval_ns <= MAX_INTERVAL_NS:
            raise ValidationError(
                "interval_ns", self.interval_ns, f"must be an int of nanoseconds in 1..{MAX_INTERVAL_NS}"
            )


class RiskLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits and switches at one scope; ``None`` leaves the field to the other scopes."""

    check_instrument: bool | None = None  # known, tradable, precisions, tick/lot, instrument min/max
    min_quantity: Quantity | None = None
    max_quantity: Quantity | None = None
    max_notional: Money | None = None  # per order
    collar_bps: int | None = None  # limit/trigger price within ±bps of the reference price
    collar_band: Price | None = None  # ... and within ± this absolute amount
    reference_source: PriceSource | None = None
    allow_without_reference: bool | None = None  # pass checks needing a reference price when none
    max_position: Quantity | None = None  # |position + same-side open leaves + order| (when it grows)
    max_gross_exposure: Money | None = None
    max_net_exposure: Money | None = None  # |net exposure|
    max_open_orders: int | None = None
    max_open_notional: Money | None = None
    submit_rate: RateLimit | None = None
    modify_rate: RateLimit | None = None
    check_duplicate_ids: bool | None = None
    check_reduce_only: bool | None = None
    check_balance: bool | None = None  # cash balance / buying power, or initial margin
    max_daily_loss: Money | None = None  # realised loss today
    max_drawdown_bps: int | None = None  # (peak equity - equity) / peak equity
    breaker_state: TradingState | None = None  # what a tripped breaker switches the account to

    def __post_init__(self) -> None:
        for name in ("min_quantity", "max_quantity", "max_position"):
            _check_positive(name, getattr(self, name), Quantity)
        for name in MONEY_FIELDS:
            _check_positive(name, getattr(self, name), Money)
        _check_positive("collar_band", self.collar_band, Price)
        for name in ("collar_bps", "max_open_orders"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value <= 0):
                raise ValidationError(name, value, "must be a positive int")
        if self.max_drawdown_bps is not None:
            value = self.max_drawdown_bps
            if type(value) is not int or not 0 < value <= 10_000:
                raise ValidationError("max_drawdown_bps", value, "must be an int in 1..10000")
        if self.min_quantity is not None and self.max_quantity is not None:
            if self.min_quantity.raw > self.max_quantity.raw:
                raise ValidationError("min_quantity", str(self.min_quantity), "must not exceed max_quantity")
        for name in ("submit_rate", "modify_rate"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, RateLimit):
                raise ValidationError(name, value, "must be a RateLimit")
        for name in BOOL_FIELDS:
            value = getattr(self, name)
            if value is not None and type(value) is not bool:
                raise ValidationError(name, value, "must be a bool or None")
        if self.reference_source is not None and not isinstance(self.reference_source, PriceSource):
            raise ValidationError("reference_source", self.reference_source, "must be a PriceSource")
        if self.breaker_state is not None and self.breaker_state not in (TradingState.REDUCING, TradingState.HALTED):
            raise ValidationError("breaker_state", self.breaker_state, "must be REDUCING or HALTED")


MONEY_FIELDS = ("max_notional", "max_gross_exposure", "max_net_exposure", "max_open_notional", "max_daily_loss")
BOOL_FIELDS = (
    "check_instrument",
    "allow_without_reference",
    "check_duplicate_ids",
    "check_reduce_only",
    "check_balance",
)
_MIN_FIELDS = (
    "min_quantity",  # the largest minimum is the strictest
    "max_quantity",
    "max_notional",
    "collar_bps",
    "collar_band",
    "max_position",
    "max_gross_exposure",
    "max_net_exposure",
    "max_open_orders",
    "max_open_notional",
    "max_daily_loss",
    "max_drawdown_bps",
)


def _check_positive(name: str, value: Any, kind: type[Any]) -> None:
    if value is None:
        return
    if not isinstance(value, kind) or value.raw <= 0:
        raise ValidationError(name, value, f"must be a positive {kind.__name__}")


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The risk engine's configuration: default limits plus per-scope overrides (keys are ids)."""

    defaults: RiskLimits = msgspec.field(default_factory=RiskLimits)
    accounts: dict[str, RiskLimits] = msgspec.field(default_factory=dict)
    strategies: dict[str, RiskLimits] = msgspec.field(default_factory=dict)
    instruments: dict[str, RiskLimits] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.defaults, RiskLimits):
            raise ValidationError("defaults", self.defaults, "must be a RiskLimits")
        for name in ("accounts", "strategies", "instruments"):
            for key, limits in getattr(self, name).items():
                if not isinstance(key, str) or not key:
                    raise ValidationError(f"{name}.key", key, "must be a non-empty id")
                if not isinstance(limits, RiskLimits):
                    raise ValidationError(f"{name}[{key}]", limits, "must be a RiskLimits")
        check_currencies(self.layers())

    def layers(self) -> list[RiskLimits]:
        """Every ``RiskLimits`` of the configuration."""
        return [self.defaults, *self.accounts.values(), *self.strategies.values(), *self.instruments.values()]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskConfig:
        """Build from plain data (a parsed file); errors name the offending field."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise ValidationError("risk", data, str(exc)) from exc


def check_currencies(layers: Iterable[RiskLimits]) -> None:
    """Raise ``ValidationError`` when one money field is set in two currencies."""
    seen: dict[str, str] = {}
    for limits in layers:
        for name in MONEY_FIELDS:
            money = getattr(limits, name)
            if money is None:
                continue
            code = seen.setdefault(name, money.currency.code)
            if code != money.currency.code:
                raise ValidationError(name, str(money), f"all scopes must use one currency ({code})")


def resolve_limits(layers: Iterable[RiskLimits | None]) -> RiskLimits:
    """Merge layers (least specific first) into the effective limits, strictest wins."""
    present = [layer for layer in layers if layer is not None]
    values: dict[str, Any] = {}
    for name in _MIN_FIELDS:
        chosen: Any = None
        for layer in present:
            value = getattr(layer, name)
            if value is None:
                continue
            if chosen is None:
                chosen = value
            elif name == "min_quantity":
                chosen = value if value.raw > chosen.raw else chosen
            elif isinstance(value, int):
                chosen = min(chosen, value)
            elif value.raw < chosen.raw:
                chosen = value
        values[name] = chosen
    for name in ("check_instrument", "check_duplicate_ids", "check_reduce_only", "check_balance"):
        flags = [getattr(layer, name) for layer in present]
        values[name] = True in flags or False not in flags
    allows = [layer.allow_without_reference for layer in present]
    values["allow_without_reference"] = True in allows and False not in allows
    states = [layer.breaker_state for layer in present]
    reducing = TradingState.REDUCING in states and TradingState.HALTED not in states
    values["breaker_state"] = TradingState.REDUCING if reducing else TradingState.HALTED
    sources = [layer.reference_source for layer in present if layer.reference_source is not None]
    values["reference_source"] = sources[-1] if sources else PriceSource.MID
    # Rate limits are per-scope buckets; the engine collects them per layer, not here.
    return RiskLimits(**values)
