"""Market data: file layouts, loaders with validation and normalisation."""

from nautilus_platform.data.layouts import LAYOUTS, DataKind, Layout, layout_named
from nautilus_platform.data.loaders import LoadedData, load_market_data, read_table
from nautilus_platform.data.validation import Check, Issue, Policy, ValidationPolicy, ValidationReport

__all__ = [
    "LAYOUTS",
    "Check",
    "DataKind",
    "Issue",
    "Layout",
    "LoadedData",
    "Policy",
    "ValidationPolicy",
    "ValidationReport",
    "layout_named",
    "load_market_data",
    "read_table",
]
