"""A backtest's HTML report: its result plus the prices it traded on, as ``analytics.ReportData``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nautilus_platform.analytics.report import FillMarker, ReportData, to_datetimes, write_report
from nautilus_platform.backtest.engine import DataSource
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.events import PositionEvent
from nautilus_platform.model.values import FIXED_SCALAR


def price_series(sources: Sequence[DataSource]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per instrument, (ts, price): bar closes, quote mids or trade prices of columnar sources. Several
    sources of one instrument (files of consecutive periods) are joined in time order; only those of
    the kind met first for it are drawn (bars and quotes of one instrument are not mixed in one line)."""
    parts: dict[str, tuple[DataKind, list[tuple[np.ndarray, np.ndarray]]]] = {}
    for source in sources:
        if not isinstance(source, LoadedData | CatalogData) or not len(source.columns.get("ts", ())):
            continue
        instrument_id = str(source.instrument.id if isinstance(source, LoadedData) else source.instrument_id)
        cols = source.columns
        if source.kind is DataKind.BARS:
            price = cols["close"] / FIXED_SCALAR
        elif source.kind is DataKind.QUOTES:
            price = (cols["bid_price"] + cols["ask_price"]) / (2 * FIXED_SCALAR)
        elif source.kind is DataKind.TRADES:
            price = cols["price"] / FIXED_SCALAR
        else:
            continue
        kind, pieces = parts.setdefault(instrument_id, (source.kind, []))
        if kind is source.kind:
            pieces.append((np.asarray(cols["ts"], np.int64), np.asarray(price, np.float64)))
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for instrument_id, (_, pieces) in parts.items():
        if len(pieces) == 1:
            out[instrument_id] = pieces[0]
            continue
        ts = np.concatenate([piece[0] for piece in pieces])
        price = np.concatenate([piece[1] for piece in pieces])
        order = np.argsort(ts, kind="stable")
        out[instrument_id] = (ts[order], price[order])
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
    still_open = [p for p in result.positions if p.quantity.raw]
    if still_open:  # not round trips (flat to flat): shown apart, so a run that ends in a position says so
        extra[f"Open positions at the end ({len(still_open)})"] = open_positions_table(still_open)
        errors.append(
            f"{len(still_open)} position(s) still open at the end of the run (table below): they are in the equity "
            "curve, exposure and fees, not in the round trips or the trade statistics"
        )
    if result.execution_quality:
        extra["Execution quality by venue (smart order routing)"] = execution_quality_table(result.execution_quality)
    if result.parent_orders:
        extra[f"Routed parent orders ({len(result.parent_orders)})"] = orders_table(result.parent_order_rows())
    return ReportData(
        title=title, curve=result.equity, trades=result.round_trips, statistics=result.statistics,
        prices=price_series(sources), fills=fills, parameters=parameters, notes=[*result.notes, *errors],
        extra_tables=extra,
    )  # fmt: skip


OPEN_POSITION_COLUMNS = [
    "position", "instrument", "strategy", "side", "quantity", "average open price", "opened", "realised pnl",
]  # fmt: skip


def open_positions_table(positions: Sequence[PositionEvent]) -> tuple[list[str], list[list[str]]]:
    """Header and text rows (exact decimals) of the positions still open at the end, as of their last fill."""
    body = [
        [
            str(p.position_id), str(p.instrument_id), str(p.strategy_id), p.side.name, str(p.quantity),
            format(p.avg_px_open, "f"), str(to_datetimes(np.array([p.ts_opened], dtype=np.int64))[0]),
            str(p.realized_pnl),
        ]
        for p in positions
    ]  # fmt: skip
    return OPEN_POSITION_COLUMNS, body


ORDER_COLUMNS = [
    "client_order_id", "strategy_id", "instrument_id", "side", "order_type", "quantity", "price", "status",
    "filled_qty", "avg_px", "children", "reason",
]  # fmt: skip


def orders_table(rows: Sequence[dict[str, object]]) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of order rows (``BacktestResult.parent_order_rows``), exact decimals as
    exported; a column the rows lack is left out."""
    columns = [c for c in ORDER_COLUMNS if not rows or c in rows[0]]
    return columns, [[str(row.get(c, "")) for c in columns] for row in rows]


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
