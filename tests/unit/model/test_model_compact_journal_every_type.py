"""Every event and command type through a ``CompactJournal`` (its tags, the ``OrderInitialized``
written as a reference to its ``SubmitOrder``, a routed command, an amount beyond 64 bits) at
every block boundary, back to equal messages."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from model_support import AAPL, STRATEGY, every_command, every_event, factory, filled, fingerprint, qty

from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.journal import CompactJournal


def _messages() -> list[Any]:
    messages: list[Any] = []
    for command in every_command():
        messages.append(command)
        if isinstance(command, SubmitOrder):
            messages.append(command.order.init)  # as the engine journals it: a reference
    routed = SubmitOrder(
        strategy_id=STRATEGY, ts_init=1_002, order=factory().market(AAPL, OrderSide.BUY, qty(3)),
        route=RoutingInstruction.of("preference", prefer=["B", "A"], exclude=["C"], max_retries=2),
    )  # fmt: skip
    huge = msgspec.structs.replace(filled("100"), commission=Money(raw=10**21, currency=USD))
    messages += [routed, routed.order.init, *every_event(), huge, routed, huge, routed.order.init]
    return messages


@pytest.mark.parametrize("block_size", [1, 2, 3, 5, 4096])
def test_every_message_type_round_trips_through_a_compact_journal(block_size: int) -> None:
    """Documents (passes before the fixes too)."""
    messages = _messages()
    assert {type(m).__name__ for m in messages} >= {type(m).__name__ for m in [*every_command(), *every_event()]}
    journal = CompactJournal(block_size=block_size, background=block_size == 2)
    for message in messages:
        journal.append(message)
    back = [entry for _, entry in journal.entries()]
    assert [type(m) for m in back] == [type(m) for m in messages]
    assert [fingerprint(m) for m in back] == [fingerprint(m) for m in messages]
    journal.close()
