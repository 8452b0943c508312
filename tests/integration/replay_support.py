"""What a journal replay must give back: the node's orders, positions and accounts, field by field.

Shared by the replay tests (``test_journal_replay_audit``, ``trading/test_replay_nested``,
``test_replay_in_flight``)."""

from __future__ import annotations

from nautilus_platform.model.orders import Order
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.replay import ReplayResult

#: ``Order``'s fields: its ``__slots__``, or what mypyc lists of them when the core is compiled.
ORDER_FIELDS: tuple[str, ...] = getattr(Order, "__slots__", None) or Order.__mypyc_attrs__  # type: ignore[attr-defined]
#: How the object was built (checked by a validating order factory), not order state: not journaled.
NOT_STATE = frozenset({"validated"})


def order_state(order: Order) -> dict[str, object]:
    """Every field of ``order`` (its private ones too) that its events set."""
    return {name: getattr(order, name) for name in ORDER_FIELDS if name not in NOT_STATE}


def assert_same_state(node: TradingNode, replayed: ReplayResult, purged: bool = False) -> None:
    """Every order, position and account of ``node`` comes back identical from ``replayed``.

    ``purged``: the node dropped closed orders and positions (``housekeeping``), which the replay
    keeps: only those the node still holds are compared."""
    if not purged:
        assert set(replayed.orders) == set(node.cache.orders)
    for cid, order in node.cache.orders.items():
        assert order_state(replayed.orders[cid]) == order_state(order), cid
    live, rebuilt = node.portfolio, replayed.portfolio
    assert {i: n for i, n in live.net_positions.items() if n} == {i: n for i, n in rebuilt.net_positions.items() if n}
    for position_id, position in live.positions.items():
        twin = rebuilt.positions[position_id]
        assert (
            twin.signed_raw, twin.cost_exact, twin.realized_raw, twin.commissions, twin.strategy_id, twin.account_id,
        ) == (
            position.signed_raw, position.cost_exact, position.realized_raw, position.commissions,
            position.strategy_id, position.account_id,
        ), position_id  # fmt: skip
    if not purged:
        figures = [(p.id, p.signed_raw, p.cost_exact, p.realized_raw, p.commissions) for p in live.closed_positions]
        assert figures == [
            (p.id, p.signed_raw, p.cost_exact, p.realized_raw, p.commissions) for p in rebuilt.closed_positions
        ]
    assert set(rebuilt.accounts) == set(live.accounts)
    for account_id, account in live.accounts.items():
        twin_account = rebuilt.accounts[account_id]
        assert (
            twin_account.balances, twin_account.commissions, twin_account.realized_today_raw,
            twin_account.realized_total_raw,
        ) == (
            account.balances, account.commissions, account.realized_today_raw, account.realized_total_raw,
        ), account_id  # fmt: skip
