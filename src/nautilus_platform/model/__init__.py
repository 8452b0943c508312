"""Domain model: exact values, instruments, orders, events, commands and market data."""
