"""Declared strategy parameters: types, bounds, text parsing, unknown names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy import Param, Strategy
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.strategy.params import parse_assignments


class Example(Strategy):
    period = Param(int, 20, low=2, high=100, help="window")
    weight = Param(float, 0.5, low=0.0, high=1.0)
    size = Param(Decimal, Decimal("1.5"), low=Decimal(0))
    mode = Param(str, "fast", choices=["fast", "slow"])
    enabled = Param(bool, True)


def test_defaults_and_text_values_are_parsed_by_type() -> None:
    s = Example()
    assert s.params == {"period": 20, "weight": 0.5, "size": Decimal("1.5"), "mode": "fast", "enabled": True}
    t = Example(period="30", weight="0.25", size="2.75", mode="slow", enabled="false")
    assert t.params == {"period": 30, "weight": 0.25, "size": Decimal("2.75"), "mode": "slow", "enabled": False}
    assert s.period == 20  # instances do not share values


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("period", "1", "must be >= 2"),
        ("period", 101, "must be <= 100"),
        ("period", "2.5", "whole number"),
        ("period", True, "not a bool"),
        ("weight", "nan", "finite"),
        # an int beyond the largest float: a ValidationError, not an OverflowError
        pytest.param("weight", 10**400, "finite", id="weight-int-beyond-float"),
        ("weight", "x", "must be a number"),
        ("mode", "medium", "must be one of"),
        ("enabled", "maybe", "true or false"),
        ("size", "abc", "decimal"),
    ],
)
def test_bad_values_name_the_parameter_and_rule(name: str, value: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as info:
        Example(**{name: value})
    assert info.value.field == name


def test_unknown_parameter_lists_the_declared_ones() -> None:
    with pytest.raises(ValidationError, match=r"is not a parameter of Example; it has \['enabled', 'mode'"):
        Example(speed=3)


def test_parameters_describe_themselves_for_sweeps_and_uis() -> None:
    described = {name: p.describe() for name, p in Example.parameters().items()}
    assert described["period"] == {
        "name": "period", "type": "int", "default": 20, "low": 2, "high": 100, "choices": None, "help": "window"
    }  # fmt: skip
    assert set(MovingAverageCross.parameters()) == {"bar_type", "fast", "slow", "quantity", "threshold", "allow_short"}


def test_strategy_level_rules_and_assignment_parsing() -> None:
    with pytest.raises(ValidationError, match="must be less than slow"):
        MovingAverageCross(fast=30, slow=10)
    assert parse_assignments(["fast=5", " slow = 40 "]) == {"fast": "5", "slow": "40"}
    with pytest.raises(ValidationError, match="NAME=VALUE"):
        parse_assignments(["fast"])


class Narrower(Example):
    period = Param(int, 10, low=2, high=50, help="a shorter window")
    extra = Param(int, 1, low=0)


def test_params_leave_the_class_namespace_and_subclasses_inherit_and_override_them() -> None:
    # A same-named class attribute would keep CPython 3.11 from specialising ``self.period`` reads.
    assert not any(isinstance(value, Param) for value in vars(Example).values())
    assert not hasattr(Example, "period") and not hasattr(MovingAverageCross, "threshold")
    declared = Narrower.parameters()
    assert list(declared) == ["period", "weight", "size", "mode", "enabled", "extra"]  # the bases' first
    assert declared["period"].high == 50 and Example.parameters()["period"].high == 100
    n = Narrower(weight=0.75)
    assert n.params == {
        "period": 10, "weight": 0.75, "size": Decimal("1.5"), "mode": "fast", "enabled": True, "extra": 1
    }  # fmt: skip
    with pytest.raises(ValidationError, match="must be <= 50"):
        Narrower(period=60)
    n.set_param("period", "12")
    assert n.period == 12 and "period" in vars(n)
