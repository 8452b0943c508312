"""Builds validated orders (and linked order lists) for one strategy."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import msgspec

from nautilus_platform.core.clock import Clock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, OrderListId, StrategyId
from nautilus_platform.model.enums import (
    PRICED_TYPES,
    TRAILING_TYPES,
    TRIGGERED_TYPES,
    ContingencyType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_platform.model.events import OrderInitialized
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity

_CONTINGENCY_TYPE_OCO: Final = ContingencyType.OCO
_CONTINGENCY_TYPE_OTO: Final = ContingencyType.OTO
_CONTINGENCY_TYPE_OUO: Final = ContingencyType.OUO
_ORDER_SIDE_BUY: Final = OrderSide.BUY
_ORDER_TYPE_LIMIT: Final = OrderType.LIMIT
_ORDER_TYPE_LIMIT_IF_TOUCHED: Final = OrderType.LIMIT_IF_TOUCHED
_ORDER_TYPE_MARKET: Final = OrderType.MARKET
_ORDER_TYPE_MARKET_IF_TOUCHED: Final = OrderType.MARKET_IF_TOUCHED
_ORDER_TYPE_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_ORDER_TYPE_STOP_MARKET: Final = OrderType.STOP_MARKET
_ORDER_TYPE_TRAILING_STOP_LIMIT: Final = OrderType.TRAILING_STOP_LIMIT
_ORDER_TYPE_TRAILING_STOP_MARKET: Final = OrderType.TRAILING_STOP_MARKET
_TIME_IN_FORCE_FOK: Final = TimeInForce.FOK
_TIME_IN_FORCE_GTD: Final = TimeInForce.GTD
_TIME_IN_FORCE_IOC: Final = TimeInForce.IOC
# Final aliases of imported names: compiled code reads them as constants, not through the module dict.
_PRICED: Final = PRICED_TYPES
_TRIGGERED: Final = TRIGGERED_TYPES
_TRAILING: Final = TRAILING_TYPES
_QUANTITY_CLS: Final = Quantity
_PRICE_CLS: Final = Price
_ORDER_SIDE_CLS: Final = OrderSide
_ORDER_INITIALIZED_CLS: Final = OrderInitialized
_CLIENT_ORDER_ID_CLS: Final = ClientOrderId
_INSTRUMENT_ID_CLS: Final = InstrumentId
_ORDER_TYPE_CLS: Final = OrderType
_TIME_IN_FORCE_CLS: Final = TimeInForce
_TRIGGER_TYPE_CLS: Final = TriggerType
_DECIMAL_CLS: Final = Decimal
_ORDER_STATUS_INITIALIZED: Final = OrderStatus.INITIALIZED
_NEW_STR: Final = str.__new__
_TRAILING_OFFSET_TYPE_CLS: Final = TrailingOffsetType
_TRAILING_OFFSET_TYPE_TICKS: Final = TrailingOffsetType.TICKS
_TRAILING_OFFSET_TYPE_BASIS_POINTS: Final = TrailingOffsetType.BASIS_POINTS
_MAX_OFFSET_BPS: Final = Decimal(10_000)


class OrderList(msgspec.Struct, frozen=True, gc=False):
    """Orders submitted together: ``orders[0]`` is the first leg (the entry of a bracket)."""

    order_list_id: OrderListId
    orders: tuple[Order, ...]


def validate_order(init: OrderInitialized) -> None:
    """Check an order's fields against the rules of its type; raise ``ValidationError``."""
    _validate(
        init.instrument_id, init.order_type, init.quantity, init.side, init.price, init.trigger_price,
        init.trigger_type, init.trailing_offset, init.trailing_offset_type, init.limit_offset, init.time_in_force,
        init.expire_time_ns, init.ts_init, init.post_only,
    )  # fmt: skip


def _validate(
    instrument_id: InstrumentId,
    kind: OrderType,
    quantity: Quantity,
    side: OrderSide,
    price: Price | None,
    trigger_price: Price | None,
    trigger_type: TriggerType,
    trailing_offset: Decimal | None,
    trailing_offset_type: TrailingOffsetType | None,
    limit_offset: Decimal | None,
    time_in_force: TimeInForce,
    expire_time_ns: int,
    ts_init: int,
    post_only: bool,
) -> None:
    """``validate_order`` on the fields themselves (the factory has them at hand: no struct reads)."""
    if not isinstance(instrument_id, _INSTRUMENT_ID_CLS):
        raise ValidationError("instrument_id", instrument_id, "must be an InstrumentId")
    if type(kind) is not _ORDER_TYPE_CLS:
        raise ValidationError("order_type", kind, "must be an OrderType")
    if type(time_in_force) is not _TIME_IN_FORCE_CLS:
        raise ValidationError("time_in_force", time_in_force, "must be a TimeInForce")
    if type(trigger_type) is not _TRIGGER_TYPE_CLS:
        raise ValidationError("trigger_type", trigger_type, "must be a TriggerType")
    if type(expire_time_ns) is not int:
        raise ValidationError("expire_time_ns", expire_time_ns, "must be an int of UNIX nanoseconds")
    if not isinstance(quantity, _QUANTITY_CLS) or quantity.raw <= 0:
        raise ValidationError("quantity", quantity, "must be a positive Quantity")
    if not isinstance(side, _ORDER_SIDE_CLS):
        raise ValidationError("side", side, "must be an OrderSide")
    if kind in _PRICED and kind not in _TRAILING and price is None:
        raise ValidationError("price", None, f"is required for {kind.name} orders")
    if kind not in _PRICED and price is not None:
        raise ValidationError("price", str(price), f"is not allowed on {kind.name} orders")
    if kind in _TRIGGERED and kind not in _TRAILING and trigger_price is None:
        raise ValidationError("trigger_price", None, f"is required for {kind.name} orders")
    if kind not in _TRIGGERED and trigger_price is not None:
        raise ValidationError("trigger_price", str(trigger_price), f"is not allowed on {kind.name} orders")
    if price is not None and (not isinstance(price, _PRICE_CLS) or price.raw <= 0):
        raise ValidationError("price", price, "must be a positive Price")
    if trigger_price is not None and (not isinstance(trigger_price, _PRICE_CLS) or trigger_price.raw <= 0):
        raise ValidationError("trigger_price", trigger_price, "must be a positive Price")
    if kind in _TRAILING:
        offset = trailing_offset
        # is_finite first: ordering a NaN Decimal raises decimal.InvalidOperation, and Infinity is no offset.
        if not isinstance(offset, _DECIMAL_CLS) or not offset.is_finite() or offset <= 0:
            raise ValidationError("trailing_offset", offset, "must be a positive finite Decimal")
        if type(trailing_offset_type) is not _TRAILING_OFFSET_TYPE_CLS:
            if trailing_offset_type is None:
                raise ValidationError("trailing_offset_type", None, "is required for trailing stops")
            raise ValidationError("trailing_offset_type", trailing_offset_type, "must be a TrailingOffsetType")
        _check_offset("trailing_offset", offset, trailing_offset_type)
        if kind is _ORDER_TYPE_TRAILING_STOP_LIMIT:
            limit = limit_offset
            if not isinstance(limit, _DECIMAL_CLS) or not limit.is_finite() or limit < 0:
                raise ValidationError("limit_offset", limit, "must be a non-negative finite Decimal")
            _check_offset("limit_offset", limit, trailing_offset_type)
    if time_in_force is _TIME_IN_FORCE_GTD:
        if expire_time_ns <= ts_init:
            raise ValidationError("expire_time_ns", expire_time_ns, "GTD needs an expiry after creation")
    elif expire_time_ns:
        raise ValidationError("expire_time_ns", expire_time_ns, "only GTD orders have an expiry")
    if post_only:
        if kind is not _ORDER_TYPE_LIMIT:
            raise ValidationError("post_only", True, "only LIMIT orders can be post-only")
        if time_in_force in (_TIME_IN_FORCE_IOC, _TIME_IN_FORCE_FOK):
            raise ValidationError("post_only", True, f"cannot combine with {time_in_force.name}")
    if kind is _ORDER_TYPE_MARKET and time_in_force is _TIME_IN_FORCE_GTD:
        raise ValidationError("time_in_force", "GTD", "market orders cannot be GTD")


def _check_offset(name: str, offset: Decimal, kind: TrailingOffsetType) -> None:
    """A trailing stop's offset (or its limit offset, in the same unit) fits its type: a whole
    number of ticks, or fewer than 10,000 basis points (a sell's stop 100% below its reference
    would sit at or below zero). A PRICE offset is checked against the tick size on submit (the
    risk engine's instrument check): the factory does not know the instrument."""
    if kind is _TRAILING_OFFSET_TYPE_TICKS:
        if offset != offset.to_integral_value():
            raise ValidationError(name, offset, "must be a whole number of ticks (trailing_offset_type TICKS)")
    elif kind is _TRAILING_OFFSET_TYPE_BASIS_POINTS and offset >= _MAX_OFFSET_BPS:
        raise ValidationError(name, offset, "must be below 10000 basis points (trailing_offset_type BASIS_POINTS)")


class OrderFactory:
    """Creates orders with unique ``ClientOrderId``s stamped by the strategy's clock."""

    def __init__(self, strategy_id: StrategyId, clock: Clock, *, validate: bool = True) -> None:
        self.strategy_id = strategy_id
        self.clock = clock
        self.validate = validate
        self._order_count = 0
        self._list_count = 0
        self._prefix = f"O-{strategy_id}-"

    def next_id(self) -> ClientOrderId:
        self._order_count += 1
        return _NEW_STR(_CLIENT_ORDER_ID_CLS, f"{self._prefix}{self._order_count}")  # ``unchecked``, inlined

    def next_list_id(self) -> OrderListId:
        self._list_count += 1
        return OrderListId(f"OL-{self.strategy_id}-{self._list_count}")

    def create(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        order_type: OrderType,
        quantity: Quantity,
        *,
        price: Price | None = None,
        trigger_price: Price | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int = 0,
        post_only: bool = False,
        reduce_only: bool = False,
        trailing_offset: Decimal | None = None,
        trailing_offset_type: TrailingOffsetType | None = None,
        limit_offset: Decimal | None = None,
        contingency_type: ContingencyType = ContingencyType.NONE,
        order_list_id: OrderListId | None = None,
        linked_order_ids: tuple[ClientOrderId, ...] = (),
        parent_order_id: ClientOrderId | None = None,
        client_order_id: ClientOrderId | None = None,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Create any order type; the named helpers below are the usual entry points."""
        now = self.clock.timestamp_ns()
        init = _ORDER_INITIALIZED_CLS(
            ts_event=now,
            ts_init=now,
            strategy_id=self.strategy_id,
            instrument_id=instrument_id,
            client_order_id=client_order_id or self.next_id(),
            side=side,
            order_type=order_type,
            quantity=quantity,
            time_in_force=time_in_force,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            limit_offset=limit_offset,
            contingency_type=contingency_type,
            order_list_id=order_list_id,
            linked_order_ids=linked_order_ids,
            parent_order_id=parent_order_id,
            tags=tags,
        )
        if not self.validate:
            return Order(init)  # the risk engine checks it on submit (``validate_order``)
        _validate(
            instrument_id, order_type, quantity, side, price, trigger_price, trigger_type, trailing_offset,
            trailing_offset_type, limit_offset, time_in_force, expire_time_ns, now, post_only,
        )  # fmt: skip
        order = Order(init)
        order.validated = True  # the risk engine does not check it again
        return order

    def market(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_MARKET, quantity,
            time_in_force=time_in_force, reduce_only=reduce_only, tags=tags,
        )  # fmt: skip

    def limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int = 0,
        post_only: bool = False,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_LIMIT, quantity, price=price,
            time_in_force=time_in_force, expire_time_ns=expire_time_ns,
            post_only=post_only, reduce_only=reduce_only, tags=tags,
        )  # fmt: skip

    def stop_market(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trigger_price: Price,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int = 0,
        reduce_only: bool = False,
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_STOP_MARKET, quantity, trigger_price=trigger_price,
            trigger_type=trigger_type, time_in_force=time_in_force,
            expire_time_ns=expire_time_ns, reduce_only=reduce_only,
        )  # fmt: skip

    def stop_limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        trigger_price: Price,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int = 0,
        reduce_only: bool = False,
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_STOP_LIMIT, quantity, price=price,
            trigger_price=trigger_price, trigger_type=trigger_type, time_in_force=time_in_force,
            expire_time_ns=expire_time_ns, reduce_only=reduce_only,
        )  # fmt: skip

    def market_if_touched(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trigger_price: Price,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_MARKET_IF_TOUCHED, quantity, trigger_price=trigger_price,
            trigger_type=trigger_type, time_in_force=time_in_force, reduce_only=reduce_only,
        )  # fmt: skip

    def limit_if_touched(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        trigger_price: Price,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
    ) -> Order:
        return self.create(
            instrument_id, side, _ORDER_TYPE_LIMIT_IF_TOUCHED, quantity, price=price,
            trigger_price=trigger_price, trigger_type=trigger_type,
            time_in_force=time_in_force, reduce_only=reduce_only,
        )  # fmt: skip

    def trailing_stop_market(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trailing_offset: Decimal,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE,
        trigger_price: Price | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        reduce_only: bool = False,
    ) -> Order:
        """A stop that follows the market by ``trailing_offset`` (price, ticks or basis points)."""
        return self.create(
            instrument_id, side, _ORDER_TYPE_TRAILING_STOP_MARKET, quantity,
            trigger_price=trigger_price, trigger_type=trigger_type,
            trailing_offset=trailing_offset, trailing_offset_type=trailing_offset_type,
            reduce_only=reduce_only,
        )  # fmt: skip

    def trailing_stop_limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trailing_offset: Decimal,
        limit_offset: Decimal,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE,
        trigger_price: Price | None = None,
        price: Price | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        reduce_only: bool = False,
    ) -> Order:
        """A trailing stop whose limit sits ``limit_offset`` beyond the trigger when it fires."""
        return self.create(
            instrument_id, side, _ORDER_TYPE_TRAILING_STOP_LIMIT, quantity, price=price,
            trigger_price=trigger_price, trigger_type=trigger_type,
            trailing_offset=trailing_offset, trailing_offset_type=trailing_offset_type,
            limit_offset=limit_offset, reduce_only=reduce_only,
        )  # fmt: skip

    def bracket(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        take_profit: Price,
        stop_loss: Price,
        entry_price: Price | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
    ) -> OrderList:
        """Entry (market, or limit at ``entry_price``) + take-profit limit + stop-loss stop.

        The entry is OTO: its fills release the two exits sized to the filled quantity. The exits
        are OCO: a fill on one reduces the other, a full fill or a cancel cancels the other.
        """
        if not isinstance(take_profit, _PRICE_CLS):
            raise ValidationError("take_profit", take_profit, "must be a Price")
        if not isinstance(stop_loss, _PRICE_CLS):
            raise ValidationError("stop_loss", stop_loss, "must be a Price")
        if entry_price is not None and not isinstance(entry_price, _PRICE_CLS):
            raise ValidationError("entry_price", entry_price, "must be a Price")
        if side is _ORDER_SIDE_BUY:
            ordered = stop_loss < take_profit and (entry_price is None or stop_loss < entry_price < take_profit)
        else:
            ordered = take_profit < stop_loss and (entry_price is None or take_profit < entry_price < stop_loss)
        if not ordered:
            rule = "stop_loss < entry < take_profit" if side is _ORDER_SIDE_BUY else "take_profit < entry < stop_loss"
            raise ValidationError(
                "stop_loss/take_profit", f"{stop_loss}/{take_profit}", f"a {side.name} bracket needs {rule}"
            )
        list_id = self.next_list_id()
        entry_id, tp_id, sl_id = self.next_id(), self.next_id(), self.next_id()
        exit_side = side.opposite
        entry = self.create(
            instrument_id, side, _ORDER_TYPE_LIMIT if entry_price is not None else _ORDER_TYPE_MARKET,
            quantity, price=entry_price, time_in_force=time_in_force,
            contingency_type=_CONTINGENCY_TYPE_OTO, order_list_id=list_id,
            linked_order_ids=(tp_id, sl_id), client_order_id=entry_id, tags=("ENTRY",),
        )  # fmt: skip
        tp = self.create(
            instrument_id, exit_side, _ORDER_TYPE_LIMIT, quantity, price=take_profit,
            contingency_type=_CONTINGENCY_TYPE_OCO, order_list_id=list_id, linked_order_ids=(sl_id,),
            parent_order_id=entry_id, client_order_id=tp_id, reduce_only=True, tags=("TAKE_PROFIT",),
        )  # fmt: skip
        sl = self.create(
            instrument_id, exit_side, _ORDER_TYPE_STOP_MARKET, quantity, trigger_price=stop_loss,
            contingency_type=_CONTINGENCY_TYPE_OCO, order_list_id=list_id, linked_order_ids=(tp_id,),
            parent_order_id=entry_id, client_order_id=sl_id, reduce_only=True, tags=("STOP_LOSS",),
        )  # fmt: skip
        return OrderList(list_id, (entry, tp, sl))

    def oco(self, first: Order, second: Order) -> OrderList:
        """Link two fresh orders as one-cancels-the-other (rebuilt with the links)."""
        return self._linked(_CONTINGENCY_TYPE_OCO, first, second)

    def ouo(self, first: Order, second: Order) -> OrderList:
        """Link two fresh orders as one-updates-the-other: a fill of one reduces the other."""
        return self._linked(_CONTINGENCY_TYPE_OUO, first, second)

    def oto(self, parent: Order, child: Order) -> OrderList:
        """``child`` is held until ``parent`` fills, then sized to the parent's filled quantity."""
        _check_linkable(parent, child)
        list_id = self.next_list_id()
        p = _relink(parent, contingency_type=_CONTINGENCY_TYPE_OTO, order_list_id=list_id,
                    linked_order_ids=(child.client_order_id,))  # fmt: skip
        c = _relink(child, order_list_id=list_id, parent_order_id=parent.client_order_id)
        return OrderList(list_id, (p, c))

    def _linked(self, kind: ContingencyType, first: Order, second: Order) -> OrderList:
        _check_linkable(first, second)
        list_id = self.next_list_id()
        a = _relink(first, contingency_type=kind, order_list_id=list_id, linked_order_ids=(second.client_order_id,))
        b = _relink(second, contingency_type=kind, order_list_id=list_id, linked_order_ids=(first.client_order_id,))
        return OrderList(list_id, (a, b))


def _check_linkable(first: Order, second: Order) -> None:
    """Two distinct fresh orders, neither already in a list (relinking would orphan its old links)."""
    for order in (first, second):
        if not isinstance(order, Order):
            raise ValidationError("order", order, "must be an Order")
        if order.status is not _ORDER_STATUS_INITIALIZED:
            raise ValidationError(
                "order", order.client_order_id, f"must be fresh (INITIALIZED), is {order.status.name}"
            )
        if order.init.order_list_id is not None or order.init.parent_order_id is not None:
            raise ValidationError("order", order.client_order_id, "is already linked in an order list")
    if first.client_order_id == second.client_order_id:
        raise ValidationError("order", first.client_order_id, "cannot be linked to itself")


def _relink(order: Order, **changes: object) -> Order:
    relinked = Order(msgspec.structs.replace(order.init, **changes))
    relinked.validated = order.validated  # the links change none of the fields ``validate_order`` checks
    return relinked
