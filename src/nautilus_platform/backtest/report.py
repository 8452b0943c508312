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
    return ReportData(
        title=title, curve=result.equity, trades=result.round_trips, statistics=result.statistics,
        prices=price_series(sources), fills=fills, parameters=parameters, notes=[*result.notes, *errors],
    )  # fmt: skip


def write_backtest_report(result: BacktestResult, sources: Sequence[DataSource], path: str | Path, title: str) -> Path:
    """Write the self-contained HTML report (opens offline)."""
    return write_report(report_data(result, sources, title), Path(path))
