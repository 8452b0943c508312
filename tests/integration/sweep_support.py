"""A small sweep setup on simulated bars, and strategies that fail on purpose (loaded by file path,
so spawned and Ray workers import them too)."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import Bar, BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import VenueSetup
from nautilus_platform.service.sweep import BacktestRecipe, SweepSettings
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.strategy.params import Param
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

HERE = Path(__file__).resolve()
FAILING = f"{HERE}:Failing"


class Failing(MovingAverageCross):
    """The crossover, which raises after ``raise_at`` bars (0: never) or kills its process at ``crash_at``."""

    raise_at = Param(int, 0, low=0, help="Raise on this bar (0: never).")
    crash_at = Param(int, 0, low=0, help="Exit the process on this bar (0: never).")
    sleep_s = Param(float, 0.0, low=0.0, help="Sleep this long on the first bar (a slow run).")

    def on_start(self) -> None:
        super().on_start()
        self._seen = 0

    def on_bar(self, bar: Bar) -> None:
        self._seen += 1
        if self._seen == 1 and self.sleep_s:
            time.sleep(self.sleep_s)
        if self.raise_at and self._seen == self.raise_at:
            raise RuntimeError(f"bad bar {self._seen}")
        if self.crash_at and self._seen == self.crash_at:
            os._exit(3)
        super().on_bar(bar)


def instrument() -> Equity:
    return Equity(
        id=InstrumentId("SWEEP.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip


def bars(n: int = 3_000, seed: int = 11) -> LoadedData:
    return simulate_bars(instrument(), BarSpecification.from_str("1-MINUTE-LAST"), n, seed=seed, volatility=0.001)


def recipe(strategy: str = "ma-cross") -> BacktestRecipe:
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", fee_model=FeeModel(taker_bps=Decimal(2))),
        AccountType.MARGIN, USD, [Money.of(1_000_000, USD)],
    )  # fmt: skip
    return BacktestRecipe(strategy, (venue,), (instrument(),))


def settings(data: LoadedData, **overrides: Any) -> SweepSettings:
    base: dict[str, Any] = {"grid": ["fast=4:12:4", "slow=20,30"], "executor": "inline", "workers": 2}
    base.update(overrides)
    strategy = base.pop("strategy", "ma-cross")
    return SweepSettings(recipe(strategy), [data], **base)
