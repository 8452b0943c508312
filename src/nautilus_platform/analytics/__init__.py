"""Analytics: backtest statistics and self-contained HTML reports (engine layer; imports core and model only)."""

from nautilus_platform.analytics.report import (
    FillMarker,
    ReportData,
    downsample_indices,
    fill_markers_from_round_trips,
    render_report,
    write_report,
)
from nautilus_platform.analytics.statistics import (
    EquityCurve,
    RoundTrip,
    Statistics,
    compute_statistics,
    drawdown_series,
    infer_periods_per_year,
    max_drawdown_duration_ns,
    monthly_returns,
)

__all__ = [
    "EquityCurve",
    "FillMarker",
    "ReportData",
    "RoundTrip",
    "Statistics",
    "compute_statistics",
    "downsample_indices",
    "drawdown_series",
    "fill_markers_from_round_trips",
    "infer_periods_per_year",
    "max_drawdown_duration_ns",
    "monthly_returns",
    "render_report",
    "write_report",
]
