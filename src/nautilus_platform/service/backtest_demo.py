"""``make demo``: a backtest of the moving-average crossover on simulated minute bars, with a report.

The bars come from the seeded market simulator (``data.simulator``): SYNTHETIC, labelled as such in
the printed summary and in the report. Same seed, same bars, same trades.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from nautilus_platform.backtest.report import write_backtest_report
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import SYNTHETIC, simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

DEMO_INSTRUMENT = InstrumentId("DEMO.SIM")


@dataclass(frozen=True)
class BacktestDemoConfig:
    seed: int = 7
    bars: int = 20_000
    fast: int = 10
    slow: int = 30
    report: Path | None = Path("demo-report.html")


def run_backtest_demo(config: BacktestDemoConfig) -> BacktestResult:
    """Run the demo backtest and write its report (when ``config.report`` is set)."""
    instrument = Equity(
        id=DEMO_INSTRUMENT, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal("0.0001"), maker_fee=Decimal("0.0001"),
    )  # fmt: skip
    bars = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), config.bars, seed=config.seed)
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", fee_model=FeeModel()), AccountType.CASH, USD, [Money.of(1_000_000, USD)]
    )
    strategy = MovingAverageCross(fast=config.fast, slow=config.slow, quantity=Decimal(100))
    result = run_backtest(
        BacktestConfig(venues=[venue], instruments=[instrument], data=[bars], strategies=[strategy], notes=[SYNTHETIC])
    )
    if config.report is not None:
        write_backtest_report(
            result, [bars], config.report, f"Demo: MA cross {config.fast}/{config.slow} on simulated bars"
        )
    return result
