"""``StrategyEngine``: runs strategies on a trading core, dispatching data and events to them.

Data reaches strategies from the bus topics ``data.bars.<bar type>``, ``data.quotes.<instrument>``,
``data.trades.<instrument>`` and ``data.book.<instrument>`` (the market-data engine publishes
them); a strategy's order and position events from ``events.order.<strategy id>`` and
``events.position.<strategy id>``. A strategy that overrides ``on_order_closed`` gets one handler on
its order and routed-parent topics: it follows the orders the strategy submits (``execute``) and
calls ``on_order_closed`` once for each, after the event that closed it. An order denied because
its id is already used is reported too, and the order that has that id is left as it is; an order
whose submit raised (the exception reaches the strategy's callback, as any other) and that the core
did not take is followed no further. A stopped or faulted strategy follows no order.

Every callback is contained: an exception is recorded as a ``StrategyError`` (strategy, callback,
error, traceback) and the strategy is stopped — its subscriptions and timers removed and its open
orders cancelled, held contingent orders (a bracket's exits waiting for the entry) included, and
any of its orders still on the way to the venue cancelled once the venue accepts it (a market,
IOC or FOK order fills or ends at once, as before the fault) — while the core and the other
strategies carry on. ``on_stop`` is not called after a fault; positions are left as they are.
A fault is recorded once: what the strategy raises after it, in a callback still running, is
logged. Only a running strategy subscribes, sets timers and sends commands: a callback that goes on
after its strategy faulted (an ``on_start`` whose first order's event raised) cannot subscribe it
to data again. Subscribing twice to the same data is one subscription.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.clock import Clock, TimeCallback, TimeEvent
from nautilus_platform.core.errors import ConfigurationError, DuplicateError, NautilusError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, StrategyId
from nautilus_platform.model.commands import CancelOrder, Command, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import OrderStatus, OrderType, TimeInForce
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderUpdated,
)
from nautilus_platform.model.orders import Order
from nautilus_platform.strategy.base import Strategy, StrategyState
from nautilus_platform.trading.cache import Cache
from nautilus_platform.trading.positions import Portfolio


class TradingCore(Protocol):
    """What the engine needs of a trading core (``service.node.TradingNode`` provides it)."""

    clock: Clock
    bus: MessageBus
    cache: Cache
    portfolio: Portfolio

    def execute(self, command: Command) -> None: ...


class _Listing(Protocol):
    @property
    def instrument_id(self) -> InstrumentId: ...


class _ListingGroup(Protocol):
    @property
    def listings(self) -> Sequence[_Listing]: ...


class _ListingGroups(Protocol):
    """What the engine uses of the smart order router (``TradingNode.router``, once routing is on)."""

    def group_of(self, instrument_id: InstrumentId) -> _ListingGroup | None: ...

    def cancel_parents(self, strategy_id: StrategyId | None, instrument_id: InstrumentId | None, reason: str) -> int:
        """Cancel the working routed parents of a strategy (and so their children)."""

    def working_parents(self, strategy_id: StrategyId | None = None) -> list[Order]:
        """The routed parents not finished yet, in the order they were routed."""

    def parent_of(self, client_order_id: ClientOrderId) -> ClientOrderId | None:
        """The parent's id of a child the router follows, else ``None``."""


@dataclass(frozen=True)
class StrategyError:
    """A strategy callback that raised: the strategy was stopped."""

    strategy_id: StrategyId
    callback: str
    error: str
    traceback: str
    ts: int


@dataclass(frozen=True)
class LogRecord:
    ts: int
    strategy_id: StrategyId
    message: str


_READY: Final = StrategyState.READY  # Final: constants to compiled code, not module-dict lookups
_RUNNING: Final = StrategyState.RUNNING
_STOPPED: Final = StrategyState.STOPPED
_FAULTED: Final = StrategyState.FAULTED
_INITIALIZED: Final = OrderStatus.INITIALIZED
_PENDING_CANCEL: Final = OrderStatus.PENDING_CANCEL
_MARKET: Final = OrderType.MARKET
_NOT_RESTING: Final = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_CALLBACKS: Final = {"bars": "on_bar", "quotes": "on_quote", "trades": "on_trade", "book": "on_book"}
_EVENT_CALLBACKS: Final = ("on_order_event", "on_position_event", "on_routed_order_event")
# The base class's event callbacks do nothing: a strategy that keeps them gets no handler on the
# bus for those events (a call into an interpreted no-op costs about 800 instructions an event).
_BASE_EVENT_CALLBACKS: Final = frozenset(getattr(Strategy, name) for name in (*_EVENT_CALLBACKS, "on_order_closed"))
#: The events after which an order can be closed (an ``OrderUpdated`` that cuts an order to its
#: filled quantity fills it); ``on_order_closed``'s handler looks no further into the others.
_CLOSING_EVENTS: Final = frozenset({OrderFilled, OrderCanceled, OrderExpired, OrderRejected, OrderDenied, OrderUpdated})


class StrategyEngine:
    """Registers strategies with a trading core and contains their failures."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.clock = core.clock
        self.cache = core.cache
        self.portfolio = core.portfolio
        self.bus = core.bus
        self.strategies: dict[StrategyId, Strategy] = {}
        self.errors: list[StrategyError] = []
        self.logs: list[LogRecord] = []
        self._subscriptions: dict[StrategyId, list[tuple[str, Callable[[Any], None]]]] = {}
        self._timers: dict[StrategyId, list[str]] = {}
        #: Per strategy that overrides ``on_order_closed``: the orders it submitted that are not closed yet.
        self._followed: dict[StrategyId, dict[ClientOrderId, Order]] = {}
        #: Per such strategy, while a submit runs: its orders whose id a followed order already has
        #: (the core denies them as duplicates; the denial names the id, not the order).
        self._duplicates: dict[StrategyId, dict[ClientOrderId, Order]] = {}
        #: Where a timer set without ``start_ns`` before this time counts its intervals from (else
        #: from now). A backtest sets it to the time of the first item it processes (the first at or
        #: after its ``start_ns``): its clock starts earlier (so that the first item moves it), and a
        #: timer set in ``on_start`` then lands on the data's times (a 60 s timer on minute bars
        #: fires on each bar, not 1 ns before it, nor 30 s after it when ``start_ns`` falls between bars).
        self.timer_origin_ns: int | None = None

    # -- registration and lifecycle -------------------------------------------------------------
    def add(self, strategy: Strategy) -> None:
        """Register ``strategy`` (its id must be unique) and route its events to it."""
        if strategy.id in self.strategies:
            raise DuplicateError(f"strategy {strategy.id} is already registered")
        if strategy._engine is not None:
            raise ConfigurationError(f"strategy {strategy.id} is registered with another engine")
        strategy._engine = self
        self.strategies[strategy.id] = strategy
        self._subscriptions[strategy.id] = []
        self._timers[strategy.id] = []
        for kind, callback in zip(("order", "position", "routed"), _EVENT_CALLBACKS, strict=True):
            if _overrides(strategy, callback):
                self._listen(strategy, f"events.{kind}.{strategy.id}", callback)
        if _overrides(strategy, "on_order_closed"):
            followed: dict[ClientOrderId, Order] = {}
            duplicates: dict[ClientOrderId, Order] = {}
            self._followed[strategy.id] = followed
            self._duplicates[strategy.id] = duplicates
            handler = self._closed_handler(strategy, followed, duplicates)
            for topic in (f"events.order.{strategy.id}", f"events.routed.{strategy.id}"):
                self.bus.subscribe(topic, handler)
                self._subscriptions[strategy.id].append((topic, handler))

    def start(self) -> None:
        """Start every READY strategy (``on_start``)."""
        for strategy in list(self.strategies.values()):
            if strategy.state is _READY:
                strategy.state = _RUNNING
                self._call(strategy, "on_start")

    def stop(self) -> None:
        """Stop every running strategy (``on_stop``), keeping its orders and positions."""
        for strategy in list(self.strategies.values()):
            if strategy.state is _RUNNING:
                self._call(strategy, "on_stop")
                if strategy.state is _RUNNING:
                    strategy.state = _STOPPED
                    self._detach(strategy)

    # -- what strategies call -----------------------------------------------------------------
    def subscribe(self, strategy: Strategy, kind: str, key: str) -> None:
        """Deliver the ``kind`` data of ``key`` to the strategy's callback; a repeated subscription is ignored."""
        _require_running(strategy, f"subscribe to {kind} of {key}")
        topic = f"data.{kind}.{key}"
        if any(subscribed == topic for subscribed, _ in self._subscriptions[strategy.id]):
            return
        self._listen(strategy, topic, _CALLBACKS[kind])

    def execute(self, strategy: Strategy, command: Command) -> None:
        """Send a strategy's command to the core; what the core raises reaches the caller."""
        if strategy.state is not _RUNNING:
            _require_running(strategy, f"send {type(command).__name__}")
        followed = self._followed.get(strategy.id)
        if followed is None or command.strategy_id != strategy.id:  # its events go to another strategy
            self.core.execute(command)
            return
        # Followed before it goes: an order can close inside ``execute``.
        if isinstance(command, SubmitOrder):
            order = command.order
            if followed.setdefault(order.client_order_id, order) is not order:
                self._submit_duplicates(strategy, command, followed)
                return
        elif isinstance(command, SubmitOrderList):
            for order in command.orders:
                if followed.setdefault(order.client_order_id, order) is not order:
                    self._submit_duplicates(strategy, command, followed)
                    return
        try:
            self.core.execute(command)
        except BaseException:
            self._unfollow_untaken(command, followed)
            raise

    def _submit_duplicates(
        self, strategy: Strategy, command: SubmitOrder | SubmitOrderList, followed: dict[ClientOrderId, Order]
    ) -> None:
        """Submit orders of which some have the id of an order still followed (not the same object):
        the core denies them as duplicates. Their denial names the followed order's id, so the closed
        handler finds them in ``_duplicates`` while the submit runs; the followed order stays."""
        duplicates = self._duplicates[strategy.id]
        mine: list[Order] = []
        for order in _orders_of(command):
            cid = order.client_order_id
            if followed.setdefault(cid, order) is not order:
                duplicates[cid] = order
                mine.append(order)
        try:
            self.core.execute(command)
        except BaseException:
            self._unfollow_untaken(command, followed)
            raise
        finally:
            for order in mine:
                cid = order.client_order_id
                if duplicates.get(cid) is order:
                    del duplicates[cid]

    def _unfollow_untaken(self, command: Command, followed: dict[ClientOrderId, Order]) -> None:
        """After the core raised on ``command``: follow none of its orders that the core did not take
        (still INITIALIZED and not stored), so that a later order with the same id is followed."""
        stored = self.cache.orders
        for order in _orders_of(command):
            cid = order.client_order_id
            if followed.get(cid) is order and order.status is _INITIALIZED and stored.get(cid) is not order:
                del followed[cid]

    def listings(self, instrument_id: InstrumentId) -> tuple[InstrumentId, ...]:
        """The listings a strategy's position in ``instrument_id`` spans: with smart order routing on,
        every listing the router groups with it (a routed order books to the listing each child
        filled on); otherwise, or when the router does not list it, ``instrument_id`` alone."""
        router: _ListingGroups | None = getattr(self.core, "router", None)
        group = router.group_of(instrument_id) if router is not None else None
        if group is None:
            return (instrument_id,)
        return tuple(listing.instrument_id for listing in group.listings)

    def open_orders(self, strategy: Strategy, instrument_id: InstrumentId | None = None) -> list[Order]:
        """The orders ``strategy`` has working, oldest first: those it sent to a venue and, with smart
        order routing on, its routed parents, not their children (the router's, which a strategy may
        not cancel alone). With ``instrument_id``, those of every listing it spans (``listings``)."""
        router: _ListingGroups | None = getattr(self.core, "router", None)
        if router is None:
            return self.cache.orders_open(instrument_id, strategy.id)
        listings = self.listings(instrument_id) if instrument_id is not None else None
        working = [
            order
            for order in self.cache.orders_open(None, strategy.id)
            if (listings is None or order.instrument_id in listings) and router.parent_of(order.client_order_id) is None
        ]
        parents = [
            order
            for order in router.working_parents(strategy.id)
            if listings is None or order.instrument_id in listings
        ]
        if not parents:
            return working
        return sorted(working + parents, key=_created)

    def set_timer(
        self, strategy: Strategy, name: str, interval_ns: int, callback: TimeCallback, start_ns: int | None
    ) -> None:
        _require_running(strategy, f"set timer {name}")
        full = f"{strategy.id}.{name}"
        origin = self.timer_origin_ns
        if start_ns is None and origin is not None and self.clock.timestamp_ns() < origin:
            start_ns = origin
        self.clock.set_timer(full, interval_ns, self._contained_timer(strategy, name, callback), start_ns)
        self._timers[strategy.id].append(full)

    def set_time_alert(self, strategy: Strategy, name: str, alert_time_ns: int, callback: TimeCallback) -> None:
        _require_running(strategy, f"set time alert {name}")
        full = f"{strategy.id}.{name}"
        self.clock.set_time_alert(full, alert_time_ns, self._contained_timer(strategy, name, callback))
        self._timers[strategy.id].append(full)

    def log(self, strategy_id: StrategyId, message: str) -> None:
        self.logs.append(LogRecord(self.clock.timestamp_ns(), strategy_id, message))

    # -- dispatch and containment ---------------------------------------------------------------
    def _listen(self, strategy: Strategy, topic: str, callback: str) -> None:
        method = getattr(strategy, callback)

        def handler(message: Any) -> None:
            # Data handlers are unsubscribed when the strategy stops; event handlers stay (events
            # of its orders keep coming) and check the state.
            if strategy.state is not _RUNNING:
                return
            try:
                method(message)
            except Exception as exc:
                self._fault(strategy, callback, exc)

        def data_handler(message: Any) -> None:
            try:
                method(message)
            except Exception as exc:
                self._fault(strategy, callback, exc)

        chosen = data_handler if topic.startswith("data.") else handler
        self.bus.subscribe(topic, chosen)
        self._subscriptions[strategy.id].append((topic, chosen))

    def _closed_handler(
        self, strategy: Strategy, followed: dict[ClientOrderId, Order], duplicates: dict[ClientOrderId, Order]
    ) -> Callable[[OrderEvent], None]:
        """The handler of a strategy's order events (and routed parents' ones) that calls its
        ``on_order_closed`` once for each order it submitted, after the event that closed it.
        An event that cannot close an order costs a type check here, the others a lookup; neither
        costs a call into the strategy unless the order closed."""
        method = strategy.on_order_closed

        def handler(event: OrderEvent) -> None:
            if type(event) not in _CLOSING_EVENTS:  # submitted, accepted...: nothing to look up
                return
            cid = event.client_order_id
            order = followed.get(cid)
            if order is not None and order.is_closed:
                del followed[cid]
            else:
                if not duplicates:
                    return
                # The denial of a submit whose id the followed order ``cid`` has (it is left as it is).
                order = duplicates.get(cid)
                if order is None or not order.is_closed:
                    return
                del duplicates[cid]
            if strategy.state is not _RUNNING:
                return
            try:
                method(order)
            except Exception as exc:
                self._fault(strategy, "on_order_closed", exc)

        return handler

    def _contained_timer(self, strategy: Strategy, name: str, callback: TimeCallback) -> TimeCallback:
        def fire(event: TimeEvent) -> None:
            if strategy.state is not _RUNNING:
                return
            try:
                callback(event)
            except Exception as exc:
                self._fault(strategy, f"timer {name}", exc)

        return fire

    def _call(self, strategy: Strategy, callback: str) -> None:
        """Call a lifecycle callback (``on_start``/``on_stop``), contained."""
        try:
            getattr(strategy, callback)()
        except Exception as exc:
            self._fault(strategy, callback, exc)

    def _fault(self, strategy: Strategy, callback: str, exc: Exception) -> None:
        if strategy.state is _FAULTED:
            # Raised after the fault, in a callback that was already running (e.g. the next submit of
            # an ``on_bar`` whose previous submit faulted the strategy from ``on_order_event``): a
            # consequence of the fault already recorded, logged rather than reported twice.
            self.log(strategy.id, f"{callback} raised after the fault: {type(exc).__name__}: {exc}")
            return
        text = "".join(traceback.format_exception(exc))
        self.errors.append(
            StrategyError(strategy.id, callback, f"{type(exc).__name__}: {exc}", text, self.clock.timestamp_ns())
        )
        strategy.state = _FAULTED
        self._detach(strategy)
        # Routed parents first: the router cancels their children (a strategy may not cancel a child
        # alone), and they are not in the cache. Then working orders, and held contingent ones (a
        # bracket's take-profit and stop-loss, not yet released when the fault comes in the entry's
        # fill event): cancelled locally, they are never released.
        router: _ListingGroups | None = getattr(self.core, "router", None)
        if router is not None:
            try:
                router.cancel_parents(strategy.id, None, f"strategy {strategy.id} faulted in {callback}")
            except NautilusError as cancel_error:
                self.log(strategy.id, f"could not cancel its routed orders after the fault: {cancel_error}")
        for order in self.cache.orders_open(strategy_id=strategy.id, held=True):
            if order.is_closed:  # closed meanwhile: a one-cancels-other sibling of one cancelled here
                continue
            try:
                self.core.execute(CancelOrder(
                    ts_init=self.clock.timestamp_ns(), strategy_id=strategy.id, instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                ))  # fmt: skip
            except NautilusError as cancel_error:
                self.log(strategy.id, f"could not cancel {order.client_order_id} after the fault: {cancel_error}")
        self._cancel_when_accepted(strategy, router)

    def _cancel_when_accepted(self, strategy: Strategy, router: _ListingGroups | None) -> None:
        """After a fault: cancel each of the strategy's orders the venue accepts from now on. An order
        on its way to the venue when the fault came (the fault raised in its ``OrderSubmitted``, or
        the cancel reached the venue before the order) cannot be cancelled yet, and a submitted
        list's later orders are sent after the fault; left alone, they would work for a strategy
        that no longer runs. A market, IOC or FOK order is left to fill (or end) at once, as it
        would have before the fault. Subscribed only once a strategy faulted: no cost on the normal
        path."""
        cancelled: set[ClientOrderId] = set()  # each order once: a rejected cancel is not retried

        def handler(event: OrderEvent) -> None:
            if type(event) is not OrderAccepted:
                return
            cid = event.client_order_id
            order = self.cache.orders.get(cid)
            if (
                cid in cancelled or order is None or order.strategy_id != strategy.id
                or order.status is _PENDING_CANCEL or not order.is_open
                or order.order_type is _MARKET or order.time_in_force in _NOT_RESTING  # fill (or end) at once
                or (router is not None and router.parent_of(cid) is not None)  # a routed child: the router's
            ):  # fmt: skip
                return
            cancelled.add(cid)
            try:
                self.core.execute(CancelOrder(
                    ts_init=self.clock.timestamp_ns(), strategy_id=strategy.id, instrument_id=order.instrument_id,
                    client_order_id=cid,
                ))  # fmt: skip
            except NautilusError as cancel_error:
                self.log(strategy.id, f"could not cancel {cid} after the fault: {cancel_error}")

        self.bus.subscribe(f"events.order.{strategy.id}", handler)

    def _detach(self, strategy: Strategy) -> None:
        for topic, handler in self._subscriptions.get(strategy.id, []):
            if topic.startswith("data."):
                self.bus.unsubscribe(topic, handler)
        self._subscriptions[strategy.id] = [
            (t, h) for t, h in self._subscriptions[strategy.id] if not t.startswith("data.")
        ]
        for name in self._timers.get(strategy.id, []):
            if name in self.clock.timer_names:
                self.clock.cancel_timer(name)
        self._timers[strategy.id] = []
        followed = self._followed.get(strategy.id)
        if followed is not None:  # ``on_order_closed`` is called only while the strategy runs
            followed.clear()


def _created(order: Order) -> int:
    return order.init.ts_init


def _orders_of(command: Command) -> tuple[Order, ...]:
    """The orders a command submits (none for a cancel or a modify)."""
    if isinstance(command, SubmitOrder):
        return (command.order,)
    if isinstance(command, SubmitOrderList):
        return command.orders
    return ()


def _overrides(strategy: Strategy, callback: str) -> bool:
    """Whether the strategy's class (or the instance) replaces the base class's empty ``callback``."""
    return getattr(getattr(strategy, callback), "__func__", None) not in _BASE_EVENT_CALLBACKS


def _require_running(strategy: Strategy, action: str) -> None:
    """A ``ConfigurationError`` unless the strategy is running (it is while its ``on_start`` and ``on_stop`` run)."""
    if strategy.state is not _RUNNING:
        raise ConfigurationError(f"strategy {strategy.id} is {strategy.state.value}: it cannot {action}")
