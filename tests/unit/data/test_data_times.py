"""Time parsing: one DST rule on every path, full nanoseconds, and no overflow past the int64 range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest

from nautilus_platform.data.parsing import decimals, integers, timestamps
from nautilus_platform.data.times import INT64_MAX, OUT_OF_RANGE, days_later, wall_to_utc, wall_to_utc_one, zone

S = 1_000_000_000
H = 3600 * S
NY = "America/New_York"
SKIPPED_UTC = 1_615_703_400 * S  # 2021-03-14T06:30Z: 02:30 read at EDT, the earlier of 06:30Z / 07:30Z
AMBIGUOUS_UTC = 1_636_263_000 * S  # 2021-11-07T05:30Z: 01:30 EDT, the earlier of 05:30Z / 06:30Z


def chunked(values: Sequence[object], kind: pa.DataType | None = None) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(values, kind)])


def test_skipped_and_ambiguous_times_take_the_earlier_instant_on_every_path() -> None:
    text = chunked(["2021-03-14T02:30:00", "2021-11-07T01:30:00"])
    iso = timestamps(text, None, None, NY).values.tolist()
    formatted = timestamps(text, None, "%Y-%m-%dT%H:%M:%S", NY).values.tolist()
    native = chunked([dt.datetime(2021, 3, 14, 2, 30), dt.datetime(2021, 11, 7, 1, 30)], pa.timestamp("s"))
    assert iso == formatted == timestamps(native, None, None, NY).values.tolist() == [SKIPPED_UTC, AMBIGUOUS_UTC]


def test_vectorised_and_one_by_one_conversions_agree_around_dst_changes() -> None:
    start = int(dt.datetime(2014, 1, 1).timestamp()) * S
    walls = np.arange(start, start + 366 * 24 * H, 15 * 60 * S, dtype=np.int64)
    for tz in (NY, "Australia/Lord_Howe", "Asia/Jerusalem", "America/Santiago", "Pacific/Apia"):
        vectorised, outside = wall_to_utc(walls, tz)
        one_by_one = [wall_to_utc_one(int(wall), zone(tz)) for wall in walls]
        assert not outside.any() and vectorised.tolist() == one_by_one, tz


def test_conversions_near_the_int64_limits_report_the_row_instead_of_wrapping() -> None:
    walls = np.array([INT64_MAX - H, INT64_MAX - 10 * H], np.int64)
    utc, outside = wall_to_utc(walls, NY)  # +4 or 5 h: the first is past the limit
    assert outside.tolist() == [True, False] and utc.tolist()[1] == INT64_MAX - 10 * H + 4 * H
    utc, outside = wall_to_utc(walls, "Asia/Tokyo")  # -9 h: both fit
    assert not outside.any() and utc.tolist() == [INT64_MAX - 10 * H, INT64_MAX - 19 * H]
    closes, beyond = days_later(np.array([INT64_MAX - 20 * H, INT64_MAX - 30 * H, 0], np.int64), 1, NY)
    assert beyond.tolist() == [True, False, False]  # 23:47 EDT + 1 day is past 2262-04-11T23:47Z; 13:47 is not
    assert closes.tolist() == [0, INT64_MAX - 6 * H, 24 * H]


def test_days_later_is_calendar_days_in_the_zone() -> None:
    march_9 = 1_394_341_200 * S  # 2014-03-09T00:00 EST: a 23-hour day
    nov_2 = 1_414_900_800 * S  # 2014-11-02T00:00 EDT: a 25-hour day
    closes, beyond = days_later(np.array([march_9, nov_2], np.int64), 1, NY)
    assert (closes - [march_9, nov_2]).tolist() == [23 * H, 25 * H] and not beyond.any()


def test_iso_text_keeps_every_nanosecond() -> None:
    parsed = timestamps(
        chunked(["2021-01-05T00:00:00.123456789Z", "2021-01-05T00:00:00.1234567Z", "2021-01-05T00:00:00.1234567890Z"]),
        None,
        None,
        "UTC",
    )
    base = 1_609_804_800 * S
    assert parsed.values.tolist() == [base + 123_456_789, base + 123_456_700, base + 123_456_789]
    finer = timestamps(chunked(["2021-01-05T00:00:00.1234567891Z"]), None, None, "UTC")
    assert finer.invalid.tolist() == [True] and "more than 9 decimals" in finer.problems[0]


@pytest.mark.parametrize("fmt", [None, "%Y-%m-%d"])
def test_dates_outside_the_nanosecond_range_are_invalid_rows_named(fmt: str | None) -> None:
    parsed = timestamps(chunked(["9999-12-31", "1500-01-04", "2021-01-04", "2021-13-45"]), None, fmt, NY)
    assert parsed.invalid.tolist() == [True, True, False, True]
    assert parsed.problems[0] == parsed.problems[1] == OUT_OF_RANGE
    assert parsed.values.tolist()[2] == 1_609_736_400 * S  # 2021-01-04T05:00Z


def test_aware_iso_text_outside_the_range_is_an_invalid_row() -> None:
    parsed = timestamps(chunked(["9999-12-31T00:00:00+00:00", "2021-01-05T00:00:00Z"]), None, None, "UTC")
    assert parsed.invalid.tolist() == [True, False] and parsed.problems[0] == OUT_OF_RANGE


@pytest.mark.parametrize("zone_name", [None, "UTC"])
def test_parquet_timestamps_after_2262_are_invalid_rows_not_arrow_errors(zone_name: str | None) -> None:
    kind = pa.timestamp("s", tz=zone_name)
    parsed = timestamps(chunked([dt.datetime(2500, 1, 1), dt.datetime(2021, 1, 1), None], kind), None, None, "UTC")
    assert parsed.invalid.tolist() == [True, False, False] and parsed.missing.tolist() == [False, False, True]
    assert parsed.problems == {0: OUT_OF_RANGE}
    assert parsed.values.tolist()[1] == 1_609_459_200 * S
    dates = timestamps(chunked([dt.date(1500, 1, 1), dt.date(2021, 1, 1)], pa.date32()), None, None, "UTC")
    assert dates.invalid.tolist() == [True, False] and dates.values.tolist()[1] == 1_609_459_200 * S


def test_row_by_row_fallbacks_refuse_underscores_like_the_vectorised_casts() -> None:
    parsed = decimals(chunked(["1_000", "1.5", "١٢"]))
    assert parsed.invalid.tolist() == [True, False, True]
    assert parsed.problems[0] == "is not a decimal number" and parsed.values.tolist()[1] == 1_500_000_000
    whole = integers(chunked(["1_000", "+5", "x"]))
    assert whole.invalid.tolist() == [True, False, True] and whole.values.tolist()[1] == 5


@pytest.mark.parametrize(
    ("texts", "tz"),
    [
        (
            [
                "2021-03-14T02:30:00",
                "2021-11-07T01:30:00",
                "2021-01-05T00:00:00.123456789",
                "2021-01-05",
                "2021-06-01 12:00",
            ],
            NY,
        ),
        (["2021-01-05T00:00:00.123456789Z", "2021-01-05T00:00:00+01:00", "2021-06-01T12:00:00-04:00"], "UTC"),
    ],
)
def test_iso_columns_read_alike_vectorised_or_row_by_row(texts: list[str], tz: str) -> None:
    vectorised = timestamps(chunked(texts), None, None, tz)
    row_by_row = timestamps(chunked([*texts, "not a time"]), None, None, tz)  # one bad row: the slow path
    assert vectorised.values.tolist() == row_by_row.values.tolist()[:-1]
    assert vectorised.zone_assumed == row_by_row.zone_assumed == (tz != "UTC")
