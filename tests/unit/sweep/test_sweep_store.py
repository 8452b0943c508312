"""The results journal and tables, and the heatmap grid."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nautilus_platform.backtest.sweep.heatmap import heatmap_grid, write_heatmap
from nautilus_platform.backtest.sweep.objective import Constraint, Objective
from nautilus_platform.backtest.sweep.store import JOURNAL, ResultStore
from nautilus_platform.backtest.sweep.tasks import FAILED, OK, RunRow
from nautilus_platform.core.errors import ValidationError


def row(run_id: int, fast: int, slow: int, sharpe: float, status: str = OK, dd: float = -0.1) -> RunRow:
    return RunRow(
        run_id, {"fast": fast, "slow": slow}, status, {"sharpe": sharpe, "max_drawdown": dd},
        error="boom" if status == FAILED else None,
    )  # fmt: skip


def test_journal_round_trip_and_tables(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.open(resume=False)
    rows = [row(0, 5, 20, 1.0), row(1, 5, 30, math.nan), row(2, 10, 20, 0.0, FAILED)]
    for item in rows:
        store.append(item)
    store.close()
    loaded = ResultStore(tmp_path).load()
    assert [r.run_id for r in loaded] == [0, 1, 2]
    assert loaded[0].metrics == {"sharpe": 1.0, "max_drawdown": -0.1}
    assert math.isnan(loaded[1].metrics["sharpe"]) and loaded[2].error == "boom"
    parquet, csv = ResultStore(tmp_path).write_tables(loaded)
    table = pq.read_table(parquet)
    assert table.column("param.fast").to_pylist() == [5, 5, 10]  # whole numbers stay numbers
    assert table.column("sharpe").to_pylist() == [1.0, None, 0.0]
    assert table.column("status").to_pylist() == ["ok", "ok", "failed"]
    assert csv.read_text().startswith('"run_id"')


def test_a_second_sweep_into_the_same_folder_needs_resume(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.open(resume=False)
    store.append(row(0, 5, 20, 1.0))
    store.close()
    with pytest.raises(ValidationError, match="--resume"):
        ResultStore(tmp_path).open(resume=False)
    ResultStore(tmp_path).open(resume=True)


def test_a_line_cut_short_by_a_kill_is_dropped_but_damage_elsewhere_is_an_error(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.open(resume=False)
    store.append(row(0, 5, 20, 1.0))
    store.close()
    journal = tmp_path / JOURNAL
    journal.write_text(journal.read_text() + '{"run_id": 1, "sta')
    assert [r.run_id for r in ResultStore(tmp_path).load()] == [0]
    journal.write_text("not json\n" + journal.read_text())
    with pytest.raises(ValidationError, match="line 1"):
        ResultStore(tmp_path).load()


def test_heatmap_keeps_the_best_feasible_value_per_cell(tmp_path: Path) -> None:
    rows = [row(0, 5, 20, 1.0), row(1, 5, 20, 2.0), row(2, 10, 20, 3.0, dd=-0.5), row(3, 10, 30, 0.5)]
    objective = Objective("sharpe", constraints=(Constraint.parse("max_drawdown<20%"),))
    xs, ys, z = heatmap_grid(rows, ("fast", "slow"), objective)
    assert xs == [5, 10] and ys == [20, 30]
    assert z == [[2.0, None], [None, 0.5]]  # run 2 breaks the drawdown constraint
    path = write_heatmap(rows, ("fast", "slow"), objective, tmp_path / "h.html")
    assert "Heatmap" in path.read_text() or "heatmap" in path.read_text()
    with pytest.raises(ValidationError, match="not a parameter"):
        heatmap_grid(rows, ("fast", "nope"), objective)


def test_heatmap_orders_decimal_and_text_numbers_by_value() -> None:
    from decimal import Decimal

    rows = [
        RunRow(i, {"quantity": q, "fast": f}, OK, {"sharpe": float(i)})
        for i, (q, f) in enumerate([(Decimal(9), "10"), (Decimal(10), "9"), (Decimal("9.5"), "10")])
    ]
    xs, ys, _ = heatmap_grid(rows, ("quantity", "fast"), Objective("sharpe"))
    assert xs == [Decimal(9), Decimal("9.5"), Decimal(10)] and ys == ["9", "10"]
