"""The sweep loop: searches propose runs, an executor runs them, the store journals every row.

A *search* proposes ``RunTask``s and learns from their rows:

- ``ListSearch`` — a fixed list of candidates (a grid, a random sample, the top of a prescreen).
- ``OptunaSearch`` — Bayesian search (Optuna's TPE sampler, seeded). Trials are asked in batches
  of the executor's width and told in trial order once the batch is back, so the same seed gives
  the same trials whichever executor runs them and however fast each run is. With
  ``prune_fraction`` each trial first runs on that leading fraction of its window (a *probe*);
  Optuna's median pruner stops trials whose probe is worse than the median of earlier trials,
  and only the others run on the full window.

``run_searches`` drives one or more searches to the end. A finished run already in the store
(``--resume``) is not run again; Ctrl-C (``KeyboardInterrupt``) cancels what is in flight,
keeps every finished row and marks the result interrupted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from nautilus_platform.backtest.sweep.executors import Executor, Source
from nautilus_platform.backtest.sweep.objective import Objective
from nautilus_platform.backtest.sweep.space import Candidate, Dimension, ParamSpace, candidate_key
from nautilus_platform.backtest.sweep.store import ResultStore
from nautilus_platform.backtest.sweep.tasks import FAILED, OK, PROBE, PRUNED, SEARCH, RunRow, RunTask, SweepJob
from nautilus_platform.core.errors import ValidationError


def task_key(task: RunTask | RunRow) -> tuple[Any, ...]:
    """What makes two runs the same run (for resuming): phase, fold, window and parameters."""
    return (task.phase, task.fold, task.start_ns, task.end_ns, candidate_key(task.params))


class Search(Protocol):
    """Proposes tasks (``run_id`` left at -1) and learns from their rows."""

    def ready(self) -> bool: ...

    def next_task(self) -> RunTask: ...

    def tell(self, row: RunRow) -> None: ...

    def finished(self) -> bool: ...


class ListSearch:
    """Each candidate once, over one window."""

    def __init__(
        self,
        candidates: Iterable[Candidate],
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        phase: str = SEARCH,
        fold: int | None = None,
    ) -> None:
        self._tasks = [
            RunTask(-1, dict(c), start_ns=start_ns, end_ns=end_ns, phase=phase, fold=fold) for c in candidates
        ]
        self._next = 0
        self._open = 0
        self.rows: list[RunRow] = []

    def __len__(self) -> int:
        return len(self._tasks)

    def ready(self) -> bool:
        return self._next < len(self._tasks)

    def next_task(self) -> RunTask:
        task = self._tasks[self._next]
        self._next += 1
        self._open += 1
        return task

    def tell(self, row: RunRow) -> None:
        self._open -= 1
        self.rows.append(row)

    def finished(self) -> bool:
        return self._next >= len(self._tasks) and self._open <= 0


def _distribution(dimension: Dimension) -> Any:
    import optuna.distributions as dist

    if dimension.values is not None:
        return dist.CategoricalDistribution([_optuna_value(v) for v in dimension.values])
    kind = dimension.param.kind
    if kind is int:
        return dist.IntDistribution(int(dimension.low), int(dimension.high), step=int(dimension.step or 1))
    step = float(dimension.step) if dimension.step is not None else None
    return dist.FloatDistribution(float(dimension.low), float(dimension.high), step=step)


def _optuna_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


class OptunaSearch:
    """``trials`` Optuna trials over ``space``; see the module docstring."""

    def __init__(
        self,
        space: ParamSpace,
        trials: int,
        objective: Objective,
        *,
        seed: int,
        batch: int,
        start_ns: int | None = None,
        end_ns: int | None = None,
        prune_fraction: float | None = None,
        phase: str = SEARCH,
        fold: int | None = None,
    ) -> None:
        import optuna

        if trials < 1:
            raise ValidationError("optuna", trials, "must be at least 1 trial")
        if prune_fraction is not None:
            if not 0 < prune_fraction < 1:
                raise ValidationError("prune", prune_fraction, "must be a fraction between 0 and 1")
            if start_ns is None or end_ns is None:
                raise ValidationError("prune", prune_fraction, "needs a window with known start and end")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        pruner = optuna.pruners.MedianPruner(n_startup_trials=5) if prune_fraction else optuna.pruners.NopPruner()
        self.study = optuna.create_study(
            direction=objective.direction, sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner
        )
        self.space, self.trials, self.objective = space, trials, objective
        self.batch = max(1, batch)
        self.start_ns, self.end_ns, self.phase, self.fold = start_ns, end_ns, phase, fold
        self.probe_end = (
            start_ns + int((end_ns - start_ns) * prune_fraction)
            if prune_fraction is not None and start_ns is not None and end_ns is not None
            else None
        )
        self.distributions = {d.name: _distribution(d) for d in space.dimensions}
        self._asked = 0
        self._queue: list[RunTask] = []
        self._waiting: dict[int, RunRow] = {}
        self._open: dict[int, Any] = {}  # trial number -> optuna trial, in the current batch
        self._expected = 0

    def ready(self) -> bool:
        if self._queue:
            return True
        return not self._open and self._asked < self.trials

    def next_task(self) -> RunTask:
        if not self._queue:
            self._ask_batch()
        task = self._queue.pop(0)
        self._expected += 1
        return task

    def _ask_batch(self) -> None:
        for _ in range(min(self.batch, self.trials - self._asked)):
            trial = self.study.ask(self.distributions)
            self._asked += 1
            self._open[trial.number] = trial
            params = {**self.space.base, **self._typed(trial.params)}
            probing = self.probe_end is not None
            task = RunTask(
                -1, params, start_ns=self.start_ns, end_ns=self.probe_end if probing else self.end_ns,
                phase=PROBE if probing else self.phase, fold=self.fold, trial=trial.number,
            )  # fmt: skip
            self._queue.append(task)

    def _typed(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for dimension in self.space.dimensions:
            value = values[dimension.name]
            if isinstance(value, float) and dimension.param.kind is Decimal:
                value = Decimal(repr(value))
            out[dimension.name] = dimension.param.check(value)
        return out

    def tell(self, row: RunRow) -> None:
        self._expected -= 1
        if row.trial is None:
            raise ValidationError("trial", row.run_id, "an Optuna row must name its trial")
        self._waiting[row.trial] = row
        if self._expected or self._queue:
            return
        # The whole batch (or its probes) is back: decide in trial order, so timing never matters.
        rows, self._waiting = [self._waiting[n] for n in sorted(self._waiting)], {}
        for done in rows:
            self._decide(done)

    def _decide(self, row: RunRow) -> None:
        import optuna

        trial = self._open[row.trial]  # type: ignore[index]
        if row.phase == PROBE:
            if row.status not in (OK, PRUNED):  # PRUNED: a probe read back by --resume
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                del self._open[row.trial]  # type: ignore[arg-type]
                return
            value = self.objective.value(row.metrics)
            if value is not None:
                trial.report(value, 0)
                if row.status == PRUNED or trial.should_prune():
                    row.status = PRUNED
                    self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    del self._open[row.trial]  # type: ignore[arg-type]
                    return
            full = RunTask(
                -1, row.params, start_ns=self.start_ns, end_ns=self.end_ns, phase=self.phase, fold=self.fold,
                trial=row.trial,
            )  # fmt: skip
            self._queue.append(full)
            return
        if row.status == OK and self.objective.feasible(row.metrics):
            self.study.tell(trial, self.objective.value(row.metrics))
        else:
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        del self._open[row.trial]  # type: ignore[arg-type]

    def finished(self) -> bool:
        return self._asked >= self.trials and not self._open and not self._queue


@dataclass
class SweepProgress:
    """What a progress display shows: runs done of total (``None``: not known up front), best so far."""

    done: int = 0
    failed: int = 0
    total: int | None = None
    best_value: float | None = None
    best_params: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[SweepProgress], None]


@dataclass
class SweepRun:
    """Every row of one ``run_searches`` call (resumed rows included) and whether Ctrl-C stopped it."""

    rows: list[RunRow]
    interrupted: bool = False
    resumed: int = 0


class SweepDriver:
    """One executor, one store and one objective, over which searches are run."""

    def __init__(
        self,
        job: SweepJob,
        sources: Sequence[Source],
        executor: Executor,
        objective: Objective,
        store: ResultStore | None = None,
        *,
        resume: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.job, self.sources, self.executor, self.objective = job, sources, executor, objective
        self.store = store if store is not None else ResultStore(None)
        self.progress_callback = progress
        previous = self.store.load() if resume else []
        self._previous = {task_key(row): row for row in previous if row.status in (OK, FAILED, PRUNED)}
        self.rows: list[RunRow] = []
        self._next_id = max((row.run_id for row in previous), default=-1) + 1
        self.progress = SweepProgress()
        self._resume = resume
        self._started = False
        self.interrupted = False
        self.resumed = 0  # finished runs taken from the store instead of run again

    def __enter__(self) -> SweepDriver:
        self.store.open(self._resume)
        self.executor.start(self.job, self.sources)
        self._started = True
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.executor.close(cancel=kind is not None or self.interrupted)
        self.store.close()

    @property
    def width(self) -> int:
        return max(1, self.executor.workers)

    def run(self, searches: Sequence[Search], total: int | None = None) -> SweepRun:
        """Drive ``searches`` until all are finished (or Ctrl-C); rows come back in run order."""
        if not self._started:
            raise ValidationError("sweep", "driver", "use the driver as a context manager (with SweepDriver(...))")
        self.progress.total = (self.progress.total or 0) + total if total is not None else None
        rows: list[RunRow] = []
        resumed = 0
        capacity = self.width * 2
        owners: dict[int, Search] = {}
        try:
            while True:
                for search in searches:
                    while search.ready() and self.executor.in_flight() < capacity:
                        task = search.next_task()
                        earlier = self._previous.get(task_key(task))
                        if earlier is not None:
                            resumed += 1
                            self.resumed += 1
                            search.tell(earlier)
                            rows.append(earlier)
                            self._count(earlier)
                            continue
                        self.executor.submit(dataclasses.replace(task, run_id=self._next_id))
                        owners[self._next_id] = search
                        self._next_id += 1
                if self.executor.in_flight() == 0:
                    if all(search.finished() for search in searches) or not any(s.ready() for s in searches):
                        break
                    continue
                for row in self.executor.wait():
                    owners.pop(row.run_id).tell(row)
                    self.store.append(row)
                    rows.append(row)
                    self._count(row)
        except KeyboardInterrupt:
            self.interrupted = True
            self.rows.extend(rows)
            return SweepRun(sorted(rows, key=lambda r: r.run_id), interrupted=True, resumed=resumed)
        self.rows.extend(rows)
        return SweepRun(sorted(rows, key=lambda r: r.run_id), resumed=resumed)

    def record(self, rows: Sequence[RunRow]) -> list[RunRow]:
        """Rows computed outside the executor (a prescreen): numbered, journaled and counted;
        those already in the store (``--resume``) are taken from it instead."""
        out = []
        for row in rows:
            earlier = self._previous.get(task_key(row))
            if earlier is not None:
                self.resumed += 1
            else:
                row = dataclasses.replace(row, run_id=self._next_id)
                self._next_id += 1
                self.store.append(row)
            out.append(earlier or row)
            self._count(earlier or row)
        self.rows.extend(out)
        return out

    def _count(self, row: RunRow) -> None:
        progress = self.progress
        if row.phase == PROBE and row.status != PRUNED:
            return  # a probe that passed is counted with its full run
        progress.done += 1
        if row.status == FAILED:
            progress.failed += 1
        if row.status == OK and row.phase != PROBE and self.objective.feasible(row.metrics):
            value = self.objective.value(row.metrics)
            if value is not None and (progress.best_value is None or self.objective.better(value, progress.best_value)):
                progress.best_value, progress.best_params = value, dict(row.params)
        if self.progress_callback is not None:
            self.progress_callback(progress)


def ranked(rows: Iterable[RunRow], objective: Objective, phases: Sequence[str] = (SEARCH,)) -> list[RunRow]:
    """Successful rows of ``phases`` meeting the constraints, best first (ties: lower run id)."""
    feasible = [r for r in rows if r.status == OK and r.phase in phases and objective.feasible(r.metrics)]
    return sorted(feasible, key=lambda r: (-objective.score(r.metrics), r.run_id))


__all__ = [
    "ListSearch", "OptunaSearch", "ProgressCallback", "Search", "SweepDriver", "SweepProgress", "SweepRun",
    "ranked", "task_key",
]  # fmt: skip
