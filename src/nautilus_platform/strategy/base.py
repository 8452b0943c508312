"""The ``Strategy`` base class: callbacks for data and events, access to the core, order actions.

Subclass it, declare parameters with ``Param`` and override the callbacks you need::

    class MyStrategy(Strategy):
        period = Param(int, 20, low=2, high=500)

        def on_start(self) -> None:
            self.subscribe_bars("AAPL.XNAS-1-DAY-LAST")

        def on_bar(self, bar: Bar) -> None:
            if self.is_flat(bar.instrument_id):
                self.submit(self.orders.market(bar.instrument_id, OrderSide.BUY, Quantity.of(100)))

A strategy runs only once a ``StrategyEngine`` has registered it (the engine gives it the clock,
cache, portfolio and order factory). Callbacks run on the core's thread, in event order; an
exception in one stops the strategy (see ``StrategyEngine``) and never reaches the core.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from nautilus_platform.core.clock import Clock, TimeCallback
from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId, PositionId, StrategyId, VenueId
from nautilus_platform.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.data import Bar, BarType, OrderBookDeltas, OrderBookSnapshot, QuoteTick, TradeTick
from nautilus_platform.model.enums import OmsType, OrderSide
from nautilus_platform.model.events import OrderEvent, PositionEvent
from nautilus_platform.model.order_factory import OrderFactory, OrderList
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import FIXED_SCALAR, Price, Quantity
from nautilus_platform.strategy.params import Param, declared_params, take_params
from nautilus_platform.trading.cache import Cache
from nautilus_platform.trading.positions import Portfolio

if TYPE_CHECKING:
    from nautilus_platform.strategy.engine import StrategyEngine


class StrategyState(Enum):
    READY = "ready"
    RUNNING = "running"
    STOPPED = "stopped"
    FAULTED = "faulted"


class Strategy:
    """Base of every strategy; see the module docstring."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        take_params(cls)  # parameter reads in hot loops stay specialised (see ``take_params``)
        for name in declared_params(cls):
            # A parameter is an instance attribute: named as one of the base class's, it would be
            # overwritten (``id``, ``state``), hide a method (``log``, ``submit``) or fail to set.
            if name in _BASE_NAMES:
                raise ValidationError(
                    f"{cls.__name__}.{name}",
                    name,
                    "is a name the Strategy base class uses: name the parameter otherwise",
                )

    def __init__(self, strategy_id: str | None = None, **params: object) -> None:
        for name, value in params.items():
            self.set_param(name, value)
        for name, param in declared_params(type(self)).items():
            # Defaults on the instance too: every parameter is a plain instance attribute (the
            # class holds no ``Param`` of that name, see ``take_params``). ``setattr``, never
            # ``self.__dict__``: touching ``__dict__`` turns the instance's inline attribute values
            # into a real dict, and every ``self.x`` in the strategy then takes CPython's slow
            # path (about 2.5 times slower in CPython 3.11).
            if name not in params:
                setattr(self, name, param.default)
        self.id = StrategyId(strategy_id or f"{type(self).__name__}-001")
        self.default_route: RoutingInstruction | None = None
        self.state = StrategyState.READY
        self._engine: StrategyEngine | None = None
        self._orders: OrderFactory | None = None

    # -- parameters ---------------------------------------------------------------------------
    @classmethod
    def parameters(cls) -> dict[str, Param[Any]]:
        """The declared parameters (name -> ``Param``: type, default, bounds, help)."""
        return declared_params(cls)

    def set_param(self, name: str, value: object) -> None:
        """Set a declared parameter, validated (text is parsed by the declared type)."""
        declared = declared_params(type(self))
        param = declared.get(name)
        if param is None:
            raise ValidationError(
                name, value, f"is not a parameter of {type(self).__name__}; it has {sorted(declared)}"
            )
        setattr(self, name, param.check(value))  # an instance attribute

    @property
    def params(self) -> dict[str, object]:
        """This instance's parameter values."""
        return {name: getattr(self, name) for name in declared_params(type(self))}

    # -- context (set when an engine registers the strategy) -----------------------------------
    @property
    def engine(self) -> StrategyEngine:
        if self._engine is None:
            raise ConfigurationError(f"strategy {self.id} is not registered with a StrategyEngine")
        return self._engine

    @property
    def clock(self) -> Clock:
        return self.engine.clock

    @property
    def cache(self) -> Cache:
        return self.engine.cache

    @property
    def portfolio(self) -> Portfolio:
        return self.engine.portfolio

    @property
    def orders(self) -> OrderFactory:
        """The order factory: ``market``, ``limit``, ``stop_market``…, ``bracket``, ``oco``, ``oto``."""
        if self._orders is None:
            self._orders = OrderFactory(self.id, self.clock)
        return self._orders

    def log(self, message: str) -> None:
        """Record a message in the engine's log with the time and this strategy's id."""
        self.engine.log(self.id, message)

    # -- callbacks (override what you need) ----------------------------------------------------
    def on_start(self) -> None:
        """Called once when the engine starts the strategy: subscribe to data here."""

    def on_stop(self) -> None:
        """Called once when the strategy stops (end of a backtest, or stopped by the engine)."""

    def on_bar(self, bar: Bar) -> None: ...
    def on_quote(self, quote: QuoteTick) -> None: ...
    def on_trade(self, trade: TradeTick) -> None: ...
    def on_book(self, book: OrderBookSnapshot | OrderBookDeltas) -> None: ...
    def on_order_event(self, event: OrderEvent) -> None: ...
    def on_position_event(self, event: PositionEvent) -> None: ...
    def on_routed_order_event(self, event: OrderEvent) -> None:
        """An event of a routed parent order (accepted, filled with a child's fill, cancelled...)."""

    def on_order_closed(self, order: Order) -> None:
        """An order this strategy submitted has closed: FILLED, or CANCELED, EXPIRED, REJECTED or
        DENIED with ``order.filled_raw`` filled (perhaps 0). Called once per order, right after the
        event that closed it (inside ``submit`` when the order closes at once, denied or filled),
        for each order of a submitted list and for a routed parent (not its children). An order
        denied because its id is already used is reported too (the order that has the id is not).
        A submit that raises passes the exception to its caller, and an order the core did not take
        is not reported. Called only while the strategy runs. Only the
        events that close an order reach it, so overriding it costs far less than overriding
        ``on_order_event``, which is called for every event of every order."""

    # -- subscriptions and timers ---------------------------------------------------------------
    def subscribe_bars(self, bar_type: BarType | str) -> None:
        self.engine.subscribe(
            self, "bars", str(bar_type if isinstance(bar_type, BarType) else BarType.from_str(bar_type))
        )

    def subscribe_quotes(self, instrument_id: InstrumentId | str) -> None:
        self.engine.subscribe(self, "quotes", str(InstrumentId(instrument_id)))

    def subscribe_trades(self, instrument_id: InstrumentId | str) -> None:
        self.engine.subscribe(self, "trades", str(InstrumentId(instrument_id)))

    def subscribe_book(self, instrument_id: InstrumentId | str) -> None:
        self.engine.subscribe(self, "book", str(InstrumentId(instrument_id)))

    def set_timer(self, name: str, interval_ns: int, callback: TimeCallback, start_ns: int | None = None) -> None:
        """A repeating timer; the callback is contained like every other callback."""
        self.engine.set_timer(self, name, interval_ns, callback, start_ns)

    def set_time_alert(self, name: str, alert_time_ns: int, callback: TimeCallback) -> None:
        self.engine.set_time_alert(self, name, alert_time_ns, callback)

    # -- orders ---------------------------------------------------------------------------------
    def submit(
        self,
        order: Order,
        venue: VenueId | None = None,
        route: RoutingInstruction | None = None,
        position_id: PositionId | None = None,
    ) -> None:
        """Send an order through risk to its venue (or ``venue``), or with ``route`` through the smart
        order router as a parent order split across the venues listing the instrument (the
        parent's own events then arrive in ``on_routed_order_event``, its children's in
        ``on_order_event``). Without ``venue``, ``route`` and ``position_id`` the strategy's
        ``default_route`` applies (``route_by_default``). ``position_id`` names the position the
        fills book into: in hedging mode, the one to reduce (else each order opens its own); it
        cannot go with a route (a routed order's fills book per listing)."""
        if position_id is not None and route is not None:
            raise ValidationError("position_id", position_id, "cannot go with a route: positions are kept per listing")
        if route is None and venue is None and position_id is None:
            route = self.default_route
        command = SubmitOrder(
            ts_init=self.clock.timestamp_ns(), strategy_id=self.id, order=order, venue=venue, route=route,
            position_id=position_id,
        )  # fmt: skip
        self.engine.execute(self, command)

    def route_by_default(self, route: RoutingInstruction | None) -> None:
        """Send every order submitted without a venue or route through the smart order router
        with ``route`` (``None``: to the instrument's own venue again). ``naut backtest --route``
        uses it to route a strategy that was written for one venue."""
        self.default_route = route

    def submit_list(self, order_list: OrderList, venue: VenueId | None = None) -> None:
        """Send a bracket, OCO or OTO list."""
        command = SubmitOrderList(
            ts_init=self.clock.timestamp_ns(), strategy_id=self.id, order_list_id=order_list.order_list_id,
            orders=order_list.orders, venue=venue,
        )  # fmt: skip
        self.engine.execute(self, command)

    def modify(
        self,
        order: Order,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
    ) -> None:
        command = ModifyOrder(
            ts_init=self.clock.timestamp_ns(), strategy_id=self.id, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id, quantity=quantity, price=price, trigger_price=trigger_price,
        )  # fmt: skip
        self.engine.execute(self, command)

    def cancel(self, order: Order) -> None:
        command = CancelOrder(
            ts_init=self.clock.timestamp_ns(), strategy_id=self.id, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
        )  # fmt: skip
        self.engine.execute(self, command)

    def cancel_all(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        command = CancelAllOrders(
            ts_init=self.clock.timestamp_ns(), strategy_id=self.id, instrument_id=instrument_id, order_side=side
        )
        self.engine.execute(self, command)

    def close_position(self, instrument_id: InstrumentId) -> list[Order]:
        """Flatten this strategy's position in ``instrument_id`` (with smart order routing on, at every
        listing the router groups with it: see ``position_qty``), each listing's with a reduce-only
        market order sent to its own venue, never routed; in hedging mode, one order per open
        position, naming it. Returns the orders sent (none when flat)."""
        sent: list[Order] = []
        portfolio = self.portfolio
        hedging = portfolio.oms_overrides.get(self.id, portfolio.oms_type) is OmsType.HEDGING
        for listing in self.engine.listings(instrument_id):
            if hedging:  # each position closed by an order of its own (one without a position opens another)
                for position in portfolio.open_positions(listing, self.id):
                    side = OrderSide.SELL if position.signed_raw > 0 else OrderSide.BUY
                    order = self.orders.market(listing, side, position.quantity, reduce_only=True)
                    command = SubmitOrder(
                        ts_init=self.clock.timestamp_ns(), strategy_id=self.id, order=order, position_id=position.id
                    )
                    self.engine.execute(self, command)
                    sent.append(order)
                continue
            raw = portfolio.net_position_raw(listing, self.id)
            if raw:
                size_precision = self.cache.instrument(listing).size_precision
                side = OrderSide.SELL if raw > 0 else OrderSide.BUY
                order = self.orders.market(
                    listing, side, Quantity(raw=abs(raw), precision=size_precision), reduce_only=True
                )
                # Not ``submit``: without a venue it would take the default route, and a reduce-only
                # order cannot be routed (positions are kept per listing).
                command = SubmitOrder(ts_init=self.clock.timestamp_ns(), strategy_id=self.id, order=order)
                self.engine.execute(self, command)
                sent.append(order)
        return sent

    # -- state ----------------------------------------------------------------------------------
    def position_qty(self, instrument_id: InstrumentId) -> Decimal:
        """This strategy's signed net position (positive long, negative short) in ``instrument_id``.
        With smart order routing on, a routed order's fills book to the listing each child filled on,
        so this is the net over every listing the router groups with ``instrument_id`` (the same
        symbol on each venue, or ``RouterConfig.groups``); without routing, the instrument's own.
        ``venue_position_qty`` gives one listing's."""
        return Decimal(self._net_position_raw(instrument_id)) / FIXED_SCALAR

    def is_flat(self, instrument_id: InstrumentId) -> bool:
        """No net position in ``instrument_id`` (over its routing group, as ``position_qty``)."""
        return self._net_position_raw(instrument_id) == 0

    def venue_position_qty(self, instrument_id: InstrumentId) -> Decimal:
        """This strategy's signed position in ``instrument_id`` at its own venue only, routing or not."""
        return Decimal(self.portfolio.net_position_raw(instrument_id, self.id)) / FIXED_SCALAR

    def _net_position_raw(self, instrument_id: InstrumentId) -> int:
        portfolio = self.portfolio
        return sum(portfolio.net_position_raw(listing, self.id) for listing in self.engine.listings(instrument_id))

    def open_orders(self, instrument_id: InstrumentId | None = None) -> list[Order]:
        """This strategy's working orders, oldest first (of ``instrument_id``, or all). With smart
        order routing on: its routed parents instead of their children, and ``instrument_id`` spans
        every listing the router groups with it, as ``position_qty`` does."""
        return self.engine.open_orders(self, instrument_id)


#: The names a parameter cannot take: the base class's attributes, methods and instance attributes.
_BASE_NAMES = frozenset(dir(Strategy)) | {"id", "default_route", "state", "_engine", "_orders"}
