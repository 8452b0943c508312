"""Property tests: whatever the rows, the loader never crashes, counts every row once, and what it
keeps passes every rejecting check."""

from __future__ import annotations

import tempfile
from pathlib import Path

from data_support import equity
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.data import Check, DataKind, Policy, ValidationPolicy, layout_named, load_market_data
from nautilus_platform.model.data import BarSpecification

MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
TICK = 10_000_000  # 0.01

prices = st.one_of(
    st.sampled_from(["10.00", "10.01", "9.99", "10.005", "-1", "0", "", "x", "1e2", "27.226834999999998"]),
    st.integers(1, 2_000).map(lambda cents: f"{cents / 100:.2f}"),
)
volumes = st.sampled_from(["0", "5", "-3", "", "1.5", "7"])
times = st.integers(0, 30).map(lambda minute: f"2024-01-02T00:{minute:02d}:00+00:00")
rows = st.lists(st.tuples(times, prices, prices, prices, prices, volumes), max_size=40)
policies = st.fixed_dictionaries(
    {
        Check.OFF_INCREMENT: st.sampled_from([Policy.REJECT, Policy.REPAIR]),
        Check.OHLC_INCONSISTENT: st.sampled_from([Policy.REJECT, Policy.REPAIR]),
        Check.NON_MONOTONIC: st.sampled_from([Policy.REJECT, Policy.REPAIR]),
        Check.DUPLICATE_TIMESTAMP: st.sampled_from([Policy.REJECT, Policy.FLAG, Policy.IGNORE]),
    }
)


@settings(max_examples=150, deadline=None)
@given(rows, policies)
def test_every_row_is_counted_once_and_kept_rows_are_valid(
    data_rows: list[tuple[str, ...]], overrides: dict[Check, Policy]
) -> None:
    text = "timestamp,open,high,low,close,volume\n" + "".join(",".join(r) + "\n" for r in data_rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bars.csv"
        path.write_text(text)
        policy = ValidationPolicy.defaults(DataKind.BARS).with_policies(overrides)
        data = load_market_data(path, layout_named("ohlcv"), equity(2), bar_spec=MINUTE, policy=policy)
    r = data.report
    assert r.rows == len(data_rows)
    assert r.accepted + r.flagged + r.repaired + r.rejected == r.rows
    assert len(data) == r.loaded
    cols = data.columns
    ts = cols["ts"].tolist()
    assert ts == sorted(ts)
    if overrides[Check.DUPLICATE_TIMESTAMP] is Policy.REJECT:
        assert len(set(ts)) == len(ts)
    for name in ("open", "high", "low", "close"):
        assert (cols[name] > 0).all() and (cols[name] % TICK == 0).all()
    assert (cols["low"] <= cols["open"]).all() and (cols["open"] <= cols["high"]).all()
    assert (cols["low"] <= cols["close"]).all() and (cols["close"] <= cols["high"]).all()
    assert (cols["volume"] >= 0).all()
    assert len(data.to_objects()) == len(data)
