"""Loading with validation: every check under every policy, counted row by row; whole-file errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_support import equity, write

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data import Check, DataKind, Layout, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.model.data import Bar, BarSpecification, QuoteTick, TradeTick
from nautilus_platform.model.enums import AggressorSide
from nautilus_platform.model.values import Price

DAY = BarSpecification.from_str("1-DAY-LAST")
MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
S = 1_000_000_000
OHLCV = layout_named("ohlcv")

BARS_CSV = """timestamp,open,high,low,close,volume
2024-01-02T00:01:00+00:00,10.00,10.50,9.90,10.20,100
2024-01-02T00:02:00+00:00,10.20,10.30,10.10,10.25,50
2024-01-02T00:02:00+00:00,10.25,10.40,10.20,10.30,10
2024-01-02T00:01:30+00:00,10.30,10.35,10.00,10.10,20
2024-01-02T00:03:00+00:00,10.10,10.00,10.05,10.05,5
2024-01-02T00:04:00+00:00,10.005,10.10,10.00,10.05,5
2024-01-02T00:05:00+00:00,-1,10.10,10.00,10.05,5
2024-01-02T00:06:00+00:00,,10.10,10.00,10.05,5
2024-01-02T00:07:00+00:00,ten,10.10,10.00,10.05,5
2024-01-02T00:10:00+00:00,10.00,10.10,9.95,10.05,-5
2024-01-02T00:12:00+00:00,10.00,10.10,9.95,10.05,5
"""


def load(tmp_path: Path, text: str = BARS_CSV, layout: Layout = OHLCV, **overrides: Policy) -> object:
    path = write(tmp_path, "bars.csv", text)
    policy = ValidationPolicy.defaults(DataKind.BARS).with_policies({Check(k): v for k, v in overrides.items()})
    return load_market_data(path, layout, equity(2), bar_spec=MINUTE, policy=policy)


def test_default_policies_reject_each_bad_row_and_count_every_row(tmp_path: Path) -> None:
    data = load(tmp_path)
    r = data.report
    assert r.rows == 11
    assert r.accepted + r.flagged + r.repaired + r.rejected == r.rows
    assert r.count(Check.DUPLICATE_TIMESTAMP, "rejected") == 1  # row 3
    assert r.count(Check.NON_MONOTONIC, "rejected") == 1  # row 4
    assert r.count(Check.OHLC_INCONSISTENT, "rejected") == 1  # row 5: high below open
    assert r.count(Check.OFF_INCREMENT, "rejected") == 1  # row 6: 10.005 on a 0.01 tick
    assert r.count(Check.NON_POSITIVE_PRICE, "rejected") == 1  # row 7
    assert r.count(Check.MISSING_VALUE, "rejected") == 1  # row 8
    assert r.count(Check.UNPARSEABLE, "rejected") == 1  # row 9
    assert r.count(Check.INVALID_SIZE, "rejected") == 1  # row 10: negative volume
    assert r.rejected == 8 and len(data) == 3
    # the 00:12 bar follows 00:02 once the rows between are rejected: 9 missing minutes
    assert r.gaps == 1 and r.missing_intervals == 9 and r.flagged == 1
    bad = {(i.row, i.check) for i in r.issues}
    assert (9, Check.UNPARSEABLE) in bad and (6, Check.OFF_INCREMENT) in bad
    unparseable = next(i for i in r.issues if i.check is Check.UNPARSEABLE)
    assert (unparseable.field, unparseable.value, unparseable.rule) == ("open", "ten", "is not a decimal number")
    assert data.columns["ts"].tolist() == sorted(data.columns["ts"].tolist())


def test_values_finer_than_the_precision_are_counted_and_named(tmp_path: Path) -> None:
    text = (
        "timestamp,open,high,low,close,volume\n"
        "2024-01-02T00:01:00+00:00,10.00,10.50,9.90,10.20,100\n"
        "2024-01-02T00:02:00+00:00,10.125,10.50,9.90,10.20,100\n"  # 3 decimals
        "2024-01-02T00:03:00+00:00,10.00,10.5,9.9,10.0625,100\n"  # 4 decimals
        "2024-01-02T00:04:00+00:00,10.00,10.50,9.90,10.20,2.5\n"  # a volume finer than the size precision 0
        "2024-01-02T00:05:00+00:00,10.00,10.50,9.90,10.2000000001,100\n"  # beyond 9 decimals
    )
    r = load(tmp_path, text).report
    assert r.count(Check.OFF_INCREMENT, "rejected") == 4
    assert r.decimals_carried == {"price": 10, "size": 1}
    assert "prices carry up to 10 decimals, more than the price precision 2 allows: 3 rows rejected" in " ".join(
        r.notes
    )
    assert "sizes carry up to 1 decimals, more than the size precision 0 allows: 1 rows rejected" in " ".join(r.notes)
    assert r.to_dict()["decimals_carried"] == {"price": 10, "size": 1}
    repaired = load(tmp_path, text, off_increment=Policy.REPAIR).report
    assert repaired.decimals_carried == {"price": 10, "size": 1}
    assert "3 rows repaired as off_increment" in " ".join(repaired.notes)


def test_values_off_a_coarser_tick_at_the_precision_name_no_precision(tmp_path: Path) -> None:
    text = "timestamp,open,high,low,close,volume\n2024-01-02T00:01:00+00:00,10.00,10.50,9.90,10.23,100\n"
    path = write(tmp_path, "bars.csv", text)
    r = load_market_data(path, OHLCV, equity(2, tick="0.05"), bar_spec=MINUTE).report
    assert r.count(Check.OFF_INCREMENT, "rejected") == 1  # 10.23 has 2 decimals but is off the 0.05 tick
    assert r.decimals_carried == {} and not any("decimals" in note for note in r.notes)


def test_repairs_round_to_tick_widen_ohlc_and_sort(tmp_path: Path) -> None:
    data = load(tmp_path, off_increment=Policy.REPAIR, ohlc_inconsistent=Policy.REPAIR, non_monotonic=Policy.REPAIR)
    r = data.report
    assert r.count(Check.OFF_INCREMENT, "repaired") == 1
    assert r.count(Check.OHLC_INCONSISTENT, "repaired") == 1
    assert r.count(Check.NON_MONOTONIC, "repaired") == 1
    bars = {b.ts_event: b for b in data.to_objects() if isinstance(b, Bar)}
    minute = 60 * S
    base = 1_704_153_600 * S
    assert bars[base + 4 * minute].open == Price.of("10.00")  # 10.005 -> 10.00 (half-even)
    widened = bars[base + 3 * minute]
    assert (widened.high, widened.low) == (Price.of("10.10"), Price.of("10.00"))
    ts = data.columns["ts"].tolist()
    assert ts == sorted(ts) and base + 90 * S in ts  # the 00:01:30 row sorted into place
    assert r.accepted + r.flagged + r.repaired + r.rejected == r.rows


def test_flag_keeps_rows_and_ignore_skips_checks(tmp_path: Path) -> None:
    data = load(tmp_path, duplicate_timestamp=Policy.FLAG, non_positive_price=Policy.FLAG, gap=Policy.IGNORE)
    r = data.report
    assert r.count(Check.DUPLICATE_TIMESTAMP, "flagged") == 1
    assert r.count(Check.NON_POSITIVE_PRICE, "flagged") == 1
    assert r.gaps == 0 and Check.GAP not in r.by_check
    assert r.count(Check.OHLC_INCONSISTENT, "rejected") == 2  # the flagged -1 open is also below the low
    assert len(data) == r.loaded == 4


def test_a_policy_a_check_does_not_support_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"policy\.gap"):
        ValidationPolicy.defaults(DataKind.BARS).with_policies({Check.GAP: Policy.REJECT})
    with pytest.raises(ValidationError, match=r"policy\.missing_value"):
        ValidationPolicy({Check.MISSING_VALUE: Policy.REPAIR})
    assert ValidationPolicy.parse(["off_increment=repair", "GAP=ignore"]) == {
        Check.OFF_INCREMENT: Policy.REPAIR,
        Check.GAP: Policy.IGNORE,
    }
    for bad in ("nonsense=reject", "gap=maybe", "gap"):
        with pytest.raises(ValidationError, match="policy"):
            ValidationPolicy.parse([bad])


def test_a_layout_that_does_not_fit_names_the_presets_that_do(tmp_path: Path) -> None:
    yahoo_like = write(tmp_path, "daily.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n")
    with pytest.raises(ValidationError, match=r"that fit its columns: backtrader \(bars\), yahoo \(bars\) \(--layout"):
        load_market_data(yahoo_like, OHLCV, equity(), bar_spec=MINUTE)
    quotes_like = write(tmp_path, "q.csv", "timestamp,bid,ask,bid_size,ask_size\n")
    with pytest.raises(ValidationError, match=r"that fit its columns: binance-quotes \(quotes\), quotes \(quotes\) "):
        load_market_data(quotes_like, layout_named("trades"), equity())
    nothing = write(tmp_path, "odd.csv", "when,px\n")
    with pytest.raises(ValidationError) as caught:
        load_market_data(nothing, OHLCV, equity(), bar_spec=MINUTE)
    assert "preset layouts" not in str(caught.value)


def test_missing_file_column_or_format_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        load_market_data(tmp_path / "nope.csv", OHLCV, equity(), bar_spec=MINUTE)
    path = write(tmp_path, "bars.csv", "time,open,high,low,close,volume\n")
    with pytest.raises(ValidationError, match=r"columns=\['timestamp'\]: are not in bars.csv; it has \['time'"):
        load_market_data(path, OHLCV, equity(), bar_spec=MINUTE)
    remapped = OHLCV.with_columns(ts="time")
    assert len(load_market_data(path, remapped, equity(), bar_spec=MINUTE)) == 0
    with pytest.raises(ValidationError, match="must end in"):
        load_market_data(write(tmp_path, "bars.json", "{}"), OHLCV, equity(), bar_spec=MINUTE)
    garbage = tmp_path / "bad.parquet"
    garbage.write_bytes(b"not parquet at all")
    with pytest.raises(ValidationError, match="could not be read"):
        load_market_data(garbage, layout_named("binance-quotes"), equity())
    ragged = write(tmp_path, "ragged.csv", "timestamp,open,high,low,close,volume\n1,2\n")
    report = load_market_data(ragged, OHLCV, equity(), bar_spec=MINUTE).report  # a bad row, not a bad file
    assert (report.rows, report.rejected, report.count(Check.UNPARSEABLE)) == (1, 1, 1)


def test_bars_need_a_bar_spec_and_open_stamps_need_time_bars(tmp_path: Path) -> None:
    path = write(tmp_path, "bars.csv", BARS_CSV)
    with pytest.raises(ValidationError, match="bar_spec"):
        load_market_data(path, OHLCV, equity())
    yahoo = write(tmp_path, "y.csv", "Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n")
    with pytest.raises(ValidationError, match="time aggregation"):
        load_market_data(yahoo, layout_named("yahoo"), equity(), bar_spec=BarSpecification.from_str("100-TICK-LAST"))


def test_layouts_validate_their_mapping() -> None:
    with pytest.raises(ValidationError, match="must be mapped"):
        Layout(name="x", kind=DataKind.QUOTES, columns={"ts": "t"})
    with pytest.raises(ValidationError, match="is not a bars field"):
        OHLCV.with_columns(bid_price="bid")
    with pytest.raises(ValidationError, match="not a known layout"):
        layout_named("nope")


def test_yahoo_daily_bar_closes_a_day_after_its_date_in_the_given_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "y.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2014-12-31,1.5,2,1,1.75,1.7,100\n")
    data = load_market_data(path, layout_named("yahoo"), equity(2), bar_spec=DAY, tz="America/New_York")
    (bar,) = data.to_objects()
    assert isinstance(bar, Bar)
    assert bar.ts_event == 1_420_088_400 * S  # 2015-01-01T00:00-05:00
    assert any("America/New_York" in note for note in data.report.notes)


def test_daily_gaps_count_missing_weekdays_only(tmp_path: Path) -> None:
    rows = ["2024-01-05", "2024-01-08", "2024-01-10", "2024-01-11"]  # Fri, Mon, Wed (Tue missing), Thu
    text = "Date,Open,High,Low,Close,Volume\n" + "".join(f"{d},1,1,1,1,1\n" for d in rows)
    data = load_market_data(write(tmp_path, "d.csv", text), layout_named("yahoo"), equity(2), bar_spec=DAY)
    assert (data.report.gaps, data.report.missing_intervals, data.report.flagged) == (1, 1, 1)


def test_quotes_crossed_and_sizes(tmp_path: Path) -> None:
    text = (
        "timestamp,bid,ask,bid_size,ask_size\n"
        "2024-01-02T00:00:00Z,10.00,10.01,5,5\n"
        "2024-01-02T00:00:01Z,10.02,10.01,5,5\n"
        "2024-01-02T00:00:01Z,10.00,10.01,-1,5\n"
        "2024-01-02T00:00:02Z,10.00,10.01,0,5\n"
    )
    data = load_market_data(write(tmp_path, "q.csv", text), layout_named("quotes"), equity(2))
    r = data.report
    assert r.count(Check.CROSSED_QUOTE, "rejected") == 1
    assert r.count(Check.INVALID_SIZE, "rejected") == 1
    assert len(data) == 2 and r.count(Check.DUPLICATE_TIMESTAMP) == 0  # the duplicate was already rejected
    quotes = data.to_objects()
    assert all(isinstance(q, QuoteTick) for q in quotes)


def test_off_increment_rules_name_the_tick_and_the_lot_when_they_are_equal(tmp_path: Path) -> None:
    # The tick, the lot and the size precision's step are all 0.01 here: each field keeps its own rule.
    text = (
        "timestamp,bid,ask,bid_size,ask_size\n"
        "2024-01-02T00:00:00Z,10.005,10.01,5,5\n"
        "2024-01-02T00:00:01Z,10.00,10.01,5,5.015\n"
    )
    instrument = equity(2, size_precision=2, tick="0.01", lot="0.01")
    r = load_market_data(write(tmp_path, "q.csv", text), layout_named("quotes"), instrument).report
    rules = {issue.field: issue.rule for issue in r.issues if issue.check is Check.OFF_INCREMENT}
    assert rules == {
        "bid_price": "must be a multiple of the tick size 0.01",
        "ask_size": "must be a multiple of the lot size 0.01",
    }


def test_trades_from_parquet_with_bool_aggressor_and_content_ids(tmp_path: Path) -> None:
    table = pa.table(
        {
            "timestamp": pa.array([1_000, 2_000, 2_000], pa.timestamp("ms", tz="UTC")),
            "price": [100.5, 100.25, 100.0],
            "quantity": [0.5, 0.0, 1.0],
            "buyer_maker": [True, False, True],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    layout = layout_named("binance-trades").with_columns(trade_id="")
    data = load_market_data(path, layout, equity(2, 3))
    r = data.report
    assert r.count(Check.INVALID_SIZE, "rejected") == 1  # a trade of size 0
    trades = data.to_objects()
    ids = ["1000000000:100500000000:500000000:2:0", "2000000000:100000000000:1000000000:2:0"]  # ts:price:size:side:n
    assert [t.trade_id for t in trades if isinstance(t, TradeTick)] == ids
    assert [t.aggressor_side for t in trades if isinstance(t, TradeTick)] == [AggressorSide.SELLER] * 2
    assert data.to_arrow().column("trade_id").to_pylist() == ids


def test_book_rows_group_into_snapshot_and_deltas(tmp_path: Path) -> None:
    text = (
        "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
        "X,1000,1,10,b,snap,99.9,1.0,-1\n"
        "X,1000,1,10,a,snap,100.1,2.0,-1\n"
        "X,2000,11,12,b,set,99.9,0,10\n"
        "X,2000,11,12,a,set,100.2,3.5,10\n"
        "X,3000,13,14,a,snap,100.1,1.0,12\n"
        "X,3000,13,14,a,snap,100.1,2.0,12\n"
    )
    data = load_market_data(write(tmp_path, "d.csv", text), layout_named("binance-depth"), equity(2, 1))
    snap, deltas = data.to_objects()
    assert len(snap.bids) == 1 and len(snap.asks) == 1  # type: ignore[union-attr]
    assert [d.action.name for d in deltas.deltas] == ["DELETE", "UPDATE"]  # type: ignore[union-attr]
    assert data.report.count(Check.INVALID_BOOK, "rejected") == 2  # a snapshot with a duplicate level


def test_trades_without_aggressor_or_id_columns(tmp_path: Path) -> None:
    text = "timestamp,price,size\n2024-01-02T00:00:00Z,10.00,5\n2024-01-02T00:00:01Z,10.01,3\n"
    layout = layout_named("trades").with_columns(aggressor="", trade_id="")
    data = load_market_data(write(tmp_path, "t.csv", text), layout, equity(2))
    trades = data.to_objects()
    assert [(t.trade_id, t.aggressor_side) for t in trades if isinstance(t, TradeTick)] == [
        ("1704153600000000000:10000000000:5000000000:0:0", AggressorSide.NO_AGGRESSOR),
        ("1704153601000000000:10010000000:3000000000:0:0", AggressorSide.NO_AGGRESSOR),
    ]
    assert len(data.report.notes) == 2
