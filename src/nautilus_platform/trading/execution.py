"""The execution engine: commands in, order events out.

Every ``SubmitOrder`` / ``ModifyOrder`` goes through the pre-trade risk engine; a refusal is an
``OrderDenied`` (or ``OrderModifyRejected``) event with the reason code. Accepted commands are
routed to a venue through the ``Router``. Venue events are applied to the order's state machine
by the order manager (contingent orders react there), fills update positions and accounts, and
every command and event is journaled and published on the bus:

- ``events.order.<strategy_id>`` for order events,
- ``events.position.<strategy_id>`` for position events,
- ``events.account.<account_id>`` for account states,
- ``events.risk`` for the risk engine's trading state and limits changes (``TradingStateChanged``,
  ``RiskLimitsChanged``: by hand, the kill switch, a breaker),
- ``events.error`` for venue events that were refused (overfill, duplicate fill, bad transition).

A venue's late answer is not refused: an ``OrderCancelRejected`` or ``OrderModifyRejected`` for an
order that closed (filled, cancelled, expired, rejected) while its cancel or modify was on the way
to the venue ("order not found or not open at the venue"). It is journaled and published on the
order's topic, so the strategy learns its cancel or modify came too late, and leaves the closed
order as it is (not among its events: a replay skips it, as it skips the engine's own refusal of
a cancel or modify of a closed order). The order's modifies in flight were dropped when it closed.
A cancel (modify) rejection of an order that never had a cancel (modify) sent is still refused.

A fill is booked into positions and accounts, and its position events and ``AccountState`` are
journaled, right after the fill itself and before anything is published: a handler that reacts to
the fill (a strategy submitting from ``on_order_event``, an order filled at once inside it) sees
the fill booked and is journaled after its bookings, so a replay books the fills in journal order.
The bus then carries the fill, its position events and its ``AccountState`` in that order (what
a handler causes meanwhile is published as it happens, so it can come before the fill's
position events on the bus, never in the journal).

Dispatch is synchronous and single-threaded: a venue may answer from inside ``submit_order``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.clock import Clock
from nautilus_platform.core.errors import DuplicateFillError, InvalidStateTransition, NotFoundError, OverfillError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, PositionId, StrategyId, VenueId
from nautilus_platform.model.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_platform.model.enums import DenyReason, OrderSide, OrderStatus, TradingState
from nautilus_platform.model.events import (
    AccountState,
    Event,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderSubmitted,
    OrderUpdated,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.trading.cache import Cache
from nautilus_platform.trading.journal import CompactJournal, Entry, InMemoryJournal, Journal, NullJournal
from nautilus_platform.trading.oms import ContingencyManager
from nautilus_platform.trading.positions import Portfolio
from nautilus_platform.trading.risk.engine import RiskEngine
from nautilus_platform.trading.risk.state import ModifyRequest
from nautilus_platform.trading.router import InstrumentVenueRouter, Router
from nautilus_platform.venues.client import VenueClient

# Final aliases of imported classes: compiled code reads them as constants, not via the module dict.
_ORDER_SUBMITTED_CLS: Final = OrderSubmitted
_ORDER_PENDING_CANCEL_CLS: Final = OrderPendingCancel
_ORDER_CANCELED_CLS: Final = OrderCanceled
_ORDER_FILLED_CLS: Final = OrderFilled
_ORDER_UPDATED_CLS: Final = OrderUpdated
_ORDER_MODIFY_REJECTED_CLS: Final = OrderModifyRejected
_ORDER_CANCEL_REJECTED_CLS: Final = OrderCancelRejected
_ORDER_PENDING_UPDATE_CLS: Final = OrderPendingUpdate
_ACCOUNT_STATE_CLS: Final = AccountState

_DENY_REASON_DUPLICATE_CLIENT_ORDER_ID: Final = DenyReason.DUPLICATE_CLIENT_ORDER_ID
_DENY_REASON_NO_VENUE: Final = DenyReason.NO_VENUE
_DENY_REASON_INVALID_ORDER: Final = DenyReason.INVALID_ORDER
_DENY_REASON_ORDER_NOT_FOUND: Final = DenyReason.ORDER_NOT_FOUND
_TRADING_STATE_HALTED: Final = TradingState.HALTED

Denial = tuple[DenyReason, str]
_INITIALIZED: Final = OrderStatus.INITIALIZED
_PENDING_CANCEL: Final = OrderStatus.PENDING_CANCEL
_PENDING_UPDATE: Final = OrderStatus.PENDING_UPDATE
_BUY: Final = OrderSide.BUY


class RiskCheck(Protocol):
    """What the execution engine needs of the pre-trade risk engine."""

    def check_submit(self, order: Order) -> Denial | None: ...

    def check_modify(
        self, order: Order, quantity: Quantity | None, price: Price | None, trigger_price: Price | None
    ) -> Denial | None: ...

    def set_trading_state(self, state: TradingState, account_id: AccountId | None = None, reason: str = "") -> None: ...


class ParentOrderHandler(Protocol):
    """What the execution engine needs of the smart order router: it owns routed parent orders."""

    def submit(self, order: Order, command: SubmitOrder) -> None:
        """Take ``command.order`` as a parent order and route it in child orders."""

    def is_parent(self, client_order_id: ClientOrderId, strategy_id: StrategyId | None = None) -> bool:
        """Whether the id is a parent order's (of ``strategy_id`` when given), working or finished."""

    def is_child(self, client_order_id: ClientOrderId) -> bool:
        """Whether the id is a child order the router is working for a parent."""

    def parent_of(self, client_order_id: ClientOrderId) -> ClientOrderId | None:
        """The parent's id of a child order the router is working for it, else ``None``."""

    def cancel(self, client_order_id: ClientOrderId, reason: str) -> None:
        """Cancel a working parent order and its working children."""

    def on_cancel(self, command: CancelOrder) -> None:
        """A strategy's cancel of one of its parent orders: cancel it, or answer
        ``OrderCancelRejected`` with the reason (it is finished) among the parent's events."""

    def on_modify(self, command: ModifyOrder) -> None:
        """A strategy's modify of one of its parent orders: refused with ``OrderModifyRejected``
        among the parent's events."""

    def cancel_parents(
        self,
        strategy_id: StrategyId | None,
        instrument_id: InstrumentId | None,
        reason: str,
        side: OrderSide | None = None,
    ) -> int:
        """Cancel the working parents of a strategy (all when ``None``) on an instrument's group,
        of one side when ``side`` is given."""


class FillSink(Protocol):
    """What the execution engine needs of the portfolio (positions and accounts)."""

    def on_fill(self, fill: OrderFilled, instrument: Instrument) -> list[Event]: ...

    def fill_error(self, fill: OrderFilled) -> str | None:
        """Why ``fill`` cannot be booked (e.g. an unknown account), or ``None``."""

    def reducible_raw(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        position_id: PositionId | None,
        account_id: AccountId | None,
    ) -> int:
        """The signed position quantity an order of ``strategy_id`` in ``account_id`` may reduce
        (with several accounts, a position open in another account: 0)."""

    def position_conflict(
        self,
        position_id: PositionId,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None,
    ) -> str | None:
        """Why an order may not book into the existing position ``position_id``, or ``None``."""


class ExecutionEngine:
    """Runs commands through risk and routing, and applies venue events to orders and positions."""

    def __init__(
        self,
        clock: Clock,
        bus: MessageBus,
        cache: Cache,
        risk: RiskCheck,
        router: Router,
        portfolio: FillSink,
        journal: Journal,
    ) -> None:
        self.clock = clock
        self.bus = bus
        self.cache = cache
        self.risk = risk
        self.router = router
        self.portfolio = portfolio
        self.journal = journal
        self.contingency = ContingencyManager(self)
        self.parent_orders: ParentOrderHandler | None = None  # the smart order router, when enabled
        self.refused_events: list[tuple[OrderEvent, str]] = []
        self._enforcing_reduce_only = False  # ``_enforce_reduce_only`` is running (its own events do not restart it)
        self._order_topics: dict[StrategyId, str] = {}
        self._position_topics: dict[StrategyId, str] = {}
        self._account_topics: dict[AccountId, str] = {}
        self._dispatch: dict[type, Callable[[Command], None]] = {
            SubmitOrder: self._submit,  # type: ignore[dict-item]
            SubmitOrderList: self._submit_list,  # type: ignore[dict-item]
            ModifyOrder: self._modify,  # type: ignore[dict-item]
            CancelOrder: self._cancel,  # type: ignore[dict-item]
            CancelAllOrders: self._cancel_all,  # type: ignore[dict-item]
        }
        if isinstance(risk, RiskEngine):  # its trading states and run-time limits are journaled too
            risk.on_change = self._on_risk_change

    def connect_venues(self) -> None:
        """Point every routed venue's event stream at this engine."""
        for client in self.router.venues():
            client.connect(self.on_venue_event)

    # -- commands ---------------------------------------------------------------------------
    def execute(self, command: Command) -> None:
        """Execute one trading command."""
        handler = self._dispatch.get(type(command))
        if handler is None:
            raise NotFoundError(f"no handler for command {type(command).__name__}")
        self._record(command)
        handler(command)

    def _submit(self, command: SubmitOrder) -> None:
        order = command.order
        if command.route is not None:
            self._submit_routed(order, command)
        elif self._add_order(order, command):
            self.submit_order(order)

    def _submit_routed(self, order: Order, command: SubmitOrder) -> None:
        handler = self.parent_orders
        if handler is not None:
            handler.submit(order, command)
            return
        event = self._denied(order, _DENY_REASON_NO_VENUE, "smart order routing is not enabled on this node")
        if order.status is _INITIALIZED and self.cache.orders.get(order.client_order_id) is not order:
            order.apply(event)  # the caller's object; the core's own order of that id (a held one) is untouched
        self._record(event)
        self._publish_order_event(event)

    def submit_child(self, order: Order, venue: VenueId) -> None:
        """Store and send a child order of a routed parent to ``venue`` (through risk, like any order)."""
        if self.cache.is_known(order.client_order_id):
            self._deny_duplicate(order)
            return
        self.cache.add_order(order, venue, None)
        self._record(order.init)
        self.submit_order(order)

    def _submit_list(self, command: SubmitOrderList) -> None:
        if any(self._is_used(order.client_order_id) for order in command.orders):
            for order in command.orders:
                self._deny_duplicate(order)
            return
        for order in command.orders:
            self._add_order(order, command)
        for order in command.orders:
            if order.init.parent_order_id is None:  # children are held until their parent fills
                self.submit_order(order)

    def _add_order(self, order: Order, command: SubmitOrder | SubmitOrderList) -> bool:
        """Store a new order; a reused ClientOrderId is denied and the known order kept intact."""
        if self._is_used(order.client_order_id):
            self._deny_duplicate(order)
            return False
        self.cache.add_order(order, command.venue, command.position_id)
        self._record(order.init)
        return True

    def _is_used(self, client_order_id: ClientOrderId) -> bool:
        """Whether an order (purged ones included) or a routed parent already has the id."""
        if self.cache.is_known(client_order_id):
            return True
        handler = self.parent_orders
        return handler is not None and handler.is_parent(client_order_id)

    def _deny_duplicate(self, order: Order) -> None:
        """Report a duplicate id without touching the stored order of that id."""
        event = self._denied(
            order, _DENY_REASON_DUPLICATE_CLIENT_ORDER_ID, f"client_order_id {order.client_order_id} is already used"
        )
        if order.status is _INITIALIZED and self.cache.orders.get(order.client_order_id) is not order:
            order.apply(event)  # the caller's object learns it was denied; the stored one is untouched
        self._record(event)
        self._publish_order_event(event)

    def submit_order(self, order: Order) -> None:
        """Risk-check, route and send an INITIALIZED order that is already in the cache."""
        if order.status is not _INITIALIZED or self.cache.orders.get(order.client_order_id) is not order:
            return
        hints = self.cache.position_hints
        if hints:
            position_id = hints.get(order.client_order_id)
            if position_id is not None:
                # the account its fills will come from: its venue's (as in ``OrderSubmitted`` below)
                routed = self._venue_of(order)
                account_id = routed.account_id if routed is not None else None
                conflict = self.portfolio.position_conflict(
                    position_id, order.instrument_id, order.strategy_id, account_id
                )
                if conflict is not None:
                    self._apply(order, self._denied(order, _DENY_REASON_INVALID_ORDER, conflict))
                    return
        risk = self.risk
        if isinstance(risk, RiskEngine):  # the core's own engine: a native call, not a protocol lookup
            denial = risk.check_submit(order)
        else:
            denial = risk.check_submit(order)
        if denial is not None:
            self._apply(order, self._denied(order, denial[0], denial[1]))
            return
        client = self._venue_of(order)
        if client is None:
            self._apply(order, self._denied(order, _DENY_REASON_NO_VENUE, f"no venue for {order.instrument_id}"))
            return
        now = self.clock.timestamp_ns()
        submitted = _ORDER_SUBMITTED_CLS(
            ts_event=now,
            ts_init=now,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            account_id=client.account_id,
        )
        self._apply(order, submitted)
        client.submit_order(order)

    def _denied(self, order: Order, reason: DenyReason, message: str) -> OrderDenied:
        now = self.clock.timestamp_ns()
        return OrderDenied(
            ts_event=now,
            ts_init=now,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            reason=reason,
            message=message,
        )

    def _modify(self, command: ModifyOrder) -> None:
        handler = self.parent_orders
        if handler is not None and handler.is_parent(command.client_order_id, command.strategy_id):
            handler.on_modify(command)  # refused among the parent's events
            return
        order = self._known_order(command, "modify")
        if order is None:
            return
        if handler is not None and handler.is_child(order.client_order_id):  # the router sizes and prices it
            self._publish_refusal(
                order, OrderModifyRejected,
                f"{DenyReason.INVALID_ORDER.value}: a child of a routed parent order cannot be modified", apply=True,
            )  # fmt: skip
            return
        self.modify_order(order, command.quantity, command.price, command.trigger_price)

    def modify_order(
        self, order: Order, quantity: Quantity | None, price: Price | None, trigger_price: Price | None
    ) -> None:
        """Risk-check and send a modify, or update a held order locally."""
        if order.is_closed:
            self._publish_refusal(order, OrderModifyRejected, f"order is {order.status.name}")
            return
        if order.status is _PENDING_CANCEL:  # being cancelled: a modify must not reach the venue
            self._publish_refusal(order, OrderModifyRejected, "order is PENDING_CANCEL", apply=True)
            return
        denial = self.risk.check_modify(order, quantity, price, trigger_price)
        if denial is not None:
            self._publish_refusal(order, OrderModifyRejected, f"{denial[0].value}: {denial[1]}", apply=True)
            return
        if order.status is _INITIALIZED:  # a held contingent order: update locally
            self._update_held(order, quantity, price, trigger_price)
            return
        client = self._venue_of(order)
        if client is None:
            self._publish_refusal(order, OrderModifyRejected, "venue not connected", apply=True)
            return
        now = self.clock.timestamp_ns()
        self._apply(
            order,
            OrderPendingUpdate(
                ts_event=now,
                ts_init=now,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                account_id=client.account_id,
            ),
        )
        requested = ModifyRequest(
            quantity.raw if quantity is not None else None,
            price.raw if price is not None else None,
            trigger_price.raw if trigger_price is not None else None,
        )
        self.cache.modifies_in_flight.setdefault(order.client_order_id, []).append(requested)
        client.modify_order(order, quantity, price, trigger_price)

    def resize_held(self, order: Order, quantity: Quantity) -> None:
        """Set the quantity of a held (INITIALIZED) contingent order before it is released; the
        submit that releases it is risk-checked at that size, so no modify check applies here."""
        if order.status is _INITIALIZED:
            self._update_held(order, quantity, None, None)

    def _update_held(
        self, order: Order, quantity: Quantity | None, price: Price | None, trigger_price: Price | None
    ) -> None:
        now = self.clock.timestamp_ns()
        self._apply(
            order,
            OrderUpdated(
                ts_event=now,
                ts_init=now,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                venue_order_id=None,
                quantity=quantity or order.quantity,
                price=price,
                trigger_price=trigger_price,
            ),
        )

    def _cancel(self, command: CancelOrder) -> None:
        handler = self.parent_orders
        if handler is not None and handler.is_parent(command.client_order_id, command.strategy_id):
            handler.on_cancel(command)  # cancelled, or refused among the parent's events
            return
        order = self._known_order(command, "cancel")
        if order is None:
            return
        if handler is not None and order.status is not _PENDING_CANCEL:  # else already asked (by the core)
            parent_id = handler.parent_of(order.client_order_id)
            if parent_id is not None:  # cancelled alone, its quantity would be re-routed: the parent's to cancel
                self._publish_refusal(
                    order, OrderCancelRejected,
                    f"{DenyReason.INVALID_ORDER.value}: a child of the routed parent order {parent_id} cannot be "
                    f"cancelled alone; cancel the parent {parent_id}", apply=True,
                )  # fmt: skip
                return
        self.cancel_order(order)

    def cancel_order(self, order: Order, reason: str = "") -> None:
        """Cancel a working order at its venue, or a held order locally. The core's own cancels
        call it (the router, contingent orders, reduce-only, cancel-all, the kill switch); a
        strategy's ``CancelOrder`` goes through ``_cancel``, which refuses a routed child."""
        if order.is_closed:
            self._publish_refusal(order, OrderCancelRejected, f"order is {order.status.name}")
            return
        if order.status is _PENDING_CANCEL:
            return  # already asked
        now = self.clock.timestamp_ns()
        if order.status is _INITIALIZED:
            self._apply(
                order,
                _ORDER_CANCELED_CLS(
                    ts_event=now,
                    ts_init=now,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    venue_order_id=None,
                    reason=reason or "cancelled before release",
                ),
            )
            return
        client = self._venue_of(order)
        if client is None:
            self._publish_refusal(order, OrderCancelRejected, "venue not connected", apply=True)
            return
        self._apply(
            order,
            _ORDER_PENDING_CANCEL_CLS(
                ts_event=now,
                ts_init=now,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                account_id=client.account_id,
            ),
        )
        client.cancel_order(order, reason)

    def _cancel_all(self, command: CancelAllOrders) -> None:
        if self.parent_orders is not None:  # first, so that their children are not re-routed
            self.parent_orders.cancel_parents(
                command.strategy_id, command.instrument_id, "cancel all", command.order_side
            )
        for order in self.cache.orders_open(command.instrument_id, command.strategy_id, held=True):
            if command.order_side is None or order.side is command.order_side:
                self.cancel_order(order)

    def cancel_everything(self, reason: str = "kill switch") -> int:
        """Cancel every open or held order of every strategy; returns how many were asked."""
        if self.parent_orders is not None:
            self.parent_orders.cancel_parents(None, None, reason)
        orders = self.cache.orders_open(held=True)
        for order in orders:
            self.cancel_order(order, reason)
        return len(orders)

    def kill(self, reason: str = "kill switch") -> int:
        """Halt all trading and cancel every open order (the ``TradingStateChanged`` to HALTED is
        journaled with ``reason`` before the cancels)."""
        self.risk.set_trading_state(_TRADING_STATE_HALTED, None, reason)
        return self.cancel_everything(reason)

    def _on_risk_change(self, event: Event) -> None:
        """Journal a trading state or limits change of the risk engine and publish it on
        ``events.risk``."""
        self._record(event)
        self.bus.publish("events.risk", event)

    def _known_order(self, command: ModifyOrder | CancelOrder, action: str) -> Order | None:
        order = self.cache.orders.get(command.client_order_id)
        if order is not None and order.strategy_id == command.strategy_id:
            return order
        now = self.clock.timestamp_ns()
        kind = OrderModifyRejected if action == "modify" else OrderCancelRejected
        event = kind(
            ts_event=now,
            ts_init=now,
            strategy_id=command.strategy_id,
            instrument_id=command.instrument_id,
            client_order_id=command.client_order_id,
            reason=f"{_DENY_REASON_ORDER_NOT_FOUND.value}: no order {command.client_order_id} for {command.strategy_id}",
        )
        self._record(event)
        self._publish_order_event(event)
        return None

    def _publish_refusal(
        self,
        order: Order,
        kind: type[OrderModifyRejected] | type[OrderCancelRejected],
        reason: str,
        apply: bool = False,
    ) -> None:
        now = self.clock.timestamp_ns()
        event = kind(
            ts_event=now,
            ts_init=now,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            reason=reason,
        )
        if apply and not order.is_closed:
            self._apply(order, event)
        else:
            self._record(event)
            self._publish_order_event(event)

    def _venue_of(self, order: Order) -> VenueClient | None:
        router = self.router
        venue = self.cache.order_venue.get(order.client_order_id)
        if isinstance(router, InstrumentVenueRouter):  # the core's own router: a native call
            return router.route(order, venue)
        return router.route(order, venue)

    def _record(self, entry: Entry) -> None:
        """``self.journal.append(entry)``, called natively on the core's own journals."""
        journal = self.journal
        if isinstance(journal, InMemoryJournal):
            journal.append(entry)
            return
        if isinstance(journal, CompactJournal):
            journal.append(entry)
            return
        if isinstance(journal, NullJournal):
            journal.append(entry)
            return
        journal.append(entry)

    # -- venue events -----------------------------------------------------------------------
    def on_venue_event(self, event: OrderEvent) -> None:
        """Apply an event reported by a venue; refuse (and record) anything inconsistent."""
        cache = self.cache
        order = cache.orders.get(event.client_order_id)
        if order is None:
            self._refuse(event, f"unknown order {event.client_order_id}")
            return
        in_flight = cache.modifies_in_flight
        if not in_flight:
            self._apply(order, event)
            return
        answers_modify = True
        if type(event) is _ORDER_UPDATED_CLS:
            requested = in_flight.get(event.client_order_id)
            if requested is not None:
                # An update that answers none of the modifies in flight (a trailing stop moved by
                # the venue) leaves a PENDING_UPDATE order pending: what skips such orders
                # (reduce-only enforcement) waits for the answer.
                answers_modify = _answered_index(event, requested) >= 0
        self._apply(order, event, answers_modify)
        requested = in_flight.get(event.client_order_id)  # after what the event set off
        if requested is not None:
            self._answer_in_flight(order, event, requested)

    def _answer_in_flight(self, order: Order, event: OrderEvent, requested: list[ModifyRequest]) -> None:
        """Cross off the modifies the venue's ``event`` answers (it answers them in the order they
        were sent): an ``OrderUpdated`` to the figures a modify asked for answers the oldest such
        one and every one before; an ``OrderModifyRejected`` the oldest. Other updates (a trailing
        stop moving) answer none."""
        kind = type(event)
        if order.is_closed:
            requested.clear()
        elif kind is _ORDER_UPDATED_CLS:
            assert isinstance(event, OrderUpdated)
            index = _answered_index(event, requested)
            if index >= 0:
                del requested[: index + 1]
        elif kind is _ORDER_MODIFY_REJECTED_CLS:
            del requested[0]
        if not requested:
            del self.cache.modifies_in_flight[order.client_order_id]

    def _apply(self, order: Order, event: OrderEvent, answers_modify: bool = True) -> None:
        cache = self.cache
        if type(event) is _ORDER_FILLED_CLS:
            why = order.fill_mismatch(event)
            if why is None:
                why = self._fill_error(event)
            if why is not None:
                self._refuse(event, why)
                return
        before = cache.before_change(order)
        try:
            order.apply(event, answers_modify)
        except (InvalidStateTransition, OverfillError, DuplicateFillError) as exc:
            if _is_late_answer(order, event):  # only on this refused path: the normal one pays nothing
                # The venue's "too late": the order closed before its cancel or modify arrived. It is
                # the strategy's answer, journaled and published; the closed order stays as it is.
                self._record(event)
                self._publish_order_event(event)
                return
            self._refuse(event, str(exc))
            return
        self._record(event)
        cache.after_change(order, before)
        if type(event) is _ORDER_FILLED_CLS:
            # Booked and journaled (position events, AccountState) before anyone hears of the fill:
            # what a handler does in reaction (a submit, a nested fill) is journaled after them, and
            # sees the fill in the positions and balances.
            booked = self._book_fill(event)
            self._publish_order_event(event)
            self._publish_booked(booked)
        else:
            self._publish_order_event(event)
        if order.is_contingent:  # ``init.contingency_type or init.parent_order_id is not None``
            self.contingency.on_event(order, event)
        if (type(event) is _ORDER_FILLED_CLS or order.reduce_only) and cache.has_open_reduce_only(order.instrument_id):
            self._enforce_reduce_only(order.instrument_id)

    def _enforce_reduce_only(self, instrument_id: InstrumentId) -> None:
        """Keep every working reduce-only order of ``instrument_id`` within the position it
        reduces, after a fill moved that position: cancel it when the position is flat or on its
        own side, cut its quantity when it would flip the position. An order with a modify or a
        cancel in flight is left to the answer (the next fill or update checks it again). A cut that
        is refused (risk denies it, the venue is gone) cancels the order instead: a reduce-only order
        never stays working beyond its position. The events of these cancels and cuts do not start
        another pass (no fill happens inside one, so the position it reads does not move)."""
        if self._enforcing_reduce_only:
            return
        self._enforcing_reduce_only = True
        try:
            self._enforce_reduce_only_pass(instrument_id)
        finally:
            self._enforcing_reduce_only = False

    def _enforce_reduce_only_pass(self, instrument_id: InstrumentId) -> None:
        portfolio = self.portfolio
        hints = self.cache.position_hints
        for order in self.cache.orders_open(instrument_id):
            if not order.reduce_only or order.status is _PENDING_CANCEL or order.status is _PENDING_UPDATE:
                continue
            if not order.is_open:  # closed by an earlier cancel of this pass (an OCO sibling)
                continue
            signed = portfolio.reducible_raw(
                instrument_id, order.strategy_id, hints.get(order.client_order_id), order.account_id
            )
            allowed = -signed if order.side is _BUY else signed
            leaves = order.leaves_raw
            if allowed <= 0:
                self.cancel_order(order, "reduce-only: no position left to reduce")
            elif leaves > allowed:
                quantity = Quantity(raw=order.filled_raw + allowed, precision=order.quantity.precision)
                self.modify_order(order, quantity, None, None)
                if _cut_refused(order, quantity):
                    self.cancel_order(order, f"reduce-only: the cut to {quantity} was refused")

    def _fill_error(self, fill: OrderFilled) -> str | None:
        if fill.instrument_id not in self.cache.instruments:
            return f"fill {fill.trade_id} for unknown instrument {fill.instrument_id}"
        portfolio = self.portfolio
        if isinstance(portfolio, Portfolio):  # the core's own portfolio: a native call
            return portfolio.fill_error(fill)
        return portfolio.fill_error(fill)

    def _book_fill(self, fill: OrderFilled) -> list[Event]:
        """Book ``fill`` into the positions and accounts and journal the events that derives (the
        position events, then the ``AccountState``), right after the fill itself."""
        instrument = self.cache.instruments[fill.instrument_id]
        portfolio = self.portfolio
        if isinstance(portfolio, Portfolio):  # the core's own portfolio: a native call
            events = portfolio.on_fill(fill, instrument)
        else:
            events = portfolio.on_fill(fill, instrument)
        for event in events:
            self._record(event)
        return events

    def _publish_booked(self, events: list[Event]) -> None:
        """Publish what ``_book_fill`` derived, in order, once the fill itself was published."""
        bus = self.bus
        for event in events:
            if type(event) is _ACCOUNT_STATE_CLS:
                topic = self._account_topics.get(event.account_id)
                if topic is None:
                    topic = self._account_topics[event.account_id] = f"events.account.{event.account_id}"
            else:
                strategy_id: StrategyId = event.strategy_id  # type: ignore[attr-defined]
                topic = self._position_topics.get(strategy_id)
                if topic is None:
                    topic = self._position_topics[strategy_id] = f"events.position.{strategy_id}"
            bus.publish(topic, event)

    def _publish_order_event(self, event: OrderEvent) -> None:
        topic = self._order_topics.get(event.strategy_id)
        if topic is None:
            topic = self._order_topics[event.strategy_id] = f"events.order.{event.strategy_id}"
        self.bus.publish(topic, event)

    def _refuse(self, event: OrderEvent, why: str) -> None:
        self.refused_events.append((event, why))
        self.bus.publish("events.error", (event, why))

    # -- queries ----------------------------------------------------------------------------
    def open_orders(
        self, instrument_id: InstrumentId | None = None, strategy_id: StrategyId | None = None
    ) -> list[Order]:
        return self.cache.orders_open(instrument_id, strategy_id)

    def order(self, client_order_id: ClientOrderId) -> Order:
        order = self.cache.orders.get(client_order_id)
        if order is None:
            raise NotFoundError(f"no order {client_order_id}")
        return order


def _answered_index(event: OrderUpdated, requested: list[ModifyRequest]) -> int:
    """The index of the oldest modify in flight that ``event`` answers (it has every figure the
    modify asked for), or -1 when it answers none."""
    price, trigger = event.price, event.trigger_price
    price_raw = price.raw if price is not None else None
    trigger_raw = trigger.raw if trigger is not None else None
    quantity_raw = event.quantity.raw
    for index, request in enumerate(requested):
        if request.answered_by(quantity_raw, price_raw, trigger_raw):
            return index
    return -1


def _is_late_answer(order: Order, event: OrderEvent) -> bool:
    """Whether ``event``, which ``order`` cannot take, is a venue's late answer to a cancel or modify
    of it: an ``OrderCancelRejected`` (``OrderModifyRejected``) of a closed order that had a cancel
    (modify) sent to its venue, which the order closed (filled, cancelled, expired, rejected) before
    it arrived. Every cancel or modify the engine sends is preceded by its ``OrderPendingCancel``
    (``OrderPendingUpdate``) among the order's events, so one without is not an answer to anything.
    (Which request it answers is not checked: a second rejection of one request passes.)"""
    kind = type(event)
    if kind is _ORDER_CANCEL_REJECTED_CLS:
        pending: type[OrderEvent] = _ORDER_PENDING_CANCEL_CLS
    elif kind is _ORDER_MODIFY_REJECTED_CLS:
        pending = _ORDER_PENDING_UPDATE_CLS
    else:
        return False
    if not order.is_closed:
        return False
    return any(type(earlier) is pending for earlier in order.events)


def _cut_refused(order: Order, quantity: Quantity) -> bool:
    """Whether a modify of ``order`` to ``quantity`` just sent was refused: the order still works at
    another quantity and no modify of it is in flight."""
    return order.is_open and order.status is not _PENDING_UPDATE and order.quantity_raw != quantity.raw
