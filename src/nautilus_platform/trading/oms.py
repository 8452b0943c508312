"""Contingent orders: how linked legs react when one of them fills, cancels or expires.

- OTO (one triggers the other): the children of a parent are held (not sent) until the
  parent fills; its first fill releases them sized to the parent's filled quantity, later
  fills grow them to match. A parent that closes without any fill cancels its held children.
- OCO (one cancels the other): a fill on one leg reduces each live sibling by the filled
  quantity; a leg that fills completely, or is cancelled, expired or rejected, cancels its
  siblings.
- OUO (one updates the other): fills reduce siblings as with OCO; cancelling a leg leaves the
  siblings alone.

A bracket is an OTO entry whose children (take-profit, stop-loss) form an OCO pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from nautilus_platform.model.enums import ContingencyType, OrderStatus
from nautilus_platform.model.events import OrderEvent, OrderFilled
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
_ENDED_WITHOUT_FILL: Final = frozenset(
    {OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED, OrderStatus.DENIED}
)


class ContingencyManager:
    """Applies OTO/OCO/OUO semantics after each event on a linked order."""

    def __init__(self, engine: ExecutionEngine) -> None:
        self._engine = engine

    def on_event(self, order: Order, event: OrderEvent) -> None:
        kind = order.init.contingency_type
        if kind is _OTO:
            self._on_parent_event(order, event)
        elif kind is _OCO or kind is _OUO:
            self._on_sibling_event(order, event, cancel_on_close=kind is _OCO)

    def _linked(self, order: Order) -> list[Order]:
        orders = self._engine.cache.orders
        return [orders[cid] for cid in order.init.linked_order_ids if cid in orders]

    def _on_parent_event(self, parent: Order, event: OrderEvent) -> None:
        engine = self._engine
        if type(event) is OrderFilled:
            target = parent.filled_qty
            for child in self._linked(parent):
                if child.is_closed:
                    continue
                if child.status is _INITIALIZED:
                    if child.quantity != target:
                        engine.modify_order(child, target, None, None)
                    engine.submit_order(child)
                elif child.quantity.raw < target.raw:
                    engine.modify_order(child, Quantity(raw=target.raw, precision=child.quantity.precision), None, None)
        elif parent.status in _ENDED_WITHOUT_FILL and parent.filled_raw == 0:
            for child in self._linked(parent):
                if not child.is_closed:
                    engine.cancel_order(child, f"parent {parent.client_order_id} {parent.status.name}")

    def _on_sibling_event(self, leg: Order, event: OrderEvent, cancel_on_close: bool) -> None:
        engine = self._engine
        if type(event) is OrderFilled:
            filled = event.last_qty.raw
            for sibling in self._linked(leg):
                if sibling.is_closed or sibling.status is _PENDING_CANCEL:
                    continue
                if leg.status is _FILLED or sibling.leaves_raw <= filled:
                    engine.cancel_order(sibling, f"OCO sibling {leg.client_order_id} filled")
                else:
                    new_qty = Quantity(raw=sibling.quantity.raw - filled, precision=sibling.quantity.precision)
                    engine.modify_order(sibling, new_qty, None, None)
        elif cancel_on_close and leg.status in _ENDED_WITHOUT_FILL:
            for sibling in self._linked(leg):
                if not sibling.is_closed:
                    engine.cancel_order(sibling, f"OCO sibling {leg.client_order_id} {leg.status.name}")
