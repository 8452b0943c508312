"""Shared builders for the risk engine tests (plain functions, no fixtures magic)."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import CryptoSpot, Equity, Instrument
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import BTC, USD, USDT, Price, Quantity
from nautilus_platform.trading.risk import AccountSnapshot, InMemoryRiskState, PriceSource, RiskConfig, RiskEngine

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
