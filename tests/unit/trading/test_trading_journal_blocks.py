"""A ``CompactJournal`` read back: a damaged block is named, a read sees the entries appended before
it (appends during the read neither drop nor renumber entries), a journal ending mid-block."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import msgspec
import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.serialization import encode
from nautilus_platform.service.demo import DemoConfig, run_demo
from nautilus_platform.trading.journal import CompactJournal, Entry


def _entries(n: int = 40) -> list[Entry]:
    entries = [entry for _, entry in run_demo(DemoConfig(seed=3, steps=120)).node.journal.entries()]
    assert len(entries) >= n
    return entries[:n]


def _journal(entries: list[Entry], block_size: int = 8) -> CompactJournal:
    journal = CompactJournal(block_size=block_size, background=False)
    for entry in entries:
        journal.append(entry)
    return journal


@pytest.mark.parametrize(
    ("damage", "rule"),
    [
        (lambda block: block[:10] + bytes([block[10] ^ 0xFF]) + block[11:], "cannot be decompressed"),
        (lambda block: block[: len(block) // 2], "cannot be decompressed"),
        (lambda block: b"not zlib", "cannot be decompressed"),
        (lambda block: zlib.compress(zlib.decompress(block)[:-3]), "cannot be decoded"),
        (lambda block: zlib.compress(b"\xdd\x00\x00\x00\x01" + msgspec.msgpack.encode(["Nope", 1])), "cannot be"),
    ],
    ids=["flipped-byte", "truncated", "garbage", "cut-entry", "unknown-tag"],
)
def test_a_damaged_block_raises_a_validation_error_naming_the_block_and_its_entries(
    damage: Callable[[bytes], bytes], rule: str
) -> None:
    """Fails before the fix: a block zlib cannot read raised ``zlib.error`` (no block, no entries
    named), and one msgpack cannot read a ``ValidationError`` naming only ``data``."""
    entries = _entries(30)
    journal = _journal(entries)
    journal._blocks[1] = damage(journal._block(1))
    read = journal.entries()
    good = [next(read) for _ in range(8)]  # block 0 reads
    assert [seq for seq, _ in good] == list(range(1, 9))
    with pytest.raises(ValidationError, match=rule) as info:
        next(read)
    assert info.value.field == "journal block 1 (entries #9-#16)"
    assert [seq for seq, _ in journal.entries(17)] == list(range(17, 31))  # block 1 is not read
    with pytest.raises(ValidationError) as info:
        list(journal.entries(9))
    assert info.value.field.startswith("journal block 1")


def test_a_block_holding_another_number_of_entries_is_refused() -> None:
    """Fails before the fix: the entries after such a block were silently renumbered."""
    entries = _entries(24)
    journal = _journal(entries)
    short = _journal(entries[:7], block_size=7)  # one packed block of 7 entries
    journal._blocks[1] = short._block(0)
    with pytest.raises(ValidationError, match="holds 7 entries, not 8") as info:
        list(journal.entries())
    assert info.value.field == "journal block 1 (entries #9-#16)"


def test_a_read_sees_the_entries_appended_before_it_even_when_blocks_are_packed_meanwhile() -> None:
    """Fails before the fix: a block packed while a read was under way was skipped, and the
    entries after it came back under the skipped entries' numbers (entry 9 as #5 here)."""
    entries = _entries(12)
    journal = _journal(entries[:6], block_size=4)  # one packed block, two entries in the last one
    read = journal.entries()
    first = next(read)
    for entry in entries[6:9]:  # packs entries 5-8 into a block, entry 9 starts the next
        journal.append(entry)
    rest = list(read)
    assert [seq for seq, _ in [first, *rest]] == [1, 2, 3, 4, 5, 6]
    assert [encode(entry) for _, entry in [first, *rest]] == [encode(entry) for entry in entries[:6]]  # type: ignore[arg-type]
    # a read started now sees them all, numbered as appended
    assert [encode(entry) for _, entry in journal.entries()] == [encode(e) for e in entries[:9]]  # type: ignore[arg-type]
    assert [seq for seq, _ in journal.entries(7)] == [7, 8, 9]


@pytest.mark.parametrize("count", [1, 7, 8, 9, 23])
def test_a_journal_ending_mid_block_reads_back_whole_from_any_start(count: int) -> None:
    """Fails before the fix for a start past the last packed block's end: the unfinished block was
    numbered from that start, so ``entries(9)`` of a 7-entry journal gave its 7 entries as #9-#15
    (counts 1, 7 and 9 here); the other counts document the rest."""
    entries = _entries(count)
    journal = _journal(entries)
    assert [encode(e) for _, e in journal.entries()] == [encode(e) for e in entries]  # type: ignore[arg-type]
    for start in (1, count, count + 1, 9, 17):
        assert [seq for seq, _ in journal.entries(start)] == list(range(start, count + 1)), start


def test_a_start_beyond_the_packed_blocks_reads_no_phantom_entries() -> None:
    """Fails before the fix: with 16 packed entries and 5 more, ``entries(25)`` gave those 5 again
    as #25-#29."""
    entries = _entries(21)
    journal = _journal(entries)
    assert list(journal.entries(25)) == []
    assert [seq for seq, _ in journal.entries(21)] == [21]
    assert len(journal) == 21
