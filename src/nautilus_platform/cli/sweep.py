"""``naut sweep``: run a strategy over a parameter grid, a random sample or an Optuna search, on
local cores or a Ray cluster; rank, keep every run, report the best (see the README)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from nautilus_platform.backtest.sweep.driver import SweepProgress
from nautilus_platform.backtest.sweep.objective import METRICS, Constraint, Objective
from nautilus_platform.backtest.sweep.tasks import RunRow
from nautilus_platform.cli import backtest as backtest_cli
from nautilus_platform.cli import data as data_cli
from nautilus_platform.core.errors import NautilusError, ValidationError
from nautilus_platform.service.sweep import BacktestRecipe, Mode, SweepReport, SweepSettings, run_sweep

console = Console(width=160)
_GRID = typer.Option(
    [], "--grid", "-g", help="Vary a parameter: NAME=v1,v2,… or NAME=start:stop[:step] (stop inclusive; repeatable)."
)
DEFAULT_PRUNE = 0.25
_RESULTS = typer.Option(Path("sweep-results"), help="Folder for runs.jsonl/.parquet/.csv and reports.")
# no short name: ``-c`` is ``--column``, as in ``naut backtest`` and ``naut data``
_CONSTRAINT = typer.Option([], "--constraint", help="Keep runs meeting METRIC<VALUE, e.g. 'max_drawdown<20%'.")


def _mode(random_runs: int | None, optuna_trials: int | None) -> tuple[Mode, int | None]:
    if random_runs is not None and optuna_trials is not None:
        raise ValidationError("search", "--random and --optuna", "choose one search")
    if random_runs is not None:
        return "random", random_runs
    if optuna_trials is not None:
        return "optuna", optuna_trials
    return "grid", None


def _prune(prune: float | None, mode: Mode) -> float | None:
    """Optuna prunes by default; ``--prune 0`` turns it off (other searches never prune)."""
    if prune is None:
        return DEFAULT_PRUNE if mode == "optuna" else None
    return None if prune == 0 else prune


def _heatmap(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    names = [part.strip() for part in text.split(",")]
    if len(names) != 2 or not all(names):
        raise ValidationError("heatmap", text, "must name two parameters: X,Y")
    return names[0], names[1]


def sweep(
    strategy: str = typer.Argument(..., help="MODULE:CLASS, PATH.py:CLASS or an example: ma-cross, rsi-reversion, …"),
    data: list[str] = backtest_cli._DATA,
    grid: list[str] = _GRID,
    random_runs: int | None = typer.Option(None, "--random", min=1, help="Random search: N samples of the space."),
    optuna_trials: int | None = typer.Option(None, "--optuna", min=1, help="Bayesian search with Optuna: N trials."),
    prune: float | None = typer.Option(
        None,
        help=f"Optuna: run each trial on this leading fraction first and prune those below the median "
        f"(default {DEFAULT_PRUNE} with --optuna; 0 turns pruning off).",
    ),
    batch: int = typer.Option(8, min=1, help="Optuna trials proposed together (results do not depend on workers)."),
    seed: int = typer.Option(42, help="Seed of random and Optuna search."),
    metric: str = typer.Option("sharpe", help=f"Rank by this statistic: {', '.join(METRICS)}."),
    minimize: bool | None = typer.Option(None, "--minimize/--maximize", help="Direction (default: by metric)."),
    constraint: list[str] = _CONSTRAINT,
    walk_forward: int | None = typer.Option(None, "--walk-forward", min=1, help="Walk-forward with N test folds."),
    train_ratio: float = typer.Option(3.0, help="Walk-forward: train window length in test windows."),
    anchored: bool = typer.Option(False, help="Walk-forward: train from the start of the data (else rolling)."),
    prescreen: str | None = typer.Option(None, help="'fast': score the grid with the compiled fast path first."),
    confirm: int = typer.Option(10, min=1, help="With --prescreen: confirm this many top candidates event-driven."),
    executor: str = typer.Option("local", help="local (process pool), ray, or inline (this process)."),
    workers: int | None = typer.Option(None, min=1, help="Worker processes (default: every core)."),
    address: str | None = typer.Option(None, help="Ray cluster: ray://host:port or auto (default: a local Ray)."),
    results: Path = _RESULTS,
    resume: bool = typer.Option(False, help="Continue the sweep in --results, skipping finished runs."),
    heatmap: str | None = typer.Option(None, help="Heatmap of the metric over two parameters: X,Y."),
    top: int = typer.Option(10, min=1, help="Rows of the ranking to print."),
    param: list[str] = backtest_cli._PARAM,
    layout: str | None = typer.Option(None, "--layout", "-l", help="Layout of file data (see `naut data check`)."),
    data_type: str | None = data_cli._TYPE,
    instrument: list[str] = backtest_cli._INSTRUMENT,
    price_precision: int = data_cli._PRICE_PRECISION,
    size_precision: int = data_cli._SIZE_PRECISION,
    tick: str | None = data_cli._TICK,
    lot: str | None = data_cli._LOT,
    currency: str = data_cli._CURRENCY,
    bar: str | None = data_cli._BAR,
    tz: str = data_cli._TZ,
    ts_unit: str | None = data_cli._TS_UNIT,
    column: list[str] = data_cli._COLUMN,
    policy: list[str] = data_cli._POLICY,
    catalog: Path = data_cli._CATALOG,
    start: str | None = typer.Option(None, help="First time to trade (UTC, inclusive)."),
    end: str | None = typer.Option(None, help="End time (UTC, exclusive)."),
    cash: str = typer.Option("1000000", help="Starting balance: AMOUNT [CURRENCY] (default currency: --currency)."),
    account: str = typer.Option("cash", help="Account type: cash or margin."),
    fees: str | None = typer.Option(None, help="taker_bps=…,maker_bps=…,fixed=…,per_contract=… (default: none)."),
    bar_execution: str = typer.Option("close", help="Market orders on bar data fill at the bar's close or next_open."),
    venue: list[str] = backtest_cli._VENUE,
) -> None:
    """Optimise a strategy's parameters: every run through the real trading core, in parallel."""
    try:
        backtest_cli.check_folder("results", results)  # before anything is loaded or run
        mode, trials = _mode(random_runs, optuna_trials)
        if executor not in ("local", "ray", "inline"):
            raise ValidationError("executor", executor, "must be local, ray or inline")
        if prescreen not in (None, "fast"):
            raise ValidationError("prescreen", prescreen, "must be fast")
        objective = Objective(
            metric, None if minimize is None else not minimize, tuple(Constraint.parse(c) for c in constraint)
        )
        prepared = backtest_cli.prepare(
            strategy, data, param, layout, data_type, instrument, price_precision, size_precision, tick, lot, currency,
            bar, tz, column, policy, catalog, start, end, cash, account, fees, bar_execution, venue, ts_unit=ts_unit,
        )  # fmt: skip
        pair = _heatmap(heatmap)
        declared = sorted(prepared.strategy_class.parameters())
        for name in pair or ():
            if name not in declared:  # before the runs: found after them, the sweep's report was lost
                raise ValidationError("heatmap", name, f"is not a parameter of {strategy}; it has {declared}")
        backtest_cli.print_data_reports(prepared.sources)
        recipe = BacktestRecipe(strategy, tuple(prepared.venues), tuple(prepared.instruments))
        settings = SweepSettings(
            recipe, prepared.sources, grid=grid, fixed=prepared.params, mode=mode, trials=trials, seed=seed,  # type: ignore[arg-type]
            objective=objective, executor=executor, workers=workers, address=address, results=results,  # type: ignore[arg-type]
            resume=resume, prune=_prune(prune, mode), batch=batch, walk_forward=walk_forward, train_ratio=train_ratio,
            anchored=anchored, prescreen=prescreen, confirm=confirm, start_ns=prepared.start_ns,  # type: ignore[arg-type]
            end_ns=prepared.end_ns, heatmap=pair,
        )  # fmt: skip
        console.print(f"sweep: {objective.describe()}; executor {executor}; results in {results}", highlight=False)
        try:
            report = _run_with_progress(settings)
        except OSError as exc:  # --results checked before, but creating or writing in it may still fail
            raise ValidationError("results", str(results), f"could not be written: {exc}") from None
    except NautilusError as exc:
        raise data_cli._fail(exc) from None
    _print_report(report, top, results)


def _run_with_progress(settings: SweepSettings) -> SweepReport:
    columns = (
        TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
        TimeRemainingColumn(), TextColumn("{task.fields[best]}"),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("runs", total=None, best="")

        def update(state: SweepProgress) -> None:
            best = "" if state.best_value is None else f"best {state.best_value:.4g} {_params(state.best_params)}"
            failed = f" ({state.failed} failed)" if state.failed else ""
            progress.update(task, completed=state.done, total=state.total, best=best + failed)

        return run_sweep(settings, update)


def _params(params: dict[str, Any]) -> str:
    return " ".join(f"{name}={value}" for name, value in params.items())


def _time(ns: int | None) -> str:
    if ns is None:
        return ""
    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def _fmt(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.4g}"


def _ranking_table(report: SweepReport, top: int) -> Table:
    metric = report.objective.metric
    shown, ranked_runs = min(top, len(report.ranking)), len(report.ranking)
    title = f"Top {shown} of {ranked_runs} ranked runs ({len(report.rows)} in all): {report.objective.describe()}"
    table = Table(title=title)
    for name in ("rank", "run", "phase", "parameters", metric, "total_return", "max_drawdown", "trades"):
        table.add_column(name, justify="left" if name in ("phase", "parameters") else "right")
    for rank, row in enumerate(report.ranking[:top], start=1):
        m = row.metrics
        table.add_row(
            str(rank), str(row.run_id), row.phase, _params(row.params), _fmt(m.get(metric)), _fmt(m.get("total_return")),
            _fmt(m.get("max_drawdown")), str(int(m.get("trades", 0))),
        )  # fmt: skip
    return table


def _walk_forward_table(report: SweepReport) -> Table:
    metric = report.objective.metric
    table = Table(title=f"Walk-forward: in-sample vs out-of-sample {metric}")
    for name in ("fold", "train", "test", "parameters", "in-sample", "out-of-sample"):
        table.add_column(name)
    for fold in report.folds:
        f = fold.fold
        table.add_row(
            str(f.index), f"{_time(f.train_start)} → {_time(f.train_end)}", f"{_time(f.test_start)} → {_time(f.test_end)}",
            _params(fold.best.params) if fold.best is not None else "no feasible run",
            _fmt(fold.in_sample), _fmt(fold.out_of_sample),
        )  # fmt: skip
    return table


def _print_report(report: SweepReport, top: int, results: Path) -> None:
    if report.folds:
        console.print(_walk_forward_table(report))
        ins = [f.in_sample for f in report.folds if f.in_sample is not None]
        outs = [f.out_of_sample for f in report.folds if f.out_of_sample is not None]
        if ins and outs:
            console.print(
                f"mean in-sample {report.objective.metric} {sum(ins) / len(ins):.4g}, "
                f"mean out-of-sample {sum(outs) / len(outs):.4g}",
                highlight=False,
            )
    else:
        console.print(_ranking_table(report, top))
    failed: list[RunRow] = report.failed
    if failed:
        console.print(f"[red]{len(failed)} runs failed[/red] (kept in the results with their error), e.g.:")
        for row in failed[:3]:
            console.print(f"  run {row.run_id} {_params(row.params)}: {row.error}", highlight=False)
    if report.resumed:
        console.print(f"resumed: {report.resumed} finished runs taken from {results}", highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    for path in report.files:
        if path.suffix in (".parquet", ".csv", ".html", ".json") and path.parent == results:
            console.print(f"wrote {path}", highlight=False)
    if report.interrupted:
        console.print(
            f"[yellow]stopped by Ctrl-C:[/yellow] finished runs are kept in {results}; "
            "run the same command with --resume to continue"
        )
        raise typer.Exit(130)
