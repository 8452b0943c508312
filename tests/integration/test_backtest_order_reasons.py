"""The results say why an order closed without filling in full: a risk denial, a venue rejection,
a cancel's reason; the exports carry it as the orders table's ``reason`` column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from backtest_support import bars, run

from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy.base import Strategy


class Script(Strategy):
    """Bar 1: a buy far beyond the cash (denied); bar 2: a limit far below the market, cancelled on
    bar 3; bar 4: a post-only buy through the market (rejected by the venue)."""

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str("DEMO.SIM-1-MINUTE-LAST"))
        self.n = 0

    def on_bar(self, bar: Bar) -> None:
        self.n += 1
        iid = bar.instrument_id
        if self.n == 1:
            self.submit(self.orders.market(iid, OrderSide.BUY, Quantity.of(1_000_000)))
        elif self.n == 2:
            self.resting = self.orders.limit(iid, OrderSide.BUY, Quantity.of(1), Price.of("1.00"))
            self.submit(self.resting)
        elif self.n == 3:
            self.cancel(self.resting)
        elif self.n == 4:  # post-only through the market: the venue rejects it
            self.submit(self.orders.limit(iid, OrderSide.BUY, Quantity.of(1), Price.of("500.00"), post_only=True))


def test_order_summaries_carry_why_an_order_closed(tmp_path: Path) -> None:
    result = run([Script()], [bars(5)], cash=10_000, account=AccountType.CASH)
    denied, resting, rejected = result.orders
    # Before: the summaries said DENIED, CANCELED and REJECTED, never why.
    assert denied.status == "DENIED"
    assert denied.reason.startswith("INSUFFICIENT_BALANCE: buy cost 99960000.00 USD"), denied.reason
    assert resting.status == "CANCELED" and resting.reason == ""  # the strategy's own cancel has no reason
    assert rejected.status == "REJECTED" and "post" in rejected.reason.lower(), rejected.reason
    result.export(tmp_path, ["parquet"])
    table = pq.read_table(tmp_path / "orders.parquet")
    assert table.column("reason").to_pylist() == [denied.reason, "", rejected.reason]
    assert Decimal(denied.quantity) == 1_000_000
