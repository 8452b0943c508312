"""Declared, typed strategy parameters with bounds and defaults.

A strategy declares its parameters as class attributes::

    class MovingAverageCross(Strategy):
        fast = Param(int, 10, low=2, high=500, help="fast SMA period")
        slow = Param(int, 30, low=3, high=2000, help="slow SMA period")

``Strategy.parameters()`` lists them (so a sweep or a UI can read names, types, bounds and
defaults) and every instance holds validated values, set through the constructor or
``Strategy.set_param`` (reading one is a plain attribute read: hot loops pay nothing; a
``Strategy`` subclass keeps its ``Param`` objects in ``__declared_params__``, not as class
attributes, so ``MovingAverageCross.fast`` is not an attribute: use ``parameters()``). Values given as text (``--param fast=12``)
are parsed by the declared type; an unknown name, a bad value or one out of bounds is a
``ValidationError`` naming the parameter, the value and the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.values import to_decimal

T = TypeVar("T")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class Param(Generic[T]):
    """One declared parameter: type, default, optional bounds (inclusive) or choices, help text."""

    def __init__(
        self,
        kind: type[T],
        default: T,
        *,
        low: T | None = None,
        high: T | None = None,
        choices: Sequence[T] | None = None,
        help: str = "",  # noqa: A002 - the usual word for it
    ) -> None:
        if kind not in (int, float, Decimal, str, bool):
            raise ValidationError("kind", getattr(kind, "__name__", kind), "must be int, float, Decimal, str or bool")
        self.kind: type[T] = kind
        self.low: T | None = low
        self.high: T | None = high
        self.choices: tuple[T, ...] | None = tuple(choices) if choices is not None else None
        self.help = help
        self.name = ""
        self.default: T = self.check(default)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Param[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Param[T] | T:
        # A non-data descriptor: a value set on the instance is found first. ``Strategy``
        # subclasses move their ``Param``s off the class (``take_params``), so this is only
        # reached on other classes that declare them.
        if instance is None:
            return self
        return self.default

    def check(self, value: object) -> T:
        """``value`` (or its text) as the declared type, within bounds and choices."""
        field = self.name or "param"
        parsed = self._parse(value, field)
        if self.low is not None and parsed < self.low:  # type: ignore[operator]
            raise ValidationError(field, value, f"must be >= {self.low}")
        if self.high is not None and parsed > self.high:  # type: ignore[operator]
            raise ValidationError(field, value, f"must be <= {self.high}")
        if self.choices is not None and parsed not in self.choices:
            raise ValidationError(field, value, f"must be one of {list(self.choices)}")
        return parsed

    def _parse(self, value: object, field: str) -> T:
        kind = self.kind
        if kind is bool:
            if isinstance(value, bool):
                return value  # type: ignore[return-value]
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE  # type: ignore[return-value]
            raise ValidationError(field, value, "must be true or false")
        if kind is str:
            if not isinstance(value, str):
                raise ValidationError(field, value, "must be text")
            return value  # type: ignore[return-value]
        if isinstance(value, bool):
            raise ValidationError(field, value, f"must be {kind.__name__}, not a bool")
        if kind is int:
            if isinstance(value, int):
                return value  # type: ignore[return-value]
            if isinstance(value, str):
                try:
                    return int(value.strip().replace("_", ""))  # type: ignore[return-value]
                except ValueError:
                    pass
            raise ValidationError(field, value, "must be a whole number")
        if kind is Decimal:
            if isinstance(value, int | float | str | Decimal):
                return to_decimal(value, field)  # type: ignore[return-value]
            raise ValidationError(field, value, "must be a decimal number")
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:  # an int beyond the largest float
                raise ValidationError(field, value, "must be finite") from None
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise ValidationError(field, value, "must be a number") from None
        else:
            raise ValidationError(field, value, "must be a number")
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError(field, value, "must be finite")
        return number  # type: ignore[return-value]

    def describe(self) -> dict[str, object]:
        """Plain data for a UI or a sweep: name, type, default, bounds, choices, help."""
        return {
            "name": self.name,
            "type": self.kind.__name__,
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices) if self.choices is not None else None,
            "help": self.help,
        }


#: Where ``take_params`` keeps a class's own ``Param`` declarations once they leave its namespace.
DECLARED_ATTR = "__declared_params__"


def declared_params(cls: type) -> dict[str, Param[Any]]:
    """The parameters a class declares (its bases' first), by name: those ``take_params`` moved
    out of the class and any still in its namespace."""
    found: dict[str, Param[Any]] = {}
    for klass in reversed(cls.__mro__):
        namespace = vars(klass)
        found.update(namespace.get(DECLARED_ATTR, {}))
        for name, value in namespace.items():
            if isinstance(value, Param):
                found[name] = value
    return found


def take_params(cls: type) -> None:
    """Move the ``Param`` declarations out of ``cls``'s namespace into ``DECLARED_ATTR``.

    An instance keeps every parameter's value as a plain attribute. While a same-named
    descriptor sits on the class, CPython 3.11 cannot specialise the attribute read
    (``LOAD_ATTR`` stays generic: about 230 instructions instead of a few dozen), so a strategy
    reading ``self.threshold`` on every bar paid for it. ``declared_params`` still finds them."""
    own = {name: value for name, value in vars(cls).items() if isinstance(value, Param)}
    for name in own:
        delattr(cls, name)
    setattr(cls, DECLARED_ATTR, own)


def parse_assignments(items: Sequence[str], field: str = "param", rule: str = "must be NAME=VALUE") -> dict[str, str]:
    """``["fast=12", "slow=40"]`` as a dict; a malformed item (``rule``) or a name given twice is a
    ValidationError naming ``field`` and the item."""
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise ValidationError(field, item, rule)
        if name.strip() in out:
            raise ValidationError(field, item, f"sets {name.strip()} a second time: give each name once")
        out[name.strip()] = value.strip()
    return out
