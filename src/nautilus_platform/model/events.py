"""Events: what happened, in the past tense. Immutable, cheap to build, serialisable.

State changes only by applying events: orders by order events, positions by fills, accounts by
fills and ``AccountState``; what the risk engine accepts by ``TradingStateChanged`` and
``RiskLimitsChanged``. Engines build events from already-validated inputs.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from nautilus_platform.model.enums import (
    AccountType,
    ContingencyType,
    DenyReason,
    LiquiditySide,
    OrderSide,
    OrderType,
    PositionSide,
    TimeInForce,
    TradingState,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.values import Currency, Money, Price, Quantity


class Event(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag=True):
    """Base of every event."""

    ts_event: int
    ts_init: int


class OrderEvent(Event, frozen=True, gc=False, kw_only=True, tag=True):
    """Base of order events."""

    strategy_id: StrategyId
    instrument_id: InstrumentId
    client_order_id: ClientOrderId


class OrderInitialized(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """The order as created; enough to rebuild it."""

    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    time_in_force: TimeInForce = TimeInForce.GTC
    price: Price | None = None
    trigger_price: Price | None = None
    trigger_type: TriggerType = TriggerType.DEFAULT
    expire_time_ns: int = 0
    post_only: bool = False
    reduce_only: bool = False
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType | None = None
    limit_offset: Decimal | None = None
    contingency_type: ContingencyType = ContingencyType.NONE
    order_list_id: OrderListId | None = None
    linked_order_ids: tuple[ClientOrderId, ...] = ()
    parent_order_id: ClientOrderId | None = None
    tags: tuple[str, ...] = ()


class OrderDenied(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """Pre-trade risk refused the order; it never reached a venue."""

    reason: DenyReason
    message: str


class OrderSubmitted(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    account_id: AccountId


class OrderAccepted(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    venue_order_id: VenueOrderId
    account_id: AccountId


class OrderRejected(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """The venue refused the order."""

    account_id: AccountId
    reason: str


class OrderPendingUpdate(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    account_id: AccountId


class OrderPendingCancel(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    account_id: AccountId


class OrderModifyRejected(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """A modify was refused (by risk or by the venue); the order stays as it was."""

    reason: str


class OrderCancelRejected(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """A cancel was refused by the venue (e.g. the order already filled)."""

    reason: str


class OrderUpdated(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """The venue applied a modify (or a trailing stop moved its trigger)."""

    venue_order_id: VenueOrderId | None
    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None


class OrderTriggered(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    venue_order_id: VenueOrderId | None


class OrderCanceled(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    venue_order_id: VenueOrderId | None
    reason: str = ""


class OrderExpired(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    venue_order_id: VenueOrderId | None


class OrderFilled(OrderEvent, frozen=True, gc=False, kw_only=True, tag=True):
    """One execution against the order."""

    venue_order_id: VenueOrderId
    account_id: AccountId
    trade_id: TradeId
    order_side: OrderSide
    order_type: OrderType
    last_qty: Quantity
    last_px: Price
    commission: Money
    liquidity_side: LiquiditySide
    position_id: PositionId | None = None


class PositionEvent(Event, frozen=True, gc=False, kw_only=True, tag=True):
    """A snapshot of a position after a fill."""

    position_id: PositionId
    instrument_id: InstrumentId
    strategy_id: StrategyId
    account_id: AccountId
    opening_order_id: ClientOrderId
    side: PositionSide
    signed_qty: Decimal
    quantity: Quantity
    avg_px_open: Decimal
    avg_px_close: Decimal | None
    realized_pnl: Money
    unrealized_pnl: Money
    last_trade_id: TradeId
    ts_opened: int


class PositionOpened(PositionEvent, frozen=True, gc=False, kw_only=True, tag=True):
    pass


class PositionChanged(PositionEvent, frozen=True, gc=False, kw_only=True, tag=True):
    pass


class PositionClosed(PositionEvent, frozen=True, gc=False, kw_only=True, tag=True):
    ts_closed: int


class AccountBalance(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One currency's balance: ``free = total - locked``."""

    currency: Currency
    total: Money
    locked: Money
    free: Money


class MarginBalance(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    instrument_id: InstrumentId
    initial: Money
    maintenance: Money


class ConversionRate(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """The exchange rate an amount in ``from_currency`` was converted to ``to_currency`` at: the
    exact ratio ``(numerator, denominator)``, units of ``to_currency`` per unit of
    ``from_currency`` (in lowest terms), or ``None`` when there was no rate (the amount was booked
    in its own currency)."""

    from_currency: Currency
    to_currency: Currency
    ratio: tuple[int, int] | None


class AccountState(Event, frozen=True, gc=False, kw_only=True, tag=True):
    """Balances and margins of an account after a change.

    ``conversions``: after a fill whose P&L or commission is in another currency than the base,
    the rate each such currency was converted to the base currency at (what the fill's booking
    and the daily realised P&L used; a replay converts at the same rates). Empty otherwise."""

    account_id: AccountId
    account_type: AccountType
    base_currency: Currency | None
    balances: tuple[AccountBalance, ...]
    margins: tuple[MarginBalance, ...] = ()
    reason: str = ""
    conversions: tuple[ConversionRate, ...] = ()


class TradingStateChanged(Event, frozen=True, gc=False, kw_only=True, tag=True):
    """The risk engine's trading state was set: the global one (``account_id`` ``None``) or one
    account's (``ACTIVE`` clears the account's own state; the stricter of the two applies). The
    ``reason`` says who set it: empty for a direct call, the kill switch's reason, or the breaker
    that tripped."""

    state: TradingState
    account_id: AccountId | None = None
    reason: str = ""


class RiskLimitsChanged(Event, frozen=True, gc=False, kw_only=True, tag=True):
    """Risk limits were set at run time for one scope: ``scope`` is the ``RiskScope`` value
    (``DEFAULT``, ``ACCOUNT``, ``STRATEGY`` or ``INSTRUMENT``), ``key`` the account, strategy or
    instrument id (empty for ``DEFAULT``), ``limits`` the ``RiskLimits`` now set there as JSON
    holding only the fields that are set (exact: amounts as raw integers), ``None`` when the
    scope's limits were removed. (``RiskLimits`` is the risk engine's type: the model keeps its
    JSON; ``trading.risk.engine.decode_limits`` reads it back.)"""

    scope: str
    key: str
    limits: str | None
