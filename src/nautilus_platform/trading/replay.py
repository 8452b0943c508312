"""Rebuild orders, positions and balances from a journal.

The journal holds every command and event in order. Replaying applies each order event to a
fresh ``Order`` (built from its ``OrderInitialized``), each fill to a fresh ``Portfolio``, and
opens accounts from their first ``AccountState``. Commands change no state by themselves (their
effects are the events that follow them), except what a submit tells the portfolio: the
``position_id`` a ``SubmitOrder``/``SubmitOrderList`` names for its orders (the fills of an
order stored with it book into that position). Position and account events are re-derived, not
copied, and compared with the journaled ones: a mismatch means the journal and the code
disagree.

What the engine journals without applying it to a stored order is skipped as the engine did:
a refusal (``OrderModifyRejected``/``OrderCancelRejected``) of a closed order, or one answering
another strategy's command for the id; a denied duplicate; and the ``OrderDenied`` of a routed
parent order on a node without routing (a parent is never stored: its children are).

Settings that are not in the journal must be given as the node had them: the OMS type
(``oms_type``, and ``oms_overrides`` for strategies set with ``Portfolio.set_oms_type``) and
the trading day's start (``day_start_offset_ns``, for the accounts' daily realised P&L).
Conversions between currencies use the ``ExchangeRates`` given; a journal whose P&L was
converted at market rates replays identically only with the same rates at each fill (the
journal does not hold them: rates pinned with ``ExchangeRates.set_fixed`` do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import NautilusError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, PositionId, StrategyId
from nautilus_platform.model.commands import SubmitOrder, SubmitOrderList
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

DAY_NS = 86_400 * 1_000_000_000


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
    oms_overrides: Mapping[StrategyId, OmsType] | None = None,
    day_start_offset_ns: int | None = 0,
    now_ns: int | None = None,
) -> ReplayResult:
    """Rebuild the state a journal describes; with ``verify``, check every derived event matches.

    ``oms_type``/``oms_overrides`` and ``day_start_offset_ns`` are the node's (``None``: never
    start a new trading day). A new trading day starts when an event is stamped (``ts_init``, the
    node's clock) on a later day than the events before it, and at the end when ``now_ns`` (the
    node's clock, say) is on a later day still: the accounts' daily realised P&L is then the one
    of that day."""
    clock = SimulatedClock()
    hints: dict[ClientOrderId, PositionId] = {}  # the portfolio reads it: a submit's position_id
    portfolio = Portfolio(clock, rates or ExchangeRates({}), oms_type, hints)
    for strategy_id, strategy_oms in (oms_overrides or {}).items():
        portfolio.set_oms_type(strategy_id, strategy_oms)
    result = ReplayResult({}, portfolio)
    state = _State(day_start_offset_ns)
    expected: list[Event] = []
    orders = result.orders
    for seq, entry in entries:
        result.entries += 1
        submitted, routed = state.submitted, state.routed
        state.submitted = state.routed = None  # what a submit leaves concerns the entries right after it
        if state.day_offset is not None and isinstance(entry, Event) and type(entry) is not OrderInitialized:
            state.new_day(entry.ts_init, portfolio)  # an order's init is stamped by whoever built it
        if isinstance(entry, OrderInitialized):
            cid = entry.client_order_id
            if cid in orders:
                raise ReplayMismatch(f"#{seq}: a second OrderInitialized for {cid}")
            orders[cid] = Order(entry)
            if submitted is not None:
                state.submitted = submitted  # the next order of the same list may follow
                position_id = submitted.get(cid)
                if position_id is not None:
                    hints[cid] = position_id
        elif isinstance(entry, OrderEvent):
            if type(entry) is OrderDenied and entry.client_order_id == routed:
                continue  # a routed parent denied on a node without routing: never stored
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
        elif isinstance(entry, PositionEvent):
            if verify:
                _check(expected, entry, seq)
        elif isinstance(entry, SubmitOrder):
            order = entry.order
            state.routed = order.client_order_id if entry.route is not None else None
            state.submitted = {order.client_order_id: entry.position_id}
        elif isinstance(entry, SubmitOrderList):
            state.submitted = {order.client_order_id: entry.position_id for order in entry.orders}
    if verify and expected:
        raise ReplayMismatch(f"derived events missing from the journal: {expected[:3]}")
    if now_ns is not None and state.day_offset is not None:
        state.new_day(now_ns, portfolio)
    return result


class _State:
    """What the replay carries from one entry to the next besides orders and the portfolio."""

    __slots__ = ("day", "day_offset", "routed", "submitted")

    def __init__(self, day_offset: int | None) -> None:
        self.day_offset = day_offset
        self.day: int | None = None  # the latest trading day an event was stamped in
        self.routed: ClientOrderId | None = None  # the order of a routed SubmitOrder just journaled
        self.submitted: dict[ClientOrderId, PositionId | None] | None = None  # the orders of the last submit

    def new_day(self, ts_ns: int, portfolio: Portfolio) -> None:
        """Start a new trading day when ``ts_ns`` is on a later one (the node's day timer fires at
        each day's start, before anything is stamped from then on)."""
        assert self.day_offset is not None
        day = (ts_ns - self.day_offset) // DAY_NS
        if self.day is None or day > self.day:
            if self.day is not None:
                portfolio.start_day()
            self.day = day


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
    if kind is OrderModifyRejected or kind is OrderCancelRejected:
        if order is None or order.is_closed or event.strategy_id != order.strategy_id:
            # a modify/cancel of an unknown or closed order, or another strategy's command for
            # this id ("no order ... for <strategy>"): answered without touching the order
            return
    if order is None:
        raise ReplayMismatch(f"#{seq}: {kind.__name__} for unknown order {event.client_order_id}")
    try:
        order.apply(event)
    except NautilusError as exc:
        raise ReplayMismatch(f"#{seq}: {kind.__name__} does not apply to {event.client_order_id}: {exc}") from exc
    if kind is OrderFilled:
        fill: OrderFilled = event  # type: ignore[assignment]
        instrument = instruments.get(fill.instrument_id)
        if instrument is None:
            raise ReplayMismatch(f"#{seq}: fill {fill.trade_id} for {fill.instrument_id}, not among the instruments")
        derived = portfolio.on_fill(fill, instrument)
        result.derived.extend(derived)
        if verify:
            expected.extend(derived)


def _check(expected: list[Event], journaled: Event, seq: int) -> None:
    if not expected:
        raise ReplayMismatch(f"#{seq}: journaled {type(journaled).__name__} that replay did not derive")
    derived = expected.pop(0)
    if _fill_driven(derived) != _fill_driven(journaled):
        hint = ""
        if (
            isinstance(derived, PositionEvent)
            and isinstance(journaled, PositionEvent)
            and derived.position_id != journaled.position_id
        ):
            hint = " (another position id: replay with the node's oms_type and oms_overrides)"
        raise ReplayMismatch(f"#{seq}: journaled {journaled!r} but replay derived {derived!r}{hint}")


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
