"""The same sweep gives the same rows in this process, on a local process pool and on Ray; failing
runs are recorded and the sweep goes on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sweep_support import FAILING, bars, settings

from nautilus_platform.backtest.sweep.tasks import FAILED, OK, RunRow
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.service.sweep import run_sweep


@pytest.fixture(scope="module")
def data() -> LoadedData:
    return bars()


def comparable(rows: list[RunRow]) -> list[tuple[object, ...]]:
    return [(r.run_id, r.phase, r.status, sorted(r.params.items()), sorted(r.metrics.items()), r.fills) for r in rows]


@pytest.fixture(scope="module")
def inline_rows(data: LoadedData) -> list[RunRow]:
    return run_sweep(settings(data)).rows


def test_inline_grid_ranks_and_fails_bad_combinations(data: LoadedData, inline_rows: list[RunRow]) -> None:
    assert len(inline_rows) == 6 and all(r.status == OK for r in inline_rows)
    report = run_sweep(settings(data, grid=["fast=10,20", "slow=20"]))
    assert [r.status for r in report.rows] == [OK, FAILED]
    assert "must be less than slow" in (report.rows[1].error or "")
    assert report.best is not None and report.best.params == {"fast": 10, "slow": 20}


def test_local_process_pool_gives_identical_rows(data: LoadedData, inline_rows: list[RunRow]) -> None:
    report = run_sweep(settings(data, executor="local", workers=2))
    assert comparable(report.rows) == comparable(inline_rows)
    assert report.best is not None and report.best.run_id == run_sweep(settings(data)).best.run_id  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_gives_identical_rows(data: LoadedData, inline_rows: list[RunRow], ray_session: None) -> None:
    report = run_sweep(settings(data, executor="ray"))
    assert comparable(report.rows) == comparable(inline_rows)


def test_ray_records_a_strategy_exception_as_a_failed_run(data: LoadedData, ray_session: None) -> None:
    rows = run_sweep(settings(data, executor="ray", strategy=FAILING, grid=["raise_at=0,50"])).rows
    assert [r.status for r in rows] == [OK, FAILED]
    assert "bad bar 50" in (rows[1].error or "")


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_strategy_exception_fails_its_run_only(data: LoadedData, executor: str) -> None:
    rows = run_sweep(settings(data, executor=executor, strategy=FAILING, grid=["raise_at=0,100"])).rows
    assert [r.status for r in rows] == [OK, FAILED]
    assert rows[1].error is not None and "RuntimeError: bad bar 100" in rows[1].error


def test_a_worker_that_dies_fails_its_run_and_the_pool_recovers(data: LoadedData) -> None:
    report = run_sweep(settings(data, executor="local", workers=1, strategy=FAILING, grid=["crash_at=0,10"]))
    assert [r.status for r in report.rows] == [OK, FAILED]
    assert "worker process died" in (report.rows[1].error or "")
    after = run_sweep(settings(data, executor="local", workers=1, strategy=FAILING, grid=["crash_at=10,0"]))
    assert [r.status for r in after.rows] == [FAILED, OK]
