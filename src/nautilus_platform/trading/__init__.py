"""The trading core engines: OMS, risk, execution, positions and accounts."""
