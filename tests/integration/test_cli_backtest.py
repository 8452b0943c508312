"""``naut backtest`` and ``naut demo``: summary, report, export, catalog data; clear errors (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
NVDA = ROOT.parent / "shared" / "data" / "backtrader-nvda-1999-2014.txt"
SUPPORT = Path(__file__).resolve().parent / "routing_cli_support.py"
RUNNER = CliRunner()
FILE_ARGS = ["-l", "yahoo", "-i", "NVDA.XNAS", "--price-precision", "6", "--bar", "1-DAY-LAST"]
needs_data = pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


@needs_data
def test_backtest_a_file_with_params_report_and_export(tmp_path: Path) -> None:
    code, out = run(
        "backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS, "--param", "fast=5", "--param", "slow=20",
        "--report", str(tmp_path / "r.html"), "--output", str(tmp_path / "out"), "--fees", "taker_bps=5",
    )  # fmt: skip
    assert code == 0, out
    assert "Backtest summary" in out and "sharpe" in out and "round trips" in out
    assert "4012 rows, 3870 accepted, 142 flagged, 0 repaired, 0 rejected" in out
    # amounts in the base currency, to its precision: not "1e+06"
    assert re.search(r"start equity \(USD\) +│ +1,000,000\.00 │", out), out
    assert re.search(r"fees paid \(USD\) +│ +[0-9,]+\.[0-9]{2} │", out), out
    assert (tmp_path / "r.html").stat().st_size > 10_000
    assert (tmp_path / "out" / "fills.parquet").exists() and (tmp_path / "out" / "summary.json").exists()


@needs_data
def test_a_run_without_fills_shows_its_amounts_in_the_base_currency() -> None:
    code, out = run("backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS, "--end", "1999-02-01", "--cash", "5000 EUR")
    assert code == 0 and re.search(r"fills +│ +0 │", out), out
    assert re.search(r"end equity \(EUR\) +│ +5,000\.00 │", out), out


@needs_data
def test_backtest_catalog_data(tmp_path: Path) -> None:
    catalog = str(tmp_path / "cat")
    code, out = run("data", "import", str(NVDA), *FILE_ARGS, "--catalog", catalog)
    assert code == 0, out
    code, out = run(
        "backtest", "ma-cross", "-d", "catalog:bars-1-DAY-LAST/NVDA.XNAS", "--catalog", catalog, "--start", "2005-01-01"
    )
    assert code == 0, out
    assert "items processed" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["backtest", "ma-cross", "-d", "missing.csv", "-l", "yahoo", "-i", "X.Y", "--bar", "1-DAY-LAST"],
            "no such file",
        ),
        (["backtest", "nope", "-d", "x.csv"], "must be MODULE:CLASS"),
        (["backtest", "ma-cross", "-d", "x.csv"], "invalid data=['x.csv']: no such file"),
        (["backtest", "ma-cross", "-d", "catalog:bad"], "must be catalog:DATA_TYPE/INSTRUMENT"),
    ],
)
def test_errors_name_the_problem(args: list[str], message: str, tmp_path: Path) -> None:
    code, out = run(*args)
    assert code == 2 and message in out, out


def test_bar_data_needs_its_bar_option(tmp_path: Path) -> None:
    data = tmp_path / "bars.csv"
    data.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n")
    for command in (["backtest", "ma-cross", "-d", str(data)], ["data", "import", str(data)]):
        code, out = run(*command, "-l", "yahoo", "-i", "X.Y")
        out = " ".join(out.split())  # the console wraps long lines
        assert code == 2 and "invalid bar=None: give --bar with bar data" in out, out


@needs_data
def test_prices_finer_than_the_precision_get_a_hint_naming_the_option() -> None:
    args = ["-l", "yahoo", "-i", "NVDA.XNAS", "--bar", "1-DAY-LAST"]  # no --price-precision: 2 decimals
    code, out = run("backtest", "ma-cross", "-d", str(NVDA), *args)
    out = " ".join(out.split())  # the console wraps long lines
    assert code == 0 and "2786 rejected" in out, out
    assert "hint: the file carries prices up to 6 decimals; --price-precision 6 loads its rows exactly" in out, out
    code, out = run("data", "check", str(NVDA), *args)
    out = " ".join(out.split())
    assert "prices carry up to 6 decimals, more than the price precision 2 allows: 2786 rows rejected" in out, out
    assert "--policy off_increment=repair rounds them to the increment instead" in out, out
    code, out = run("backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS)
    assert code == 0 and "hint:" not in out, out


def test_a_file_needs_its_layout_and_instrument(tmp_path: Path) -> None:
    data = tmp_path / "bars.csv"
    data.write_text("Date,Open,High,Low,Close,Volume\n")
    code, out = run("backtest", "ma-cross", "-d", str(data))
    out = " ".join(out.split())  # the console wraps long lines
    assert code == 2 and "needs --layout (or --type) and --instrument" in out, out


@needs_data
def test_every_missing_file_is_named_before_any_is_loaded(tmp_path: Path) -> None:
    gone = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    code, out = run("backtest", "ma-cross", "-d", str(NVDA), "-d", gone[0], "-d", gone[1], *FILE_ARGS)
    out = "".join(out.split())  # the console wraps long lines (paths included)
    assert code == 2 and "nosuchfile" in out and "/a.csv" in out and "/b.csv" in out, out
    assert "rows" not in out  # the report of a loaded file would say how many rows it read


@needs_data
@pytest.mark.parametrize(
    ("param", "message"),
    [("speed=3", "unknown for MovingAverageCross"), ("fast=x", "whole number"), ("fast=40", "less than slow")],
)
def test_bad_parameters_are_refused(param: str, message: str) -> None:
    code, out = run("backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS, "--param", param)
    assert code == 2 and message in out, out


def test_demo_backtests_synthetic_bars_and_writes_the_report(tmp_path: Path) -> None:
    code, out = run("demo", "--bars", "2000", "--report", str(tmp_path / "demo.html"))
    assert code == 0, out
    assert "SYNTHETIC" in out and "Backtest summary" in out
    assert "SYNTHETIC" in (tmp_path / "demo.html").read_text()


@needs_data
def test_venue_settings(tmp_path: Path) -> None:
    code, out = run(
        "backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS, "--venue", "XNAS:account=margin,latency_ms=1,trigger=LAST",
        "--output", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, out
    assert (tmp_path / "out" / "fills.csv").read_text().count("\n") > 10
    for venue, message in [
        ("XNAS:speed=3", "unknown settings ['speed']"),
        ("NYSE:book=L1", "no data trades there"),
        ("XNAS:book=L3", "must be L1 or L2"),
        ("XNAS:latency_ms=-1", "must not be negative"),
    ]:
        code, out = run("backtest", "ma-cross", "-d", str(NVDA), *FILE_ARGS, "--venue", venue)
        assert code == 2 and message in out, out


def _quotes(path: Path, bid: str, ask: str, size: str, n: int = 40) -> Path:
    rows = [f"2024-01-02T00:00:{i:02d}Z,{bid},{ask},{size},{size}" for i in range(n)]
    path.write_text("timestamp,bid,ask,bid_size,ask_size\n" + "\n".join(rows) + "\n")
    return path


def test_route_sends_a_single_venue_strategy_through_the_smart_order_router(tmp_path: Path) -> None:
    a = _quotes(tmp_path / "a.csv", "100.00", "100.10", "2")
    b = _quotes(tmp_path / "b.csv", "99.98", "100.05", "1")
    common = [
        "backtest", f"{SUPPORT}:QuoteTrader", "-d", str(a), "-d", str(b), "-t", "quotes", "-i", "BTCUSDT.VENA",
        "-i", "BTCUSDT.VENB", "--price-precision", "2", "--size-precision", "3", "--account", "margin",
        "--param", "instrument=BTCUSDT.VENA", "--param", "every=5",
    ]  # fmt: skip
    code, out = run(
        *common, "--route", "best-price", "--output", str(tmp_path / "out"), "--report", str(tmp_path / "r.html")
    )
    assert code == 0, out
    assert "Execution quality by venue (8 routing decisions)" in out
    assert "BTCUSDT.VENA" in out or "VENA" in out
    fills = pq.read_table(tmp_path / "out" / "fills.parquet").to_pydict()
    first_buy = [
        (str(i), str(p), str(q))
        for i, p, q in zip(fills["instrument_id"], fills["price"], fills["quantity"], strict=True)
    ][:2]
    assert sorted(first_buy) == [("BTCUSDT.VENA", "100.10", "2.000"), ("BTCUSDT.VENB", "100.05", "1.000")]
    assert "Execution quality by venue" in (tmp_path / "r.html").read_text()
    code, out = run(*common)  # without --route: everything at the strategy's own venue
    assert code == 0 and "Execution quality" not in out
    code, out = run(*common, "--avoid", "VENB")
    assert code == 2 and "--prefer and --avoid need --route" in out
    code, out = run(*common, "--route", "cheapest")
    assert code == 2 and "must be one of" in out
    code, out = run(*common[:-6], "-i", "X.VENC", *common[-6:])
    assert code == 2 and "one --instrument for all files or one per file" in out
