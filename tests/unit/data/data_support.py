"""Helpers for the data tests: instruments and small files written on the fly."""

from __future__ import annotations

from pathlib import Path

from nautilus_platform.core.identifiers import InstrumentId
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
