"""File layouts: how the columns of a user's CSV or Parquet file map onto market data fields.

A ``Layout`` names, for one kind of data, which source column holds each canonical field, how
timestamps are written and what the categorical codes mean. ``LAYOUTS`` holds presets for the
layouts users bring most often (Yahoo daily CSV, backtrader's generic CSV, Binance klines,
quotes, trades and depth, generic OHLCV); ``Layout.with_columns`` remaps any of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import Literal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.enums import AggressorSide, BookSide


class DataKind(Enum):
    """What one file holds."""

    BARS = "bars"
    QUOTES = "quotes"
    TRADES = "trades"
    BOOK = "book"


#: Canonical fields per kind; those in ``REQUIRED_FIELDS`` must be mapped.
FIELDS: Mapping[DataKind, tuple[str, ...]] = MappingProxyType(
    {
        DataKind.BARS: ("ts", "open", "high", "low", "close", "volume"),
        DataKind.QUOTES: ("ts", "bid_price", "ask_price", "bid_size", "ask_size"),
        DataKind.TRADES: ("ts", "price", "size", "aggressor", "trade_id"),
        DataKind.BOOK: ("ts", "side", "price", "size", "sequence", "update_type"),
    }
)
REQUIRED_FIELDS: Mapping[DataKind, frozenset[str]] = MappingProxyType(
    {
        DataKind.BARS: frozenset({"ts", "close"}),
        DataKind.QUOTES: frozenset({"ts", "bid_price", "ask_price", "bid_size", "ask_size"}),
        DataKind.TRADES: frozenset({"ts", "price", "size"}),
        DataKind.BOOK: frozenset({"ts", "side", "price", "size"}),
    }
)

#: Epoch units; ``auto`` reads each value in the unit that puts it between 1971 and 2262 (by
#: magnitude: the units' windows never overlap, so ms and µs values are never confused).
TimeUnit = Literal["s", "ms", "us", "ns", "auto"]
TIME_UNITS: tuple[TimeUnit, ...] = ("s", "ms", "us", "ns", "auto")

_BUYER_MAKER = MappingProxyType(
    {
        "True": AggressorSide.SELLER,
        "False": AggressorSide.BUYER,
        "true": AggressorSide.SELLER,
        "false": AggressorSide.BUYER,
    }
)
_BID_ASK = MappingProxyType({"b": BookSide.BID, "a": BookSide.ASK, "bid": BookSide.BID, "ask": BookSide.ASK})
_BUY_SELL = MappingProxyType(
    {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER, "BUY": AggressorSide.BUYER, "SELL": AggressorSide.SELLER}
)


@dataclass(frozen=True)
class Layout:
    """How a file's columns map onto one kind of market data.

    - ``columns``: canonical field -> source column name (see ``FIELDS``).
    - ``names``: column names for a file without a header row (in file order).
    - ``ts_unit``: epoch integers in this unit (``s``, ``ms``, ``us``, ``ns``; ``auto``: each value
      in the unit that puts it between 1971 and 2262); ``None`` for date/time strings
      (``ts_format``, ``strptime`` syntax, ISO 8601 when ``None``) or native Parquet timestamps.
    - ``ts_marks``: ``"close"`` when a bar's timestamp is its close, ``"open"`` when it is its
      open (the loader then adds the bar interval: a bar's ``ts_event`` is always its close).
    - ``aggressor_codes`` / ``side_codes``: source value -> ``AggressorSide`` / ``BookSide``.
    - ``snapshot_code``: the ``update_type`` value marking rows of a full book snapshot; other
      book rows are deltas (size 0 deletes the level).
    """

    name: str
    kind: DataKind
    columns: Mapping[str, str]
    names: tuple[str, ...] = ()
    ts_unit: TimeUnit | None = None
    ts_format: str | None = None
    ts_marks: Literal["open", "close"] = "close"
    aggressor_codes: Mapping[str, AggressorSide] = field(default_factory=lambda: _BUY_SELL)
    side_codes: Mapping[str, BookSide] = field(default_factory=lambda: _BID_ASK)
    snapshot_code: str = "snap"

    def __post_init__(self) -> None:
        allowed = FIELDS[self.kind]
        for canonical in self.columns:
            if canonical not in allowed:
                raise ValidationError("columns", canonical, f"is not a {self.kind.value} field; use one of {allowed}")
        missing = REQUIRED_FIELDS[self.kind] - set(self.columns)
        if missing:
            raise ValidationError("columns", sorted(missing), f"must be mapped for {self.kind.value}")
        if self.ts_unit is not None and self.ts_unit not in TIME_UNITS:
            raise ValidationError("ts_unit", self.ts_unit, f"must be one of {TIME_UNITS}")
        if self.ts_marks not in ("open", "close"):
            raise ValidationError("ts_marks", self.ts_marks, "must be 'open' or 'close'")
        if self.names and len(set(self.names)) != len(self.names):
            raise ValidationError("names", self.names, "must not repeat a column name")

    @property
    def header(self) -> bool:
        """Whether the file has a header row (a layout with ``names`` has none)."""
        return not self.names

    def with_columns(self, **columns: str) -> Layout:
        """A copy with some canonical fields mapped to other source columns (``""`` unmaps one)."""
        merged = {**self.columns, **columns}
        return replace(self, columns={key: value for key, value in merged.items() if value})


def _bars(name: str, ts: str, **extra: object) -> Layout:
    columns = {"ts": ts, "open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"}
    return Layout(name=name, kind=DataKind.BARS, columns=columns, **extra)  # type: ignore[arg-type]


# Binance's quote files and the generic quotes layout use the same column names.
_QUOTE_COLUMNS = MappingProxyType(
    {"ts": "timestamp", "bid_price": "bid", "ask_price": "ask", "bid_size": "bid_size", "ask_size": "ask_size"}
)

_KLINE_NAMES = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_asset_volume",
    "number_of_trades", "taker_buy_base_asset_volume", "taker_buy_quote_asset_volume", "ignore",
)  # fmt: skip

LAYOUTS: Mapping[str, Layout] = MappingProxyType(
    {
        # Yahoo Finance daily download: Date, Open, High, Low, Close, Adj Close, Volume
        "yahoo": _bars("yahoo", "Date", ts_format="%Y-%m-%d", ts_marks="open"),
        # backtrader's generic CSV: Date, Open, High, Low, Close, Volume, OpenInterest
        "backtrader": _bars("backtrader", "Date", ts_format="%Y-%m-%d", ts_marks="open"),
        # Binance public kline dump: no header, 12 columns, open_time in epoch ms, or µs (spot
        # files from 2025-01-01 on): read by magnitude, ~1.7e12 is ms and ~1.7e15 µs
        "binance-klines": Layout(
            name="binance-klines",
            kind=DataKind.BARS,
            columns={
                "ts": "open_time",
                "open": "open",
                "high": "high",
                "low": "low",
                "close": "close",
                "volume": "volume",
            },
            names=_KLINE_NAMES,
            ts_unit="auto",
            ts_marks="open",
        ),
        # generic OHLCV with lower-case names; timestamp is ISO 8601 or a native timestamp
        "ohlcv": Layout(
            name="ohlcv",
            kind=DataKind.BARS,
            columns={
                "ts": "timestamp",
                "open": "open",
                "high": "high",
                "low": "low",
                "close": "close",
                "volume": "volume",
            },
        ),
        # one price column per ticker (adjusted closes): map ``close`` to the ticker's column
        "close": Layout(
            name="close",
            kind=DataKind.BARS,
            columns={"ts": "date", "close": "close"},
            ts_format="%Y-%m-%d",
            ts_marks="open",
        ),
        "binance-quotes": Layout(
            name="binance-quotes",
            kind=DataKind.QUOTES,
            columns=_QUOTE_COLUMNS,
        ),
        "binance-trades": Layout(
            name="binance-trades",
            kind=DataKind.TRADES,
            columns={
                "ts": "timestamp",
                "price": "price",
                "size": "quantity",
                "aggressor": "buyer_maker",
                "trade_id": "trade_id",
            },
            aggressor_codes=_BUYER_MAKER,
        ),
        "binance-depth": Layout(
            name="binance-depth",
            kind=DataKind.BOOK,
            columns={
                "ts": "timestamp",
                "side": "side",
                "price": "price",
                "size": "qty",
                "sequence": "last_update_id",
                "update_type": "update_type",
            },
            ts_unit="ms",
        ),
        "quotes": Layout(
            name="quotes",
            kind=DataKind.QUOTES,
            columns=_QUOTE_COLUMNS,
        ),
        "trades": Layout(
            name="trades",
            kind=DataKind.TRADES,
            columns={"ts": "timestamp", "price": "price", "size": "size", "aggressor": "side", "trade_id": "trade_id"},
        ),
    }
)


def layouts_fitting(columns: Sequence[str], kind: DataKind | None = None) -> list[str]:
    """The names of the presets (of ``kind``, or any) whose mapped columns a file with a header
    row of ``columns`` all has, by name: what to suggest when a layout does not fit a file."""
    have = set(columns)
    return sorted(
        name
        for name, layout in LAYOUTS.items()
        if layout.header and (kind is None or layout.kind is kind) and set(layout.columns.values()) <= have
    )


def layout_named(name: str) -> Layout:
    """The preset called ``name``; a clear error lists the presets otherwise."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValidationError("layout", name, f"is not a known layout; use one of {sorted(LAYOUTS)}") from None
