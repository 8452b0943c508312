"""Rebuild orders, positions and balances from a journal.

The journal holds every command and event in order. Replaying applies each order event to a
fresh ``Order`` (built from its ``OrderInitialized``), each fill to a fresh ``Portfolio``, and
opens accounts from their first ``AccountState``. Commands are skipped (their effects are the
events that follow them), and position and account events are re-derived, not copied, and
compared with the journaled ones: a mismatch means the journal and the code disagree.

Conversions between currencies use the ``ExchangeRates`` given; a journal whose P&L was
converted at market rates replays identically only with the same rates (the market data
replay of a backtest provides them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import NautilusError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId
from nautilus_platform.model.enums import DenyReason, OmsType
from nautilus_platform.model.events import (
    AccountState,
    Event,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    PositionEvent,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.trading.journal import Entry
from nautilus_platform.trading.positions import ExchangeRates, Portfolio


class ReplayMismatch(NautilusError):
    """A re-derived event differs from the journaled one."""


@dataclass
class ReplayResult:
    """What a journal rebuilds."""

    orders: dict[ClientOrderId, Order]
    portfolio: Portfolio
    entries: int = 0
    derived: list[Event] = field(default_factory=list)


def replay_journal(
    entries: Iterable[tuple[int, Entry]],
    instruments: Mapping[InstrumentId, Instrument],
    rates: ExchangeRates | None = None,
    oms_type: OmsType = OmsType.NETTING,
    verify: bool = True,
) -> ReplayResult:
    """Rebuild the state a journal describes; with ``verify``, check every derived event matches."""
    clock = SimulatedClock()
    portfolio = Portfolio(clock, rates or ExchangeRates({}), oms_type)
    result = ReplayResult({}, portfolio)
    expected: list[Event] = []
    orders = result.orders
    for seq, entry in entries:
        result.entries += 1
        if isinstance(entry, OrderInitialized):
            orders[entry.client_order_id] = Order(entry)
        elif isinstance(entry, OrderEvent):
            _apply_order_event(orders, entry, portfolio, instruments, result, expected, verify, seq)
        elif isinstance(entry, AccountState):
            if entry.account_id not in portfolio.accounts:
                if entry.base_currency is None:
                    raise ReplayMismatch(f"#{seq}: account {entry.account_id} has no base currency")
                portfolio.add_account(
                    entry.account_id, entry.account_type, entry.base_currency, [b.total for b in entry.balances]
                )
            elif verify:
                _check(expected, entry, seq)
        elif isinstance(entry, PositionEvent) and verify:
            _check(expected, entry, seq)
    if verify and expected:
        raise ReplayMismatch(f"derived events missing from the journal: {expected[:3]}")
    return result


def _apply_order_event(
    orders: dict[ClientOrderId, Order],
    event: OrderEvent,
    portfolio: Portfolio,
    instruments: Mapping[InstrumentId, Instrument],
    result: ReplayResult,
    expected: list[Event],
    verify: bool,
    seq: int,
) -> None:
    order = orders.get(event.client_order_id)
    kind = type(event)
    if kind is OrderDenied and event.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID:  # type: ignore[attr-defined]
        return  # the duplicate was never stored; the order of that id is untouched
    if order is None:
        if kind is OrderModifyRejected or kind is OrderCancelRejected:
            return  # a modify/cancel of an unknown order
        raise ReplayMismatch(f"#{seq}: {kind.__name__} for unknown order {event.client_order_id}")
    if order.is_closed and (kind is OrderModifyRejected or kind is OrderCancelRejected):
        return  # refused without touching the closed order
    order.apply(event)
    if kind is OrderFilled:
        fill: OrderFilled = event  # type: ignore[assignment]
        derived = portfolio.on_fill(fill, instruments[fill.instrument_id])
        result.derived.extend(derived)
        if verify:
            expected.extend(derived)


def _check(expected: list[Event], journaled: Event, seq: int) -> None:
    if not expected:
        raise ReplayMismatch(f"#{seq}: journaled {type(journaled).__name__} that replay did not derive")
    derived = expected.pop(0)
    if _fill_driven(derived) != _fill_driven(journaled):
        raise ReplayMismatch(f"#{seq}: journaled {journaled!r} but replay derived {derived!r}")


def _fill_driven(event: Event) -> tuple[object, ...]:
    """The part of a position or account event that fills alone determine (marks and locks are not)."""
    if isinstance(event, PositionEvent):
        return (
            type(event), event.position_id, event.side, event.signed_qty, event.avg_px_open, event.avg_px_close,
            event.realized_pnl, event.last_trade_id, event.ts_opened,
        )  # fmt: skip
    if isinstance(event, AccountState):
        return (type(event), event.account_id, tuple((b.currency, b.total) for b in event.balances))
    return (event,)
