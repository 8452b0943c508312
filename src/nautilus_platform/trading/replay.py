"""Rebuild orders, positions and balances from a journal.

The journal holds every command and event in order. Replaying applies each order event to a
fresh ``Order`` (built from its ``OrderInitialized``), each fill to a fresh ``Portfolio``, and
opens accounts from their first ``AccountState``. Commands change no state by themselves (their
effects are the events that follow them), except what a submit tells the portfolio: the
``position_id`` a ``SubmitOrder``/``SubmitOrderList`` names for its orders (the fills of an
order stored with it book into that position). Position and account events are re-derived, not
copied, and compared with the journaled ones: a mismatch means the journal and the code
disagree.

What the engine journals without applying it to a stored order is skipped as the engine did:
a refusal (``OrderModifyRejected``/``OrderCancelRejected``) of a closed order (the engine's own,
or the venue's late answer to a cancel or modify the order closed before it arrived), or one
answering another strategy's command for the id; a denied duplicate; and the ``OrderDenied`` of a routed
parent order on a node without routing (a parent is never stored: its children are).

Currencies: the ``AccountState`` that follows a fill lists the exact rates the fill's P&L and
commission in other currencies were converted at (``conversions``, or that there was no rate), so
a fill is booked when its ``AccountState`` is read, at those rates: a session whose market rates
moved replays identically. A fill whose ``AccountState`` lists none (all in the base currency, or
a journal written before the rates were journaled) converts at the ``ExchangeRates`` given.

Trading states and limits: the ``TradingStateChanged`` (by hand, the kill switch, a breaker) and
``RiskLimitsChanged`` (``RiskEngine.set_limits``) entries give the trading states
(``ReplayResult.trading_state``, ``account_trading_states``) and the limits
(``ReplayResult.risk_config``) in force at the end. Their denials and cancels are journaled
events, applied as they happened; the risk checks are not run again. A journal written before
these entries existed replays as before, with every state ACTIVE.

The starting risk configuration: a ``TradingNode`` journals it first, as the
``RiskLimitsChanged`` entries that would set it (the default limits when they are not
``RiskLimits()``, then each account, strategy and instrument set), so a replay needs no
``risk_config``. Like every limits change they apply over ``risk_config`` (the default
``RiskConfig()`` when ``None``): where both name a scope the journal wins, and what only
``risk_config`` names stays. A journal written before these entries existed replays as before,
with the ``risk_config`` given.

Nested entries: the engine books a fill and journals its position events and ``AccountState``
right after it, before any strategy hears of the fill, so what a strategy does in reaction (a
submit, a cancel, an order filled at once) is journaled after them. (A journal written before
this, where such reactions came between a fill and its ``AccountState``, replays as before only
when no fill was nested: the fill is then booked when the next entry is read, at the
``ExchangeRates`` given.)

Modifies in flight: an ``OrderUpdated`` that answers none of an order's modifies in flight (a
trailing stop moved by the venue) leaves a PENDING_UPDATE order pending, as on the node. The
figures of each modify are read from the ``ModifyOrder`` journaled right before its
``OrderPendingUpdate``; a modify the core sends by itself (an OCO leg resized, a reduce-only order
cut) changes only the quantity, so an update answers it when it changes the quantity. An
``OrderModifyRejected`` right after the order's ``ModifyOrder`` is the engine's own refusal, any
other one the venue's answer to the oldest modify in flight.

Settings that are not in the journal must be given as the node had them: the OMS type
(``oms_type``, and ``oms_overrides`` for strategies set with ``Portfolio.set_oms_type``) and the
trading day's start (``day_start_offset_ns``, for the accounts' daily realised P&L).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import NautilusError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, PositionId, StrategyId
from nautilus_platform.model.commands import ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import DenyReason, OmsType, TradingState
from nautilus_platform.model.events import (
    AccountState,
    ConversionRate,
    Event,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingUpdate,
    OrderUpdated,
    PositionEvent,
    RiskLimitsChanged,
    TradingStateChanged,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.trading.journal import Entry
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.risk.config import RiskConfig, RiskLimits, RiskScope
from nautilus_platform.trading.risk.engine import decode_limits
from nautilus_platform.trading.risk.state import ModifyRequest

DAY_NS = 86_400 * 1_000_000_000


class ReplayMismatch(NautilusError):
    """A re-derived event differs from the journaled one."""


_STRICTNESS = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


@dataclass
class ReplayResult:
    """What a journal rebuilds: orders, the portfolio (positions and accounts), the trading states
    and the risk limits in force at the end."""

    orders: dict[ClientOrderId, Order]
    portfolio: Portfolio
    entries: int = 0
    derived: list[Event] = field(default_factory=list)
    #: The global trading state at the end (``RiskEngine.trading_state()``).
    trading_state: TradingState = TradingState.ACTIVE
    #: The accounts set to a state of their own (never ``ACTIVE``: setting that clears it).
    account_trading_states: dict[AccountId, TradingState] = field(default_factory=dict)
    #: The limits in force at the end: the ``risk_config`` given (default: none) with the journal's
    #: starting limits and changes over it (``RiskEngine.current_config()``).
    risk_config: RiskConfig = field(default_factory=RiskConfig)

    def effective_trading_state(self, account_id: AccountId | None = None) -> TradingState:
        """The state orders of ``account_id`` met at the end: the stricter of the global state
        and the account's own (``RiskEngine.trading_state(account_id)``)."""
        state = self.trading_state
        if account_id is not None:
            own = self.account_trading_states.get(account_id, TradingState.ACTIVE)
            if _STRICTNESS[own] > _STRICTNESS[state]:
                state = own
        return state


def replay_journal(
    entries: Iterable[tuple[int, Entry]],
    instruments: Mapping[InstrumentId, Instrument],
    rates: ExchangeRates | None = None,
    oms_type: OmsType = OmsType.NETTING,
    verify: bool = True,
    oms_overrides: Mapping[StrategyId, OmsType] | None = None,
    day_start_offset_ns: int | None = 0,
    now_ns: int | None = None,
    risk_config: RiskConfig | None = None,
) -> ReplayResult:
    """Rebuild the state a journal describes; with ``verify``, check every derived event matches.

    ``oms_type``/``oms_overrides`` and ``day_start_offset_ns`` are the node's (``None``: never
    start a new trading day). A new trading day starts when an event is stamped (``ts_init``, the
    node's clock) on a later day than the events before it, and at the end when ``now_ns`` (the
    node's clock, say) is on a later day still: the accounts' daily realised P&L is then the one
    of that day. ``rates`` converts the fills whose ``AccountState`` lists no rates (see the
    module notes); ``risk_config`` is the configuration the journaled limits (the node's starting
    ones, then the run-time changes) apply over: the default one when ``None``, which is all a
    journal that holds the node's starting limits needs; give the node's starting configuration
    for a journal written before nodes journaled it."""
    clock = SimulatedClock()
    hints: dict[ClientOrderId, PositionId] = {}  # the portfolio reads it: a submit's position_id
    portfolio = Portfolio(clock, rates or ExchangeRates({}), oms_type, hints)
    for strategy_id, strategy_oms in (oms_overrides or {}).items():
        portfolio.set_oms_type(strategy_id, strategy_oms)
    result = ReplayResult({}, portfolio)
    state = _State(day_start_offset_ns)
    limits = _Limits(risk_config or RiskConfig())
    expected: list[Event] = []
    orders = result.orders
    for seq, entry in entries:
        result.entries += 1
        pending = state.pending
        if pending is not None:
            # A fill is booked once its AccountState (the rates it was converted at) is read;
            # its position events come before that.
            if isinstance(entry, PositionEvent | AccountState) and entry.account_id == pending.fill.account_id:
                pending.held.append((seq, entry))
                if type(entry) is AccountState:
                    state.pending = None
                    _book_fill(pending, entry.conversions, portfolio, result, expected, state, verify)
                continue
            state.pending = None
            _book_fill(pending, (), portfolio, result, expected, state, verify)
        submitted, routed, modify = state.submitted, state.routed, state.modify
        state.submitted = state.routed = state.modify = None  # what a command leaves concerns the entry after it
        if state.day_offset is not None and isinstance(entry, Event) and type(entry) is not OrderInitialized:
            state.new_day(entry.ts_init, portfolio)  # an order's init is stamped by whoever built it
        if isinstance(entry, OrderInitialized):
            cid = entry.client_order_id
            if cid in orders:
                raise ReplayMismatch(f"#{seq}: a second OrderInitialized for {cid}")
            orders[cid] = Order(entry)
            if submitted is not None:
                state.submitted = submitted  # the next order of the same list may follow
                position_id = submitted.get(cid)
                if position_id is not None:
                    hints[cid] = position_id
        elif isinstance(entry, OrderEvent):
            if type(entry) is OrderDenied and entry.client_order_id == routed:
                continue  # a routed parent denied on a node without routing: never stored
            state.pending = _apply_order_event(orders, entry, instruments, seq, state.in_flight, modify)
        elif isinstance(entry, AccountState):
            if entry.account_id not in portfolio.accounts:
                if entry.base_currency is None:
                    raise ReplayMismatch(f"#{seq}: account {entry.account_id} has no base currency")
                portfolio.add_account(
                    entry.account_id, entry.account_type, entry.base_currency, [b.total for b in entry.balances]
                )
            elif verify:
                _check(expected, entry, seq)
        elif isinstance(entry, PositionEvent):
            if verify:
                _check(expected, entry, seq)
        elif isinstance(entry, SubmitOrder):
            order = entry.order
            state.routed = order.client_order_id if entry.route is not None else None
            state.submitted = {order.client_order_id: entry.position_id}
        elif isinstance(entry, SubmitOrderList):
            state.submitted = {order.client_order_id: entry.position_id for order in entry.orders}
        elif isinstance(entry, ModifyOrder):
            state.modify = entry
        elif isinstance(entry, TradingStateChanged):
            account_id = entry.account_id
            if account_id is None:
                result.trading_state = entry.state
            elif entry.state is TradingState.ACTIVE:
                result.account_trading_states.pop(account_id, None)
            else:
                result.account_trading_states[account_id] = entry.state
        elif isinstance(entry, RiskLimitsChanged):
            limits.apply(entry, seq)
    if state.pending is not None:  # the journal ends before the fill's AccountState
        pending, state.pending = state.pending, None
        _book_fill(pending, (), portfolio, result, expected, state, verify)
    result.risk_config = limits.config()
    if verify and expected:
        raise ReplayMismatch(f"derived events missing from the journal: {expected[:3]}")
    if now_ns is not None and state.day_offset is not None:
        state.new_day(now_ns, portfolio)
    return result


class _PendingFill:
    """A fill applied to its order and not yet booked: it waits for its ``AccountState`` (the
    rates it was converted at), holding the position and account events journaled after it."""

    __slots__ = ("fill", "held", "instrument", "seq")

    def __init__(self, fill: OrderFilled, instrument: Instrument, seq: int) -> None:
        self.fill = fill
        self.instrument = instrument
        self.seq = seq
        self.held: list[tuple[int, PositionEvent | AccountState]] = []


class _Limits:
    """The risk limits of each scope, from the starting configuration and the journaled changes."""

    __slots__ = ("defaults", "layers")

    def __init__(self, config: RiskConfig) -> None:
        self.defaults = config.defaults
        self.layers: dict[RiskScope, dict[str, RiskLimits]] = {
            RiskScope.ACCOUNT: dict(config.accounts),
            RiskScope.STRATEGY: dict(config.strategies),
            RiskScope.INSTRUMENT: dict(config.instruments),
        }

    def apply(self, change: RiskLimitsChanged, seq: int) -> None:
        try:
            scope = RiskScope(change.scope)
            limits = None if change.limits is None else decode_limits(change.limits)
        except (ValueError, NautilusError) as exc:
            raise ReplayMismatch(f"#{seq}: RiskLimitsChanged cannot be read: {exc}") from exc
        if scope is RiskScope.DEFAULT:
            self.defaults = limits if limits is not None else RiskLimits()
        elif not change.key:
            raise ReplayMismatch(f"#{seq}: RiskLimitsChanged for scope {scope.value} names no id")
        elif limits is None:
            self.layers[scope].pop(change.key, None)
        else:
            self.layers[scope][change.key] = limits

    def config(self) -> RiskConfig:
        layers = self.layers
        return RiskConfig(
            defaults=self.defaults,
            accounts=layers[RiskScope.ACCOUNT],
            strategies=layers[RiskScope.STRATEGY],
            instruments=layers[RiskScope.INSTRUMENT],
        )


class _State:
    """What the replay carries from one entry to the next besides orders and the portfolio."""

    __slots__ = ("day", "day_offset", "in_flight", "modify", "pending", "routed", "submitted")

    def __init__(self, day_offset: int | None) -> None:
        self.day_offset = day_offset
        self.pending: _PendingFill | None = None  # a fill waiting for its AccountState
        self.day: int | None = None  # the latest trading day an event was stamped in
        self.routed: ClientOrderId | None = None  # the order of a routed SubmitOrder just journaled
        self.submitted: dict[ClientOrderId, PositionId | None] | None = None  # the orders of the last submit
        self.modify: ModifyOrder | None = None  # a ModifyOrder just journaled
        #: The modifies in flight by order, oldest first (``None``: one the core sent, of a size
        #: the journal does not hold), as the node's ``modifies_in_flight``.
        self.in_flight: dict[ClientOrderId, list[ModifyRequest | None]] = {}

    def new_day(self, ts_ns: int, portfolio: Portfolio) -> None:
        """Start a new trading day when ``ts_ns`` is on a later one (the node's day timer fires at
        each day's start, before anything is stamped from then on)."""
        assert self.day_offset is not None
        day = (ts_ns - self.day_offset) // DAY_NS
        if self.day is None or day > self.day:
            if self.day is not None:
                portfolio.start_day()
            self.day = day


def _apply_order_event(
    orders: dict[ClientOrderId, Order],
    event: OrderEvent,
    instruments: Mapping[InstrumentId, Instrument],
    seq: int,
    in_flight: dict[ClientOrderId, list[ModifyRequest | None]],
    modify: ModifyOrder | None,
) -> _PendingFill | None:
    """Apply ``event`` to its order, keeping the order's modifies in flight as the execution engine
    does (``modify``: the ``ModifyOrder`` journaled right before ``event``); a fill is returned to
    be booked (``_book_fill``)."""
    order = orders.get(event.client_order_id)
    kind = type(event)
    if kind is OrderDenied and event.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID:  # type: ignore[attr-defined]
        return None  # the duplicate was never stored; the order of that id is untouched
    if kind is OrderModifyRejected or kind is OrderCancelRejected:
        if order is None or order.is_closed or event.strategy_id != order.strategy_id:
            # a modify/cancel of an unknown or closed order, or another strategy's command for
            # this id ("no order ... for <strategy>"): answered without touching the order
            return None
    if order is None:
        raise ReplayMismatch(f"#{seq}: {kind.__name__} for unknown order {event.client_order_id}")
    cid = event.client_order_id
    requested = in_flight.get(cid)
    answered = 0  # the index of the oldest modify in flight an update answers (-1: none)
    if requested is not None and isinstance(event, OrderUpdated):
        answered = _answered_index(event, order, requested)
    try:
        order.apply(event, answered >= 0)
    except NautilusError as exc:
        raise ReplayMismatch(f"#{seq}: {kind.__name__} does not apply to {cid}: {exc}") from exc
    own = modify is not None and modify.client_order_id == cid and modify.strategy_id == order.strategy_id
    if kind is OrderPendingUpdate:
        asked = (
            ModifyRequest(
                None if modify.quantity is None else modify.quantity.raw,
                None if modify.price is None else modify.price.raw,
                None if modify.trigger_price is None else modify.trigger_price.raw,
            )
            if own and modify is not None
            else None
        )
        in_flight.setdefault(cid, []).append(asked)
    elif requested is not None:
        if order.is_closed:
            requested.clear()
        elif kind is OrderUpdated and answered >= 0:
            del requested[: answered + 1]
        elif kind is OrderModifyRejected and not own:  # the venue's answer to the oldest
            del requested[0]
        if not requested:
            del in_flight[cid]
    if kind is OrderFilled:
        fill: OrderFilled = event  # type: ignore[assignment]
        instrument = instruments.get(fill.instrument_id)
        if instrument is None:
            raise ReplayMismatch(f"#{seq}: fill {fill.trade_id} for {fill.instrument_id}, not among the instruments")
        return _PendingFill(fill, instrument, seq)
    return None


def _book_fill(
    pending: _PendingFill,
    conversions: tuple[ConversionRate, ...],
    portfolio: Portfolio,
    result: ReplayResult,
    expected: list[Event],
    state: _State,
    verify: bool,
) -> None:
    """Book a fill at the rates its ``AccountState`` lists (``conversions``; the portfolio's own
    when none), then check the position and account events journaled after it."""
    fill, instrument = pending.fill, pending.instrument
    if conversions:
        journaled = ExchangeRates({})  # only the rates listed: a currency listed without one has none
        for rate in conversions:
            ratio = rate.ratio
            if ratio is None:
                continue
            try:
                journaled.pin_ratio(rate.from_currency, rate.to_currency, ratio[0], ratio[1])
            except NautilusError as exc:
                raise ReplayMismatch(
                    f"#{pending.seq}: fill {fill.trade_id}: a journaled rate is invalid: {exc}"
                ) from exc
        derived = portfolio.on_fill_at(fill, instrument, journaled)
    else:
        derived = portfolio.on_fill(fill, instrument)
    result.derived.extend(derived)
    if verify:
        expected.extend(derived)
    for seq, event in pending.held:
        if state.day_offset is not None:
            state.new_day(event.ts_init, portfolio)
        if verify:
            _check(expected, event, seq)


def _answered_index(event: OrderUpdated, order: Order, requested: list[ModifyRequest | None]) -> int:
    """The index of the oldest modify in flight that ``event`` answers, or -1 (the execution
    engine's rule); a core modify (``None``) is answered by an update that changes the quantity."""
    price, trigger = event.price, event.trigger_price
    price_raw = price.raw if price is not None else None
    trigger_raw = trigger.raw if trigger is not None else None
    quantity_raw = event.quantity.raw
    for index, request in enumerate(requested):
        if request is None:
            if quantity_raw != order.quantity_raw:
                return index
        elif request.answered_by(quantity_raw, price_raw, trigger_raw):
            return index
    return -1


def _check(expected: list[Event], journaled: Event, seq: int) -> None:
    if not expected:
        raise ReplayMismatch(f"#{seq}: journaled {type(journaled).__name__} that replay did not derive")
    derived = expected.pop(0)
    if _fill_driven(derived) != _fill_driven(journaled):
        hint = ""
        if (
            isinstance(derived, PositionEvent)
            and isinstance(journaled, PositionEvent)
            and derived.position_id != journaled.position_id
        ):
            hint = " (another position id: replay with the node's oms_type and oms_overrides)"
        raise ReplayMismatch(f"#{seq}: journaled {journaled!r} but replay derived {derived!r}{hint}")


def _fill_driven(event: Event) -> tuple[object, ...]:
    """The part of a position or account event that fills alone determine (marks and locks are not)."""
    if isinstance(event, PositionEvent):
        return (
            type(event), event.position_id, event.side, event.signed_qty, event.avg_px_open, event.avg_px_close,
            event.realized_pnl, event.last_trade_id, event.ts_opened,
        )  # fmt: skip
    if isinstance(event, AccountState):
        return (type(event), event.account_id, tuple((b.currency, b.total) for b in event.balances))
    return (event,)
