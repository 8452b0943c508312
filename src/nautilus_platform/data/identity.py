"""Row identity by content: how many equal rows come before each row, and ids for id-less trades.

A trade file without a trade id column gives each trade the id
``{ts}:{price}:{size}:{aggressor}:{n}`` — its timestamp in ns, price and size as raw fixed-point
integers (10**-9 units), aggressor side code, and ``n``, how many identical trades (same four
values) come before it in the file. The same trade therefore gets the same id in every file that
holds it, so the catalog stores overlapping files once, while two identical trades at the same
nanosecond within one file stay two trades (``…:0`` and ``…:1``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.parsing import Int64Array

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")

#: the columns that identify a trade without an id, in the id's order
TRADE_CONTENT = ("ts", "price", "size", "aggressor")


def occurrences(keys: list[Int64Array]) -> Int64Array:
    """For each row, how many equal rows (equal in every key) come before it (0 for the first)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort(keys[::-1])
    same = np.ones(n - 1, np.bool_)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    starts = np.r_[0, np.flatnonzero(~same) + 1]
    run_start = np.zeros(n, np.int64)
    run_start[starts] = starts
    run_start = np.maximum.accumulate(run_start)
    counts = np.empty(n, np.int64)
    counts[order] = np.arange(n, dtype=np.int64) - run_start
    return counts


def content_trade_ids(columns: dict[str, Int64Array]) -> list[str]:
    """Ids for trades without one, from their content (see the module docstring); vectorised."""
    keys = [columns[name] for name in TRADE_CONTENT]
    parts = [pa.array(key, pa.int64()).cast(pa.string()) for key in (*keys, occurrences(keys))]
    joined: list[str] = pc.binary_join_element_wise(*parts, ":").to_pylist()
    return joined


__all__ = ["TRADE_CONTENT", "content_trade_ids", "occurrences"]
