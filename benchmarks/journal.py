"""The ``journal`` diagnostic: what encoding the journal costs per message type (JSON lines out).

Runs the ``bars`` workload (``benchmarks/bars.py``) on N bars (default 100,000) with an
``InMemoryJournal``, groups the journalled commands and events by type and times
``encode_block`` (the ``CompactJournal``'s block encoder: field values without names,
identifiers handed to msgspec as plain strings) over each group, best of 5. For comparison it
times the same messages encoded as one msgpack array of tagged maps, as ``encode`` writes each
message (field names, and every identifier, a ``str`` subclass, passed to the encode hook one
by one): the block format before 2026-12-06. ``python benchmarks/journal.py [N]``.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, scale_from_argv
from bars import workload
from nautilus_platform.model.packing import encode_hook
from nautilus_platform.model.serialization import encode_block
from nautilus_platform.service.backtest import run_backtest
from nautilus_platform.trading.journal import Entry, InMemoryJournal

NAME = "journal"
REPEATS = 5
_MAPS = msgspec.msgpack.Encoder(enc_hook=encode_hook)


def journalled(n: int) -> list[Entry]:
    """The commands and events of the ``bars`` workload on ``n`` bars, in journal order."""
    journal = InMemoryJournal()
    run_backtest(workload(n, journal))
    return [entry for _, entry in journal.entries()]


def encode_ns(encoder: Callable[[list[Entry]], bytes], messages: list[Entry]) -> float:
    """Best-of-``REPEATS`` nanoseconds per message of ``encoder`` over ``messages``."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter_ns()
        encoder(messages)
        best = min(best, (time.perf_counter_ns() - started) / len(messages))
    return best


def as_tagged_maps(messages: list[Entry]) -> bytes:
    """``messages`` as one msgpack array of the maps ``encode`` writes."""
    return _MAPS.encode(messages)


def main(n: int) -> None:
    by_type: dict[str, list[Entry]] = defaultdict(list)
    for message in journalled(n):
        by_type[type(message).__name__].append(message)
    orders = len(by_type["SubmitOrder"])
    total = total_maps = 0.0
    for name, messages in sorted(by_type.items()):
        ns = encode_ns(encode_block, messages)  # type: ignore[arg-type]
        maps_ns = encode_ns(as_tagged_maps, messages)
        emit(NAME, f"encode_ns_{name}", round(ns), "ns/message")
        emit(NAME, f"encode_ns_{name}_tagged_maps", round(maps_ns), "ns/message")
        total += ns * len(messages)
        total_maps += maps_ns * len(messages)
    emit(NAME, "messages_per_order", round(sum(map(len, by_type.values())) / orders, 2), "messages")
    emit(NAME, "encode_ns_per_order", round(total / orders), "ns/order")
    emit(NAME, "encode_ns_per_order_tagged_maps", round(total_maps / orders), "ns/order")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    main(scale_from_argv(100_000))
