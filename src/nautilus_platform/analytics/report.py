"""A self-contained HTML backtest report (Plotly, offline).

plotly.js is embedded inline once (with the first chart); no CDN or external script is referenced, so
the file opens without a network. Charts are deterministic (fixed element ids). Series longer than
``MAX_PLOT_POINTS`` are downsampled for plotting by an even stride that always keeps the first and last
point (see :func:`downsample_indices`); the statistics are always computed on the full data.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from nautilus_platform.analytics.statistics import (
    EquityCurve,
    RoundTrip,
    Statistics,
    drawdown_series,
    monthly_returns,
)
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.lazy import LazyModule

if TYPE_CHECKING:
    import plotly.graph_objects as go
else:  # imported when a report is drawn: a backtest or a sweep worker never needs Plotly
    go = LazyModule("plotly.graph_objects")

MAX_PLOT_POINTS = 5_000
HISTOGRAM_BINS = 60
_CHART_HEIGHT = 380
_PERCENT_FIELDS = frozenset(
    {"total_return", "annualised_return", "volatility", "max_drawdown", "win_rate", "exposure", "risk_free"}
)
#: Amounts of money (the curve's currency): every digit shown, as a BTC account's fees of 0.00012 would
#: read 0.0001 with four decimals.
_AMOUNT_FIELDS = frozenset({"expectancy", "average_win", "average_loss", "fees_paid", "start_equity", "end_equity"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CSS = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}"
    "th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th{background:#f3f3f3}"
    "td:first-child,th:first-child{text-align:left}.chart{margin-bottom:1rem}"
)


@dataclass(frozen=True)
class FillMarker:
    """One fill drawn on the price chart: ``side`` is "BUY" or "SELL"."""

    instrument_id: str
    ts: int
    price: float
    side: str
    quantity: float

    def __post_init__(self) -> None:
        if self.side not in ("BUY", "SELL"):
            raise ValidationError("side", self.side, "must be BUY or SELL")


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows. ``prices``: instrument → (ts ns, close); ``extra_tables``: title → (header, rows)."""

    title: str
    curve: EquityCurve
    trades: Sequence[RoundTrip]
    statistics: Statistics
    prices: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = field(default_factory=dict)
    fills: Sequence[FillMarker] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_tables: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)


def downsample_indices(length: int, max_points: int = MAX_PLOT_POINTS) -> NDArray[np.intp]:
    """Indices of at most ``max_points`` evenly strided points of a series, always the first and last."""
    if max_points < 2:
        raise ValidationError("max_points", max_points, "must be at least 2")
    if length <= max_points:
        return np.arange(length, dtype=np.intp)
    step = math.ceil(length / (max_points - 1))
    indices = np.arange(0, length, step, dtype=np.intp)
    if indices[-1] != length - 1:
        indices = np.append(indices, np.intp(length - 1))
    return indices


def to_datetimes(ts: NDArray[np.int64]) -> NDArray[np.datetime64]:
    """UTC nanosecond timestamps as ``datetime64[ns]`` (what Plotly plots as dates)."""
    return np.asarray(ts, dtype=np.int64).astype("datetime64[ns]")


def format_statistic(name: str, value: float) -> str:
    """Display form of a statistic: percentages for return-like fields, ``n/a`` for NaN, yes/no for a flag."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if name in _PERCENT_FIELDS:
        return f"{value * 100:.2f}%"
    if name in _AMOUNT_FIELDS:
        return format_number(value, min_decimals=2)
    return f"{value:,.4f}"


_ONE = Decimal(1)
_WIDE = Context(prec=400)  # quantizing a float's digits never rounds (a float has at most 309 integer digits)


def format_number(value: float, min_decimals: int = 0) -> str:
    """Every digit of ``value``'s shortest round-trip form, in plain notation with thousands separators and at
    least ``min_decimals`` decimals: ``1,234,567``, ``0.00000043``, ``-26.50``; never ``1e+06`` or a
    crypto amount cut to ``0.00``. ``nan``/``inf`` as they are."""
    if not math.isfinite(value):
        return str(value)
    number = Decimal(repr(value))
    if number == number.to_integral_value():
        number = number.quantize(_ONE, context=_WIDE)  # 10.0 -> 10, 1e16 -> 10000000000000000
    if -number.as_tuple().exponent < min_decimals:  # type: ignore[operator]
        number = number.quantize(_ONE.scaleb(-min_decimals), context=_WIDE)
    return f"{number:,f}"


def fill_markers_from_round_trips(trades: Iterable[RoundTrip]) -> list[FillMarker]:
    """Entry and exit markers of round trips (a LONG enters with a BUY and exits with a SELL)."""
    markers: list[FillMarker] = []
    for trade in trades:
        enter, leave = ("BUY", "SELL") if trade.side == "LONG" else ("SELL", "BUY")
        markers.append(FillMarker(trade.instrument_id, trade.entry_ts, trade.entry_price, enter, trade.quantity))
        markers.append(FillMarker(trade.instrument_id, trade.exit_ts, trade.exit_price, leave, trade.quantity))
    return markers


def render_report(data: ReportData) -> str:
    """One HTML document (UTF-8 text) with charts and tables; opens offline."""
    esc = html.escape
    figures = [_equity_figure(data.curve), _drawdown_figure(data.curve), _monthly_figure(data.curve)]
    figures.append(_histogram_figure(data.curve))
    figures.extend(_price_figures(data.prices, data.fills))
    charts = [_figure_html(figure, index, include_plotlyjs=index == 0) for index, figure in enumerate(figures)]
    stats = data.statistics.to_dict()
    notes = [*_ruin_notes(data), *data.notes]
    sections = [
        f"<h1>{esc(data.title)}</h1>",
        "<h2>Notes</h2><ul>" + "".join(f"<li>{esc(note)}</li>" for note in notes) + "</ul>" if notes else "",
        "<h2>Statistics</h2>",
        _table(["statistic", "value"], [[name, format_statistic(name, value)] for name, value in stats.items()]),
        *charts,
        "<h2>Parameters</h2>",
        _table(["parameter", "value"], [[key, value] for key, value in data.parameters.items()]),
        f"<h2>Round trips ({len(data.trades)})</h2>",
        _table(list(_TRADE_HEADER), [_trade_row(trade) for trade in data.trades]),
    ]
    for title, (header, rows) in data.extra_tables.items():
        sections.extend((f"<h2>{esc(title)}</h2>", _table(header, rows)))
    body = "\n".join(section for section in sections if section)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(data.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _ruin_notes(data: ReportData) -> list[str]:
    """The note of a ruined account (equity at or below zero), first in the report."""
    if not data.statistics.ruined:
        return []
    ruin = data.curve.ruin_index()
    when = f" at {to_datetimes(data.curve.ts[ruin : ruin + 1])[0]}" if ruin is not None else ""
    return [
        f"The account was ruined{when}: equity reached zero or below. Return statistics stop there "
        "(a -100 % period return and drawdown); end equity is the actual last equity."
    ]


def write_report(data: ReportData, path: str | os.PathLike[str]) -> Path:
    """Render the report and write it to ``path`` (UTF-8); returns the path."""
    target = Path(path)
    target.write_text(render_report(data), encoding="utf-8")
    return target


def _figure_html(figure: go.Figure, index: int, *, include_plotlyjs: bool) -> str:
    """One chart as an HTML fragment with a fixed element id; plotly.js inline only when asked."""
    fragment: str = figure.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        div_id=f"naut-chart-{index}",
        default_height=f"{_CHART_HEIGHT}px",
        config={"displaylogo": False, "responsive": True},
    )
    return f'<div class="chart">{fragment}</div>'


_TRADE_HEADER = ("instrument", "side", "quantity", "entry time", "exit time", "entry", "exit", "pnl", "fees")


def _trade_row(trade: RoundTrip) -> list[str]:
    entry, exit_ = (str(t) for t in to_datetimes(np.array([trade.entry_ts, trade.exit_ts], dtype=np.int64)))
    return [
        trade.instrument_id,
        trade.side,
        format_number(trade.quantity),
        entry,
        exit_,
        format_number(trade.entry_price, min_decimals=2),
        format_number(trade.exit_price, min_decimals=2),
        format_number(trade.pnl, min_decimals=2),
        format_number(trade.fees, min_decimals=2),
    ]


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _layout(figure: go.Figure, title: str, **extra: Any) -> go.Figure:
    figure.update_layout(
        title=html.escape(title), height=_CHART_HEIGHT, margin={"l": 50, "r": 20, "t": 40, "b": 40}, **extra
    )
    return figure


def _equity_figure(curve: EquityCurve) -> go.Figure:
    keep = downsample_indices(len(curve))
    trace = go.Scatter(x=to_datetimes(curve.ts[keep]), y=curve.equity[keep], mode="lines", name="equity")
    return _layout(go.Figure(trace), "Equity")


def _drawdown_figure(curve: EquityCurve) -> go.Figure:
    drawdown = drawdown_series(curve.equity)
    keep = downsample_indices(len(curve))
    if drawdown.size:  # keep the deepest point so the plotted trough matches max_drawdown
        keep = np.union1d(keep, np.array([int(np.argmin(drawdown))], dtype=np.intp))
    trace = go.Scatter(x=to_datetimes(curve.ts[keep]), y=drawdown[keep], mode="lines", fill="tozeroy", name="drawdown")
    return _layout(go.Figure(trace), "Drawdown", yaxis={"tickformat": ".1%"})


def _monthly_figure(curve: EquityCurve) -> go.Figure:
    months = monthly_returns(curve)
    years = sorted({year for year, _ in months})
    z = [[months.get((year, month), math.nan) for month in range(1, 13)] for year in years]
    text = [["" if math.isnan(v) else f"{v * 100:.1f}%" for v in row] for row in z]
    heatmap = go.Heatmap(
        z=z,
        x=list(_MONTHS),
        y=[str(year) for year in years],
        text=text,
        texttemplate="%{text}",
        colorscale="RdYlGn",
        zmid=0.0,
        hovertemplate="%{y} %{x}: %{text}<extra></extra>",
    )
    return _layout(go.Figure(heatmap), "Monthly returns", yaxis={"type": "category", "autorange": "reversed"})


def _histogram_figure(curve: EquityCurve) -> go.Figure:
    """Histogram binned with NumPy, so the report holds bin counts rather than every return."""
    returns = curve.returns()
    returns = returns[np.isfinite(returns)]
    if returns.size:
        counts, edges = np.histogram(returns, bins=HISTOGRAM_BINS)
        centres, widths = (edges[:-1] + edges[1:]) / 2.0, np.diff(edges)
    else:
        counts, centres, widths = np.empty(0, np.int64), np.empty(0), np.empty(0)
    bars = go.Bar(x=centres, y=counts, width=widths, name="period returns")
    return _layout(go.Figure(bars), "Distribution of period returns", xaxis={"tickformat": ".2%"}, bargap=0.02)


def _price_figures(
    prices: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]], fills: Sequence[FillMarker]
) -> list[go.Figure]:
    by_instrument: dict[str, list[FillMarker]] = {}
    for fill in fills:
        by_instrument.setdefault(fill.instrument_id, []).append(fill)
    instruments = list(prices) + [i for i in by_instrument if i not in prices]
    figures = []
    for instrument in instruments:
        figure = go.Figure()
        if instrument in prices:
            ts = np.asarray(prices[instrument][0], dtype=np.int64)
            close = np.asarray(prices[instrument][1], dtype=np.float64)
            keep = downsample_indices(ts.size)
            figure.add_trace(go.Scatter(x=to_datetimes(ts[keep]), y=close[keep], mode="lines", name="close"))
        for side, symbol, colour in (("BUY", "triangle-up", "#1a9850"), ("SELL", "triangle-down", "#d73027")):
            marks = [f for f in by_instrument.get(instrument, []) if f.side == side]
            keep = downsample_indices(len(marks))
            marks = [marks[i] for i in keep.tolist()]
            if not marks:
                continue
            figure.add_trace(
                go.Scatter(
                    x=to_datetimes(np.array([m.ts for m in marks], dtype=np.int64)),
                    y=np.array([m.price for m in marks], dtype=np.float64),
                    mode="markers",
                    name=side.lower(),
                    marker={"symbol": symbol, "size": 9, "color": colour},
                    customdata=np.array([m.quantity for m in marks], dtype=np.float64),
                    hovertemplate=f"{side} %{{customdata}} @ %{{y}}<extra></extra>",
                )
            )
        figures.append(_layout(figure, f"Price: {instrument}"))
    return figures
