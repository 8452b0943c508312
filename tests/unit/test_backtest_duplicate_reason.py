"""A submit denied for reusing an order's id says nothing of the order that has the id.

The backtest keyed the reason an order closed by client order id, so the denial of a second order
sent with a working order's id (``DUPLICATE_CLIENT_ORDER_ID``) became the working order's reason:
its row read ACCEPTED with a denial as the reason why it closed.
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus, OrderType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import SimulatedVenueConfig

INSTRUMENT = Equity(
    id=InstrumentId("DEMO.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, taker_fee=Decimal(0), maker_fee=Decimal(0),
)  # fmt: skip


class Reuser(Strategy):
    """Rests a buy far below the market, then sends a market order with the same id."""

    def on_start(self) -> None:
        self.count = 0
        self.resting: Order | None = None
        self.reused: Order | None = None
        self.subscribe_quotes("DEMO.SIM")

    def on_quote(self, quote: QuoteTick) -> None:
        self.count += 1
        iid = quote.instrument_id
        if self.count == 3:
            self.resting = self.orders.limit(iid, OrderSide.BUY, Quantity.of(5), Price.of("1.00", 2))
            self.submit(self.resting)
        elif self.count == 6 and self.resting is not None:
            self.reused = self.orders.create(
                iid, OrderSide.BUY, OrderType.MARKET, Quantity.of(1), client_order_id=self.resting.client_order_id
            )
            self.submit(self.reused)


def test_a_duplicate_id_denial_is_not_the_reason_of_the_order_with_that_id() -> None:
    strategy = Reuser("r")
    result = run_backtest(
        BacktestConfig(
            venues=[VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.CASH, USD, [Money.of(10**6, USD)])],
            instruments=[INSTRUMENT],
            data=simulate_quotes([INSTRUMENT], 20, seed=5),
            strategies=[strategy],
        )
    )
    assert not result.strategy_errors
    assert strategy.reused is not None and strategy.reused.status is OrderStatus.DENIED
    assert strategy.resting is not None and strategy.resting.status is OrderStatus.ACCEPTED
    (row,) = [o for o in result.orders if o.client_order_id == str(strategy.resting.client_order_id)]
    assert row.status == "ACCEPTED"
    assert row.reason == ""  # still working: no reason; before, the reused id's denial
