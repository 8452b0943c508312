"""The event journal: every command and event, in order, with a sequence number.

``InMemoryJournal`` keeps them in a list (sequence number = position + 1). Persistence comes
with the persistence layer, behind the same ``Journal`` protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from nautilus_platform.model.commands import Command
from nautilus_platform.model.events import Event

Entry = Command | Event


class Journal(Protocol):
    """Append-only, ordered record of commands and events."""

    def append(self, entry: Entry) -> int:
        """Append ``entry`` and return its sequence number (1-based, gap-free)."""

    def __len__(self) -> int: ...

    def entries(self, start_seq: int = 1) -> Iterator[tuple[int, Entry]]:
        """``(sequence, entry)`` pairs from ``start_seq`` on."""


class InMemoryJournal:
    """A journal held in memory."""

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
