"""An item a source delivers after a later one (a list of several instruments out of time order) is
refused as ``time_backwards``, as a row older than the one before it is; a bad equity interval is
refused up front."""

from __future__ import annotations

import pytest
from backtest_support import equity

from nautilus_platform.backtest.engine import Backtest
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.venues.simulated import SimulatedVenueConfig

SECOND = 10**9
AAA, BBB = InstrumentId("AAA.SIM"), InstrumentId("BBB.SIM")


class Recorder(Strategy):
    def on_start(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.subscribe_quotes(AAA)
        self.subscribe_quotes(BBB)

    def on_quote(self, quote: QuoteTick) -> None:
        self.seen.append((str(quote.instrument_id), quote.ts_event, self.clock.timestamp_ns()))


def quote(iid: InstrumentId, ts: int) -> QuoteTick:
    return QuoteTick.of(iid, Price.of("100.00"), Price.of("100.10"), Quantity.of(10), Quantity.of(10), ts)


def _config(data: list[QuoteTick], strategy: Strategy) -> BacktestConfig:
    setup = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(100_000, USD)])
    return BacktestConfig(
        venues=[setup], instruments=[equity("AAA.SIM"), equity("BBB.SIM")], data=[data], strategies=[strategy]
    )


def test_an_item_behind_the_run_is_refused_whatever_its_instrument() -> None:
    strategy = Recorder()
    t0 = 1_700_000_000 * SECOND
    data = [quote(AAA, t0), quote(AAA, t0 + 2 * SECOND), quote(BBB, t0 + SECOND), quote(BBB, t0 + 3 * SECOND)]
    result = build_backtest(_config(data, strategy)).run()
    # Before: BBB at t0+1 s reached the strategy with the clock at t0+2 s (a new stream passed the check).
    assert strategy.seen == [("AAA.SIM", t0, t0), ("AAA.SIM", t0 + 2 * SECOND, t0 + 2 * SECOND),
                             ("BBB.SIM", t0 + 3 * SECOND, t0 + 3 * SECOND)]  # fmt: skip
    assert result.data_rejected == {"time_backwards": 1}
    assert result.items == 4  # counted like every row, as on the columnar path


def test_an_equity_interval_must_be_a_positive_number_of_nanoseconds() -> None:
    backtest = build_backtest(_config([quote(AAA, SECOND)], Recorder()))
    for bad in (0, -5):
        with pytest.raises(ValidationError, match="equity_interval_ns"):
            Backtest(backtest.core, [], backtest.sources, equity_interval_ns=bad)
    # A float: ValidationError in Python; the compiled module's signature refuses it first (TypeError).
    with pytest.raises((ValidationError, TypeError)):
        Backtest(backtest.core, [], backtest.sources, equity_interval_ns=1.5)  # type: ignore[arg-type]
