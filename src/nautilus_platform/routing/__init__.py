"""Smart order routing: consolidated books, venue scoring, order splitting, execution quality."""

from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy, VenueStatus
from nautilus_platform.routing.config import RouterConfig, ScoreWeights, VenueProfile
from nautilus_platform.routing.decision import ChildPlan, RoutingDecision, VenueScore, decide
from nautilus_platform.routing.quality import QualityRow
from nautilus_platform.routing.router import SmartOrderRouter

__all__ = [
    "ChildPlan",
    "QualityRow",
    "RouterConfig",
    "RoutingDecision",
    "RoutingInstruction",
    "RoutingPolicy",
    "ScoreWeights",
    "SmartOrderRouter",
    "VenueProfile",
    "VenueScore",
    "VenueStatus",
    "decide",
]
