"""Commands: imperative requests into the trading core, validated when built."""

from __future__ import annotations

from typing import Final, NoReturn

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import (
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    VenueId,
)
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Price, Quantity


def _require(value: object, kind: type, field: str) -> None:
    if not isinstance(value, kind):
        _invalid(value, kind, field)


def _invalid(value: object, kind: type, field: str) -> NoReturn:
    raise ValidationError(field, value, f"must be a {kind.__name__}")


_INITIALIZED: Final = OrderStatus.INITIALIZED


class Command(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag=True):
    """Base of every command."""

    strategy_id: StrategyId
    ts_init: int


class SubmitOrder(Command, frozen=True, gc=False, kw_only=True, tag=True):
    """Submit one order; ``venue`` overrides routing by the instrument's venue, ``route`` sends it
    through the smart order router as a parent order."""

    order: Order
    position_id: PositionId | None = None
    venue: VenueId | None = None
    route: RoutingInstruction | None = None  # smart order routing instead of one venue

    def __post_init__(self) -> None:
        # Built for every order: checks inline, each field read once.
        strategy_id, order = self.strategy_id, self.order
        if not isinstance(strategy_id, StrategyId):
            _invalid(strategy_id, StrategyId, "strategy_id")
        if not isinstance(order, Order):
            _invalid(order, Order, "order")
        route = self.route
        if route is not None:
            _require(route, RoutingInstruction, "route")
            if self.venue is not None:
                raise ValidationError("venue", self.venue, "cannot be given with route (the router picks venues)")
        if order.strategy_id != strategy_id:
            raise ValidationError("order.strategy_id", order.strategy_id, f"must be {strategy_id}")
        if order.status is not _INITIALIZED:
            raise ValidationError("order.status", order.status.name, "must be INITIALIZED to submit")


class SubmitOrderList(Command, frozen=True, gc=False, kw_only=True, tag=True):
    """Submit linked orders (bracket, OCO, OTO) together."""

    order_list_id: OrderListId
    orders: tuple[Order, ...]
    position_id: PositionId | None = None
    venue: VenueId | None = None

    def __post_init__(self) -> None:
        _require(self.strategy_id, StrategyId, "strategy_id")
        if len(self.orders) < 2:
            raise ValidationError("orders", len(self.orders), "an order list needs at least two orders")
        ids = set()
        for order in self.orders:
            _require(order, Order, "orders[]")
            if order.strategy_id != self.strategy_id:
                raise ValidationError("orders[].strategy_id", order.strategy_id, f"must be {self.strategy_id}")
            if order.status is not OrderStatus.INITIALIZED:
                raise ValidationError("orders[].status", order.status.name, "must be INITIALIZED to submit")
            ids.add(order.client_order_id)
        if len(ids) != len(self.orders):
            raise ValidationError("orders", [str(o.client_order_id) for o in self.orders], "duplicate client_order_id")


class ModifyOrder(Command, frozen=True, gc=False, kw_only=True, tag=True):
    """Change an open order's quantity, limit price and/or trigger price."""

    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None

    def __post_init__(self) -> None:
        _require(self.strategy_id, StrategyId, "strategy_id")
        _require(self.instrument_id, InstrumentId, "instrument_id")
        _require(self.client_order_id, ClientOrderId, "client_order_id")
        if self.quantity is None and self.price is None and self.trigger_price is None:
            raise ValidationError("quantity/price/trigger_price", None, "at least one must be given")
        if self.quantity is not None:
            _require(self.quantity, Quantity, "quantity")
            if self.quantity.raw <= 0:
                raise ValidationError("quantity", str(self.quantity), "must be positive")
        if self.price is not None:
            _require(self.price, Price, "price")
        if self.trigger_price is not None:
            _require(self.trigger_price, Price, "trigger_price")


class CancelOrder(Command, frozen=True, gc=False, kw_only=True, tag=True):
    instrument_id: InstrumentId
    client_order_id: ClientOrderId

    def __post_init__(self) -> None:
        # Built for every cancel: checks inline.
        if not isinstance(self.strategy_id, StrategyId):
            _invalid(self.strategy_id, StrategyId, "strategy_id")
        if not isinstance(self.instrument_id, InstrumentId):
            _invalid(self.instrument_id, InstrumentId, "instrument_id")
        if not isinstance(self.client_order_id, ClientOrderId):
            _invalid(self.client_order_id, ClientOrderId, "client_order_id")


class CancelAllOrders(Command, frozen=True, gc=False, kw_only=True, tag=True):
    """Cancel the strategy's open orders on an instrument, optionally one side only."""

    instrument_id: InstrumentId
    order_side: OrderSide | None = None

    def __post_init__(self) -> None:
        _require(self.strategy_id, StrategyId, "strategy_id")
        _require(self.instrument_id, InstrumentId, "instrument_id")
        if self.order_side is not None:
            _require(self.order_side, OrderSide, "order_side")


TradingCommand = SubmitOrder | SubmitOrderList | ModifyOrder | CancelOrder | CancelAllOrders
