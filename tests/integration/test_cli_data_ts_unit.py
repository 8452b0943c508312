"""``naut data --ts-unit``: epoch times from the command line, and a hint naming the unit that fits."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nautilus_platform.cli.main import app

RUNNER = CliRunner()
NEW_YEAR_2025_S = 1_735_689_600


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


def bars(tmp_path: Path, factor: int) -> Path:
    path = tmp_path / "bars.csv"
    rows = "".join(f"{(NEW_YEAR_2025_S + 60 * i) * factor},10,11,9,10,1\n" for i in range(3))
    path.write_text("timestamp,open,high,low,close,volume\n" + rows)
    return path


def check(path: Path, *extra: str) -> tuple[int, str]:
    return run("data", "check", str(path), "-t", "bars", "-i", "X.XNAS", "--bar", "1-MINUTE-LAST", *extra)


def test_ts_unit_reads_an_epoch_column_of_a_generic_layout(tmp_path: Path) -> None:
    path = bars(tmp_path, 1000)
    code, out = check(path, "--ts-unit", "ms", "--json")
    assert code == 0 and (json.loads(out)["accepted"], json.loads(out)["rejected"]) == (3, 0)
    code, out = check(path, "--ts-unit", "auto", "--json")
    assert code == 0 and json.loads(out)["accepted"] == 3


def test_the_wrong_unit_gets_a_hint_naming_the_one_that_fits(tmp_path: Path) -> None:
    code, out = check(bars(tmp_path, 1_000_000), "--ts-unit", "ms")
    assert code == 0 and "epoch_unit" in out
    assert "hint: the epoch times look like microseconds; --ts-unit us" in " ".join(out.split())
    code, out = check(bars(tmp_path, 1_000_000), "--ts-unit", "ms", "--json")
    assert (json.loads(out)["rejected"], json.loads(out)["fitting_ts_unit"]) == (3, "us")


def test_an_unknown_unit_is_an_error_naming_it(tmp_path: Path) -> None:
    code, out = check(bars(tmp_path, 1000), "--ts-unit", "minutes")
    assert code == 2 and "ts_unit" in out and "minutes" in out


def test_import_takes_the_unit_too(tmp_path: Path) -> None:
    path = bars(tmp_path, 1)
    catalog = str(tmp_path / "cat")
    code, out = run(
        "data", "import", str(path), "-t", "bars", "-i", "X.XNAS", "--bar", "1-MINUTE-LAST", "--ts-unit", "s",
        "--catalog", catalog,
    )  # fmt: skip
    assert code == 0 and "3 rows added" in out


def test_backtest_and_sweep_take_the_unit_and_say_which_fits(tmp_path: Path) -> None:
    micros = bars(tmp_path, 1_000_000)
    common = ("--data", str(micros), "-t", "bars", "-i", "X.XNAS", "--bar", "1-MINUTE-LAST")
    code, out = run("backtest", "ma-cross", *common, "--ts-unit", "ms")
    flat = " ".join(out.split())
    assert code == 2 and "holds no rows to trade on" in flat and "--ts-unit us reads them so" in flat
    code, out = run("backtest", "ma-cross", *common, "--ts-unit", "us")
    assert code == 0 and "3 rows, 3 accepted" in " ".join(out.split())
    code, out = run("sweep", "ma-cross", *common, "--ts-unit", "ms", "--grid", "fast=2:3:1")
    assert code == 2 and "--ts-unit us reads them so" in " ".join(out.split())
