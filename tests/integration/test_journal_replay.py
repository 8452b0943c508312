"""Replaying the journal of a session rebuilds identical orders, positions and balances."""

from __future__ import annotations

import pytest

from nautilus_platform.model.events import OrderFilled
from nautilus_platform.service.demo import DemoConfig, run_demo
from nautilus_platform.trading.replay import ReplayMismatch, replay_journal


def test_replay_rebuilds_orders_positions_and_balances() -> None:
    node = run_demo(DemoConfig(seed=11, steps=400)).node
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates)
    assert replayed.entries == len(node.journal)
    assert set(replayed.orders) == set(node.cache.orders)
    for cid, order in node.cache.orders.items():
        twin = replayed.orders[cid]
        assert (twin.status, twin.filled_raw, twin.avg_px, twin.quantity, twin.price, twin.events) == (
            order.status, order.filled_raw, order.avg_px, order.quantity, order.price, order.events,
        )  # fmt: skip
    live, rebuilt = node.portfolio, replayed.portfolio
    assert live.net_positions == rebuilt.net_positions
    assert [(p.id, p.signed_raw, p.cost_exact, p.realized_raw, p.commissions) for p in live.closed_positions] == [
        (p.id, p.signed_raw, p.cost_exact, p.realized_raw, p.commissions) for p in rebuilt.closed_positions
    ]
    for account_id, account in live.accounts.items():
        assert rebuilt.accounts[account_id].balances == account.balances


def test_a_tampered_journal_is_detected() -> None:
    node = run_demo(DemoConfig(seed=11, steps=400)).node
    entries = list(node.journal.entries())
    index = next(i for i, (_, e) in enumerate(entries) if isinstance(e, OrderFilled))
    seq, fill = entries[index]
    entries[index] = (seq, OrderFilled(**{**{f: getattr(fill, f) for f in fill.__struct_fields__},
                                          "last_px": type(fill.last_px)(raw=fill.last_px.raw + 10**7, precision=2)}))  # fmt: skip
    with pytest.raises(ReplayMismatch):
        replay_journal(entries, node.cache.instruments, node.rates)
