"""The ``journal`` diagnostic: what encoding the journal costs per message type (JSON lines out).

Runs the ``bars`` workload (``benchmarks/bars.py``) on N bars (default 100,000) with an
``InMemoryJournal``, groups the journalled commands and events by type and times
``encode_block`` (the ``CompactJournal``'s block encoder) over each group, best of 5. It then
times the same messages with every identifier replaced by a plain ``str`` of the same text:
identifiers are ``str`` subclasses, which msgspec hands to the encode hook one by one, and the
difference is what that costs (commands, which check their identifiers' types when built, are
counted at their real cost in both per-order totals). ``python benchmarks/journal.py [N]``.
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
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.serialization import encode_block
from nautilus_platform.service.backtest import run_backtest
from nautilus_platform.trading.journal import Entry, InMemoryJournal

NAME = "journal"
REPEATS = 5


def journalled(n: int) -> list[Entry]:
    """The commands and events of the ``bars`` workload on ``n`` bars, in journal order."""
    journal = InMemoryJournal()
    run_backtest(workload(n, journal))
    return [entry for _, entry in journal.entries()]


def with_plain_ids(message: Entry) -> Entry:
    """A copy of ``message`` whose identifier fields are plain ``str`` (same text, same encoding)."""
    fields = {name: getattr(message, name) for name in message.__struct_fields__}
    plain = {name: str.__str__(v) if isinstance(v, str) and type(v) is not str else v for name, v in fields.items()}
    return msgspec.structs.replace(message, **plain)


def encode_ns(messages: list[Entry]) -> float:
    """Best-of-``REPEATS`` nanoseconds per message of ``encode_block`` over ``messages``."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter_ns()
        encode_block(messages)
        best = min(best, (time.perf_counter_ns() - started) / len(messages))
    return best


def main(n: int) -> None:
    by_type: dict[str, list[Entry]] = defaultdict(list)
    for message in journalled(n):
        by_type[type(message).__name__].append(message)
    orders = len(by_type["SubmitOrder"])
    total = total_plain = 0.0
    for name, messages in sorted(by_type.items()):
        ns = encode_ns(messages)
        emit(NAME, f"encode_ns_{name}", round(ns), "ns/message")
        try:
            plain_ns = encode_ns([with_plain_ids(m) for m in messages])
            emit(NAME, f"encode_ns_{name}_plain_ids", round(plain_ns), "ns/message")
        except ValidationError:  # a command checks its identifiers' types when built: counted as is
            plain_ns = ns
        total += ns * len(messages)
        total_plain += plain_ns * len(messages)
    emit(NAME, "messages_per_order", round(sum(map(len, by_type.values())) / orders, 2), "messages")
    emit(NAME, "encode_ns_per_order", round(total / orders), "ns/order")
    emit(NAME, "encode_ns_per_order_plain_ids", round(total_plain / orders), "ns/order")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    main(scale_from_argv(100_000))
