"""The codec's encoders and hook and the journal's block entries, in their own module so the hot
path (a journal appending an entry) can compile them."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from nautilus_platform.model.commands import SubmitOrder
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


#: The tag of the entry ``[SAME_INIT_TAG]``: the ``OrderInitialized`` of the order that the entry
#: before it, a ``SubmitOrder``, carries (the execution engine journals that event right after the
#: command; the row would repeat the command's order).
SAME_INIT_TAG: Final = "^init"
_SAME_INIT_ENTRY: Final = MSGPACK_ENCODER.encode([SAME_INIT_TAG])
_SUBMIT_ORDER: Final = SubmitOrder


class BlockState:
    """What a block's encoder keeps between its entries: one plain copy of each identifier
    (``block_row``) and the ``OrderInitialized`` the next entry may stand for (``SAME_INIT_TAG``).
    A new block starts with a new state."""

    __slots__ = ("pending_init", "plain")

    def __init__(self) -> None:
        self.plain: dict[str, str] = {}
        self.pending_init: object = None


def append_entry(message: Any, plans: dict[type, FlatPlan], state: BlockState, buffer: bytearray) -> None:
    """Append one journal block entry for ``message`` to ``buffer``: the msgpack array
    ``[tag, *field values]``, the values in declaration order (``astuple``) with identifiers as
    plain strings and an ``Order`` as the values of its ``OrderInitialized`` (``block_row``); the
    ``OrderInitialized`` of the order the previous entry (a ``SubmitOrder``) carries is written as
    ``[SAME_INIT_TAG]``.

    ``plans`` maps each message class to its ``FlatPlan`` (a class without one raises
    ``KeyError``); ``state`` is the block's (``BlockState``). Values that are structs themselves
    (prices, money, balances) stay as they are; an identifier nested inside one still goes
    through ``encode_hook``. A message with an amount beyond 64 bits is written as a
    ``BIG_INT_EXT_CODE`` extension holding its JSON instead."""
    pending = state.pending_init
    state.pending_init = None
    if message is pending and pending is not None:
        buffer += _SAME_INIT_ENTRY
        return
    plan = plans[type(message)]
    item = block_row(message, plan, plans, state.plain)
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
    if type(message) is _SUBMIT_ORDER:
        state.pending_init = message.order.init


def append_entries(messages: list[Any], plans: dict[type, FlatPlan], buffer: bytearray) -> None:
    """``append_entry`` for each of ``messages``, in order, as one block."""
    state = BlockState()
    for message in messages:
        append_entry(message, plans, state, buffer)


def block_header(count: int) -> bytes:
    """The msgpack array header that makes ``count`` appended entries one array (array 32)."""
    return b"\xdd" + count.to_bytes(4, "big")
