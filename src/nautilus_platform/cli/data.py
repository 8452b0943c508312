"""``naut data``: check, import, list and show market data files and the Parquet catalog."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from nautilus_platform.core.errors import NautilusError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import Check, LoadedData, ValidationPolicy, ValidationReport, layout_named, load_market_data
from nautilus_platform.data.catalog import CatalogData, OnConflict, ParquetCatalog
from nautilus_platform.data.layouts import FIELDS, TIME_UNITS, DataKind, TimeUnit
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import Currency, Price, Quantity, format_fixed

_Increment = TypeVar("_Increment", Price, Quantity)
app = typer.Typer(help="Check and import market data files; list and show the catalog.", no_args_is_help=True)
console = Console(width=140)
errors = Console(stderr=True, width=140)

_PATH = typer.Argument(..., help="CSV or Parquet file.")
_LAYOUT = typer.Option(None, "--layout", "-l", help="Layout preset: yahoo, backtrader, binance-klines, ohlcv, close, …")
_TYPE = typer.Option(None, "--type", "-t", help="bars, quotes, trades or book: the generic layout of that type.")
#: The layout ``--type`` picks when no ``--layout`` is given.
GENERIC_LAYOUTS = {"bars": "ohlcv", "quotes": "quotes", "trades": "trades", "book": "binance-depth"}


def resolve_layout(layout: str | None, data_type: str | None) -> str:
    """The layout name from ``--layout`` and/or ``--type`` (they must agree when both are given)."""
    if data_type is not None and data_type not in GENERIC_LAYOUTS:
        raise ValidationError("type", data_type, f"must be one of {sorted(GENERIC_LAYOUTS)}")
    if layout is None:
        if data_type is None:
            raise ValidationError("layout", None, "give --layout or --type")
        return GENERIC_LAYOUTS[data_type]
    if data_type is not None and layout_named(layout).kind.value != data_type:
        raise ValidationError(
            "type", data_type, f"does not match layout {layout!r} ({layout_named(layout).kind.value})"
        )
    return layout


_INSTRUMENT = typer.Option(..., "--instrument", "-i", help="Instrument id, SYMBOL.VENUE (e.g. AAPL.XNAS).")
_PRICE_PRECISION = typer.Option(2, "--price-precision", help="Decimals of prices; values must fit the tick.")
_SIZE_PRECISION = typer.Option(0, "--size-precision", help="Decimals of sizes and volumes.")
_TICK = typer.Option(None, "--tick", help="Tick size (default: one unit of the price precision).")
_LOT = typer.Option(None, "--lot", help="Lot size (default: one unit of the size precision).")
_CURRENCY = typer.Option("USD", "--currency", help="Quote currency of the instrument.")
_BAR = typer.Option(None, "--bar", help="Bar specification for bar files, e.g. 1-DAY-LAST or 1-MINUTE-LAST.")
_TZ = typer.Option("UTC", "--tz", help="IANA time zone of dates and times written without one.")
_TS_UNIT = typer.Option(
    None,
    "--ts-unit",
    help="The time column holds epoch numbers in s, ms, us or ns (auto: each by its magnitude); default: the layout's.",
)
_COLUMN = typer.Option([], "--column", "-c", help="Map a field to a source column: FIELD=COLUMN (repeatable).")
_POLICY = typer.Option([], "--policy", "-p", help="Policy of a check: CHECK=reject|flag|repair|ignore (repeatable).")
_CATALOG = typer.Option(Path("catalog"), "--catalog", envvar="NAUT_DATA__CATALOG", help="Catalog folder.")
_ON_CONFLICT = typer.Option(
    "error",
    "--on-conflict",
    help="A bar (trade) that differs from the stored one of its timestamp (trade id): error (write nothing) or replace.",
)


def _fail(exc: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
    return typer.Exit(2)


def _load(
    path: Path, layout: str | None, instrument: str, price_precision: int, size_precision: int, tick: str | None,
    lot: str | None, currency: str, bar: str | None, tz: str, column: list[str], policy: list[str], data_type: str | None = None,
    ts_unit: str | None = None,
) -> LoadedData:  # fmt: skip
    chosen = layout_named(resolve_layout(layout, data_type))
    if ts_unit is not None:
        chosen = replace(chosen, ts_unit=_ts_unit(ts_unit), ts_format=None)
    mapping: dict[str, str] = {}
    for item in column:
        field, eq, source = item.partition("=")
        if not eq or field.strip() not in FIELDS[chosen.kind]:
            raise ValidationError("column", item, f"must be FIELD=COLUMN with FIELD one of {FIELDS[chosen.kind]}")
        mapping[field.strip()] = source.strip()
    if mapping:
        chosen = chosen.with_columns(**mapping)
    for name, value in (("price_precision", price_precision), ("size_precision", size_precision)):
        if not 0 <= value <= 9:
            raise ValidationError(name, value, "must be in 0..9")
    equity = Equity(
        id=InstrumentId(instrument),
        price_precision=price_precision,
        size_precision=size_precision,
        tick_size=_increment(Price, tick, "tick") or Price(raw=10 ** (9 - price_precision), precision=price_precision),
        lot_size=_increment(Quantity, lot, "lot") or Quantity(raw=10 ** (9 - size_precision), precision=size_precision),
        quote_currency=Currency.from_str(currency),
    )
    if chosen.kind is DataKind.BARS and not bar:
        raise ValidationError("bar", None, "give --bar with bar data, e.g. --bar 1-DAY-LAST")
    spec = BarSpecification.from_str(bar) if bar else None
    checks = ValidationPolicy.defaults(chosen.kind).with_policies(ValidationPolicy.parse(policy))
    return load_market_data(path, chosen, equity, bar_spec=spec, tz=tz, policy=checks)


def _increment(kind: type[_Increment], text: str | None, option: str) -> _Increment | None:
    """``--tick``/``--lot`` as a value; a bad one names the option, not the value type."""
    if not text:
        return None
    try:
        return kind.of(text)
    except ValidationError as exc:
        raise ValidationError(option, text, exc.rule) from None


def _ts_unit(text: str) -> TimeUnit:
    for unit in TIME_UNITS:
        if text.strip().lower() == unit:
            return unit
    raise ValidationError("ts_unit", text, f"must be one of {list(TIME_UNITS)}")


def report_tables(report: ValidationReport, issues: int = 10) -> list[Table]:
    """The report as Rich tables: outcomes, checks, sample issues."""
    summary = Table(title=f"{report.source} ({report.kind.value}, {report.instrument_id})", title_justify="left")
    for name in ("rows", "accepted", "flagged", "repaired", "rejected", "gaps", "missing intervals"):
        summary.add_column(name, justify="right")
    summary.add_row(
        *(str(v) for v in (report.rows, report.accepted, report.flagged, report.repaired, report.rejected)),
        str(report.gaps), str(report.missing_intervals),
    )  # fmt: skip
    tables = [summary]
    if report.by_check:
        by_check = Table(title="By check", title_justify="left")
        for name in ("check", "rejected", "flagged", "repaired"):
            by_check.add_column(name, justify="left" if name == "check" else "right")
        for check, counts in report.by_check.items():
            by_check.add_row(check.value, *(str(counts.get(k, 0)) for k in ("rejected", "flagged", "repaired")))
        tables.append(by_check)
    if report.issues and issues:
        sample = Table(title=f"First issues (up to {issues})", title_justify="left")
        for name in ("row", "check", "field", "value", "rule", "outcome"):
            sample.add_column(name)
        for issue in report.issues[:issues]:
            sample.add_row(str(issue.row), issue.check.value, issue.field, issue.value, issue.rule, issue.outcome)
        tables.append(sample)
    return tables


def precision_hint(report: ValidationReport) -> str | None:
    """The options that keep the rows whose values carry more decimals than the instrument's
    precision allows (``None`` when there are none)."""
    if not report.decimals_carried:
        return None
    carried = ", ".join(f"{group}s up to {decimals} decimals" for group, decimals in report.decimals_carried.items())
    flags = " and ".join(f"--{group}-precision {decimals}" for group, decimals in report.decimals_carried.items())
    hint = f"hint: the file carries {carried}; {flags} loads its rows exactly"
    if report.count(Check.OFF_INCREMENT, "rejected"):
        hint += "; --policy off_increment=repair rounds them to the increment instead"
    return hint


_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}


def ts_unit_hint(report: ValidationReport) -> str | None:
    """The option that reads epoch times in the unit they fit, where rows failed ``epoch_unit``
    (``None`` otherwise)."""
    unit = report.fitting_ts_unit
    if unit is None:
        return None
    return (
        f"hint: the epoch times look like {_UNIT_NAMES[unit]}; --ts-unit {unit} reads them so (in Python, a "
        f"layout with ts_unit={unit!r}); --ts-unit auto reads each value in the unit its magnitude fits"
    )


def data_hints(report: ValidationReport) -> list[str]:
    """Every hint for the report: the precision that keeps the rows, the epoch unit that fits."""
    return [hint for hint in (precision_hint(report), ts_unit_hint(report)) if hint is not None]


def _print_report(report: ValidationReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    for table in report_tables(report):
        console.print(table)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    for hint in data_hints(report):
        console.print(hint, highlight=False)


@app.command()
def check(
    path: Path = _PATH,
    layout: str | None = _LAYOUT,
    data_type: str | None = _TYPE,
    instrument: str = _INSTRUMENT,
    price_precision: int = _PRICE_PRECISION,
    size_precision: int = _SIZE_PRECISION,
    tick: str | None = _TICK,
    lot: str | None = _LOT,
    currency: str = _CURRENCY,
    bar: str | None = _BAR,
    tz: str = _TZ,
    ts_unit: str | None = _TS_UNIT,
    column: list[str] = _COLUMN,
    policy: list[str] = _POLICY,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Load and validate a file without storing it; print the report (every row counted by outcome)."""
    try:
        data = _load(
            path, layout, instrument, price_precision, size_precision, tick, lot, currency, bar, tz, column, policy,
            data_type, ts_unit,
        )  # fmt: skip
    except NautilusError as exc:
        raise _fail(exc) from None
    _print_report(data.report, as_json)


@app.command("import")
def import_(
    path: Path = _PATH,
    layout: str | None = _LAYOUT,
    data_type: str | None = _TYPE,
    instrument: str = _INSTRUMENT,
    price_precision: int = _PRICE_PRECISION,
    size_precision: int = _SIZE_PRECISION,
    tick: str | None = _TICK,
    lot: str | None = _LOT,
    currency: str = _CURRENCY,
    bar: str | None = _BAR,
    tz: str = _TZ,
    ts_unit: str | None = _TS_UNIT,
    column: list[str] = _COLUMN,
    policy: list[str] = _POLICY,
    catalog: Path = _CATALOG,
    on_conflict: str = _ON_CONFLICT,
) -> None:
    """Validate a file and merge its accepted rows into the catalog (importing twice adds nothing)."""
    try:
        conflicts = _on_conflict(on_conflict)
        data = _load(
            path, layout, instrument, price_precision, size_precision, tick, lot, currency, bar, tz, column, policy,
            data_type, ts_unit,
        )  # fmt: skip
        result = ParquetCatalog(catalog).write(data, conflicts)
    except NautilusError as exc:
        raise _fail(exc) from None
    _print_report(data.report, as_json=False)
    replaced = f", {result.replaced} stored rows replaced" if result.replaced else ""
    console.print(
        f"{result.data_type} {result.instrument_id}: {result.added} rows added, {result.already_stored} already stored"
        f"{replaced}, {result.partitions} partitions in {catalog}",
        highlight=False,
    )


def _on_conflict(text: str) -> OnConflict:
    try:
        return OnConflict(text.strip().lower())
    except ValueError:
        raise ValidationError("on_conflict", text, f"must be one of {[c.value for c in OnConflict]}") from None


def _time(ns: int | None) -> str:
    return "-" if ns is None else str(np.datetime64(ns, "ns")) + "Z"


@app.command("list")
def list_(catalog: Path = _CATALOG) -> None:
    """The catalog's datasets: data type, instrument, rows, partitions and time range."""
    try:
        if not catalog.exists():
            raise ValidationError("catalog", str(catalog), "does not exist (`naut data import` creates it)")
        infos = ParquetCatalog(catalog).datasets()
    except NautilusError as exc:
        raise _fail(exc) from None
    if not infos:
        console.print(f"no datasets in {catalog}", highlight=False)
        return
    table = Table(title=f"Catalog {catalog}", title_justify="left")
    for name in ("data type", "instrument", "rows", "partitions", "first", "last"):
        table.add_column(name, justify="right" if name in ("rows", "partitions") else "left")
    for info in infos:
        table.add_row(
            info.data_type,
            info.instrument_id,
            str(info.rows),
            str(info.partitions),
            _time(info.first_ts),
            _time(info.last_ts),
        )
    console.print(table)


def _parse_time(text: str | None, field: str) -> int | None:
    if text is None:
        return None
    try:
        return int(np.datetime64(text.rstrip("Z"), "ns").astype(np.int64))
    except ValueError:
        raise ValidationError(field, text, "must be an ISO 8601 UTC date or time, e.g. 2024-01-02T09:30") from None


def parse_range(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """``--start``/``--end`` as nanoseconds; an end not after the start is refused, naming both texts."""
    start_ns, end_ns = _parse_time(start, "start"), _parse_time(end, "end")
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise ValidationError(
            "end", end, f"must be after --start {start} (the range is start inclusive, end exclusive)"
        )
    return start_ns, end_ns


@app.command()
def show(
    data_type: str = typer.Argument(..., help="quotes, trades, book or bars-<spec> (see `naut data list`)."),
    instrument: str = typer.Argument(..., help="Instrument id."),
    catalog: Path = _CATALOG,
    start: str | None = typer.Option(None, help="First time (UTC, inclusive), e.g. 2024-01-02 or 2024-01-02T09:30."),
    end: str | None = typer.Option(None, help="End time (UTC, exclusive)."),
    limit: int = typer.Option(20, min=1, help="Rows to print."),
) -> None:
    """Print the first rows of one dataset in a time range."""
    try:
        data = ParquetCatalog(catalog).query(data_type, instrument, *parse_range(start, end))
    except NautilusError as exc:
        raise _fail(exc) from None
    console.print(_rows_table(data, limit))
    console.print(f"{len(data)} rows in range", highlight=False)


def _rows_table(data: CatalogData, limit: int) -> Table:
    table = Table(title=f"{data.kind.value} {data.instrument_id}", title_justify="left")
    names = [name for name in data.columns if name != "ts"]
    table.add_column("ts")
    for name in names:
        table.add_column(name, justify="right")
    if data.trade_ids:
        table.add_column("trade_id")
    sizes = {"volume", "bid_size", "ask_size", "size"}
    codes = {"aggressor", "side", "sequence", "update_type"}
    for row in range(min(limit, len(data))):
        cells = [_time(int(data.columns["ts"][row]))]
        for name in names:
            raw = int(data.columns[name][row])
            if name in codes:
                cells.append(str(raw))
            else:
                cells.append(format_fixed(raw, data.size_precision if name in sizes else data.price_precision))
        if data.trade_ids:
            cells.append(data.trade_ids[row])
        table.add_row(*cells)
    return table
