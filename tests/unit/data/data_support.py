"""Helpers for the data tests: instruments and small files written on the fly."""

from __future__ import annotations

from pathlib import Path

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import Bar, MarketData, QuoteTick
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity


def equity(
    price_precision: int = 2, size_precision: int = 0, tick: str | None = None, lot: str | None = None
) -> Equity:
    tick_size = Price.of(tick) if tick else Price(raw=10 ** (9 - price_precision), precision=price_precision)
    lot_size = Quantity.of(lot) if lot else Quantity(raw=10 ** (9 - size_precision), precision=size_precision)
    return Equity(
        id=InstrumentId("TEST.XNAS"),
        price_precision=price_precision,
        size_precision=size_precision,
        tick_size=tick_size,
        lot_size=lot_size,
        quote_currency=USD,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


class FakeCache:
    def __init__(self) -> None:
        self.instruments = {equity().id: equity()}


class FakeCore:
    """What the market-data engine hands on, recorded in order (and the raw fields checked)."""

    def __init__(self) -> None:
        self.bus = MessageBus()
        self.cache = FakeCache()
        self.processed: list[MarketData] = []

    def process(self, data: MarketData) -> None:
        self.processed.append(data)

    def process_quote_raw(self, quote: QuoteTick, *fields: object) -> None:
        assert fields == (quote.instrument_id, quote.ts_event, quote.bid_price.raw, quote.ask_price.raw)
        self.processed.append(quote)

    def process_bar_raw(self, bar: Bar, *fields: object) -> None:
        assert fields == (bar.bar_type, bar.bar_type.instrument_id, bar.ts_event, bar.close.raw)
        self.processed.append(bar)
