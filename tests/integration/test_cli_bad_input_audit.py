"""``naut backtest``, ``naut sweep`` and ``naut data``: bad input found by an audit of the command
line exits 2 with a message naming the option, the value and the rule (each test failed before)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

RUNNER = CliRunner()
BARS = "".join(
    ["Date,Open,High,Low,Close,Volume\n"]
    + [f"2024-01-{day:02d},10.00,10.50,9.90,10.{day:02d},100\n" for day in range(2, 30)]
)
LOAD = ["-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST"]


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # Rich wraps long lines


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    path = tmp_path / "bars.csv"
    path.write_text(BARS)
    return path


def backtest(bars: Path, *extra: str) -> tuple[int, str]:
    return run("backtest", "ma-cross", "-d", str(bars), *LOAD, "--param", "fast=2", "--param", "slow=3", *extra)


def test_a_reversed_time_range_names_both_dates(bars: Path, tmp_path: Path) -> None:
    # Before: "invalid end=1704067200000000000: must be after start 1706745600000000000" (nanoseconds).
    code, out = backtest(bars, "--start", "2024-02-01", "--end", "2024-01-01")
    assert code == 2 and "invalid end='2024-01-01': must be after --start 2024-02-01" in out, out
    catalog = str(tmp_path / "cat")
    assert run("data", "import", str(bars), *LOAD, "--catalog", catalog)[0] == 0
    code, out = run(
        "data", "show", "bars-1-DAY-LAST", "AAPL.XNAS", "--catalog", catalog, "--start", "2024-02", "--end", "2024-01"
    )
    assert code == 2 and "invalid end='2024-01': must be after --start 2024-02" in out, out


def test_a_file_without_rows_in_the_time_range_is_refused(bars: Path) -> None:
    # Before: an empty run, a summary of nan statistics and exit code 0.
    code, out = backtest(bars, "--start", "2025-01-01")
    assert code == 2, out
    assert "has no rows in the time range --start 2025-01-01; its rows run from 2024-01-03" in out, out


def test_sweep_results_that_are_a_file_exit_2(bars: Path, tmp_path: Path) -> None:
    # Before: FileExistsError / FileNotFoundError traceback, exit code 1.
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me")
    for results, rule in ((taken, "is a file: --results takes a folder"), (taken / "sub", "is a file, not a folder")):
        code, out = run(
            "sweep", "ma-cross", "-d", str(bars), *LOAD, "--grid", "fast=2", "--param", "slow=3",
            "--executor", "inline", "--results", str(results),
        )  # fmt: skip
        assert code == 2 and f"invalid results='{results}'" in out and rule in out, out
    assert taken.read_text() == "keep me"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # Before: "invalid param='taker_bps'" (the wrong option named).
        (["--fees", "taker_bps"], "invalid fees='taker_bps': each setting must be KEY=VALUE"),
        (["--venue", "XNAS:book"], "invalid venue XNAS='book': each setting must be KEY=VALUE"),
        # Before: "invalid money[USD]=Decimal('0.001')".
        (["--cash", "0.001 USD"], "invalid cash='0.001 USD': has more than 2 decimal places"),
        # Before: "invalid price='abc'" and "invalid quantity='-1'".
        (["--tick", "abc"], "invalid tick='abc': is not a decimal number"),
        (["--lot", "-1"], "invalid lot='-1': must not be negative"),
    ],
)
def test_a_bad_option_value_names_the_option(bars: Path, extra: list[str], message: str) -> None:
    code, out = backtest(bars, *extra)
    assert code == 2 and message in out, out


def test_data_check_names_tick_and_lot(bars: Path) -> None:
    code, out = run("data", "check", str(bars), *LOAD, "--tick", "0.x")
    assert code == 2 and "invalid tick='0.x'" in out, out


def test_the_same_file_twice_for_one_instrument_is_refused(bars: Path) -> None:
    # Before: every bar fed twice, a different result and exit code 0.
    code, out = run(
        "backtest", "ma-cross", "-d", str(bars), "-d", str(bars), *LOAD, "--param", "fast=2", "--param", "slow=3"
    )
    assert code == 2 and "is given twice for AAPL.XNAS: every row would be traded twice" in out, out
    # the same file as two listings of a symbol is still a valid run
    code, out = run(
        "backtest", "ma-cross", "-d", str(bars), "-d", str(bars), "-l", "yahoo", "-i", "AAPL.XNAS", "-i", "AAPL.BATS",
        "--bar", "1-DAY-LAST", "--param", "fast=2", "--param", "slow=3",
    )  # fmt: skip
    assert code == 0 and "Backtest summary" in out, out


@pytest.mark.parametrize(
    ("bar_type", "message"),
    [
        ("garbage", "invalid bar_type='garbage': must be INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE"),
        ("MSFT.XNAS-1-DAY-LAST", "its instrument is not in the data; the data's instruments are ['AAPL.XNAS']"),
    ],
)
def test_a_bar_type_param_outside_the_data_is_refused(bars: Path, bar_type: str, message: str) -> None:
    # Before: the strategy stopped in on_start, an empty summary and exit code 0.
    code, out = backtest(bars, "--param", f"bar_type={bar_type}")
    assert code == 2 and message in out, out
    assert backtest(bars, "--param", "bar_type=AAPL.XNAS-1-DAY-LAST")[0] == 0


def test_a_setting_or_parameter_given_twice_is_refused(bars: Path) -> None:
    # Before: the last value silently won (fast=2 then fast=5 ran with 5).
    code, out = backtest(bars, "--param", "fast=1")
    assert code == 2 and "invalid param='fast=1': sets fast a second time: give each name once" in out, out
    code, out = backtest(bars, "--fees", "taker_bps=5,taker_bps=6")
    assert code == 2 and "invalid fees='taker_bps=6': sets taker_bps a second time" in out, out


def test_listing_a_catalog_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    # Before: "no datasets in …" and exit code 0, as for an empty catalog.
    missing = tmp_path / "typo"
    code, out = run("data", "list", "--catalog", str(missing))
    assert code == 2 and "does not exist (`naut data import` creates it)" in out, out
    missing.mkdir()
    assert run("data", "list", "--catalog", str(missing)) == (0, f"no datasets in {missing}")
