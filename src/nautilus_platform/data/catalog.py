"""An on-disk Parquet catalog of validated market data, partitioned by data type, instrument and date.

Layout: ``ROOT/<data type>/<instrument id>/date=YYYY-MM-DD/data.parquet`` (``date=YYYY`` for bars
of an hour or more, so daily bars are one file a year) plus a ``_meta.json`` per dataset (kind,
precisions, bar type). The data type is ``quotes``, ``trades``, ``book`` or
``bars-<spec>`` (e.g. ``bars-1-DAY-LAST``). Rows are the loaders' raw fixed-point columns, in
time order within each UTC day.

Writing merges into each day as a multiset union: a row already stored as many times as the new
data holds it is not stored again, so importing the same file twice, or two overlapping files,
never duplicates rows, while rows that really repeat inside one file are kept. Each partition is
replaced atomically (written aside, then renamed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec
import numpy as np

from nautilus_platform.core.errors import NotFoundError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.identity import occurrences
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.objects import build_objects
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.model.data import BarType, MarketData

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")
    pq = LazyModule("pyarrow.parquet")

_HOUR_NS = 3_600_000_000_000
_META = "_meta.json"


def data_type_of(kind: DataKind, bar_type: BarType | None) -> str:
    """The catalog's name for a kind of data (``bars-<spec>`` for bars)."""
    if kind is DataKind.BARS:
        if bar_type is None:
            raise ValidationError("bar_type", None, "is required for bars")
        return f"bars-{bar_type.spec!s}"
    return str(kind.value)


class DatasetMeta(msgspec.Struct, frozen=True):
    """What a dataset holds, stored beside its partitions."""

    kind: str
    data_type: str
    instrument_id: str
    price_precision: int
    size_precision: int
    bar_type: str | None


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
    """What one write did: rows offered, rows newly stored, rows already there, partitions touched."""

    data_type: str
    instrument_id: str
    rows: int
    added: int
    already_stored: int
    partitions: int


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

    def write(self, data: LoadedData) -> WriteResult:
        """Merge ``data`` into its dataset, partition by partition, without duplicating stored rows."""
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
        )
        existing = self._meta(folder)
        if existing is not None:
            for key in ("price_precision", "size_precision"):
                stored, offered = getattr(existing, key), getattr(meta, key)
                if stored != offered:
                    rule = f"must equal the catalog's {stored} for {data_type} {instrument.id}"
                    raise ValidationError(key, offered, rule)
        table = data.to_arrow()
        unit = _partition_unit(data.kind, data.bar_type)
        periods = data.columns["ts"].astype("datetime64[ns]").astype(f"datetime64[{unit}]")
        added = 0
        touched = np.unique(periods)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where a folder of the path should be, no permission…
            raise ValidationError("catalog", str(self.root), f"cannot hold a dataset folder: {exc}") from exc
        for period in touched:
            rows = table.filter(pa.array(periods == period))
            path = folder / f"date={period}" / "data.parquet"
            stored = pq.read_table(path) if path.exists() else None
            merged = _multiset_union(stored, rows)
            added += merged.num_rows - (stored.num_rows if stored is not None else 0)
            _write_atomically(path, merged)
        if existing is None:
            (folder / _META).write_bytes(msgspec.json.format(msgspec.json.encode(meta)))
        return WriteResult(data_type, str(instrument.id), table.num_rows, added, table.num_rows - added, len(touched))

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset in the catalog, sorted by data type and instrument."""
        self._require_folder()
        infos = []
        for meta_path in sorted(self.root.glob(f"*/*/{_META}")):
            meta = self._meta(meta_path.parent)
            assert meta is not None
            parts = sorted(meta_path.parent.glob("date=*/data.parquet"))
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
        """Rows of one dataset with ``start_ns <= ts < end_ns`` (either bound optional), in time order."""
        self._require_folder()
        folder = self._dataset_dir(data_type, instrument_id)
        meta = self._meta(folder)
        if meta is None:
            known = [f"{d.data_type} {d.instrument_id}" for d in self.datasets()]
            raise NotFoundError(f"no dataset {data_type} {instrument_id} in {self.root}; the catalog has {known}")
        if start_ns is not None and end_ns is not None and end_ns < start_ns:
            raise ValidationError("end", end_ns, f"must not be before start {start_ns}")
        tables = []
        for part in sorted(folder.glob("date=*/data.parquet")):
            period_start, period_end = _period_bounds_ns(part.parent.name[len("date=") :])
            if (start_ns is not None and period_end <= start_ns) or (end_ns is not None and period_start >= end_ns):
                continue
            table = pq.read_table(part)
            if start_ns is not None:
                table = table.filter(pc.greater_equal(table.column("ts"), start_ns))
            if end_ns is not None:
                table = table.filter(pc.less(table.column("ts"), end_ns))
            tables.append(table)
        kind = DataKind(meta.kind)
        table = pa.concat_tables(tables) if tables else _empty_like(folder)
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


def _empty_like(folder: Path) -> pa.Table:
    parts = sorted(folder.glob("date=*/data.parquet"))
    schema = pq.read_schema(parts[0]) if parts else pa.schema([("ts", pa.int64())])
    return schema.empty_table()


def _partition_unit(kind: DataKind, bar_type: BarType | None) -> str:
    """Daily partitions for ticks, books and intraday bars; yearly for bars of an hour or more."""
    interval = bar_type.spec.interval_ns if bar_type is not None else None
    return "Y" if kind is DataKind.BARS and (interval is None or interval >= _HOUR_NS) else "D"


def _period_bounds_ns(name: str) -> tuple[int, int]:
    """``[start, end)`` in UTC ns of a partition named ``YYYY-MM-DD`` or ``YYYY``."""
    unit = "D" if len(name) > 4 else "Y"
    bounds = np.array([name, name], dtype=f"datetime64[{unit}]") + np.array([0, 1], dtype=f"timedelta64[{unit}]")
    start, end = bounds.astype("datetime64[ns]").astype(np.int64).tolist()
    return int(start), int(end)


def _row_keys(table: pa.Table) -> list[Int64Array]:
    keys = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = pc.dictionary_encode(column).combine_chunks()
            keys.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        else:
            keys.append(column.to_numpy().astype(np.int64))
    return keys


def _multiset_union(stored: pa.Table | None, new: pa.Table) -> pa.Table:
    """``stored`` plus the rows of ``new`` beyond what ``stored`` already holds, sorted by ts (stable)."""
    if stored is None:
        combined = new
        origin = np.ones(new.num_rows, np.bool_)
    else:
        if stored.schema != new.schema:
            raise ValidationError(
                "columns", new.column_names, f"must match the stored partition's {stored.column_names}"
            )
        combined = pa.concat_tables([stored, new])
        origin = np.r_[np.zeros(stored.num_rows, np.bool_), np.ones(new.num_rows, np.bool_)]
    keys = _row_keys(combined)
    stored_n = combined.num_rows - new.num_rows
    occurrence = np.r_[occurrences([k[:stored_n] for k in keys]), occurrences([k[stored_n:] for k in keys])]
    # the k-th copy of a row in the new data is kept only when the stored data has fewer than k+1 copies
    pair_keys = [*keys, occurrence]
    first = occurrences(pair_keys) == 0
    keep = ~origin | first  # lexsort is stable: a stored pair precedes an equal new pair
    merged = combined.filter(pa.array(keep))
    order = np.argsort(merged.column("ts").to_numpy(), kind="stable")
    return merged.take(pa.array(order))


def _write_atomically(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


__all__ = ["CatalogData", "DatasetInfo", "ParquetCatalog", "WriteResult", "data_type_of"]
