"""Composition roots: wiring the trading core, venues and clocks into a running node."""
