"""Walk-forward optimisation: optimise on a train window, score the winner on the test window after it.

``folds(start, end, count, train_ratio, anchored)`` cuts ``[start, end)`` into ``count``
consecutive test windows of equal length ``L = (end - start) / (train_ratio + count)``; fold ``i``
tests on ``[start + (train_ratio + i) L, start + (train_ratio + i + 1) L)`` and trains on the
``train_ratio`` windows just before it (rolling) or on everything since ``start`` (anchored).

Every fold's search runs on its train window (all folds at once, so the executor stays busy);
the best feasible run of each fold is then run once on its test window. ``WalkForwardFold``
reports the in-sample (train) and out-of-sample (test) metric side by side, so overfitting shows
as an out-of-sample figure far below the in-sample one. Each window starts cold: indicators warm
up inside it.

``count_rows`` fills in how many data rows each window holds and refuses a split with a window
that holds none (more folds than the data can fill, or a gap in the data): such a fold would
run on nothing and report nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from nautilus_platform.backtest.sweep.driver import ListSearch, Search, SweepDriver, ranked
from nautilus_platform.backtest.sweep.tasks import OK, TEST, TRAIN, RunRow
from nautilus_platform.core.errors import ValidationError


@dataclass(frozen=True)
class Fold:
    """One train/test split (nanosecond bounds, end exclusive)."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int
    #: Data rows (all sources) in each window; ``None`` until ``count_rows`` counted them.
    train_rows: int | None = None
    test_rows: int | None = None


def folds(start: int, end: int, count: int, train_ratio: float = 3.0, anchored: bool = False) -> list[Fold]:
    """The walk-forward splits of ``[start, end)``; see the module docstring."""
    if type(count) is not int or count < 1:
        raise ValidationError("walk_forward", count, "must be a positive whole number of folds")
    if not train_ratio > 0:
        raise ValidationError("train_ratio", train_ratio, "must be positive")
    if end <= start:
        raise ValidationError("walk_forward", end, f"the data's end must be after its start {start}")
    unit = (end - start) / (train_ratio + count)
    out = []
    for index in range(count):
        test_start = start + round((train_ratio + index) * unit)
        test_end = end if index == count - 1 else start + round((train_ratio + index + 1) * unit)
        train_start = start if anchored else start + round(index * unit)
        if test_end <= test_start or test_start <= train_start:
            raise ValidationError("walk_forward", count, "too many folds for the data's time span")
        out.append(Fold(index, train_start, test_start, test_start, test_end))
    return out


def count_rows(splits: Sequence[Fold], timestamps: Sequence[npt.NDArray[np.int64]]) -> list[Fold]:
    """``splits`` with each window's number of data rows over ``timestamps`` (each source's sorted
    ``ts`` column); refuses (``ValidationError`` on ``walk_forward``) a window without data."""
    counted = []
    for fold in splits:
        train = _rows_in(timestamps, fold.train_start, fold.train_end)
        test = _rows_in(timestamps, fold.test_start, fold.test_end)
        for name, rows, start, end in (
            ("train", train, fold.train_start, fold.train_end),
            ("test", test, fold.test_start, fold.test_end),
        ):
            if rows == 0:
                raise ValidationError(
                    "walk_forward", len(splits),
                    f"fold {fold.index}'s {name} window {_iso(start)} to {_iso(end)} holds no data; use fewer folds "
                    "(or a smaller --train-ratio), or a time range without the gap",
                )  # fmt: skip
        counted.append(replace(fold, train_rows=train, test_rows=test))
    return counted


def _rows_in(timestamps: Sequence[npt.NDArray[np.int64]], start: int, end: int) -> int:
    return sum(int(np.searchsorted(ts, end, "left") - np.searchsorted(ts, start, "left")) for ts in timestamps)


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class WalkForwardFold:
    """One fold's outcome: the chosen parameters, in-sample and out-of-sample rows."""

    fold: Fold
    best: RunRow | None
    test: RunRow | None
    metric: str

    @property
    def in_sample(self) -> float | None:
        return _metric(self.best, self.metric)

    @property
    def out_of_sample(self) -> float | None:
        return _metric(self.test, self.metric)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fold": self.fold.index, "train_start_ns": self.fold.train_start, "train_end_ns": self.fold.train_end,
            "test_start_ns": self.fold.test_start, "test_end_ns": self.fold.test_end,
            "train_rows": self.fold.train_rows, "test_rows": self.fold.test_rows,
            "params": dict(self.best.params) if self.best is not None else None,
            f"in_sample_{self.metric}": self.in_sample, f"out_of_sample_{self.metric}": self.out_of_sample,
            "test_status": self.test.status if self.test is not None else None,
            "test_error": self.test.error if self.test is not None else None,
        }  # fmt: skip


def _metric(row: RunRow | None, metric: str) -> float | None:
    if row is None or row.status != OK:
        return None
    value = row.metrics.get(metric)
    return value if value is not None and value == value else None


SearchFactory = Callable[[Fold], Search]


def walk_forward(driver: SweepDriver, splits: Sequence[Fold], make_search: SearchFactory) -> list[WalkForwardFold]:
    """Search every fold's train window, then run each fold's best on its test window."""
    searches = [make_search(fold) for fold in splits]
    trained = driver.run(searches, total=sum(len(s) for s in searches if isinstance(s, ListSearch)) or None)
    winners: dict[int, RunRow | None] = {}
    for fold in splits:
        rows = [row for row in trained.rows if row.fold == fold.index]
        best = ranked(rows, driver.objective, phases=(TRAIN,))
        winners[fold.index] = best[0] if best else None
    if trained.interrupted:
        return [WalkForwardFold(fold, winners[fold.index], None, driver.objective.metric) for fold in splits]
    tests = [
        ListSearch([winner.params], start_ns=fold.test_start, end_ns=fold.test_end, phase=TEST, fold=fold.index)
        for fold in splits
        if (winner := winners[fold.index]) is not None
    ]
    tested = driver.run(tests, total=len(tests))
    by_fold = {row.fold: row for row in tested.rows if row.phase == TEST}
    return [
        WalkForwardFold(fold, winners[fold.index], by_fold.get(fold.index), driver.objective.metric) for fold in splits
    ]


__all__ = ["Fold", "SearchFactory", "WalkForwardFold", "count_rows", "folds", "walk_forward"]
