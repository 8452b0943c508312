"""Shared builders for the simulated-venue tests (imported by the test modules beside it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.model.data import (
    Bar,
    BarSpecification,
    BarType,
    BookLevel,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from nautilus_platform.model.enums import AggressorSide, BarAggregation
from nautilus_platform.model.events import OrderEvent
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import USD, Price, Quantity
from nautilus_platform.venues.simulated import SimulatedVenue, SimulatedVenueConfig

AAPL = InstrumentId("AAPL.SIM")
STRATEGY = StrategyId("S-1")


def equity(
    maker_fee: str = "0", taker_fee: str = "0", instrument_id: InstrumentId = AAPL, tradable: bool = True
) -> Equity:
    return Equity(
        id=instrument_id,
        price_precision=2,
        size_precision=0,
        tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1),
        quote_currency=USD,
        maker_fee=Decimal(maker_fee),
        taker_fee=Decimal(taker_fee),
        tradable=tradable,
    )


def px(value: str | int) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


def quote(bid: str, ask: str, bid_size: int = 100, ask_size: int = 100, ts: int = 0) -> QuoteTick:
    return QuoteTick(
        instrument_id=AAPL,
        bid_price=px(bid),
        ask_price=px(ask),
        bid_size=qty(bid_size),
        ask_size=qty(ask_size),
        ts_event=ts,
        ts_init=ts,
    )


def trade(price: str, size: int = 1, ts: int = 0) -> TradeTick:
    return TradeTick(
        instrument_id=AAPL,
        price=px(price),
        size=qty(size),
        aggressor_side=AggressorSide.BUYER,
        trade_id=f"X{ts}",
        ts_event=ts,
        ts_init=ts,
    )


BAR_TYPE = BarType(AAPL, BarSpecification(1, BarAggregation.MINUTE))


def bar(o: str, h: str, low: str, c: str, ts: int = 0) -> Bar:
    return Bar(
        bar_type=BAR_TYPE, open=px(o), high=px(h), low=px(low), close=px(c), volume=qty(1000), ts_event=ts, ts_init=ts
    )


def snapshot(bids: list[tuple[str, int]], asks: list[tuple[str, int]], ts: int = 0) -> OrderBookSnapshot:
    return OrderBookSnapshot(
        instrument_id=AAPL,
        bids=tuple(BookLevel(px(p), qty(s)) for p, s in bids),
        asks=tuple(BookLevel(px(p), qty(s)) for p, s in asks),
        sequence=0,
        ts_event=ts,
        ts_init=ts,
    )


class Harness:
    """A venue with one equity, a clock, an order factory and the list of emitted events."""

    def __init__(self, **config: Any) -> None:
        instrument = config.pop("instrument", None) or equity()
        self.clock = SimulatedClock(0)
        self.venue = SimulatedVenue(SimulatedVenueConfig(**config), self.clock)
        self.venue.add_instrument(instrument)
        self.events: list[OrderEvent] = []
        self.venue.connect(self.events.append)
        self.factory = OrderFactory(STRATEGY, self.clock)

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]

    def take(self) -> list[OrderEvent]:
        events, self.events[:] = list(self.events), []
        return events

    def take_kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.take()]
