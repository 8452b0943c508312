"""The event journal: every command and event, in order, with a sequence number.

Two in-memory journals behind one ``Journal`` protocol (persistence comes with the persistence
layer, behind the same protocol):

- ``InMemoryJournal`` keeps the entry objects in a list: the fastest, and memory grows with
  every entry (about 1.5 KB per order of a typical order flow).
- ``CompactJournal`` keeps the latest block of entries as objects and packs every full block
  into zlib-compressed msgpack (the codec's block format, ``model.serialization.encode_block``:
  each entry's tag and field values, identifiers as plain strings): about 10-16 bytes per entry;
  encoding costs well under a microsecond per entry when a block is packed, and the compression
  runs on a worker thread. Reading decodes the blocks back to equal entries, validated again
  (an ``Order`` inside a command comes back rebuilt from its ``OrderInitialized``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.commands import Command
from nautilus_platform.model.events import Event
from nautilus_platform.model.serialization import decode_block, encode_block

Entry = Command | Event


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


class CompactJournal:
    """A journal held in memory as compressed msgpack blocks plus the latest entries as objects.

    Encoding a full block happens on the caller's thread (it reads the entry objects); with
    ``background=True`` (the default) the zlib compression of the encoded bytes, which releases
    the GIL, runs on one worker thread, so it overlaps with trading. The compressed bytes are the
    same either way.
    """

    __slots__ = ("_blocks", "_count", "_executor", "_level", "_recent", "block_size")

    def __init__(self, block_size: int = 4096, compression_level: int = 1, background: bool = True) -> None:
        if type(block_size) is not int or block_size <= 0:
            raise ValidationError("block_size", block_size, "must be a positive int")
        if type(compression_level) is not int or not 0 <= compression_level <= 9:
            raise ValidationError("compression_level", compression_level, "must be an int in 0..9")
        self.block_size = block_size
        self._level = compression_level
        self._blocks: list[bytes | Future[bytes]] = []
        self._recent: list[Entry] = []
        self._count = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-zlib") if background else None

    def append(self, entry: Entry) -> int:
        recent = self._recent
        recent.append(entry)
        self._count += 1
        if len(recent) >= self.block_size:
            encoded = encode_block(recent)  # type: ignore[arg-type]
            executor = self._executor
            if executor is None:
                self._blocks.append(zlib.compress(encoded, self._level))
            else:
                self._blocks.append(executor.submit(zlib.compress, encoded, self._level))
            self._recent = []
        return self._count

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
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        size = self.block_size
        first_block = max(0, start_seq - 1) // size
        seq = first_block * size
        for index in range(first_block, len(self._blocks)):
            for message in decode_block(zlib.decompress(self._block(index))):
                seq += 1
                if seq >= start_seq:
                    yield seq, message
        for entry in list(self._recent):
            seq += 1
            if seq >= start_seq:
                yield seq, entry
