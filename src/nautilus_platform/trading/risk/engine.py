"""The pre-trade risk engine: every submit and modify is checked before it can reach a venue.

``check_submit`` / ``check_modify`` return ``None`` when the order passes, else
``(DenyReason, message)``; the caller turns a denial into ``OrderDenied`` or
``OrderModifyRejected``. Checks run cheap-first on raw fixed-point ints (exact, no floats):

0. an order that no validating ``OrderFactory`` built (by hand, or ``validate=False``): the rules
   of ``validate_order`` (a LIMIT needs a price, a STOP_MARKET a trigger, the quantity is
   positive…), denied as INVALID_ORDER naming the field, the value and the rule (a factory's
   validated order skips this: one flag read);
1. trading state (HALTED denies everything);
2. instrument known and tradable; price and trigger price precision and tick; a trailing stop's
   PRICE offsets on the tick; quantity precision, lot, and min/max (instrument's and configured);
3. duplicate ``ClientOrderId``;
4. reference price (LAST, MID or MARK) for market orders and the price collar (±bps and/or an
   absolute band); max notional per order;
5. drawdown and daily-loss breakers (a trip switches the account to REDUCING or HALTED);
   REDUCING lets only orders through that reduce, without flipping, the position their fills
   change (``RiskState.position_raw``: the strategy's under netting; under hedging the one the
   command named, else a new one, which nothing reduces);
6. reduce-only (against that position); position limit ``|net position + same-side open leaves +
   order| <= max_position`` in the direction the order moves (a position beyond the limit can
   still be reduced, and a modify that adds nothing to its order passes); a modify in flight
   counts at the larger of the order's quantity and the one it asked for until the venue answers;
7. account: max open orders and open notional, gross and net exposure (an order that does not move
   an exposure further beyond its limit passes; money limits in another currency are compared at
   the exact exchange rate, rounded against the order), cash balance (buy notional
   plus the taker fee against the free quote balance; spot sells against the free base
   balance) or initial margin (the increasing part * ``margin_init`` plus fee against free margin,
   which a margin account keeps in its base currency: margin in another currency is converted at
   the exact rate, rounded against the order; no rate, or margin held in a currency without one,
   denies; a margin the free margin cannot cover while it leaves out funds in a currency without
   a rate is denied naming that rate); a modify in flight counts there too, at the worst the
   venue's answer may leave its order (its largest notional, its largest leaves) until the venue
   answers;
8. submit/modify rate throttles (only orders that pass every check are counted).

Limits resolve per (account, strategy, instrument) once and are cached until the configuration
changes (see ``config`` for the precedence rules).

Every change of a trading state (``set_trading_state``: by hand, the kill switch or a breaker) and
of limits at run time (``set_limits``) is handed, as a ``TradingStateChanged`` or
``RiskLimitsChanged`` event, to ``on_change`` when set (the execution engine journals and
publishes them), so a journal tells what the engine accepted at each point.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

import msgspec

from nautilus_platform.core.clock import Clock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId
from nautilus_platform.model.enums import (
    PRICED_TYPES,
    TRAILING_TYPES,
    TRIGGERED_TYPES,
    AccountType,
    ContingencyType,
    DenyReason,
    OrderSide,
    OrderStatus,
    OrderType,
    TradingState,
    TrailingOffsetType,
)
from nautilus_platform.model.events import Event, RiskLimitsChanged, TradingStateChanged
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.order_factory import validate_order
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, POW10, Currency, Price, Quantity, format_fixed
from nautilus_platform.trading.cache import SideAggregate
from nautilus_platform.trading.positions.account import Account, rate_ppb
from nautilus_platform.trading.risk.config import (
    RateLimit,
    RiskConfig,
    RiskLimits,
    RiskScope,
    check_currencies,
    resolve_limits,
)
from nautilus_platform.trading.risk.state import (
    AccountView,
    ModifyRequest,
    PriceSource,
    RiskState,
    extra_leaves_in_flight,
    is_counted_open,
    order_extra_in_flight,
    worst_in_flight,
)
from nautilus_platform.trading.risk.throttle import Throttle

Denial = tuple[DenyReason, str]

_BUY: Final = OrderSide.BUY
_ALTERNATIVES: Final = frozenset({ContingencyType.OCO, ContingencyType.OUO})
_MARKET: Final = OrderType.MARKET
_HELD: Final = OrderStatus.INITIALIZED  # a contingent order held until its parent fills
_PRICED: Final = PRICED_TYPES  # the order types with a limit price
_TRIGGERED: Final = TRIGGERED_TYPES  # ... and with a trigger price
_TRAILING: Final = TRAILING_TYPES  # ... and trailing stops (an offset from the market)
_TRAILING_MARKET: Final = OrderType.TRAILING_STOP_MARKET
_TRAILING_LIMIT: Final = OrderType.TRAILING_STOP_LIMIT
_OFFSET_PRICE: Final = TrailingOffsetType.PRICE
_VALIDATION_ERROR_CLS: Final = ValidationError
_CASH: Final = AccountType.CASH
_SCALE18: Final = FIXED_SCALAR * FIXED_SCALAR
_SCALE27: Final = _SCALE18 * FIXED_SCALAR
_CURRENCIES: Final = Currency._registry  # code -> Currency (what ``Account.free`` resolves codes with)

_ACTIVE, _REDUCING, _HALTED = 0, 1, 2
_CODE: Final = {TradingState.ACTIVE: _ACTIVE, TradingState.REDUCING: _REDUCING, TradingState.HALTED: _HALTED}
_STATE: Final = {code: state for state, code in _CODE.items()}

_R_UNKNOWN: Final = DenyReason.INSTRUMENT_UNKNOWN
_R_NOT_TRADABLE: Final = DenyReason.INSTRUMENT_NOT_TRADABLE
_R_INVALID: Final = DenyReason.INVALID_ORDER
_R_PX_PREC: Final = DenyReason.PRICE_PRECISION
_R_PX_INC: Final = DenyReason.PRICE_INCREMENT
_R_QTY_PREC: Final = DenyReason.QUANTITY_PRECISION
_R_QTY_INC: Final = DenyReason.QUANTITY_INCREMENT
_R_QTY_MIN: Final = DenyReason.QUANTITY_BELOW_MIN
_R_QTY_MAX: Final = DenyReason.QUANTITY_ABOVE_MAX
_R_NOTIONAL: Final = DenyReason.MAX_NOTIONAL
_R_NO_REF: Final = DenyReason.NO_REFERENCE_PRICE
_R_COLLAR: Final = DenyReason.PRICE_COLLAR
_R_POSITION: Final = DenyReason.POSITION_LIMIT
_R_GROSS: Final = DenyReason.GROSS_EXPOSURE
_R_NET: Final = DenyReason.NET_EXPOSURE
_R_OPEN_ORDERS: Final = DenyReason.MAX_OPEN_ORDERS
_R_OPEN_NOTIONAL: Final = DenyReason.MAX_OPEN_NOTIONAL
_R_THROTTLED: Final = DenyReason.THROTTLED
_R_DUPLICATE: Final = DenyReason.DUPLICATE_CLIENT_ORDER_ID
_R_REDUCE_ONLY: Final = DenyReason.REDUCE_ONLY
_R_BALANCE: Final = DenyReason.INSUFFICIENT_BALANCE
_R_MARGIN: Final = DenyReason.INSUFFICIENT_MARGIN
_R_DAILY_LOSS: Final = DenyReason.DAILY_LOSS_LIMIT
_R_DRAWDOWN: Final = DenyReason.MAX_DRAWDOWN
_R_HALTED: Final = DenyReason.TRADING_HALTED
_R_REDUCING: Final = DenyReason.TRADING_REDUCING
_R_CLOSED: Final = DenyReason.ORDER_CLOSED
_R_NO_ACCOUNT: Final = DenyReason.NO_ACCOUNT_STATE


def _ratio(value: Decimal) -> tuple[int, int]:
    num, den = value.as_integer_ratio()
    return num, den


class _MoneyLimit:
    """A money limit scaled to 10**27 for comparing exact notionals."""

    __slots__ = ("currency", "lo", "name", "raw", "x")

    def __init__(self, name: str, raw: int, currency: Currency) -> None:
        self.name = name
        self.raw = raw
        self.currency = currency
        self.x = raw * _SCALE18
        self.lo = _float_floor(raw)  # for the float screens


class _Resolved:
    """Effective limits of one (account, strategy, instrument), pre-scaled for the hot path."""

    __slots__ = (
        "allow_noref",
        "breaker_code",
        "cash_den",
        "cash_k",
        "cash_num",
        "check_balance",
        "check_dup",
        "check_instrument",
        "check_ro",
        "collar",
        "collar_band",
        "collar_bps",
        "daily_loss",
        "fast",
        "fee_den",
        "fee_num",
        "gross",
        "has_breakers",
        "instrument",
        "limits",
        "lot",
        "margin_den",
        "margin_k",
        "margin_k_den",
        "margin_k_num",
        "margin_num",
        "max_dd_bps",
        "max_notional_lo",
        "max_notional_raw",
        "max_open_orders",
        "max_position",
        "max_qty",
        "max_qty_name",
        "min_qty",
        "min_qty_fast",
        "min_qty_name",
        "modify_throttles",
        "mult",
        "mult_f",
        "needs_account",
        "needs_base",
        "needs_price",
        "net",
        "notional",
        "notional_same",
        "open_notional",
        "price_precision",
        "price_unit",
        "prices",
        "qty_unit",
        "reserves",
        "settle",
        "settle_code",
        "size_precision",
        "source",
        "submit_throttles",
        "throttle",
        "tick",
        "tradable",
    )

    def __init__(
        self,
        instrument: Instrument,
        limits: RiskLimits,
        submit_throttles: tuple[Throttle, ...],
        modify_throttles: tuple[Throttle, ...],
        references: Mapping[PriceSource, dict[InstrumentId, int]],
    ) -> None:
        self.instrument = instrument
        self.limits = limits
        self.submit_throttles = submit_throttles
        self.modify_throttles = modify_throttles
        self.check_instrument = bool(limits.check_instrument)
        self.price_unit = POW10[9 - instrument.price_precision]
        self.tick = instrument.tick_size.raw
        self.qty_unit = POW10[9 - instrument.size_precision]
        self.lot = instrument.lot_size.raw
        self.mult = instrument.multiplier.raw
        self.mult_f = float(self.mult) / 1e18  # notional = qty * price * mult / 10**18 (raw units)
        self.settle = instrument.settlement
        self.settle_code: str = self.settle.code
        # The instrument is frozen (and ``r.instrument is instrument`` is checked before use), so
        # the fields the fast path compares are read once here, not per order.
        self.tradable = bool(instrument.tradable)
        self.size_precision: int = instrument.size_precision
        self.price_precision: int = instrument.price_precision
        min_qty, self.min_qty_name = 0, ""
        max_qty, self.max_qty_name = None, ""
        if self.check_instrument:
            if instrument.min_quantity is not None:
                min_qty, self.min_qty_name = instrument.min_quantity.raw, "instrument min_quantity"
            if instrument.max_quantity is not None:
                max_qty, self.max_qty_name = instrument.max_quantity.raw, "instrument max_quantity"
        if limits.min_quantity is not None and limits.min_quantity.raw > min_qty:
            min_qty, self.min_qty_name = limits.min_quantity.raw, "min_quantity"
        if limits.max_quantity is not None and (max_qty is None or limits.max_quantity.raw < max_qty):
            max_qty, self.max_qty_name = limits.max_quantity.raw, "max_quantity"
        self.min_qty: int = min_qty
        self.max_qty: int | None = max_qty
        self.notional = _money(limits, "max_notional")
        self.notional_same = self.notional is not None and self.notional.currency == self.settle
        self.collar_bps = limits.collar_bps
        self.collar_band = limits.collar_band.raw if limits.collar_band is not None else None
        self.source: PriceSource = limits.reference_source or PriceSource.MID
        self.allow_noref = bool(limits.allow_without_reference)
        self.max_position = limits.max_position.raw if limits.max_position is not None else None
        self.gross = _money(limits, "max_gross_exposure")
        self.net = _money(limits, "max_net_exposure")
        self.max_open_orders = limits.max_open_orders
        self.open_notional = _money(limits, "max_open_notional")
        self.check_dup = bool(limits.check_duplicate_ids)
        self.check_ro = bool(limits.check_reduce_only)
        self.check_balance = bool(limits.check_balance)
        self.daily_loss = _money(limits, "max_daily_loss")
        self.max_dd_bps = limits.max_drawdown_bps
        self.has_breakers = self.daily_loss is not None or self.max_dd_bps is not None
        self.breaker_code = _CODE[limits.breaker_state or TradingState.HALTED]
        fee = max(instrument.taker_fee, instrument.maker_fee, Decimal(0))
        self.fee_num, self.fee_den = _ratio(fee)
        self.margin_num, self.margin_den = _ratio(instrument.margin_init)
        self.needs_account = (
            self.check_balance
            or self.gross is not None
            or self.net is not None
            or self.max_open_orders is not None
            or self.open_notional is not None
            or self.daily_loss is not None
            or self.max_dd_bps is not None
        )
        # A check that values the order is on: a market order then needs a reference price.
        self.needs_price = self.notional is not None or self.needs_account
        self.prices = references[self.source]  # the reference prices: ``prices.get(instrument_id)``
        # The fast path (a sufficient condition of passing; anything else takes the full path).
        settle = self.settle
        moneys = (self.notional, self.gross, self.net, self.open_notional, self.daily_loss)
        self.fast = all(m is None or m.currency == settle for m in moneys)
        self.throttle = submit_throttles[0] if len(submit_throttles) == 1 else None
        self.min_qty_fast = max(min_qty, 1)
        self.max_notional_raw = self.notional.raw if self.notional is not None else None
        self.max_notional_lo = self.notional.lo if self.notional is not None else 0.0
        self.collar = self.collar_bps is not None or self.collar_band is not None
        self.needs_base = any(m is not None for m in (self.gross, self.net, self.open_notional, self.daily_loss))
        # A check that counts what open orders lock: the modifies in flight count there too.
        self.reserves = self.open_notional is not None or self.check_balance
        self.cash_k = self.margin_k = 0.0
        if self.check_balance:
            fee_num, fee_den = self.fee_num, self.fee_den
            # Cash buy: notional * (1 + fee); margin: notional * (margin_init + fee), bounds with ceil slop.
            self.cash_num, self.cash_den = fee_den + fee_num, fee_den
            self.margin_k_num = self.margin_num * fee_den + fee_num * self.margin_den
            self.margin_k_den = self.margin_den * fee_den
            self.cash_k = self.cash_num / self.cash_den  # the same factors as floats, for the screens
            self.margin_k = self.margin_k_num / self.margin_k_den


def _money(limits: RiskLimits, name: str) -> _MoneyLimit | None:
    value = getattr(limits, name)
    return None if value is None else _MoneyLimit(name, value.raw, value.currency)


def _money_str(exact: int, currency: Currency) -> str:
    """An exact amount at scale 10**27 that exceeds a limit, rendered at the currency's precision
    rounded away from zero: a limit is a whole number of units, so the figure shown exceeds it too."""
    unit = _SCALE18 * currency.unit_raw
    quotient = -(-exact // unit) if exact >= 0 else exact // unit
    return f"{format_fixed(quotient * currency.unit_raw, currency.precision)} {currency.code}"


def _limit_str(limit: _MoneyLimit) -> str:
    return f"{limit.name} {format_fixed(limit.raw, limit.currency.precision)} {limit.currency.code}"


class _Reserve:
    """What the modifies in flight of an account's orders may add to its open orders beyond what
    those work at now, by currency, as the open-order aggregates count them: ``notional``
    (leaves * price * multiplier, scale 10**27), ``lock`` (a cash account's buy notional and spot
    sells' base, 10**27) and ``margin`` (notional * margin_init in parts per 10**9, 10**36)."""

    __slots__ = ("lock", "margin", "notional")

    def __init__(self) -> None:
        self.notional: dict[Currency, int] = {}
        self.lock: dict[Currency, int] = {}
        self.margin: dict[Currency, int] = {}

    def add(self, instrument: Instrument, buy: bool, notional: int, leaves: int) -> None:
        """Add one order's extra ``notional`` (leaves * price, scale 10**18) and extra ``leaves``."""
        mult = instrument.multiplier.raw
        settle = instrument.settlement
        if notional > 0:
            value = notional * mult
            _add(self.notional, settle, value)
            _add(self.margin, settle, value * rate_ppb(instrument.margin_init))
            if buy:
                _add(self.lock, settle, value)
        base = instrument.base
        if leaves > 0 and not buy and base is not None:
            _add(self.lock, base, leaves * mult * FIXED_SCALAR)


def _add(amounts: dict[Currency, int], currency: Currency, amount: int) -> None:
    amounts[currency] = amounts.get(currency, 0) + amount


class _OwnFlight:
    """A modify of an order with modifies of its own in flight: the leaves and price its account
    checks value it at (a figure it leaves unchanged at the largest asked before it) and the most
    it may already work at (``prior_*``, the largest notional)."""

    __slots__ = ("leaves", "prior_leaves", "prior_px", "px")

    def __init__(self, leaves: int, px: int, prior_leaves: int, prior_px: int) -> None:
        self.leaves = leaves
        self.px = px
        self.prior_leaves = prior_leaves
        self.prior_px = prior_px


def _own_flight(
    order: Order,
    requested: list[ModifyRequest],
    own_px: int,
    quantity: Quantity | None,
    price: Price | None,
    trigger_price: Price | None,
) -> _OwnFlight:
    """The figures of a modify of ``order``, now valued at ``own_px``, sent behind ``requested``."""
    prior_leaves, prior_px, most_leaves, most_px = worst_in_flight(order, requested, own_px)
    trigger_raw = trigger_price.raw if trigger_price is not None else None
    asked = ModifyRequest(None, price.raw if price is not None else None, trigger_raw)
    asked_px = asked.lock_px(order.price is not None)
    leaves = most_leaves if quantity is None else quantity.raw - order.filled_raw
    return _OwnFlight(leaves, most_px if asked_px is None else asked_px, prior_leaves, prior_px)


def _adds_str(held: int, currency: Currency) -> str:
    """What the modifies in flight add to a figure (scale 10**27), for a denial (empty: nothing)."""
    return f" (counting {_money_str(held, currency)} that modifies in flight may add)" if held > 0 else ""


def _locks_str(held: int, currency: Currency) -> str:
    """What the modifies in flight may lock of a free balance (scale 10**27), for a denial."""
    return f" less {_money_str(held, currency)} that modifies in flight may lock" if held > 0 else ""


class RiskEngine:
    """Pre-trade risk checks over a ``RiskState`` view, with trading states and counters."""

    def __init__(self, config: RiskConfig, state: RiskState, clock: Clock) -> None:
        if not isinstance(config, RiskConfig):
            raise ValidationError("config", config, "must be a RiskConfig")
        self.config = config
        self._state = state
        self._clock = clock
        # The state's live dicts, read natively by compiled code (a bound ``get`` is a generic call).
        self._instruments = state.instruments
        self._account_id_for = state.account_id_for
        self._accounts = state.accounts
        self._positions = state.net_positions
        self._buy_orders = state.open_orders(_BUY).get
        self._sell_orders = state.open_orders(OrderSide.SELL).get
        self._references = {source: state.reference_prices(source) for source in PriceSource}
        self._orders = state.orders
        self._is_known = state.is_known
        self._position_of = state.position_raw
        # Modifies sent and not yet answered by the venue (the execution engine's record): an
        # order counts at the larger of its quantity and the ones it asked for.
        self._in_flight = state.modifies_in_flight
        self._defaults = config.defaults
        self._layers: dict[RiskScope, dict[str, RiskLimits]] = {
            RiskScope.ACCOUNT: dict(config.accounts),
            RiskScope.STRATEGY: dict(config.strategies),
            RiskScope.INSTRUMENT: dict(config.instruments),
        }
        self._throttles: dict[tuple[RiskScope, str, str], Throttle] = {}
        self._resolved: dict[tuple[AccountId | None, StrategyId, InstrumentId], _Resolved] = {}
        # ``check_submit``'s memo of the last entry of ``_resolved`` it used, by the ids' identity.
        self._last_resolved: _Resolved | None = None
        self._last_account: AccountId | None = None
        self._last_strategy: StrategyId | None = None
        self._last_instrument: InstrumentId | None = None
        self._global_code = _ACTIVE
        self._account_codes: dict[AccountId | None, int] = {}
        #: Checks run, denials by reason, breaker trips and state changes (for metrics).
        self.submit_checks = 0
        self.modify_checks = 0
        self.denials: dict[DenyReason, int] = {}
        self.breaker_trips = 0
        #: Receives a ``TradingStateChanged`` / ``RiskLimitsChanged`` for every change (the
        #: execution engine sets it: it journals and publishes them).
        self.on_change: Callable[[Event], None] | None = None

    # -- configuration ------------------------------------------------------------------------
    def limits(self, scope: RiskScope, key: str | None = None) -> RiskLimits | None:
        """The limits set at ``scope`` for ``key`` (ignored for ``DEFAULT``), or ``None``."""
        if scope is RiskScope.DEFAULT:
            return self._defaults
        return self._layers[scope].get(_key(scope, key))

    def set_limits(self, scope: RiskScope, key: str | None, limits: RiskLimits | None) -> None:
        """Set (``None``: remove) the limits of one scope at run time; takes effect on the next check."""
        if limits is not None and not isinstance(limits, RiskLimits):
            raise ValidationError("limits", limits, "must be a RiskLimits or None")
        before = self.limits(scope, key)
        if scope is RiskScope.DEFAULT:
            new_defaults = limits if limits is not None else RiskLimits()
            check_currencies([new_defaults, *(v for layer in self._layers.values() for v in layer.values())])
            self._defaults = new_defaults
        else:
            name = _key(scope, key)
            layer = dict(self._layers[scope])
            if limits is None:
                layer.pop(name, None)
            else:
                layer[name] = limits
            others = [v for s, lay in self._layers.items() if s is not scope for v in lay.values()]
            check_currencies([self._defaults, *layer.values(), *others])
            self._layers[scope] = layer
        # A bucket whose rate changed starts afresh; an unchanged one keeps its window (changing
        # another limit must not let a burst through).
        name = _key(scope, key)
        for kind, old_rate, new_rate in (
            ("submit", before.submit_rate if before else None, limits.submit_rate if limits else None),
            ("modify", before.modify_rate if before else None, limits.modify_rate if limits else None),
        ):
            if old_rate != new_rate:
                self._throttles.pop((scope, name, kind), None)
        self._resolved.clear()
        self._last_resolved = None
        on_change = self.on_change
        if on_change is not None:
            now = self._clock.timestamp_ns()
            stored = self._defaults if scope is RiskScope.DEFAULT else limits
            on_change(
                RiskLimitsChanged(
                    ts_event=now, ts_init=now, scope=scope.value, key=str(name),
                    limits=None if stored is None else encode_limits(stored),
                )
            )  # fmt: skip

    def current_config(self) -> RiskConfig:
        """The limits in force now, as a ``RiskConfig``: the configuration with the changes made at
        run time (``set_limits``)."""
        layers = self._layers
        return RiskConfig(
            defaults=self._defaults,
            accounts={str(k): v for k, v in layers[RiskScope.ACCOUNT].items()},
            strategies={str(k): v for k, v in layers[RiskScope.STRATEGY].items()},
            instruments={str(k): v for k, v in layers[RiskScope.INSTRUMENT].items()},
        )

    def effective_limits(
        self, account_id: AccountId | None, strategy_id: StrategyId, instrument_id: InstrumentId
    ) -> RiskLimits:
        """The merged limits an order of this account, strategy and instrument is checked against."""
        return resolve_limits(self._scope_layers(account_id, strategy_id, instrument_id))

    def _scope_layers(
        self, account_id: AccountId | None, strategy_id: StrategyId, instrument_id: InstrumentId
    ) -> list[RiskLimits | None]:
        return [
            self._defaults,
            self._layers[RiskScope.ACCOUNT].get(account_id) if account_id is not None else None,
            self._layers[RiskScope.STRATEGY].get(strategy_id),
            self._layers[RiskScope.INSTRUMENT].get(instrument_id),
        ]

    def _resolve(self, key: tuple[AccountId | None, StrategyId, InstrumentId], instrument: Instrument) -> _Resolved:
        account_id, strategy_id, instrument_id = key
        layers = self._scope_layers(account_id, strategy_id, instrument_id)
        scoped = zip(
            (RiskScope.DEFAULT, RiskScope.ACCOUNT, RiskScope.STRATEGY, RiskScope.INSTRUMENT),
            ("", account_id or "", strategy_id, instrument_id),
            layers,
            strict=True,
        )
        submit: list[Throttle] = []
        modify: list[Throttle] = []
        for scope, name, layer in scoped:
            if layer is None:
                continue
            for kind, rate, out in (("submit", layer.submit_rate, submit), ("modify", layer.modify_rate, modify)):
                if rate is not None:
                    out.append(self._throttle(scope, name, kind, rate))
        resolved = _Resolved(instrument, resolve_limits(layers), tuple(submit), tuple(modify), self._references)
        self._resolved[key] = resolved
        return resolved

    def _throttle(self, scope: RiskScope, name: str, kind: str, rate: RateLimit) -> Throttle:
        tkey = (scope, name, kind)
        throttle = self._throttles.get(tkey)
        if throttle is None:
            label = f"{kind}_rate {rate.limit} per {format_fixed(rate.interval_ns, 9)}s"
            if scope is not RiskScope.DEFAULT:
                label += f" ({scope.value.lower()} {name})"
            throttle = self._throttles[tkey] = Throttle(rate.limit, rate.interval_ns, label)
        return throttle

    # -- trading state ------------------------------------------------------------------------
    def set_trading_state(self, state: TradingState, account_id: AccountId | None = None, reason: str = "") -> None:
        """Set the global trading state, or one account's (the stricter of the two applies);
        ``reason`` goes into the ``TradingStateChanged`` handed to ``on_change``."""
        code = _CODE[state]
        if account_id is None:
            self._global_code = code
        elif code == _ACTIVE:
            self._account_codes.pop(account_id, None)
        else:
            self._account_codes[account_id] = code
        on_change = self.on_change
        if on_change is not None:
            now = self._clock.timestamp_ns()
            on_change(TradingStateChanged(ts_event=now, ts_init=now, state=state, account_id=account_id, reason=reason))

    def trading_state(self, account_id: AccountId | None = None) -> TradingState:
        """The effective state of ``account_id`` (the global state when ``None``)."""
        code = self._global_code
        if account_id is not None:
            code = max(code, self._account_codes.get(account_id, _ACTIVE))
        return _STATE[code]

    # -- checks -------------------------------------------------------------------------------
    def check_submit(self, order: Order, account_id: AccountId | None = None) -> Denial | None:
        """Check a new order; ``None`` when it passes, else ``(reason, message)``.

        The body is a fast path: plain int comparisons that are a sufficient condition of
        passing. Anything it cannot prove (a limit reached, a non-ACTIVE state, a currency
        conversion, a reduce-only order…) goes to ``_submit_full``, which decides and explains.
        """
        self.submit_checks += 1
        if not order.validated:  # built by hand or by an ``OrderFactory(validate=False)``
            denial = self._invalid(order)
            if denial is not None:
                return denial
        if account_id is None:
            account_id = self._account_id_for(order)
        if self._global_code or self._account_codes:
            return self._submit_full(order, account_id)
        instrument_id = order.instrument_id
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            return self._submit_full(order, account_id)
        strategy_id = order.strategy_id
        r = self._last_resolved  # the last order's limits: the same ids again skip the tuple lookup
        if (
            r is None
            or account_id is not self._last_account
            or strategy_id is not self._last_strategy
            or instrument_id is not self._last_instrument
            or r.instrument is not instrument
        ):
            key = (account_id, strategy_id, instrument_id)
            r = self._resolved.get(key)
            if r is None or r.instrument is not instrument:
                r = self._resolve(key, instrument)
            self._last_resolved = r
            self._last_account, self._last_strategy, self._last_instrument = account_id, strategy_id, instrument_id
        if not r.fast or order.reduce_only:
            return self._submit_full(order, account_id)
        if r.check_dup:
            cid = order.client_order_id
            if self._orders.get(cid) is not order and self._is_known(cid):
                return self._submit_full(order, account_id)
        quantity = order.quantity
        qty = order.quantity_raw  # the order's own native copy of ``quantity.raw``
        price = order.price
        trigger = order.trigger_price
        # Each struct field is read once (compiled code reads msgspec fields generically).
        price_raw = price.raw if price is not None else 0
        trigger_raw = trigger.raw if trigger is not None else 0
        if r.check_instrument:
            # tick and lot lie within the precisions, so a multiple of them has no extra decimals
            if not r.tradable or quantity.precision > r.size_precision or qty % r.lot:
                return self._submit_full(order, account_id)
            kind = order.order_type
            if kind is _TRAILING_MARKET or kind is _TRAILING_LIMIT:  # its offsets are checked there
                return self._submit_full(order, account_id)
            if price is not None and (price.precision > r.price_precision or price_raw % r.tick):
                return self._submit_full(order, account_id)
            if trigger is not None and (trigger.precision > r.price_precision or trigger_raw % r.tick):
                return self._submit_full(order, account_id)
        max_qty = r.max_qty
        if qty < r.min_qty_fast or (max_qty is not None and qty > max_qty):
            return self._submit_full(order, account_id)
        if (price is None and trigger is None) or r.collar:
            ref = r.prices.get(instrument_id)
            if ref is None:
                return self._submit_full(order, account_id)
            if r.collar:
                bps = r.collar_bps
                band = r.collar_band
                if price is not None:
                    diff = price_raw - ref
                    if diff < 0:
                        diff = -diff
                    if (bps is not None and _beyond_bps(diff, bps, ref)) or (band is not None and diff > band):
                        return self._submit_full(order, account_id)
                if trigger is not None:
                    diff = trigger_raw - ref
                    if diff < 0:
                        diff = -diff
                    if (bps is not None and _beyond_bps(diff, bps, ref)) or (band is not None and diff > band):
                        return self._submit_full(order, account_id)
            px_raw = price_raw if price is not None else trigger_raw if trigger is not None else ref
        else:
            px_raw = price_raw if price is not None else trigger_raw
        # A float upper bound of the notional decides clear cases; the exact one is computed only
        # where that bound reaches a limit.
        notional_hi = _notional_hi(qty, px_raw, r.mult_f)
        max_notional = r.max_notional_raw
        if (
            max_notional is not None
            and notional_hi > r.max_notional_lo
            and _notional(qty, px_raw, r.mult) > max_notional
        ):
            return self._submit_full(order, account_id)
        buy = order.side is _BUY
        position = self._positions.get(instrument_id, 0)
        max_position = r.max_position
        if max_position is not None:
            side_orders = (self._buy_orders if buy else self._sell_orders)(instrument_id)
            if side_orders is not None:
                if isinstance(side_orders, SideAggregate):
                    open_leaves = side_orders.leaves_raw  # the cache's own aggregate: a native read
                else:
                    open_leaves = side_orders.leaves_raw
                projected = position + qty + open_leaves if buy else position - qty - open_leaves
            else:
                projected = position + qty if buy else position - qty
            if self._in_flight:  # modifies in flight count as if applied
                extra = extra_leaves_in_flight(self._in_flight, self._orders, instrument_id, order.side)
                projected = projected + extra if buy else projected - extra
            if projected > max_position or -projected > max_position:
                return self._submit_full(order, account_id)
        if r.needs_account:
            account = self._accounts.get(account_id) if account_id is not None else None
            if account is None or (self._in_flight and r.reserves):  # modifies in flight: the full path counts them
                return self._submit_full(order, account_id)
            # The fast bounds read the core's own Account natively; any other view takes the exact path.
            if not isinstance(account, Account) or not _account_fast(r, account, qty, px_raw, notional_hi, buy):
                return self._submit_full(order, account_id)
        throttle = r.throttle
        if throttle is not None:
            if not throttle.try_acquire(self._clock.timestamp_ns()):
                return self._submit_full(order, account_id)
        elif r.submit_throttles:
            now = self._clock.timestamp_ns()
            for throttle in r.submit_throttles:
                if not throttle.allows(now):
                    return self._submit_full(order, account_id)
            for throttle in r.submit_throttles:
                throttle.record(now)
        return None

    def _submit_full(self, order: Order, account_id: AccountId | None) -> Denial | None:
        """The complete submit check: decides every case and explains a denial."""
        code = self._global_code
        if self._account_codes:
            account_code = self._account_codes.get(account_id, _ACTIVE)
            if account_code > code:
                code = account_code
        if code == _HALTED:
            return self._deny(_R_HALTED, "trading is HALTED")
        instrument_id = order.instrument_id
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            return self._deny(_R_UNKNOWN, f"instrument {instrument_id} is unknown")
        key = (account_id, order.strategy_id, instrument_id)
        resolved = self._resolved.get(key)
        if resolved is None or resolved.instrument is not instrument:
            resolved = self._resolve(key, instrument)
        if resolved.check_dup:
            cid = order.client_order_id
            if self._orders.get(cid) is not order and self._is_known(cid):
                return self._deny(_R_DUPLICATE, f"client_order_id {cid} is already used")
        quantity = order.quantity
        return self._check(
            resolved, instrument, order, account_id, code, quantity, quantity.raw,
            order.price, order.trigger_price, 0, 0, resolved.submit_throttles, False, None,
        )  # fmt: skip

    def check_modify(
        self,
        order: Order,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        account_id: AccountId | None = None,
    ) -> Denial | None:
        """Check a change of an order's quantity, price or trigger price (``None``: unchanged)."""
        self.modify_checks += 1
        if order.is_closed:
            return self._deny(_R_CLOSED, f"order {order.client_order_id} is {order.status.name}")
        return self._modify(order, quantity, price, trigger_price, account_id)

    def _modify(
        self,
        order: Order,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
        account_id: AccountId | None,
    ) -> Denial | None:
        if account_id is None:
            account_id = self._account_id_for(order)
        code = self._global_code
        if self._account_codes:
            code = max(code, self._account_codes.get(account_id, _ACTIVE))
        if code == _HALTED:
            return self._deny(_R_HALTED, "trading is HALTED")
        # A modify changes the figures the order has: a held order is updated locally, on this check alone.
        kind = order.order_type
        if price is not None and (kind not in _PRICED or price.raw <= 0):
            why = "must be positive" if kind in _PRICED else f"is not allowed on {kind.name} orders"
            return self._deny(_R_INVALID, f"price {price} {why}")
        if trigger_price is not None and (kind not in _TRIGGERED or trigger_price.raw <= 0):
            why = "must be positive" if kind in _TRIGGERED else f"is not allowed on {kind.name} orders"
            return self._deny(_R_INVALID, f"trigger_price {trigger_price} {why}")
        instrument_id = order.instrument_id
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            return self._deny(_R_UNKNOWN, f"instrument {instrument_id} is unknown")
        key = (account_id, order.strategy_id, instrument_id)
        resolved = self._resolved.get(key)
        if resolved is None or resolved.instrument is not instrument:
            resolved = self._resolve(key, instrument)
        new_quantity = quantity if quantity is not None else order.quantity
        filled = order.filled_raw
        if new_quantity.raw <= filled:
            precision = instrument.size_precision
            return self._deny(
                _R_INVALID,
                f"quantity {format_fixed(new_quantity.raw, precision)} must exceed "
                f"filled {format_fixed(filled, precision)}",
            )
        own_leaves = own_px = 0
        flight: _OwnFlight | None = None
        if is_counted_open(order):
            own_leaves = order.quantity_raw - filled
            px = order.price or order.trigger_price
            own_px = px.raw if px is not None else (resolved.prices.get(instrument_id) or 0)
            if self._in_flight:
                requested = self._in_flight.get(order.client_order_id)
                if requested:
                    flight = _own_flight(order, requested, own_px, quantity, price, trigger_price)
        return self._check(
            resolved, instrument, order, account_id, code, new_quantity, new_quantity.raw - filled,
            price if price is not None else order.price,
            trigger_price if trigger_price is not None else order.trigger_price,
            own_leaves, own_px, resolved.modify_throttles, True, flight,
        )  # fmt: skip

    def _check(
        self,
        r: _Resolved,
        instrument: Instrument,
        order: Order,
        account_id: AccountId | None,
        code: int,
        quantity: Quantity,
        leaves: int,
        price: Price | None,
        trigger: Price | None,
        own_leaves: int,
        own_px: int,
        throttles: tuple[Throttle, ...],
        modify: bool,
        flight: _OwnFlight | None,
    ) -> Denial | None:
        qty = quantity.raw
        # -- instrument rules -----------------------------------------------------------------
        if r.check_instrument:
            if not instrument.tradable:
                return self._deny(_R_NOT_TRADABLE, f"instrument {instrument.id} is not tradable")
            if price is not None:
                denial = self._price_rules(r, instrument, "price", price)
                if denial is not None:
                    return denial
            if trigger is not None:
                denial = self._price_rules(r, instrument, "trigger_price", trigger)
                if denial is not None:
                    return denial
            if not modify and order.order_type in _TRAILING:  # a modify keeps the offsets
                denial = self._offset_rules(r, instrument, order)
                if denial is not None:
                    return denial
            if quantity.precision > instrument.size_precision or qty % r.qty_unit:
                return self._deny(
                    _R_QTY_PREC,
                    f"quantity {format_fixed(qty, 9).rstrip('0').rstrip('.')} has more than "
                    f"{instrument.size_precision} decimals (size_precision of {instrument.id})",
                )
            if qty % r.lot:
                return self._deny(
                    _R_QTY_INC,
                    f"quantity {format_fixed(qty, instrument.size_precision)} is not a multiple of "
                    f"lot_size {instrument.lot_size}",
                )
        if qty <= 0:
            return self._deny(_R_INVALID, "quantity must be positive")
        if qty < r.min_qty:
            sp = instrument.size_precision
            return self._deny(
                _R_QTY_MIN,
                f"quantity {format_fixed(qty, sp)} is below {r.min_qty_name} {format_fixed(r.min_qty, sp)}",
            )
        max_qty = r.max_qty
        if max_qty is not None and qty > max_qty:
            sp = instrument.size_precision
            return self._deny(
                _R_QTY_MAX,
                f"quantity {format_fixed(qty, sp)} exceeds {r.max_qty_name} {format_fixed(max_qty, sp)}",
            )
        # -- reference price, collar, notional ------------------------------------------------
        instrument_id = order.instrument_id
        buy = order.side is _BUY
        px = price if price is not None else trigger
        ref: int | None = None
        if r.collar_bps is not None or r.collar_band is not None or px is None:
            ref = r.prices.get(instrument_id)
            if ref is None and not r.allow_noref and (px is not None or r.needs_price):
                return self._deny(_R_NO_REF, f"no {r.source.name} reference price for {instrument_id}")
            if ref is not None and px is not None:
                denial = self._collar(r, instrument, price, trigger, ref)
                if denial is not None:
                    return denial
        px_raw = px.raw if px is not None else ref
        mult = r.mult
        notional = 0
        if px_raw is not None:
            notional = qty * px_raw * mult
            limit = r.notional
            if limit is not None:
                value = notional if r.notional_same else self._convert(notional, r.settle, limit.currency)
                if value is None:
                    return self._no_rate(r.settle, limit.currency)
                if value > limit.x:
                    return self._deny(
                        _R_NOTIONAL,
                        f"notional {_money_str(value, limit.currency)} exceeds {_limit_str(limit)}",
                    )
        if modify and order.status is _HELD:
            # A held contingent order (an exit waiting for its entry's fill) works nowhere yet:
            # what it does to positions, exposure and balances is checked when its release is
            # submitted (at the size it is released at), not against the position it will reduce.
            return self._throttled(throttles)
        # -- positions, breakers, trading state, reduce-only, position limit -----------------
        # The position limit is the instrument's: its net position (every strategy) and every
        # open order on this side. Reducing is judged on the position the order's fills change
        # (its strategy's under netting, the one its command named under hedging) and on the
        # open orders on this side that fill into that position.
        position = self._positions.get(instrument_id, 0)
        side_orders = (self._buy_orders if buy else self._sell_orders)(instrument_id)
        same_side = (side_orders.leaves_raw if side_orders is not None else 0) - own_leaves
        in_flight = self._in_flight
        if in_flight:  # modifies in flight count as if the venue had applied them
            same_side += extra_leaves_in_flight(in_flight, self._orders, instrument_id, order.side, order)
            own_requests = in_flight.get(order.client_order_id)
            if own_leaves and own_requests:  # this order may yet work at a larger quantity asked earlier
                worst = own_leaves + order_extra_in_flight(order, own_requests)
                if worst > leaves:
                    same_side += worst - leaves
        if order.init.contingency_type in _ALTERNATIVES:
            # OCO/OUO siblings on this side are alternatives: count the group's largest leaves once.
            siblings = self._open_siblings(order)
            if siblings:
                same_side -= sum(siblings)
                largest = max(siblings)
                if largest > leaves:
                    same_side += largest - leaves
        own = self._position_of(order)
        if buy:
            reducible = -own if own < 0 else 0
        else:
            reducible = own if own > 0 else 0
        own_side = same_side  # the part of ``same_side`` that fills into the order's position
        ro_elsewhere = 0
        if (reducible > 0 and same_side > 0) or (order.reduce_only and r.check_ro):
            elsewhere, ro_elsewhere = self._state.other_position_leaves_raw(order)
            own_side -= elsewhere
        reduces = reducible > 0 and leaves + own_side <= reducible
        account: AccountView | None = None
        if r.needs_account and account_id is not None:
            account = self._accounts.get(account_id)
        if account is not None and code < r.breaker_code and r.has_breakers:
            assert account_id is not None  # an account view is fetched only by id
            trip = self._breakers(r, account, account_id)
            if trip is not None:
                code = r.breaker_code
                if code == _HALTED or not reduces:
                    return trip
        if code == _REDUCING and not reduces and not (modify and leaves <= own_leaves):
            return self._deny(_R_REDUCING, "trading is REDUCING: only orders that reduce the position are allowed")
        # A modify that adds nothing to its order (a cut, a new price) never makes reduce-only worse.
        if order.reduce_only and r.check_ro and not (modify and leaves <= own_leaves):
            others = self._state.open_reduce_only_leaves_raw(instrument_id, order.side) - ro_elsewhere
            if modify and own_leaves:
                others -= own_leaves
            # OCO/OUO siblings are alternatives (one fills, the other is cancelled or reduced):
            # count the largest of the group once instead of their sum.
            largest = leaves
            if order.init.contingency_type in _ALTERNATIVES:
                for sibling in self._open_reduce_only_siblings(order):
                    others -= sibling
                    if sibling > largest:
                        largest = sibling
            if largest + others > reducible:
                sp = instrument.size_precision
                group = f" (its OCO/OUO group's largest {format_fixed(largest, sp)})" if largest != leaves else ""
                return self._deny(
                    _R_REDUCE_ONLY,
                    f"reduce-only {order.side.name} {format_fixed(leaves, sp)}{group} plus open reduce-only "
                    f"{format_fixed(others, sp)} exceeds the reducible position {format_fixed(reducible, sp)}",
                )
        max_position = r.max_position
        if max_position is not None and not (modify and leaves <= own_leaves):
            # Only an order that adds in the direction it moves: a position beyond the limit can
            # still be reduced, and a modify that adds nothing to its order (a smaller quantity, a
            # new price) never makes the excess worse.
            projected = position + leaves + same_side if buy else position - leaves - same_side
            if projected > max_position if buy else -projected > max_position:
                sp = instrument.size_precision
                return self._deny(
                    _R_POSITION,
                    f"projected position {format_fixed(projected, sp)} exceeds max_position "
                    f"{format_fixed(max_position, sp)}",
                )
        # -- account ---------------------------------------------------------------------------
        if account is None and r.needs_account and not r.check_balance:
            # Account limits are configured but there is nothing to measure them on: fail closed.
            return self._deny(
                _R_NO_ACCOUNT,
                f"account limits apply but there is no account state for {account_id or order.instrument_id}",
            )
        # The account checks value the order at what it asks for and its own modifies in flight
        # (``flight``), and count the other orders' modifies in flight (``reserve``).
        reserve: _Reserve | None = None
        if in_flight and account is not None and r.reserves:
            reserve = self._reserve(account_id, order)
        acct_leaves, acct_px, prior_leaves, prior_px = leaves, px_raw or 0, own_leaves, own_px
        if flight is not None:
            acct_leaves, acct_px = flight.leaves, flight.px
            prior_leaves, prior_px = flight.prior_leaves, flight.prior_px
        if account is not None and px_raw is not None:
            denial = self._account_checks(
                r, account, order, acct_leaves, acct_px, own, own_leaves, own_px, prior_leaves * prior_px, modify,
                reserve,
            )  # fmt: skip
            if denial is not None:
                return denial
        if r.check_balance:
            if account is None:
                return self._deny(_R_BALANCE, f"no account state for {account_id or order.instrument_id}")
            elif px_raw is not None:
                if account.account_type is _CASH:  # a cash account holds the instrument as a whole
                    reducible = (-position if position < 0 else 0) if buy else (position if position > 0 else 0)
                    own_side = same_side
                denial = self._balance(
                    r, instrument, account, buy, acct_leaves, acct_px, reducible, own_side, own_leaves, own_px,
                    prior_leaves, prior_px, reserve,
                )  # fmt: skip
                if denial is not None:
                    return denial
        return self._throttled(throttles)

    def _throttled(self, throttles: tuple[Throttle, ...]) -> Denial | None:
        """Count an order that passed every other check in each of its rate buckets, or deny it
        when one of them is full (then none counts it)."""
        if throttles:
            now = self._clock.timestamp_ns()
            for throttle in throttles:
                if not throttle.allows(now):
                    return self._deny(_R_THROTTLED, f"{throttle.name} exceeded")
            for throttle in throttles:
                throttle.record(now)
        return None

    # -- check helpers (off the common path or shared) -----------------------------------------
    def _open_reduce_only_siblings(self, order: Order) -> list[int]:
        """Leaves of the open reduce-only orders linked to ``order`` on its side."""
        return self._open_siblings(order, reduce_only=True)

    def _open_siblings(self, order: Order, reduce_only: bool = False) -> list[int]:
        """Leaves of the open orders linked to ``order`` on its side (only reduce-only ones if asked)."""
        orders = self._state.orders
        leaves = []
        for sibling_id in order.init.linked_order_ids:
            sibling = orders.get(sibling_id)
            if (
                sibling is not None
                and sibling is not order
                and (sibling.reduce_only or not reduce_only)
                and sibling.side is order.side
                and is_counted_open(sibling)
            ):
                leaves.append(sibling.leaves_raw)
        return leaves

    def _invalid(self, order: Order) -> Denial | None:
        """``validate_order``'s rules for an order no validating ``OrderFactory`` built (a LIMIT
        without a price, a non-positive quantity, a STOP_MARKET without a trigger…), as a denial
        naming the field, the value and the rule."""
        try:
            validate_order(order.init)
        except _VALIDATION_ERROR_CLS as exc:
            return self._deny(_R_INVALID, str(exc))
        return None

    def _offset_rules(self, r: _Resolved, instrument: Instrument, order: Order) -> Denial | None:
        """A trailing stop's PRICE offsets (the trailing offset, and the limit offset of a trailing
        stop limit) on the instrument's tick grid. TICKS and BASIS_POINTS offsets need no
        instrument: ``validate_order`` checks them."""
        init = order.init
        if init.trailing_offset_type is not _OFFSET_PRICE:
            return None
        offsets = [("trailing_offset", init.trailing_offset)]
        if order.order_type is _TRAILING_LIMIT:
            offsets.append(("limit_offset", init.limit_offset))
        for name, offset in offsets:
            if offset is None or not offset.is_finite():
                continue  # ``validate_order`` refuses it
            num, den = offset.as_integer_ratio()
            if (num * FIXED_SCALAR) % (den * r.tick):
                return self._deny(_R_PX_INC, f"{name} {offset} is not a multiple of tick_size {instrument.tick_size}")
        return None

    def _price_rules(self, r: _Resolved, instrument: Instrument, name: str, price: Price) -> Denial | None:
        raw = price.raw
        if price.precision > instrument.price_precision or raw % r.price_unit:
            return self._deny(
                _R_PX_PREC,
                f"{name} {format_fixed(raw, 9).rstrip('0').rstrip('.')} has more than "
                f"{instrument.price_precision} decimals (price_precision of {instrument.id})",
            )
        if raw % r.tick:
            return self._deny(
                _R_PX_INC,
                f"{name} {format_fixed(raw, instrument.price_precision)} is not a multiple of "
                f"tick_size {instrument.tick_size}",
            )
        return None

    def _collar(
        self, r: _Resolved, instrument: Instrument, price: Price | None, trigger: Price | None, ref: int
    ) -> Denial | None:
        bps, band = r.collar_bps, r.collar_band
        for name, value in (("price", price), ("trigger_price", trigger)):
            if value is None:
                continue
            diff = value.raw - ref
            if diff < 0:
                diff = -diff
            pp = instrument.price_precision
            if bps is not None and diff * 10_000 > bps * abs(ref):
                return self._deny(
                    _R_COLLAR,
                    f"{name} {format_fixed(value.raw, pp)} is {_bps_str(diff, ref)} bps from the "
                    f"{r.source.name} reference {format_fixed(ref, pp)}, beyond collar_bps {bps}",
                )
            if band is not None and diff > band:
                return self._deny(
                    _R_COLLAR,
                    f"{name} {format_fixed(value.raw, pp)} is {format_fixed(diff, pp)} from the {r.source.name} "
                    f"reference {format_fixed(ref, pp)}, beyond collar_band {format_fixed(band, pp)}",
                )
        return None

    def _breakers(self, r: _Resolved, account: AccountView, account_id: AccountId) -> Denial | None:
        """Trip the daily-loss or drawdown breaker: switch the account's state and return the denial."""
        denial: Denial | None = None
        limit = r.daily_loss
        if limit is not None:
            loss = -account.realized_pnl_today_raw * _SCALE18
            base = account.base_currency or limit.currency
            value = loss if base == limit.currency else self._convert(loss, base, limit.currency)
            if value is not None and value > limit.x:
                denial = (
                    _R_DAILY_LOSS,
                    f"daily loss {_money_str(value, limit.currency)} exceeds {_limit_str(limit)}",
                )
        bps = r.max_dd_bps
        if denial is None and bps is not None:
            peak, equity = account.peak_equity_raw, account.equity_raw
            drop = peak - equity
            if peak > 0 and drop * 10_000 > bps * peak:
                denial = (_R_DRAWDOWN, f"drawdown {_bps_str(drop, peak)} bps exceeds max_drawdown_bps {bps}")
        if denial is None:
            return None
        self.breaker_trips += 1
        state = _STATE[r.breaker_code]
        reason, message = denial
        self.set_trading_state(state, account_id, f"breaker: {message}")
        return self._deny(reason, f"{message}; account {account_id} switched to {state.value}")

    def _account_checks(
        self,
        r: _Resolved,
        account: AccountView,
        order: Order,
        leaves: int,
        px_raw: int,
        own_position: int,
        own_leaves: int,
        own_px: int,
        prior_notional: int,
        modify: bool,
        reserve: _Reserve | None,
    ) -> Denial | None:
        """Open orders and notional, gross and net exposure. ``prior_notional`` (leaves * price) is
        the most the order may already work at (a modify that asks for no more adds nothing);
        ``reserve`` what the other orders' modifies in flight may add."""
        mult = r.mult
        max_open = r.max_open_orders
        if max_open is not None and not modify and account.open_order_count + 1 > max_open:
            return self._deny(
                _R_OPEN_ORDERS, f"open orders {account.open_order_count + 1} would exceed max_open_orders {max_open}"
            )
        base = account.base_currency
        limit = r.open_notional
        if limit is not None:
            added = (leaves * px_raw - own_leaves * own_px) * mult
            value = self._in_limit_currency(account.open_notional_raw * _SCALE18, base, added, r.settle, limit)
            if value is None:
                return self._no_rate(r.settle, limit.currency)
            held = 0
            if reserve is not None and reserve.notional:
                held, missing = self._held_in(reserve.notional, limit.currency, 1)
                if missing is not None:
                    return self._no_rate(missing, limit.currency)
            # a modify that lowers the open notional (or asks no more than it may already work at) passes
            if added > 0 and leaves * px_raw > prior_notional and value + held > limit.x:
                return self._deny(
                    _R_OPEN_NOTIONAL,
                    f"open notional {_money_str(value + held, limit.currency)}{_adds_str(held, limit.currency)} "
                    f"exceeds {_limit_str(limit)}",
                )
        gross, net = r.gross, r.net
        if gross is None and net is None:
            return None
        # An order is denied only when it moves the exposure further beyond the limit: an account
        # over its limit (prices moved, the limit was lowered) can still reduce. Gross exposure is
        # the sum of |position| over the positions, so it moves by what this order does to the
        # position its fills change (another strategy's or hedged position stays as it is).
        signed = leaves if order.side is _BUY else -leaves
        if gross is not None:
            delta = (abs(own_position + signed) - abs(own_position)) * px_raw * mult
            if delta > 0:
                value = self._in_limit_currency(account.gross_exposure_raw * _SCALE18, base, delta, r.settle, gross)
                if value is None:
                    return self._no_rate(r.settle, gross.currency)
                if value > gross.x:
                    return self._deny(
                        _R_GROSS, f"gross exposure {_money_str(value, gross.currency)} exceeds {_limit_str(gross)}"
                    )
        if net is not None:
            delta = signed * px_raw * mult
            # rounded away from the side the order moves the exposure to (``-value > limit`` on a sell)
            value = self._in_limit_currency(account.net_exposure_raw * _SCALE18, base, delta, r.settle, net, signed > 0)
            if value is None:
                return self._no_rate(r.settle, net.currency)
            if value > net.x if signed > 0 else -value > net.x:
                return self._deny(_R_NET, f"net exposure {_money_str(value, net.currency)} exceeds {_limit_str(net)}")
        return None

    def _balance(
        self,
        r: _Resolved,
        instrument: Instrument,
        account: AccountView,
        buy: bool,
        leaves: int,
        px_raw: int,
        reducible: int,
        same_side: int,
        own_leaves: int,
        own_px: int,
        prior_leaves: int,
        prior_px: int,
        reserve: _Reserve | None,
    ) -> Denial | None:
        """Cash balance or initial margin. ``prior_*`` is the most the order may already work at (a
        modify that asks for no more adds nothing); ``reserve`` what the other orders' modifies in
        flight may lock."""
        mult = r.mult
        settle = r.settle
        fee_num, fee_den = r.fee_num, r.fee_den
        if account.account_type is _CASH:
            if buy:
                # Buy notional plus the fee, less what this order already locks (a modify).
                notional = (leaves * px_raw - own_leaves * own_px) * mult
                if notional <= 0 or leaves * px_raw <= prior_leaves * prior_px:
                    return None
                need = notional + -(-notional * fee_num // fee_den)
                free = account.free.get(settle.code, 0)
                held = reserve.lock.get(settle, 0) if reserve is not None else 0
                if need + held > free * _SCALE18:
                    return self._deny(
                        _R_BALANCE,
                        f"buy cost {_money_str(need, settle)} (notional plus fees) exceeds free balance "
                        f"{format_fixed(free, settle.precision)} {settle.code}{_locks_str(held, settle)}",
                    )
                return None
            base = instrument.base
            extra = leaves - own_leaves
            if extra <= 0 or leaves <= prior_leaves:
                return None
            if base is not None:
                need_base = extra * mult  # scale 10**18
                free = account.free.get(base.code, 0)
                held = reserve.lock.get(base, 0) if reserve is not None else 0
                if need_base * FIXED_SCALAR + held > free * _SCALE18:
                    return self._deny(
                        _R_BALANCE,
                        f"sell {format_fixed(need_base // FIXED_SCALAR, base.precision)} {base.code} exceeds free "
                        f"balance {format_fixed(free, base.precision)} {base.code}{_locks_str(held, base)}",
                    )
                return None
            available = reducible - same_side  # a cash account sells only what it holds
            if leaves > available:
                sp = instrument.size_precision
                return self._deny(
                    _R_BALANCE,
                    f"sell {format_fixed(leaves, sp)} exceeds the held quantity available "
                    f"{format_fixed(max(available, 0), sp)} of {instrument.id}",
                )
            return None
        # Margin account: initial margin on the part that increases the position, plus fees. Open
        # orders on the same side reduce the position first, so only the rest is reducible here.
        available = reducible - same_side if reducible > same_side else 0
        increasing = leaves - available if leaves > available else 0
        notional = (leaves * px_raw - own_leaves * own_px) * mult
        own_increasing = 0
        if own_leaves:
            own_increasing = own_leaves - available if own_leaves > available else 0
        margin_notional = (increasing * px_raw - own_increasing * own_px) * mult
        if margin_notional <= 0 and notional <= 0:
            return None
        if prior_leaves != own_leaves or prior_px != own_px:  # its own modifies in flight
            prior_increasing = prior_leaves - available if prior_leaves > available else 0
            if increasing * px_raw <= prior_increasing * prior_px and leaves * px_raw <= prior_leaves * prior_px:
                return None
        margin_den, margin_num = r.margin_den, r.margin_num
        need = 0
        if margin_notional > 0:
            need = -(-margin_notional * margin_num // margin_den)
        if notional > 0:
            need += -(-notional * fee_num // fee_den)
        if need <= 0:
            return None
        base = account.base_currency
        if base is None:  # margin kept per currency
            base = settle
        else:  # one free margin in the base currency (``AccountView.free``)
            unvalued = account.unvalued_requirements
            if unvalued:
                return self._unvalued_margin(unvalued, base)
        need_base = need
        converted = base is not settle and base != settle
        if converted:
            ratio = self._state.exchange_rate(settle, base)
            if ratio is None:
                return self._deny(
                    _R_NO_REF,
                    f"no exchange rate {settle.code}/{base.code}: initial margin {_money_str(need, settle)} "
                    f"(plus fees) cannot be measured against the free margin in the account's base currency "
                    f"{base.code}",
                )
            num, den = ratio
            need_base = -(-need * num // den)  # rounded up: against the order
        held = 0
        if reserve is not None and reserve.margin:
            if account.base_currency is None:
                held = -(-reserve.margin.get(settle, 0) // FIXED_SCALAR)
            else:
                held, missing = self._held_in(reserve.margin, base, FIXED_SCALAR)
                if missing is not None:
                    return self._deny(
                        _R_NO_REF,
                        f"no exchange rate {missing.code}/{base.code}: the initial margin of the modifies in flight "
                        f"cannot be measured against the free margin in the account's base currency {base.code}",
                    )
        free = account.free.get(base.code, 0)
        if need_base + held > free * _SCALE18:
            shown = f"{_money_str(need, settle)} (plus fees)"
            if converted:
                shown += f" = {_money_str(need_base, base)}"
            if account.base_currency is not None:
                unpriced = self._unpriced_funds(account, base)
                if unpriced:  # funds the free margin leaves out for want of a rate: not a shortfall
                    rates = ", ".join(f"{code}/{base.code}" for code in unpriced)
                    codes = ", ".join(unpriced)
                    return self._deny(
                        _R_NO_REF,
                        f"no exchange rate {rates}: the account's {codes} funds cannot be valued in its base "
                        f"currency {base.code}, and initial margin {shown} exceeds the free margin "
                        f"{format_fixed(free, base.precision)} {base.code} without them{_locks_str(held, base)}",
                    )
            return self._deny(
                _R_MARGIN,
                f"initial margin {shown} exceeds free margin {format_fixed(free, base.precision)} {base.code}"
                f"{_locks_str(held, base)}",
            )
        return None

    def _unpriced_funds(self, account: AccountView, base: Currency) -> list[str]:
        """The codes of the currencies in which a margin account has free funds that its free
        margin in ``base`` leaves out, for want of an exchange rate (read only once a margin check
        has failed)."""
        unpriced = []
        for code, amount in account.free.items():
            if amount <= 0 or code == base.code:
                continue
            currency = _CURRENCIES.get(code)
            if currency is None or self._state.exchange_rate(currency, base) is None:
                unpriced.append(code)
        return unpriced

    def _held_in(self, amounts: dict[Currency, int], target: Currency, divisor: int) -> tuple[int, Currency | None]:
        """The sum of ``amounts`` divided by ``divisor``, in ``target`` at the exact rates, each
        rounded up; ``(0, currency)`` names a currency without a rate."""
        total = 0
        for currency, amount in amounts.items():
            num = den = 1
            if currency != target:
                ratio = self._state.exchange_rate(currency, target)
                if ratio is None:
                    return 0, currency
                num, den = ratio
            total += -(-amount * num // (den * divisor))
        return total, None

    def _reserve(self, account_id: AccountId | None, exclude: Order) -> _Reserve | None:
        """What the modifies in flight of ``account_id``'s orders other than ``exclude`` may add to
        its open orders beyond what those work at now (``None``: nothing)."""
        reserve: _Reserve | None = None
        references = self._references
        for client_order_id, requested in self._in_flight.items():
            order = self._orders.get(client_order_id)
            if order is None or order is exclude or not is_counted_open(order):
                continue
            instrument_id = order.instrument_id
            instrument = self._instruments.get(instrument_id)
            if instrument is None or self._account_id_for(order) != account_id:
                continue
            px = order.price or order.trigger_price
            if px is not None:
                px_raw = px.raw
            else:  # valued at the mark when it opened, as the open-order aggregates do
                mark = references[PriceSource.MID].get(instrument_id)
                px_raw = mark if mark is not None else references[PriceSource.LAST].get(instrument_id, 0)
            leaves_now = order.leaves_raw
            leaves, worst_px, most_leaves, _ = worst_in_flight(order, requested, px_raw)
            notional = leaves * worst_px - leaves_now * px_raw
            extra = most_leaves - leaves_now
            if notional > 0 or extra > 0:
                if reserve is None:
                    reserve = _Reserve()
                reserve.add(instrument, order.side is _BUY, notional, extra)
        return reserve

    def _unvalued_margin(self, currencies: Sequence[Currency], base: Currency) -> Denial:
        rates = ", ".join(f"{currency.code}/{base.code}" for currency in currencies)
        codes = ", ".join(currency.code for currency in currencies)
        return self._deny(
            _R_NO_REF,
            f"no exchange rate {rates}: the account's {codes} margin and losses cannot be measured against "
            f"its free margin in its base currency {base.code}",
        )

    def _in_limit_currency(
        self,
        current_x: int,
        current_ccy: Currency | None,
        delta_x: int,
        delta_ccy: Currency,
        limit: _MoneyLimit,
        up: bool = True,
    ) -> int | None:
        """``current + delta`` (both at 10**27) in the limit's currency at the exact rates, rounded
        once, up (``up``) or down; ``None`` without a rate."""
        target = limit.currency
        current_num = current_den = delta_num = delta_den = 1
        if current_ccy is not None and current_ccy != target:
            ratio = self._state.exchange_rate(current_ccy, target)
            if ratio is None:
                return None
            current_num, current_den = ratio
        if delta_ccy != target:
            ratio = self._state.exchange_rate(delta_ccy, target)
            if ratio is None:
                return None
            delta_num, delta_den = ratio
        if current_den == 1 and delta_den == 1:
            return current_x * current_num + delta_x * delta_num
        num = current_x * current_num * delta_den + delta_x * delta_num * current_den
        den = current_den * delta_den
        return -(-num // den) if up else num // den

    def _convert(self, exact: int, from_ccy: Currency, to_ccy: Currency) -> int | None:
        """``exact`` in ``to_ccy`` at the exact rate, rounded up: compared with ``value > limit``,
        a value rounded up exceeds the limit exactly when the exact value does."""
        if from_ccy == to_ccy:
            return exact
        ratio = self._state.exchange_rate(from_ccy, to_ccy)
        if ratio is None:
            return None
        num, den = ratio
        return -(-exact * num // den)

    def _no_rate(self, from_ccy: Currency, to_ccy: Currency) -> Denial:
        return self._deny(_R_NO_REF, f"no exchange rate {from_ccy.code}/{to_ccy.code}")

    def _deny(self, reason: DenyReason, message: str) -> Denial:
        denials = self.denials
        denials[reason] = denials.get(reason, 0) + 1
        return reason, message

    # -- metrics ------------------------------------------------------------------------------
    @property
    def checks(self) -> int:
        """Submit and modify checks run."""
        return self.submit_checks + self.modify_checks

    def counters(self) -> dict[str, int]:
        """Checks and denials by reason, flat, for metrics."""
        out = {"submit_checks": self.submit_checks, "modify_checks": self.modify_checks}
        out["breaker_trips"] = self.breaker_trips
        for reason, count in self.denials.items():
            out[f"denied_{reason.value.lower()}"] = count
        return out


#: Relative slack of the float screens: far above their rounding error (a few 1e-16), far below
#: any limit's precision that matters, so a screen passes only what the exact check passes.
_REL: Final = 1e-12
_INF: Final = float("inf")


def _float_floor(raw: int) -> float:
    """A float no greater than ``raw`` (beyond the float range: the largest float, or ``-inf``)."""
    try:
        x = float(raw)
    except OverflowError:
        return sys.float_info.max if raw > 0 else -_INF
    return x - (x if x >= 0.0 else -x) * _REL


def _sum_hi(a: float, b: float) -> float:
    """An upper bound of the exact sum of the values ``a`` and ``b`` approximate (each within a
    few roundings)."""
    return a + b + ((a if a >= 0.0 else -a) + (b if b >= 0.0 else -b)) * _REL


def _notional(qty: int, px_raw: int, mult: int) -> int:
    """The exact notional in raw units, rounded up: ``a + n27 / 10**18 > L  <=>  a + ceil(...) > L``."""
    return -(-qty * px_raw * mult // _SCALE18)


def _beyond_bps(diff: int, bps: int, ref: int) -> bool:
    """``diff * 10_000 > bps * ref`` for ``diff >= 0``: decided on floats unless within a relative
    ``_REL`` of the edge (compiled code multiplies ints of 2**30 or more through Python objects)."""
    lhs = float(diff) * 1e4
    rhs = float(bps) * float(ref)
    tol = (lhs + (rhs if rhs >= 0.0 else -rhs)) * _REL
    if lhs < rhs - tol:
        return False
    if lhs > rhs + tol:
        return True
    return diff * 10_000 > bps * ref


def _notional_hi(qty: int, px_raw: int, mult_f: float) -> float:
    """A float no less than ``_notional(qty, px_raw, mult)`` (``inf`` beyond the float range)."""
    try:
        n = float(qty) * float(px_raw) * mult_f
    except OverflowError:
        return _INF
    return n + (n if n >= 0.0 else -n) * _REL + 1.0


def _account_fast(r: _Resolved, account: Account, qty: int, px_raw: int, notional_hi: float, buy: bool) -> bool:
    """Sufficient bounds for the account checks on the core's ``Account`` (typed, so compiled code
    reads it natively); ``False``: take the full, exact path.

    Each check compares float bounds first: the account's figures (``Account.approx_*``) and the
    order's notional (``notional_hi``) are within a relative 1e-15 of the exact values, and the
    comparison keeps a relative 1e-12 (``_REL``) plus the exact views' integer roundings to spare,
    so a bound that passes proves the exact check passes. A bound that comes within that margin
    of its limit is decided on the exact integers (the order's exact notional is computed then).
    """
    settle = r.settle
    if r.needs_base:
        base = account.base_currency
        if base is not settle and base != settle:
            return False
    try:
        if r.has_breakers:
            limit = r.daily_loss
            if limit is not None and -account.realized_pnl_today_raw > limit.raw:
                return False
            dd_bps = r.max_dd_bps
            if dd_bps is not None:
                peak = account.peak_equity_raw
                drop = peak - account.equity_raw
                if (  # exact: a drop of more than dd_bps of a positive peak fails
                    drop > 0
                    and float(drop) * 1e4 * (1.0 + _REL) > float(dd_bps) * float(peak) * (1.0 - _REL)
                    and peak > 0
                    and drop * 10_000 > dd_bps * peak
                ):
                    return False
        max_open = r.max_open_orders
        if max_open is not None and account.open_order_count >= max_open:
            return False
        notional: int | None = None  # exact, rounded up to raw units; only where a bound cannot decide
        limit = r.open_notional
        if limit is not None and _sum_hi(account.approx_open_notional(), notional_hi) > limit.lo:
            notional = _notional(qty, px_raw, r.mult)
            if account.open_notional_raw + notional > limit.raw:
                return False
        # exposures: bounded by |current| + this order's notional (exact in the full check)
        limit = r.gross
        if limit is not None and _sum_hi(account.approx_gross_exposure(), notional_hi) > limit.lo:
            if notional is None:
                notional = _notional(qty, px_raw, r.mult)
            if account.gross_exposure_raw + notional > limit.raw:
                return False
        limit = r.net
        if limit is not None:
            net_f = account.approx_net_exposure()
            # the exact view floors, so |view| <= |net| + 1
            if _sum_hi((net_f if net_f >= 0.0 else -net_f) + 1.0, notional_hi) > limit.lo:
                if notional is None:
                    notional = _notional(qty, px_raw, r.mult)
                net = account.net_exposure_raw
                if (net if net > 0 else -net) + notional > limit.raw:
                    return False
        if r.check_balance:
            cash = account.account_type is _CASH
            if cash:
                if not buy:
                    return False
                k, k_num, k_den = r.cash_k, r.cash_num, r.cash_den
            else:
                base = account.base_currency
                if base is not settle and base != settle:
                    return False  # margin drawn from the base currency: converted on the full path
                k, k_num, k_den = r.margin_k, r.margin_k_num, r.margin_k_den
            currency = _CURRENCIES.get(r.settle_code)  # what ``Account.free`` resolves codes with
            if currency is None:
                return False
            # need <= notional * k_num / k_den + 2 units of rounding: a sufficient bound (``-inf``
            # for a margin account that holds margin in other currencies: the exact figures decide)
            if _sum_hi(notional_hi * k, 2.0) > account.approx_free_floor(currency):
                if notional is None:
                    notional = _notional(qty, px_raw, r.mult)
                if not cash and account.unvalued_requirements:
                    return False  # free margin unknown: the full path denies and says why
                if notional * k_num + 2 * k_den > account.free_raw(currency) * k_den:
                    return False
    except OverflowError:  # an amount beyond the float range: the full path decides
        return False
    return True


def _bps_str(diff: int, ref: int) -> str:
    """``diff / ref`` in basis points with two decimals (display only)."""
    hundredths = diff * 1_000_000 // abs(ref) if ref else 0
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _key(scope: RiskScope, key: str | None) -> str:
    if scope is RiskScope.DEFAULT:
        return ""
    if not key:
        raise ValidationError("key", key, f"an id is required for scope {scope.value}")
    return key


def encode_limits(limits: RiskLimits) -> str:
    """``limits`` as the JSON a ``RiskLimitsChanged`` holds: the fields that are set, amounts as
    raw integers (exact)."""
    fields = {name: value for name, value in msgspec.structs.asdict(limits).items() if value is not None}
    return msgspec.json.encode(fields).decode()


def decode_limits(text: str) -> RiskLimits:
    """The ``RiskLimits`` ``encode_limits`` wrote, validated again; ``ValidationError`` otherwise."""
    try:
        limits: RiskLimits = msgspec.json.decode(text, type=RiskLimits)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValidationError("limits", text[:80], f"is not a RiskLimits: {exc}") from exc
    return limits
