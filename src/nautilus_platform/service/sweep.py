"""Compose and run a parameter sweep: the backtest recipe every run shares, the search, the
executor, the results folder, walk-forward and the fast prescreen (``naut sweep`` is a thin shell
over ``run_sweep``)."""

from __future__ import annotations

import gc
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nautilus_platform.backtest.report import write_backtest_report
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.backtest.sweep.driver import (
    ListSearch,
    OptunaSearch,
    ProgressCallback,
    Search,
    SweepDriver,
    ranked,
)
from nautilus_platform.backtest.sweep.executors import Executor, InlineExecutor, LocalExecutor, RayExecutor, Source
from nautilus_platform.backtest.sweep.heatmap import write_heatmap
from nautilus_platform.backtest.sweep.objective import Objective
from nautilus_platform.backtest.sweep.shared import catalog_data, source_meta
from nautilus_platform.backtest.sweep.space import Candidate, ParamSpace
from nautilus_platform.backtest.sweep.store import ResultStore
from nautilus_platform.backtest.sweep.tasks import (
    CONFIRM,
    FAILED,
    OK,
    PRESCREEN,
    SEARCH,
    TRAIN,
    RunRow,
    RunTask,
    SweepJob,
)  # fmt: skip
from nautilus_platform.backtest.sweep.walkforward import Fold, WalkForwardFold, count_rows, folds, walk_forward
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.model.enums import AccountType, OmsType
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.loading import load_strategy_class
from nautilus_platform.trading.risk import RiskConfig

Mode = Literal["grid", "random", "optuna"]


@dataclass(frozen=True)
class BacktestRecipe:
    """Everything but the parameters and the window that every run of a sweep shares (picklable)."""

    strategy: str  # MODULE:CLASS, PATH.py:CLASS or an example name
    venues: tuple[VenueSetup, ...]
    instruments: tuple[Instrument, ...]
    risk: RiskConfig | None = None
    oms_type: OmsType = OmsType.NETTING
    routing: RouterConfig | None = None
    equity_interval_ns: int | None = None

    def config(
        self, params: Mapping[str, Any], sources: Sequence[Source], start_ns: int | None, end_ns: int | None
    ) -> BacktestConfig:
        """The backtest of one run (a fresh strategy instance with ``params``)."""
        strategy: Strategy = strategy_class(self.strategy)(**params)
        return BacktestConfig(
            venues=list(self.venues), instruments=list(self.instruments), data=list(sources), strategies=[strategy],
            risk=self.risk, oms_type=self.oms_type, start_ns=start_ns, end_ns=end_ns,
            equity_interval_ns=self.equity_interval_ns, routing=self.routing,
        )  # fmt: skip


_CLASSES: dict[str, type[Strategy]] = {}


def strategy_class(spec: str) -> type[Strategy]:
    """The strategy class, loaded once per process."""
    found = _CLASSES.get(spec)
    if found is None:
        found = _CLASSES[spec] = load_strategy_class(spec)
    return found


def metrics_of(result: BacktestResult) -> dict[str, float]:
    """The run's statistics as plain floats (a flag such as ``ruined`` as 1.0 or 0.0)."""
    return {name: float(value) for name, value in result.statistics.to_dict().items() if isinstance(value, int | float)}


def prepare_worker() -> None:
    """Once per sweep worker process: the garbage-collector settings of a long trading process
    (``service.runtime.tune_gc``) and everything imported so far frozen out of its walks."""
    tune_gc()
    gc.collect()
    gc.freeze()


def run_recipe(job: SweepJob, task: RunTask, sources: Sequence[CatalogData]) -> RunRow:
    """The sweep runner: one event-driven backtest of ``task``; a strategy that raised fails the run."""
    recipe: BacktestRecipe = job.payload
    result = run_backtest(recipe.config(task.params, sources, task.start_ns, task.end_ns))
    errors = [f"{e.strategy_id} {e.callback}: {e.error}" for e in result.strategy_errors]
    return RunRow(
        run_id=task.run_id, params=dict(task.params), status=FAILED if errors else OK, metrics=metrics_of(result),
        error="; ".join(errors) or None, phase=task.phase, fold=task.fold, trial=task.trial,
        start_ns=task.start_ns, end_ns=task.end_ns, orders=len(result.orders), fills=len(result.fills),
    )  # fmt: skip


@dataclass
class SweepSettings:
    """One sweep: what to vary and how to search, rank, run and keep it."""

    recipe: BacktestRecipe
    sources: Sequence[Source]
    grid: Sequence[str] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)
    mode: Mode = "grid"
    trials: int | None = None  # random samples or Optuna trials
    seed: int = 42
    objective: Objective = field(default_factory=Objective)
    executor: Literal["local", "ray", "inline"] = "local"
    workers: int | None = None
    address: str | None = None
    results: Path | None = None
    resume: bool = False
    prune: float | None = None  # Optuna: probe this leading fraction of the window first
    batch: int = 8  # Optuna trials asked together (fixed, so every executor gives the same trials)
    walk_forward: int | None = None  # number of folds
    train_ratio: float = 3.0
    anchored: bool = False
    prescreen: Literal["fast"] | None = None
    confirm: int = 10
    start_ns: int | None = None
    end_ns: int | None = None
    heatmap: tuple[str, str] | None = None
    best_report: bool = True


@dataclass
class SweepReport:
    """What a sweep gave: every row, the ranking, the best run, walk-forward folds, files written."""

    rows: list[RunRow]
    ranking: list[RunRow]
    best: RunRow | None
    objective: Objective
    interrupted: bool = False
    resumed: int = 0
    folds: list[WalkForwardFold] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    best_result: BacktestResult | None = None

    @property
    def failed(self) -> list[RunRow]:
        return [row for row in self.rows if row.status == FAILED]

    def summary(self) -> dict[str, Any]:
        """Plain data for the service facade and the API."""
        return {
            "objective": self.objective.describe(), "runs": len(self.rows), "failed": len(self.failed),
            "interrupted": self.interrupted, "resumed": self.resumed,
            "best": self.best.as_dict() if self.best is not None else None,
            "top": [row.as_dict() for row in self.ranking[:10]],
            "walk_forward": [fold.as_dict() for fold in self.folds],
            "files": [str(path) for path in self.files], "notes": list(self.notes),
        }  # fmt: skip


def data_window(sources: Sequence[Source], start_ns: int | None, end_ns: int | None) -> tuple[int, int]:
    """``[first, last + 1)`` over all sources, clipped to ``start_ns``/``end_ns``."""
    firsts, lasts = [], []
    for source in sources:
        ts = source.columns.get("ts")
        if ts is not None and len(ts):
            firsts.append(int(ts[0]))
            lasts.append(int(ts[-1]) + 1)
    if not firsts:
        raise ValidationError("data", 0, "holds no rows")
    start, end = min(firsts), max(lasts)
    start = start if start_ns is None else max(start, start_ns)
    end = end if end_ns is None else min(end, end_ns)
    if end <= start:
        raise ValidationError("end", end_ns, f"leaves no data after start {start}")
    return start, end


def make_executor(settings: SweepSettings) -> Executor:
    if settings.executor == "inline":
        return InlineExecutor()
    if settings.executor == "ray":
        return RayExecutor(settings.address, settings.workers)
    if settings.executor == "local":
        if settings.address is not None:
            raise ValidationError("address", settings.address, "is for --executor ray")
        return LocalExecutor(settings.workers)
    raise ValidationError("executor", settings.executor, "must be local, ray or inline")


def _space(settings: SweepSettings) -> ParamSpace:
    declared = strategy_class(settings.recipe.strategy).parameters()
    space = ParamSpace.parse(
        settings.grid,
        declared,
        {name: declared[name].check(v) for name, v in settings.fixed.items() if name in declared},
    )
    unknown = sorted(set(settings.fixed) - set(declared))
    if unknown:
        raise ValidationError("param", unknown, f"unknown; the strategy has {sorted(declared)}")
    if settings.mode == "grid":
        if not space.dimensions:
            raise ValidationError("grid", "", "a grid sweep needs at least one --grid NAME=…")
        return space
    return space.with_declared(declared)


def _candidates(settings: SweepSettings, space: ParamSpace) -> list[Candidate]:
    if settings.mode == "grid":
        return list(space.grid())
    if settings.trials is None:
        raise ValidationError(settings.mode, None, "needs a number of runs")
    return space.random(settings.trials, settings.seed)


def _search(settings: SweepSettings, space: ParamSpace, start: int, end: int, phase: str, fold: int | None) -> Search:
    if settings.mode == "optuna":
        if settings.trials is None:
            raise ValidationError("optuna", None, "needs a number of trials")
        return OptunaSearch(
            space, settings.trials, settings.objective, seed=settings.seed, batch=settings.batch, start_ns=start, end_ns=end,
            prune_fraction=settings.prune, phase=phase, fold=fold,
        )  # fmt: skip
    return ListSearch(_candidates(settings, space), start_ns=start, end_ns=end, phase=phase, fold=fold)


def run_sweep(settings: SweepSettings, progress: ProgressCallback | None = None) -> SweepReport:
    """Run the sweep ``settings`` describes; see ``naut sweep --help`` and the README."""
    if settings.prune is not None and settings.mode != "optuna":
        raise ValidationError("prune", settings.prune, "pruning is for --optuna searches")
    if settings.prescreen is not None and (settings.mode == "optuna" or settings.walk_forward):
        raise ValidationError("prescreen", settings.prescreen, "works with grid and random searches")
    if settings.confirm < 1:
        raise ValidationError("confirm", settings.confirm, "must be at least 1")
    space = _space(settings)
    start, end = data_window(settings.sources, settings.start_ns, settings.end_ns)
    job = SweepJob(run_recipe, settings.recipe, setup=prepare_worker)
    store = ResultStore(settings.results)
    driver = SweepDriver(
        job, settings.sources, make_executor(settings), settings.objective, store, resume=settings.resume,
        progress=progress,
    )  # fmt: skip
    notes: list[str] = []
    fold_results: list[WalkForwardFold] = []
    interrupted = False
    with driver:
        if settings.walk_forward:
            splits = folds(start, end, settings.walk_forward, settings.train_ratio, settings.anchored)
            stamps = [ts for source in settings.sources if (ts := source.columns.get("ts")) is not None]
            splits = count_rows(splits, stamps)

            def make(fold: Fold) -> Search:
                return _search(settings, space, fold.train_start, fold.train_end, TRAIN, fold.index)

            fold_results = walk_forward(driver, splits, make)
            interrupted = driver.interrupted
            if not interrupted and all(fold.best is None for fold in fold_results):
                notes.append(_no_feasible_fold(splits))
            phases: tuple[str, ...] = (TRAIN,)
        elif settings.prescreen == "fast":
            phases = (CONFIRM,)
            interrupted = _prescreen_and_confirm(settings, space, driver, start, end, notes)
        else:
            search = _search(settings, space, start, end, SEARCH, None)
            total = len(search) if isinstance(search, ListSearch) else settings.trials
            outcome = driver.run([search], total=total)
            interrupted = outcome.interrupted
            phases = (SEARCH,)
    rows = sorted(driver.rows, key=lambda row: row.run_id)
    ranking = ranked(rows, settings.objective, phases)
    best = ranking[0] if ranking and not settings.walk_forward else None
    report = SweepReport(
        rows, ranking, best, settings.objective, interrupted=interrupted, resumed=driver.resumed, folds=fold_results,
        notes=notes,
    )  # fmt: skip
    report.files = store.write_tables(rows)
    if settings.results is not None:
        report.files += _write_extras(settings, report, space, start, end)
    return report


def _no_feasible_fold(splits: Sequence[Fold]) -> str:
    """Why a walk-forward chose nothing, with the window sizes the user can act on."""
    train = [fold.train_rows or 0 for fold in splits]
    test = [fold.test_rows or 0 for fold in splits]
    return (
        f"no fold has a feasible run: the train windows hold {min(train)}-{max(train)} data rows and the test "
        f"windows {min(test)}-{max(test)} (too few for the strategy's warm-up, or no run traded or met the "
        "constraints); use fewer folds or a larger --train-ratio"
    )


def _fast_inputs(settings: SweepSettings, start: int, end: int) -> tuple[Any, Any]:
    """The bars (clipped to the window) and the ``FastConfig`` of a sweep the fast path can model:
    one bar source, one venue with a margin account holding one balance in the instrument's
    settlement currency, no latency, an L1 book."""
    from nautilus_platform.backtest.fast import FastBars, FastConfig

    recipe = settings.recipe
    if len(settings.sources) != 1 or len(recipe.venues) != 1:
        raise ValidationError("prescreen", "fast", "models one bar source on one venue")
    source = settings.sources[0]
    meta = source_meta(source)
    if meta.kind != "bars":
        raise ValidationError("prescreen", meta.kind, "the fast path models bar data only")
    instrument = next((i for i in recipe.instruments if str(i.id) == meta.instrument_id), None)
    if instrument is None:
        raise ValidationError("prescreen", meta.instrument_id, "has no instrument in the sweep")
    venue = recipe.venues[0]
    if venue.account_type is not AccountType.MARGIN or len(venue.balances) != 1:
        raise ValidationError(
            "prescreen", venue.account_type.name, "the fast path models a margin account with one balance"
        )
    balance = venue.balances[0]
    if balance.currency != instrument.settlement:
        raise ValidationError(
            "prescreen", str(balance.currency), "the balance must be in the instrument's settlement currency"
        )
    ts = source.columns["ts"]
    first, last = int(np.searchsorted(ts, start, "left")), int(np.searchsorted(ts, end, "left"))
    window = catalog_data(meta, {name: column[first:last] for name, column in source.columns.items()}, [])
    config = FastConfig.from_venue(venue.config, balance.as_decimal())
    return FastBars.from_data(window, instrument), config


def _prescreen_and_confirm(
    settings: SweepSettings, space: ParamSpace, driver: SweepDriver, start: int, end: int, notes: list[str]
) -> bool:
    """Score every candidate with the compiled fast path, then confirm the top ones event-driven."""
    from nautilus_platform.backtest.fast import fast_model_for, prescreen

    strategy = strategy_class(settings.recipe.strategy)
    if fast_model_for(strategy) is None:
        raise ValidationError("prescreen", strategy.__name__, "has no fast-path model; sweep without --prescreen")
    bars, config = _fast_inputs(settings, start, end)
    rows: list[RunRow] = []
    valid: list[Candidate] = []
    for candidate in _candidates(settings, space):
        try:
            strategy(**candidate)
        except ValidationError as exc:
            rows.append(RunRow(-1, dict(candidate), FAILED, error=f"ValidationError: {exc}", phase=PRESCREEN,
                               start_ns=start, end_ns=end))  # fmt: skip
        else:
            valid.append(candidate)
    metrics = prescreen(strategy, bars, valid, config)
    for candidate, values in zip(valid, metrics, strict=True):
        fills = int(values.pop("fills", 0))
        rows.append(RunRow(-1, dict(candidate), OK, metrics=values, phase=PRESCREEN, start_ns=start, end_ns=end,
                           fills=fills))  # fmt: skip
    recorded = driver.record(rows)
    top = ranked(recorded, settings.objective, phases=(PRESCREEN,))[: settings.confirm]
    notes.append(
        f"prescreened {len(valid)} candidates with the compiled fast path (no risk checks, latency or partial "
        f"fills there); confirmed the top {len(top)} event-driven"
    )
    confirm = ListSearch([row.params for row in top], start_ns=start, end_ns=end, phase=CONFIRM)
    return driver.run([confirm], total=len(top)).interrupted


def _write_extras(settings: SweepSettings, report: SweepReport, space: ParamSpace, start: int, end: int) -> list[Path]:
    folder = settings.results
    assert folder is not None
    written: list[Path] = []
    pair = settings.heatmap
    if pair is None and len(space.dimensions) == 2 and not settings.walk_forward:
        pair = (space.dimensions[0].name, space.dimensions[1].name)
    if pair is not None:
        ok = [r for r in report.rows if r.status == OK and r.phase in (SEARCH, CONFIRM, PRESCREEN)]
        if ok:
            written.append(write_heatmap(ok, pair, settings.objective, folder / "heatmap.html"))
        else:  # every run failed: nothing to draw (the failures are the report)
            report.notes.append("no heatmap: no run succeeded")
    if report.folds:
        import json

        path = folder / "walk_forward.json"
        path.write_text(json.dumps([fold.as_dict() for fold in report.folds], indent=2, default=str), encoding="utf-8")
        written.append(path)
    if report.best is not None and settings.best_report and not report.interrupted:
        best = report.best
        result = run_backtest(settings.recipe.config(best.params, settings.sources, best.start_ns, best.end_ns))
        again = metrics_of(result)
        if any(not _same(again.get(k), v) for k, v in best.metrics.items()):
            report.notes.append("the best run's re-run differs from its sweep row; the run is not deterministic")
        report.best_result = result
        written += result.export(folder / "best")
        written.append(
            write_backtest_report(result, settings.sources, folder / "best-report.html", "Best run of the sweep")
        )
    return written


def _same(a: float | None, b: float) -> bool:
    if a is None:
        return False
    return a == b or (math.isnan(a) and math.isnan(b))


__all__ = [
    "BacktestRecipe", "Mode", "SweepReport", "SweepSettings", "data_window", "make_executor", "metrics_of",
    "run_recipe", "run_sweep", "strategy_class",
]  # fmt: skip
