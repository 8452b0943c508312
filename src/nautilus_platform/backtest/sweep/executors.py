"""Who runs a sweep's tasks. Every executor gives the same rows for the same tasks.

- ``InlineExecutor``: in this process, one task at a time (tests, debugging, tiny sweeps).
- ``LocalExecutor`` (default): a process pool over the machine's cores. The data is written once
  as Arrow IPC files and memory-mapped by each worker (``shared``), not copied per worker.
- ``RayExecutor``: tasks on a Ray cluster (``address`` ``ray://host:port``, ``auto``, or a new
  local instance); the columns go into Ray's object store once and every worker reads them
  zero-copy. Needs the ``ray`` extra (``pip install nautilus-platform[ray]``), and on a cluster
  this package installed on every node.

An executor is driven with ``start`` / ``submit`` / ``wait`` / ``close``; ``wait`` blocks until at
least one task finished and returns the finished rows. A task that kills its worker process gives
a failed row; the tasks that shared the pool with it are run again.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import tempfile
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from nautilus_platform.backtest.sweep.shared import SharedSource, catalog_data, open_shared, share_to_files, source_meta
from nautilus_platform.backtest.sweep.tasks import RunRow, RunTask, SweepJob, execute, failed_row
from nautilus_platform.core.errors import ConfigurationError, ValidationError
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.loaders import LoadedData

Source = LoadedData | CatalogData


class Executor(Protocol):
    """Runs ``RunTask``s of one ``SweepJob``; see the module docstring."""

    name: str

    @property
    def workers(self) -> int: ...

    def start(self, job: SweepJob, sources: Sequence[Source]) -> None: ...

    def submit(self, task: RunTask) -> None: ...

    def in_flight(self) -> int: ...

    def wait(self) -> list[RunRow]: ...

    def close(self, cancel: bool = False) -> None: ...


def _as_catalog(source: Source) -> CatalogData:
    if isinstance(source, CatalogData):
        return source
    meta = source_meta(source)
    return catalog_data(meta, source.columns, list(source.trade_ids))


class InlineExecutor:
    """Runs each task in this process when ``wait`` is called."""

    name = "inline"

    def __init__(self) -> None:
        self._job: SweepJob | None = None
        self._sources: list[CatalogData] = []
        self._queue: list[RunTask] = []

    @property
    def workers(self) -> int:
        return 1

    def start(self, job: SweepJob, sources: Sequence[Source]) -> None:
        self._job = job
        self._sources = [_as_catalog(source) for source in sources]

    def submit(self, task: RunTask) -> None:
        self._queue.append(task)

    def in_flight(self) -> int:
        return len(self._queue)

    def wait(self) -> list[RunRow]:
        if self._job is None:
            raise ConfigurationError("start the executor before waiting on it")
        if not self._queue:
            return []
        return [execute(self._job, self._queue.pop(0), self._sources)]

    def close(self, cancel: bool = False) -> None:
        self._queue.clear()


# -- local process pool ----------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_local_worker(job: SweepJob, shared: Sequence[SharedSource]) -> None:
    # Ctrl-C reaches the whole process group: the parent decides, workers keep quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["job"] = job
    _WORKER["sources"] = [open_shared(item) for item in shared]
    if job.setup is not None:
        job.setup()


def _run_local_task(task: RunTask) -> RunRow:
    return execute(_WORKER["job"], task, _WORKER["sources"])


class LocalExecutor:
    """A pool of ``workers`` processes (default: every core) over memory-mapped shared data."""

    name = "local"

    def __init__(self, workers: int | None = None, folder: str | Path | None = None) -> None:
        count = workers if workers is not None else (os.cpu_count() or 1)
        if type(count) is not int or count < 1:
            raise ValidationError("workers", workers, "must be a positive whole number")
        self._workers = count
        self._folder = Path(folder) if folder is not None else None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._job: SweepJob | None = None
        self._shared: list[SharedSource] = []
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[Future[RunRow], RunTask] = {}
        self._backlog: list[RunTask] = []
        self._suspects: list[RunTask] = []
        self._solo = False

    @property
    def workers(self) -> int:
        return self._workers

    def start(self, job: SweepJob, sources: Sequence[Source]) -> None:
        if self._folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="naut-sweep-")
            folder = Path(self._tmp.name)
        else:
            folder = self._folder
        try:  # fail here, clearly, rather than in every worker
            pickle.loads(pickle.dumps(job))
        except Exception as exc:
            raise ConfigurationError(f"the sweep's settings cannot be sent to worker processes: {exc!r}") from exc
        self._job = job
        self._shared = share_to_files(sources, folder)
        for shared in self._shared:  # what each worker will map: readable here, readable there
            open_shared(shared)

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._job is None:
                raise ConfigurationError("start the executor before submitting to it")
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_local_worker, initargs=(self._job, self._shared),
            )  # fmt: skip
        return self._pool

    def submit(self, task: RunTask) -> None:
        self._backlog.append(task)

    def in_flight(self) -> int:
        return len(self._futures) + len(self._backlog) + len(self._suspects)

    def _pump(self) -> None:
        # After a worker died, the tasks it took down with it run one at a time, so the one that
        # kills its worker is known and the others finish; then the normal flow resumes.
        if self._suspects:
            if not self._futures:
                task = self._suspects.pop(0)
                self._futures[self._ensure_pool().submit(_run_local_task, task)] = task
                self._solo = True
            return
        self._solo = False
        while self._backlog:
            task = self._backlog.pop(0)
            self._futures[self._ensure_pool().submit(_run_local_task, task)] = task

    def wait(self) -> list[RunRow]:
        rows: list[RunRow] = []
        while not rows and self.in_flight():
            self._pump()
            done, _ = wait_futures(list(self._futures), return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = self._futures.pop(future)
                try:
                    rows.append(future.result())
                except BrokenProcessPool:
                    broken = True
                    if self._solo:
                        rows.append(failed_row(task, "worker process died while running this task"))
                    else:
                        self._suspects.append(task)
                except Exception as exc:  # e.g. a result that cannot be pickled
                    rows.append(failed_row(task, f"{type(exc).__name__}: {exc}"))
            if broken:
                self._suspects.extend(self._futures.values())  # the pool is gone: everything in it
                self._futures.clear()
                self._suspects.sort(key=lambda task: task.run_id)
                self._pool = None  # the next task starts a fresh pool
        return sorted(rows, key=lambda row: row.run_id)

    def close(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            if cancel:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=cancel)
        self._futures.clear()
        self._backlog.clear()
        self._suspects.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


# -- Ray ---------------------------------------------------------------------------------------------
_RAY_SOURCES: dict[tuple[str, ...], list[CatalogData]] = {}


def _ray_execute(job: SweepJob, refs: list[Any], task: RunTask) -> RunRow:
    """In a Ray worker: the shared columns (zero-copy from the object store, once per worker)."""
    import ray

    key = tuple(ref.hex() for ref in refs)
    sources = _RAY_SOURCES.get(key)
    if sources is None:
        if not _RAY_SOURCES and job.setup is not None:
            job.setup()  # this worker's first task
        sources = [catalog_data(meta, columns, trade_ids) for meta, columns, trade_ids in ray.get(refs)]
        _RAY_SOURCES.clear()
        _RAY_SOURCES[key] = sources
    return execute(job, task, sources)


class RayExecutor:
    """Tasks on Ray: ``address`` is ``ray://host:port``, ``auto`` or ``None`` (a new local instance
    with ``workers`` CPUs, stopped on ``close``)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        if workers is not None and (type(workers) is not int or workers < 1):
            raise ValidationError("workers", workers, "must be a positive whole number")
        self.address = address
        self._requested = workers
        self._owns_ray = False
        self._refs: list[Any] = []
        self._job_ref: Any = None
        self._remote: Any = None
        self._pending: dict[Any, RunTask] = {}
        self._workers = workers or 1

    @property
    def workers(self) -> int:
        return self._workers

    def start(self, job: SweepJob, sources: Sequence[Source]) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigurationError(
                "the Ray executor needs the ray extra: pip install 'nautilus-platform[ray]'"
            ) from None
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address is None:
                options["num_cpus"] = self._requested or os.cpu_count() or 1
            ray.init(address=self.address, **options)
            self._owns_ray = True
        self._workers = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        if self._requested is not None:
            self._workers = min(self._workers, self._requested)
        self._refs = []
        for source in sources:
            data = _as_catalog(source)
            self._refs.append(ray.put((source_meta(source), dict(data.columns), list(data.trade_ids))))
        self._job_ref = ray.put(job)
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_ray_execute)

    def submit(self, task: RunTask) -> None:
        if self._remote is None:
            raise ConfigurationError("start the executor before submitting to it")
        self._pending[self._remote.remote(self._job_ref, self._refs, task)] = task

    def in_flight(self) -> int:
        return len(self._pending)

    def wait(self) -> list[RunRow]:
        import ray

        if not self._pending:
            return []
        ready, _ = ray.wait(list(self._pending), num_returns=1)
        rows = []
        for ref in ready:
            task = self._pending.pop(ref)
            try:
                rows.append(ray.get(ref))
            except Exception as exc:  # a dead worker or a lost task is a failed run
                rows.append(failed_row(task, f"ray: {type(exc).__name__}: {exc}"))
        return rows

    def close(self, cancel: bool = False) -> None:
        import ray

        if cancel:
            for ref in self._pending:
                ray.cancel(ref, force=True)
        self._pending.clear()
        self._refs, self._job_ref = [], None
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False


__all__ = ["Executor", "InlineExecutor", "LocalExecutor", "RayExecutor"]
