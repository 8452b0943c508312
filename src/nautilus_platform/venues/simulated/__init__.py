"""Simulated venues: L1/L2 books, a matching engine per instrument, fee and latency models."""

from nautilus_platform.venues.simulated.book import UNLIMITED, L1Book, L2Book
from nautilus_platform.venues.simulated.fees import FeeModel, InstrumentFees
from nautilus_platform.venues.simulated.latency import FixedLatencyModel, LatencyModel, RandomLatencyModel
from nautilus_platform.venues.simulated.matching import IdGenerator, MatchingEngine, WorkingOrder
from nautilus_platform.venues.simulated.venue import SimulatedVenue, SimulatedVenueConfig

__all__ = [
    "UNLIMITED",
    "FeeModel",
    "FixedLatencyModel",
    "IdGenerator",
    "InstrumentFees",
    "L1Book",
    "L2Book",
    "LatencyModel",
    "MatchingEngine",
    "RandomLatencyModel",
    "SimulatedVenue",
    "SimulatedVenueConfig",
    "WorkingOrder",
]
