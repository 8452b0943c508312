"""Load market data from CSV or Parquet through a layout, validate it, normalise it to the instrument.

``load_market_data(path, layout, instrument, bar_spec=…)`` reads the file with PyArrow, parses the
mapped columns exactly, runs every check under the chosen policies and returns a ``LoadedData``:
the accepted rows as raw fixed-point columns (always in time order, whatever the policies), a
``ValidationReport`` counting every row, and ``to_objects()`` for the model's ``Bar``/``QuoteTick``/
``TradeTick``/book types at the instrument's precisions. A bad file or a bad row never raises out of the loader except for
what makes the whole file unreadable (missing file, missing column, unknown format), which is
a ``ValidationError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data import checks
from nautilus_platform.data.identity import content_trade_ids
from nautilus_platform.data.layouts import FIELDS, DataKind, Layout, layout_named, layouts_fitting
from nautilus_platform.data.objects import DELTA_ROW, SNAPSHOT_ROW, book_items, build_objects
from nautilus_platform.data.parsing import BoolArray, Int64Array, Parsed, codes, decimals, integers, texts, timestamps
from nautilus_platform.data.times import EPOCH_UNIT_NS, EPOCH_UNITS, INT64_MAX, LAST_NS_TIME, PLAUSIBLE_SPAN, days_later
from nautilus_platform.data.validation import Check, Policy, RowStates, ValidationPolicy, ValidationReport
from nautilus_platform.model.data import BarSpecification, BarType, MarketData
from nautilus_platform.model.enums import BarAggregation
from nautilus_platform.model.instruments import Instrument

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pacsv = LazyModule("pyarrow.csv")
    pq = LazyModule("pyarrow.parquet")

_NUMERIC = frozenset(
    {"open", "high", "low", "close", "volume", "bid_price", "ask_price", "bid_size", "ask_size", "price", "size"}
)


@dataclass(frozen=True)
class RaggedRow:
    """A CSV row with another number of fields than the header (or the layout's ``names``) has."""

    index: int  # 0-based among the file's data rows
    text: str
    fields: int
    expected: int


def read_table(path: Path, layout: Layout) -> pa.Table:
    """The mapped columns of ``path`` (``.csv``/``.txt``/``.parquet``), CSV columns read as text;
    a CSV row with the wrong number of fields makes the file unreadable (``load_market_data``
    rejects that row instead)."""
    return _read_table(path, layout, None)


def _read_table(path: Path, layout: Layout, ragged: list[RaggedRow] | None) -> pa.Table:
    """``read_table``; with a ``ragged`` list, CSV rows with the wrong number of fields are kept as
    all-null rows at their place and described in the list."""
    if not path.is_file():
        raise ValidationError("path", str(path), "is not a file")
    wanted = sorted(set(layout.columns.values()))
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            available = pq.read_schema(path).names
            _require_columns(path, layout, wanted, available)
            return pq.read_table(path, columns=wanted)
        if suffix in (".csv", ".txt", ".tsv"):
            read = pacsv.ReadOptions(column_names=list(layout.names) if layout.names else None)
            parse = pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            available = _csv_columns(path, layout, read, parse)
            _require_columns(path, layout, wanted, available)
            convert = pacsv.ConvertOptions(
                include_columns=wanted, column_types={name: pa.string() for name in wanted}, strings_can_be_null=False
            )
            try:
                return pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
            except pa.ArrowInvalid:
                if ragged is None:
                    raise
                return _read_csv_ragged(path, layout, parse, convert, ragged)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValidationError("path", str(path), f"could not be read as {suffix[1:]}: {exc}") from exc
    raise ValidationError("path", str(path), "must end in .csv, .txt, .tsv or .parquet")


def _read_csv_ragged(
    path: Path, layout: Layout, parse: pacsv.ParseOptions, convert: pacsv.ConvertOptions, ragged: list[RaggedRow]
) -> pa.Table:
    """The CSV read again, one thread (so that PyArrow numbers the rows), with each row of the wrong
    width taken out, described in ``ragged`` and put back as an all-null row at its place."""
    header = 1 if layout.header else 0

    def skip(row: Any) -> str:  # pyarrow.csv.InvalidRow; ``number`` counts rows (header included) from 1
        index = row.number - 1 - header if row.number is not None else -1
        ragged.append(RaggedRow(index, row.text, row.actual_columns, row.expected_columns))
        return "skip"

    read = pacsv.ReadOptions(column_names=list(layout.names) if layout.names else None, use_threads=False)
    parse = pacsv.ParseOptions(delimiter=parse.delimiter, invalid_row_handler=skip)
    table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    if not ragged:
        return table
    total = table.num_rows + len(ragged)
    if any(not 0 <= bad.index < total for bad in ragged):
        raise pa.ArrowInvalid(f"rows of the wrong width could not be placed in {path.name}")
    placed = np.zeros(total, np.bool_)
    placed[[bad.index for bad in ragged]] = True
    take = np.zeros(total, np.int64)
    take[~placed] = np.arange(table.num_rows)
    return table.take(pa.array(take, mask=placed))


def _csv_columns(path: Path, layout: Layout, read: pacsv.ReadOptions, parse: pacsv.ParseOptions) -> list[str]:
    if layout.names:
        return list(layout.names)
    # only the header matters here: a row of the wrong width in the first block is not its business
    parse = pacsv.ParseOptions(delimiter=parse.delimiter, invalid_row_handler=_skip_row)
    with pacsv.open_csv(path, read_options=read, parse_options=parse) as reader:
        return list(reader.schema.names)


def _skip_row(row: Any) -> str:
    return "skip"


def _require_columns(path: Path, layout: Layout, wanted: list[str], available: list[str]) -> None:
    missing = [name for name in wanted if name not in available]
    if missing:
        message = f"are not in {path.name}; it has {available}"
        fitting = layouts_fitting(available) if not layout.names else []
        if fitting:
            named = ", ".join(f"{name} ({layout_named(name).kind.value})" for name in fitting)
            message += f"; preset layouts that fit its columns: {named} (--layout NAME)"
        raise ValidationError("columns", missing, message)


@dataclass
class LoadedData:
    """Validated rows of one file, as raw fixed-point columns in time order, plus the report."""

    kind: DataKind
    instrument: Instrument
    bar_type: BarType | None
    columns: dict[str, Int64Array]
    report: ValidationReport
    trade_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.columns["ts"])

    def to_objects(self) -> list[MarketData]:
        """The rows as model objects at the instrument's precisions (books grouped per update)."""
        instrument = self.instrument
        return build_objects(
            self.kind, self.columns, instrument_id=instrument.id, price_precision=instrument.price_precision,
            size_precision=instrument.size_precision, bar_type=self.bar_type, trade_ids=self.trade_ids,
        )  # fmt: skip

    def to_arrow(self) -> pa.Table:
        """The rows as an Arrow table of raw int64 columns (and trade ids), for storage."""
        arrays = {name: pa.array(column, pa.int64()) for name, column in self.columns.items()}
        if self.kind is DataKind.TRADES:
            arrays["trade_id"] = pa.array(self.trade_ids, pa.string())
        return pa.table(arrays)


def load_market_data(
    path: str | Path,
    layout: Layout,
    instrument: Instrument,
    *,
    bar_spec: BarSpecification | None = None,
    tz: str = "UTC",
    policy: ValidationPolicy | None = None,
) -> LoadedData:
    """Load, validate and normalise one file; see the module docstring."""
    path = Path(path)
    kind = layout.kind
    bar_type = _bar_type(kind, layout, instrument, bar_spec)
    policy = policy if policy is not None else ValidationPolicy.defaults(kind)
    ragged: list[RaggedRow] = []
    table = _read_table(path, layout, ragged)
    report = ValidationReport(source=str(path), kind=kind, instrument_id=str(instrument.id))
    states = RowStates(report, policy, table.num_rows)
    if ragged:
        _reject_ragged(states, ragged, layout)
    spacing = bar_type.spec.interval_ns if bar_type is not None else None  # one bar per interval
    parsed = _parse(table, layout, tz, states, report, spacing)
    _check_dst(states, parsed["ts"], tz, table.column(layout.columns["ts"]))
    values = {name: p.values for name, p in parsed.items()}
    if kind is DataKind.BARS and layout.ts_marks == "open":
        assert bar_type is not None
        _open_to_close(values, bar_type.spec, tz, states, table.column(layout.columns["ts"]))
    if parsed["ts"].zone_assumed:
        report.notes.append(f"dates and times without a zone were read as {tz} wall-clock time")
    checks.increments(states, values, instrument, {name: p.excess for name, p in parsed.items() if p.excess})
    if kind is DataKind.BARS:
        _complete_bar_columns(values, report, table.num_rows)  # after rounding, so copies equal the close
    checks.signs(states, values, kind is DataKind.TRADES)
    if kind is DataKind.BARS:
        checks.ohlc(states, values)
    elif kind is DataKind.QUOTES:
        checks.crossed(states, values)
    trade_ids = _trade_ids(table, layout, states) if kind is DataKind.TRADES else None
    if kind is DataKind.TRADES and "aggressor" not in values:
        values["aggressor"] = np.zeros(table.num_rows, np.int64)  # AggressorSide.NO_AGGRESSOR
        report.notes.append("no aggressor column: trades have no aggressor side")
    # the checks between rows, after every check of single rows, each on the rows still alive
    order = checks.time_order(states, values["ts"])
    if kind is DataKind.BOOK:
        _complete_book_columns(values, table.num_rows)
        checks.incomplete_snapshots(states, values, _update_known(parsed))  # a snapshot is whole or nothing
        order = checks.book_update_order(states, values, order)  # an update's rows together
        checks.repeated_book_copies(states, values, order)  # one update twice: duplicates, not a bad book
        _check_book_groups(values, order, instrument, states)
    book = (values["sequence"], values["update_type"]) if kind is DataKind.BOOK else None
    order = checks.duplicates(states, values["ts"], order, book)  # books: whole updates, never levels
    if kind is DataKind.BOOK:
        checks.sequence_back(states, values, order)  # a feed reset or out of order (off by default)
    interval, daily_tz = _gap_rule(kind, bar_type, policy, tz)
    report.gaps, report.missing_intervals = checks.gaps(states, values["ts"], order, interval, daily_tz)
    order = order[states.live[order]]
    states.finish()
    names = [name for name in FIELDS[kind] if name in values] + [name for name in values if name not in FIELDS[kind]]
    columns = {name: np.ascontiguousarray(values[name][order]) for name in names}
    if trade_ids is not None:
        kept_ids = [trade_ids[i] for i in order.tolist()]
    else:
        kept_ids = content_trade_ids(columns) if kind is DataKind.TRADES else []
    return LoadedData(kind, instrument, bar_type, columns, report, kept_ids)


def _bar_type(kind: DataKind, layout: Layout, instrument: Instrument, spec: BarSpecification | None) -> BarType | None:
    if kind is not DataKind.BARS:
        return None
    if spec is None:
        raise ValidationError("bar_spec", None, "is required for bars (e.g. 1-DAY-LAST)")
    if layout.ts_marks == "open" and spec.interval_ns is None:
        raise ValidationError("bar_spec", str(spec), "must be a time aggregation when timestamps mark the bar's open")
    if spec.interval_ns is not None and spec.interval_ns > INT64_MAX:
        raise ValidationError("bar_spec", str(spec), "must last less than 2**63 ns (about 292 years)")
    return BarType(instrument.id, spec)


def _open_to_close(
    values: dict[str, Int64Array], spec: BarSpecification, tz: str, states: RowStates, source: pa.ChunkedArray
) -> None:
    """Move ``ts`` from each bar's open to its close: ``step`` calendar days in ``tz`` for daily
    bars (a day across a DST change lasts 23 or 25 hours), else the open plus the interval. A bar
    whose close is past the last int64 nanosecond is rejected as unparseable, named."""
    opens = values["ts"]
    if spec.aggregation is BarAggregation.DAY:
        values["ts"], beyond = days_later(opens, spec.step, tz)
        how = f"{spec.step} calendar day{'s' if spec.step > 1 else ''} in {tz}"
    else:
        assert spec.interval_ns is not None
        beyond = opens > INT64_MAX - spec.interval_ns
        values["ts"] = np.where(beyond, 0, np.where(beyond, 0, opens) + spec.interval_ns)
        how = str(spec)
    states.report.notes.append(f"timestamps mark the bar's open; ts_event is the open plus {how}")
    if beyond.any():
        rule = f"is out of range: the bar closes {how} later, after {LAST_NS_TIME} (the last int64 nanosecond)"
        states.apply(Check.UNPARSEABLE, beyond, "ts", source.to_pylist(), rule)


def _reject_ragged(states: RowStates, ragged: list[RaggedRow], layout: Layout) -> None:
    """Reject each CSV row of the wrong width as unparseable (field ``row``, its text shown)."""
    n = len(states.rejected)
    failing = np.zeros(n, np.bool_)
    shown = [""] * n
    rules: dict[int, str] = {}
    source = "the layout names" if layout.names else "the header has"
    for bad in ragged:
        failing[bad.index] = True
        shown[bad.index] = bad.text
        rules[bad.index] = f"has {bad.fields} fields where {source} {bad.expected}"
    states.apply(Check.UNPARSEABLE, failing, "row", shown, rules)


def _parse(
    table: pa.Table, layout: Layout, tz: str, states: RowStates, report: ValidationReport, spacing_ns: int | None
) -> dict[str, Parsed]:
    parsed: dict[str, Parsed] = {}
    for name, source in layout.columns.items():
        column = table.column(source)
        if name == "ts":
            parsed[name] = timestamps(column, layout.ts_unit, layout.ts_format, tz, spacing_ns=spacing_ns)
        elif name in _NUMERIC:
            parsed[name] = decimals(column)
        elif name == "sequence":
            parsed[name] = integers(column)
        elif name == "aggressor":
            parsed[name] = codes(column, {k: int(v) for k, v in layout.aggressor_codes.items()})
        elif name == "side":
            parsed[name] = codes(column, {k: int(v) for k, v in layout.side_codes.items()})
        elif name == "update_type":
            parsed[name] = _update_types(column, layout.snapshot_code)
        else:
            continue  # trade_id: text, read when building
    _check_epoch_unit(states, parsed["ts"], layout.ts_unit, table.column(layout.columns["ts"]))
    for name, result in parsed.items():
        source = table.column(layout.columns[name])
        if result.marked is None:
            states.apply(Check.MISSING_VALUE, result.missing, name, None, "is empty")
        else:
            rule = "is empty or a null marker (null, NaN, N/A…)"
            states.apply(Check.MISSING_VALUE, result.missing, name, source.to_pylist(), rule, render=_text)
        shown = source.to_pylist() if result.invalid.any() else None
        states.apply(Check.UNPARSEABLE, result.invalid, name, shown, result.problems)
    return parsed


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _check_epoch_unit(states: RowStates, ts: Parsed, unit: str | None, source: pa.ChunkedArray) -> None:
    """Epoch values that the layout's unit puts outside 1971 to 2262 but another unit puts inside
    fail ``epoch_unit`` (rejected by default): µs klines read as ms (past 2262), seconds read as
    ms (January 1970). The report names the unit that fits; ``auto`` notes the units it read."""
    fit = ts.epoch_fit
    if fit is None or unit is None:
        return
    found = np.bincount(fit[fit >= 0], minlength=len(EPOCH_UNITS))
    if unit == "auto":
        if found.any():
            read = ", ".join(f"{n} in {EPOCH_UNITS[i]}" for i, n in enumerate(found.tolist()) if n)
            states.report.notes.append(f"epoch times read by their magnitude (ts_unit auto): {read}")
        return
    declared = EPOCH_UNITS.index(unit)
    found[declared] = 0
    if not found.any() or states.policy[Check.EPOCH_UNIT] is Policy.IGNORE:
        return
    shown = source.to_pylist()
    hits: dict[int, BoolArray] = {}
    for index in np.flatnonzero(found).tolist():
        rule = f"is outside {PLAUSIBLE_SPAN} as epoch {unit} but inside as epoch {EPOCH_UNITS[index]}"
        hits[index] = states.apply(Check.EPOCH_UNIT, fit == index, "ts", shown, rule, render=_text)
    counts = {index: int(hit.sum()) for index, hit in hits.items()}
    likely = max(counts, key=counts.__getitem__)
    if not counts[likely]:
        return
    first = int(np.flatnonzero(hits[likely])[0])
    name = EPOCH_UNITS[likely]
    example = np.datetime64(int(shown[first]) * EPOCH_UNIT_NS[likely], "ns").astype(f"datetime64[{name}]")
    outcome = "rejected" if states.policy[Check.EPOCH_UNIT] is Policy.REJECT else f"flagged (read as {unit})"
    states.report.fitting_ts_unit = name
    states.report.notes.append(
        f"{sum(counts.values())} epoch times are outside {PLAUSIBLE_SPAN} as epoch {unit} (the layout's ts_unit) but look like "
        f"epoch {name} (row {first + 1}: {shown[first]} is {example}Z in {name}); {outcome} as epoch_unit"
    )


def _check_dst(states: RowStates, ts: Parsed, tz: str, source: pa.ChunkedArray) -> None:
    """Times without a zone that a DST change in ``tz`` makes ambiguous or skips fail
    ``ambiguous_time`` (flagged by default): each was read as the earlier of its two instants.
    Times of a repeated hour that the file's order resolves (the clock goes back across the change)
    pass, said in a note: those from the go-back on were read as the hour's second occurrence."""
    if ts.repeated is not None and ts.repeated_second is not None:
        resolved, second = int(ts.repeated.sum()), int(ts.repeated_second.sum())
        states.report.notes.append(
            f"{resolved} {tz} times fall in an hour that a DST change repeats and were read by the file's order: "
            f"{second} that go back in time across the change (from row {int(np.argmax(ts.repeated_second)) + 1}) "
            f"as its second occurrence (the offset after the change), {resolved - second} before them as its first"
        )
    if ts.ambiguous is None or ts.skipped is None or not (ts.ambiguous.any() or ts.skipped.any()):
        return
    shown = source.to_pylist()
    rules = (
        (ts.ambiguous, f"happens twice in {tz} (a DST change repeats it): read at the offset before the change"),
        (ts.skipped, f"does not exist in {tz} (a DST change skips it): read at the offset after the change"),
    )
    counts = []
    for mask, rule in rules:
        hit = states.apply(Check.AMBIGUOUS_TIME, mask, "ts", shown, rule)
        counts.append(int(hit.sum()))
    if any(counts):
        outcome = {Policy.REJECT: "rejected", Policy.FLAG: "flagged"}[states.policy[Check.AMBIGUOUS_TIME]]
        states.report.notes.append(
            f"{counts[0]} ambiguous and {counts[1]} skipped {tz} times (DST changes) were read as the earlier "
            f"of their two instants and {outcome} as ambiguous_time"
        )


def _update_types(column: pa.ChunkedArray, snapshot_code: str) -> Parsed:
    text = column.cast(pa.string()).to_pylist()
    values = np.array([SNAPSHOT_ROW if item == snapshot_code else DELTA_ROW for item in text], np.int64)
    missing = np.array([item is None or item == "" for item in text], np.bool_)
    return Parsed(values, missing, np.zeros(len(text), np.bool_))


def _complete_bar_columns(values: dict[str, Int64Array], report: ValidationReport, n: int) -> None:
    absent = [name for name in ("open", "high", "low") if name not in values]
    for name in absent:
        values[name] = values["close"].copy()
    if absent:
        report.notes.append(f"close-only data: {', '.join(absent)} set to the close")
    if "volume" not in values:
        values["volume"] = np.zeros(n, np.int64)
        report.notes.append("no volume column: volume is 0")


def _gap_rule(
    kind: DataKind, bar_type: BarType | None, policy: ValidationPolicy, tz: str
) -> tuple[int | None, str | None]:
    if policy.max_gap_ns is not None:
        return policy.max_gap_ns, None
    if bar_type is None or bar_type.spec.interval_ns is None:
        return None, None
    spec = bar_type.spec
    daily = spec.aggregation is BarAggregation.DAY and spec.step == 1
    return spec.interval_ns, (tz if daily else None)


def _trade_ids(table: pa.Table, layout: Layout, states: RowStates) -> list[str] | None:
    """The file's trade ids; ``None`` without an id column (ids then come from each trade's content)."""
    source = layout.columns.get("trade_id")
    if source is None:
        states.report.notes.append(
            "no trade id column: each trade's id is its content, ts:price:size:aggressor (raw integers), "
            "plus :n for the n-th earlier identical trade in the file"
        )
        return None
    ids, missing = texts(table.column(source))
    states.apply(Check.MISSING_VALUE, missing, "trade_id", None, "is empty")
    return [item or "" for item in ids]


def _complete_book_columns(values: dict[str, Int64Array], n: int) -> None:
    if "update_type" not in values:
        values["update_type"] = np.full(n, DELTA_ROW, np.int64)
    if "sequence" not in values:
        values["sequence"] = np.zeros(n, np.int64)


def _update_known(parsed: dict[str, Parsed]) -> BoolArray:
    """The rows whose time, sequence and type (the columns naming a book update) were read."""
    known = np.ones(len(parsed["ts"].values), np.bool_)
    for name in ("ts", "sequence", "update_type"):
        if name in parsed:
            known &= ~(parsed[name].missing | parsed[name].invalid)
    return known


def _check_book_groups(
    values: dict[str, Int64Array], order: Int64Array, instrument: Instrument, states: RowStates
) -> None:
    """Reject the rows of each update that does not form a valid snapshot or delta batch."""
    live = order[states.live[order]]
    columns = {name: column[live] for name, column in values.items()}
    _, failures = book_items(columns, instrument.id, instrument.price_precision, instrument.size_precision)
    for rows, exc in failures:
        failing = np.zeros(len(values["ts"]), np.bool_)
        failing[live[rows]] = True
        states.apply(Check.INVALID_BOOK, failing, exc.field, None, exc.rule)


__all__ = ["LoadedData", "load_market_data", "read_table"]
