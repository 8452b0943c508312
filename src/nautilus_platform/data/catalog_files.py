"""Files of the Parquet catalog written so that a failure loses nothing and leaves nothing half-written.

``staged = [Staged(path, write_aside(path, table)), …]`` writes each new partition beside the
old one (flushed to disk), and ``Staged(path, None)`` marks a partition to remove (no row left);
``commit(staged)`` renames them all over their partitions (a partition to remove: aside) and,
when a rename fails, puts back those already renamed. ``locked(path)`` serialises the writers of
one dataset; ``replace_file`` writes a small file (``_meta.json``) atomically.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nautilus_platform.core.lazy import LazyModule

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pq = LazyModule("pyarrow.parquet")


@dataclass(frozen=True)
class Staged:
    """A merged partition written aside (``temporary``), waiting to be renamed over ``path``;
    ``temporary`` None: the partition ``path`` is to be removed."""

    path: Path
    temporary: Path | None


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created when missing) while the block runs.

    ``flock`` on POSIX; Windows has no ``fcntl`` and runs unlocked (one writer at a time there)."""
    with open(path, "a+b") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield  # the lock goes with the file's closing


def remove_leftovers(folder: Path, names: tuple[str, ...]) -> None:
    """Remove the temporary and backup files of a writer that was killed mid-write (under the lock,
    no other writer of the dataset is running, so whatever such file is there is left over)."""
    for pattern in names:
        for leftover in folder.glob(pattern):
            if leftover.name.endswith((".tmp", ".bak")):
                leftover.unlink(missing_ok=True)


def write_aside(path: Path, table: pa.Table) -> Path:
    """Write ``table`` to a new temporary file beside ``path`` (flushed to disk) and return its path."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def commit(staged: list[Staged]) -> None:
    """Rename every staged file over its partition (a partition to remove: aside, deleted once all
    are done); on a failure put back those already renamed."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for item in staged:
            if item.temporary is None:
                aside = _backup_name(item.path)
                os.replace(item.path, aside)
                done.append((item.path, aside))
                continue
            kept = _keep_aside(item.path) if item.path.exists() else None
            done.append((item.path, kept))
            os.replace(item.temporary, item.path)
    except BaseException:
        for path, backup in reversed(done):
            if backup is not None:
                os.replace(backup, path)
            elif path.exists():
                path.unlink()
        raise
    finally:
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)
    for folder in sorted({item.path.parent for item in staged}):
        _sync_folder(folder)


def _keep_aside(path: Path) -> Path:
    """A second name for ``path``'s current content (a hard link, else a copy), to put back on failure."""
    backup = _backup_name(path)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def _backup_name(path: Path) -> Path:
    """A free hidden name beside ``path`` for its content while a commit runs."""
    backup = path.with_name(f".{path.name}.{os.getpid()}.{id(path)}.bak")
    backup.unlink(missing_ok=True)
    return backup


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically: aside, flushed, then renamed over it."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the renames) to disk where the system allows it."""
    if sys.platform == "win32":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


__all__ = ["Staged", "commit", "locked", "remove_leftovers", "replace_file", "write_aside"]
