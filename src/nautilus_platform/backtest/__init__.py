"""Event-driven backtests through the real trading core, and their results."""

from nautilus_platform.backtest.engine import Backtest, DataSource, merged
from nautilus_platform.backtest.results import BacktestResult, OrderSummary, round_trips

__all__ = ["Backtest", "BacktestResult", "DataSource", "OrderSummary", "merged", "round_trips"]
