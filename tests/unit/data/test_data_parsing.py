"""Column parsing: exact decimals, time zones, codes, and bad values named row by row."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.parsing import codes, decimals, integers, raw_to_text, timestamps

S = 1_000_000_000


def chunked(values: list[object], kind: pa.DataType | None = None) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(values, kind)])


def test_decimal_text_is_exact_at_scale_1e9() -> None:
    parsed = decimals(chunked(["1.953125", "100", " 2.5 ", "0.00002853", "-3.1", "1e3"]))
    assert parsed.values.tolist() == [1_953_125_000, 100 * S, 2_500_000_000, 28_530, -3_100_000_000, 1000 * S]
    assert not parsed.missing.any() and not parsed.invalid.any()


def test_empty_and_null_are_missing_not_zero() -> None:
    parsed = decimals(chunked(["1", "", None, "  "]))
    assert parsed.missing.tolist() == [False, True, True, True]


def test_garbage_is_named_per_row_and_the_rest_still_parses() -> None:
    parsed = decimals(chunked(["1.5", "abc", "2.25", "inf"]))
    assert parsed.values.tolist()[0] == 1_500_000_000 and parsed.values.tolist()[2] == 2_250_000_000
    assert parsed.invalid.tolist() == [False, True, False, True]
    assert parsed.problems == {1: "is not a decimal number", 3: "must be finite"}


def test_more_than_nine_decimals_keeps_the_exact_value_for_the_increment_check() -> None:
    parsed = decimals(chunked(["27.226834999999998", "1.5"]))
    assert parsed.values.tolist() == [27_226_835_000, 1_500_000_000]
    assert parsed.excess == {0: Decimal("27.226834999999998")}
    assert not parsed.invalid.any()


def test_too_large_for_int64_raw_is_refused() -> None:
    parsed = decimals(chunked(["10000000000", "1"]))  # 1e10 * 1e9 > 2**63
    assert parsed.invalid.tolist() == [True, False]
    assert parsed.problems[0] == "is too large"


def test_floats_round_to_the_nearest_nano_and_nan_is_missing() -> None:
    parsed = decimals(chunked([32000.01, float("nan"), 2.8e-05, float("inf")], pa.float64()))
    assert parsed.values.tolist()[0] == 32_000_010_000_000
    assert parsed.values.tolist()[2] == 28_000
    assert parsed.missing.tolist() == [False, True, False, False]
    assert parsed.invalid.tolist() == [False, False, False, True]


def test_integers_columns_convert_exactly() -> None:
    assert decimals(chunked([5, -2], pa.int64())).values.tolist() == [5 * S, -2 * S]
    parsed = integers(chunked(["2098021528332", "x", ""]))
    assert parsed.values.tolist()[0] == 2_098_021_528_332
    assert parsed.invalid.tolist() == [False, True, False] and parsed.missing.tolist() == [False, False, True]


def test_epoch_milliseconds_to_ns() -> None:
    parsed = timestamps(chunked(["1637971200000", "oops"]), "ms", None, "UTC")
    assert parsed.values.tolist()[0] == 1_637_971_200_000 * 1_000_000
    assert parsed.invalid.tolist() == [False, True]


def test_dates_are_read_in_the_given_time_zone_including_dst() -> None:
    winter = timestamps(chunked(["2014-01-02"]), None, "%Y-%m-%d", "America/New_York").values[0]
    summer = timestamps(chunked(["2014-07-02"]), None, "%Y-%m-%d", "America/New_York").values[0]
    assert winter == 1_388_638_800 * S  # 2014-01-02T05:00Z (UTC-5)
    assert summer == 1_404_273_600 * S  # 2014-07-02T04:00Z (UTC-4)
    utc = timestamps(chunked(["2014-01-02", "2014-13-45"]), None, "%Y-%m-%d", "UTC")
    assert utc.values[0] == 1_388_620_800 * S
    assert utc.invalid.tolist() == [False, True]
    assert "does not match the time format" in utc.problems[1]


def test_iso_text_with_and_without_offset() -> None:
    parsed = timestamps(
        chunked(["2021-01-08T00:00:01.076+00:00", "2021-01-08T01:00:01.076", "nope"]), None, None, "Europe/Berlin"
    )
    assert parsed.values.tolist()[0] == 1_610_064_001_076_000_000
    assert parsed.values.tolist()[1] == 1_610_064_001_076_000_000  # 01:00 in Berlin is 00:00 UTC in January
    assert parsed.invalid.tolist() == [False, False, True]


def test_native_timestamps_keep_their_zone_and_naive_ones_take_tz() -> None:
    aware = pa.chunked_array([pa.array([1_610_064_001_076], pa.timestamp("ms", tz="UTC"))])
    assert timestamps(aware, None, None, "Asia/Tokyo").values.tolist() == [1_610_064_001_076_000_000]
    naive = pa.chunked_array([pa.array([0], pa.timestamp("s"))])
    assert timestamps(naive, None, None, "Asia/Tokyo").values.tolist() == [-9 * 3600 * S]


def test_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="tz"):
        timestamps(chunked(["2014-01-02"]), None, "%Y-%m-%d", "Mars/Olympus")


def test_codes_map_text_and_bools_and_name_unknown_values() -> None:
    parsed = codes(chunked(["True", "False", "maybe", ""]), {"True": 2, "False": 1})
    assert parsed.values.tolist()[:2] == [2, 1]
    assert parsed.invalid.tolist() == [False, False, True, False] and parsed.missing.tolist()[3]
    assert codes(chunked([True, False], pa.bool_()), {"True": 2, "False": 1}).values.tolist() == [2, 1]


def test_raw_to_text() -> None:
    assert raw_to_text(1_953_125_000) == "1.953125"
    assert raw_to_text(-100 * S) == "-100"
