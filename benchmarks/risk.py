"""Pre-trade risk throughput: ``RiskEngine.check_submit`` with every check enabled (JSON lines out).

The engine reads the real trading core (``CoreRiskState`` over the cache and the portfolio) of
a node holding a position, a resting order and a margin account; every limit is configured:
instrument, precisions and increments, min/max quantity, max notional, price collar (bps and
band), position limit, gross and net exposure, open orders and open notional, submit rate,
duplicate ids, reduce-only, margin, daily loss and drawdown breakers.
``python benchmarks/risk.py [N]`` (default 200,000 orders, best of 5 passes).
"""

from __future__ import annotations

import gc
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, scale_from_argv
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.trading.risk import PriceSource, RateLimit, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

NAME = "risk"
B = 1_000_000_000


def build(n: int) -> tuple[TradingNode, list[Order]]:
    limits = RiskLimits(
        check_instrument=True, check_duplicate_ids=True, check_reduce_only=True, check_balance=True,
        min_quantity=Quantity.of(1), max_quantity=Quantity.of(100_000), max_notional=Money.of(10**7, USD),
        collar_bps=500, collar_band=Price.of(10), reference_source=PriceSource.MID,
        max_position=Quantity.of(10**7), max_gross_exposure=Money.of(10**10, USD),
        max_net_exposure=Money.of(10**10, USD), max_open_orders=10**5, max_open_notional=Money.of(10**10, USD),
        submit_rate=RateLimit(limit=1_000_000, interval_ns=B), max_daily_loss=Money.of(10**6, USD),
        max_drawdown_bps=1_000,
    )  # fmt: skip
    node = TradingNode(SimulatedClock(1_700_000_000 * B), risk_config=RiskConfig(defaults=limits))
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**8, USD)])
    iid = InstrumentId("AAPL.SIM")
    node.add_instrument(
        Equity(
            id=iid, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD, min_quantity=Quantity.of(1), max_quantity=Quantity.of(1_000_000),
            taker_fee=Decimal("0.0005"), margin_init=Decimal("0.2"),
        )
    )  # fmt: skip
    size = Quantity.of(10**6)
    node.process(QuoteTick.of(iid, Price.of("100.00"), Price.of("100.02"), size, size, node.clock.timestamp_ns() + 1))
    factory = node.order_factory("BENCH")
    for order in (
        factory.market(iid, OrderSide.BUY, Quantity.of(50)),
        factory.limit(iid, OrderSide.BUY, Quantity.of(10), Price.of("99.00")),
    ):
        node.execute(SubmitOrder(ts_init=0, strategy_id=factory.strategy_id, order=order))
    orders = [
        factory.limit(iid, OrderSide.BUY if i % 2 else OrderSide.SELL, Quantity.of(10), Price.of("100.05"))
        for i in range(n)
    ]
    return node, orders


def run(n: int) -> None:
    node, orders = build(n)
    clock = node.clock
    assert isinstance(clock, SimulatedClock)
    check = node.risk.check_submit
    denials = [check(order) for order in orders[:1000]]
    assert all(d is None for d in denials), next(d for d in denials if d is not None)
    gc.collect()
    gc.freeze()
    tune_gc()
    best = float("inf")
    for _ in range(5):
        clock.advance_time(clock.timestamp_ns() + 2 * B)  # a fresh throttle window per pass
        start = time.perf_counter_ns()
        for order in orders:
            check(order)
        best = min(best, (time.perf_counter_ns() - start) / n)
    emit(NAME, "checks_per_s", round(1e9 / best), "checks/s")
    emit(NAME, "check_us", round(best / 1000, 3), "us")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    run(scale_from_argv(200_000))
