"""The report's tables show every digit: large quantities without exponents, crypto prices, P&L and
fees beyond two decimals, money statistics beyond four."""

from __future__ import annotations

import numpy as np

from nautilus_platform.analytics import EquityCurve, ReportData, RoundTrip, compute_statistics, render_report
from nautilus_platform.analytics.report import format_statistic

DAY = 86_400 * 1_000_000_000
T0 = 1_577_836_800 * 1_000_000_000


def test_format_number_keeps_every_digit_in_plain_notation() -> None:
    from nautilus_platform.analytics.report import format_number  # new with the fix

    assert format_number(1_234_567.0) == "1,234,567"  # ``:g`` gave 1.23457e+06
    assert format_number(1_000_000.0) == "1,000,000"  # ``:g`` gave 1e+06
    assert format_number(0.12345678) == "0.12345678"
    assert format_number(43_251.57, min_decimals=2) == "43,251.57"  # ``.6g`` gave 43,251.6
    assert format_number(-26.5, min_decimals=2) == "-26.50"
    assert format_number(0.00000043, min_decimals=2) == "0.00000043"  # ``.2f`` gave 0.00
    assert format_number(1e300, min_decimals=2).endswith(",000.00")
    assert format_number(float("nan")) == "nan"


def test_trade_rows_show_large_quantities_and_crypto_amounts_exactly() -> None:
    ts = T0 + DAY * np.arange(5, dtype=np.int64)
    curve = EquityCurve(ts, np.array([1.0, 1.00001, 1.00002, 1.00001, 1.00003]))
    trades = [
        RoundTrip("EURUSD.SIM", "LONG", 1_000_000.0, int(ts[0]), int(ts[1]), 1.08514, 1.08527, 130.0, 0.0),
        RoundTrip("BTCUSDT.BINANCE", "SHORT", 0.12345678, int(ts[2]), int(ts[3]), 43_251.57, 43_250.12, 0.00012345, 0.0000043),
    ]  # fmt: skip
    statistics = compute_statistics(curve, trades, fees_paid=0.0000043)
    text = render_report(ReportData(title="t", curve=curve, trades=trades, statistics=statistics))
    assert "<td>1,000,000</td>" in text and "1e+06" not in text
    assert "<td>1.08514</td><td>1.08527</td><td>130.00</td><td>0.00</td>" in text
    assert "<td>0.12345678</td>" in text
    assert "<td>43,251.57</td><td>43,250.12</td><td>0.00012345</td><td>0.0000043</td>" in text
    assert f"<td>fees_paid</td><td>{format_statistic('fees_paid', 0.0000043)}</td>" in text


def test_money_statistics_show_every_digit_and_ratios_four_decimals() -> None:
    assert format_statistic("fees_paid", 0.00012345) == "0.00012345"  # was 0.0001
    assert format_statistic("end_equity", 999_992.49657083) == "999,992.49657083"  # was 999,992.4966
    assert format_statistic("start_equity", 1_000_000.0) == "1,000,000.00"
    assert format_statistic("sharpe", 1.23456) == "1.2346"
    assert format_statistic("average_loss", float("nan")) == "n/a"
