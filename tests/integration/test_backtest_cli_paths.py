"""``naut backtest``: wrong output/report paths exit 2 before the run; a short profitable run prints
its summary (annualised return inf) instead of a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NVDA = DATA / "backtrader-nvda-1999-2014.txt"
ADABTC = DATA / "nautilus-ADABTC-1m-2021-11-27.csv"
NVDA_ARGS = ["-l", "yahoo", "-i", "NVDA.XNAS", "--price-precision", "6", "--bar", "1-DAY-LAST", "--end", "1999-03-01"]
RUNNER = CliRunner()

BUY_AND_HOLD = """
from decimal import Decimal
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.values import Quantity
from nautilus_platform.strategy import Param, Strategy


class BuyHold(Strategy):
    bar_type = Param(str, "")
    size = Param(Decimal, Decimal(1))

    def on_start(self):
        self.done = False
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar):
        if not self.done:
            self.done = True
            self.submit(self.orders.market(bar.instrument_id, OrderSide.BUY, Quantity.of(self.size, 1)))
"""


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


def nvda(*extra: str) -> tuple[int, str]:
    return run("backtest", "ma-cross", "-d", str(NVDA), *NVDA_ARGS, *extra)


needs_nvda = pytest.mark.skipif(not NVDA.exists(), reason=f"shared market data not found at {NVDA.parent}")


@needs_nvda
def test_an_output_that_is_a_file_exits_2_before_the_run(tmp_path: Path) -> None:
    # Before the fix: the whole run, then FileExistsError from export, exit code 1.
    existing = tmp_path / "taken.txt"
    existing.write_text("keep me")
    code, out = nvda("--output", str(existing))
    assert code == 2, out
    assert str(existing) in out and "is a file" in out
    assert "Backtest summary" not in out  # refused before the run
    assert existing.read_text() == "keep me"
    code, out = nvda("--output", str(existing / "below"))  # a folder under a file cannot be created
    assert code == 2 and "is a file, not a folder" in out, out


@needs_nvda
def test_a_report_in_a_missing_folder_exits_2_before_the_run(tmp_path: Path) -> None:
    # Before the fix: FileNotFoundError after the whole run, exit code 1.
    target = tmp_path / "no_such_folder" / "r.html"
    code, out = nvda("--report", str(target))
    assert code == 2, out
    assert "r.html" in out and "does not exist" in out
    assert "Backtest summary" not in out
    code, out = nvda("--report", str(tmp_path))  # a folder, not a file
    assert code == 2 and "takes a file path" in out, out


@needs_nvda
def test_a_missing_output_folder_is_created_and_a_write_error_exits_2(tmp_path: Path) -> None:
    code, out = nvda("--output", str(tmp_path / "a" / "b"))
    assert code == 0, out
    assert (tmp_path / "a" / "b" / "summary.json").is_file()
    # an error at write time (here summary.json is a folder) is named, exit code 2, no traceback
    blocked = tmp_path / "blocked"
    (blocked / "summary.json").mkdir(parents=True)
    code, out = nvda("--output", str(blocked))
    assert code == 2, out
    assert "could not be written" in out and str(blocked) in out
    assert "Backtest summary" in out  # the run itself was done and shown


@pytest.mark.skipif(not ADABTC.exists(), reason=f"shared market data not found at {ADABTC.parent}")
def test_a_short_profitable_run_prints_its_summary(tmp_path: Path) -> None:
    # Two ADABTC minute bars, bought on the first: +0.175% in one minute annualises beyond a float.
    # Before the fix: OverflowError in the statistics, a traceback and exit code 1.
    strategy = tmp_path / "buy_hold.py"
    strategy.write_text(BUY_AND_HOLD)
    code, out = run(
        "backtest", f"{strategy}:BuyHold", "-d", str(ADABTC), "-l", "binance-klines", "-i", "ADABTC.BINANCE",
        "--price-precision", "8", "--size-precision", "1", "--bar", "1-MINUTE-LAST", "--currency", "BTC",
        "--cash", "1 BTC", "--param", "size=35000", "--end", "2021-11-27T00:03:00", "--output", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, out
    assert re.search(r"annualised return +│ +inf │", out), out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["statistics"]["annualised_return"] is None  # strict JSON: inf is written as null
    assert summary["statistics"]["total_return"] > 0
