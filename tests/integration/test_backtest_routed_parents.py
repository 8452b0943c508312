"""A routed backtest reports its parent orders (what the strategy sent) beside their children."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from backtest_support import equity
from test_routing_backtest import VENUES, venue_setups

from nautilus_platform.backtest.report import write_backtest_report
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderSide, TimeInForce
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.backtest import BacktestConfig, run_backtest
from nautilus_platform.strategy.base import Strategy

ROUTE = RoutingInstruction(policy=RoutingPolicy.LOWEST_COST)
FORMATS = ("parquet", "csv", "json")


class Parents(Strategy):
    """Routes (``routed``) or sends to ALPHA: a market buy that fills, a reduce-only sell (denied when
    routed), a limit buy far below the market that it cancels, a market sell, then a bracket to ALPHA."""

    def on_start(self) -> None:
        self.count = 0
        self.resting: Order | None = None
        self.sent: list[Order] = []
        self.subscribe_quotes("DEMO.ALPHA")

    def _send(self, order: Order, routed: bool = True) -> None:
        self.sent.append(order)
        self.submit(order, route=ROUTE if routed and self.routed else None)

    def on_quote(self, quote: QuoteTick) -> None:
        self.count += 1
        iid, n = quote.instrument_id, self.count
        if n == 10:
            self._send(self.orders.market(iid, OrderSide.BUY, Quantity.of(100)))
        elif n == 20:
            self._send(self.orders.market(iid, OrderSide.SELL, Quantity.of(10), reduce_only=True))
        elif n == 30:
            low = Price.of(str((quote.bid_price.as_decimal() / 2).quantize(Decimal("0.01"))))
            self.resting = self.orders.limit(iid, OrderSide.BUY, Quantity.of(40), low, time_in_force=TimeInForce.GTC)
            self._send(self.resting)
        elif n == 60 and self.resting is not None:
            self.cancel(self.resting)
        elif n == 80:
            self._send(self.orders.market(iid, OrderSide.SELL, Quantity.of(100)))
        elif n == 100:
            bid = quote.bid_price.as_decimal()
            bracket = self.orders.bracket(
                iid, OrderSide.BUY, Quantity.of(5), take_profit=Price.of(str(bid + 50)),
                stop_loss=Price.of(str(bid - 50)),
            )  # fmt: skip
            self.submit_list(bracket)

    routed = True


def config(strategy: Strategy, routed: bool) -> BacktestConfig:
    instruments = [equity(f"DEMO.{v}") for v in VENUES]
    return BacktestConfig(
        venues=venue_setups(), instruments=instruments, data=simulate_quotes(instruments, 300, seed=11),
        strategies=[strategy], routing=RouterConfig(keep_parents=1) if routed else None,
    )  # fmt: skip


def run(routed: bool) -> tuple[BacktestResult, Parents]:
    strategy = Parents("p")
    strategy.routed = routed
    return run_backtest(config(strategy, routed)), strategy


def read(folder: Path, name: str) -> dict[str, list[dict[str, object]]]:
    """A table as rows from each format (CSV cells as text)."""
    header = (folder / f"{name}.csv").read_text().splitlines()[0].replace('"', "").split(",")
    as_text = pacsv.ConvertOptions(column_types=dict.fromkeys(header, "string"), strings_can_be_null=False)
    csv = pacsv.read_csv(folder / f"{name}.csv", convert_options=as_text).to_pylist()
    return {
        "parquet": pq.read_table(folder / f"{name}.parquet").to_pylist(),
        "csv": csv,
        "json": json.loads((folder / f"{name}.json").read_text()),
    }


def test_a_routed_backtest_exports_its_parents_and_names_each_childs_parent(tmp_path: Path) -> None:
    result, strategy = run(routed=True)
    assert not result.strategy_errors
    buy, denied, resting, sell = (str(o.client_order_id) for o in strategy.sent)
    # keep_parents=1: the router forgot most parents long before the end, the results did not
    parents = {p.client_order_id: p for p in result.parent_orders}
    assert list(parents) == [buy, denied, resting, sell]
    assert parents[buy].status == "FILLED" and parents[buy].filled_qty == "100" and parents[buy].avg_px
    assert parents[buy].order_type == "MARKET" and parents[buy].reason == ""
    assert parents[denied].status == "DENIED"
    assert parents[denied].reason.startswith("INVALID_ORDER: ") and "reduce-only" in parents[denied].reason
    assert parents[resting].status == "CANCELED" and parents[resting].reason == "cancelled"
    assert parents[resting].filled_qty == "0" and parents[resting].price
    assert parents[sell].status == "FILLED" and parents[sell].side == "SELL"
    # the buy's average price is its children's fills'
    buy_fills = [f for f in result.fills if str(f.client_order_id).startswith(f"{buy}-")]
    notional = sum(f.last_qty.as_decimal() * f.last_px.as_decimal() for f in buy_fills)
    assert Decimal(parents[buy].avg_px) == notional / 100
    # every child names its parent; the bracket's exits name their entry; nothing else names one
    children = [o for o in result.orders if o.parent_order_id in parents]
    assert {o.parent_order_id for o in children} == {buy, resting, sell}
    assert all(o.client_order_id.startswith(f"{o.parent_order_id}-") for o in children)
    entry = next(o for o in result.orders if o.order_type == "MARKET" and o.quantity == "5")
    exits = [o for o in result.orders if o.parent_order_id == entry.client_order_id]
    assert {o.order_type for o in exits} == {"LIMIT", "STOP_MARKET"}
    assert len(children) + 1 + len(exits) == len(result.orders) and entry.parent_order_id == ""
    counts = {p: sum(o.parent_order_id == p for o in children) for p in parents}

    assert result.summary()["parent_orders"] == 4
    paths = result.export(tmp_path)
    assert all(tmp_path / f"parent_orders.{fmt}" in paths for fmt in FORMATS)
    for fmt, rows in read(tmp_path, "parent_orders").items():
        assert [r["client_order_id"] for r in rows] == [buy, denied, resting, sell], fmt
        assert [r["status"] for r in rows] == ["FILLED", "DENIED", "CANCELED", "FILLED"], fmt
        assert [r["reason"] for r in rows] == [parents[c].reason for c in (buy, denied, resting, sell)], fmt
        assert [r["filled_qty"] for r in rows] == ["100", "0", "0", "100"], fmt
        assert [int(str(r["children"])) for r in rows] == [counts[c] for c in (buy, denied, resting, sell)], fmt
        assert counts[buy] >= 2 and counts[denied] == 0 and counts[resting] >= 1
    for fmt, rows in read(tmp_path, "orders").items():
        named = {str(r["client_order_id"]): r["parent_order_id"] for r in rows}
        assert named == {o.client_order_id: o.parent_order_id for o in result.orders}, fmt
    assert json.loads((tmp_path / "summary.json").read_text())["parent_orders"] == 4
    assert pq.read_table(tmp_path / "parent_orders.parquet").column_names[-3:] == [
        "reason",
        "parent_order_id",
        "children",
    ]
    report = write_backtest_report(result, [], tmp_path / "r.html", "routed").read_text()
    assert "Routed parent orders (4)" in report and denied in report and "reduce-only" in report

    # a run without routing into the same folder: no parents, the stale files go
    plain, _ = run(routed=False)
    assert not plain.parent_orders and "parent_orders" not in plain.summary()
    paths = plain.export(tmp_path)
    assert not any(p.name.startswith("parent_orders") for p in paths)
    assert not list(tmp_path.glob("parent_orders.*")) and not list(tmp_path.glob("execution_quality.*"))
    assert "parent_orders" not in json.loads((tmp_path / "summary.json").read_text())
    orders = read(tmp_path, "orders")
    entry = next(o for o in plain.orders if o.order_type == "MARKET" and o.quantity == "5")
    for fmt, rows in orders.items():
        named = {str(r["client_order_id"]): r["parent_order_id"] for r in rows}
        assert len(named) == len(plain.orders) >= 6, fmt
        exits = {c for c, p in named.items() if p}
        assert exits and all(named[c] == entry.client_order_id for c in exits), fmt  # only the bracket's exits
    report = write_backtest_report(plain, [], tmp_path / "plain.html", "plain").read_text()
    assert "Routed parent orders" not in report


def test_a_run_without_routing_keeps_the_parent_order_id_column_when_it_has_no_orders(tmp_path: Path) -> None:
    result, _ = run(routed=False)
    result.orders = []
    result.export(tmp_path, formats=("parquet", "csv"))
    assert pq.read_table(tmp_path / "orders.parquet").column_names[-2:] == ["reason", "parent_order_id"]
    assert (tmp_path / "orders.csv").read_text().splitlines()[0].split(",")[-1].strip('"') == "parent_order_id"
    assert not (tmp_path / "parent_orders.parquet").exists()
