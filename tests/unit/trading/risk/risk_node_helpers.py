"""A trading node for the risk tests that need the real core state (``CoreRiskState`` over the
cache and the portfolio): positions per strategy or per order, venue latency, exchange rates."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, PositionId
from nautilus_platform.model.commands import ModifyOrder, SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.events import OrderDenied, OrderModifyRejected
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

SECOND = 1_000_000_000
AAPL = InstrumentId("AAPL.SIM")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def px(value: str) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


class Node:
    """A node with venue SIM (a margin account, 1,000,000 USD, unless told) trading AAPL.SIM,
    quoted 99.99/100.01."""

    def __init__(
        self,
        limits: RiskLimits | None = None,
        latency_ns: int = 0,
        account_type: AccountType = AccountType.MARGIN,
        balance: int = 1_000_000,
    ) -> None:
        self.now = 1_767_619_800 * SECOND
        self.node = TradingNode(SimulatedClock(self.now), risk_config=RiskConfig(defaults=limits or RiskLimits()))
        venue = SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=latency_ns))
        self.node.add_venue(venue, account_type, USD, [Money.of(balance, USD)])
        self.node.add_instrument(
            Equity(
                id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
                quote_currency=USD, margin_init=Decimal("0.25"), margin_maint=Decimal("0.15"),
            )
        )  # fmt: skip
        self.events: list[object] = []
        self._factories: dict[str, OrderFactory] = {}
        self.node.bus.subscribe("events.*", self.events.append)
        self.quote("99.99", "100.01")

    def factory(self, strategy_id: str = "S-1") -> OrderFactory:
        """The order factory of ``strategy_id`` (one per strategy: ids stay unique)."""
        factory = self._factories.get(strategy_id)
        if factory is None:
            factory = self._factories[strategy_id] = self.node.order_factory(strategy_id)
        return factory

    def quote(self, bid: str, ask: str, instrument_id: InstrumentId = AAPL) -> None:
        self.now += SECOND
        size = qty(1_000)
        self.node.process(QuoteTick.of(instrument_id, px(bid), px(ask), size, size, self.now))

    def advance(self, seconds: int) -> None:
        self.now += seconds * SECOND
        self.node.advance_time(self.now)

    def submit(self, order: Order, position_id: str | None = None) -> Order:
        self.node.execute(
            SubmitOrder(
                ts_init=self.now, strategy_id=order.strategy_id, order=order,
                position_id=PositionId(position_id) if position_id is not None else None,
            )
        )  # fmt: skip
        return order

    def modify(self, order: Order, quantity: Quantity | None = None, price: Price | None = None) -> None:
        self.node.execute(
            ModifyOrder(
                ts_init=self.now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id, quantity=quantity, price=price,
            )
        )  # fmt: skip

    def refusal(self, order: Order) -> str | None:
        """The last ``OrderDenied`` message or ``OrderModifyRejected`` reason for ``order``."""
        for event in reversed(self.events):
            if isinstance(event, OrderDenied) and event.client_order_id == order.client_order_id:
                return f"{event.reason.value}: {event.message}"
            if isinstance(event, OrderModifyRejected) and event.client_order_id == order.client_order_id:
                return event.reason
        return None

    def positions(self) -> dict[str, int]:
        """Open positions by id, signed units."""
        return {str(p.id): p.signed_raw // 10**9 for p in self.node.portfolio.positions.values() if p.signed_raw}
