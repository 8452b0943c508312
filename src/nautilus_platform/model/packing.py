"""The codec's encode hook and the journal's block rows, in their own module so the hot path
(journal blocks) can compile them."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.orders import Order

_ASTUPLE: Final = msgspec.structs.astuple


def encode_hook(obj: object) -> object:
    """Identifiers (``str`` subclasses) as plain strings, an ``Order`` as its ``OrderInitialized``.

    msgspec's hook protocol: a type the hook does not handle raises ``NotImplementedError``,
    which msgspec reports as an unsupported-type error.
    """
    if isinstance(obj, Order):
        return obj.init
    if isinstance(obj, str):
        return str(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__name__}")


#: How a journal block writes one message class: its tag, the names of its fields (in ``astuple``
#: order), and the positions of the fields that hold an identifier and of those that hold an
#: ``Order``. ``serialization`` derives them from the type annotations.
FlatPlan = tuple[str, tuple[str, ...], tuple[int, ...], tuple[int, ...]]


def _row(struct: Any, plan: FlatPlan, plans: dict[type, FlatPlan], plain: dict[str, str]) -> list[object]:
    values: list[object] = list(_ASTUPLE(struct))
    # msgspec encodes only exact ``str`` natively: an identifier left as it is goes through the
    # hook, about 900 instructions each (most of them msgspec's own type checks before the call).
    # ``plain`` keeps one plain copy of each identifier of the block (an order's id recurs in
    # most of its events).
    for index in plan[2]:
        value = values[index]
        if isinstance(value, str):
            text = plain.get(value)
            if text is None:
                text = plain[value] = str(value)
            values[index] = text
    for index in plan[3]:
        order = values[index]
        if isinstance(order, Order):
            init = order.init
            values[index] = _row(init, plans[type(init)], plans, plain)
    return values


def flatten_block(messages: list[Any], plans: dict[type, FlatPlan]) -> list[list[Any]]:
    """A journal block as two parallel lists: the messages' tags, and each message's field values
    in declaration order (``msgspec.structs.astuple``), with identifiers as plain strings and an
    ``Order`` as the values of its ``OrderInitialized``.

    ``plans`` maps each message class to its ``FlatPlan`` (a class without one raises
    ``KeyError``). Values that are structs themselves (prices, money, balances) stay as they are;
    an identifier nested inside one still goes through ``encode_hook``."""
    plain: dict[str, str] = {}
    tags: list[str] = []
    rows: list[list[object]] = []
    for message in messages:
        plan = plans[type(message)]
        tags.append(plan[0])
        rows.append(_row(message, plan, plans, plain))
    return [tags, rows]


def row_fields(row: list[Any], plan: FlatPlan, init_plan: FlatPlan) -> dict[str, Any]:
    """The tagged map of the message ``flatten_block`` wrote as ``row`` (``plan`` its class's,
    ``init_plan`` ``OrderInitialized``'s): what msgspec converts back to the message. A row of
    the wrong length raises ``ValidationError`` naming ``data``."""
    names = plan[1]
    if len(row) != len(names):
        raise ValidationError("data", len(row), f"must be the {len(names)} fields of {plan[0]}")
    fields: dict[str, Any] = {"type": plan[0]}
    for index in range(len(names)):
        fields[names[index]] = row[index]
    for index in plan[3]:
        init = row[index]
        if isinstance(init, list):
            fields[names[index]] = row_fields(init, init_plan, init_plan)
    return fields
