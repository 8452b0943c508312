"""Epoch units: values that fit another unit are named, never silently read as 1970 or refused without
a word; ``ts_unit="auto"`` (the ``binance-klines`` preset) reads ms and µs klines by their magnitude."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data import Check, DataKind, Layout, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import BarSpecification

MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
S = 1_000_000_000
NEW_YEAR_2025_S = 1_735_689_600  # 2025-01-01T00:00:00Z
KLINES = layout_named("binance-klines")
KLINES_MS = replace(KLINES, ts_unit="ms")


def kline(open_time: int) -> str:
    return f"{open_time},0.1,0.2,0.05,0.15,100,{open_time + 59},1,1,1,1,0\n"


def klines(tmp_path: Path, times: list[int], layout: Layout = KLINES, **overrides: Policy) -> LoadedData:
    path = write(tmp_path, "k.csv", "".join(kline(t) for t in times))
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check(k): v for k, v in overrides.items()})
    return load_market_data(path, layout, equity(2), bar_spec=MINUTE, policy=policy)


def minutes_2025(*unit_ns: int) -> list[int]:
    """Open times of consecutive minutes from 2025-01-01, each in the unit of its entry (ns per unit)."""
    return [(NEW_YEAR_2025_S + 60 * i) * S // ns for i, ns in enumerate(unit_ns)]


CLOSES_2025 = [(NEW_YEAR_2025_S + 60 * (i + 1)) * S for i in range(3)]


def test_the_kline_preset_reads_microsecond_files_as_binance_writes_them_since_2025(tmp_path: Path) -> None:
    data = klines(tmp_path, minutes_2025(1000, 1000, 1000))
    assert (data.report.rows, data.report.accepted) == (3, 3)
    assert data.columns["ts"].tolist() == CLOSES_2025
    assert any("ts_unit auto" in note and "3 in us" in note for note in data.report.notes)


def test_the_kline_preset_reads_ms_and_us_rows_of_one_file_each_by_magnitude(tmp_path: Path) -> None:
    data = klines(tmp_path, minutes_2025(1_000_000, 1_000_000, 1000))  # December's ms dump + January's µs dump
    assert data.report.accepted == 3 and data.columns["ts"].tolist() == CLOSES_2025


def test_microseconds_read_as_ms_are_rejected_with_the_unit_that_fits(tmp_path: Path) -> None:
    data = klines(tmp_path, minutes_2025(1000, 1000), KLINES_MS)
    r = data.report
    assert (r.rows, r.rejected, r.count(Check.EPOCH_UNIT, "rejected"), r.count(Check.UNPARSEABLE)) == (2, 2, 2, 0)
    assert r.fitting_ts_unit == "us" and r.to_dict()["fitting_ts_unit"] == "us"
    (note,) = [n for n in r.notes if "epoch_unit" in n]
    assert "look like epoch us" in note and "2025-01-01T00:00:00.000000Z" in note
    assert r.issues[0].value == str(NEW_YEAR_2025_S * 1_000_000) and "inside as epoch us" in r.issues[0].rule


def test_seconds_read_as_ms_are_not_silently_loaded_as_1970(tmp_path: Path) -> None:
    times = minutes_2025(S, S)
    rejected = klines(tmp_path, times, KLINES_MS)
    assert (rejected.report.rejected, rejected.report.fitting_ts_unit) == (2, "s") and len(rejected) == 0
    flagged = klines(tmp_path, times, KLINES_MS, epoch_unit=Policy.FLAG)  # kept as read, reported
    assert (flagged.report.flagged, flagged.report.count(Check.EPOCH_UNIT, "flagged")) == (2, 2)
    assert flagged.columns["ts"].tolist() == [t * 1_000_000 + 60 * S for t in times]  # January 1970
    ignored = klines(tmp_path, times, KLINES_MS, epoch_unit=Policy.IGNORE)
    assert (ignored.report.accepted, ignored.report.fitting_ts_unit, ignored.report.by_check) == (2, None, {})


def test_plausible_times_in_the_declared_unit_are_never_flagged(tmp_path: Path) -> None:
    ms = klines(tmp_path, minutes_2025(1_000_000, 1_000_000), KLINES_MS)
    assert ms.report.accepted == 2 and ms.report.by_check == {}
    header = "timestamp,price,size,side,trade_id\n"
    rows = "-315619200,1,1,buy,a\n0,1,1,buy,b\n5,1,1,buy,c\n"  # 1960, the epoch, 5 s: fit no other unit either
    trades = replace(layout_named("trades"), ts_unit="s")
    data = load_market_data(write(tmp_path, "t.csv", header + rows), trades, equity())
    assert data.report.accepted == 3 and Check.EPOCH_UNIT not in data.report.by_check


def test_auto_rejects_a_value_no_unit_puts_between_1971_and_2262(tmp_path: Path) -> None:
    data = klines(tmp_path, [5, *minutes_2025(1000)])
    r = data.report
    assert (r.rejected, r.count(Check.UNPARSEABLE, "rejected")) == (1, 1)
    assert r.issues[0].value == "5" and "ts_unit auto" in r.issues[0].rule


def test_auto_reads_parquet_integers_of_every_unit(tmp_path: Path) -> None:
    second = NEW_YEAR_2025_S
    ts = [second, (second + 1) * 1000, (second + 2) * 1_000_000, (second + 3) * S]
    table = pa.table(
        {
            "timestamp": pa.array(ts, pa.int64()),
            "price": pa.array([1.0] * 4),
            "size": pa.array([1.0] * 4),
            "side": ["buy"] * 4,
            "trade_id": ["a", "b", "c", "d"],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    data = load_market_data(tmp_path / "t.parquet", replace(layout_named("trades"), ts_unit="auto"), equity())
    assert data.columns["ts"].tolist() == [(second + i) * S for i in range(4)]
    assert any("1 in s, 1 in ms, 1 in us, 1 in ns" in note for note in data.report.notes)


def test_a_layout_names_a_known_unit() -> None:
    assert replace(KLINES, ts_unit="auto").ts_unit == "auto"
    with pytest.raises(ValidationError, match="ts_unit"):
        replace(KLINES, ts_unit="minutes")  # type: ignore[arg-type]


def test_each_unit_fits_its_own_window_only() -> None:
    from nautilus_platform.data.times import epoch_unit_fit

    first, last = 365 * 86_400, 9_223_372_036  # 1971-01-01 and 2262-04-11 in seconds
    values = np.array([first - 1, first, last, last + 1, first * 1000, 10**15, 0, -1, 2**63 - 1], np.int64)
    assert epoch_unit_fit(values).tolist() == [-1, 0, 0, -1, 1, 2, -1, -1, 3]
