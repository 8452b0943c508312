"""Core building blocks: errors, identifiers, clocks, message bus, state machines.

Imports nothing else of the package.
"""
