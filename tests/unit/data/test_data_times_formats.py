"""A time format that reads the zone (``%z``) gives UTC instants: ``tz`` applies only to values
without a zone, as on the ISO 8601 and Parquet paths."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
from data_support import equity, write

from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.data.parsing import timestamps
from nautilus_platform.model.data import BarSpecification

S = 1_000_000_000
H = 3600 * S
JAN_2 = 1_704_153_600 * S  # 2024-01-02T00:00Z
WITH_ZONE = "%Y-%m-%d %H:%M:%S%z"


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_formatted_times_with_an_offset_are_utc_whatever_the_tz(tz: str) -> None:
    column = pa.chunked_array([pa.array(["2024-01-02 00:00:00+0100", "2024-01-02 00:00:00-05:00", None])])
    parsed = timestamps(column, None, WITH_ZONE, tz)
    assert parsed.values.tolist()[:2] == [JAN_2 - H, JAN_2 + 5 * H]
    assert parsed.missing.tolist() == [False, False, True] and not parsed.invalid.any()
    assert not parsed.zone_assumed  # nothing was read as wall-clock time in tz
    naive = timestamps(pa.chunked_array([pa.array(["2024-01-02 00:00:00"])]), None, "%Y-%m-%d %H:%M:%S", tz)
    assert naive.zone_assumed  # a format without %z still reads wall-clock time in tz
    assert naive.values.tolist() == [JAN_2 + {"UTC": 0, "America/New_York": 5 * H, "Asia/Tokyo": -9 * H}[tz]]


def test_a_file_with_offsets_loads_at_the_same_instants_in_any_tz(tmp_path: Path) -> None:
    layout = replace(layout_named("ohlcv"), ts_format=WITH_ZONE)
    text = (
        "timestamp,open,high,low,close,volume\n2024-01-02 09:30:00-0500,1,1,1,1,1\n2024-01-02 09:31:00-0500,1,1,1,1,1\n"
    )
    path = write(tmp_path, "bars.csv", text)
    minute = BarSpecification.from_str("1-MINUTE-LAST")
    loaded = {
        tz: load_market_data(path, layout, equity(2), bar_spec=minute, tz=tz) for tz in ("UTC", "America/New_York")
    }
    first = JAN_2 + 14 * H + 30 * 60 * S  # 09:30 New York is 14:30Z
    for data in loaded.values():
        assert data.columns["ts"].tolist() == [first, first + 60 * S]
        assert not any("wall-clock" in note for note in data.report.notes)
