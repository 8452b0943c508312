"""The parameter space of a sweep: what to vary, parsed against the strategy's declared parameters.

Each dimension comes from one ``--grid`` argument:

- ``fast=5,10,20`` — these values (parsed by the parameter's declared type, bounds checked);
- ``fast=5:50:5`` — from 5 to 50 inclusive in steps of 5 (exact decimal steps, so
  ``0.1:0.3:0.1`` gives 0.1, 0.2, 0.3);
- ``threshold=0:0.01`` — a range without a step: random and Optuna search sample it
  continuously (integers: every whole number); a grid needs a step (whole-number ranges use 1).

Random search without ``--grid`` samples every declared parameter that has both bounds, choices
or is a bool. Candidates are plain ``dict``s of typed values; ``candidate_key`` names one.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.params import Param

Candidate = dict[str, Any]


@dataclass(frozen=True)
class Dimension:
    """One varied parameter: a list of values, or a range ``low..high`` (optionally stepped)."""

    name: str
    param: Param[Any]
    values: tuple[Any, ...] | None = None
    low: Any = None
    high: Any = None
    step: Any = None

    @property
    def is_range(self) -> bool:
        return self.values is None

    def grid_values(self) -> tuple[Any, ...]:
        """Every value of this dimension for a grid (a range needs a step, whole numbers use 1)."""
        if self.values is not None:
            return self.values
        step = self.step
        if step is None:
            if self.param.kind is not int:
                raise ValidationError(
                    f"grid {self.name}", f"{self.low}:{self.high}", "a grid over a non-integer range needs a step"
                )
            step = 1
        low, high, stride = Decimal(str(self.low)), Decimal(str(self.high)), Decimal(str(step))
        count = int((high - low) / stride) + 1
        return tuple(self.param.check(_typed(self.param, low + stride * i)) for i in range(count))

    def sample(self, rng: random.Random) -> Any:
        """One value drawn uniformly (from the list, the step lattice or the continuous range)."""
        if self.values is not None:
            return self.values[rng.randrange(len(self.values))]
        if self.step is not None or self.param.kind is int:
            options = self.grid_values()
            return options[rng.randrange(len(options))]
        low, high = float(self.low), float(self.high)
        value = low + (high - low) * rng.random()
        return self.param.check(_typed(self.param, Decimal(repr(float(value)))))

    def describe(self) -> str:
        if self.values is not None:
            return f"{self.name}={','.join(str(v) for v in self.values)}"
        step = f":{self.step}" if self.step is not None else ""
        return f"{self.name}={self.low}:{self.high}{step}"


def _typed(param: Param[Any], value: Decimal) -> Any:
    kind = param.kind
    if kind is int:
        if value != value.to_integral_value():
            raise ValidationError(param.name, str(value), "must be a whole number")
        return int(value)
    if kind is float:
        return float(value)
    if kind is Decimal:
        return value.normalize() if value else Decimal(0)
    return param.check(str(value))


def _number(param: Param[Any], text: str, field: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError(field, text, "must be a number") from None
    if not number.is_finite():
        raise ValidationError(field, text, "must be finite")
    return number


def parse_dimension(text: str, declared: Mapping[str, Param[Any]]) -> Dimension:
    """One ``NAME=v1,v2`` / ``NAME=start:stop[:step]`` argument, checked against ``declared``."""
    name, eq, body = text.partition("=")
    name, body = name.strip(), body.strip()
    if not eq or not name or not body:
        raise ValidationError("grid", text, "must be NAME=v1,v2,... or NAME=start:stop[:step]")
    param = declared.get(name)
    if param is None:
        raise ValidationError("grid", name, f"is not a parameter of the strategy; it has {sorted(declared)}")
    field = f"grid {name}"
    if ":" in body:
        if param.kind not in (int, float, Decimal):
            raise ValidationError(field, body, f"a range needs a numeric parameter, {name} is {param.kind.__name__}")
        parts = body.split(":")
        if len(parts) not in (2, 3):
            raise ValidationError(field, body, "must be start:stop or start:stop:step")
        low, high = (_number(param, part, field) for part in parts[:2])
        if high < low:
            raise ValidationError(field, body, "stop must not be below start")
        step = _number(param, parts[2], field) if len(parts) == 3 else None
        if step is not None and step <= 0:
            raise ValidationError(field, body, "step must be positive")
        typed_low, typed_high = param.check(_typed(param, low)), param.check(_typed(param, high))
        typed_step = _typed(param, step) if step is not None else None
        return Dimension(name, param, low=typed_low, high=typed_high, step=typed_step)
    values = tuple(param.check(part.strip()) for part in body.split(",") if part.strip())
    if not values:
        raise ValidationError(field, body, "lists no values")
    if len(set(values)) != len(values):
        raise ValidationError(field, body, "lists a value twice")
    return Dimension(name, param, values=values)


def declared_dimensions(declared: Mapping[str, Param[Any]]) -> list[Dimension]:
    """Every declared parameter random search can sample without ``--grid``: both bounds, choices or bool."""
    out = []
    for name, param in declared.items():
        if param.choices is not None:
            out.append(Dimension(name, param, values=param.choices))
        elif param.kind is bool:
            out.append(Dimension(name, param, values=(False, True)))
        elif param.kind in (int, float, Decimal) and param.low is not None and param.high is not None:
            out.append(Dimension(name, param, low=param.low, high=param.high))
    return out


@dataclass(frozen=True)
class ParamSpace:
    """The dimensions of a sweep over fixed ``base`` parameters."""

    dimensions: tuple[Dimension, ...]
    base: Mapping[str, Any]

    @classmethod
    def parse(
        cls, grid: Sequence[str], declared: Mapping[str, Param[Any]], base: Mapping[str, Any] | None = None
    ) -> ParamSpace:
        dimensions = [parse_dimension(text, declared) for text in grid]
        names = [d.name for d in dimensions]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError("grid", twice, "each parameter may be varied by one --grid only")
        fixed = dict(base or {})
        overlap = sorted(set(fixed) & set(names))
        if overlap:
            raise ValidationError("param", overlap, "is both fixed (--param) and varied (--grid)")
        return cls(tuple(dimensions), fixed)

    def with_declared(self, declared: Mapping[str, Param[Any]]) -> ParamSpace:
        """This space, or, when it has no dimensions, every declared parameter with bounds (minus fixed ones)."""
        if self.dimensions:
            return self
        dimensions = tuple(d for d in declared_dimensions(declared) if d.name not in self.base)
        if not dimensions:
            raise ValidationError("grid", "", "nothing to vary: give --grid NAME=… (no declared parameter has bounds)")
        return ParamSpace(dimensions, self.base)

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def grid_size(self) -> int:
        size = 1
        for dimension in self.dimensions:
            size *= len(dimension.grid_values())
        return size

    def grid(self) -> Iterator[Candidate]:
        """Every combination, in order (the last dimension varies fastest)."""
        axes = [d.grid_values() for d in self.dimensions]
        for combo in itertools.product(*axes):
            yield {**self.base, **dict(zip(self.names, combo, strict=True))}

    def random(self, count: int, seed: int) -> list[Candidate]:
        """``count`` distinct candidates drawn with ``seed`` (fewer when the space is smaller)."""
        if count < 1:
            raise ValidationError("random", count, "must be at least 1")
        rng = random.Random(seed)
        out: list[Candidate] = []
        seen: set[str] = set()
        attempts = 0
        while len(out) < count and attempts < count * 50:
            attempts += 1
            candidate = {**self.base, **{d.name: d.sample(rng) for d in self.dimensions}}
            key = candidate_key(candidate)
            if key not in seen:
                seen.add(key)
                out.append(candidate)
        return out


def candidate_key(candidate: Mapping[str, Any]) -> str:
    """A canonical text key of a parameter set (sorted names, values as text)."""
    return json.dumps({name: str(value) for name, value in sorted(candidate.items())}, separators=(",", ":"))


__all__ = ["Candidate", "Dimension", "ParamSpace", "candidate_key", "declared_dimensions", "parse_dimension"]
