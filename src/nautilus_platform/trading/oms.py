"""Contingent orders: how linked legs react when one of them fills, cancels or expires.

- OTO (one triggers the other): the children of a parent are held (not sent) until the
  parent fills; its first fill releases them sized to the parent's filled quantity, later
  fills grow them to match. A parent that closes without any fill cancels its held children.
- OCO (one cancels the other): a fill on one leg reduces each live sibling by the filled
  quantity; a leg that fills completely, or is cancelled, expired or rejected, cancels its
  siblings.
- OUO (one updates the other): fills reduce the siblings as with OCO (a sibling reduced to
  nothing is cancelled); cancelling a leg leaves the siblings alone.

A bracket is an OTO entry whose children (take-profit, stop-loss) form an OCO pair: each exit
covers what the entry filled minus what the exits have filled. An exit that fills completely while
the entry still works also cancels the rest of the entry (its later fills would have no exit).

Sizes are computed from fills, never from a leg's acknowledged quantity (which is stale while a
modify is in flight): each leg keeps a *base* (its own quantity, or the parent's filled
quantity for a released child) and the total its siblings have filled since; it should be
``base - reduced``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from nautilus_platform.core.identifiers import ClientOrderId
from nautilus_platform.model.enums import ContingencyType, OrderStatus
from nautilus_platform.model.events import OrderEvent, OrderFilled, OrderModifyRejected, OrderUpdated
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Quantity

if TYPE_CHECKING:
    from nautilus_platform.trading.execution import ExecutionEngine

_OTO: Final = ContingencyType.OTO
_OCO: Final = ContingencyType.OCO
_OUO: Final = ContingencyType.OUO
_INITIALIZED: Final = OrderStatus.INITIALIZED
_PENDING_CANCEL: Final = OrderStatus.PENDING_CANCEL
_FILLED: Final = OrderStatus.FILLED
_ORDER_UPDATED: Final = OrderUpdated
_ORDER_MODIFY_REJECTED: Final = OrderModifyRejected
_ENDED_WITHOUT_FILL: Final = frozenset(
    {OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED, OrderStatus.DENIED}
)


class _Leg:
    """What the manager knows of one live leg: its base quantity, the quantity its siblings have
    filled, the quantities of the modifies it sent that the venue has not answered yet, and the
    quantity the leg has now (``acked``: what its last update left it at)."""

    __slots__ = ("acked", "base", "reduced", "sent")

    def __init__(self, base: int) -> None:
        self.base = base
        self.reduced = 0
        self.sent: list[int] = []
        self.acked = base

    def expected(self, order: Order) -> int:
        """The quantity ``order`` will have once the modifies in flight are answered."""
        return self.sent[-1] if self.sent else order.quantity_raw


class ContingencyManager:
    """Applies OTO/OCO/OUO semantics after each event on a linked order."""

    def __init__(self, engine: ExecutionEngine) -> None:
        self._engine = engine
        self._legs: dict[ClientOrderId, _Leg] = {}

    def on_event(self, order: Order, event: OrderEvent) -> None:
        kind = order.init.contingency_type
        self._track(order, event)
        if kind is _OTO:
            self._on_parent_event(order, event)
        elif kind is _OCO or kind is _OUO:
            self._on_sibling_event(order, event, is_oco=kind is _OCO)
        if order.is_closed:
            self._legs.pop(order.client_order_id, None)

    def _leg(self, order: Order) -> _Leg:
        leg = self._legs.get(order.client_order_id)
        if leg is None:
            leg = self._legs[order.client_order_id] = _Leg(order.quantity_raw)
        return leg

    def _track(self, order: Order, event: OrderEvent) -> None:
        """Keep a leg's record in step with the answers to modifies: an update the manager sent
        is crossed off; another update that changes the quantity (the strategy's own modify) sets
        a new base; one that leaves it (a new price, a trailing stop moving) changes nothing."""
        leg = self._legs.get(order.client_order_id)
        if leg is None:
            return
        kind = type(event)
        if kind is _ORDER_UPDATED:
            quantity = order.quantity_raw
            if quantity in leg.sent:
                del leg.sent[: leg.sent.index(quantity) + 1]
            elif quantity != leg.acked:
                leg.base = quantity + leg.reduced
            leg.acked = quantity
        elif kind is _ORDER_MODIFY_REJECTED and leg.sent:
            del leg.sent[0]  # answers come in the order the modifies were sent

    def _linked(self, order: Order) -> list[Order]:
        orders = self._engine.cache.orders
        return [orders[cid] for cid in order.init.linked_order_ids if cid in orders]

    def _on_parent_event(self, parent: Order, event: OrderEvent) -> None:
        engine = self._engine
        if type(event) is OrderFilled:
            for child in self._linked(parent):
                if child.is_closed:
                    continue
                leg = self._leg(child)
                leg.base = parent.filled_raw
                target = leg.base - leg.reduced
                if child.status is _INITIALIZED:
                    if target != child.quantity_raw:
                        # Held: updated locally; the submit right after is risk-checked at this size.
                        engine.resize_held(child, Quantity(raw=target, precision=child.quantity.precision))
                    engine.submit_order(child)
                else:
                    self._resize(child, leg, target, f"parent {parent.client_order_id} filled")
        elif parent.status in _ENDED_WITHOUT_FILL and parent.filled_raw == 0:
            for child in self._linked(parent):
                if not child.is_closed:
                    engine.cancel_order(child, f"parent {parent.client_order_id} {parent.status.name}")

    def _on_sibling_event(self, leg_order: Order, event: OrderEvent, is_oco: bool) -> None:
        engine = self._engine
        if type(event) is OrderFilled:
            filled = event.last_qty.raw
            complete = leg_order.status is _FILLED
            for sibling in self._linked(leg_order):
                if sibling.is_closed or sibling.status is _PENDING_CANCEL:
                    continue
                leg = self._leg(sibling)
                leg.reduced += filled
                if is_oco and complete:
                    engine.cancel_order(sibling, f"OCO sibling {leg_order.client_order_id} filled")
                elif sibling.status is not _INITIALIZED:  # a held sibling takes its size on release
                    self._resize(sibling, leg, leg.base - leg.reduced, f"sibling {leg_order.client_order_id} filled")
            parent_id = leg_order.init.parent_order_id
            if is_oco and complete and parent_id is not None:
                # A bracket's exits are done while its entry still works: what the entry fills
                # from now on would have no exit. The rest of the entry is cancelled.
                parent = engine.cache.orders.get(parent_id)
                if parent is not None and not parent.is_closed and parent.status is not _PENDING_CANCEL:
                    engine.cancel_order(parent, f"bracket exit {leg_order.client_order_id} filled")
        elif is_oco and leg_order.status in _ENDED_WITHOUT_FILL:
            for sibling in self._linked(leg_order):
                if not sibling.is_closed:
                    engine.cancel_order(sibling, f"OCO sibling {leg_order.client_order_id} {leg_order.status.name}")

    def _resize(self, order: Order, leg: _Leg, target: int, reason: str) -> None:
        """Bring a working leg to ``target``: cancel it when nothing would be left to work."""
        if target <= order.filled_raw:
            if order.status is not _PENDING_CANCEL:
                self._engine.cancel_order(order, f"{reason}: nothing left to work")
            return
        if target != leg.expected(order):
            leg.sent.append(target)
            self._engine.modify_order(order, Quantity(raw=target, precision=order.quantity.precision), None, None)
