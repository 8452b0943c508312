"""Sweeps end to end: results folder, Ctrl-C and resume, Optuna (seeded, pruning), walk-forward."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sweep_support import bars, settings

from nautilus_platform.backtest.sweep.driver import SweepProgress, ranked
from nautilus_platform.backtest.sweep.objective import Constraint, Objective
from nautilus_platform.backtest.sweep.store import JOURNAL
from nautilus_platform.backtest.sweep.tasks import CONFIRM, FAILED, OK, PRESCREEN, PROBE, PRUNED, SEARCH, TEST, TRAIN
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.service.sweep import run_sweep


@pytest.fixture(scope="module")
def data() -> LoadedData:
    return bars()


def by_params(rows: list) -> dict[str, dict[str, float]]:  # type: ignore[type-arg]
    return {json.dumps(r.params, sort_keys=True): r.metrics for r in rows if r.status == OK}


def test_results_folder_holds_every_run_the_heatmap_and_the_best_report(data: LoadedData, tmp_path: Path) -> None:
    report = run_sweep(settings(data, results=tmp_path))
    table = pq.read_table(tmp_path / "runs.parquet").to_pydict()
    assert table["run_id"] == list(range(6)) and set(table["param.fast"]) == {4, 8, 12}
    assert table["sharpe"] == [r.metrics["sharpe"] for r in report.rows]
    assert (tmp_path / "runs.csv").exists() and (tmp_path / "heatmap.html").stat().st_size > 10_000
    assert (tmp_path / "best-report.html").exists() and (tmp_path / "best" / "summary.json").exists()
    assert report.best is not None and report.best_result is not None
    assert report.best_result.statistics.sharpe == report.best.metrics["sharpe"]  # the re-run is the same run
    assert report.best == report.ranking[0] and not report.notes


def test_ctrl_c_keeps_finished_runs_and_resume_finishes_the_same_sweep(data: LoadedData, tmp_path: Path) -> None:
    complete = run_sweep(settings(data))

    def interrupt_after_two(state: SweepProgress) -> None:
        if state.done == 2:
            raise KeyboardInterrupt

    stopped = run_sweep(settings(data, results=tmp_path, executor="local"), interrupt_after_two)
    assert stopped.interrupted and len(stopped.rows) == 2
    journaled = (tmp_path / JOURNAL).read_text().splitlines()
    assert len(journaled) == 2
    with pytest.raises(ValidationError, match="--resume"):
        run_sweep(settings(data, results=tmp_path))
    resumed = run_sweep(settings(data, results=tmp_path, resume=True))
    assert resumed.resumed == 2 and not resumed.interrupted
    assert len((tmp_path / JOURNAL).read_text().splitlines()) == 6  # the two done runs were not run again
    assert by_params(resumed.rows) == by_params(complete.rows)
    assert resumed.best is not None and complete.best is not None and resumed.best.params == complete.best.params


def test_random_search_is_seeded(data: LoadedData) -> None:
    first = run_sweep(settings(data, grid=["fast=2:15", "slow=16:60"], mode="random", trials=5, seed=9))
    again = run_sweep(settings(data, grid=["fast=2:15", "slow=16:60"], mode="random", trials=5, seed=9))
    assert [r.params for r in first.rows] == [r.params for r in again.rows] and len(first.rows) == 5


def test_optuna_is_seeded_and_independent_of_the_executor(data: LoadedData) -> None:
    common = {"grid": ["fast=2:15", "slow=16:60"], "mode": "optuna", "trials": 10, "seed": 5, "batch": 4}
    inline = run_sweep(settings(data, **common))
    local = run_sweep(settings(data, executor="local", workers=2, **common))
    assert [(r.trial, r.params, r.metrics) for r in inline.rows] == [(r.trial, r.params, r.metrics) for r in local.rows]
    assert sorted(r.trial for r in inline.rows) == list(range(10))
    assert inline.best is not None and inline.best.metrics["sharpe"] == max(r.metrics["sharpe"] for r in inline.rows)


def test_optuna_pruning_probes_first_and_stops_weak_trials(data: LoadedData) -> None:
    report = run_sweep(
        settings(data, grid=["fast=2:15", "slow=16:60"], mode="optuna", trials=16, seed=1, batch=4, prune=0.25)
    )
    probes = [r for r in report.rows if r.phase == PROBE]
    full = [r for r in report.rows if r.phase == SEARCH]
    assert len(probes) == 16
    pruned = {r.trial for r in probes if r.status == PRUNED}
    assert pruned and {r.trial for r in full} == set(range(16)) - pruned
    for probe in probes:
        assert probe.end_ns is not None and probe.start_ns is not None
        assert probe.end_ns - probe.start_ns < (full[0].end_ns - full[0].start_ns) * 0.3  # type: ignore[operator]


def test_walk_forward_scores_each_folds_winner_out_of_sample(data: LoadedData) -> None:
    objective = Objective("total_return", constraints=(Constraint.parse("trades>=1"),))
    report = run_sweep(settings(data, walk_forward=2, train_ratio=2, objective=objective))
    assert len(report.folds) == 2 and report.best is None
    for fold in report.folds:
        train = [r for r in report.rows if r.phase == TRAIN and r.fold == fold.fold.index]
        assert len(train) == 6 and all(
            (r.start_ns, r.end_ns) == (fold.fold.train_start, fold.fold.train_end) for r in train
        )
        best = max((r for r in train if r.metrics["trades"] >= 1), key=lambda r: r.metrics["total_return"])
        assert (
            fold.best is not None and fold.best.params == best.params and fold.in_sample == best.metrics["total_return"]
        )
        assert fold.test is not None and fold.test.phase == TEST
        assert (fold.test.start_ns, fold.test.end_ns) == (fold.fold.test_start, fold.fold.test_end)
        assert fold.out_of_sample == fold.test.metrics["total_return"]
    assert report.folds[0].fold.test_end == report.folds[1].fold.test_start


def test_settings_that_do_not_fit_are_refused(data: LoadedData) -> None:
    with pytest.raises(ValidationError, match="pruning is for --optuna"):
        run_sweep(settings(data, prune=0.5))
    with pytest.raises(ValidationError, match="needs at least one --grid"):
        run_sweep(settings(data, grid=[]))
    with pytest.raises(ValidationError, match="unknown"):
        run_sweep(settings(data, fixed={"nope": 1}))


def test_fast_prescreen_then_event_driven_confirmation(data: LoadedData) -> None:
    grid = ["fast=3:15:3", "slow=12,20,30,45"]
    report = run_sweep(settings(data, grid=grid, prescreen="fast", confirm=4))
    screened = [r for r in report.rows if r.phase == PRESCREEN]
    confirmed = [r for r in report.rows if r.phase == CONFIRM]
    assert len(screened) == 20 and [r.status for r in screened].count(FAILED) == 2  # fast=15 with slow=12
    assert len(confirmed) == 4 and report.best in confirmed
    full = {json.dumps(r.params, sort_keys=True): r for r in run_sweep(settings(data, grid=grid)).rows}
    fast_top = ranked(screened, report.objective, (PRESCREEN,))[:4]
    assert [r.params for r in confirmed] == [r.params for r in fast_top]
    for row in screened:  # the fast path agrees with the event-driven engine on every candidate
        twin = full[json.dumps(row.params, sort_keys=True)]
        assert row.status == twin.status
        if row.status == OK:
            assert row.metrics["trades"] == twin.metrics["trades"]
            assert row.metrics["end_equity"] == twin.metrics["end_equity"]
            assert row.metrics["sharpe"] == pytest.approx(twin.metrics["sharpe"], rel=1e-9)
    assert any("prescreened 18 candidates" in note for note in report.notes)


def test_fast_prescreen_refuses_what_it_cannot_model(data: LoadedData) -> None:
    from sweep_support import FAILING

    with pytest.raises(ValidationError, match="no fast-path model"):
        run_sweep(settings(data, strategy=FAILING, grid=["raise_at=0,1"], prescreen="fast"))
    with pytest.raises(ValidationError, match="grid and random"):
        run_sweep(settings(data, prescreen="fast", walk_forward=2))


def test_an_interrupted_optuna_sweep_with_pruning_resumes_to_the_same_trials(data: LoadedData, tmp_path: Path) -> None:
    common = {"grid": ["fast=2:15", "slow=16:60"], "mode": "optuna", "trials": 16, "seed": 3, "batch": 4, "prune": 0.25}
    complete = run_sweep(settings(data, **common))

    def interrupt(state: SweepProgress) -> None:
        if state.done == 9:
            raise KeyboardInterrupt

    stopped = run_sweep(settings(data, results=tmp_path, **common), interrupt)
    assert stopped.interrupted and any(r.status == PRUNED for r in stopped.rows)
    resumed = run_sweep(settings(data, results=tmp_path, resume=True, **common))
    assert resumed.resumed == len(stopped.rows)

    def trials(rows: list) -> list:  # type: ignore[type-arg]
        return sorted((r.trial, r.phase, r.status, sorted(r.params.items()), r.metrics.get("sharpe")) for r in rows)

    assert trials(resumed.rows) == trials(complete.rows)


def test_a_sweep_can_keep_only_the_runs_that_were_not_ruined(data: LoadedData) -> None:
    objective = Objective("total_return", constraints=(Constraint.parse("ruined<1"),))
    report = run_sweep(settings(data, grid=["fast=2:4", "slow=16:17"], objective=objective))
    done = [r for r in report.rows if r.status == OK]
    assert done and all(r.metrics["ruined"] == 0.0 for r in done)  # a flag, as a number the constraint reads
    assert report.best is not None
