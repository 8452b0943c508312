"""Venues: the ``VenueClient`` port and its implementations (simulated venues now)."""
