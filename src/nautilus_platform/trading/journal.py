"""The event journal: every command and event, in order, with a sequence number.

In-memory journals behind one ``Journal`` protocol (persistence comes with the persistence
layer, behind the same protocol):

- ``InMemoryJournal`` keeps the entry objects in a list: the fastest, and memory grows with
  every entry (about 2.4 KB of resident memory per order of the ``orders`` benchmark flow).
- ``CompactJournal`` encodes each entry as it is appended (the codec's block format,
  ``model.serialization.encode_block``: its tag and field values, identifiers as plain strings)
  (an ``OrderInitialized`` right after its ``SubmitOrder`` as a reference to the command's order)
  and compresses every full block with zlib on a worker thread: about 10-16 bytes per entry.
  Reading decodes the blocks back to equal entries, validated again (an ``Order`` inside a
  command comes back rebuilt from its ``OrderInitialized`` as it was issued).
- ``NullJournal`` numbers the entries and keeps none (a backtest's default: it is re-run from its
  inputs).
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final, Protocol

from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.model.commands import Command
from nautilus_platform.model.events import Event
from nautilus_platform.model.packing import BlockState, append_entry, block_header
from nautilus_platform.model.serialization import FLAT_PLANS, decode_block

Entry = Command | Event
_PLANS: Final = FLAT_PLANS
#: Full blocks a ``CompactJournal`` lets wait for its compression thread before it waits itself.
MAX_COMPRESSING_BLOCKS: Final = 4


class Journal(Protocol):
    """Append-only, ordered record of commands and events."""

    def append(self, entry: Entry) -> int:
        """Append ``entry`` and return its sequence number (1-based, gap-free)."""

    def __len__(self) -> int: ...

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        """``(sequence, entry)`` pairs from ``start_seq`` on."""


class InMemoryJournal:
    """A journal held in memory as objects."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[Entry] = []

    def append(self, entry: Entry) -> int:
        self._entries.append(entry)
        return len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        for index in range(max(0, start_seq - 1), len(self._entries)):
            yield index + 1, self._entries[index]


class NullJournal:
    """Numbers the entries and keeps none: for runs whose inputs replay them exactly (a backtest is
    re-run from its data, strategy and seeds), so journaling would cost time and memory for an
    entry nobody reads. ``entries`` refuses with a ``ConfigurationError``."""

    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count = 0

    def append(self, entry: Entry) -> int:
        self._count += 1
        return self._count

    def __len__(self) -> int:
        return self._count

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        raise ConfigurationError(
            f"this node kept no journal ({self._count} entries numbered, none kept); "
            "give it an InMemoryJournal or a CompactJournal to read them back"
        )


def _done(block: bytes | Future[bytes]) -> bool:
    return not isinstance(block, Future) or block.done()


def _compress(header: bytes, body: bytearray, level: int) -> bytes:
    # One call that releases the GIL: on the worker thread each call that takes it back again
    # waits for the trading thread's switch interval.
    return zlib.compress(header + body, level)


class CompactJournal:
    """A journal held in memory as compressed msgpack blocks of ``block_size`` entries.

    Each entry is encoded when it is appended (``packing.append_entry``: about a microsecond,
    the same for every entry), so the entry objects are not kept and no append stalls to encode
    a whole block (before 2026-12-06 the append that completed a block of 4,096 took 3-7 ms). With ``background=True`` (the default) the zlib compression
    of a full block, which releases the GIL, runs on one worker thread, so it overlaps with
    trading. The compressed bytes are the same either way. At most ``MAX_COMPRESSING_BLOCKS``
    full blocks wait for that thread (each holds its uncompressed bytes): the thread needs the
    GIL to start and finish each block, so a fast trading thread can outrun it, and the journal
    then waits for the oldest instead of letting the backlog grow.
    """

    __slots__ = (
        "_blocks", "_buffer", "_compressing", "_count", "_executor", "_in_buffer", "_level", "_state", "block_size",
    )  # fmt: skip

    def __init__(self, block_size: int = 4096, compression_level: int = 1, background: bool = True) -> None:
        if type(block_size) is not int or not 0 < block_size < 2**32:
            raise ValidationError("block_size", block_size, "must be an int in 1..2**32-1")
        if type(compression_level) is not int or not 0 <= compression_level <= 9:
            raise ValidationError("compression_level", compression_level, "must be an int in 0..9")
        self.block_size = block_size
        self._level = compression_level
        self._blocks: list[bytes | Future[bytes]] = []
        self._compressing: deque[int] = deque()  # indices of the blocks sent to the worker, oldest first
        self._buffer = bytearray()  # the entries of the block being written
        self._in_buffer = 0
        self._state = BlockState()  # what the block's encoder keeps between entries
        self._count = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-zlib") if background else None

    def append(self, entry: Entry) -> int:
        """Append ``entry`` and return its sequence number; an object that is not an event or
        command raises ``ValidationError`` and leaves the journal as it was."""
        try:
            append_entry(entry, _PLANS, self._state, self._buffer)
        except KeyError as exc:
            raise ValidationError(
                "message", type(entry).__name__, "is not an event or command the codec knows"
            ) from exc
        self._count += 1
        self._in_buffer += 1
        if self._in_buffer >= self.block_size:
            self._pack()
        return self._count

    def _pack(self) -> None:
        header = block_header(self._in_buffer)
        body = self._buffer
        self._buffer = bytearray()
        self._in_buffer = 0
        self._state = BlockState()
        executor = self._executor
        if executor is None:
            self._blocks.append(_compress(header, body, self._level))
            return
        blocks, compressing = self._blocks, self._compressing
        blocks.append(executor.submit(_compress, header, body, self._level))
        compressing.append(len(blocks) - 1)
        while compressing and (len(compressing) > MAX_COMPRESSING_BLOCKS or _done(blocks[compressing[0]])):
            self._block(compressing.popleft())  # the oldest: done, or waited for

    @property
    def compressing(self) -> int:
        """Full blocks handed to the compression thread and not yet collected (at most
        ``MAX_COMPRESSING_BLOCKS`` after each append)."""
        return len(self._compressing)

    def __len__(self) -> int:
        return self._count

    def _block(self, index: int) -> bytes:
        block = self._blocks[index]
        if isinstance(block, Future):
            block = self._blocks[index] = block.result()
        return block

    @property
    def packed_bytes(self) -> int:
        """Bytes held by the packed blocks (waits for compressions in flight)."""
        return sum(len(self._block(index)) for index in range(len(self._blocks)))

    def close(self) -> None:
        """Finish compressions in flight and stop the worker thread."""
        for index in range(len(self._blocks)):
            self._block(index)
        self._compressing.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        """The entries appended before this call, from ``start_seq`` on (later appends are not
        read: a block packed meanwhile would otherwise be skipped and the entries after it
        misnumbered). A block that cannot be read raises ``ValidationError`` naming the block and
        its sequence numbers."""
        packed = len(self._blocks)
        tail = block_header(self._in_buffer) + bytes(self._buffer) if self._in_buffer else None
        return self._read(start_seq, packed, tail, self._in_buffer)

    def _read(self, start_seq: int, packed: int, tail: bytes | None, in_tail: int) -> Iterator[tuple[int, Entry]]:
        size = self.block_size
        first_block = max(0, start_seq - 1) // size
        for index in range(first_block, packed + (tail is not None)):
            first = index * size + 1
            if index < packed:
                messages = self._decode(index, first, size, None)
            else:
                assert tail is not None
                messages = self._decode(index, first, in_tail, tail)
            seq = first - 1
            for message in messages:
                seq += 1
                if seq >= start_seq:
                    yield seq, message

    def _decode(self, index: int, first: int, count: int, data: bytes | None) -> list[Entry]:
        where = f"journal block {index} (entries #{first}-#{first + count - 1})"
        try:
            messages = decode_block(zlib.decompress(self._block(index)) if data is None else data)
        except zlib.error as exc:
            raise ValidationError(where, f"{len(self._block(index))} bytes", f"cannot be decompressed: {exc}") from exc
        except ValidationError as exc:
            raise ValidationError(where, exc.value, exc.rule) from exc
        if len(messages) != count:
            raise ValidationError(where, len(messages), f"holds {len(messages)} entries, not {count}")
        return messages  # type: ignore[return-value]
