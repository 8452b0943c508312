"""Positions, accounts and P&L: exact average-cost positions, cash and margin accounts, the portfolio."""

from nautilus_platform.trading.positions.account import Account, CurrencyExposure
from nautilus_platform.trading.positions.portfolio import Portfolio
from nautilus_platform.trading.positions.position import Position
from nautilus_platform.trading.positions.rates import ExchangeRates

__all__ = ["Account", "CurrencyExposure", "ExchangeRates", "Portfolio", "Position"]
