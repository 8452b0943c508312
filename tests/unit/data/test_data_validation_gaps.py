"""Daily gap check: a bar belongs to the calendar day (in ``tz``) of its last instant, so weekends
are never gaps whether a file stamps its daily bars at the open (converted to the next midnight)
or at the close during the day (a 16:00 New York close)."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_support import equity, write

from nautilus_platform.data import Check, layout_named, load_market_data
from nautilus_platform.model.data import BarSpecification

DAY = BarSpecification.from_str("1-DAY-LAST")
OHLCV = "timestamp,open,high,low,close,volume\n"


@pytest.mark.parametrize(
    ("stamp", "tz"),
    [
        ("T21:00:00Z", "UTC"),  # the 16:00 New York close, written in UTC
        ("T16:00:00-05:00", "America/New_York"),
        ("T16:00:00", "America/New_York"),  # wall-clock close in the file's zone
        ("T23:59:59.999999999Z", "UTC"),
    ],
)
def test_daily_bars_stamped_at_their_close_flag_no_weekend(tmp_path: Path, stamp: str, tz: str) -> None:
    days = ["2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]  # Thu, Fri, Mon, Tue
    text = OHLCV + "".join(f"{day}{stamp},10,11,9,10,5\n" for day in days)
    data = load_market_data(write(tmp_path, "d.csv", text), layout_named("ohlcv"), equity(2), bar_spec=DAY, tz=tz)
    r = data.report
    assert (r.gaps, r.missing_intervals, r.flagged, r.accepted) == (0, 0, 0, 4)


def test_a_missing_weekday_between_close_stamped_bars_is_one_gap_on_the_right_row(tmp_path: Path) -> None:
    days = ["2024-01-05", "2024-01-08", "2024-01-10"]  # Fri, Mon, Wed: Tuesday is missing
    text = OHLCV + "".join(f"{day}T21:00:00Z,10,11,9,10,5\n" for day in days)
    data = load_market_data(write(tmp_path, "d.csv", text), layout_named("ohlcv"), equity(2), bar_spec=DAY)
    r = data.report
    assert (r.gaps, r.missing_intervals, r.flagged) == (1, 1, 1)
    (issue,) = r.issues
    assert (issue.row, issue.check, issue.value) == (3, Check.GAP, "1")
    # the same bars stamped at midnight after their day (Fri's closes at Sat 00:00): still Tuesday only
    closes = ["2024-01-06", "2024-01-09", "2024-01-11"]
    text = OHLCV + "".join(f"{day}T00:00:00Z,10,11,9,10,5\n" for day in closes)
    data = load_market_data(write(tmp_path, "m.csv", text), layout_named("ohlcv"), equity(2), bar_spec=DAY)
    assert (data.report.gaps, data.report.missing_intervals, data.report.issues[0].row) == (1, 1, 3)
