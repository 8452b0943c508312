"""Market data shared by every run of a sweep instead of copied into each worker.

``share_to_files`` writes each source's raw int64 columns once as an uncompressed Arrow IPC file;
a worker ``open_shared`` memory-maps it and gets NumPy views straight onto the mapped pages, so
every worker process reads the same page-cache pages and an extra worker costs only its own
engine state. (The Ray executor puts the same columns in Ray's object store instead; see
``executors``.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.model.data import BarType

_TRADE_ID = "trade_id"


@dataclass(frozen=True)
class SourceMeta:
    """What it takes to rebuild model objects from one source's raw columns (small, picklable)."""

    kind: str
    instrument_id: str
    price_precision: int
    size_precision: int
    bar_type: str | None
    rows: int


@dataclass(frozen=True)
class SharedSource:
    """One source shared through a file: its metadata and the Arrow IPC file's path."""

    meta: SourceMeta
    path: str


def source_meta(source: object) -> SourceMeta:
    """The metadata of a file or catalog source; other sources cannot be shared."""
    if isinstance(source, LoadedData):
        instrument = source.instrument
        return SourceMeta(
            source.kind.value, str(instrument.id), instrument.price_precision, instrument.size_precision,
            str(source.bar_type) if source.bar_type is not None else None, len(source),
        )  # fmt: skip
    if isinstance(source, CatalogData):
        return SourceMeta(
            source.kind.value, str(source.instrument_id), source.price_precision, source.size_precision,
            str(source.bar_type) if source.bar_type is not None else None, len(source),
        )  # fmt: skip
    raise ValidationError("data", type(source).__name__, "a sweep needs file or catalog data (raw columns)")


def source_table(source: LoadedData | CatalogData) -> pa.Table:
    """The source's columns (and trade ids) as an Arrow table."""
    arrays = {name: pa.array(np.asarray(column, dtype=np.int64)) for name, column in source.columns.items()}
    if source.trade_ids:
        arrays[_TRADE_ID] = pa.array(source.trade_ids, pa.string())
    return pa.table(arrays)


def share_to_files(sources: Sequence[LoadedData | CatalogData], folder: str | Path) -> list[SharedSource]:
    """Write each source once into ``folder`` as ``source-N.arrow`` (uncompressed Arrow IPC)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    shared = []
    for index, source in enumerate(sources):
        meta = source_meta(source)
        path = root / f"source-{index}.arrow"
        table = source_table(source)
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=max(len(table), 1))
        shared.append(SharedSource(meta, str(path)))
    return shared


def columns_of(table: pa.Table) -> tuple[dict[str, Int64Array], list[str]]:
    """Zero-copy NumPy views of a table's int64 columns, and its trade ids (if any)."""
    columns: dict[str, Int64Array] = {}
    trade_ids: list[str] = []
    for name in table.column_names:
        column = table.column(name)
        if name == _TRADE_ID:
            trade_ids = column.to_pylist()
            continue
        chunk = column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks)
        columns[name] = chunk.to_numpy(zero_copy_only=True)
    return columns, trade_ids


def catalog_data(meta: SourceMeta, columns: Mapping[str, Int64Array], trade_ids: list[str]) -> CatalogData:
    """A ``CatalogData`` the backtest streams from, over already-shared columns."""
    return CatalogData(
        kind=DataKind(meta.kind), instrument_id=InstrumentId(meta.instrument_id),
        price_precision=meta.price_precision, size_precision=meta.size_precision,
        bar_type=BarType.from_str(meta.bar_type) if meta.bar_type is not None else None,
        columns=dict(columns), trade_ids=trade_ids,
    )  # fmt: skip


def open_shared(shared: SharedSource) -> CatalogData:
    """Memory-map one shared file: the columns are views onto the mapped pages (nothing copied)."""
    source = pa.memory_map(shared.path, "r")
    table = ipc.open_file(source).read_all()
    columns, trade_ids = columns_of(table)
    return catalog_data(shared.meta, columns, trade_ids)


__all__ = ["SharedSource", "SourceMeta", "catalog_data", "columns_of", "open_shared", "share_to_files", "source_meta"]
