"""End-to-end order throughput and latency through the whole trading core (JSON lines out).

Each order goes submit -> risk -> route -> match -> fill or accept -> position and account update,
with journal and bus. Half are marketable (filled at once), half are resting limits that are then
cancelled. Every 5,000 orders ``TradingNode.housekeeping()`` purges closed orders from the cache
(the journal keeps them) and freezes the survivors out of the cyclic GC.

``python benchmarks/orders.py [N]`` (default 1,000,000 orders) runs the workload twice, each in
its own process so peak memory is its own: with the ``InMemoryJournal`` (metrics as named) and
with the ``CompactJournal`` (metrics suffixed ``_compact_journal``).
``--journal memory|compact`` runs one of them.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, peak_rss_mb, percentile, scale_from_argv
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import CancelOrder, SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.trading.journal import CompactJournal, InMemoryJournal, Journal
from nautilus_platform.trading.risk import RateLimit, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

NAME = "orders"
B = 1_000_000_000
HOUSEKEEPING_EVERY = 5_000  # purge closed orders (the journal keeps them) and freeze GC survivors


def build(journal: Journal | None = None) -> tuple[TradingNode, InstrumentId]:
    limits = RiskLimits(
        max_quantity=Quantity.of(10_000), max_notional=Money.of(10**7, USD), collar_bps=500,
        max_position=Quantity.of(10**6), max_gross_exposure=Money.of(10**9, USD),
        max_net_exposure=Money.of(10**9, USD), max_open_orders=10_000, max_open_notional=Money.of(10**9, USD),
        submit_rate=RateLimit(limit=2_000_000, interval_ns=B), max_daily_loss=Money.of(10**7, USD),
        max_drawdown_bps=5_000,
    )  # fmt: skip
    node = TradingNode(SimulatedClock(1_700_000_000 * B), risk_config=RiskConfig(defaults=limits), journal=journal)
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**8, USD)])
    iid = InstrumentId("AAPL.SIM")
    node.add_instrument(
        Equity(
            id=iid, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD, taker_fee=Decimal("0.0005"), maker_fee=Decimal("0.0001"), margin_init=Decimal("0.2"),
        )
    )  # fmt: skip
    return node, iid


def quote(iid: InstrumentId, ts: int) -> QuoteTick:
    size = Quantity.of(10**8)
    return QuoteTick.of(iid, Price.of("100.00"), Price.of("100.02"), size, size, ts)


def run(n: int, journal_kind: str) -> None:
    journal: Journal = CompactJournal() if journal_kind == "compact" else InMemoryJournal()
    suffix = "_compact_journal" if journal_kind == "compact" else ""
    node, iid = build(journal)
    clock = node.clock
    assert isinstance(clock, SimulatedClock)
    factory = node.order_factory("BENCH")
    sid = factory.strategy_id
    execute = node.execute
    node.process(quote(iid, clock.timestamp_ns() + 1))
    qty = Quantity.of(10)
    far = Price.of("99.00")
    buy, sell = OrderSide.BUY, OrderSide.SELL
    latencies = [0] * n
    perf = time.perf_counter_ns
    gc.collect()
    gc.freeze()  # long-lived setup objects are not rescanned by the cyclic collector
    tune_gc()
    start = perf()
    for i in range(n):
        if i % 2 == 0:
            order = factory.market(iid, buy if i % 4 == 0 else sell, qty)
            t0 = perf()
            execute(SubmitOrder(ts_init=0, strategy_id=sid, order=order))
            latencies[i] = perf() - t0
            if order.status is not OrderStatus.FILLED:
                raise SystemExit(f"market order {i} not filled: {order.status.name} {order.events[-1]}")
        else:
            order = factory.limit(iid, buy, qty, far)
            t0 = perf()
            execute(SubmitOrder(ts_init=0, strategy_id=sid, order=order))
            latencies[i] = perf() - t0
            execute(CancelOrder(ts_init=0, strategy_id=sid, instrument_id=iid, client_order_id=order.client_order_id))
            if order.status is not OrderStatus.CANCELED:
                raise SystemExit(f"limit order {i} not cancelled: {order.status.name} {order.events[-1]}")
        if i % 1_000 == 999:
            clock.advance_time(clock.timestamp_ns() + 1_000_000)  # simulated time: 1,000 orders per ms
        if i % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1:
            node.housekeeping()
    elapsed = perf() - start
    latencies.sort()
    emit(NAME, f"orders_per_s{suffix}", round(n / (elapsed / 1e9)), "orders/s")
    emit(NAME, f"latency_p50_us{suffix}", round(percentile(latencies, 0.50) / 1000, 2), "us")
    emit(NAME, f"latency_p99_us{suffix}", round(percentile(latencies, 0.99) / 1000, 2), "us")
    emit(NAME, f"latency_p999_us{suffix}", round(percentile(latencies, 0.999) / 1000, 2), "us")
    emit(NAME, f"orders{suffix}", n, "orders")
    emit(NAME, f"journal_entries{suffix}", len(node.journal), "entries")
    emit(NAME, f"peak_rss_mb{suffix}", peak_rss_mb(), "MiB")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(run, 20_000, "memory")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    elif "--journal" in sys.argv:
        kind = sys.argv[sys.argv.index("--journal") + 1]
        if kind not in ("memory", "compact"):
            raise SystemExit(f"--journal must be memory or compact, not {kind!r}")
        positional = [a for a in sys.argv[1:] if a.isdigit()]
        run(int(positional[0]) if positional else 1_000_000, kind)
    else:
        n = scale_from_argv(1_000_000)
        for kind in ("memory", "compact"):
            subprocess.run([sys.executable, __file__, str(n), "--journal", kind], check=True)
