"""Shared builders for the model tests: one instance of every event and command, orders, fills."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    TradeId,
    VenueId,
    VenueOrderId,
)
from nautilus_platform.model.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
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
from nautilus_platform.model.events import (
    AccountBalance,
    AccountState,
    ConversionRate,
    Event,
    MarginBalance,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    RiskLimitsChanged,
    TradingStateChanged,
)
from nautilus_platform.model.instruments import Equity, Future
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import BTC, EUR, JPY, USD, Money, Price, Quantity

AAPL = InstrumentId("AAPL.XNAS")
STRATEGY = StrategyId("EMA-1")
ACCOUNT = AccountId("SIM-001")
COID = ClientOrderId("O-1")
VOID = VenueOrderId("V-1")

_ORDER_KEYS = {"strategy_id": STRATEGY, "instrument_id": AAPL, "client_order_id": COID}


def equity(**changes: Any) -> Equity:
    """An AAPL.XNAS equity (2 decimals, lot 1, USD) with ``changes`` to its fields."""
    fields: dict[str, Any] = {
        "id": AAPL, "price_precision": 2, "size_precision": 0, "tick_size": Price.of("0.01"),
        "lot_size": Quantity.of(1), "quote_currency": USD,
    }  # fmt: skip
    fields.update(changes)
    return Equity(**fields)


def future(**changes: Any) -> Future:
    """An ES future on CME (tick 0.25, multiplier 50, 5 %/4 % margins) with ``changes`` to its fields."""
    fields: dict[str, Any] = {
        "id": InstrumentId("ESZ4.CME"),
        "price_precision": 2,
        "size_precision": 0,
        "tick_size": Price.of("0.25"),
        "lot_size": Quantity.of(1),
        "quote_currency": USD,
        "multiplier": Quantity.of(50),
        "underlying": "ES",
        "expiry_ns": 1_734_048_000_000_000_000,
        "margin_init": Decimal("0.05"),
        "margin_maint": Decimal("0.04"),
    }
    fields.update(changes)
    return Future(**fields)


def px(value: str | int, precision: int = 2) -> Price:
    return Price.of(value, precision)


def qty(value: str | int, precision: int = 0) -> Quantity:
    return Quantity.of(value, precision)


def factory(ts: int = 1_000) -> OrderFactory:
    return OrderFactory(STRATEGY, SimulatedClock(ts))


def initialized(
    quantity: int = 100, order_type: OrderType = OrderType.LIMIT, price: str | None = "101.25", ts: int = 1
) -> OrderInitialized:
    return OrderInitialized(
        ts_event=ts,
        ts_init=ts,
        **_ORDER_KEYS,
        side=OrderSide.BUY,
        order_type=order_type,
        quantity=qty(quantity),
        price=None if price is None else px(price),
    )


def new_order(quantity: int = 100) -> Order:
    return Order(initialized(quantity))


def submitted(ts: int = 2) -> OrderSubmitted:
    return OrderSubmitted(ts_event=ts, ts_init=ts, **_ORDER_KEYS, account_id=ACCOUNT)


def accepted(ts: int = 3) -> OrderAccepted:
    return OrderAccepted(ts_event=ts, ts_init=ts, **_ORDER_KEYS, venue_order_id=VOID, account_id=ACCOUNT)


def rejected(ts: int = 3) -> OrderRejected:
    return OrderRejected(ts_event=ts, ts_init=ts, **_ORDER_KEYS, account_id=ACCOUNT, reason="no margin")


def denied(ts: int = 2) -> OrderDenied:
    return OrderDenied(ts_event=ts, ts_init=ts, **_ORDER_KEYS, reason=DenyReason.PRICE_COLLAR, message="too far")


def pending_update(ts: int = 4) -> OrderPendingUpdate:
    return OrderPendingUpdate(ts_event=ts, ts_init=ts, **_ORDER_KEYS, account_id=ACCOUNT)


def pending_cancel(ts: int = 4) -> OrderPendingCancel:
    return OrderPendingCancel(ts_event=ts, ts_init=ts, **_ORDER_KEYS, account_id=ACCOUNT)


def modify_rejected(ts: int = 5) -> OrderModifyRejected:
    return OrderModifyRejected(ts_event=ts, ts_init=ts, **_ORDER_KEYS, reason="venue refused")


def cancel_rejected(ts: int = 5) -> OrderCancelRejected:
    return OrderCancelRejected(ts_event=ts, ts_init=ts, **_ORDER_KEYS, reason="too late")


def updated(quantity: int = 100, price: str | None = "101.50", ts: int = 5) -> OrderUpdated:
    return OrderUpdated(
        ts_event=ts,
        ts_init=ts,
        **_ORDER_KEYS,
        venue_order_id=VOID,
        quantity=qty(quantity),
        price=None if price is None else px(price),
    )


def triggered(ts: int = 5) -> OrderTriggered:
    return OrderTriggered(ts_event=ts, ts_init=ts, **_ORDER_KEYS, venue_order_id=VOID)


def canceled(ts: int = 6) -> OrderCanceled:
    return OrderCanceled(ts_event=ts, ts_init=ts, **_ORDER_KEYS, venue_order_id=VOID, reason="user")


def expired(ts: int = 6) -> OrderExpired:
    return OrderExpired(ts_event=ts, ts_init=ts, **_ORDER_KEYS, venue_order_id=None)


def filled(
    quantity: int | str, price: str = "101.25", trade_id: str = "T-1", commission: str = "0.10", ts: int = 7
) -> OrderFilled:
    return OrderFilled(
        ts_event=ts,
        ts_init=ts,
        **_ORDER_KEYS,
        venue_order_id=VOID,
        account_id=ACCOUNT,
        trade_id=TradeId(trade_id),
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        last_qty=Quantity.of(quantity),
        last_px=Price.of(price),
        commission=Money.of(commission, USD),
        liquidity_side=LiquiditySide.MAKER,
        position_id=PositionId("AAPL.XNAS-EMA-1"),
    )


def _position_fields(ts: int) -> dict[str, object]:
    return {
        "ts_event": ts,
        "ts_init": ts,
        "position_id": PositionId("AAPL.XNAS-EMA-1"),
        "instrument_id": AAPL,
        "strategy_id": STRATEGY,
        "account_id": ACCOUNT,
        "opening_order_id": COID,
        "side": PositionSide.LONG,
        "signed_qty": Decimal("150"),
        "quantity": qty(150),
        "avg_px_open": Decimal("101.2500"),
        "avg_px_close": None,
        "realized_pnl": Money.of("-0.25", USD),
        "unrealized_pnl": Money.of("12.50", USD),
        "last_trade_id": TradeId("T-2"),
        "ts_opened": 7,
    }


def every_event() -> list[Event]:
    """One instance of every concrete event type, with non-default values where possible."""
    full_init = OrderInitialized(
        ts_event=1,
        ts_init=1,
        **_ORDER_KEYS,
        side=OrderSide.SELL,
        order_type=OrderType.TRAILING_STOP_LIMIT,
        quantity=Quantity.of("1.500", 3),
        time_in_force=TimeInForce.GTD,
        price=px("99.10"),
        trigger_price=px("99.50"),
        trigger_type=TriggerType.BID_ASK,
        expire_time_ns=10**18,
        post_only=False,
        reduce_only=True,
        trailing_offset=Decimal("0.250"),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        limit_offset=Decimal("0.05"),
        contingency_type=ContingencyType.OCO,
        order_list_id=OrderListId("OL-1"),
        linked_order_ids=(ClientOrderId("O-2"), ClientOrderId("O-3")),
        parent_order_id=ClientOrderId("O-0"),
        tags=("ENTRY", "x"),
    )
    position = _position_fields(8)
    closed = {**position, "side": PositionSide.FLAT, "signed_qty": Decimal(0), "avg_px_close": Decimal("102.5")}
    return [
        full_init,
        denied(),
        submitted(),
        accepted(),
        rejected(),
        pending_update(),
        pending_cancel(),
        modify_rejected(),
        cancel_rejected(),
        updated(),
        OrderUpdated(
            ts_event=5, ts_init=5, **_ORDER_KEYS, venue_order_id=None, quantity=qty(5), trigger_price=px("-1")
        ),
        triggered(),
        canceled(),
        expired(),
        filled("100"),
        PositionOpened(**position),
        PositionChanged(**position),
        PositionClosed(**closed, ts_closed=9),
        AccountState(
            ts_event=9,
            ts_init=9,
            account_id=ACCOUNT,
            account_type=AccountType.MARGIN,
            base_currency=USD,
            balances=(
                AccountBalance(
                    currency=USD,
                    total=Money.of("1000.00", USD),
                    locked=Money.of("100.00", USD),
                    free=Money.of("900.00", USD),
                ),
                AccountBalance(
                    currency=BTC,
                    total=Money.of("0.12345678", BTC),
                    locked=Money.zero(BTC),
                    free=Money.of("0.12345678", BTC),
                ),
            ),
            margins=(MarginBalance(instrument_id=AAPL, initial=Money.of("50", USD), maintenance=Money.of("25", USD)),),
            reason="fill",
        ),
        AccountState(
            ts_event=10,
            ts_init=10,
            account_id=ACCOUNT,
            account_type=AccountType.MARGIN,
            base_currency=USD,
            balances=(
                AccountBalance(
                    currency=USD, total=Money.of("1000.00", USD), locked=Money.zero(USD), free=Money.of("1000.00", USD)
                ),
            ),
            conversions=(
                ConversionRate(from_currency=EUR, to_currency=USD, ratio=(11, 10)),
                ConversionRate(from_currency=JPY, to_currency=USD, ratio=None),  # no rate then
            ),
        ),
        TradingStateChanged(ts_event=11, ts_init=11, state=TradingState.HALTED, reason="kill switch"),
        TradingStateChanged(ts_event=11, ts_init=11, state=TradingState.REDUCING, account_id=ACCOUNT),
        RiskLimitsChanged(
            ts_event=12,
            ts_init=12,
            scope="ACCOUNT",
            key=str(ACCOUNT),
            limits='{"max_quantity":{"raw":5000000000,"precision":0}}',
        ),
        RiskLimitsChanged(ts_event=12, ts_init=12, scope="STRATEGY", key=str(STRATEGY), limits=None),
    ]


def every_command() -> list[Command]:
    """One instance of every command type."""
    fac = factory()
    bracket = fac.bracket(
        AAPL, OrderSide.BUY, qty(10), take_profit=px("110"), stop_loss=px("90"), entry_price=px("100")
    )
    return [
        SubmitOrder(
            strategy_id=STRATEGY,
            ts_init=1_000,
            order=fac.limit(AAPL, OrderSide.SELL, qty(5), px("101.25"), post_only=True),
            position_id=PositionId("P-1"),
            venue=VenueId("XNAS"),
        ),
        SubmitOrder(strategy_id=STRATEGY, ts_init=1_000, order=fac.market(AAPL, OrderSide.BUY, qty(1))),
        SubmitOrderList(
            strategy_id=STRATEGY, ts_init=1_000, order_list_id=bracket.order_list_id, orders=bracket.orders
        ),
        ModifyOrder(strategy_id=STRATEGY, ts_init=1_001, instrument_id=AAPL, client_order_id=COID, quantity=qty(7)),
        ModifyOrder(
            strategy_id=STRATEGY,
            ts_init=1_001,
            instrument_id=AAPL,
            client_order_id=COID,
            price=px("100.5"),
            trigger_price=px("100.75"),
        ),
        CancelOrder(strategy_id=STRATEGY, ts_init=1_002, instrument_id=AAPL, client_order_id=COID),
        CancelAllOrders(strategy_id=STRATEGY, ts_init=1_003, instrument_id=AAPL),
        CancelAllOrders(strategy_id=STRATEGY, ts_init=1_003, instrument_id=AAPL, order_side=OrderSide.SELL),
    ]


def fingerprint(value: Any) -> Any:
    """Everything that must survive a round trip, including types, precisions and Decimal digits."""
    if isinstance(value, Order):
        return ("Order", fingerprint(value.init))
    if isinstance(value, msgspec.Struct):
        return (type(value).__name__, tuple((f, fingerprint(getattr(value, f))) for f in value.__struct_fields__))
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)
