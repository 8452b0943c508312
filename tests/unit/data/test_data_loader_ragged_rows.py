"""A CSV row with the wrong number of fields (a download cut off mid-line, a stray extra field) is
one rejected row, counted and named, not an unreadable file; the other rows load as usual and keep
their row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_support import equity, write

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data import Check, layout_named, load_market_data, read_table
from nautilus_platform.model.data import BarSpecification

DAY = BarSpecification.from_str("1-DAY-LAST")
MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
YAHOO = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def test_a_truncated_last_line_is_one_rejected_row(tmp_path: Path) -> None:
    text = YAHOO + "2024-01-02,10.00,11.00,9.00,10.50,10.5,100\n2024-01-03,10.00,11.00,9.0"  # cut off
    data = load_market_data(write(tmp_path, "y.csv", text), layout_named("yahoo"), equity(2), bar_spec=DAY)
    r = data.report
    assert (r.rows, r.accepted, r.rejected) == (2, 1, 1)
    assert r.count(Check.UNPARSEABLE, "rejected") == 1 and Check.MISSING_VALUE not in r.by_check
    (issue,) = r.issues
    assert (issue.row, issue.check, issue.field, issue.value) == (
        2,
        Check.UNPARSEABLE,
        "row",
        "2024-01-03,10.00,11.00,9.0",
    )
    assert "4 fields" in issue.rule and "7" in issue.rule
    assert len(data) == 1 and data.columns["close"].tolist() == [10_500_000_000]
    with pytest.raises(ValidationError, match="Expected 7 columns"):  # read_table alone still refuses the file
        read_table(tmp_path / "y.csv", layout_named("yahoo"))


def test_ragged_rows_in_the_middle_keep_every_row_number_right(tmp_path: Path) -> None:
    text = (
        "timestamp,open,high,low,close,volume\n"
        "2024-01-02T00:00:00Z,1,1,1,1,1\n"
        "2024-01-02T00:01:00Z,1,1,1,1,1,extra\n"  # row 2: one field too many
        "\n"  # empty lines are not rows
        "2024-01-02T00:02:00Z,1,1,1,1,1\n"
        "2024-01-02T00:03:00Z,1,1\n"  # row 4: too few
        "2024-01-02T00:04:00Z,-1,1,1,1,1\n"  # row 5: a bad price, reported as row 5
    )
    data = load_market_data(write(tmp_path, "b.csv", text), layout_named("ohlcv"), equity(2), bar_spec=MINUTE)
    r = data.report
    assert (r.rows, r.rejected, r.accepted + r.flagged) == (5, 3, 2)
    assert r.accepted + r.flagged + r.repaired + r.rejected == r.rows
    rows = {(i.row, i.check, i.field) for i in r.issues if i.check is not Check.GAP}
    assert rows == {(2, Check.UNPARSEABLE, "row"), (4, Check.UNPARSEABLE, "row"), (5, Check.NON_POSITIVE_PRICE, "open")}
    assert data.columns["ts"].tolist()[1] - data.columns["ts"].tolist()[0] == 2 * 60 * 10**9


def test_headerless_klines_with_a_short_row(tmp_path: Path) -> None:
    good = "1637971200000,0.00002800,0.00002810,0.00002790,0.00002805,100.0,1637971259999,0.0028,10,50.0,0.0014,0\n"
    text = good + "1637971260000,0.00002800,0.00002810\n"
    layout = layout_named("binance-klines")
    data = load_market_data(write(tmp_path, "k.csv", text), layout, equity(8, 1), bar_spec=MINUTE)
    assert (data.report.rows, data.report.accepted, data.report.rejected) == (2, 1, 1)
    assert data.report.issues[0].row == 2 and "3 fields" in data.report.issues[0].rule
