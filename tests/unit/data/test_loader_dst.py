"""The hour that a DST fall-back repeats, in files of local wall-clock times (``--tz``): rows that
go back in local time across the change (01:59 EDT, then 01:00 again) are the hour's second
occurrence (the offset after the change), so the UTC series stays in order and nothing is
rejected. A time that nothing in the file resolves keeps the documented earlier instant and is
flagged (``ambiguous_time``); a time that a spring-forward skips is flagged, named, never a crash."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from data_support import equity, write

from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.validation import ValidationReport
from nautilus_platform.model.data import BarSpecification

S = 1_000_000_000
MS = 1_000_000
NY = "America/New_York"
FALL_2021 = 1_636_264_800 * S  # 2021-11-07T06:00Z: 02:00 EDT becomes 01:00 EST
OHLCV = "timestamp,open,high,low,close,volume\n"
TRADES = "timestamp,price,size,side,trade_id\n"


def bars_csv(tmp_path: Path, rows: list[str], name: str = "bars.csv") -> Path:
    return write(tmp_path, name, OHLCV + "".join(f"{row},1,1,1,1,1\n" for row in rows))


def trades_csv(tmp_path: Path, rows: list[str], name: str = "trades.csv") -> Path:
    return write(tmp_path, name, TRADES + "".join(f"{row},1,1,buy,{i}\n" for i, row in enumerate(rows)))


def counts(r: ValidationReport) -> tuple[int, int, int, int]:
    return r.rows, r.accepted, r.flagged, r.rejected


def test_half_hour_bars_across_the_fall_back_read_the_repeated_hour_twice(tmp_path: Path) -> None:
    rows = ["2021-11-07T00:30:00", "2021-11-07T01:00:00", "2021-11-07T01:30:00"]  # EDT
    rows += ["2021-11-07T01:00:00", "2021-11-07T01:30:00", "2021-11-07T02:00:00"]  # EST
    spec = BarSpecification.from_str("30-MINUTE-LAST")
    data = load_market_data(bars_csv(tmp_path, rows), layout_named("ohlcv"), equity(2), bar_spec=spec, tz=NY)
    r = data.report
    assert counts(r) == (6, 6, 0, 0) and r.by_check == {} and r.gaps == 0
    half_hour = 1_800 * S
    assert data.columns["ts"].tolist() == [FALL_2021 + k * half_hour for k in range(-3, 3)]
    assert any("4 America/New_York times fall in an hour that a DST change repeats" in n for n in r.notes)
    assert any("2 that go back in time across the change (from row 4)" in n for n in r.notes)


def test_hourly_bars_stamped_01_00_twice_are_the_two_occurrences(tmp_path: Path) -> None:
    # one bar per occurrence: the clock does not go back, it repeats (equal times, a bar interval >= 1 hour)
    rows = ["2021-11-07T00:00:00", "2021-11-07T01:00:00", "2021-11-07T01:00:00", "2021-11-07T02:00:00"]
    spec = BarSpecification.from_str("1-HOUR-LAST")
    data = load_market_data(bars_csv(tmp_path, rows), layout_named("ohlcv"), equity(2), bar_spec=spec, tz=NY)
    assert counts(data.report) == (4, 4, 0, 0)
    assert data.columns["ts"].tolist() == [FALL_2021 + k * 3_600 * S for k in range(-2, 2)]


def test_trades_back_across_the_change_are_its_second_occurrence_and_ties_stay_ticks(tmp_path: Path) -> None:
    rows = [
        "2021-11-07T00:59:59.000",  # EDT, 04:59:59Z
        "2021-11-07T01:59:59.500",  # EDT, 05:59:59.5Z
        "2021-11-07T01:00:00.100",  # back 59:59.4: EST, 06:00:00.1Z
        "2021-11-07T01:00:00.100",  # same millisecond: another trade (a duplicate flagged), not a third hour
        "2021-11-07T01:59:59.900",  # EST, 06:59:59.9Z
        "2021-11-07T02:00:00.000",  # EST, 07:00Z
    ]
    data = load_market_data(trades_csv(tmp_path, rows), layout_named("trades"), equity(2), tz=NY)
    r = data.report
    assert data.columns["ts"].tolist() == [
        FALL_2021 - 3_601 * S,
        FALL_2021 - 500 * MS,
        FALL_2021 + 100 * MS,
        FALL_2021 + 100 * MS,
        FALL_2021 + 3_599_900 * MS,
        FALL_2021 + 3_600 * S,
    ]
    assert counts(r) == (6, 5, 1, 0)
    assert r.by_check == {Check.DUPLICATE_TIMESTAMP: {"flagged": 1}}  # no non_monotonic, no ambiguous_time


def test_every_fall_back_of_a_file_is_resolved_on_its_own(tmp_path: Path) -> None:
    rows = ["2021-11-07T01:40:00", "2021-11-07T01:10:00", "2022-11-06T01:40:00", "2022-11-06T01:10:00"]
    spec = BarSpecification.from_str("30-MINUTE-LAST")
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check.GAP: Policy.IGNORE})
    data = load_market_data(
        bars_csv(tmp_path, rows), layout_named("ohlcv"), equity(2), bar_spec=spec, tz=NY, policy=policy
    )
    fall_2022 = 1_667_714_400 * S  # 2022-11-06T06:00Z
    assert counts(data.report) == (4, 4, 0, 0)
    assert data.columns["ts"].tolist() == [
        FALL_2021 - 1_200 * S,
        FALL_2021 + 600 * S,
        fall_2022 - 1_200 * S,
        fall_2022 + 600 * S,
    ]


def test_every_timestamp_path_reads_the_second_occurrence(tmp_path: Path) -> None:
    rows = ["2021-11-07T01:30:00", "2021-11-07T01:00:00", "2021-11-07T01:30:00"]
    expected = [FALL_2021 - 1_800 * S, FALL_2021, FALL_2021 + 1_800 * S]
    table = pa.table(
        {
            "timestamp": pa.array([dt.datetime.fromisoformat(row) for row in rows], pa.timestamp("us")),
            **{name: pa.array(["1"] * len(rows)) for name in ("open", "high", "low", "close", "volume")},
        }
    )
    pq.write_table(table, tmp_path / "naive.parquet")
    formatted = replace(layout_named("ohlcv"), ts_format="%Y-%m-%dT%H:%M:%S")
    mixed = ["2021-11-07T04:00:00Z", *rows]  # one zone-aware value: the row-by-row ISO path
    spec = BarSpecification.from_str("30-MINUTE-LAST")
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check.GAP: Policy.IGNORE})
    for path, layout, want in (
        (bars_csv(tmp_path, rows), layout_named("ohlcv"), expected),
        (bars_csv(tmp_path, rows, "formatted.csv"), formatted, expected),
        (bars_csv(tmp_path, mixed, "mixed.csv"), layout_named("ohlcv"), [FALL_2021 - 7_200 * S, *expected]),
        (tmp_path / "naive.parquet", layout_named("ohlcv"), expected),
    ):
        data = load_market_data(path, layout, equity(2), bar_spec=spec, tz=NY, policy=policy)
        assert data.columns["ts"].tolist() == want, path.name
        assert data.report.rejected == data.report.flagged == 0, path.name


def test_a_time_nothing_resolves_keeps_the_earlier_instant_flagged(tmp_path: Path) -> None:
    # one time in the repeated hour, and a tick a second out of order within it: neither goes back
    # across the change (half an hour or more), so both are ambiguous, read at EDT and flagged
    rows = ["2021-11-07T00:59:00", "2021-11-07T01:10:00", "2021-11-07T01:09:59", "2021-11-07T02:00:00"]
    data = load_market_data(trades_csv(tmp_path, rows), layout_named("trades"), equity(2), tz=NY)
    r = data.report
    assert counts(r) == (4, 2, 1, 1)
    assert r.count(Check.AMBIGUOUS_TIME, "flagged") == 2 and r.count(Check.NON_MONOTONIC, "rejected") == 1
    assert data.columns["ts"].tolist() == [FALL_2021 - 3_660 * S, FALL_2021 - 3_000 * S, FALL_2021 + 3_600 * S]
    rule = next(i.rule for i in r.issues if i.check is Check.AMBIGUOUS_TIME)
    assert rule == "happens twice in America/New_York (a DST change repeats it): read at the offset before the change"


def test_a_skipped_spring_time_is_flagged_by_name_or_rejected_never_a_crash(tmp_path: Path) -> None:
    # 02:30 does not exist on 2021-03-14 in New York: flagged (the default) with the rule and the
    # value, read at the earlier of its readings, 06:30Z (EDT). That is before 01:59 EST (06:59Z),
    # so in this sorted file non_monotonic then rejects it too: the invalid row, not its neighbours
    rows = ["2021-03-14T01:59:00", "2021-03-14T02:30:00", "2021-03-14T03:00:00"]
    path = trades_csv(tmp_path, rows)
    data = load_market_data(path, layout_named("trades"), equity(2), tz=NY)
    r = data.report
    assert counts(r) == (3, 2, 0, 1)
    assert r.by_check == {Check.AMBIGUOUS_TIME: {"flagged": 1}, Check.NON_MONOTONIC: {"rejected": 1}}
    found = sorted((i.row, i.check.value, i.value, i.outcome) for i in r.issues)
    assert found == [
        (2, "ambiguous_time", "2021-03-14T02:30:00", "flagged"),
        (2, "non_monotonic", "2021-03-14T06:30:00.000000000Z", "rejected"),
    ]
    rule = next(i.rule for i in r.issues if i.check is Check.AMBIGUOUS_TIME)
    assert rule == "does not exist in America/New_York (a DST change skips it): read at the offset after the change"
    spring = 1_615_705_200 * S  # 2021-03-14T07:00Z: 02:00 EST becomes 03:00 EDT
    assert data.columns["ts"].tolist() == [spring - 60 * S, spring]
    # on its own it is kept, flagged, at 06:30Z; with ambiguous_time=reject it is rejected as such
    alone = load_market_data(trades_csv(tmp_path, rows[1:], "alone.csv"), layout_named("trades"), equity(2), tz=NY)
    assert counts(alone.report) == (2, 1, 1, 0) and alone.columns["ts"].tolist() == [spring - 1_800 * S, spring]
    strict = ValidationPolicy.defaults(DataKind.TRADES).with_policies({Check.AMBIGUOUS_TIME: Policy.REJECT})
    rejected = load_market_data(path, layout_named("trades"), equity(2), tz=NY, policy=strict)
    assert counts(rejected.report) == (3, 2, 0, 1) and rejected.report.by_check == {
        Check.AMBIGUOUS_TIME: {"rejected": 1}
    }
