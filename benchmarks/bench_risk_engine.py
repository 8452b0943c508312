"""Pre-trade risk throughput: ``RiskEngine.check_submit`` with every check enabled (JSON lines out)."""

from __future__ import annotations

import sys
import time
from decimal import Decimal

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.risk import (
    AccountSnapshot,
    InMemoryRiskState,
    PriceSource,
    RateLimit,
    RiskConfig,
    RiskEngine,
    RiskLimits,
)

sys.path.insert(0, "benchmarks")
from _common import emit

N = 200_000
B = 1_000_000_000


def build() -> tuple[RiskEngine, list, SimulatedClock]:
    clock = SimulatedClock(1_000 * B)
    iid = InstrumentId("AAPL.XNAS")
    aid = AccountId("SIM-001")
    state = InMemoryRiskState()
    state.add_instrument(
        Equity(
            id=iid, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD, min_quantity=Quantity.of(1), max_quantity=Quantity.of(1_000_000),
            taker_fee=Decimal("0.0005"),
        )
    )  # fmt: skip
    state.default_account_id = aid
    state.accounts[aid] = AccountSnapshot(
        AccountType.MARGIN, USD, free={"USD": 10**9 * B}, equity_raw=10**9 * B, peak_equity_raw=10**9 * B,
    )  # fmt: skip
    for source in PriceSource:
        state.set_price(iid, source, 100 * B)
    state.set_position(iid, 50 * B)
    limits = RiskLimits(
        check_instrument=True, check_duplicate_ids=True, check_reduce_only=True, check_balance=True,
        min_quantity=Quantity.of(1), max_quantity=Quantity.of(100_000), max_notional=Money.of(10**7, USD),
        collar_bps=500, collar_band=Price.of(10), reference_source=PriceSource.MID,
        max_position=Quantity.of(10**9), max_gross_exposure=Money.of(10**10, USD),
        max_net_exposure=Money.of(10**10, USD), max_open_orders=10**6, max_open_notional=Money.of(10**10, USD),
        submit_rate=RateLimit(limit=N, interval_ns=B), max_daily_loss=Money.of(10**6, USD),
        max_drawdown_bps=1_000,
    )  # fmt: skip
    engine = RiskEngine(RiskConfig(defaults=limits, accounts={aid: limits}), state, clock)
    factory = OrderFactory(StrategyId("S-1"), clock)
    orders = [
        factory.limit(iid, OrderSide.BUY if i % 2 else OrderSide.SELL, Quantity.of(10), Price.of("100.05"))
        for i in range(N)
    ]
    return engine, orders, clock


def main() -> None:
    engine, orders, clock = build()
    check = engine.check_submit
    for order in orders[:1000]:
        assert check(order) is None, check(order)
    best = float("inf")
    for _ in range(5):
        clock.advance_time(clock.timestamp_ns() + 2 * B)  # a fresh throttle window per pass
        start = time.perf_counter_ns()
        for order in orders:
            check(order)
        best = min(best, (time.perf_counter_ns() - start) / len(orders))
    assert not engine.denials, engine.denials
    emit("risk_engine", "check_submit_all_checks", round(best / 1000, 3), "us/check")
    emit("risk_engine", "check_submit_rate", round(1e9 / best), "checks/s")


if __name__ == "__main__":
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        engine, orders, _ = build()
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [engine.check_submit(o) for o in orders])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    else:
        main()
