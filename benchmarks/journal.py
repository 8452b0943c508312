"""The ``journal`` diagnostic: what journalling costs the trading thread (JSON lines out).

Runs the ``bars`` workload (``benchmarks/bars.py``) on N bars (default 100,000) with an
``InMemoryJournal`` and takes the commands and events it journalled. It then times, best of 5,
``CompactJournal.append`` over them (each entry encoded as it is appended: its tag and field
values, identifiers as plain strings; the block never fills during the timing, so no
compression is counted), in journal order and grouped by message type; and, for comparison,
the same messages encoded as msgpack arrays of tagged maps of 4,096 (what ``encode`` writes for
each message, and the block format before 2026-12-06: field names, and every identifier, a
``str`` subclass, handed to the encode hook one by one). ``python benchmarks/journal.py [N]``.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, scale_from_argv
from bars import workload
from nautilus_platform.model.packing import encode_hook
from nautilus_platform.service.backtest import run_backtest
from nautilus_platform.trading.journal import CompactJournal, Entry, InMemoryJournal

NAME = "journal"
REPEATS = 5
BLOCK = 4096
_MAPS = msgspec.msgpack.Encoder(enc_hook=encode_hook)


def journalled(n: int) -> list[Entry]:
    """The commands and events of the ``bars`` workload on ``n`` bars, in journal order."""
    journal = InMemoryJournal()
    run_backtest(workload(n, journal))
    return [entry for _, entry in journal.entries()]


def append_ns(messages: list[Entry]) -> float:
    """Best-of-``REPEATS`` nanoseconds per message of ``CompactJournal.append`` over ``messages``."""
    best = float("inf")
    for _ in range(REPEATS):
        journal = CompactJournal(block_size=len(messages) + 1, background=False)
        append = journal.append
        started = time.perf_counter_ns()
        for message in messages:
            append(message)
        best = min(best, (time.perf_counter_ns() - started) / len(messages))
    return best


def tagged_maps_ns(messages: list[Entry]) -> float:
    """Best-of-``REPEATS`` nanoseconds per message of encoding ``messages`` as arrays of 4,096
    tagged maps."""
    blocks = [messages[i : i + BLOCK] for i in range(0, len(messages), BLOCK)]
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter_ns()
        for block in blocks:
            _MAPS.encode(block)
        best = min(best, (time.perf_counter_ns() - started) / len(messages))
    return best


def main(n: int) -> None:
    messages = journalled(n)
    by_type: dict[str, list[Entry]] = defaultdict(list)
    for message in messages:
        by_type[type(message).__name__].append(message)
    orders = len(by_type["SubmitOrder"])
    per_order = len(messages) / orders
    for name, group in sorted(by_type.items()):
        emit(NAME, f"append_ns_{name}", round(append_ns(group)), "ns/message")
        emit(NAME, f"tagged_maps_ns_{name}", round(tagged_maps_ns(group)), "ns/message")
    in_order, maps_in_order = append_ns(messages), tagged_maps_ns(messages)
    emit(NAME, "messages_per_order", round(per_order, 2), "messages")
    emit(NAME, "append_ns_per_message", round(in_order), "ns/message")
    emit(NAME, "tagged_maps_ns_per_message", round(maps_in_order), "ns/message")
    emit(NAME, "append_ns_per_order", round(in_order * per_order), "ns/order")
    emit(NAME, "tagged_maps_ns_per_order", round(maps_in_order * per_order), "ns/order")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    main(scale_from_argv(100_000))
