"""The codec's encoders and hook and the journal's block entries, in their own module so the hot
path (a journal appending an entry) can compile them."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from nautilus_platform.model.orders import Order

_ASTUPLE: Final = msgspec.structs.astuple

#: msgpack extension code of a message written as JSON because an integer exceeds 64 bits.
BIG_INT_EXT_CODE: Final = 1


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


#: The codec's encoders (``serialization`` uses them too).
MSGPACK_ENCODER: Final = msgspec.msgpack.Encoder(enc_hook=encode_hook)
JSON_ENCODER: Final = msgspec.json.Encoder(enc_hook=encode_hook)
_ENCODE_INTO: Final = MSGPACK_ENCODER.encode_into
_EXT: Final = msgspec.msgpack.Ext


#: How a journal block writes one message class: its tag, the names of its fields (in ``astuple``
#: order), and the positions of the fields that hold an identifier and of those that hold an
#: ``Order``. ``serialization`` derives them from the type annotations.
FlatPlan = tuple[str, tuple[str, ...], tuple[int, ...], tuple[int, ...]]


def block_row(struct: Any, plan: FlatPlan, plans: dict[type, FlatPlan], plain: dict[str, str]) -> list[object]:
    """A message's field values in declaration order as a journal block writes them (see
    ``append_entry``)."""
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
            values[index] = block_row(init, plans[type(init)], plans, plain)
    return values


def append_entry(message: Any, plans: dict[type, FlatPlan], plain: dict[str, str], buffer: bytearray) -> None:
    """Append one journal block entry for ``message`` to ``buffer``: the msgpack array
    ``[tag, *field values]``, the values in declaration order (``astuple``) with identifiers as
    plain strings and an ``Order`` as the values of its ``OrderInitialized`` (``block_row``).

    ``plans`` maps each message class to its ``FlatPlan`` (a class without one raises
    ``KeyError``); ``plain`` keeps one plain copy of each identifier (the caller empties it now and
    then). Values that are structs themselves (prices, money, balances) stay as they are; an
    identifier nested inside one still goes through ``encode_hook``. A message with an amount
    beyond 64 bits is written as a ``BIG_INT_EXT_CODE`` extension holding its JSON instead."""
    plan = plans[type(message)]
    item = block_row(message, plan, plans, plain)
    item.insert(0, plan[0])
    start = len(buffer)
    try:
        _ENCODE_INTO(item, buffer, -1)
    except OverflowError:
        del buffer[start:]
        _ENCODE_INTO(_EXT(BIG_INT_EXT_CODE, JSON_ENCODER.encode(message)), buffer, -1)
    except Exception:
        del buffer[start:]  # nothing half-written stays behind
        raise


def append_entries(messages: list[Any], plans: dict[type, FlatPlan], buffer: bytearray) -> None:
    """``append_entry`` for each of ``messages``, in order, sharing one ``plain``."""
    plain: dict[str, str] = {}
    for message in messages:
        append_entry(message, plans, plain, buffer)


def block_header(count: int) -> bytes:
    """The msgpack array header that makes ``count`` appended entries one array (array 32)."""
    return b"\xdd" + count.to_bytes(4, "big")
