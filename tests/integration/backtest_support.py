"""Small backtests on simulated bars for the backtest tests."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

MINUTE = BarSpecification.from_str("1-MINUTE-LAST")


def equity(symbol: str = "DEMO.SIM", fee: str = "0") -> Equity:
    return Equity(
        id=InstrumentId(symbol), price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal(fee), maker_fee=Decimal(fee),
    )  # fmt: skip


def bars(n: int = 2_000, seed: int = 7, symbol: str = "DEMO.SIM", **kwargs: object) -> LoadedData:
    return simulate_bars(equity(symbol), MINUTE, n, seed=seed, **kwargs)  # type: ignore[arg-type]


def run(
    strategies: Sequence[Strategy],
    data: Sequence[LoadedData],
    *,
    bar_execution: str = "close",
    fee: str = "0",
    cash: int = 1_000_000,
    account: AccountType = AccountType.CASH,
) -> BacktestResult:
    instruments = {d.instrument.id: equity(str(d.instrument.id), fee) for d in data}
    venues = sorted({iid.venue for iid in instruments})
    setups = [
        VenueSetup(
            SimulatedVenueConfig(venue_id=str(v), fee_model=FeeModel(), bar_execution=bar_execution),  # type: ignore[arg-type]
            account, USD, [Money.of(cash, USD)],
        )
        for v in venues
    ]  # fmt: skip
    return run_backtest(
        BacktestConfig(venues=setups, instruments=list(instruments.values()), data=data, strategies=strategies)
    )
