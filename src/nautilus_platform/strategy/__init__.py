"""Strategies: the ``Strategy`` base class, typed parameters, the engine that runs them,
incremental indicators, example strategies and loading by path."""

from nautilus_platform.strategy.base import Strategy, StrategyState
from nautilus_platform.strategy.engine import StrategyEngine, StrategyError
from nautilus_platform.strategy.params import Param

__all__ = ["Param", "Strategy", "StrategyEngine", "StrategyError", "StrategyState"]
