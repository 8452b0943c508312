"""A backtest's HTML report: its result plus the prices it traded on, as ``analytics.ReportData``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nautilus_platform.analytics.report import FillMarker, ReportData, write_report
from nautilus_platform.backtest.engine import DataSource
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.values import FIXED_SCALAR


def price_series(sources: Sequence[DataSource]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per instrument, (ts, price): bar closes, quote mids or trade prices of columnar sources."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for source in sources:
        if not isinstance(source, LoadedData | CatalogData) or not len(source.columns.get("ts", ())):
            continue
        instrument_id = str(source.instrument.id if isinstance(source, LoadedData) else source.instrument_id)
        if instrument_id in out:
            continue
        cols = source.columns
        if source.kind is DataKind.BARS:
            price = cols["close"] / FIXED_SCALAR
        elif source.kind is DataKind.QUOTES:
            price = (cols["bid_price"] + cols["ask_price"]) / (2 * FIXED_SCALAR)
        elif source.kind is DataKind.TRADES:
            price = cols["price"] / FIXED_SCALAR
        else:
            continue
        out[instrument_id] = (cols["ts"], np.asarray(price, np.float64))
    return out


def report_data(result: BacktestResult, sources: Sequence[DataSource], title: str) -> ReportData:
    """What the report shows for ``result``: equity, trades, statistics, prices with fills, parameters."""
    fills = [
        FillMarker(
            str(f.instrument_id),
            f.ts_event,
            float(f.last_px.as_decimal()),
            f.order_side.name,
            float(f.last_qty.as_decimal()),
        )
        for f in result.fills
    ]
    parameters = {
        f"{strategy_id}.{name}": str(value)
        for strategy_id, params in result.strategies.items()
        for name, value in params.items()
    }
    errors = [f"strategy {e.strategy_id} stopped: {e.callback} raised {e.error}" for e in result.strategy_errors]
    extra = {}
    if result.execution_quality:
        extra["Execution quality by venue (smart order routing)"] = execution_quality_table(result.execution_quality)
    return ReportData(
        title=title, curve=result.equity, trades=result.round_trips, statistics=result.statistics,
        prices=price_series(sources), fills=fills, parameters=parameters, notes=[*result.notes, *errors],
        extra_tables=extra,
    )  # fmt: skip


QUALITY_COLUMNS = [
    "venue", "children", "sent", "filled", "fill rate", "shortfall (bps)", "effective spread (bps)",
    "time to fill (ms)", "fees", "rejected",
]  # fmt: skip


def execution_quality_table(rows: Sequence[dict[str, object]]) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the per-venue execution-quality table."""

    def num(value: object, digits: int = 2) -> str:
        return "" if value is None else f"{float(value):.{digits}f}"  # type: ignore[arg-type]

    def fees(value: object) -> str:
        return ", ".join(f"{amount} {ccy}" for ccy, amount in value.items()) if isinstance(value, dict) else ""

    body = [
        [
            str(row["key"]), str(row["orders"]), str(row["sent_qty"]), str(row["filled_qty"]),
            f"{float(row['fill_rate']):.1%}", num(row["shortfall_bps"]), num(row["effective_spread_bps"]),  # type: ignore[arg-type]
            num(row["avg_time_to_fill_ms"], 3), fees(row["fees"]), str(row["rejected"]),
        ]
        for row in rows
    ]  # fmt: skip
    return QUALITY_COLUMNS, body


def write_backtest_report(result: BacktestResult, sources: Sequence[DataSource], path: str | Path, title: str) -> Path:
    """Write the self-contained HTML report (opens offline)."""
    return write_report(report_data(result, sources, title), Path(path))
