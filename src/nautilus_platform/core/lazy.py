"""Modules imported on first use, so that a process pays for a heavy library only when it needs it."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for the module ``name`` and imports it on the first attribute read.

    PyArrow costs about 46 MiB of resident memory and a quarter of a second to import; a backtest
    on simulated or already loaded columns never calls it. Declare the real module for type
    checkers and this at run time::

        if TYPE_CHECKING:
            import pyarrow as pa
        else:
            pa = LazyModule("pyarrow")
    """

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<LazyModule {self._name!r} ({state})>"
