"""Times without a zone that a DST change in ``--tz`` makes ambiguous (the hour repeated in
autumn) or skips (the hour jumped over in spring) are not read silently: each fails the
``ambiguous_time`` check (flagged by default, ``reject`` or ``ignore`` on request), the report
names the row and says which instant was taken, on every timestamp path."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.model.data import BarSpecification

S = 1_000_000_000
NY = "America/New_York"
MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
OHLCV = "timestamp,open,high,low,close,volume\n"
ROWS = [
    "2021-03-14T01:00:00",  # EST, 06:00Z
    "2021-03-14T02:30:00",  # skipped: read at EDT, 06:30Z
    "2021-03-14T03:00:00",  # EDT, 07:00Z
    "2021-11-07T00:30:00",  # EDT
    "2021-11-07T01:30:00",  # ambiguous: read at EDT, 05:30Z
    "2021-11-07T02:30:00",  # EST
]


def bars(tmp_path: Path, rows: list[str]) -> Path:
    return write(tmp_path, "bars.csv", OHLCV + "".join(f"{row},1,1,1,1,1\n" for row in rows))


def policy(**overrides: Policy) -> ValidationPolicy:
    """The bar defaults without the gap check (these minute bars are hours apart)."""
    every = {Check.GAP: Policy.IGNORE, **{Check(k): v for k, v in overrides.items()}}
    return ValidationPolicy.defaults(DataKind.BARS).with_policies(every)


def test_ambiguous_and_skipped_times_are_flagged_and_named(tmp_path: Path) -> None:
    path = bars(tmp_path, ROWS)
    data = load_market_data(path, layout_named("ohlcv"), equity(2), bar_spec=MINUTE, tz=NY, policy=policy())
    r = data.report
    assert (r.rows, r.flagged, r.rejected) == (6, 2, 0) and r.count(Check.AMBIGUOUS_TIME, "flagged") == 2
    issues = [(i.row, i.value, i.outcome) for i in r.issues if i.check is Check.AMBIGUOUS_TIME]
    assert sorted(issues) == [(2, "2021-03-14T02:30:00", "flagged"), (5, "2021-11-07T01:30:00", "flagged")]
    rules = {i.row: i.rule for i in r.issues}
    assert "does not exist in America/New_York" in rules[2] and "happens twice in America/New_York" in rules[5]
    assert any("1 ambiguous and 1 skipped America/New_York times" in note for note in r.notes)
    assert data.columns["ts"].tolist()[1] == 1_615_703_400 * S  # 06:30Z: the documented earlier instant
    assert data.columns["ts"].tolist()[4] == 1_636_263_000 * S  # 05:30Z


def test_reject_drops_them_counted_and_ignore_keeps_them_unflagged(tmp_path: Path) -> None:
    path = bars(tmp_path, ROWS)
    rejected = load_market_data(
        path, layout_named("ohlcv"), equity(2), bar_spec=MINUTE, tz=NY, policy=policy(ambiguous_time=Policy.REJECT)
    )
    assert (rejected.report.rejected, len(rejected)) == (2, 4)
    assert rejected.report.count(Check.AMBIGUOUS_TIME, "rejected") == 2
    ignored = load_market_data(
        path, layout_named("ohlcv"), equity(2), bar_spec=MINUTE, tz=NY, policy=policy(ambiguous_time=Policy.IGNORE)
    )
    assert (ignored.report.flagged, len(ignored)) == (0, 6) and Check.AMBIGUOUS_TIME not in ignored.report.by_check
    with pytest.raises(ValidationError, match="ambiguous_time"):
        policy(ambiguous_time=Policy.REPAIR)


def test_every_timestamp_path_reports_them(tmp_path: Path) -> None:
    formatted = replace(layout_named("ohlcv"), ts_format="%Y-%m-%dT%H:%M:%S")
    mixed = [*ROWS, "2021-11-07T08:00:00Z"]  # one zone-aware value: the row-by-row ISO path
    table = pa.table(
        {
            "timestamp": pa.array([dt.datetime.fromisoformat(row) for row in ROWS], pa.timestamp("us")),
            **{name: pa.array(["1"] * len(ROWS)) for name in ("open", "high", "low", "close", "volume")},
        }
    )
    pq.write_table(table, tmp_path / "naive.parquet")
    for path, layout in (
        (bars(tmp_path, ROWS), formatted),
        (write(tmp_path, "mixed.csv", OHLCV + "".join(f"{row},1,1,1,1,1\n" for row in mixed)), layout_named("ohlcv")),
        (tmp_path / "naive.parquet", layout_named("ohlcv")),
    ):
        r = load_market_data(path, layout, equity(2), bar_spec=MINUTE, tz=NY, policy=policy()).report
        assert sorted(i.row for i in r.issues if i.check is Check.AMBIGUOUS_TIME) == [2, 5], path.name


def test_utc_and_zone_aware_times_are_never_ambiguous(tmp_path: Path) -> None:
    aware = [f"{row}-05:00" for row in ROWS]
    for rows, tz in ((ROWS, "UTC"), (aware, NY)):
        r = load_market_data(bars(tmp_path, rows), layout_named("ohlcv"), equity(2), bar_spec=MINUTE, tz=tz).report
        assert Check.AMBIGUOUS_TIME not in r.by_check
    # daily files at midnight in New York (DST changes at 02:00) carry no such time
    yahoo = write(tmp_path, "y.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2021-03-14,1,1,1,1,1,1\n")
    r = load_market_data(
        yahoo, layout_named("yahoo"), equity(2), bar_spec=BarSpecification.from_str("1-DAY-LAST"), tz=NY
    )
    assert r.report.flagged == 0
