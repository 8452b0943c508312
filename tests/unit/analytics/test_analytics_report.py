"""HTML report: self-contained (plotly.js inline once, nothing external), complete tables, escaping, downsampling."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from nautilus_platform.analytics import (
    EquityCurve,
    FillMarker,
    ReportData,
    RoundTrip,
    compute_statistics,
    downsample_indices,
    fill_markers_from_round_trips,
    render_report,
    write_report,
)
from nautilus_platform.analytics.report import format_statistic
from nautilus_platform.core.errors import ValidationError

DAY = 86_400 * 1_000_000_000
T0 = 1_577_836_800 * 1_000_000_000  # 2020-01-01T00:00:00Z
HOSTILE = "<script>alert('x')</script>"


def make_data(n: int = 300, **overrides: object) -> ReportData:
    rng = np.random.default_rng(42)
    ts = T0 + DAY * np.arange(n, dtype=np.int64)
    equity = 100_000.0 * np.cumprod(1.0 + rng.normal(0.0005, 0.01, n))
    close = 150.0 * np.cumprod(1.0 + rng.normal(0.0, 0.02, n))
    trades = [
        RoundTrip("AAPL.XNAS", "LONG", 10.0, int(ts[5]), int(ts[20]), 151.25, 160.5, 90.75, 1.75),
        RoundTrip("AAPL.XNAS", "SHORT", 5.0, int(ts[40]), int(ts[60]), 170.0, 175.0, -26.5, 1.5),
        RoundTrip(HOSTILE, "LONG", 1.0, int(ts[70]), int(ts[90]), 10.0, 12.0, 1.9, 0.1),
    ]
    curve = EquityCurve(ts, equity)
    fields: dict[str, object] = {
        "title": "Momentum <v1> & friends",
        "curve": curve,
        "trades": trades,
        "statistics": compute_statistics(curve, trades, exposure_time_fraction=0.5),
        "prices": {"AAPL.XNAS": (ts, close), HOSTILE: (ts, close / 10.0)},
        "fills": fill_markers_from_round_trips(trades),
        "parameters": {"fast": "10", "slow": "30", "venue": "<SIM>"},
        "notes": ["synthetic data: seeded random walk"],
        "extra_tables": {"Execution quality": (["venue", "slippage bps"], [["SIM-A", "1.2"], ["<b>", "0.8"]])},
    }
    fields.update(overrides)
    return ReportData(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report() -> tuple[ReportData, str]:
    data = make_data()
    return data, render_report(data)


def test_report_contains_every_statistic(report: tuple[ReportData, str]) -> None:
    data, text = report
    for name, value in data.statistics.to_dict().items():
        assert f"<td>{name}</td><td>{html.escape(format_statistic(name, value))}</td>" in text
    assert f"<td>sharpe</td><td>{data.statistics.sharpe:,.4f}</td>" in text
    assert "<td>exposure</td><td>50.00%</td>" in text


def test_report_contains_every_trade_row_escaped(report: tuple[ReportData, str]) -> None:
    _, text = report
    assert "<h2>Round trips (3)</h2>" in text
    assert "<td>AAPL.XNAS</td><td>LONG</td><td>10</td><td>2020-01-06T00:00:00.000000000</td>" in text
    assert "<td>90.75</td><td>1.75</td>" in text and "<td>-26.50</td><td>1.50</td>" in text
    assert f"<td>{html.escape(HOSTILE)}</td><td>LONG</td>" in text
    assert HOSTILE not in text
    assert "<h1>Momentum &lt;v1&gt; &amp; friends</h1>" in text
    assert "<td>venue</td><td>&lt;SIM&gt;</td>" in text
    assert "<li>synthetic data: seeded random walk</li>" in text
    assert "<h2>Execution quality</h2>" in text and "<td>&lt;b&gt;</td><td>0.8</td>" in text


def test_plotly_js_is_embedded_inline_exactly_once_and_nothing_is_external(report: tuple[ReportData, str]) -> None:
    _, text = report
    bundle = get_plotlyjs()
    assert text.count(bundle) == 1
    assert text.count("plotly.js v") == 1
    # equity, drawdown, monthly heatmap, histogram, and one price chart per instrument
    assert text.count("Plotly.newPlot(") == 6
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, flags=re.IGNORECASE)
    assert "<link" not in text
    # plotly.js itself carries two dormant default URLs (geo topojson, map icons) that these charts never load;
    # outside the bundle the report references no CDN at all.
    outside = text.replace(bundle, "")
    assert "https://cdn" not in outside and "http://cdn" not in outside
    assert "cdn.plot.ly" not in outside


def test_rendering_is_deterministic() -> None:
    assert render_report(make_data(n=100)) == render_report(make_data(n=100))


def test_write_report_writes_utf8(tmp_path: Path) -> None:
    data = make_data(n=100, notes=["données synthétiques — €"])
    path = write_report(data, tmp_path / "report.html")
    assert path == tmp_path / "report.html"
    content = path.read_text(encoding="utf-8")
    assert content == render_report(data)
    assert content.startswith("<!DOCTYPE html>") and "données synthétiques — €" in content


def test_downsample_indices_keep_first_and_last_and_bound_the_count() -> None:
    for length in (1_000_000, 5_001, 12_345, 10_000):
        keep = downsample_indices(length)
        assert keep[0] == 0 and keep[-1] == length - 1
        assert len(keep) <= 5_000
        assert np.all(np.diff(keep) > 0)
    np.testing.assert_array_equal(downsample_indices(5_000), np.arange(5_000))
    assert downsample_indices(0).size == 0
    assert list(downsample_indices(10, max_points=3)) == [0, 5, 9]
    with pytest.raises(ValidationError):
        downsample_indices(10, max_points=1)


def test_long_backtest_report_stays_small_and_keeps_the_last_point() -> None:
    n = 200_003
    minute = 60_000_000_000
    ts = T0 + minute * np.arange(n, dtype=np.int64)
    equity = 1_000.0 + np.cumsum(np.random.default_rng(1).normal(0.0, 1.0, n))
    curve = EquityCurve(ts, equity)
    data = make_data(n=100, curve=curve, statistics=compute_statistics(curve, []), prices={"X": (ts, equity)}, fills=[])
    text = render_report(data)
    assert len(text) - len(get_plotlyjs()) < 2_000_000
    last = str(np.int64(ts[-1]).astype("datetime64[ns]"))
    first = str(np.int64(ts[0]).astype("datetime64[ns]"))
    assert last in text and first in text
    assert str(np.int64(ts[1]).astype("datetime64[ns]")) not in text  # thinned


def test_minimal_report_renders_without_trades_or_prices() -> None:
    curve = EquityCurve(np.array([T0], dtype=np.int64), np.array([100.0]))
    data = ReportData(title="empty", curve=curve, trades=[], statistics=compute_statistics(curve, []))
    text = render_report(data)
    assert "<td>sharpe</td><td>n/a</td>" in text
    assert "<h2>Round trips (0)</h2>" in text
    assert text.count("Plotly.newPlot(") == 4


def test_fill_markers_from_round_trips_and_validation() -> None:
    trades = [
        RoundTrip("A", "LONG", 2.0, 1, 2, 10.0, 11.0, 2.0, 0.0),
        RoundTrip("B", "SHORT", 3.0, 3, 4, 20.0, 19.0, 3.0, 0.0),
    ]
    assert fill_markers_from_round_trips(trades) == [
        FillMarker("A", 1, 10.0, "BUY", 2.0),
        FillMarker("A", 2, 11.0, "SELL", 2.0),
        FillMarker("B", 3, 20.0, "SELL", 3.0),
        FillMarker("B", 4, 19.0, "BUY", 3.0),
    ]
    with pytest.raises(ValidationError, match="side"):
        FillMarker("A", 1, 1.0, "LONG", 1.0)


def test_format_statistic() -> None:
    assert format_statistic("total_return", 0.12345) == "12.35%"
    assert format_statistic("sharpe", 1.23456) == "1.2346"
    assert format_statistic("profit_factor", float("inf")) == "inf"
    assert format_statistic("sortino", float("nan")) == "n/a"
    assert format_statistic("trades", 1234) == "1,234"


def test_a_ruined_account_is_flagged_in_the_statistics_and_the_notes() -> None:
    ts = T0 + DAY * np.arange(6, dtype=np.int64)
    curve = EquityCurve(ts, np.array([100.0, 110.0, 40.0, -30.0, -10.0, -60.0]))
    text = render_report(make_data(curve=curve, statistics=compute_statistics(curve, []), prices={}, fills=[]))
    assert "<td>total_return</td><td>-100.00%</td>" in text
    assert "<td>max_drawdown</td><td>-100.00%</td>" in text
    assert "<td>ruined</td><td>yes</td>" in text
    assert "<li>The account was ruined at 2020-01-04T00:00:00.000000000: equity reached zero or below." in text
    assert "<li>synthetic data: seeded random walk</li>" in text  # the caller's notes follow
    live = make_data(n=100)
    assert "<td>ruined</td><td>no</td>" in render_report(live) and "was ruined" not in render_report(live)
    assert format_statistic("ruined", True) == "yes" and format_statistic("ruined", False) == "no"
