"""The ``VenueClient`` port: how the execution engine talks to a venue.

A venue receives orders (it never mutates the platform's ``Order`` objects: it keeps its own
record of each working order) and reports what happened as order events through the handler
given to ``connect``: ``OrderAccepted``, ``OrderRejected``, ``OrderFilled``, ``OrderCanceled``,
``OrderExpired``, ``OrderTriggered``, ``OrderUpdated``, ``OrderModifyRejected`` and
``OrderCancelRejected``. Events may be delivered synchronously, from inside the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from nautilus_platform.core.identifiers import AccountId, VenueId
from nautilus_platform.model.events import OrderEvent
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Price, Quantity

EventHandler = Callable[[OrderEvent], None]


@runtime_checkable
class VenueClient(Protocol):
    """A venue the execution engine can route orders to."""

    venue_id: VenueId
    account_id: AccountId

    def connect(self, handler: EventHandler) -> None:
        """Set the callback that receives every order event from this venue."""

    def submit_order(self, order: Order) -> None:
        """Send a new order (already SUBMITTED on the platform side)."""

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        """Ask to change a working order; answered by ``OrderUpdated`` or ``OrderModifyRejected``."""

    def cancel_order(self, order: Order, reason: str = "") -> None:
        """Ask to cancel a working order; answered by ``OrderCanceled`` or ``OrderCancelRejected``.

        ``reason`` (empty for a strategy's own cancel) is why the core cancels, e.g. an OCO sibling's
        fill; the ``OrderCanceled`` that answers carries it."""
