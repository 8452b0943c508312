"""What a sweep sends to worker processes pickles, compiled with mypyc or not (mypyc's frozen
dataclasses refuse the default dataclass unpickling, so the venue settings reduce by constructor)."""

from __future__ import annotations

import pickle
from decimal import Decimal

from nautilus_platform.backtest.sweep.tasks import SweepJob
from nautilus_platform.model.enums import AccountType, TriggerType
from nautilus_platform.model.values import USD, Money
from nautilus_platform.service.backtest import VenueSetup
from nautilus_platform.service.sweep import BacktestRecipe, run_recipe
from nautilus_platform.venues.simulated import FeeModel, LatencyModel, SimulatedVenueConfig


def test_venue_settings_survive_a_pickle_round_trip() -> None:
    fees = FeeModel(
        maker_bps=Decimal("-0.5"), taker_bps=Decimal(4), fixed_per_order=Decimal(1), per_contract=Decimal("0.01")
    )
    config = SimulatedVenueConfig(
        venue_id="XNAS", account_id="XNAS-007", book_type="L2", default_trigger_type=TriggerType.LAST, fee_model=fees,
        latency_model=LatencyModel(5_000_000), bar_execution="next_open", fill_at_touch=True, day_end_offset_ns=3_600,
    )  # fmt: skip
    copy = pickle.loads(pickle.dumps(config))
    assert copy.fee_model == fees
    for name in ("venue_id", "account_id", "book_type", "default_trigger_type", "bar_execution", "fill_at_touch",
                 "day_end_offset_ns"):  # fmt: skip
        assert getattr(copy, name) == getattr(config, name)
    latency = ("insert_latency_ns", "modify_latency_ns", "cancel_latency_ns")
    assert [getattr(copy.latency_model, n) for n in latency] == [getattr(config.latency_model, n) for n in latency]


def test_a_sweep_job_pickles() -> None:
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1000, USD)])
    job = SweepJob(run_recipe, BacktestRecipe("ma-cross", (venue,), ()))
    copy = pickle.loads(pickle.dumps(job))
    assert copy.runner is run_recipe and copy.payload.strategy == "ma-cross"
    assert copy.payload.venues[0].config.venue_id == "SIM"
