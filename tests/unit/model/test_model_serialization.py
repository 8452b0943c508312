"""The msgspec codec: every event and command round-trips exactly, in msgpack and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_support import (
    AAPL,
    STRATEGY,
    accepted,
    every_command,
    every_event,
    factory,
    filled,
    fingerprint,
    initialized,
    new_order,
    pending_cancel,
    submitted,
    triggered,
)

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import ClientOrderId, Identifier, InstrumentId, TradeId
from nautilus_platform.model import commands as commands_module
from nautilus_platform.model import events as events_module
from nautilus_platform.model.commands import Command, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from nautilus_platform.model.events import Event, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.packing import block_row
from nautilus_platform.model.serialization import (
    BIG_INT_EXT_CODE,
    FLAT_PLANS,
    MESSAGE_TYPES,
    decode,
    decode_block,
    decode_many,
    decode_order,
    encode,
    encode_block,
    encode_many,
    encode_order,
    from_json,
    order_from_json,
    order_to_json,
    to_json,
)
from nautilus_platform.model.values import USD, Money, Price, Quantity

Codec = tuple[Callable[[Any], bytes], Callable[[bytes], Any]]
CODECS: list[Codec] = [(encode, decode), (to_json, from_json)]
CODEC_IDS = ["msgpack", "json"]


def _concrete(base: type) -> set[type]:
    found: set[type] = set()
    for sub in base.__subclasses__():
        found |= _concrete(sub)
        if not sub.__subclasses__() and sub.__module__ in (events_module.__name__, commands_module.__name__):
            found.add(sub)
    return found


def test_codec_knows_every_event_and_command_type() -> None:
    expected = _concrete(Event) | _concrete(Command)
    assert set(MESSAGE_TYPES.values()) == expected
    assert {type(m) for m in every_event() + every_command()} == expected  # the fixtures cover them all


@pytest.mark.parametrize(("enc", "dec"), CODECS, ids=CODEC_IDS)
@pytest.mark.parametrize("event", every_event(), ids=lambda e: type(e).__name__)
def test_every_event_round_trips_exactly(
    enc: Callable[[Any], bytes], dec: Callable[[bytes], Any], event: Event
) -> None:
    back = dec(enc(event))
    assert type(back) is type(event)
    assert back == event
    assert fingerprint(back) == fingerprint(event)
    assert enc(back) == enc(event)


@pytest.mark.parametrize(("enc", "dec"), CODECS, ids=CODEC_IDS)
@pytest.mark.parametrize("command", every_command(), ids=lambda c: type(c).__name__)
def test_every_command_round_trips_exactly(
    enc: Callable[[Any], bytes], dec: Callable[[bytes], Any], command: Command
) -> None:
    back = dec(enc(command))
    assert type(back) is type(command)
    assert fingerprint(back) == fingerprint(command)
    assert enc(back) == enc(command)


def test_submit_order_carries_a_fresh_initialized_order() -> None:
    command = next(c for c in every_command() if isinstance(c, SubmitOrder))
    back = decode(encode(command))
    assert isinstance(back, SubmitOrder)
    assert back.order is not command.order
    assert back.order.status is OrderStatus.INITIALIZED
    assert back.order.init == command.order.init
    assert back.order.events == [back.order.init]


def test_submit_order_list_keeps_the_bracket_links() -> None:
    command = next(c for c in every_command() if isinstance(c, SubmitOrderList))
    back = from_json(to_json(command))
    assert isinstance(back, SubmitOrderList)
    entry, tp, sl = back.orders
    assert entry.linked_order_ids == (tp.client_order_id, sl.client_order_id)
    assert all(type(i) is ClientOrderId for i in entry.linked_order_ids)
    assert tp.parent_order_id == entry.client_order_id


def test_values_keep_their_types_and_precision() -> None:
    event = msgspec.structs.replace(filled("1.50"), last_px=Price.of("101.25", 4))
    back = decode(encode(event))
    assert isinstance(back, OrderFilled)
    assert type(back.instrument_id) is InstrumentId and back.instrument_id.venue == "XNAS"
    assert type(back.trade_id) is TradeId
    assert type(back.last_px) is Price and back.last_px.precision == 4
    assert str(back.last_px) == "101.2500"
    assert str(back.last_qty) == "1.50"  # the precision as written round-trips
    assert back.commission == Money.of("0.10", USD) and back.commission.currency == USD
    assert back.order_side is OrderSide.BUY and back.liquidity_side is LiquiditySide.MAKER


def test_decimal_digits_are_preserved() -> None:
    init = next(e for e in every_event() if type(e).__name__ == "OrderInitialized")
    back = from_json(to_json(init))
    assert str(back.trailing_offset) == "0.250"  # type: ignore[union-attr]
    assert json.loads(to_json(init))["trailing_offset"] == "0.250"


def test_json_is_readable_and_tagged() -> None:
    payload = json.loads(to_json(submitted()))
    assert payload["type"] == "OrderSubmitted"
    assert payload["client_order_id"] == "O-1"
    assert from_json(json.dumps(payload)) == submitted()  # str input works too


def test_a_mixed_journal_round_trips_in_order() -> None:
    journal: list[Any] = [*every_command(), *every_event()]
    payloads = encode_many(journal)
    back = decode_many(payloads)
    assert [fingerprint(m) for m in back] == [fingerprint(m) for m in journal]


def test_values_beyond_64_bits_round_trip_through_the_extension() -> None:
    huge = Quantity.of("100000000000")  # raw 1e20 does not fit msgpack's 64-bit integers
    event = OrderFilled(
        ts_event=1,
        ts_init=1,
        strategy_id=STRATEGY,
        instrument_id=AAPL,
        client_order_id=ClientOrderId("O-1"),
        venue_order_id=accepted().venue_order_id,
        account_id=accepted().account_id,
        trade_id=TradeId("T-1"),
        order_side=OrderSide.SELL,
        order_type=OrderType.MARKET,
        last_qty=huge,
        last_px=Price.of("-9999999999.5"),
        commission=Money.of("-12345678901.23", USD),
        liquidity_side=LiquiditySide.TAKER,
    )
    data = encode(event)
    assert isinstance(msgspec.msgpack.decode(data), msgspec.msgpack.Ext)
    assert msgspec.msgpack.decode(data).code == BIG_INT_EXT_CODE
    assert decode(data) == event
    assert fingerprint(decode(data)) == fingerprint(event)
    assert from_json(to_json(event)) == event
    # small values stay plain msgpack maps
    assert isinstance(msgspec.msgpack.decode(encode(submitted())), dict)


# -- journal blocks --------------------------------------------------------------------------------


def _entries(data: bytes) -> list[Any]:
    entries = msgspec.msgpack.decode(data)
    assert isinstance(entries, list)
    return entries


def test_every_message_round_trips_through_a_block() -> None:
    journal: list[Any] = [*every_command(), *every_event(), *every_command()]
    back = decode_block(encode_block(journal))
    assert [type(m) for m in back] == [type(m) for m in journal]
    assert [fingerprint(m) for m in back] == [fingerprint(m) for m in journal]
    assert encode_block(back) == encode_block(journal)


def test_a_block_writes_field_values_without_names_and_identifiers_as_plain_strings() -> None:
    journal: list[Any] = [*every_command(), *every_event()]
    entries = _entries(encode_block(journal))
    assert [entry[0] for entry in entries] == [type(m).__name__ for m in journal]
    for message, (_, *row) in zip(journal, entries, strict=True):
        assert len(row) == len(message.__struct_fields__)  # values only, in declaration order
        for name, value in zip(message.__struct_fields__, row, strict=True):
            original = getattr(message, name)
            if isinstance(original, Identifier):
                assert value == str(original)
            elif isinstance(original, Order):  # the values of its OrderInitialized
                assert len(value) == len(original.init.__struct_fields__)
                assert value[0] == original.init.ts_event
    # the identifiers msgspec is handed are exact ``str``: it encodes them without the hook
    plain: dict[str, str] = {}
    for message in journal:
        row = block_row(message, FLAT_PLANS[type(message)], FLAT_PLANS, plain)
        for name, value in zip(message.__struct_fields__, row, strict=True):
            if isinstance(getattr(message, name), Identifier):
                assert type(value) is str, (type(message).__name__, name)


def test_a_block_keeps_an_order_as_issued_not_as_it_is_later() -> None:
    command = next(c for c in every_command() if isinstance(c, SubmitOrder))
    data = encode_block([command])
    order = command.order
    later = msgspec.structs.replace(
        submitted(),
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
    )
    order.apply(later)  # the live order moves on after the block is written
    assert order.status is OrderStatus.SUBMITTED
    back = decode_block(data)[0]
    assert isinstance(back, SubmitOrder)
    assert back.order.status is OrderStatus.INITIALIZED and back.order.init == command.order.init


@pytest.mark.parametrize(
    "blob",
    [
        {"not": "a block"},
        [["Unknown", 1]],
        [["OrderSubmitted", 1, 2]],  # too few fields
        [[7, 1]],
        [[]],
        [5],
        [["OrderSubmitted", 1, 2, "S-1", "AAPL.XNAS", "O-1", "no account"]],
        [msgspec.msgpack.Ext(7, b"{}")],
        [["^init"]],  # the OrderInitialized of a SubmitOrder that is not there
        [["^init", 1]],
    ],
)
def test_a_bad_block_raises_validation_error(blob: Any) -> None:
    with pytest.raises(ValidationError) as info:
        decode_block(msgspec.msgpack.encode(blob))
    assert info.value.field == "data"


def test_a_block_refuses_what_is_not_an_event_or_command() -> None:
    with pytest.raises(ValidationError) as info:
        encode_block([submitted(), Price.of("1.0")])  # type: ignore[list-item]
    assert info.value.field == "message"


# -- orders ----------------------------------------------------------------------------------------


def test_an_order_round_trips_by_replaying_its_history() -> None:
    order = new_order(100)
    for event in (submitted(), accepted(), triggered(), filled(40, trade_id="T-1"), pending_cancel()):
        order.apply(event)
    for back in (decode_order(encode_order(order)), order_from_json(order_to_json(order))):
        assert back.status is OrderStatus.PENDING_CANCEL
        assert back.events == order.events
        assert back.filled_qty == Quantity.of(40)
        assert back.avg_px == order.avg_px
        assert back.venue_order_id == order.venue_order_id
        assert back.is_triggered
        assert back.commissions == order.commissions
        back.apply(filled(60, trade_id="T-2"))  # the rebuilt order goes on living
        assert back.status is OrderStatus.FILLED


def test_an_order_history_that_does_not_replay_is_refused() -> None:
    events = [initialized(), accepted()]  # accepted before submitted
    data = msgspec.msgpack.encode(events, enc_hook=lambda o: str(o) if isinstance(o, Identifier) else None)
    with pytest.raises(ValidationError) as info:
        decode_order(data)
    assert info.value.field == "data"
    with pytest.raises(ValidationError):
        order_from_json(b"[]")
    with pytest.raises(ValidationError):
        order_from_json(to_json(submitted()).join([b"[", b"]"]))  # does not start with OrderInitialized


def test_an_order_history_mixing_orders_is_refused() -> None:
    other = factory().market(AAPL, OrderSide.BUY, Quantity.of(1))
    payload = b"[" + to_json(other.init) + b"," + to_json(submitted()) + b"]"
    with pytest.raises(ValidationError, match="is not an event of"):
        order_from_json(payload)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xc1",
        msgspec.msgpack.encode({"type": "Unknown"}),
        msgspec.msgpack.encode({"type": "OrderSubmitted"}),
        msgspec.msgpack.encode([1, 2]),
        msgspec.msgpack.encode(msgspec.msgpack.Ext(7, b"{}")),
    ],
)
def test_bad_msgpack_raises_validation_error(data: bytes) -> None:
    with pytest.raises(ValidationError) as info:
        decode(data)
    assert info.value.field == "data"


def test_an_invalid_identifier_inside_a_message_is_refused() -> None:
    payload = json.loads(to_json(submitted()))
    payload["instrument_id"] = "NO-VENUE"
    with pytest.raises(ValidationError) as info:
        from_json(json.dumps(payload))
    assert "instrument_id" in info.value.rule


def test_a_decoded_command_is_validated_again() -> None:
    command = next(c for c in every_command() if isinstance(c, SubmitOrder))
    payload = json.loads(to_json(command))
    payload["strategy_id"] = "SOMEONE-ELSE"
    with pytest.raises(ValidationError) as info:
        from_json(json.dumps(payload))
    assert "strategy_id" in info.value.rule


@pytest.mark.parametrize("bad", ["{", "[]", '{"type":"OrderFilled"}', "null"])
def test_bad_json_raises_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        from_json(bad)
    assert info.value.field == "data"


@pytest.mark.parametrize("obj", [object(), Price.of(1), new_order(), "OrderSubmitted"])
def test_only_events_and_commands_are_encoded(obj: Any) -> None:
    for enc in (encode, to_json):
        with pytest.raises(ValidationError) as info:
            enc(obj)
        assert info.value.field == "message"


@pytest.mark.parametrize("obj", [object(), submitted(), "O-1"])
def test_only_orders_are_encoded_as_orders(obj: Any) -> None:
    for enc in (encode_order, order_to_json):
        with pytest.raises(ValidationError) as info:
            enc(obj)
        assert info.value.field == "order"


# -- property --------------------------------------------------------------------------------------

ids = st.text(alphabet="ABCXYZ019-_/", min_size=1, max_size=8)
prices = st.builds(
    lambda u, p: Price(raw=u * 10 ** (9 - p), precision=p), st.integers(-(10**12), 10**12), st.integers(0, 9)
)
quantities = st.builds(
    lambda u, p: Quantity(raw=u * 10 ** (9 - p), precision=p), st.integers(1, 10**13), st.integers(0, 9)
)
fills = st.builds(
    lambda coid, trade, q, p, fee, ts, side: OrderFilled(
        ts_event=ts,
        ts_init=ts + 1,
        strategy_id=STRATEGY,
        instrument_id=InstrumentId(f"{coid}.XNAS"),
        client_order_id=ClientOrderId(coid),
        venue_order_id=accepted().venue_order_id,
        account_id=accepted().account_id,
        trade_id=TradeId(trade),
        order_side=side,
        order_type=OrderType.LIMIT,
        last_qty=q,
        last_px=p,
        commission=Money(raw=fee * USD.unit_raw, currency=USD),
        liquidity_side=LiquiditySide.TAKER,
    ),
    ids,
    ids,
    quantities,
    prices,
    st.integers(-(10**12), 10**12),
    st.integers(0, 2**63 - 2),
    st.sampled_from(list(OrderSide)),
)
messages = st.one_of(fills, st.sampled_from(every_event() + every_command()))


@settings(max_examples=100, deadline=None)
@given(st.lists(messages, max_size=8))
def test_random_journals_round_trip_in_both_formats_and_as_a_block(journal: list[Any]) -> None:
    for enc, dec in CODECS:
        back = [dec(enc(m)) for m in journal]
        assert [fingerprint(m) for m in back] == [fingerprint(m) for m in journal]
    back = decode_block(encode_block(journal))
    assert [fingerprint(m) for m in back] == [fingerprint(m) for m in journal]
