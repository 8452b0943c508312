"""The routing seam of the execution engine.

``Router.route`` picks the venue for an order. ``InstrumentVenueRouter`` routes by the
instrument's own venue (or an explicit venue on the command); the smart order router
replaces it behind the same protocol.
"""

from __future__ import annotations

from typing import Protocol

from nautilus_platform.core.errors import DuplicateError
from nautilus_platform.core.identifiers import VenueId
from nautilus_platform.model.orders import Order
from nautilus_platform.venues.client import VenueClient


class Router(Protocol):
    """Chooses the venue client for an order."""

    def route(self, order: Order, venue: VenueId | None) -> VenueClient | None:
        """The venue for ``order`` (``venue`` is the command's explicit target, if any)."""

    def add_venue(self, client: VenueClient) -> None: ...

    def venue(self, venue_id: VenueId) -> VenueClient | None: ...

    def venues(self) -> list[VenueClient]: ...


class InstrumentVenueRouter:
    """Routes each order to its instrument's venue, or to the command's explicit venue."""

    __slots__ = ("_by_instrument", "_clients")

    def __init__(self) -> None:
        self._clients: dict[str, VenueClient] = {}
        self._by_instrument: dict[str, VenueClient | None] = {}  # instrument id -> its venue's client

    def add_venue(self, client: VenueClient) -> None:
        if client.venue_id in self._clients:
            raise DuplicateError(f"venue {client.venue_id} is already registered")
        self._clients[client.venue_id] = client
        self._by_instrument.clear()

    def venue(self, venue_id: VenueId) -> VenueClient | None:
        return self._clients.get(venue_id)

    def venues(self) -> list[VenueClient]:
        return [self._clients[k] for k in sorted(self._clients)]

    def route(self, order: Order, venue: VenueId | None) -> VenueClient | None:
        if venue is not None:
            return self._clients.get(venue)
        instrument_id = order.instrument_id
        try:
            return self._by_instrument[instrument_id]
        except KeyError:
            client = self._clients.get(instrument_id[instrument_id.rfind(".") + 1 :])
            self._by_instrument[instrument_id] = client
            return client
