"""An on-disk Parquet catalog of validated market data, partitioned by data type, instrument and date.

Layout: ``ROOT/<data type>/<instrument id>/date=YYYY-MM-DD/data.parquet`` (``date=YYYY`` for bars
of an hour or more, so daily bars are one file a year) plus a ``_meta.json`` per dataset (kind,
precisions, bar type, ``format``). The data type is ``quotes``, ``trades``, ``book`` or
``bars-<spec>`` (e.g. ``bars-1-DAY-LAST``). Rows are the loaders' raw fixed-point columns (int64
in units of 10**-9; the precisions are in ``_meta.json``), in time order within each partition.

**Merging.** Writing merges each partition as a multiset union, never duplicating stored rows,
and refuses (or, with ``OnConflict.REPLACE``, replaces) a bar or trade that disagrees with the
stored one of the same timestamp or trade id, and a book snapshot level (timestamp, sequence,
side, price) stored with another size (``REPLACE`` replaces that snapshot whole); new levels of
a stored snapshot that would leave it unreadable (crossed, a duplicate level) refuse the write
under either policy (``CatalogInvalidBookError``); see ``catalog_merge`` for the rules. A trade id is
looked up in every partition of the dataset, not only the new trade's day: a stored trade of the
id on another day conflicts (``REPLACE`` removes it, and its partition when no row is left). The
look-up reads only the ``trade_id`` column of the row groups whose id range (Parquet statistics)
overlaps the new ids', and whole rows only of the partitions holding a match.

**Atomic writes.** A write holds the dataset's lock (``.lock``, an exclusive ``flock``), so
concurrent writers queue instead of losing each other's rows. It first merges every partition it
touches and writes each result to a temporary file beside it (flushed to disk); only when all
are written, and no conflict was found, does it rename them over the partitions (a partition
left without rows, its trades replaced by their copies of another day, is renamed aside and
deleted once all are in place). A failure before that point (a conflict, a full disk) removes
the temporary files and changes nothing; a failure while renaming puts back the partitions
already renamed. A writer killed mid-write leaves only hidden temporary files, which the next
write of the dataset removes. Readers need no lock: they see each partition either before or
after a write (never half of one), though a query running during a write may read some
partitions before it and others after it.

**Format.** ``_meta.json`` records ``format``: 2 since conflicts are refused and id-less trades
carry content ids (``data/identity.py``). A dataset without it is format 1, written by earlier
versions: its id-less trades may carry row-number ids, which the merge handles by matching such
trades by content (so rewriting them adds nothing); it is read and written as is and keeps its
marker. A dataset of a newer format than this version knows is refused for writing.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec
import numpy as np

from nautilus_platform.core.arith import format_fixed
from nautilus_platform.core.errors import NotFoundError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.catalog_files import Staged, commit, locked, remove_leftovers, replace_file, write_aside
from nautilus_platform.data.catalog_merge import (
    AcrossPartitions,
    DayArray,
    InvalidSnapshots,
    KeyConflict,
    OnConflict,
    TradeIds,
    across_partitions,
    merge_partition,
)
from nautilus_platform.data.layouts import FIELDS, DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.objects import SNAPSHOT_ROW, build_objects
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.model.data import BarType, MarketData
from nautilus_platform.model.enums import AggressorSide, BookSide

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")
    ds = LazyModule("pyarrow.dataset")
    pafs = LazyModule("pyarrow.fs")
    pq = LazyModule("pyarrow.parquet")

_HOUR_NS = 3_600_000_000_000
_DAY_NS = 86_400_000_000_000
_META = "_meta.json"
_LOCK = ".lock"
_PARTITION_FILE = "data.parquet"
#: stored trade ids probed against the new ones at a time (one hash of the new ids per probe)
_PROBE_ROWS = 8_000_000
#: what a writer killed mid-write leaves in a dataset folder (``catalog_files.remove_leftovers``)
_LEFTOVERS = (f".{_META}.*", f"date=*/.{_PARTITION_FILE}.*")
#: the format this version writes (see the module docstring); a dataset without a marker is 1
CATALOG_FORMAT = 2


def data_type_of(kind: DataKind, bar_type: BarType | None) -> str:
    """The catalog's name for a kind of data (``bars-<spec>`` for bars)."""
    if kind is DataKind.BARS:
        if bar_type is None:
            raise ValidationError("bar_type", None, "is required for bars")
        return f"bars-{bar_type.spec!s}"
    return str(kind.value)


class DatasetMeta(msgspec.Struct, frozen=True):
    """What a dataset holds, stored beside its partitions (``format`` 1: written before the marker)."""

    kind: str
    data_type: str
    instrument_id: str
    price_precision: int
    size_precision: int
    bar_type: str | None
    format: int = 1


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: a data type of one instrument, with its extent."""

    data_type: str
    instrument_id: str
    rows: int
    partitions: int
    first_ts: int | None
    last_ts: int | None
    price_precision: int
    size_precision: int


@dataclass(frozen=True)
class WriteResult:
    """What one write did: rows offered, rows newly stored, rows already there, partitions
    touched, and stored rows replaced by new ones (``OnConflict.REPLACE``)."""

    data_type: str
    instrument_id: str
    rows: int
    added: int
    already_stored: int
    partitions: int
    replaced: int = 0


class CatalogConflictError(ValidationError):
    """A write offered a bar, trade or book snapshot level that disagrees with another of the same
    key; nothing was written."""

    def __init__(self, data_type: str, instrument_id: str, source: str, conflicts: int, example: KeyConflict,
                 stored_in: Path | None, text: str, key_text: str | None = None) -> None:  # fmt: skip
        self.data_type = data_type
        self.instrument_id = instrument_id
        self.source = source
        self.conflicts = conflicts
        self.example = example
        self.stored_in = stored_in
        super().__init__(example.key, _key_text(example) if key_text is None else key_text, text)


class CatalogInvalidBookError(CatalogConflictError):
    """A write whose new levels, merged into a stored book snapshot (same timestamp and sequence),
    would make a snapshot that cannot be read back (crossed, a duplicate level, a non-positive
    size); nothing was written. ``ts``, ``sequence`` and ``reason`` name the first such snapshot."""

    def __init__(self, data_type: str, instrument_id: str, source: str, invalid: InvalidSnapshots,
                 stored_in: Path, text: str, key_text: str) -> None:  # fmt: skip
        self.ts = invalid.ts
        self.sequence = invalid.sequence
        self.reason = invalid.reason
        example = KeyConflict("snapshot", f"{invalid.ts}:{invalid.sequence}", False, invalid.first, invalid.second)
        super().__init__(data_type, instrument_id, source, invalid.count, example, stored_in, text, key_text)


@dataclass
class CatalogData:
    """Rows read back from the catalog, with what it takes to rebuild model objects."""

    kind: DataKind
    instrument_id: InstrumentId
    price_precision: int
    size_precision: int
    bar_type: BarType | None
    columns: dict[str, Int64Array]
    trade_ids: list[str]

    def __len__(self) -> int:
        return len(self.columns["ts"])

    def to_objects(self) -> list[MarketData]:
        return build_objects(
            self.kind, self.columns, instrument_id=self.instrument_id, price_precision=self.price_precision,
            size_precision=self.size_precision, bar_type=self.bar_type, trade_ids=self.trade_ids,
        )  # fmt: skip


class ParquetCatalog:
    """Validated market data on disk under ``root``; see the module docstring."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _require_folder(self) -> None:
        """A catalog root that exists but is not a folder is a clear error, not a traceback."""
        if self.root.exists() and not self.root.is_dir():
            raise ValidationError("catalog", str(self.root), "must be a folder, not a file")

    def _dataset_dir(self, data_type: str, instrument_id: str) -> Path:
        return self.root / data_type / quote(str(instrument_id), safe="")

    def write(self, data: LoadedData, on_conflict: OnConflict = OnConflict.ERROR) -> WriteResult:
        """Merge ``data`` into its dataset without duplicating stored rows; all partitions or none.

        A bar (trade) that disagrees with the stored bar of its timestamp (trade of its id), or a
        book snapshot level stored with another size, raises ``CatalogConflictError`` and writes
        nothing, unless ``on_conflict`` is ``REPLACE``."""
        self._require_folder()
        data_type = data_type_of(data.kind, data.bar_type)
        instrument = data.instrument
        folder = self._dataset_dir(data_type, instrument.id)
        meta = DatasetMeta(
            kind=data.kind.value,
            data_type=data_type,
            instrument_id=str(instrument.id),
            price_precision=instrument.price_precision,
            size_precision=instrument.size_precision,
            bar_type=str(data.bar_type) if data.bar_type is not None else None,
            format=CATALOG_FORMAT,
        )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where a folder of the path should be, no permission…
            raise ValidationError("catalog", str(self.root), f"cannot hold a dataset folder: {exc}") from exc
        with locked(folder / _LOCK):
            remove_leftovers(folder, _LEFTOVERS)
            existing = self._meta(folder)
            if existing is not None:
                _check_compatible(existing, meta, folder)
            table = data.to_arrow()
            unit = _partition_unit(data.kind, data.bar_type)
            periods = data.columns["ts"].astype("datetime64[ns]").astype(f"datetime64[{unit}]")
            touched = np.unique(periods)
            across = _across_partitions(folder, table, periods, on_conflict) if data.kind is DataKind.TRADES else None
            removals = across.removals() if across is not None and on_conflict is OnConflict.REPLACE else {}
            staged: list[Staged] = []
            created: list[Path] = []
            added = replaced = rewritten = 0
            keys: list[pa.Array] = []
            example: tuple[KeyConflict, Path] | None = None
            invalid: tuple[InvalidSnapshots, Path] | None = None
            invalid_count = 0
            if across is not None and across.example is not None:
                keys.append(across.keys)
                day = across.example_period
                example = (across.example, folder / f"date={day}" / _PARTITION_FILE if day is not None else folder)
            try:
                for period in np.union1d(touched, np.array(list(removals), touched.dtype)):
                    path = folder / f"date={period}" / _PARTITION_FILE
                    stored = pq.read_table(path) if path.exists() else None
                    gone = 0
                    if stored is not None and period in removals:  # trades whose new copy is on another day
                        stored, gone = _without(stored, removals[period])
                    if period in touched:
                        merged = merge_partition(
                            stored, table.filter(pa.array(periods == period)), data.kind, on_conflict
                        )
                        if merged.keys is not None:
                            keys.append(merged.keys)
                        if merged.example is not None and (
                            example is None or merged.example.new_ts < example[0].new_ts
                        ):
                            example = (merged.example, path)
                        if merged.invalid is not None:
                            invalid_count += merged.invalid.count
                            if invalid is None or merged.invalid.ts < invalid[0].ts:
                                invalid = (merged.invalid, path)
                        result, changed = merged.table, merged.changed or gone > 0
                        added += merged.added
                        replaced += merged.replaced
                    else:
                        assert stored is not None
                        result, changed = stored, gone > 0
                        rewritten += 1
                    replaced += gone
                    if keys or invalid is not None or not changed:
                        continue
                    if result.num_rows == 0:
                        staged.append(Staged(path, None))
                        continue
                    if not path.parent.exists():
                        path.parent.mkdir()
                        created.append(path.parent)
                    staged.append(Staged(path, write_aside(path, result)))
                if example is not None:
                    conflicts = len(pc.unique(pa.concat_arrays(keys)))
                    raise self._conflict_error(data, data_type, conflicts, *example)
                if invalid is not None:
                    raise self._invalid_book_error(data, data_type, invalid_count, *invalid)
                commit(staged)
            except BaseException:
                for item in staged:
                    if item.temporary is not None:
                        item.temporary.unlink(missing_ok=True)
                for made in created:
                    with suppress(OSError):
                        made.rmdir()
                raise
            for item in staged:
                if item.temporary is None:  # a partition left without rows: its folder goes too
                    with suppress(OSError):
                        item.path.parent.rmdir()
            if existing is None:
                replace_file(folder / _META, msgspec.json.format(msgspec.json.encode(meta)))
        offered = table.num_rows
        partitions = len(touched) + rewritten
        return WriteResult(data_type, str(instrument.id), offered, added, offered - added, partitions, replaced)

    def _conflict_error(
        self, data: LoadedData, data_type: str, conflicts: int, example: KeyConflict, path: Path
    ) -> CatalogConflictError:
        instrument = data.instrument
        pp, sp = instrument.price_precision, instrument.size_precision
        what = {DataKind.BARS: "bar", DataKind.TRADES: "trade"}.get(data.kind, "book snapshot level")
        key = _key_text(example, pp)
        source = data.report.source
        first, second = _values_text(example.first, pp, sp), _values_text(example.second, pp, sp)
        if example.within_new:
            text = (
                f"{source} holds two different {what}s for {data_type} {instrument.id} at {example.key} {key}: "
                f"{first} and {second}; {conflicts} {example.key} value(s) conflict in this write. "
                "Nothing was written; keep one row per key (the validation policy "
                "duplicate_timestamp=reject drops repeated bar timestamps; the loader rejects a snapshot "
                "listing one level twice as invalid_book)"
            )
            stored_in = None
        else:
            text = (
                f"{data_type} {instrument.id} already holds a different {what} at {example.key} {key}: "
                f"stored {first} (in {path}), {source} has {second}; {conflicts} {example.key} value(s) conflict. "
                "Nothing was written; write with on_conflict=replace (naut data import --on-conflict replace) "
                f"to replace the stored {what}s with the new ones"
                + (" (each conflicting snapshot whole: all its stored levels)" if data.kind is DataKind.BOOK else "")
            )
            stored_in = path
        return CatalogConflictError(data_type, str(instrument.id), source, conflicts, example, stored_in, text, key)

    def _invalid_book_error(
        self, data: LoadedData, data_type: str, count: int, invalid: InvalidSnapshots, path: Path
    ) -> CatalogInvalidBookError:
        instrument = data.instrument
        pp, sp = instrument.price_precision, instrument.size_precision
        source = data.report.source
        when = f"{_time_text(invalid.ts)} sequence {invalid.sequence}"

        def level(row: dict[str, int | str], stored: bool) -> str:
            where = f"stored in {path}" if stored else f"new in {source}"
            side = BookSide(int(row["side"])).name.lower()
            return f"{side} {format_fixed(int(row['price']), pp)} size {format_fixed(int(row['size']), sp)} ({where})"

        first, second = level(invalid.first, invalid.first_stored), level(invalid.second, invalid.second_stored)
        why = {
            "crossed": f"its best {first} would not be below its best {second} (a crossed book)",
            "duplicate level": f"it would list the level {first} twice, also as {second} (duplicate price levels)",
            "non-positive size": f"its level {first} has a size that is not positive",
        }[invalid.reason]
        text = (
            f"{source} adds levels to the stored book snapshot of {data_type} {instrument.id} at {when} "
            f"(same time and sequence: the catalog merges the rows of one snapshot split across files), and "
            f"the merged snapshot could not be read back: {why}; {count} stored snapshot(s) would become "
            "invalid. Nothing was written; on_conflict=replace does not help here (it replaces a stored "
            "snapshot whole only where a level conflicts): check that the file's snapshot times and "
            "sequences are those of the stored snapshots it completes"
        )
        return CatalogInvalidBookError(data_type, str(instrument.id), source, invalid, path, text, when)

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset in the catalog, sorted by data type and instrument."""
        self._require_folder()
        infos = []
        for meta_path in sorted(self.root.glob(f"*/*/{_META}")):
            meta = self._meta(meta_path.parent)
            assert meta is not None
            parts = _partitions(meta_path.parent)
            rows, first, last = 0, None, None
            for part in parts:
                ts = pq.read_table(part, columns=["ts"]).column("ts")
                rows += len(ts)
                if len(ts):
                    low, high = pc.min(ts).as_py(), pc.max(ts).as_py()
                    first = low if first is None else min(first, low)
                    last = high if last is None else max(last, high)
            infos.append(
                DatasetInfo(
                    meta.data_type, meta.instrument_id, rows, len(parts), first, last,
                    meta.price_precision, meta.size_precision,
                )
            )  # fmt: skip
        return infos

    def query(
        self, data_type: str, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None
    ) -> CatalogData:
        """Rows of one dataset with ``start_ns <= ts < end_ns`` (either bound optional), in time order.

        An empty range gives empty columns, one for each field of the data's kind."""
        self._require_folder()
        folder = self._dataset_dir(data_type, instrument_id)
        meta = self._meta(folder)
        if meta is None:
            known = [f"{d.data_type} {d.instrument_id}" for d in self.datasets()]
            raise NotFoundError(f"no dataset {data_type} {instrument_id} in {self.root}; the catalog has {known}")
        if start_ns is not None and end_ns is not None and end_ns < start_ns:
            raise ValidationError("end", end_ns, f"must not be before start {start_ns}")
        kind = DataKind(meta.kind)
        parts = _partitions(folder)
        tables = []
        for part in parts:
            period_start, period_end = _period_bounds_ns(part)
            if (start_ns is not None and period_end <= start_ns) or (end_ns is not None and period_start >= end_ns):
                continue
            table = pq.read_table(part)
            if start_ns is not None:
                table = table.filter(pc.greater_equal(table.column("ts"), pa.scalar(start_ns, pa.int64())))
            if end_ns is not None:
                table = table.filter(pc.less(table.column("ts"), pa.scalar(end_ns, pa.int64())))
            tables.append(table)
        if tables:
            table = pa.concat_tables(tables)
        else:
            table = (pq.read_schema(parts[0]) if parts else _schema_of(kind)).empty_table()
        columns = {
            name: table.column(name).to_numpy().astype(np.int64) for name in table.column_names if name != "trade_id"
        }
        trade_ids = table.column("trade_id").to_pylist() if "trade_id" in table.column_names else []
        bar_type = BarType.from_str(meta.bar_type) if meta.bar_type else None
        return CatalogData(
            kind, InstrumentId(meta.instrument_id), meta.price_precision, meta.size_precision, bar_type,
            columns, trade_ids,
        )  # fmt: skip

    @staticmethod
    def _meta(folder: Path) -> DatasetMeta | None:
        path = folder / _META
        if not path.exists():
            return None
        try:
            return msgspec.json.decode(path.read_bytes(), type=DatasetMeta)
        except msgspec.DecodeError as exc:
            raise ValidationError("catalog", str(path), f"is not a valid dataset description: {exc}") from exc


def _across_partitions(folder: Path, new: pa.Table, periods: DayArray, on_conflict: OnConflict) -> AcrossPartitions:
    """The new trades' ids met in other partitions than their own day (``catalog_merge.across_partitions``)."""
    trade_ids = TradeIds.of(new, periods)
    stored, stored_periods = _stored_elsewhere(folder, trade_ids)
    return across_partitions(new, trade_ids, stored, stored_periods, on_conflict)


def _stored_elsewhere(folder: Path, trade_ids: TradeIds) -> tuple[pa.Table, DayArray]:
    """The stored trades (whole rows) whose id a new trade of another partition carries, and their partitions.

    Reads the ``trade_id`` column of only the row groups whose id range (Parquet statistics)
    overlaps the new ids' (never of the one day all new trades are on), then only the partitions
    holding a match, whole, one at a time."""
    parts = _partitions(folder)
    none = (_schema_of(DataKind.TRADES).empty_table(), np.zeros(0, "datetime64[D]"))
    if not parts or len(trade_ids.ids) == 0:
        return none
    bounds = pc.min_max(trade_ids.ids)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    days = np.unique(trade_ids.periods)
    parquet, local = ds.ParquetFileFormat(), pafs.LocalFileSystem()
    fragments, read = [], []
    for part in parts:
        if len(days) == 1 and part.parent.name == f"date={days[0]}":
            continue  # all new trades are on this day: what it holds is the merge's to match
        groups = _overlapping_groups(pq.read_metadata(part), low, high)
        if groups:
            fragments.append(parquet.make_fragment(str(part), local, row_groups=groups))
            read.append(part)
    if not fragments:
        return none
    scan = ds.FileSystemDataset(fragments, pq.read_schema(read[0]), parquet, local)
    parts_found, pending, rows = [], [], 0
    for batch in scan.to_batches(columns=["trade_id", "__fragment_index"]):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= _PROBE_ROWS:
            parts_found.append(_carrying(pending, trade_ids.ids))
            pending, rows = [], 0
    if pending:
        parts_found.append(_carrying(pending, trade_ids.ids))
    if not parts_found:
        return none
    found = pa.concat_tables(parts_found)
    read_days = np.array([part.parent.name[len("date=") :] for part in read], "datetime64[D]")
    fragment = np.asarray(found.column("__fragment_index").to_numpy(), np.int64)
    elsewhere = trade_ids.elsewhere(found.column("trade_id"), read_days[fragment])
    tables, periods = [], []
    for index in np.unique(fragment[elsewhere]).tolist():  # each partition holding a match, whole
        ids = found.column("trade_id").filter(pa.array(elsewhere & (fragment == index)))
        table = pq.read_table(read[index])
        table = table.filter(pc.is_in(table.column("trade_id"), value_set=ids.combine_chunks()))
        tables.append(table)
        periods.append(np.full(table.num_rows, read_days[index]))
    if not tables:
        return none
    return pa.concat_tables(tables), np.concatenate(periods)


def _without(stored: pa.Table, ids: pa.Array) -> tuple[pa.Table, int]:
    """``stored`` without its trades of ``ids``, and how many went."""
    keep = pc.invert(pc.is_in(stored.column("trade_id"), value_set=ids))
    kept = stored.filter(keep)
    return kept, stored.num_rows - kept.num_rows


def _carrying(batches: list[pa.RecordBatch], ids: pa.Array) -> pa.Table:
    """The rows of ``batches`` whose ``trade_id`` is among ``ids``."""
    table = pa.Table.from_batches(batches)
    return table.filter(pc.is_in(table.column("trade_id"), value_set=ids))


def _overlapping_groups(metadata: pq.FileMetaData, low: str, high: str) -> list[int]:
    """The row groups whose ``trade_id`` statistics overlap ``[low, high]`` (all where they have none)."""
    column = metadata.schema.names.index("trade_id")
    groups = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        known = stats is not None and stats.has_min_max and isinstance(stats.min, str) and isinstance(stats.max, str)
        if not known or (stats.min <= high and stats.max >= low):
            groups.append(group)
    return groups


def _check_compatible(existing: DatasetMeta, offered: DatasetMeta, folder: Path) -> None:
    """A dataset keeps its precisions, and this version writes only the formats it knows."""
    if existing.format > CATALOG_FORMAT:
        rule = f"is format {existing.format}, written by a newer version; this version writes format {CATALOG_FORMAT}"
        raise ValidationError("catalog", str(folder), rule)
    for key in ("price_precision", "size_precision"):
        stored, new = getattr(existing, key), getattr(offered, key)
        if stored != new:
            raise ValidationError(
                key, new, f"must equal the catalog's {stored} for {offered.data_type} {offered.instrument_id}"
            )


def _partitions(folder: Path) -> list[Path]:
    """The dataset's partition files in time order (``date=YYYY`` or ``date=YYYY-MM-DD`` sort by name)."""
    return sorted(folder.glob(f"date=*/{_PARTITION_FILE}"))


def _schema_of(kind: DataKind) -> pa.Schema:
    """The columns the loaders write for ``kind`` (trade ids as text, everything else int64)."""
    return pa.schema([(name, pa.string() if name == "trade_id" else pa.int64()) for name in FIELDS[kind]])


def _partition_unit(kind: DataKind, bar_type: BarType | None) -> str:
    """Daily partitions for ticks, books and intraday bars; yearly for bars of an hour or more."""
    interval = bar_type.spec.interval_ns if bar_type is not None else None
    return "Y" if kind is DataKind.BARS and (interval is None or interval >= _HOUR_NS) else "D"


def _period_bounds_ns(part: Path) -> tuple[int, int]:
    """``[start, end)`` in UTC ns of the partition ``date=YYYY-MM-DD`` or ``date=YYYY`` holding ``part``.

    Python integers: the partitions of 1677 and 2262 reach beyond int64 nanoseconds."""
    name = part.parent.name[len("date=") :]
    unit = "D" if len(name) > 4 else "Y"
    try:
        bounds = np.array([name, name], dtype=f"datetime64[{unit}]") + np.array([0, 1], dtype=f"timedelta64[{unit}]")
    except ValueError:
        rule = "must be a partition named date=YYYY or date=YYYY-MM-DD"
        raise ValidationError("catalog", str(part.parent), rule) from None
    days = bounds.astype("datetime64[D]").astype(np.int64).tolist()
    return int(days[0]) * _DAY_NS, int(days[1]) * _DAY_NS


def _key_text(conflict: KeyConflict, price_precision: int = 9) -> str:
    if conflict.key == "ts":
        return _time_text(int(conflict.key_value))
    if conflict.key == "level":  # a book snapshot's level: time, sequence, side and price
        row = conflict.second
        side = BookSide(int(row["side"])).name
        return (
            f"{_time_text(int(row['ts']))} sequence {row['sequence']} {side} "
            f"{format_fixed(int(row['price']), price_precision)}"
        )
    return str(conflict.key_value)


def _time_text(ns: int) -> str:
    return str(np.datetime64(ns, "ns")) + "Z"


def _values_text(row: dict[str, int | str], price_precision: int, size_precision: int) -> str:
    """A stored row in words: prices and sizes at the dataset's precisions, codes by name."""
    parts = []
    for name, value in row.items():
        if isinstance(value, str):
            parts.append(f"{name}={value}")
        elif name == "ts":
            parts.append(f"ts={_time_text(value)}")
        elif name == "aggressor":
            parts.append(f"aggressor={AggressorSide(value).name}")
        elif name == "side":
            parts.append(f"side={BookSide(value).name}")
        elif name == "update_type":
            parts.append(f"update_type={'snapshot' if value == SNAPSHOT_ROW else 'deltas'}")
        elif name == "sequence":
            parts.append(f"sequence={value}")
        elif name in ("volume", "size", "bid_size", "ask_size"):
            parts.append(f"{name}={format_fixed(value, size_precision)}")
        else:
            parts.append(f"{name}={format_fixed(value, price_precision)}")
    return " ".join(parts)


__all__ = [
    "CATALOG_FORMAT",
    "CatalogConflictError",
    "CatalogData",
    "CatalogInvalidBookError",
    "DatasetInfo",
    "OnConflict",
    "ParquetCatalog",
    "WriteResult",
    "data_type_of",
]
