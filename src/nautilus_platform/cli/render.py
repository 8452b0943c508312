"""Rich tables for the command line: orders, fills, positions and accounts of a session."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from nautilus_platform.model.values import Money, format_fixed
from nautilus_platform.service.demo import DemoResult
from nautilus_platform.service.node import TradingNode


def orders_table(node: TradingNode) -> Table:
    table = Table(title="Orders", title_justify="left")
    for column in ("client order id", "strategy", "instrument", "side", "type", "qty", "price", "filled", "avg px"):
        table.add_column(column)
    table.add_column("status")
    for order in node.cache.orders.values():
        price = order.price or order.trigger_price
        avg = order.avg_px
        table.add_row(
            order.client_order_id, order.strategy_id, order.instrument_id, order.side.name, order.order_type.name,
            str(order.quantity), str(price) if price is not None else "-", str(order.filled_qty),
            f"{avg:.4f}" if avg is not None else "-", order.status.name,
        )  # fmt: skip
    return table


def fills_table(result: DemoResult) -> Table:
    table = Table(title="Fills", title_justify="left")
    for column in ("trade id", "client order id", "side", "qty", "price", "liquidity", "commission"):
        table.add_column(column)
    for fill in result.fills:
        table.add_row(
            fill.trade_id, fill.client_order_id, fill.order_side.name, str(fill.last_qty), str(fill.last_px),
            fill.liquidity_side.name, str(fill.commission),
        )  # fmt: skip
    return table


def positions_table(node: TradingNode) -> Table:
    table = Table(title="Positions (open, then closed)", title_justify="left")
    for column in ("position id", "side", "qty", "avg open", "avg close", "realised", "unrealised", "commissions"):
        table.add_column(column)
    portfolio = node.portfolio
    for position in portfolio.open_positions() + portfolio.closed_positions:
        close = position.avg_px_close
        fees = ", ".join(str(position.commission(c)) for c in sorted(position.commissions, key=lambda c: c.code))
        table.add_row(
            position.id, position.side.name, str(position.quantity), f"{position.avg_px_open:.4f}",
            f"{close:.4f}" if close is not None else "-", str(position.realized_pnl),
            str(position.unrealized_pnl(portfolio.marks.get(position.instrument_id))), fees or "-",
        )  # fmt: skip
    return table


def accounts_table(node: TradingNode) -> Table:
    table = Table(title="Accounts", title_justify="left")
    for column in ("account", "type", "currency", "starting", "total", "locked", "free"):
        table.add_column(column)
    for account in node.portfolio.accounts.values():
        state = account.state(node.clock.timestamp_ns(), node.clock.timestamp_ns())
        for balance in state.balances:
            start = account.starting_balances.get(balance.currency, 0)
            table.add_row(
                account.id, account.account_type.name, balance.currency.code,
                format_fixed(start, balance.currency.precision), _amount(balance.total), _amount(balance.locked),
                _amount(balance.free),
            )  # fmt: skip
        base = account.base_currency
        unvalued = ", ".join(c.code for c in account.unvalued)
        note = f" (no rate for {unvalued}: counted 0)" if unvalued else ""
        table.add_row(
            account.id, "", f"equity ({base.code}){note}", "", format_fixed(account.equity_raw, base.precision), "", ""
        )
    return table


def _amount(money: Money) -> str:
    return format_fixed(money.raw, money.currency.precision)


def render_demo(result: DemoResult, console: Console) -> None:
    """Print the session log and the end-of-session tables."""
    node = result.node
    console.print(
        "[bold]Nautilus Platform demo[/bold]: scripted paper session on SYNTHETIC quotes (seeded random walk)"
    )
    for line in result.log:
        console.print(f"  {line}")
    console.print(orders_table(node))
    console.print(fills_table(result))
    console.print(positions_table(node))
    console.print(accounts_table(node))
    console.print(
        f"journal: {len(node.journal)} entries; orders {len(node.cache.orders)}, fills {len(result.fills)}, "
        f"denied {len(result.denials)}, refused venue events {len(node.execution.refused_events)}"
    )
