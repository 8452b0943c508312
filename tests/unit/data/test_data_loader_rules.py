"""Loader rules: bar closes in calendar time, duplicates by value, per-row counts, one exact rounding."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from data_support import equity, write

from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import BarSpecification

DAY = BarSpecification.from_str("1-DAY-LAST")
MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
S = 1_000_000_000
BACKTRADER = "Date,Open,High,Low,Close,Volume,OpenInterest\n"
OHLCV = "timestamp,open,high,low,close,volume\n"


def policy(**overrides: Policy) -> ValidationPolicy:
    return ValidationPolicy.defaults(DataKind.BARS).with_policies({Check(k): v for k, v in overrides.items()})


def local(ns: int, tz: str) -> str:
    return datetime.fromtimestamp(ns / S, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def daily(tmp_path: Path, dates: list[str], tz: str, **overrides: Policy) -> LoadedData:
    text = BACKTRADER + "".join(f"{d},10,11,9,10,1,0\n" for d in dates)
    path = write(tmp_path, "daily.csv", text)
    return load_market_data(path, layout_named("backtrader"), equity(), bar_spec=DAY, tz=tz, policy=policy(**overrides))


def test_daily_bars_close_at_the_next_local_midnight_across_dst(tmp_path: Path) -> None:
    tz = "America/New_York"
    data = daily(tmp_path, ["2014-03-08", "2014-03-09", "2014-03-10", "2014-11-02"], tz, gap=Policy.IGNORE)
    closes = [local(int(ts), tz) for ts in data.columns["ts"]]
    assert closes == ["2014-03-09 00:00", "2014-03-10 00:00", "2014-03-11 00:00", "2014-11-03 00:00"]


def test_a_short_dst_day_is_not_a_gap(tmp_path: Path) -> None:
    tz = "Asia/Jerusalem"  # DST began on Friday 2014-03-28 at 02:00: Friday lasted 23 hours
    data = daily(tmp_path, ["2014-03-27", "2014-03-28", "2014-03-31"], tz)
    assert [local(int(ts), tz) for ts in data.columns["ts"]][1] == "2014-03-29 00:00"
    assert (data.report.gaps, data.report.flagged) == (0, 0)


@pytest.mark.parametrize(("tz", "kept"), [("UTC", 1), ("America/New_York", 1), ("Asia/Tokyo", 2)])
def test_a_bar_closing_after_2262_is_rejected_not_wrapped(tmp_path: Path, tz: str, kept: int) -> None:
    data = daily(tmp_path, ["2262-04-10", "2262-04-11"], tz, gap=Policy.IGNORE)
    assert len(data) == kept and all(int(ts) > 0 for ts in data.columns["ts"])
    if kept == 1:  # 2262-04-11 closes on the 12th, in UTC and New York; in Tokyo at 2262-04-11T15:00Z
        (issue,) = data.report.issues
        assert (issue.row, issue.check, issue.field, issue.value) == (2, Check.UNPARSEABLE, "ts", "2262-04-11")
        assert "out of range" in issue.rule and "2262-04-11T23:47:16.854775807Z" in issue.rule


def test_a_kline_whose_close_overflows_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "k.csv", "9223372036854,1,1,1,1,1,0,0,0,0,0,0\n1637971200000,1,1,1,1,1,0,0,0,0,0,0\n")
    data = load_market_data(path, layout_named("binance-klines"), equity(), bar_spec=MINUTE)
    assert data.columns["ts"].tolist() == [1_637_971_260 * S]
    assert data.report.count(Check.UNPARSEABLE, "rejected") == 1 and data.report.issues[0].value == "9223372036854"


def bars(tmp_path: Path, dates: list[str], highs: list[str] | None = None, **overrides: Policy) -> LoadedData:
    highs = highs or ["11"] * len(dates)
    text = OHLCV + "".join(f"{d},10,{h},9,10,{i + 1}\n" for i, (d, h) in enumerate(zip(dates, highs, strict=True)))
    path = write(tmp_path, "bars.csv", text)
    return load_market_data(path, layout_named("ohlcv"), equity(), bar_spec=DAY, policy=policy(**overrides))


def test_duplicates_are_found_by_value_when_back_steps_are_flagged(tmp_path: Path) -> None:
    data = bars(tmp_path, ["2021-01-04", "2021-01-06", "2021-01-05", "2021-01-06"], non_monotonic=Policy.FLAG)
    assert data.report.count(Check.NON_MONOTONIC, "flagged") == 1
    assert data.report.count(Check.DUPLICATE_TIMESTAMP, "rejected") == 1
    # the second 01-06 bar (row 4) is rejected; the flagged 01-05 bar (row 3) is kept at its place in time
    assert data.columns["volume"].tolist() == [S, 3 * S, 2 * S]


def test_a_duplicate_flagged_by_another_check_is_still_a_duplicate(tmp_path: Path) -> None:
    dates, highs = ["2021-01-04", "2021-01-04", "2021-01-05"], ["11", "9.5", "11"]  # row 2: high below open
    for overrides in (
        {},
        {"ohlc_inconsistent": Policy.FLAG},
        {"ohlc_inconsistent": Policy.FLAG, "non_monotonic": Policy.FLAG},
    ):
        data = bars(tmp_path, dates, highs, **overrides)
        assert len(data) == 2, overrides
        assert data.report.rejected == 1 and data.report.rows == data.report.loaded + 1
    assert data.report.count(Check.DUPLICATE_TIMESTAMP, "rejected") == 1


def test_duplicates_after_a_repair_sort_keep_the_first_in_file_order(tmp_path: Path) -> None:
    data = bars(tmp_path, ["2021-01-05", "2021-01-04", "2021-01-05"], non_monotonic=Policy.REPAIR)
    assert data.columns["volume"].tolist() == [2 * S, S]
    assert data.report.count(Check.DUPLICATE_TIMESTAMP, "rejected") == 1


def test_per_check_counts_are_rows_not_fields(tmp_path: Path) -> None:
    text = OHLCV + "2021-01-04,10.001,11.001,9,10.001,1\n2021-01-05,10,11,9,10.005,1\n2021-01-06,10,11,9,10,1\n"
    path = write(tmp_path, "bars.csv", text)
    for outcome, overrides in (("repaired", {"off_increment": Policy.REPAIR}), ("rejected", {})):
        report = load_market_data(
            path, layout_named("ohlcv"), equity(), bar_spec=DAY, policy=policy(**overrides)
        ).report
        assert report.count(Check.OFF_INCREMENT, outcome) == 2 == getattr(report, outcome)
    negative = OHLCV + "2021-01-04,-1,11,-2,-1,1\n2021-01-05,10,11,9,10,1\n"
    path = write(tmp_path, "neg.csv", negative)
    flagged = policy(non_positive_price=Policy.FLAG, ohlc_inconsistent=Policy.FLAG)
    report = load_market_data(path, layout_named("ohlcv"), equity(), bar_spec=DAY, policy=flagged).report
    assert report.count(Check.NON_POSITIVE_PRICE, "flagged") == 1 == report.flagged


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("1.0050000000000000000000000000001", 1_010_000_000),  # just above half a tick: up, once
        ("1.0049999999999999999999999999999", 1_000_000_000),  # just below: down
        ("1.0150000000000", 1_020_000_000),  # exactly half: to even
    ],
)
def test_off_increment_repair_rounds_long_values_once_and_exactly(tmp_path: Path, text: str, raw: int) -> None:
    path = write(tmp_path, "bars.csv", OHLCV + f"2021-01-04,{text},{text},{text},{text},1\n")
    data = load_market_data(
        path, layout_named("ohlcv"), equity(), bar_spec=DAY, policy=policy(off_increment=Policy.REPAIR)
    )
    assert data.columns["close"].tolist() == [raw] and data.report.repaired == 1


def test_samples_are_kept_up_to_twenty_per_check_and_field(tmp_path: Path) -> None:
    # 25 crossed book snapshots: one invalid_book failure (one apply) per update, all on one field
    header = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
    updates = "".join(f"X,{t},{t},{t},b,snap,100.2,1.0,-1\nX,{t},{t},{t},a,snap,100.1,1.0,-1\n" for t in range(1, 26))
    depth = load_market_data(write(tmp_path, "d.csv", header + updates), layout_named("binance-depth"), equity(2, 1))
    assert depth.report.count(Check.INVALID_BOOK) == 50
    book_samples = [(i.check, i.field) for i in depth.report.issues]
    assert len(book_samples) == 20 and len(set(book_samples)) == 1
    # off-increment opens and closes on 25 rows (repaired, so the rows stay live for the second field):
    # 20 samples of each field, so neither hides the other
    rows = "".join(f"2024-01-02T09:{m:02d}:00Z,10.001,11,9,10.001,1\n" for m in range(25))
    path = write(tmp_path, "b.csv", OHLCV + rows)
    repair = policy(off_increment=Policy.REPAIR)
    bars = load_market_data(path, layout_named("ohlcv"), equity(), bar_spec=MINUTE, policy=repair)
    fields = [i.field for i in bars.report.issues if i.check is Check.OFF_INCREMENT]
    assert (fields.count("open"), fields.count("close"), bars.report.count(Check.OFF_INCREMENT)) == (20, 20, 25)
