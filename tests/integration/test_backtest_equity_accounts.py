"""The equity curve of a backtest with several accounts: every account in the first one's base
currency counts; the others are named in the notes."""

from __future__ import annotations

from decimal import Decimal

from backtest_support import bars, equity

from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import SimulatedVenueConfig


def _two_venue_run(second_base: str = "USD") -> tuple[list[float], list[int], list[str]]:
    """A crossover trading on venue B only; venue A holds its cash untouched. Returns the curve, the
    accounts' final equities (raw) and the notes."""
    data = [bars(1_500, symbol="DEMO.A", seed=3), bars(1_500, symbol="DEMO.B", seed=5, volatility=0.003)]
    currency = USD if second_base == "USD" else EUR
    venues = [
        VenueSetup(SimulatedVenueConfig(venue_id="A"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)]),
        VenueSetup(SimulatedVenueConfig(venue_id="B"), AccountType.MARGIN, currency, [Money.of(250_000, currency)]),
    ]
    strategy = MovingAverageCross(bar_type="DEMO.B-1-MINUTE-LAST", fast=5, slow=20, quantity=Decimal(100))
    backtest = build_backtest(
        BacktestConfig(
            venues=venues, instruments=[equity("DEMO.A"), equity("DEMO.B")], data=data, strategies=[strategy]
        )
    )
    result = backtest.run()
    assert not result.strategy_errors
    assert result.fills or second_base != "USD"  # a EUR account has no USD rate: its orders are denied
    finals = [account.equity_raw for account in backtest.core.portfolio.accounts.values()]
    return [float(e) for e in result.equity.equity], finals, result.notes


def test_a_two_venue_run_sums_the_accounts_in_its_equity_curve() -> None:
    curve, (a_final, b_final), notes = _two_venue_run()
    scale = 10**9
    assert a_final == 1_000_000 * scale  # venue A never traded
    assert b_final != 250_000 * scale  # venue B did
    assert curve[0] == 1_250_000.0  # both accounts' cash before the first trade
    assert curve[-1] == (a_final + b_final) / scale  # used to be venue A's equity alone, flat at 1,000,000
    assert len(set(curve)) > 2
    assert "the equity curve and statistics sum the accounts A-001, B-001 (base currency USD)" in notes


def test_an_account_in_another_base_currency_is_left_out_and_named() -> None:
    curve, (a_final, _), notes = _two_venue_run(second_base="EUR")
    assert curve[0] == curve[-1] == a_final / 10**9 == 1_000_000.0
    assert "the equity curve and statistics leave out the accounts B-001 (base EUR): not in USD" in notes
