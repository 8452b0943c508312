"""The demo runs end to end, deterministically, and its books reconcile."""

from __future__ import annotations

from typer.testing import CliRunner

from nautilus_platform.cli.main import app
from nautilus_platform.model.enums import DenyReason, OrderStatus
from nautilus_platform.model.values import USD, USDT
from nautilus_platform.service.demo import DemoConfig, run_demo


def test_demo_cli_prints_orders_fills_positions_and_account() -> None:
    result = CliRunner().invoke(app, ["paper-demo", "--steps", "400"])
    assert result.exit_code == 0, result.output
    for heading in ("Orders", "Fills", "Positions", "Accounts", "SYNTHETIC"):
        assert heading in result.output


def test_demo_is_deterministic_and_reconciles() -> None:
    first, second = run_demo(DemoConfig(seed=3, steps=400)), run_demo(DemoConfig(seed=3, steps=400))
    assert [f.trade_id for f in first.fills] == [f.trade_id for f in second.fills]
    assert [(f.last_px, f.last_qty) for f in first.fills] == [(f.last_px, f.last_qty) for f in second.fills]
    node = first.node
    assert not node.portfolio.open_positions()  # flattened at the end
    assert not node.cache.orders_open(held=True)
    assert [d.reason for d in first.denials] == [DenyReason.PRICE_COLLAR]
    assert node.execution.refused_events == []
    # Every position is flat, so each account's balance moved by exactly realised P&L minus fees.
    margin = node.portfolio.accounts[next(a for a in node.portfolio.accounts if a.startswith("XNAS"))]
    closed = [p for p in node.portfolio.closed_positions if p.account_id == margin.id]
    realized = sum(p.realized_raw for p in closed)
    fees = sum(p.commissions.get(USD, 0) for p in closed)
    assert margin.balances[USD] - margin.starting_balances[USD] == realized - fees
    cash = node.portfolio.accounts[next(a for a in node.portfolio.accounts if a.startswith("BINANCE"))]
    closed = [p for p in node.portfolio.closed_positions if p.account_id == cash.id]
    realized = sum(p.realized_raw for p in closed)
    fees = sum(p.commissions.get(USDT, 0) for p in closed)
    assert cash.balances[USDT] - cash.starting_balances[USDT] == realized - fees
    assert all(o.status is not OrderStatus.INITIALIZED for o in node.cache.orders.values())


def test_housekeeping_drops_closed_orders_but_keeps_the_journal() -> None:
    import gc

    node = run_demo(DemoConfig(seed=3, steps=400)).node
    closed = sum(1 for order in node.cache.orders.values() if order.is_closed)
    entries = len(node.journal)
    try:
        assert node.housekeeping() == closed
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert all(not order.is_closed for order in node.cache.orders.values())
    assert node.portfolio.closed_positions == [] and node.portfolio.purged_positions == 2
    assert len(node.journal) == entries
