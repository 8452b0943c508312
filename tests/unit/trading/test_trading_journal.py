"""Journals: gap-free sequence numbers, and the compact journal gives back equal entries."""

from __future__ import annotations

import msgspec
import pytest

from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.model.commands import SubmitOrder, SubmitOrderList
from nautilus_platform.model.events import OrderFilled, OrderInitialized
from nautilus_platform.model.packing import BIG_INT_EXT_CODE, SAME_INIT_TAG
from nautilus_platform.model.serialization import decode_block, encode, encode_block
from nautilus_platform.model.values import USD, Money
from nautilus_platform.service.demo import DemoConfig, run_demo
from nautilus_platform.trading.journal import MAX_COMPRESSING_BLOCKS, CompactJournal, InMemoryJournal, NullJournal
from nautilus_platform.trading.replay import replay_journal


def _session() -> InMemoryJournal:
    journal = run_demo(DemoConfig(seed=5, steps=400)).node.journal
    assert isinstance(journal, InMemoryJournal)
    return journal


@pytest.mark.parametrize("block_size", [1, 7, 4096])
def test_compact_journal_gives_back_equal_entries_in_order(block_size: int) -> None:
    original = list(_session().entries())
    compact = CompactJournal(block_size=block_size)
    sequences = [compact.append(entry) for _, entry in original]
    assert sequences == list(range(1, len(original) + 1)) and len(compact) == len(original)
    back = list(compact.entries())
    assert [seq for seq, _ in back] == [seq for seq, _ in original]
    for (_, before), (_, after) in zip(original, back, strict=True):
        if isinstance(before, SubmitOrder):  # orders come back rebuilt from their OrderInitialized
            assert isinstance(after, SubmitOrder) and after.order.init == before.order.init
        elif isinstance(before, SubmitOrderList):
            assert isinstance(after, SubmitOrderList)
            assert [o.init for o in after.orders] == [o.init for o in before.orders]
        else:
            assert after == before
    middle = len(original) // 2 + 1
    assert [seq for seq, _ in compact.entries(middle)] == list(range(middle, len(original) + 1))


def test_the_order_initialized_after_its_submit_order_is_written_as_a_reference() -> None:
    entries = [entry for _, entry in _session().entries()]
    k = next(i for i, entry in enumerate(entries) if isinstance(entry, SubmitOrder))
    submit, init, after = entries[k], entries[k + 1], entries[k + 2]
    assert isinstance(submit, SubmitOrder) and init is submit.order.init  # what the engine journals
    data = encode_block([submit, init, after])
    assert msgspec.msgpack.decode(data)[1] == [SAME_INIT_TAG]
    back = decode_block(data)
    assert type(back[1]) is OrderInitialized and back[1] == init and back[2] == after
    # an equal event that is not the command's own, or one that does not follow it, is written in full
    copy = msgspec.structs.replace(init)
    assert msgspec.msgpack.decode(encode_block([submit, copy]))[1][0] == "OrderInitialized"
    assert msgspec.msgpack.decode(encode_block([submit, after, init]))[2][0] == "OrderInitialized"
    # a block never refers to the one before it: the event opening a block is written in full
    compact = CompactJournal(block_size=k + 1, background=False)
    for entry in entries[: k + 3]:
        compact.append(entry)
    assert compact.packed_bytes > 0  # the first block, ending with the SubmitOrder, is packed
    assert [entry for _, entry in compact.entries()][k + 1] == init


def test_compact_journal_replays_to_the_same_state() -> None:
    node = run_demo(DemoConfig(seed=5, steps=400)).node
    compact = CompactJournal(block_size=16)
    for _, entry in node.journal.entries():
        compact.append(entry)
    assert compact.packed_bytes > 0
    rebuilt = replay_journal(compact.entries(), node.cache.instruments, node.rates).portfolio
    for account_id, account in node.portfolio.accounts.items():
        assert rebuilt.accounts[account_id].balances == account.balances
    assert rebuilt.net_positions == node.portfolio.net_positions


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"block_size": 0}, "block_size"),
        ({"block_size": 2**32}, "block_size"),
        ({"compression_level": 10}, "compression_level"),
    ],
)
def test_compact_journal_rejects_bad_settings(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        CompactJournal(**kwargs)
    assert info.value.field == field


def test_background_compression_gives_the_same_blocks() -> None:
    entries = [entry for _, entry in _session().entries()]
    foreground = CompactJournal(block_size=8, background=False)
    background = CompactJournal(block_size=8)
    for entry in entries:
        foreground.append(entry)
        background.append(entry)
    assert background.packed_bytes == foreground.packed_bytes > 0
    assert [encode(e) for _, e in background.entries()] == [encode(e) for _, e in foreground.entries()]
    background.close()
    assert len(list(background.entries())) == len(entries)


def test_blocks_waiting_for_compression_are_bounded() -> None:
    entries = [entry for _, entry in _session().entries()][:300]
    journal = CompactJournal(block_size=1)  # a full block with every entry: the worker falls behind
    waiting = []
    for entry in entries:
        journal.append(entry)
        waiting.append(journal.compressing)
    assert 1 <= max(waiting) <= MAX_COMPRESSING_BLOCKS
    assert [encode(e) for _, e in journal.entries()] == [encode(e) for e in entries]
    journal.close()
    assert journal.compressing == 0


def test_a_block_with_an_amount_beyond_64_bits_falls_back_and_reads_back() -> None:
    entries = [entry for _, entry in _session().entries()]
    fill = next(entry for entry in entries if isinstance(entry, OrderFilled))
    huge = msgspec.structs.replace(fill, commission=Money(raw=10**21, currency=fill.commission.currency))
    messages = [*entries[:5], huge, *entries[5:9]]
    data = encode_block(messages)  # type: ignore[arg-type]
    written = msgspec.msgpack.decode(data)
    assert isinstance(written[5], msgspec.msgpack.Ext) and written[5].code == BIG_INT_EXT_CODE  # that entry alone
    assert all(isinstance(entry, list) for i, entry in enumerate(written) if i != 5)
    assert [encode(m) for m in decode_block(data)] == [encode(m) for m in messages]  # orders as issued
    assert decode_block(data)[5] == huge
    compact = CompactJournal(block_size=4, background=False)
    for message in messages:
        compact.append(message)
    assert [encode(entry) for _, entry in compact.entries()] == [encode(m) for m in messages]


def test_compact_journal_refuses_what_is_not_an_event_or_command_and_loses_nothing() -> None:
    entries = [entry for _, entry in _session().entries()][:10]
    compact = CompactJournal(block_size=4, background=False)
    for entry in entries[:6]:
        compact.append(entry)
    with pytest.raises(ValidationError) as info:
        compact.append(Money.of(1, USD))  # type: ignore[arg-type]
    assert info.value.field == "message"
    for entry in entries[6:]:
        compact.append(entry)
    assert len(compact) == len(entries)
    assert [seq for seq, _ in compact.entries()] == list(range(1, len(entries) + 1))


def test_compact_journal_keeps_an_order_as_it_was_issued() -> None:
    """An entry is encoded when appended: later changes to a live order do not reach the journal."""
    journal = _session()
    submit = next(entry for _, entry in journal.entries() if isinstance(entry, SubmitOrder))
    compact = CompactJournal(block_size=4096, background=False)
    compact.append(submit)
    assert submit.order.status.name != "INITIALIZED"  # the live order has moved on since (the session ran)
    ((_, back),) = compact.entries()
    assert isinstance(back, SubmitOrder) and back.order.status.name == "INITIALIZED"
    assert back.order.init == submit.order.init


def test_the_null_journal_numbers_entries_like_the_others_and_keeps_none() -> None:
    entries = [entry for _, entry in _session().entries()]
    null, memory = NullJournal(), InMemoryJournal()
    assert [null.append(e) for e in entries] == [memory.append(e) for e in entries] == list(range(1, len(entries) + 1))
    assert len(null) == len(entries)
    with pytest.raises(ConfigurationError, match=f"{len(entries)} entries numbered, none kept"):
        list(null.entries())
