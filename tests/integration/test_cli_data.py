"""``naut data``: check, import (twice), list and show, and clear errors with exit code 2."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nautilus_platform.cli.main import app

RUNNER = CliRunner()
BARS = (
    "Date,Open,High,Low,Close,Volume\n2024-01-02,10.00,10.50,9.90,10.20,100\n2024-01-03,10.20,10.30,10.10,10.255,50\n"
)


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


def test_check_prints_the_report_and_json(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(BARS)
    code, out = run("data", "check", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST")
    assert code == 0
    assert "off_increment" in out and "10.255" in out
    code, out = run("data", "check", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST", "--json")
    report = json.loads(out)
    assert (report["rows"], report["accepted"], report["rejected"]) == (2, 1, 1)
    code, out = run(
        "data",
        "check",
        str(path),
        "-l",
        "yahoo",
        "-i",
        "AAPL.XNAS",
        "--bar",
        "1-DAY-LAST",
        "--json",
        "-p",
        "off_increment=repair",
    )
    assert json.loads(out)["repaired"] == 1


def test_import_twice_then_list_and_show(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(BARS)
    catalog = str(tmp_path / "cat")
    args = ("data", "import", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST", "--catalog", catalog)
    code, out = run(*args)
    assert code == 0 and "1 rows added, 0 already stored" in out
    code, out = run(*args)
    assert code == 0 and "0 rows added, 1 already stored" in out
    code, out = run("data", "list", "--catalog", catalog)
    assert code == 0 and "bars-1-DAY-LAST" in out and "AAPL.XNAS" in out
    code, out = run("data", "show", "bars-1-DAY-LAST", "AAPL.XNAS", "--catalog", catalog, "--start", "2024-01-01")
    assert code == 0 and "10.20" in out and "1 rows in range" in out


def test_errors_name_the_problem_and_exit_2(tmp_path: Path) -> None:
    code, out = run(
        "data", "check", str(tmp_path / "missing.csv"), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST"
    )
    assert code == 2 and "is not a file" in out
    path = tmp_path / "bars.csv"
    path.write_text(BARS)
    code, out = run("data", "check", str(path), "-l", "nope", "-i", "AAPL.XNAS")
    assert code == 2 and "not a known layout" in out
    code, out = run(
        "data", "check", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST", "-p", "gap=repair"
    )
    assert code == 2 and "policy.gap" in out
    code, out = run(
        "data", "check", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST", "-c", "close=Adj"
    )
    assert code == 2 and "are not in bars.csv" in out
    code, out = run("data", "show", "quotes", "AAPL.XNAS", "--catalog", str(tmp_path / "cat"))
    assert code == 2 and "no dataset quotes AAPL.XNAS" in out


def test_the_readme_data_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root.parent / "shared" / "data").exists():
        pytest.skip(f"shared market data not found at {root.parent / 'shared' / 'data'}")
    readme = (root / "README.md").read_text()
    section = readme[readme.index("## Market data") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.startswith("naut data")]
    assert len(lines) == 5
    monkeypatch.chdir(root)
    monkeypatch.setenv("NAUT_DATA__CATALOG", str(tmp_path / "cat"))
    for line in lines:
        code, out = run(*shlex.split(line)[1:])
        assert code == 0, f"{line}\n{out}"
    assert "quotes BTCUSDT.BINANCE" in out and "rows in range" in out  # the last command: show


def test_type_picks_the_generic_layout_and_must_agree_with_a_layout(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("timestamp,bid,ask,bid_size,ask_size\n2024-01-02T00:00:00Z,1.00,1.01,5,5\n")
    code, out = run("data", "check", str(path), "--type", "quotes", "-i", "X.Y", "--json")
    assert code == 0 and json.loads(out)["accepted"] == 1
    code, out = run("data", "check", str(path), "--type", "bars", "-l", "quotes", "-i", "X.Y")
    assert code == 2 and "does not match layout 'quotes'" in out
    code, out = run("data", "check", str(path), "-i", "X.Y")
    assert code == 2 and "give --layout or --type" in out


def test_a_file_given_as_catalog_exits_2_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(BARS)
    not_a_folder = tmp_path / "catalog.txt"
    not_a_folder.write_text("")
    args = ("data", "import", str(path), "-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST")
    for catalog in (not_a_folder, not_a_folder / "below"):
        code, out = run(*args, "--catalog", str(catalog))
        assert code == 2 and "invalid catalog=" in out  # not a NotADirectoryError traceback (exit code 1)
    code, out = run("data", "list", "--catalog", str(not_a_folder))
    assert code == 2 and "must be a folder" in out


def test_import_refuses_a_different_bar_for_a_stored_day_unless_told_to_replace(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,10.00,10.50,9.90,10.20,100\n")
    second.write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,10.00,10.50,9.90,10.30,100\n")
    catalog = str(tmp_path / "cat")
    common = ("-l", "yahoo", "-i", "AAPL.XNAS", "--bar", "1-DAY-LAST", "--catalog", catalog)
    assert run("data", "import", str(first), *common)[0] == 0
    code, out = run("data", "import", str(second), *common)
    flat = " ".join(out.split())
    assert code == 2 and "close=10.20" in flat and "close=10.30" in flat and "--on-conflict replace" in flat
    code, out = run("data", "show", "bars-1-DAY-LAST", "AAPL.XNAS", "--catalog", catalog)
    assert code == 0 and "10.20" in out and "10.30" not in out
    code, out = run("data", "import", str(second), *common, "--on-conflict", "replace")
    assert code == 0 and "1 rows added, 0 already stored, 1 stored rows replaced" in out
    code, out = run("data", "show", "bars-1-DAY-LAST", "AAPL.XNAS", "--catalog", catalog)
    assert code == 0 and "10.30" in out and "1 rows in range" in out
    code, out = run("data", "import", str(second), *common, "--on-conflict", "overwrite")
    assert code == 2 and "on_conflict" in out
