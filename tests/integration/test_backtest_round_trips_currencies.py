"""Round trips and turnover of fills in another currency than the account's base are converted at
each fill's rate, so the trade statistics do not add yen to dollars; commissions in a third
currency count converted instead of being left out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import Bar, BarSpecification, BarType
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import JPY, USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

TOYOTA = Equity(
    id=InstrumentId("7203.XTKS"), price_precision=0, size_precision=0, tick_size=Price.of("1", 0),
    lot_size=Quantity.of(1), quote_currency=JPY, taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
)  # fmt: skip
RATE = Decimal("0.0067")  # USD per JPY


class RoundTrips(Strategy):
    """Buy 100 on bar 2, sell it on bar 5; again on bars 7 and 9."""

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str("7203.XTKS-1-MINUTE-LAST"))
        self.n = 0

    def on_bar(self, bar: Bar) -> None:
        self.n += 1
        side = {2: OrderSide.BUY, 5: OrderSide.SELL, 7: OrderSide.BUY, 9: OrderSide.SELL}.get(self.n)
        if side is not None:
            self.submit(self.orders.market(TOYOTA.id, side, Quantity.of(100)))


def test_trips_in_yen_count_in_dollars_at_the_fills_rate() -> None:
    data = simulate_bars(TOYOTA, BarSpecification.from_str("1-MINUTE-LAST"), 12, seed=3, start_price=2500.0)
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="XTKS", fee_model=FeeModel()), AccountType.MARGIN, USD,
        [Money.of(1_000_000, USD)],
    )  # fmt: skip
    backtest = build_backtest(
        BacktestConfig(venues=[venue], instruments=[TOYOTA], data=[data], strategies=[RoundTrips()])
    )
    backtest.core.rates.set_fixed(JPY, USD, RATE)  # type: ignore[attr-defined]
    result = backtest.run()
    assert len(result.round_trips) == 2 and not result.notes
    fills = result.fills
    for trip, (entry, exit_) in zip(result.round_trips, ((fills[0], fills[1]), (fills[2], fills[3])), strict=True):
        gross_jpy = (exit_.last_px.as_decimal() - entry.last_px.as_decimal()) * 100
        fees_jpy = entry.commission.as_decimal() + exit_.commission.as_decimal()
        assert entry.commission.currency is JPY and fees_jpy > 0
        # Before: the P&L in yen (gross - fees) was counted as if it were dollars.
        assert trip.pnl == pytest.approx(float((gross_jpy - fees_jpy) * RATE), rel=1e-12)
        assert trip.fees == pytest.approx(float(fees_jpy * RATE), rel=1e-12)
    notional_jpy = sum(f.last_qty.as_decimal() * f.last_px.as_decimal() for f in fills)
    mean_equity = float(result.equity.equity.mean())  # turnover is notional over mean equity
    assert result.statistics.turnover * mean_equity == pytest.approx(float(notional_jpy * RATE), rel=1e-9)
