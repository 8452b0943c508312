"""A sweep's results on disk: an append-only journal while it runs, tables when it ends.

``runs.jsonl`` gets one JSON line per finished run the moment it finishes (flushed), so Ctrl-C,
a crash or a lost worker never loses a finished run, and ``--resume`` reads it back to skip what
is done. ``runs.parquet`` and ``runs.csv`` hold the same rows flattened: one column per parameter
(``param.NAME``) and per statistic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from nautilus_platform.backtest.sweep.tasks import RunRow
from nautilus_platform.core.errors import ValidationError

JOURNAL = "runs.jsonl"
_FIXED_COLUMNS = (
    "run_id", "phase", "fold", "trial", "status", "error", "start_ns", "end_ns", "wall_s", "orders", "fills",
)  # fmt: skip


class ResultStore:
    """The results folder of one sweep (``None``: keep nothing on disk)."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._journal: IO[str] | None = None

    def load(self) -> list[RunRow]:
        """The rows already journaled (for ``--resume``); a damaged line is an error naming it."""
        if self.folder is None or not (self.folder / JOURNAL).exists():
            return []
        rows = []
        path = self.folder / JOURNAL
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(RunRow.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as exc:
                    if number == _line_count(path):  # a last line cut short by a kill: drop it
                        break
                    raise ValidationError(
                        f"{path.name} line {number}", line.strip()[:80], f"is not a run: {exc}"
                    ) from None
        return rows

    def open(self, resume: bool) -> None:
        """Start the journal: appended to with ``resume``, else a fresh one (an old one is an error)."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / JOURNAL
        if path.exists() and not resume and path.stat().st_size:
            raise ValidationError("results", str(self.folder), "already holds a sweep; pass --resume or another folder")
        self._journal = path.open("a", encoding="utf-8")

    def append(self, row: RunRow) -> None:
        if self._journal is not None:
            self._journal.write(json.dumps(row.as_dict(), separators=(",", ":")) + "\n")
            self._journal.flush()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def write_tables(self, rows: Sequence[RunRow]) -> list[Path]:
        """``runs.parquet`` and ``runs.csv`` of every row, in run order."""
        if self.folder is None:
            return []
        table = runs_table(rows)
        parquet, csv = self.folder / "runs.parquet", self.folder / "runs.csv"
        pq.write_table(table, parquet)
        pacsv.write_csv(table, csv)
        return [parquet, csv]


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def runs_table(rows: Iterable[RunRow]) -> pa.Table:
    """Rows flattened into columns: the fixed ones, ``param.NAME`` per parameter, then statistics."""
    ordered = sorted(rows, key=lambda row: row.run_id)
    params: list[str] = []
    metrics: list[str] = []
    for row in ordered:
        params.extend(name for name in row.params if name not in params)
        metrics.extend(name for name in row.metrics if name not in metrics and name not in _FIXED_COLUMNS)
    columns: dict[str, list[Any]] = {name: [] for name in _FIXED_COLUMNS}
    columns.update({f"param.{name}": [] for name in params})
    columns.update({name: [] for name in metrics})
    for row in ordered:
        data = row.as_dict()
        for name in _FIXED_COLUMNS:
            columns[name].append(data[name])
        for name in params:
            columns[f"param.{name}"].append(row.params.get(name))
        for name in metrics:
            value = row.metrics.get(name)
            columns[name].append(float(value) if value is not None and math.isfinite(value) else None)
    types = {
        "run_id": pa.int64(), "fold": pa.int64(), "trial": pa.int64(), "start_ns": pa.int64(), "end_ns": pa.int64(),
        "wall_s": pa.float64(), "orders": pa.int64(), "fills": pa.int64(),
    }  # fmt: skip
    arrays = {}
    for name, values in columns.items():
        if name.startswith("param."):
            arrays[name] = _param_array(values)
        else:
            arrays[name] = pa.array(values, types.get(name, pa.float64() if name in metrics else pa.string()))
    return pa.table(arrays)


def _param_array(values: list[Any]) -> pa.Array:
    """Whole numbers as int64, numbers as float64, anything else (text, decimals, bools) as text."""
    present = [value for value in values if value is not None]
    if present and all(type(value) is int for value in present):
        return pa.array(values, pa.int64())
    if present and all(type(value) in (int, float) for value in present):
        return pa.array([None if value is None else float(value) for value in values], pa.float64())
    return pa.array([None if value is None else str(value) for value in values], pa.string())


__all__ = ["JOURNAL", "ResultStore", "runs_table"]
