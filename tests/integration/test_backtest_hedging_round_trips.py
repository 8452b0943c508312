"""Hedging mode in a backtest: every position is its own round trip, a strategy reduces a named
position with ``submit(position_id=…)``, and ``close_position`` closes each open position."""

from __future__ import annotations

from decimal import Decimal

import pytest
from backtest_support import bars, equity

from nautilus_platform.core.identifiers import InstrumentId, PositionId
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import AccountType, OmsType, OrderSide
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import USD, Money, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import SimulatedVenueConfig

DEMO = InstrumentId("DEMO.SIM")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


class Scripted(Strategy):
    """Bar by bar: buy 10, sell 25, buy 5, buy 10 (four hedge positions); then sell 4 of the first
    position by name; then ``close_position``."""

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str("DEMO.SIM-1-MINUTE-LAST"))
        self.count = 0
        self.first: PositionId | None = None

    def on_bar(self, bar: Bar) -> None:
        self.count += 1
        script = {1: (BUY, 10), 2: (SELL, 25), 3: (BUY, 5), 4: (BUY, 10)}
        if self.count in script:
            side, qty = script[self.count]
            self.submit(self.orders.market(DEMO, side, Quantity.of(qty)))
        elif self.count == 5:
            self.first = self.portfolio.open_positions(DEMO, self.id)[0].id
            self.submit(self.orders.market(DEMO, SELL, Quantity.of(4)), position_id=self.first)
        elif self.count == 6:
            self.close_position(DEMO)


def _run(bars_count: int = 10) -> tuple[Scripted, object]:
    strategy = Scripted()
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    config = BacktestConfig(
        venues=[venue], instruments=[equity()], data=[bars(bars_count)], strategies=[strategy], oms_type=OmsType.HEDGING
    )
    return strategy, run_backtest(config)


def test_each_hedge_position_is_a_round_trip_and_close_position_closes_them_all() -> None:
    strategy, result = _run()
    assert not result.strategy_errors  # type: ignore[attr-defined]
    positions = result.positions  # type: ignore[attr-defined]
    assert len(positions) == 4 and all(p.quantity.raw == 0 for p in positions)  # all closed, none added
    trips = sorted(result.round_trips, key=lambda t: t.entry_ts)  # type: ignore[attr-defined]
    # Before: the fills were netted per strategy and instrument (2 trips, prices mixed across
    # positions), and close_position's net order opened a fifth position instead of closing four.
    assert [(t.side, t.quantity) for t in trips] == [("LONG", 10.0), ("SHORT", 25.0), ("LONG", 5.0), ("LONG", 10.0)]
    first = trips[0]
    fills = result.fills  # type: ignore[attr-defined]
    entry = fills[0].last_px.as_decimal()
    exits = [f for f in fills if f.order_side is SELL and f.last_qty.raw in (4 * 10**9, 6 * 10**9)]
    assert [f.last_qty.raw // 10**9 for f in exits] == [4, 6]  # the named sell of 4, then the rest by close_position
    exit_value = sum((f.last_qty.as_decimal() * f.last_px.as_decimal() for f in exits), Decimal(0))
    assert first.entry_price == float(entry)
    assert first.pnl == pytest.approx(float(exit_value - 10 * entry))
    assert strategy.first is not None


def test_hedge_positions_still_open_are_not_round_trips() -> None:
    """Before: BUY 10, SELL 25, BUY 5, BUY 10 in four hedge positions, all open, gave 2 round trips."""
    _, result = _run(bars_count=4)
    assert len(result.positions) == 4 and all(p.quantity.raw for p in result.positions)  # type: ignore[attr-defined]
    assert result.round_trips == []  # type: ignore[attr-defined]


class RoutedWithPosition(Strategy):
    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str("DEMO.SIM-1-MINUTE-LAST"))

    def on_bar(self, bar: Bar) -> None:
        order = self.orders.market(DEMO, BUY, Quantity.of(1))
        self.submit(order, route=RoutingInstruction(), position_id=PositionId("DEMO.SIM-X"))


def test_a_position_id_cannot_go_with_a_route() -> None:
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    result = run_backtest(
        BacktestConfig(venues=[venue], instruments=[equity()], data=[bars(3)], strategies=[RoutedWithPosition()])
    )
    (error,) = result.strategy_errors
    assert "position_id" in str(error.error) and "cannot go with a route" in str(error.error)
    assert not result.orders
