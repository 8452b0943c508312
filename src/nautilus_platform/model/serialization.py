"""A msgspec codec for every event and command: msgpack for journals and streams, JSON for people.

Messages are tagged unions (the tag is the class name under ``"type"``), so a journal of mixed
events and commands decodes back to the exact types. Values round-trip exactly: ``Price`` and
``Quantity`` keep their raw integer and precision, ``Money`` its currency, ``Decimal`` its digits
(it is written as a string), identifiers their own types (validated again when read).

An ``Order`` inside a command is written as its ``OrderInitialized`` event (a command carries the
order as it was issued); a standalone ``Order`` is written as its event history and rebuilt by
replaying it (``encode_order``/``decode_order``).

A field added to a message type later comes last and has a default, so what was written before it
(a tagged map without the key, a journal block row without the trailing value) still reads, with
the default: ``AccountState.conversions`` is such a field.

msgpack holds integers in 64 bits; a message with a larger raw amount (above about 9.2e9 units
negative or 1.8e10 positive) is written as a msgpack extension holding the JSON form, which has
no such limit. ``decode`` reads both. Bad input raises ``ValidationError`` naming ``data``.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import UnionType
from typing import Any, Final, TypeAlias, Union, get_args, get_origin, get_type_hints

import msgspec

from nautilus_platform.core.errors import NautilusError, ValidationError
from nautilus_platform.core.identifiers import Identifier
from nautilus_platform.model.commands import (
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_platform.model.events import (
    AccountState,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    RiskLimitsChanged,
    TradingStateChanged,
)
from nautilus_platform.model.orders import Order
from nautilus_platform.model.packing import (
    BIG_INT_EXT_CODE,
    JSON_ENCODER,
    MSGPACK_ENCODER,
    SAME_INIT_TAG,
    FlatPlan,
    append_entries,
    block_header,
)

OrderEventMessage: TypeAlias = (
    OrderInitialized
    | OrderDenied
    | OrderSubmitted
    | OrderAccepted
    | OrderRejected
    | OrderPendingUpdate
    | OrderPendingCancel
    | OrderModifyRejected
    | OrderCancelRejected
    | OrderUpdated
    | OrderTriggered
    | OrderCanceled
    | OrderExpired
    | OrderFilled
)
EventMessage: TypeAlias = (
    OrderEventMessage
    | PositionOpened
    | PositionChanged
    | PositionClosed
    | AccountState
    | TradingStateChanged
    | RiskLimitsChanged
)
CommandMessage: TypeAlias = SubmitOrder | SubmitOrderList | ModifyOrder | CancelOrder | CancelAllOrders
#: Everything the codec reads and writes.
Message: TypeAlias = EventMessage | CommandMessage

#: The concrete message classes, by tag (derived from ``Message``, so the two cannot drift apart).
MESSAGE_TYPES: Final[dict[str, type[msgspec.Struct]]] = {cls.__name__: cls for cls in get_args(Message)}
_MESSAGE_CLASSES: Final = frozenset(MESSAGE_TYPES.values())


def _dec_hook(type_: type, obj: Any) -> Any:
    # msgspec's hook protocol: NotImplementedError means "not a type this hook handles".
    if isinstance(type_, type) and issubclass(type_, Identifier):
        if not isinstance(obj, str):
            raise ValidationError(type_._field, obj, "must be a string")
        return type_(obj)
    if type_ is Order:
        return Order(msgspec.convert(obj, OrderInitialized, dec_hook=_dec_hook))
    raise NotImplementedError(f"cannot decode objects of type {type_.__name__}")


_MSGPACK_ENCODER: Final = MSGPACK_ENCODER  # the journal's encoder (``packing``)
_JSON_ENCODER: Final = JSON_ENCODER
_MSGPACK_DECODER: Final[msgspec.msgpack.Decoder[Message]] = msgspec.msgpack.Decoder(Message, dec_hook=_dec_hook)
_JSON_DECODER: Final[msgspec.json.Decoder[Message]] = msgspec.json.Decoder(Message, dec_hook=_dec_hook)
_MSGPACK_ORDER_DECODER: Final[msgspec.msgpack.Decoder[list[OrderEventMessage]]] = msgspec.msgpack.Decoder(
    list[OrderEventMessage], dec_hook=_dec_hook
)
_JSON_ORDER_DECODER: Final[msgspec.json.Decoder[list[OrderEventMessage]]] = msgspec.json.Decoder(
    list[OrderEventMessage], dec_hook=_dec_hook
)


def _check_message(obj: object) -> None:
    if type(obj) not in _MESSAGE_CLASSES:
        raise ValidationError("message", type(obj).__name__, "is not an event or command the codec knows")


def _invalid(data: bytes | str, exc: Exception) -> ValidationError:
    preview = data[:80] if len(data) > 80 else data
    return ValidationError("data", preview, f"cannot be decoded: {exc}")


def _encode_msgpack(obj: object) -> bytes:
    try:
        return _MSGPACK_ENCODER.encode(obj)
    except OverflowError:
        return _MSGPACK_ENCODER.encode(msgspec.msgpack.Ext(BIG_INT_EXT_CODE, _JSON_ENCODER.encode(obj)))


def _unwrap_big_ints(data: bytes) -> bytes | None:
    """The JSON inside a big-integer extension, or ``None`` when ``data`` is plain msgpack."""
    # A message is a msgpack map (0x80-0x8f, 0xde, 0xdf) or a list; an extension starts with
    # fixext (0xd4-0xd8) or ext (0xc7-0xc9).
    if not data or data[0] not in (0xC7, 0xC8, 0xC9, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8):
        return None
    ext = msgspec.msgpack.decode(data)
    if not isinstance(ext, msgspec.msgpack.Ext) or ext.code != BIG_INT_EXT_CODE:
        raise ValidationError("data", data[:80], "is an unknown msgpack extension")
    return bytes(ext.data)


# -- messages --------------------------------------------------------------------------------------
def encode(message: Message) -> bytes:
    """One event or command as msgpack bytes."""
    _check_message(message)
    return _encode_msgpack(message)


def decode(data: bytes) -> Message:
    """The event or command ``encode`` wrote; raises ``ValidationError`` on bad input."""
    try:
        inner = _unwrap_big_ints(data)
        if inner is not None:
            return _JSON_DECODER.decode(inner)
        return _MSGPACK_DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _invalid(data, exc) from exc


def to_json(message: Message) -> bytes:
    """One event or command as JSON (UTF-8 bytes)."""
    _check_message(message)
    return _JSON_ENCODER.encode(message)


def from_json(data: bytes | str) -> Message:
    """The event or command ``to_json`` wrote; raises ``ValidationError`` on bad input."""
    try:
        return _JSON_DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _invalid(data, exc) from exc


def encode_many(messages: Iterable[Message]) -> list[bytes]:
    """Encode a sequence of messages (a journal), one payload each."""
    return [encode(message) for message in messages]


def decode_many(payloads: Iterable[bytes]) -> list[Message]:
    """Decode the payloads ``encode_many`` wrote, in order."""
    return [decode(payload) for payload in payloads]


# -- blocks ----------------------------------------------------------------------------------------
def _members(hint: Any) -> tuple[Any, ...]:
    """The types a field's annotation admits: a union's members, else the annotation itself."""
    return get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)


def _flat_plan(cls: type[msgspec.Struct]) -> FlatPlan:
    hints = get_type_hints(cls)
    names = cls.__struct_fields__
    identifiers: list[int] = []
    orders: list[int] = []
    for index, name in enumerate(names):
        members = _members(hints[name])
        if any(isinstance(m, type) and issubclass(m, Identifier) for m in members):
            identifiers.append(index)
        if Order in members:
            orders.append(index)
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    return tag, names, tuple(identifiers), tuple(orders)


#: How a journal block writes each message class (``packing.FlatPlan``).
FLAT_PLANS: Final[dict[type, FlatPlan]] = {cls: _flat_plan(cls) for cls in MESSAGE_TYPES.values()}


def encode_block(messages: list[Message]) -> bytes:
    """Many messages as one journal block: a msgpack array with one entry per message, ``[tag,
    *field values]`` in declaration order (no field names), identifiers written as the plain
    strings they are (msgspec encodes them without calling the hook), a message holding an
    amount beyond 64 bits as the extension ``encode`` writes for it, and the ``OrderInitialized``
    of the order a ``SubmitOrder`` just before it carries as ``[SAME_INIT_TAG]``.

    ``CompactJournal`` writes the same entries one at a time as they are appended."""
    buffer = bytearray(block_header(len(messages)))
    try:
        append_entries(messages, FLAT_PLANS, buffer)
    except KeyError as exc:
        raise ValidationError("message", exc.args[0].__name__, "is not an event or command the codec knows") from exc
    return bytes(buffer)


def _row_type(
    cls: type[msgspec.Struct], init_row: type[msgspec.Struct] | None, tagged: bool = True
) -> type[msgspec.Struct]:
    """An array-like struct that reads the entry ``[tag, *field values]`` of ``cls`` (without the
    tag when not ``tagged``) with msgspec's typed decoder: the same fields and types, an ``Order``
    read as the values of its ``OrderInitialized`` (``init_row``, untagged). The trailing fields
    that have defaults keep them, so a row written before such a field was added reads."""
    hints = get_type_hints(cls)
    tag, names, _, orders = FLAT_PLANS[cls]
    infos = {info.name: info for info in msgspec.structs.fields(cls)}
    optional_from = len(names)
    while optional_from and not infos[names[optional_from - 1]].required:
        optional_from -= 1
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for index, name in enumerate(names):
        hint = hints[name]
        if index in orders and init_row is not None:
            hint = Union[tuple(init_row if m is Order else m for m in _members(hint))]  # noqa: UP007
        if index < optional_from:
            fields.append((name, hint))
            continue
        info = infos[name]
        if info.default is not msgspec.NODEFAULT:
            fields.append((name, hint, info.default))
        else:
            fields.append((name, hint, msgspec.field(default_factory=info.default_factory)))
    return msgspec.defstruct(
        f"{cls.__name__}Row", fields, array_like=True, tag=tag if tagged else None, frozen=True, gc=False
    )


_INIT_ROW: Final = _row_type(OrderInitialized, None, tagged=False)
#: Each message class's row type, and back.
_ROW_TYPES: Final[dict[type, type[msgspec.Struct]]] = {cls: _row_type(cls, _INIT_ROW) for cls in MESSAGE_TYPES.values()}
_ROW_CLASSES: Final[dict[type, type[msgspec.Struct]]] = {row: cls for cls, row in _ROW_TYPES.items()}
_ORDER_FIELDS: Final[dict[type, tuple[str, ...]]] = {
    row: tuple(FLAT_PLANS[cls][1][index] for index in FLAT_PLANS[cls][3]) for cls, row in _ROW_TYPES.items()
}
#: ``[SAME_INIT_TAG]``: the ``OrderInitialized`` of the order of the ``SubmitOrder`` before it.
_SAME_INIT_ROW: Final = msgspec.defstruct("SameInitRow", [], array_like=True, tag=SAME_INIT_TAG, frozen=True, gc=False)
_BLOCK_DECODER: Final = msgspec.msgpack.Decoder(
    list[Union[(*_ROW_TYPES.values(), _SAME_INIT_ROW, msgspec.msgpack.Ext)]],  # type: ignore[misc]
    dec_hook=_dec_hook,
)
_ASDICT: Final = msgspec.structs.asdict


def _from_entry(entry: Any) -> Message:
    if type(entry) is msgspec.msgpack.Ext:
        if entry.code != BIG_INT_EXT_CODE:
            raise ValidationError("data", entry.code, "is an unknown msgpack extension")
        return _JSON_DECODER.decode(entry.data)
    fields = _ASDICT(entry)
    for name in _ORDER_FIELDS[type(entry)]:
        init = fields[name]
        if init is not None:
            fields[name] = Order(OrderInitialized(**_ASDICT(init)))
    # the typed decoder checked every field's type; a command's ``__post_init__`` checks the rest
    return _ROW_CLASSES[type(entry)](**fields)  # type: ignore[return-value]


def decode_block(data: bytes) -> list[Message]:
    """The messages ``encode_block`` (or a ``CompactJournal``) wrote, in order, validated again as
    they are rebuilt; raises ``ValidationError`` naming ``data`` on bad input."""
    try:
        messages: list[Message] = []
        for entry in _BLOCK_DECODER.decode(data):
            if type(entry) is _SAME_INIT_ROW:
                previous = messages[-1] if messages else None
                if not isinstance(previous, SubmitOrder):
                    raise ValidationError(
                        "data", SAME_INIT_TAG, "must follow a SubmitOrder (it stands for its order's OrderInitialized)"
                    )
                messages.append(previous.order.init)
            else:
                messages.append(_from_entry(entry))
        return messages
    except (msgspec.DecodeError, msgspec.ValidationError, NautilusError) as exc:
        if isinstance(exc, ValidationError) and exc.field == "data":
            raise
        raise _invalid(data, exc) from exc


# -- orders ----------------------------------------------------------------------------------------
def _replay(events: list[OrderEventMessage]) -> Order:
    if not events or type(events[0]) is not OrderInitialized:
        raise ValidationError("data", len(events), "an order's history must start with OrderInitialized")
    order = Order(events[0])
    for event in events[1:]:
        if event.client_order_id != order.client_order_id:
            raise ValidationError("data", str(event.client_order_id), f"is not an event of {order.client_order_id}")
        try:
            order.apply(event)
        except NautilusError as exc:
            raise ValidationError("data", type(event).__name__, f"does not replay: {exc}") from exc
    return order


def _order_events(order: Order) -> list[OrderEvent]:
    if not isinstance(order, Order):
        raise ValidationError("order", type(order).__name__, "must be an Order")
    return order.events


def encode_order(order: Order) -> bytes:
    """An order as msgpack: its event history, from ``OrderInitialized`` on."""
    return _encode_msgpack(_order_events(order))


def decode_order(data: bytes) -> Order:
    """Rebuild the order ``encode_order`` wrote by replaying its events."""
    try:
        inner = _unwrap_big_ints(data)
        events = _JSON_ORDER_DECODER.decode(inner) if inner is not None else _MSGPACK_ORDER_DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _invalid(data, exc) from exc
    return _replay(events)


def order_to_json(order: Order) -> bytes:
    """An order as JSON: its event history."""
    return _JSON_ENCODER.encode(_order_events(order))


def order_from_json(data: bytes | str) -> Order:
    """Rebuild the order ``order_to_json`` wrote by replaying its events."""
    try:
        events = _JSON_ORDER_DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _invalid(data, exc) from exc
    return _replay(events)
