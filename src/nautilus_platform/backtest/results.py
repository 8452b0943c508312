"""What a backtest produced: orders, fills, positions, balances over time, equity, round trips.

Typed objects in memory, exportable as Parquet, CSV and JSON (``BacktestResult.export``). Prices,
quantities and money are written as exact decimal text in plain notation (a money column holds the
amount, its currency code has a column of its own); timestamps as int64 UTC nanoseconds; the
equity curve, round trips and statistics as floats (they are analytics, not accounting). Every
table keeps its columns and types when it has no rows. The JSON files are strict JSON: a statistic that is
NaN or infinite in memory (no trades, flat equity, a short run's annualised return) is ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Final

import msgspec
import numpy as np

from nautilus_platform.analytics.statistics import EquityCurve, RoundTrip, Statistics
from nautilus_platform.core.arith import FIXED_SCALAR, format_fixed
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, PositionId, TradeId
from nautilus_platform.model.enums import OrderSide, OrderStatus, OrderType
from nautilus_platform.model.events import (
    AccountState,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    PositionEvent,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order, OrderSnapshot, average_price
from nautilus_platform.model.values import Money
from nautilus_platform.strategy.engine import StrategyError

if TYPE_CHECKING:  # imported by the exports only: a backtest itself never needs PyArrow
    import pyarrow as pa

EXPORT_FORMATS = ("parquet", "csv", "json")


class OrderSummary(msgspec.Struct, frozen=True, gc=False):
    """One order of a run as text (exact decimals), as it stood when it closed or the run ended."""

    client_order_id: str
    strategy_id: str
    instrument_id: str
    side: str
    order_type: str
    quantity: str
    price: str
    status: str
    filled_qty: str
    avg_px: str
    ts_init: int
    #: Why it closed without filling in full, as its last event said: the risk engine's denial
    #: (``CODE: message``), the venue's rejection, a cancel's reason (kill switch, OCO, ...); empty otherwise.
    reason: str = ""
    #: The order it belongs to: a contingent order's parent (a bracket's exit, an OTO child), and in
    #: the results of a backtest built by ``build_backtest`` (``run_backtest`` too) a routed child's
    #: parent, as the router reported creating it (never read from tags, which are free-form: a
    #: ``parent:<id>`` tag names nothing); empty otherwise.
    parent_order_id: str = ""


@dataclass
class BacktestResult:
    """Everything a run produced; ``export(folder)`` writes it out."""

    strategies: dict[str, dict[str, object]]
    start_ns: int | None
    end_ns: int | None
    items: int
    wall_seconds: float
    orders: list[OrderSummary]
    fills: list[OrderFilled]
    positions: list[PositionEvent]
    account_states: list[AccountState]
    equity: EquityCurve
    round_trips: list[RoundTrip]
    statistics: Statistics
    strategy_errors: list[StrategyError] = field(default_factory=list)
    data_rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    execution_quality: list[dict[str, object]] = field(default_factory=list)  # per venue, when routing is on
    routing_decisions: int = 0
    #: The routed parent orders (what the strategies sent; ``orders`` holds their children), each as it
    #: stood when it closed or the run ended, in the order they were submitted; empty without routing.
    parent_orders: list[OrderSummary] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        """The results as Arrow tables (one per kind of record), each with its columns and types even
        when it has no rows (an empty run's ``fills.csv`` still has its header). Prices, quantities
        and money are exact decimal text in plain notation (never ``1.2E-7``); a money column holds
        the amount alone, its currency in a column of its own."""
        import pyarrow as pa

        fills = [
            {
                "ts": f.ts_event, "trade_id": str(f.trade_id), "client_order_id": str(f.client_order_id),
                "strategy_id": str(f.strategy_id), "instrument_id": str(f.instrument_id), "side": f.order_side.name,
                "quantity": str(f.last_qty), "price": str(f.last_px), "commission": _amount(f.commission),
                "commission_currency": f.commission.currency.code, "liquidity": f.liquidity_side.name,
            }
            for f in self.fills
        ]  # fmt: skip
        positions = [
            {
                "position_id": str(p.position_id), "instrument_id": str(p.instrument_id), "strategy_id": str(p.strategy_id),
                "side": p.side.name, "quantity": _plain(p.signed_qty), "avg_px_open": _plain(p.avg_px_open),
                "avg_px_close": "" if p.avg_px_close is None else _plain(p.avg_px_close),
                "realized_pnl": _amount(p.realized_pnl), "currency": p.realized_pnl.currency.code,
                "ts_opened": p.ts_opened, "ts_last": p.ts_event,
            }
            for p in self.positions
        ]  # fmt: skip
        balances = [
            {
                "ts": s.ts_event, "account_id": str(s.account_id), "currency": b.currency.code, "total": _amount(b.total),
                "locked": _amount(b.locked), "free": _amount(b.free),
            }
            for s in self.account_states
            for b in s.balances
        ]  # fmt: skip
        orders = _order_rows(self.orders)
        return {
            "orders": _table(orders, _schema(OrderSummary)),
            "fills": _table(fills, _text_schema(_FILL_COLUMNS, ints=("ts",))),
            "positions": _table(positions, _text_schema(_POSITION_COLUMNS, ints=("ts_opened", "ts_last"))),
            "balances": _table(balances, _text_schema(_BALANCE_COLUMNS, ints=("ts",))),
            "equity": pa.table({"ts": pa.array(self.equity.ts, pa.int64()), "equity": pa.array(self.equity.equity)}),
            "round_trips": _table([msgspec.structs.asdict(t) for t in self.round_trips], _schema(RoundTrip)),
            **({"execution_quality": _table(self._quality_rows())} if self.execution_quality else {}),
            **({"parent_orders": _table(self.parent_order_rows(), _parent_schema())} if self.parent_orders else {}),
        }

    def parent_order_rows(self) -> list[dict[str, object]]:
        """The parent orders' rows, each with the number of its children in ``orders``."""
        children: dict[str, int] = {}
        for order in self.orders:
            if order.parent_order_id:
                children[order.parent_order_id] = children.get(order.parent_order_id, 0) + 1
        rows = _order_rows(self.parent_orders)
        for row in rows:
            row["children"] = children.get(str(row["client_order_id"]), 0)
        return rows

    def _quality_rows(self) -> list[dict[str, object]]:
        """Execution quality rows with the fees as text (``"0.6003 USDT; 1.2 BTC"``), for flat files."""
        rows = []
        for row in self.execution_quality:
            fees = row.get("fees")
            text = "; ".join(f"{v} {k}" for k, v in fees.items()) if isinstance(fees, dict) else ""
            rows.append({**row, "fees": text})
        return rows

    def summary(self) -> dict[str, object]:
        """Plain data: run facts, parameters, statistics, errors."""
        return {
            "strategies": self.strategies,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "items": self.items,
            "wall_seconds": self.wall_seconds,
            "orders": len(self.orders),
            "fills": len(self.fills),
            "round_trips": len(self.round_trips),
            "statistics": self.statistics.to_dict(),
            "strategy_errors": [asdict(e) for e in self.strategy_errors],
            "data_rejected": self.data_rejected,
            "notes": self.notes,
            **(
                {
                    "routing_decisions": self.routing_decisions,
                    "parent_orders": len(self.parent_orders),
                    "execution_quality": self.execution_quality,
                }
                if self.routing_decisions or self.parent_orders
                else {}
            ),
        }

    def export(self, folder: str | Path, formats: Sequence[str] = EXPORT_FORMATS) -> list[Path]:
        """Write every table in each format (``parquet``, ``csv``, ``json``) and ``summary.json``."""
        unknown = [f for f in formats if f not in EXPORT_FORMATS]
        if unknown:
            raise ValidationError("formats", unknown, f"must be among {list(EXPORT_FORMATS)}")
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        tables = self.tables()
        for name in _OPTIONAL_TABLES:
            if name not in tables:  # an earlier run's, into the same folder
                for fmt in EXPORT_FORMATS:
                    (out / f"{name}.{fmt}").unlink(missing_ok=True)
        for name, table in tables.items():
            for fmt in formats:
                path = out / f"{name}.{fmt}"
                if fmt == "parquet":
                    pq.write_table(table, path)
                elif fmt == "csv":
                    pacsv.write_csv(table, path)
                else:
                    path.write_text(_strict_json(table.to_pylist(), default=str))
                written.append(path)
        summary = out / "summary.json"
        summary.write_text(_strict_json(self.summary(), indent=2, default=_json_default))
        written.append(summary)
        return written


_OPTIONAL_TABLES: Final = frozenset({"execution_quality", "parent_orders"})  # written only when the run has them
_FILL_COLUMNS: Final = (
    "ts", "trade_id", "client_order_id", "strategy_id", "instrument_id", "side", "quantity", "price", "commission",
    "commission_currency", "liquidity",
)  # fmt: skip
_POSITION_COLUMNS: Final = (
    "position_id", "instrument_id", "strategy_id", "side", "quantity", "avg_px_open", "avg_px_close", "realized_pnl",
    "currency", "ts_opened", "ts_last",
)  # fmt: skip
_BALANCE_COLUMNS: Final = ("ts", "account_id", "currency", "total", "locked", "free")


def _order_rows(orders: Sequence[OrderSummary]) -> list[dict[str, object]]:
    """Order summaries as rows, average prices in plain notation."""
    rows = [msgspec.structs.asdict(o) for o in orders]
    for row in rows:
        avg_px = row["avg_px"]
        if isinstance(avg_px, str) and "E" in avg_px:  # a Decimal's str of a tiny average price: 1.20E-7
            row["avg_px"] = _plain(Decimal(avg_px))
    return rows


def _parent_schema() -> pa.Schema:
    """The ``parent_orders`` table's: the orders' columns and ``children`` (int64)."""
    import pyarrow as pa

    return _schema(OrderSummary).append(pa.field("children", pa.int64()))


def _table(rows: list[dict[str, object]], schema: pa.Schema | None = None) -> pa.Table:
    """Rows as a table; with ``schema`` its columns and types even without rows."""
    import pyarrow as pa

    if schema is not None:
        return pa.Table.from_pylist(rows, schema=schema)
    return pa.Table.from_pylist(rows) if rows else pa.table({})


def _text_schema(columns: Sequence[str], ints: Sequence[str]) -> pa.Schema:
    """Text columns, except ``ints`` (timestamps in UTC ns) as int64."""
    import pyarrow as pa

    return pa.schema([(name, pa.int64() if name in ints else pa.string()) for name in columns])


def _schema(struct: type[msgspec.Struct]) -> pa.Schema:
    """The Arrow schema of a struct of ``str``, ``int`` (int64) and ``float`` fields."""
    import pyarrow as pa

    types = {str: pa.string(), int: pa.int64(), float: pa.float64()}
    return pa.schema([(f.name, types[f.type]) for f in msgspec.structs.fields(struct)])


def _plain(value: Decimal) -> str:
    """A decimal as exact text in plain notation: ``0.000000120``, never ``1.20E-7``."""
    text = str(value)
    return format(value, "f") if "E" in text else text


def _amount(money: Money) -> str:
    """A money amount as exact decimal text to its currency's precision, without the currency code."""
    return format_fixed(money.raw, money.currency.precision)


def _json_default(value: object) -> object:
    """Text for what JSON has no type for (identifiers, enums); NumPy scalars as Python values."""
    if isinstance(value, np.generic):
        return _finite_or_null(value.item())
    return str(value)


def _strict_json(data: object, indent: int | None = None, default: Callable[[object], object] = str) -> str:
    """``json.dumps`` that writes strict JSON: non-finite floats as ``null``. ``json.dumps`` writes
    NaN and inf as the bare tokens ``NaN``/``Infinity`` without asking ``default``, so they are
    replaced first; the replacing pass runs only when the fast path finds one."""
    try:
        return json.dumps(data, indent=indent, default=default, allow_nan=False)
    except ValueError:  # "Out of range float values are not JSON compliant"
        return json.dumps(_finite_or_null(data), indent=indent, default=default, allow_nan=False)


def _finite_or_null(value: object) -> object:
    """``value`` with every non-finite float (NumPy's too) inside dicts, lists and tuples as ``None``."""
    if isinstance(value, dict):
        return {key: _finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_null(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: Enum member names by member, one table per enum (they are int enums: values collide across
#: them). ``Enum.name`` is a Python-level descriptor, slow per call.
_SIDE_NAMES: Final = {member: member.name for member in OrderSide}
_TYPE_NAMES: Final = {member: member.name for member in OrderType}
_STATUS_NAMES: Final = {member: member.name for member in OrderStatus}


def close_reason(event: OrderEvent) -> str:
    """Why ``event`` closed its order, as ``OrderSummary.reason`` says it: a denial as
    ``CODE: message``, a rejection's or a cancel's reason, ``expired``; empty for other events."""
    if isinstance(event, OrderDenied):
        return f"{event.reason.value}: {event.message}"
    if isinstance(event, OrderRejected | OrderCanceled):
        return event.reason
    if isinstance(event, OrderExpired):
        return "expired"
    return ""


def summarise_order(order: Order, reason: str = "") -> OrderSummary:
    """The order as it stands now, formatted for the results."""
    return summarise_snapshot(order.snapshot(), reason)


def summarise_snapshot(snapshot: OrderSnapshot, reason: str = "") -> OrderSummary:
    """An ``Order.snapshot()`` formatted for the results (a backtest snapshots each order as it
    closes and formats them all once the run is over); ``reason``: why it closed (``OrderSummary``)."""
    init, quantity, price, status, filled_raw, fill_notional = snapshot
    avg = average_price(fill_notional, filled_raw)
    parent = init.parent_order_id  # a routed child's parent is filled in by ``build_backtest``'s result hook
    parent_id = "" if parent is None else str(parent)
    return OrderSummary(
        client_order_id=str(init.client_order_id), strategy_id=str(init.strategy_id),
        instrument_id=str(init.instrument_id), side=_SIDE_NAMES[init.side], order_type=_TYPE_NAMES[init.order_type],
        quantity=format_fixed(quantity.raw, quantity.precision),
        price="" if price is None else format_fixed(price.raw, price.precision), status=_STATUS_NAMES[status],
        filled_qty=format_fixed(filled_raw, quantity.precision), avg_px="" if avg is None else str(avg),
        ts_init=init.ts_init, reason=reason, parent_order_id=parent_id,
    )  # fmt: skip


def round_trips(
    fills: Sequence[OrderFilled],
    instruments: dict[str, Instrument],
    positions: Mapping[tuple[InstrumentId, TradeId], PositionId] | None = None,
    to_base: Mapping[tuple[InstrumentId, TradeId], FillRates] | None = None,
) -> list[RoundTrip]:
    """Flat-to-flat trades per position, from fills, exact until the final floats.

    ``positions`` names the position each fill went into (by instrument and trade id), as the
    portfolio booked it: in hedging mode one per opening order. A fill it does not name counts
    in the strategy's netting position of its instrument.

    ``to_base`` gives, for each fill whose settlement or commission currency is not the account's
    base currency, the rates to the base at that fill (settlement, commission; ``None`` where
    there was none): its commission counts converted, and a trip of such fills has its P&L
    converted at the rate of its last closing fill. A fill it does not name is in the base
    currency. A commission without a rate (or, without ``to_base``, in another currency than the
    settlement) is left out of the trip.

    A trip opens when the net position leaves zero and closes when it returns to zero; a fill
    that flips the position closes one trip and opens the next with the rest. P&L is
    ``(exit value - entry value) * multiplier`` for a long (the opposite for a short) minus the
    commissions of its fills in the settlement currency (a share of the flipping fill's). The sums
    run on the raw fixed-point integers (a flipping fill's fee share as an exact fraction); each
    figure is rounded once, to the nearest float, when the trip closes.
    """
    open_trips: dict[tuple[str, str], _Trip] = {}
    done: list[RoundTrip] = []
    named = positions if positions is not None else {}
    rates = to_base if to_base is not None else {}
    for fill in fills:
        iid = str(fill.instrument_id)
        fill_key = (fill.instrument_id, fill.trade_id)
        position_id = named.get(fill_key)
        key = (str(fill.strategy_id), iid) if position_id is None else ("", str(position_id))
        instrument = instruments[iid]
        qty = fill.last_qty.raw
        signed = qty if fill.order_side is OrderSide.BUY else -qty
        px = fill.last_px.raw
        commission = fill.commission
        converted = rates.get(fill_key) if rates else None
        fee: int | Fraction
        if converted is None:
            fee = commission.raw if commission.currency == instrument.settlement else 0
        else:
            fee_ratio = converted[1]
            fee = Fraction(commission.raw * fee_ratio[0], fee_ratio[1]) if fee_ratio is not None else 0
        trip = open_trips.get(key)
        remaining = signed
        if trip is not None and (trip.position > 0) != (signed > 0):
            closing = min(qty, abs(trip.position))
            closing_fee = fee if closing == qty or not fee else fee * Fraction(closing, qty)
            if converted is not None:
                trip.converted, trip.ratio = True, converted[0]
            trip.close(closing, px, closing_fee, fill.ts_event)
            remaining = signed - (closing if signed > 0 else -closing)
            fee = fee - closing_fee
            if trip.position == 0:
                done.append(trip.finish(instrument))
                del open_trips[key]
                trip = None
        if remaining:
            if trip is None:
                trip = open_trips[key] = _Trip(iid, fill.ts_event)
            trip.open(remaining, px, fee)
    return done


_VALUE_SCALE: Final = FIXED_SCALAR * FIXED_SCALAR  # raw quantity * raw price
#: Rates to the account's base currency at one fill: (settlement currency's, commission currency's),
#: each an exact ``(numerator, denominator)`` or ``None`` where there was no rate.
FillRates = tuple[tuple[int, int] | None, tuple[int, int] | None]


class _Trip:
    """An open round trip: quantities, prices and fees as raw fixed-point integers (scaled by
    ``FIXED_SCALAR``), values (quantity * price) by its square."""

    def __init__(self, instrument_id: str, ts: int) -> None:
        self.instrument_id = instrument_id
        self.entry_ts = ts
        self.exit_ts = ts
        self.position = 0
        self.peak = 0
        self.entry_qty = self.entry_value = 0
        self.exit_qty = self.exit_value = 0
        self.fees: int | Fraction = 0
        self.long = True
        self.converted = False  # its P&L goes to the base currency at ``ratio`` (its last closing fill's)
        self.ratio: tuple[int, int] | None = None

    def open(self, signed: int, px: int, fee: int | Fraction) -> None:
        if self.position == 0:
            self.long = signed > 0
        self.position += signed
        self.peak = max(self.peak, abs(self.position))
        self.entry_qty += abs(signed)
        self.entry_value += abs(signed) * px
        self.fees += fee

    def close(self, qty: int, px: int, fee: int | Fraction, ts: int) -> None:
        self.position += -qty if self.long else qty
        self.exit_qty += qty
        self.exit_value += qty * px
        self.fees += fee
        self.exit_ts = ts

    def finish(self, instrument: Instrument) -> RoundTrip:
        gross = (self.exit_value - self.entry_value) * instrument.multiplier.raw  # scaled by FIXED_SCALAR**3
        fees = self.fees
        scale = _VALUE_SCALE * FIXED_SCALAR
        signed_gross: int | Fraction = gross if self.long else -gross
        ratio = self.ratio
        if self.converted and ratio is not None:  # settlement -> base at the closing fill's rate
            signed_gross = Fraction(signed_gross * ratio[0], ratio[1])
            fees = Fraction(fees)
        if isinstance(fees, int) and isinstance(signed_gross, int):
            pnl = (signed_gross - fees * _VALUE_SCALE) / scale  # int / int: exact, rounded once
            fee_total = fees / FIXED_SCALAR
        else:
            pnl = float(Fraction(signed_gross, scale) - fees / FIXED_SCALAR)
            fee_total = float(fees / FIXED_SCALAR)
        return RoundTrip(
            instrument_id=self.instrument_id, side="LONG" if self.long else "SHORT", quantity=self.peak / FIXED_SCALAR,
            entry_ts=self.entry_ts, exit_ts=self.exit_ts, entry_price=self.entry_value / (self.entry_qty * FIXED_SCALAR),
            exit_price=self.exit_value / (self.exit_qty * FIXED_SCALAR), pnl=pnl, fees=fee_total,
        )  # fmt: skip
