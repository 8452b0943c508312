"""Pre-trade risk: limits by scope, trading states, breakers and throttles over a read-only state view."""

from nautilus_platform.trading.risk.config import RateLimit, RiskConfig, RiskLimits, RiskScope, resolve_limits
from nautilus_platform.trading.risk.engine import Denial, RiskEngine
from nautilus_platform.trading.risk.state import (
    AccountSnapshot,
    AccountView,
    InMemoryRiskState,
    OpenOrders,
    OpenOrdersView,
    PriceSource,
    RiskState,
    is_counted_open,
)
from nautilus_platform.trading.risk.throttle import Throttle

__all__ = [
    "AccountSnapshot",
    "AccountView",
    "Denial",
    "InMemoryRiskState",
    "OpenOrders",
    "OpenOrdersView",
    "PriceSource",
    "RateLimit",
    "RiskConfig",
    "RiskEngine",
    "RiskLimits",
    "RiskScope",
    "RiskState",
    "Throttle",
    "is_counted_open",
    "resolve_limits",
]
