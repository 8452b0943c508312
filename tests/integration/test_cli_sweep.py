"""``naut sweep`` on a real daily file: ranking, results folder, walk-forward, clear errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
NVDA = ROOT.parent / "shared" / "data" / "backtrader-nvda-1999-2014.txt"
SUPPORT = Path(__file__).resolve().parent / "sweep_support.py"
RUNNER = CliRunner()
FILE_ARGS = ["-d", str(NVDA), "-l", "yahoo", "-i", "NVDA.XNAS", "--price-precision", "6", "--bar", "1-DAY-LAST"]
needs_data = pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


@needs_data
def test_grid_sweep_on_a_file(tmp_path: Path) -> None:
    results = tmp_path / "sweep"
    code, out = run(
        "sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5:20:5", "--grid", "slow=20,40", "--fees", "taker_bps=5",
        "--constraint", "max_drawdown<50%", "--workers", "2", "--results", str(results),
    )  # fmt: skip
    assert code == 0, out
    assert "Top 7 of 7 ranked runs (8 in all): maximize sharpe subject to max_drawdown<50%" in out
    assert "1 runs failed" in out and "fast=20 slow=20" in out and "must be less than slow" in out
    table = pq.read_table(results / "runs.parquet").to_pydict()
    assert len(table["run_id"]) == 8 and table["status"].count("failed") == 1
    assert (results / "heatmap.html").exists() and (results / "best-report.html").exists()
    code, out = run("sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5:20:5", "--grid", "slow=20,40",
                    "--results", str(results))  # fmt: skip
    assert code == 2 and "--resume" in out
    code, out = run("sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5:20:5", "--grid", "slow=20,40",
                    "--fees", "taker_bps=5", "--constraint", "max_drawdown<50%", "--results", str(results), "--resume")  # fmt: skip
    assert code == 0 and "resumed: 8 finished runs" in out


@needs_data
def test_walk_forward_on_a_file(tmp_path: Path) -> None:
    code, out = run(
        "sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5,10", "--grid", "slow=30,60", "--walk-forward", "3",
        "--executor", "inline", "--metric", "total_return", "--results", str(tmp_path / "wf"),
    )  # fmt: skip
    assert code == 0, out
    assert "Walk-forward: in-sample vs out-of-sample total_return" in out and "mean out-of-sample" in out
    folds = json.loads((tmp_path / "wf" / "walk_forward.json").read_text())
    assert [fold["fold"] for fold in folds] == [0, 1, 2] and all(fold["test_rows"] > 0 for fold in folds)


@needs_data
def test_walk_forward_refuses_an_empty_window_and_explains_a_fold_without_a_feasible_run(tmp_path: Path) -> None:
    # windows under three days long: some fall on a weekend and hold no bar, so the split is refused
    code, out = run(
        "sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5", "--grid", "slow=30", "--walk-forward", "2000",
        "--train-ratio", "1", "--executor", "inline", "--results", str(tmp_path / "wf"),
    )  # fmt: skip
    assert code == 2 and "holds no data" in out and "use fewer folds" in out, out
    assert not (tmp_path / "wf" / "runs.parquet").exists()  # refused before any run
    # windows of about 25 bars: too few for a 30-bar slow average, so no fold trades
    code, out = run(
        "sweep", "ma-cross", *FILE_ARGS, "--grid", "fast=5", "--grid", "slow=30", "--walk-forward", "100",
        "--train-ratio", "1", "--start", "2005-01-01", "--executor", "inline", "--results", str(tmp_path / "wf2"),
    )  # fmt: skip
    assert code == 0, out
    assert "no fold has a feasible run: the train windows hold" in out, out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "bogus=1,2"], "is not a parameter of the strategy"),
        (["--grid", "fast=1,2", "--random", "3", "--optuna", "3"], "choose one search"),
        (["--grid", "fast=1,2", "--metric", "luck"], "must be one of"),
        (["--grid", "fast=1,2", "--constraint", "sharpe"], "must be METRIC OP VALUE"),
        (["--grid", "fast=1,2", "--executor", "cloud"], "must be local, ray or inline"),
        (["--grid", "fast=1,2", "--prune", "0.5"], "pruning is for --optuna"),
    ],
)
@needs_data
def test_errors_name_the_problem(args: list[str], message: str, tmp_path: Path) -> None:
    code, out = run("sweep", "ma-cross", *FILE_ARGS, "--results", str(tmp_path / "r"), *args)
    assert code == 2 and message in out, out


@needs_data
def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path: Path) -> None:
    results = tmp_path / "r"
    args = [
        sys.executable, "-m", "nautilus_platform.cli.main", "sweep", f"{SUPPORT}:Failing", *FILE_ARGS,
        "--grid", "fast=4:9", "--param", "slow=40", "--param", "sleep_s=1.5", "--workers", "2",
        "--results", str(results),
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    journal = results / "runs.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 1):
        time.sleep(0.05)
    # Each run sleeps 1.5 s, so about 3 s of runs remain after the first result: enough for a
    # test process starved by a loaded machine (0.4 s let the sweep finish first under load).
    assert process.poll() is None, "the sweep finished before Ctrl-C could be sent"
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 130, out
    assert "stopped by Ctrl-C" in out and "--resume" in out
    done = journal.read_text().count("\n")
    assert 1 <= done < 6
    assert (results / "runs.parquet").exists()  # the finished runs are in the tables too
    finished = subprocess.run([*args, "--resume"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"resumed: {done} finished runs" in finished.stdout
    assert journal.read_text().count("\n") == 6


@needs_data
def test_optuna_prunes_by_default(tmp_path: Path) -> None:
    args = [
        "sweep",
        "ma-cross",
        *FILE_ARGS,
        "--grid",
        "fast=2:30",
        "--grid",
        "slow=31:120",
        "--optuna",
        "12",
        "--batch",
        "4",
    ]
    code, out = run(*args, "--results", str(tmp_path / "a"))
    assert code == 0, out
    phases = pq.read_table(tmp_path / "a" / "runs.parquet").column("phase").to_pylist()
    assert phases.count("probe") == 12 and 0 < phases.count("search") <= 12
    code, out = run(*args, "--prune", "0", "--results", str(tmp_path / "b"))
    assert code == 0, out
    assert pq.read_table(tmp_path / "b" / "runs.parquet").column("phase").to_pylist() == ["search"] * 12
