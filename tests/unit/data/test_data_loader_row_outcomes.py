"""Row outcomes: kept rows are in time order under every policy, null markers are missing values, and
the checks between rows see only the rows still alive (every row exactly one outcome)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.aggregation import aggregate_loaded
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.validation import ValidationReport
from nautilus_platform.model.data import BarSpecification, BarType

DAY = BarSpecification.from_str("1-DAY-LAST")
S = 1_000_000_000
T0 = 1_609_459_200 * S  # 2021-01-01T00:00:00Z
TRADES = "timestamp,price,size,side,trade_id\n"


def policy(kind: DataKind, **overrides: Policy) -> ValidationPolicy:
    return ValidationPolicy.defaults(kind).with_policies({Check(k): v for k, v in overrides.items()})


def trades(tmp_path: Path, rows: list[tuple[int, str]], **overrides: Policy) -> LoadedData:
    text = TRADES + "".join(f"2021-01-01T00:00:{s:02d}Z,1,{i + 1},buy,{tid}\n" for i, (s, tid) in enumerate(rows))
    path = write(tmp_path, "t.csv", text)
    return load_market_data(path, layout_named("trades"), equity(), policy=policy(DataKind.TRADES, **overrides))


def one_outcome_each(report: ValidationReport) -> bool:
    return report.accepted + report.flagged + report.repaired + report.rejected == report.rows


# -- flagged rows that go back in time ---------------------------------------------------------


def test_a_flagged_trade_that_goes_back_is_kept_in_time_order(tmp_path: Path) -> None:
    data = trades(tmp_path, [(2, "a"), (1, "b"), (3, "c")], non_monotonic=Policy.FLAG)
    r = data.report
    assert (r.flagged, r.count(Check.NON_MONOTONIC, "flagged"), r.rejected) == (1, 1, 0)
    assert data.columns["ts"].tolist() == [T0 + S, T0 + 2 * S, T0 + 3 * S]
    assert data.trade_ids == ["b", "a", "c"] and data.columns["size"].tolist() == [2 * S, S, 3 * S]
    bars = aggregate_loaded(data, BarType(data.instrument.id, BarSpecification.from_str("1-MINUTE-LAST")))
    assert len(bars) == 1 and bars.volume.tolist() == [6 * S]  # refused before: "must be non-decreasing"


def test_flagged_daily_bars_in_time_order_have_no_false_gap(tmp_path: Path) -> None:
    text = "timestamp,open,high,low,close,volume\n" + "".join(
        f"{d},10,11,9,10,{i + 1}\n" for i, d in enumerate(["2021-01-04", "2021-01-06", "2021-01-05"])
    )
    path = write(tmp_path, "b.csv", text)
    bars = policy(DataKind.BARS, non_monotonic=Policy.FLAG)
    data = load_market_data(path, layout_named("ohlcv"), equity(), bar_spec=DAY, policy=bars)
    assert data.columns["volume"].tolist() == [S, 3 * S, 2 * S]
    assert (data.report.gaps, data.report.flagged, data.report.count(Check.GAP)) == (0, 1, 0)


def test_flag_and_repair_keep_the_same_rows_in_the_same_order(tmp_path: Path) -> None:
    rows = [(5, "a"), (3, "b"), (3, "c"), (4, "d"), (1, "e")]
    flagged = trades(tmp_path, rows, non_monotonic=Policy.FLAG)
    repaired = trades(tmp_path, rows, non_monotonic=Policy.REPAIR)
    assert flagged.trade_ids == repaired.trade_ids == ["e", "b", "c", "d", "a"]
    assert (flagged.report.flagged, repaired.report.repaired) == (4, 4)


# -- null markers ------------------------------------------------------------------------------


def test_yahoo_null_rows_are_missing_values(tmp_path: Path) -> None:
    text = (
        "Date,Open,High,Low,Close,Adj Close,Volume\n2021-01-04,1,1,1,1,1,1\n"
        "2021-01-05,null,null,null,null,null,null\n2021-01-06,1,1,1,1,1,1\n"
    )
    path = write(tmp_path, "y.csv", text)
    data = load_market_data(path, layout_named("yahoo"), equity(), bar_spec=DAY)
    r = data.report
    assert (r.rejected, r.count(Check.MISSING_VALUE, "rejected"), r.count(Check.UNPARSEABLE)) == (1, 1, 0)
    issue = next(i for i in r.issues if i.check is Check.MISSING_VALUE)
    assert (issue.row, issue.value) == (2, "null") and "null marker" in issue.rule


@pytest.mark.parametrize("marker", ["null", "NULL", "NaN", "nan", "N/A", " n/a ", "None", "#N/A"])
def test_every_null_marker_is_a_missing_value(tmp_path: Path, marker: str) -> None:
    text = "timestamp,bid,ask,bid_size,ask_size\n2021-01-01T00:00:01Z,1,2,1,1\n"
    text += f"2021-01-01T00:00:02Z,{marker},2,1,1\n2021-01-01T00:00:03Z,,2,1,1\n2021-01-01T00:00:04Z,inf,2,1,1\n"
    data = load_market_data(write(tmp_path, "q.csv", text), layout_named("quotes"), equity())
    r = data.report  # the marker and the empty field are missing; infinity is still not a number
    assert (r.count(Check.MISSING_VALUE, "rejected"), r.count(Check.UNPARSEABLE, "rejected"), r.accepted) == (2, 1, 1)


def test_parquet_nulls_nan_and_null_text_are_all_missing_values(tmp_path: Path) -> None:
    table = pa.table(
        {
            "timestamp": pa.array([T0 + i * S for i in range(4)], pa.timestamp("ns", tz="UTC")),
            "bid": pa.array([1.0, None, float("nan"), 1.0]),
            "ask": pa.array(["2", "2", "2", "null"]),
            "bid_size": pa.array([1, 1, 1, 1], pa.int64()),
            "ask_size": pa.array([1, 1, 1, 1], pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "q.parquet")
    data = load_market_data(tmp_path / "q.parquet", layout_named("quotes"), equity())
    r = data.report
    assert (r.accepted, r.count(Check.MISSING_VALUE, "rejected"), r.count(Check.UNPARSEABLE)) == (1, 3, 0)


def test_a_null_marker_time_is_a_missing_value(tmp_path: Path) -> None:
    text = "Date,Open,High,Low,Close,Adj Close,Volume\nnull,1,1,1,1,1,1\n2021-01-06,1,1,1,1,1,1\n"
    data = load_market_data(write(tmp_path, "y.csv", text), layout_named("yahoo"), equity(), bar_spec=DAY)
    assert (data.report.count(Check.MISSING_VALUE, "rejected"), data.report.count(Check.UNPARSEABLE)) == (1, 0)


# -- checks between rows see only the rows still alive ----------------------------------------


def test_a_trade_rejected_for_its_missing_id_makes_no_later_trade_a_duplicate(tmp_path: Path) -> None:
    data = trades(tmp_path, [(1, ""), (1, "b")])
    r = data.report
    assert (r.rows, r.accepted, r.flagged, r.rejected) == (2, 1, 0, 1)
    assert Check.DUPLICATE_TIMESTAMP not in r.by_check and one_outcome_each(r)
    assert data.trade_ids == ["b"]


def test_a_trade_rejected_for_its_missing_id_makes_no_later_trade_go_back_in_time(tmp_path: Path) -> None:
    data = trades(tmp_path, [(5, ""), (1, "b"), (6, "c")])
    r = data.report
    assert (r.accepted, r.rejected) == (2, 1) and Check.NON_MONOTONIC not in r.by_check and one_outcome_each(r)
    assert data.trade_ids == ["b", "c"]
