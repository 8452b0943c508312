"""Shared builders for the risk engine tests (plain functions, no fixtures magic)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId, TradeId, VenueOrderId
from nautilus_platform.model.enums import AccountType, DenyReason, LiquiditySide, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderAccepted, OrderCanceled, OrderFilled, OrderSubmitted
from nautilus_platform.model.instruments import CryptoSpot, Equity, Instrument
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import BTC, USD, USDT, Money, Price, Quantity
from nautilus_platform.trading.risk import (
    AccountSnapshot,
    Denial,
    InMemoryRiskState,
    PriceSource,
    RiskConfig,
    RiskEngine,
    RiskLimits,
)

B = 1_000_000_000
AAPL = InstrumentId("AAPL.XNAS")
BTCUSDT = InstrumentId("BTC/USDT.BINANCE")
ACCOUNT = AccountId("SIM-001")
STRATEGY = StrategyId("S-1")


def equity(**changes: object) -> Equity:
    fields: dict[str, object] = {
        "id": AAPL, "price_precision": 2, "size_precision": 0, "tick_size": Price.of("0.01"), "lot_size": Quantity.of(1),
        "quote_currency": USD, "min_quantity": Quantity.of(1), "max_quantity": Quantity.of(10_000),
        "taker_fee": Decimal("0.001"),
    }  # fmt: skip
    fields.update(changes)
    return Equity(**fields)  # type: ignore[arg-type]


def btc_spot() -> CryptoSpot:
    return CryptoSpot(
        id=BTCUSDT, price_precision=2, size_precision=4, tick_size=Price.of("0.01"), lot_size=Quantity.of("0.0001"),
        quote_currency=USDT, base_currency=BTC, taker_fee=Decimal("0.001"),
    )  # fmt: skip


class Setup:
    """A state with one instrument at 100.00, a margin account with 1,000,000 USD free, an engine."""

    def __init__(
        self,
        config: RiskConfig | None = None,
        instrument: Instrument | None = None,
        account_type: AccountType = AccountType.MARGIN,
    ) -> None:
        self.clock = SimulatedClock(1_000 * B)
        self.state = InMemoryRiskState()
        self.instrument = instrument or equity()
        self.state.add_instrument(self.instrument)
        self.state.default_account_id = ACCOUNT
        self.account = AccountSnapshot(
            account_type, USD, free={"USD": 1_000_000 * B}, equity_raw=1_000_000 * B, peak_equity_raw=1_000_000 * B
        )
        self.state.accounts[ACCOUNT] = self.account
        for source in PriceSource:
            self.state.set_price(self.instrument.id, source, 100 * B)
        self.engine = RiskEngine(config or RiskConfig(), self.state, self.clock)
        self.factory = OrderFactory(STRATEGY, self.clock)


# -- small builders shared by the risk tests ----------------------------------------------------
BUY = OrderSide.BUY
SELL = OrderSide.SELL


def px(value: str | int) -> Price:
    return Price.of(value)


def qty(value: str | int) -> Quantity:
    return Quantity.of(value)


def usd(value: str | int) -> Money:
    return Money.of(value, USD)


def setup_with(
    instrument: Instrument | None = None, account_type: AccountType = AccountType.MARGIN, **defaults: Any
) -> Setup:
    """A ``Setup`` whose default limits are ``RiskLimits(**defaults)``."""
    return Setup(RiskConfig(defaults=RiskLimits(**defaults)), instrument, account_type)


def submit(order: Order, account_id: AccountId = ACCOUNT) -> Order:
    """Move ``order`` to SUBMITTED (counted open)."""
    order.apply(
        OrderSubmitted(
            ts_event=order.ts_last, ts_init=order.ts_last, strategy_id=order.strategy_id,
            instrument_id=order.instrument_id, client_order_id=order.client_order_id, account_id=account_id,
        )
    )  # fmt: skip
    return order


def accept(order: Order, account_id: AccountId = ACCOUNT) -> Order:
    """Move ``order`` to ACCEPTED (working at the venue)."""
    if order.status is OrderStatus.INITIALIZED:
        submit(order, account_id)
    order.apply(
        OrderAccepted(
            ts_event=order.ts_last, ts_init=order.ts_last, strategy_id=order.strategy_id,
            instrument_id=order.instrument_id, client_order_id=order.client_order_id, account_id=account_id,
            venue_order_id=VenueOrderId(f"V-{order.client_order_id}"),
        )
    )  # fmt: skip
    return order


def fill(order: Order, quantity: Quantity, price: Price, account_id: AccountId = ACCOUNT) -> Order:
    """Apply one fill of ``quantity`` at ``price`` to an accepted order."""
    order.apply(
        OrderFilled(
            ts_event=order.ts_last, ts_init=order.ts_last, strategy_id=order.strategy_id,
            instrument_id=order.instrument_id, client_order_id=order.client_order_id, account_id=account_id,
            venue_order_id=VenueOrderId(f"V-{order.client_order_id}"), trade_id=TradeId(f"T-{len(order.events)}"),
            order_side=order.side, order_type=order.order_type, last_qty=quantity, last_px=price,
            commission=Money.zero(USD), liquidity_side=LiquiditySide.TAKER,
        )
    )  # fmt: skip
    return order


def cancel(order: Order) -> Order:
    order.apply(
        OrderCanceled(
            ts_event=order.ts_last, ts_init=order.ts_last, strategy_id=order.strategy_id,
            instrument_id=order.instrument_id, client_order_id=order.client_order_id, venue_order_id=None,
        )
    )  # fmt: skip
    return order


def reason_of(denial: Denial | None) -> DenyReason | None:
    return None if denial is None else denial[0]


def message_of(denial: Denial | None) -> str:
    assert denial is not None, "expected a denial, the order passed"
    return denial[1]
