"""Shared helpers for benchmark scripts: JSON-lines output and peak memory."""

from __future__ import annotations

import json
import os
import resource
import sys


def emit(benchmark: str, metric: str, value: float | int, unit: str) -> None:
    """Print one JSON line ``{"benchmark", "metric", "value", "unit"}``."""
    print(json.dumps({"benchmark": benchmark, "metric": metric, "value": value, "unit": unit}), flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 1024, 1)


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def compiled() -> int:
    """1 when the trading core runs compiled (mypyc, ``make bench``), 0 for pure Python."""
    from nautilus_platform.trading import execution

    return int(not execution.__file__.endswith(".py"))


def cores() -> int:
    return os.cpu_count() or 1


def scale_from_argv(default: int) -> int:
    """``python benchmarks/X.py [N]``: an optional workload size."""
    return int(sys.argv[1]) if len(sys.argv) > 1 else default
