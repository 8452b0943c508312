"""Messages written before ``AccountState.conversions`` existed still read (a tagged map without
the key, a journal block row without the trailing value), with the default; the journaled
rates, the trading state and the risk limit events round-trip exactly, a rate beyond 64 bits
included."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from model_support import ACCOUNT, every_event, fingerprint

from nautilus_platform.model.enums import AccountType, TradingState
from nautilus_platform.model.events import AccountBalance, AccountState, ConversionRate, TradingStateChanged
from nautilus_platform.model.packing import block_header
from nautilus_platform.model.serialization import decode, decode_block, encode, encode_block, from_json, to_json
from nautilus_platform.model.values import BTC, EUR, USD, Money
from nautilus_platform.trading.journal import CompactJournal


def _states() -> list[AccountState]:
    return [e for e in every_event() if isinstance(e, AccountState)]


def test_an_account_state_written_without_conversions_reads_with_none() -> None:
    """Fails before the fix: ``AccountState`` had no ``conversions``."""
    for state in _states():
        plain = msgspec.structs.replace(state, conversions=())
        as_map: dict[str, Any] = msgspec.msgpack.decode(encode(plain))
        del as_map["conversions"]  # as written before the field existed
        assert decode(msgspec.msgpack.encode(as_map)) == plain
        as_json: dict[str, Any] = msgspec.json.decode(to_json(plain))
        del as_json["conversions"]
        assert from_json(msgspec.json.encode(as_json)) == plain


def test_a_journal_block_row_without_the_trailing_conversions_reads() -> None:
    """Fails before the fix: a row shorter than the type's fields could not be read at all
    (the row types had no defaults), and ``AccountState`` had no ``conversions``."""
    states = [msgspec.structs.replace(s, conversions=()) for s in _states()]
    rows: list[Any] = msgspec.msgpack.decode(encode_block(states))
    old_rows = [row[:-1] for row in rows]  # the trailing ``conversions`` dropped
    old_block = block_header(len(old_rows)) + b"".join(msgspec.msgpack.encode(row) for row in old_rows)
    assert decode_block(old_block) == states
    with pytest.raises(Exception, match="data"):  # a required field still cannot be left out
        decode_block(block_header(1) + msgspec.msgpack.encode(rows[0][:5]))


def test_a_rate_beyond_64_bits_round_trips_in_every_format() -> None:
    state = AccountState(
        ts_event=1, ts_init=1, account_id=ACCOUNT, account_type=AccountType.MARGIN, base_currency=USD,
        balances=(AccountBalance(currency=USD, total=Money.of(1, USD), locked=Money.zero(USD), free=Money.of(1, USD)),),
        conversions=(
            ConversionRate(from_currency=BTC, to_currency=USD, ratio=(2**70 + 1, 3)),
            ConversionRate(from_currency=EUR, to_currency=USD, ratio=None),
        ),
    )  # fmt: skip
    halted = TradingStateChanged(ts_event=2, ts_init=2, state=TradingState.HALTED, reason="kill switch")
    for back in (decode(encode(state)), from_json(to_json(state)), decode_block(encode_block([halted, state]))[1]):
        assert fingerprint(back) == fingerprint(state)
    journal = CompactJournal(block_size=2, background=False)
    for message in (halted, state, state):
        journal.append(message)
    assert [fingerprint(e) for _, e in journal.entries()] == [fingerprint(m) for m in (halted, state, state)]
