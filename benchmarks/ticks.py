"""The ``ticks`` peer workload: 1,000,000 quote ticks through the backtest engine, a market order
every 1,000 ticks (JSON lines out).

One instrument, seeded simulated quotes (``data.simulator.simulate_quotes``) driving an L1 book;
a strategy subscribed to the quotes alternates a market buy and a market sell of 1 lot every
1,000th quote. Every quote goes through the market-data engine (checks, cache, marks, the
venue's book and matching) and the bus to the strategy. ``python benchmarks/ticks.py [N]``.

A second metric, ``engine_quotes_per_s``, is the streaming path alone: the same quotes, already
built as ``QuoteTick`` objects, through ``MarketDataEngine.process`` (checks, the core's cache,
marks and book, the bus) with no strategy subscribed — the issue's 1,000,000 quote ticks/s.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, peak_rss_mb, scale_from_argv
from nautilus_platform.backtest.engine import stream_of
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest, run_backtest
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.strategy import Strategy
from nautilus_platform.strategy.params import Param
from nautilus_platform.venues.simulated import SimulatedVenueConfig

NAME = "ticks"


class EveryNth(Strategy):
    """A market order every ``every`` quotes, alternating buy and sell."""

    instrument = Param(str, "BENCH.SIM")
    every = Param(int, 1_000, low=1)

    def on_start(self) -> None:
        self._iid = InstrumentId(self.instrument)
        self._qty = Quantity.of(1)
        self._count = 0
        self._buy = True
        self.subscribe_quotes(self._iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self._count += 1
        if self._count == self.every:
            self._count = 0
            self.submit(self.orders.market(self._iid, OrderSide.BUY if self._buy else OrderSide.SELL, self._qty))
            self._buy = not self._buy


def main(n: int) -> None:
    instrument = Equity(
        id=InstrumentId("BENCH.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    (quotes,) = simulate_quotes([instrument], n, seed=42)
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**9, USD)])
    config = BacktestConfig(venues=[venue], instruments=[instrument], data=[quotes], strategies=[EveryNth()])
    gc.collect()
    gc.freeze()
    tune_gc()
    started = time.perf_counter()
    result = run_backtest(config)
    total = time.perf_counter() - started  # build, replay and results
    emit(NAME, "ticks_per_s", round(result.items / result.wall_seconds), "ticks/s")
    emit(NAME, "ticks", result.items, "ticks")
    emit(NAME, "fills", len(result.fills), "fills")
    emit(NAME, "wall_s", round(result.wall_seconds, 3), "s")
    emit(NAME, "total_s", round(total, 3), "s")
    emit(NAME, "ticks_per_s_total", round(result.items / total), "ticks/s")
    emit(NAME, "peak_rss_mb", peak_rss_mb(), "MiB")  # of the backtest; the phase below holds 1M objects
    engine = build_backtest(
        BacktestConfig(venues=[venue], instruments=[instrument], data=[quotes], strategies=[])
    ).data_engine
    items = list(stream_of(quotes))
    process = engine.process
    started = time.perf_counter()
    for item in items:
        process(item)
    elapsed = time.perf_counter() - started
    del items
    if engine.processed != n or engine.rejected:
        raise SystemExit(f"the engine took {engine.processed} of {n} quotes, rejected {engine.rejected}")
    emit(NAME, "engine_quotes_per_s", round(n / elapsed), "quotes/s")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    main(scale_from_argv(1_000_000))
