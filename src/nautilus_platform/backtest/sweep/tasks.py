"""The unit of work of a sweep: one run of the strategy with one parameter set over one time window.

A ``SweepJob`` says how to turn a ``RunTask`` and the shared data into a ``RunRow``: its
``runner`` is a module-level function (so it pickles by reference to any worker, local or Ray)
and its ``payload`` the picklable settings the runner needs. ``execute`` is what every executor
calls; it turns any exception into a failed row so one bad run never stops the sweep.
"""

from __future__ import annotations

import gc
import math
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nautilus_platform.data.catalog import CatalogData

#: The phases a row can belong to.
SEARCH, PROBE, TRAIN, TEST, PRESCREEN, CONFIRM = "search", "probe", "train", "test", "prescreen", "confirm"
OK, FAILED, PRUNED = "ok", "failed", "pruned"


@dataclass(frozen=True)
class RunTask:
    """One run: ``params`` over ``[start_ns, end_ns)`` (``None``: the data's own bounds)."""

    run_id: int
    params: Mapping[str, Any]
    start_ns: int | None = None
    end_ns: int | None = None
    phase: str = SEARCH
    fold: int | None = None
    trial: int | None = None  # the Optuna trial number, where Optuna proposed it


@dataclass
class RunRow:
    """What one run gave: its statistics, or why it failed."""

    run_id: int
    params: dict[str, Any]
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    phase: str = SEARCH
    fold: int | None = None
    trial: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    wall_s: float = 0.0
    orders: int = 0
    fills: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite metrics as ``None``)."""
        return {
            "run_id": self.run_id, "phase": self.phase, "fold": self.fold, "trial": self.trial,
            "status": self.status, "error": self.error, "start_ns": self.start_ns, "end_ns": self.end_ns,
            "wall_s": self.wall_s, "orders": self.orders, "fills": self.fills,
            "params": {name: _plain(value) for name, value in self.params.items()},
            "metrics": {name: (v if math.isfinite(v) else None) for name, v in self.metrics.items()},
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRow:
        metrics = {name: (math.nan if v is None else float(v)) for name, v in dict(data.get("metrics") or {}).items()}
        return cls(
            run_id=int(data["run_id"]), params=dict(data.get("params") or {}), status=str(data["status"]),
            metrics=metrics, error=data.get("error"), phase=str(data.get("phase", SEARCH)), fold=data.get("fold"),
            trial=data.get("trial"), start_ns=data.get("start_ns"), end_ns=data.get("end_ns"),
            wall_s=float(data.get("wall_s", 0.0)), orders=int(data.get("orders", 0)), fills=int(data.get("fills", 0)),
        )  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


Runner = Callable[["SweepJob", RunTask, Sequence[CatalogData]], RunRow]


@dataclass(frozen=True)
class SweepJob:
    """How to run a task: ``runner(job, task, sources)``; ``payload`` holds its picklable settings;
    ``setup`` (a module-level function, optional) is called once in each worker process."""

    runner: Runner
    payload: Any
    setup: Callable[[], None] | None = None


def execute(job: SweepJob, task: RunTask, sources: Sequence[CatalogData]) -> RunRow:
    """Run one task; an exception becomes a failed row naming it (the sweep goes on)."""
    started = time.perf_counter()
    try:
        row = job.runner(job, task, sources)
    except Exception as exc:  # a failing run is recorded, never fatal
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame is not None else ""
        row = failed_row(task, f"{type(exc).__name__}: {exc}{where}")
    row.wall_s = time.perf_counter() - started
    # A finished run's node, engines and strategy reference each other: free them now, as a worker
    # whose collector runs rarely (``SweepJob.setup``) would otherwise pile up one run after another.
    gc.collect()
    return row


def failed_row(task: RunTask, error: str) -> RunRow:
    """A failed row for ``task`` with ``error``."""
    return RunRow(
        run_id=task.run_id, params=dict(task.params), status=FAILED, error=error, phase=task.phase, fold=task.fold,
        trial=task.trial, start_ns=task.start_ns, end_ns=task.end_ns,
    )  # fmt: skip


__all__ = [
    "CONFIRM", "FAILED", "OK", "PRESCREEN", "PROBE", "PRUNED", "SEARCH", "TEST", "TRAIN",
    "RunRow", "RunTask", "Runner", "SweepJob", "execute", "failed_row",
]  # fmt: skip
