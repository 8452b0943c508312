"""``naut backtest``: run a strategy on files or catalog data, print a summary, write a report."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from nautilus_platform.backtest.engine import DataSource, source_length
from nautilus_platform.backtest.report import execution_quality_table, write_backtest_report
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.cli import data as data_cli
from nautilus_platform.core.errors import NautilusError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.catalog import CatalogData, ParquetCatalog
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import BarType
from nautilus_platform.model.enums import AccountType, TriggerType
from nautilus_platform.model.instruments import Equity, Instrument
from nautilus_platform.model.routing import RoutingInstruction
from nautilus_platform.model.values import Currency, Money, Price, Quantity, to_decimal
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.loading import load_strategy_class
from nautilus_platform.strategy.params import parse_assignments
from nautilus_platform.venues.simulated import FeeModel, LatencyModel, SimulatedVenueConfig

console = Console(width=140)
_DATA = typer.Option(..., "--data", "-d", help="A CSV/Parquet file, or catalog:DATA_TYPE/INSTRUMENT (repeatable).")
_PARAM = typer.Option([], "--param", help="Strategy parameter NAME=VALUE (repeatable).")
_REPORT = typer.Option(None, help="Write the HTML report here.")
_INSTRUMENT = typer.Option(
    [], "--instrument", "-i", help="Instrument id of file data, SYMBOL.VENUE: one for all files or one per file."
)
_PREFER = typer.Option([], "--prefer", help="With --route preference: venues in order of preference (repeatable).")
_AVOID = typer.Option([], "--avoid", help="With --route: never route to this venue (repeatable).")
_OUTPUT = typer.Option(None, help="Export orders, fills, positions, balances, equity, trades here.")
_VENUE = typer.Option(
    [],
    "--venue",
    help="Venue settings NAME:book=L1|L2,latency_ms=…,trigger=BID_ASK|LAST|MID,fill_at_touch=…,account=… ",
)


def parse_cash(text: str, default_currency: Currency) -> Money:
    """``"100000 USD"`` or ``"100000"`` (in ``default_currency``)."""
    parts = text.split()
    if not 1 <= len(parts) <= 2:
        raise ValidationError("cash", text, "must be AMOUNT [CURRENCY], e.g. '100000 USD'")
    currency = Currency.from_str(parts[1]) if len(parts) == 2 else default_currency
    amount = to_decimal(parts[0], "cash")
    if amount <= 0:
        raise ValidationError("cash", text, "must be positive")
    try:
        return Money.of(amount, currency)
    except ValidationError as exc:  # e.g. more decimals than the currency has
        raise ValidationError("cash", text, exc.rule) from None


def _settings(items: list[str], field: str) -> dict[str, str]:
    """``["key=value", ...]`` of an option; a malformed item is refused naming the option."""
    return parse_assignments(items, field, "each setting must be KEY=VALUE")


def parse_fees(text: str | None) -> FeeModel:
    """``"taker_bps=5,maker_bps=1,fixed=1,per_contract=0.01"`` (any subset); none: the instrument's rates."""
    if not text:
        return FeeModel()
    names = {
        "taker_bps": "taker_bps",
        "maker_bps": "maker_bps",
        "fixed": "fixed_per_order",
        "per_contract": "per_contract",
    }
    values: dict[str, Decimal] = {}
    for key, value in _settings([item for item in text.split(",") if item.strip()], "fees").items():
        if key not in names:
            raise ValidationError("fees", key, f"must be one of {sorted(names)}")
        values[names[key]] = to_decimal(value, f"fees.{key}")
    return FeeModel(**values)


def _catalog_source(
    query: str, catalog: Path, start: int | None, end: int | None, currency: Currency
) -> tuple[CatalogData, Instrument]:
    body = query[len("catalog:") :]
    data_type, slash, instrument_id = body.partition("/")
    if not slash or not data_type or not instrument_id:
        raise ValidationError(
            "data", query, "must be catalog:DATA_TYPE/INSTRUMENT, e.g. catalog:bars-1-DAY-LAST/ORCL.XNAS"
        )
    data = ParquetCatalog(catalog).query(data_type, instrument_id, start, end)
    instrument = Equity(
        id=InstrumentId(instrument_id), price_precision=data.price_precision, size_precision=data.size_precision,
        tick_size=Price(raw=10 ** (9 - data.price_precision), precision=data.price_precision),
        lot_size=Quantity(raw=10 ** (9 - data.size_precision), precision=data.size_precision), quote_currency=currency,
    )  # fmt: skip
    return data, instrument


_VENUE_KEYS = ("book", "latency_ms", "trigger", "fill_at_touch", "account")


def parse_venues(items: list[str]) -> dict[str, dict[str, str]]:
    """``["XNAS:book=L2,latency_ms=5", "BINANCE:account=margin"]`` as settings per venue name."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        name, _, settings = item.partition(":")
        if not name.strip():
            raise ValidationError("venue", item, "must be NAME[:key=value,...]")
        values = _settings([part for part in settings.split(",") if part.strip()], f"venue {name.strip()}")
        unknown = sorted(set(values) - set(_VENUE_KEYS))
        if unknown:
            raise ValidationError("venue", item, f"unknown settings {unknown}; use {list(_VENUE_KEYS)}")
        out[name.strip()] = values
    return out


def venue_setup(
    name: str, settings: dict[str, str], fee_model: FeeModel, bar_execution: str, account: str, balance: Money
) -> VenueSetup:
    """One simulated venue from ``--venue`` settings over the run's defaults."""
    kind = settings.get("account", account)
    if kind not in ("cash", "margin"):
        raise ValidationError("account", kind, "must be cash or margin")
    book = settings.get("book", "L1")
    if book not in ("L1", "L2"):
        raise ValidationError(f"venue {name}: book", book, "must be L1 or L2")
    trigger_name = settings.get("trigger", "BID_ASK").upper()
    if trigger_name not in ("BID_ASK", "LAST", "MID"):
        raise ValidationError(f"venue {name}: trigger", trigger_name, "must be BID_ASK, LAST or MID")
    latency = to_decimal(settings.get("latency_ms", "0"), f"venue {name}: latency_ms")
    if latency < 0:
        raise ValidationError(f"venue {name}: latency_ms", latency, "must not be negative")
    touch = settings.get("fill_at_touch", "false").lower()
    if touch not in ("true", "false"):
        raise ValidationError(f"venue {name}: fill_at_touch", touch, "must be true or false")
    config = SimulatedVenueConfig(
        venue_id=name, book_type=book, default_trigger_type=TriggerType[trigger_name], fee_model=fee_model,  # type: ignore[arg-type]
        latency_model=LatencyModel(int(latency * 1_000_000)), bar_execution=bar_execution,  # type: ignore[arg-type]
        fill_at_touch=touch == "true",
    )  # fmt: skip
    return VenueSetup(config, AccountType.CASH if kind == "cash" else AccountType.MARGIN, balance.currency, [balance])


#: Statistics that are amounts of the account's base currency (shown to its precision).
_AMOUNTS: Final = frozenset({"expectancy", "average_win", "average_loss", "fees_paid", "start_equity", "end_equity"})


def summary_table(result: BacktestResult, base: Currency | None = None) -> Table:
    """The statistics of a run: amounts in the base currency (``base``, else that of the run's
    first account state) to its precision, with thousands separators and the currency named;
    other figures to six significant digits."""
    table = Table(title="Backtest summary", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    stats = result.statistics.to_dict()
    if base is None:
        base = next((state.base_currency for state in result.account_states if state.base_currency is not None), None)
    rows: list[tuple[str, object]] = [
        ("items processed", result.items),
        ("orders", len(result.orders)),
        ("fills", len(result.fills)),
        ("round trips", len(result.round_trips)),
        ("wall time (s)", f"{result.wall_seconds:.3f}"),
    ]
    for name, value in stats.items():
        label = name.replace("_", " ")
        if base is not None and name in _AMOUNTS and isinstance(value, float) and math.isfinite(value):
            rows.append((f"{label} ({base.code})", f"{value:,.{base.precision}f}"))
        else:
            rows.append((label, value))
    for label, value in rows:
        table.add_row(label, f"{value:.6g}" if isinstance(value, float) else str(value))
    return table


def quality_table(result: BacktestResult) -> Table:
    """The routed backtest's execution quality per venue (the report's table)."""
    header, rows = execution_quality_table(result.execution_quality)
    table = Table(
        title=f"Execution quality by venue ({result.routing_decisions} routing decisions)", title_justify="left"
    )
    for name in header:
        table.add_column(name, justify="left" if name == header[0] else "right")
    for row in rows:
        table.add_row(*row)
    return table


def backtest(
    strategy: str = typer.Argument(..., help="MODULE:CLASS, PATH.py:CLASS or an example: ma-cross, rsi-reversion, …"),
    data: list[str] = _DATA,
    param: list[str] = _PARAM,
    layout: str | None = typer.Option(None, "--layout", "-l", help="Layout of file data (see `naut data check`)."),
    data_type: str | None = data_cli._TYPE,
    instrument: list[str] = _INSTRUMENT,
    price_precision: int = data_cli._PRICE_PRECISION,
    size_precision: int = data_cli._SIZE_PRECISION,
    tick: str | None = data_cli._TICK,
    lot: str | None = data_cli._LOT,
    currency: str = data_cli._CURRENCY,
    bar: str | None = data_cli._BAR,
    tz: str = data_cli._TZ,
    ts_unit: str | None = data_cli._TS_UNIT,
    column: list[str] = data_cli._COLUMN,
    policy: list[str] = data_cli._POLICY,
    catalog: Path = data_cli._CATALOG,
    start: str | None = typer.Option(None, help="First time to trade (UTC, inclusive)."),
    end: str | None = typer.Option(None, help="End time (UTC, exclusive)."),
    cash: str = typer.Option("1000000", help="Starting balance: AMOUNT [CURRENCY] (default currency: --currency)."),
    account: str = typer.Option("cash", help="Account type: cash or margin."),
    fees: str | None = typer.Option(None, help="taker_bps=…,maker_bps=…,fixed=…,per_contract=… (default: none)."),
    bar_execution: str = typer.Option(
        "close", help="Market orders on bar data fill at the signal bar's close or next_open."
    ),
    report: Path | None = _REPORT,
    output: Path | None = _OUTPUT,
    venue: list[str] = _VENUE,
    route: str | None = typer.Option(
        None, help="Route every order through the smart order router: best-price, lowest-cost, fastest or preference."
    ),
    prefer: list[str] = _PREFER,
    avoid: list[str] = _AVOID,
) -> None:
    """Backtest a strategy through the real trading core on historical data."""
    try:
        check_output_paths(output, report)  # before anything is loaded or run
        routing = RoutingInstruction.of(route, prefer=prefer, exclude=avoid) if route is not None else None
        if routing is None and (prefer or avoid):
            raise ValidationError("route", None, "--prefer and --avoid need --route")
        prepared = prepare(
            strategy, data, param, layout, data_type, instrument, price_precision, size_precision, tick, lot, currency, bar, tz,
            column, policy, catalog, start, end, cash, account, fees, bar_execution, venue, ts_unit=ts_unit,
        )  # fmt: skip
        if routing is not None:
            check_route_venues(routing, prepared.venues)
        result, sources = _run(prepared, routing)
    except NautilusError as exc:
        raise data_cli._fail(exc) from None
    print_data_reports(sources)
    # amounts in the first venue's base currency, the equity curve's (it sums the accounts in it)
    console.print(summary_table(result, prepared.venues[0].base_currency if prepared.venues else None))
    if result.execution_quality:
        console.print(quality_table(result))
    for error in result.strategy_errors:
        console.print(f"[red]strategy {error.strategy_id} stopped:[/red] {error.callback} raised {error.error}")
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    if output is not None:
        try:
            written = result.export(output)
        except OSError as exc:  # checked before the run, but the disk may have changed since
            raise data_cli._fail(ValidationError("output", str(output), f"could not be written: {exc}")) from None
        console.print(f"results: {len(written)} files in {output}", highlight=False)
    if report is not None:
        try:
            write_backtest_report(result, sources, report, f"Backtest: {strategy}")
        except OSError as exc:
            raise data_cli._fail(ValidationError("report", str(report), f"could not be written: {exc}")) from None
        console.print(f"report: {report}", highlight=False)


def check_route_venues(routing: RoutingInstruction, venues: list[VenueSetup]) -> None:
    """Refuse a ``--prefer`` or ``--avoid`` venue that the data has no listing on: a misspelt
    ``--avoid`` would route to the venue it meant to avoid, a misspelt ``--prefer`` rejects every order."""
    known = sorted(str(v.config.venue_id) for v in venues)
    for option, names in (("prefer", routing.prefer), ("avoid", routing.exclude)):
        unknown = [str(name) for name in names if str(name) not in known]
        if unknown:
            raise ValidationError(option, unknown, f"no venue of the data has that name; its venues are {known}")


def check_output_paths(output: Path | None, report: Path | None) -> None:
    """Refuse, before a run, paths its results could not be written to: ``output`` must be a folder
    or creatable as one (under a writable folder), ``report`` a file in an existing writable folder."""
    if output is not None:
        check_folder("output", output)
    if report is not None:
        if report.is_dir():
            raise ValidationError("report", str(report), "is a folder: --report takes a file path")
        folder = report.parent
        if not folder.is_dir():
            raise ValidationError("report", str(report), f"its folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK) or (report.exists() and not os.access(report, os.W_OK)):
            raise ValidationError("report", str(report), "is not writable")


def check_folder(field: str, folder: Path) -> None:
    """Refuse ``folder`` (of option ``field``) unless it is a folder or creatable as one under a
    writable folder."""
    if folder.exists() and not folder.is_dir():
        raise ValidationError(field, str(folder), f"is a file: --{field} takes a folder (created if missing)")
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise ValidationError(field, str(folder), f"{existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValidationError(field, str(folder), f"the folder {existing} is not writable")


def _nearest_existing(path: Path) -> Path:
    """``path`` itself if it exists, else its nearest existing ancestor (the current folder at worst)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


@dataclass
class PreparedRun:
    """What ``naut backtest`` and ``naut sweep`` share: the strategy class and fixed parameters, the
    data sources, instruments and venues, and the time range."""

    strategy_class: type[Strategy]
    params: dict[str, str]
    sources: list[DataSource]
    instruments: list[Instrument]
    venues: list[VenueSetup]
    start_ns: int | None
    end_ns: int | None


def prepare(
    strategy_spec: str, data: list[str], param: list[str], layout: str | None, data_type: str | None,
    instrument_ids: list[str],
    price_precision: int, size_precision: int, tick: str | None, lot: str | None, currency_code: str, bar: str | None,
    tz: str, column: list[str], policy: list[str], catalog: Path, start: str | None, end: str | None, cash: str,
    account: str, fees: str | None, bar_execution: str, venue: list[str], ts_unit: str | None = None,
) -> PreparedRun:  # fmt: skip
    """Load and validate everything a run needs from the command-line options (``ts_unit``: the
    epoch unit of file times, overriding the layout's)."""
    strategy_class = load_strategy_class(strategy_spec)
    values = parse_assignments(param)
    declared = strategy_class.parameters()
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ValidationError("param", unknown, f"unknown for {strategy_class.__name__}; it has {sorted(declared)}")
    currency = Currency.from_str(currency_code)
    start_ns, end_ns = data_cli.parse_range(start, end)
    sources: list[DataSource] = []
    instruments: dict[InstrumentId, Instrument] = {}
    files = [item for item in data if not item.startswith("catalog:")]
    missing = [item for item in files if not Path(item).is_file()]
    if missing:  # before any file is loaded, whatever else is missing
        raise ValidationError("data", missing, "no such file (catalog data is catalog:DATA_TYPE/INSTRUMENT)")
    if len(instrument_ids) > 1 and len(instrument_ids) != len(files):
        raise ValidationError(
            "instrument", instrument_ids, f"give one --instrument for all files or one per file ({len(files)} files)"
        )
    _refuse_repeated_data(data, instrument_ids)
    file_index = 0
    for item in data:
        source: DataSource
        if item.startswith("catalog:"):
            source, instrument = _catalog_source(item, catalog, start_ns, end_ns, currency)
        else:
            instrument_id = instrument_ids[min(file_index, len(instrument_ids) - 1)] if instrument_ids else None
            file_index += 1
            if (layout is None and data_type is None) or instrument_id is None:
                raise ValidationError("data", item, "a file needs --layout (or --type) and --instrument")
            loaded: LoadedData = data_cli._load(
                Path(item), layout, instrument_id, price_precision, size_precision, tick, lot, currency_code, bar, tz,
                column, policy, data_type, ts_unit,
            )  # fmt: skip
            source, instrument = loaded, loaded.instrument
        if source_length(source) == 0:
            hints = data_cli.data_hints(source.report) if isinstance(source, LoadedData) else []
            raise ValidationError(
                "data",
                item,
                "holds no rows to trade on (after validation and the time range)"
                + "".join(f"; {hint.removeprefix('hint: ')}" for hint in hints),
            )
        if isinstance(source, LoadedData):
            _check_rows_in_range(item, source, start, end, start_ns, end_ns)
        sources.append(source)
        instruments.setdefault(instrument.id, instrument)
    if account not in ("cash", "margin"):
        raise ValidationError("account", account, "must be cash or margin")
    if bar_execution not in ("close", "next_open"):
        raise ValidationError("bar_execution", bar_execution, "must be close or next_open")
    balance = parse_cash(cash, currency)
    fee_model = parse_fees(fees)
    settings = parse_venues(venue)
    names = sorted({str(iid.venue) for iid in instruments})
    stray = sorted(set(settings) - set(names))
    if stray:
        raise ValidationError("venue", stray, f"no data trades there; the data's venues are {names}")
    setups = [venue_setup(name, settings.get(name, {}), fee_model, bar_execution, account, balance) for name in names]
    if values.get("bar_type") and "bar_type" in declared:
        _check_bar_type(values["bar_type"], instruments)
    return PreparedRun(strategy_class, values, sources, list(instruments.values()), setups, start_ns, end_ns)


def _refuse_repeated_data(data: list[str], instrument_ids: list[str]) -> None:
    """The same file for the same instrument (or the same catalog query) twice would feed every
    row twice; refuse it before anything is loaded."""
    seen: set[tuple[str, str]] = set()
    file_index = 0
    for item in data:
        if item.startswith("catalog:"):
            key = (item, "")
        else:
            iid = instrument_ids[min(file_index, len(instrument_ids) - 1)] if instrument_ids else ""
            file_index += 1
            key = (str(Path(item).resolve()), iid)
        if key in seen:
            rule = "is given twice" + (f" for {key[1]}" if key[1] else "") + ": every row would be traded twice"
            raise ValidationError("data", item, rule)
        seen.add(key)


def _check_rows_in_range(
    item: str, source: LoadedData, start: str | None, end: str | None, start_ns: int | None, end_ns: int | None
) -> None:
    """Refuse a file none of whose rows fall in ``[start, end)``, naming the span it covers."""
    ts = source.columns["ts"]
    inside = np.ones(len(ts), dtype=bool)
    if start_ns is not None:
        inside &= ts >= start_ns
    if end_ns is not None:
        inside &= ts < end_ns
    if not inside.any():
        bounds = " ".join(f"--{name} {text}" for name, text in (("start", start), ("end", end)) if text is not None)
        span = f"{data_cli._time(int(ts.min()))} to {data_cli._time(int(ts.max()))}"
        raise ValidationError("data", item, f"has no rows in the time range {bounds}; its rows run from {span}")


def _check_bar_type(text: str, instruments: dict[InstrumentId, Instrument]) -> None:
    """A ``--param bar_type`` that parses and names an instrument of the data (else the strategy
    would stop on start, or wait for bars that never come)."""
    bar_type = BarType.from_str(text)
    if bar_type.instrument_id not in instruments:
        names = sorted(str(iid) for iid in instruments)
        raise ValidationError(
            "bar_type", text, f"its instrument is not in the data; the data's instruments are {names}"
        )


def print_data_reports(sources: list[DataSource]) -> None:
    for source in sources:
        if isinstance(source, LoadedData):
            r = source.report
            console.print(
                f"data {r.source}: {r.rows} rows, {r.accepted} accepted, {r.flagged} flagged, {r.repaired} repaired, "
                f"{r.rejected} rejected (rejected rows are not traded; `naut data check` shows why)",
                highlight=False,
            )
            for hint in data_cli.data_hints(r):
                console.print(hint, highlight=False)


def _run(prepared: PreparedRun, route: RoutingInstruction | None) -> tuple[BacktestResult, list[DataSource]]:
    strategy: Strategy = prepared.strategy_class(**prepared.params)
    strategy.route_by_default(route)
    config = BacktestConfig(
        venues=prepared.venues, instruments=prepared.instruments, data=prepared.sources, strategies=[strategy],
        start_ns=prepared.start_ns, end_ns=prepared.end_ns, routing=RouterConfig() if route is not None else None,
    )  # fmt: skip
    total = sum(source_length(source) for source in prepared.sources)
    columns = (TextColumn("backtest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("run", total=total)
        result = run_backtest(config, lambda done: progress.update(task, completed=done))
    return result, prepared.sources
