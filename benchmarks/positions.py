"""Fill-driven position updates with mark-to-market (JSON lines out).

Each update is one ``Portfolio.on_fill`` (average cost, realised P&L, commission, account booking,
the position event and the account state) followed by a mark-to-market of the instrument
(``Portfolio.on_mark``: unrealised P&L, exposure, margin and equity high-water mark). Fills are a
seeded random walk of buys and sells of 1-100 lots across 10 instruments in one margin account.
``python benchmarks/positions.py [N]`` (default 500,000 updates).
"""

from __future__ import annotations

import gc
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, peak_rss_mb, scale_from_argv
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
    unchecked,
)
from nautilus_platform.model.enums import AccountType, LiquiditySide, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.trading.positions import ExchangeRates, Portfolio

NAME = "positions"
B = 1_000_000_000


def build(n: int) -> tuple[Portfolio, list[tuple[OrderFilled, Equity, int]]]:
    account = AccountId("SIM-001")
    portfolio = Portfolio(SimulatedClock(0), ExchangeRates({}))
    portfolio.add_account(account, AccountType.MARGIN, USD, [Money.of(10**9, USD)])
    instruments = [
        Equity(
            id=InstrumentId(f"SYM{i}.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
            lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.25"),
        )
        for i in range(10)
    ]  # fmt: skip
    rng = random.Random(42)
    prices = [100 * B] * len(instruments)
    strategy = StrategyId("BENCH")
    updates = []
    for k in range(n):
        i = rng.randrange(len(instruments))
        prices[i] += rng.choice((-1, 0, 1)) * B // 100
        qty = rng.randint(1, 100)
        price = Price(raw=prices[i], precision=2)
        fill = OrderFilled(
            ts_event=k, ts_init=k, strategy_id=strategy, instrument_id=instruments[i].id,
            client_order_id=unchecked(ClientOrderId, f"O-{k}"), venue_order_id=unchecked(VenueOrderId, f"V-{k}"),
            account_id=account, trade_id=unchecked(TradeId, f"T-{k}"),
            order_side=OrderSide.BUY if rng.random() < 0.5 else OrderSide.SELL, order_type=OrderType.MARKET,
            last_qty=Quantity(raw=qty * B, precision=0), last_px=price,
            commission=Money(raw=qty * B // 100, currency=USD), liquidity_side=LiquiditySide.TAKER,
        )  # fmt: skip
        updates.append((fill, instruments[i], prices[i] + B // 100))
    return portfolio, updates


def run(n: int) -> None:
    portfolio, updates = build(n)
    on_fill, on_mark = portfolio.on_fill, portfolio.on_mark
    gc.collect()
    gc.freeze()
    tune_gc()
    start = time.perf_counter_ns()
    for fill, instrument, mark in updates:
        on_fill(fill, instrument)
        on_mark(instrument.id, mark)
    elapsed = time.perf_counter_ns() - start
    account = next(iter(portfolio.accounts.values()))
    realized = sum(p.realized_raw for p in portfolio.closed_positions + portfolio.open_positions())
    fees = sum(fill.commission.raw for fill, _, _ in updates)
    assert account.balances[USD] - 10**9 * B == realized - fees, "reconciliation failed"
    emit(NAME, "updates_per_s", round(n / (elapsed / 1e9)), "updates/s")
    emit(NAME, "update_us", round(elapsed / n / 1000, 3), "us")
    emit(NAME, "updates", n, "updates")
    emit(NAME, "peak_rss_mb", peak_rss_mb(), "MiB")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    run(scale_from_argv(500_000))
