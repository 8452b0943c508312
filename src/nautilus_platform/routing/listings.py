"""Runtime state of the venues and listings the router chooses between.

A *listing* is one instrument on one venue; a *group* is the listings of the same instrument on
several venues. Fee rates of a group are kept as integers over one common denominator so that
fee-adjusted prices compare exactly.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, VenueId
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.routing import VenueStatus
from nautilus_platform.routing.book import ListingBook


class VenueState:
    """A venue's status, expected latency and decayed execution history."""

    __slots__ = ("child_cap_raw", "fill_rate", "latency_ns", "samples", "slippage_bps", "status", "venue_id")

    def __init__(self, venue_id: VenueId, latency_ns: int, child_cap_raw: int | None) -> None:
        self.venue_id = venue_id
        self.status = VenueStatus.UP
        self.latency_ns = latency_ns
        self.child_cap_raw = child_cap_raw
        self.fill_rate = 1.0  # optimistic prior until the venue has history
        self.slippage_bps = 0.0
        self.samples = 0

    def record(self, fill_rate: float, slippage_bps: float | None, decay: float) -> None:
        """Fold one finished child into the decayed history (the first one replaces the prior)."""
        weight = 1.0 if self.samples == 0 else decay
        self.fill_rate += weight * (fill_rate - self.fill_rate)
        if slippage_bps is not None:
            self.slippage_bps += weight * (slippage_bps - self.slippage_bps)
        self.samples += 1


class Listing:
    """One instrument on one venue, with the router's view of its book and its fees."""

    __slots__ = (
        "book",
        "instrument",
        "instrument_id",
        "lot_raw",
        "maker_num",
        "maker_rate",
        "min_raw",
        "taker_num",
        "taker_rate",
        "tick_raw",
        "venue",
        "venue_id",
    )

    def __init__(self, instrument: Instrument, venue: VenueState, taker: Fraction, maker: Fraction) -> None:
        self.instrument = instrument
        self.instrument_id: InstrumentId = instrument.id
        self.venue = venue
        self.venue_id: VenueId = venue.venue_id
        self.book = ListingBook(instrument.id)
        self.taker_rate = taker
        self.maker_rate = maker
        self.taker_num = 0  # set by the group (over its common denominator)
        self.maker_num = 0
        self.lot_raw = instrument.lot_size.raw
        self.min_raw = instrument.min_quantity.raw if instrument.min_quantity is not None else 0
        self.tick_raw = instrument.tick_size.raw


class ListingGroup:
    """The listings of one instrument across venues."""

    __slots__ = ("den", "finest_lot_raw", "listings", "name")

    def __init__(self, name: str, listings: list[Listing]) -> None:
        if not listings:
            raise ValidationError(f"groups.{name}", 0, "needs at least one listing")
        first = listings[0].instrument
        venues = set()
        for listing in listings:
            instrument = listing.instrument
            if listing.venue_id in venues:
                raise ValidationError(f"groups.{name}", str(listing.instrument_id), "lists one venue twice")
            venues.add(listing.venue_id)
            if instrument.quote_currency != first.quote_currency:
                raise ValidationError(
                    f"groups.{name}", str(instrument.id),
                    f"quotes in {instrument.quote_currency}, not {first.quote_currency} like {first.id}",
                )  # fmt: skip
            if instrument.multiplier != first.multiplier:
                raise ValidationError(
                    f"groups.{name}",
                    str(instrument.id),
                    f"has multiplier {instrument.multiplier}, not {first.multiplier}",
                )
        self.name = name
        self.listings = sorted(listings, key=lambda listing: listing.venue_id)
        self.den = lcm(*(f.denominator for listing in listings for f in (listing.taker_rate, listing.maker_rate)))
        for listing in self.listings:
            listing.taker_num = listing.taker_rate.numerator * (self.den // listing.taker_rate.denominator)
            listing.maker_num = listing.maker_rate.numerator * (self.den // listing.maker_rate.denominator)
        self.finest_lot_raw = min(listing.lot_raw for listing in self.listings)

    def listing(self, venue: VenueId) -> Listing | None:
        for listing in self.listings:
            if listing.venue_id == venue:
                return listing
        return None
