"""Findings of a README audit of the command line: what the README and ``--help`` promise holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
QUOTES = ROOT.parent / "shared" / "data" / "nautilus-binance-btcusdt-quotes.parquet"
NVDA = ROOT.parent / "shared" / "data" / "backtrader-nvda-1999-2014.txt"
SUPPORT = Path(__file__).resolve().parent / "routing_cli_support.py"
RUNNER = CliRunner()
needs_data = pytest.mark.skipif(not QUOTES.exists(), reason=f"shared market data not found at {QUOTES.parent}")


def _commands(group: Any, path: str = "naut") -> list[tuple[str, Any]]:
    """Every leaf command under ``group`` (typer vendors its own click: duck-typed)."""
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, f"{path} {name}")
        else:
            found.append((f"{path} {name}", command))
    return found


def test_no_command_gives_one_option_name_to_two_options() -> None:
    # `naut sweep --help` listed `-c` for both --constraint and --column; the parser took it as
    # --column, so `naut sweep … -c 'max_drawdown<25%'` failed as a bad column mapping
    commands = _commands(typer.main.get_command(app))
    assert any(path == "naut sweep" for path, _ in commands)
    clashes = []
    for path, command in commands:
        seen: dict[str, str] = {}
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                if opt in seen and seen[opt] != param.name:
                    clashes.append(f"{path}: {opt} is both --{seen[opt]} and --{param.name}")
                seen[opt] = str(param.name)
    assert not clashes, clashes


def _two_venue_args(tmp_path: Path) -> list[str]:
    import pyarrow.parquet as pq

    rows = pq.read_table(QUOTES).slice(0, 60).to_pylist()
    files = []
    for name, shift in (("a", 0.0), ("b", 0.5)):
        path = tmp_path / f"venue_{name}.csv"
        lines = ["timestamp,bid,ask,bid_size,ask_size"]
        for r in rows:
            ts = r["timestamp"].isoformat().replace("+00:00", "Z")
            lines.append(f"{ts},{r['bid'] + shift:.2f},{r['ask'] + shift:.2f},5,5")
        path.write_text("\n".join(lines) + "\n")
        files += ["-d", str(path)]
    return [
        "backtest", f"{SUPPORT}:QuoteTrader", "-t", "quotes", *files, "-i", "BTCUSDT.VENA", "-i", "BTCUSDT.VENB",
        "--price-precision", "2", "--account", "margin", "--param", "instrument=BTCUSDT.VENA", "--param", "quantity=1",
    ]  # fmt: skip


@needs_data
@pytest.mark.parametrize(
    ("route", "option"),
    [
        (["--route", "preference", "--prefer", "VENX"], "prefer"),
        (["--route", "best-price", "--avoid", "VENX"], "avoid"),
    ],
)
def test_route_venues_outside_the_data_are_refused(tmp_path: Path, route: list[str], option: str) -> None:
    # a misspelt --prefer rejected every parent order (the run showed 0 orders and no message); a
    # misspelt --avoid routed to the venue the user meant to avoid
    result = RUNNER.invoke(app, [*_two_venue_args(tmp_path), *route])
    assert result.exit_code == 2, result.output
    assert f"invalid {option}=['VENX']" in result.output and "VENA" in result.output and "VENB" in result.output
    assert "Backtest summary" not in result.output


@needs_data
def test_route_venues_of_the_data_are_taken(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, [*_two_venue_args(tmp_path), "--route", "preference", "--prefer", "VENB"])
    assert result.exit_code == 0, result.output
    assert "Execution quality by venue" in result.output and "VENB" in result.output


@pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")
def test_a_misspelt_heatmap_parameter_is_refused_before_any_run(tmp_path: Path) -> None:
    # it was found only once every run had finished: exit 2 without the ranking or the best report,
    # and the folder then held a sweep that only --resume could finish
    results = tmp_path / "sweep"
    result = RUNNER.invoke(
        app,
        [
            "sweep", "ma-cross", "-d", str(NVDA), "-l", "yahoo", "-i", "NVDA.XNAS", "--price-precision", "6",
            "--bar", "1-DAY-LAST", "--grid", "fast=5,10", "--grid", "slow=40", "--heatmap", "fast,slwo",
            "--executor", "inline", "--results", str(results),
        ],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "invalid heatmap='slwo'" in result.output and "'slow'" in result.output
    assert not (results / "runs.jsonl").exists()


NVDA_ARGS = ["-l", "yahoo", "-i", "NVDA.XNAS", "--price-precision", "6", "--bar", "1-DAY-LAST", "--end", "2001-01-01"]


@pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")
def test_a_sweep_whose_runs_all_fail_reports_them_instead_of_a_heatmap_error(tmp_path: Path) -> None:
    # Before: the automatic heatmap of a two-parameter grid raised "invalid heatmap='fast': is not
    # a parameter of these runs" (exit 2) and the failed runs were never reported.
    args = ["sweep", "ma-cross", "-d", str(NVDA), *NVDA_ARGS, "--grid", "fast=20,30", "--grid", "slow=20"]
    result = RUNNER.invoke(app, [*args, "--executor", "inline", "--results", str(tmp_path / "sweep")])
    out = " ".join(result.output.split())
    assert result.exit_code == 0, out
    assert "2 runs failed" in out and "no heatmap: no run succeeded" in out
    assert (tmp_path / "sweep" / "runs.csv").exists() and not (tmp_path / "sweep" / "heatmap.html").exists()


@pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")
def test_sweep_results_that_cannot_be_created_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: an OSError from creating --results (the pre-check cannot foresee every one) was a traceback, exit 1.
    from nautilus_platform.cli import backtest as backtest_cli

    monkeypatch.setattr(backtest_cli, "check_folder", lambda field, folder: None)  # as if the pre-check passed
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    args = ["sweep", "ma-cross", "-d", str(NVDA), *NVDA_ARGS, "--grid", "fast=5", "--grid", "slow=20"]
    result = RUNNER.invoke(app, [*args, "--executor", "inline", "--results", str(blocker / "sub")])
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "invalid results=" in out and "could not be written" in out
