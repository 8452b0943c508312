"""What a sweep optimises: one statistic, its direction, and constraints every ranked run must meet.

Metric names are those of ``analytics.statistics.Statistics`` (``sharpe``, ``total_return``,
``calmar``, ``sortino``, ``max_drawdown``…). Most are better when higher; ``volatility``,
``turnover``, ``fees_paid`` and the drawdown durations are better when lower. ``ruined`` is 1 for a
run whose equity reached zero and 0 otherwise (``ruined<1`` keeps the runs that did not blow up).

A constraint is ``METRIC OP VALUE`` with ``OP`` one of ``< <= > >=`` and ``VALUE`` a number,
optionally in percent (``20%`` is 0.2). Drawdown is compared as a magnitude, as traders say it:
``max_drawdown<20%`` keeps runs whose deepest drawdown is shallower than 20%. A run whose metric
is not a finite number (a Sharpe ratio of a run that never traded) cannot be ranked.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from nautilus_platform.analytics.statistics import Statistics
from nautilus_platform.core.errors import ValidationError

METRICS: tuple[str, ...] = tuple(f.name for f in fields(Statistics) if f.name not in ("periods_per_year", "risk_free"))
LOWER_IS_BETTER = frozenset(
    {"volatility", "turnover", "fees_paid", "max_drawdown_duration_ns", "max_drawdown_duration_days", "ruined"}
)
#: Metrics compared by magnitude in constraints (``max_drawdown`` is <= 0 by definition).
MAGNITUDE_METRICS = frozenset({"max_drawdown"})
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONSTRAINT = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)\s*(%?)\s*$")


def check_metric(name: str, field_name: str = "metric") -> str:
    if name not in METRICS:
        raise ValidationError(field_name, name, f"must be one of {list(METRICS)}")
    return name


@dataclass(frozen=True)
class Constraint:
    """``metric op value``; see the module docstring."""

    metric: str
    op: str
    value: float
    text: str

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(text)
        if match is None:
            raise ValidationError(
                "constraint", text, "must be METRIC OP VALUE, e.g. 'max_drawdown<20%' or 'trades>=10'"
            )
        metric, op, number, percent = match.groups()
        check_metric(metric, "constraint")
        try:
            value = float(number)
        except ValueError:
            raise ValidationError("constraint", text, f"{number!r} is not a number") from None
        if not math.isfinite(value):
            raise ValidationError("constraint", text, "the value must be finite")
        return cls(metric, op, value / 100 if percent else value, text.strip())

    def holds(self, metrics: Mapping[str, Any]) -> bool:
        observed = metrics.get(self.metric)
        if not isinstance(observed, int | float) or not math.isfinite(observed):
            return False
        if self.metric in MAGNITUDE_METRICS:
            observed = abs(observed)
        return _OPERATORS[self.op](float(observed), self.value)


@dataclass(frozen=True)
class Objective:
    """Rank by ``metric`` (``maximize`` unless given), keeping only runs that meet ``constraints``."""

    metric: str = "sharpe"
    maximize: bool | None = None
    constraints: Sequence[Constraint] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_metric(self.metric)
        if self.maximize is None:
            object.__setattr__(self, "maximize", self.metric not in LOWER_IS_BETTER)

    @property
    def direction(self) -> Literal["maximize", "minimize"]:
        return "maximize" if self.maximize else "minimize"

    def value(self, metrics: Mapping[str, Any]) -> float | None:
        """The run's metric, or ``None`` when it is missing or not finite."""
        observed = metrics.get(self.metric)
        if not isinstance(observed, int | float) or not math.isfinite(observed):
            return None
        return float(observed)

    def feasible(self, metrics: Mapping[str, Any]) -> bool:
        """The metric is a finite number and every constraint holds."""
        return self.value(metrics) is not None and all(c.holds(metrics) for c in self.constraints)

    def score(self, metrics: Mapping[str, Any]) -> float:
        """Higher is better whatever the direction; ``-inf`` for a run that cannot be ranked."""
        value = self.value(metrics)
        if value is None or not self.feasible(metrics):
            return -math.inf
        return value if self.maximize else -value

    def better(self, a: float, b: float) -> bool:
        return a > b if self.maximize else a < b

    def describe(self) -> str:
        text = f"{self.direction} {self.metric}"
        if self.constraints:
            text += " subject to " + ", ".join(c.text for c in self.constraints)
        return text


__all__ = ["LOWER_IS_BETTER", "METRICS", "Constraint", "Objective", "check_metric"]
