"""The ``bars`` peer workload: a 10/30 SMA crossover over 1,000,000 one-minute bars (JSON lines out).

One instrument, a seeded random walk with 2-decimal prices (``data.simulator.simulate_bars``),
the shipped ``MovingAverageCross`` (buy 100 when fast > slow + 1e-6 and flat, sell 100 when
fast < slow - 1e-6 and long), market orders filled at the signal bar's close, no fees, through
the whole backtest engine and trading core. ``python benchmarks/bars.py [N]`` (default 1,000,000)
runs it twice, each in its own process so peak memory is its own: as a backtest runs by default,
numbering its commands and events without keeping them (``NullJournal``; metrics as named), and
keeping them in a ``CompactJournal`` (metrics suffixed ``_compact_journal``, the default before
2026-12-07 12:00). ``--journal none|compact`` runs one of them.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, peak_rss_mb, scale_from_argv
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.trading.journal import CompactJournal, Journal
from nautilus_platform.venues.simulated import SimulatedVenueConfig

NAME = "bars"


def workload(n: int, journal: Journal | None = None) -> BacktestConfig:
    """The ``bars`` backtest on ``n`` bars (``journal``: the backtest's default when ``None``)."""
    instrument = Equity(
        id=InstrumentId("BENCH.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    data = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), n, seed=42, volatility=0.0005)
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**9, USD)])
    strategy = MovingAverageCross(fast=10, slow=30, quantity=Decimal(100), threshold=1e-6)
    return BacktestConfig(venues=[venue], instruments=[instrument], data=[data], strategies=[strategy], journal=journal)


def main(n: int, journal_kind: str) -> None:
    journal = CompactJournal() if journal_kind == "compact" else None
    suffix = "_compact_journal" if journal_kind == "compact" else ""
    config = workload(n, journal)
    gc.collect()
    gc.freeze()
    tune_gc()
    started = time.perf_counter()
    result = run_backtest(config)
    total = time.perf_counter() - started  # build, replay, results (round trips, statistics, order summaries)
    if journal is not None:
        journal.close()
    fills = len(result.fills)
    final_equity = Decimal(repr(float(result.equity.equity[-1])))
    emit(NAME, f"bars_per_s{suffix}", round(result.items / result.wall_seconds), "bars/s")
    if not suffix:
        emit(NAME, "bars", result.items, "bars")
        emit(NAME, "fills", fills, "fills")
        emit(NAME, "round_trips", len(result.round_trips), "trips")
        emit(NAME, "pnl", float(final_equity - Decimal(10**9)), "USD")
    emit(NAME, f"wall_s{suffix}", round(result.wall_seconds, 3), "s")
    emit(NAME, f"total_s{suffix}", round(total, 3), "s")
    emit(NAME, f"bars_per_s_total{suffix}", round(result.items / total), "bars/s")
    emit(NAME, f"peak_rss_mb{suffix}", peak_rss_mb(), "MiB")
    if not suffix:
        emit(NAME, "cores", cores(), "cores")
        emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    if "--journal" in sys.argv:
        kind = sys.argv[sys.argv.index("--journal") + 1]
        if kind not in ("none", "compact"):
            raise SystemExit(f"--journal must be none or compact, not {kind!r}")
        positional = [a for a in sys.argv[1:] if a.isdigit()]
        main(int(positional[0]) if positional else 1_000_000, kind)
    else:
        n = scale_from_argv(1_000_000)
        for kind in ("none", "compact"):
            subprocess.run([sys.executable, __file__, str(n), "--journal", kind], check=True)
