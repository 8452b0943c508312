"""Market data types: quotes, trades, bars and L2 order-book snapshots and deltas.

All are immutable msgspec structs stamped with ``ts_event`` (when it happened, UNIX ns) and
``ts_init`` (when the platform created the object). The direct constructor is the unchecked
fast path used by loaders that validated whole columns; ``.of(...)`` validates one item.
"""

from __future__ import annotations

import msgspec

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId, TradeId
from nautilus_platform.model.enums import AggressorSide, BarAggregation, BookAction, BookSide, PriceType
from nautilus_platform.model.values import Price, Quantity


def _check_ts(ts_event: int, ts_init: int) -> None:
    if type(ts_event) is not int or ts_event < 0:
        raise ValidationError("ts_event", ts_event, "must be non-negative UNIX nanoseconds (an int)")
    if type(ts_init) is not int or ts_init < 0:
        raise ValidationError("ts_init", ts_init, "must be non-negative UNIX nanoseconds (an int)")


def _check_instrument_id(instrument_id: object) -> None:
    if not isinstance(instrument_id, InstrumentId):
        raise ValidationError("instrument_id", instrument_id, "must be an InstrumentId")


def _check_price(field: str, value: object) -> None:
    if type(value) is not Price:
        raise ValidationError(field, value, "must be a Price")


def _check_size(field: str, value: object) -> None:
    if type(value) is not Quantity:
        raise ValidationError(field, value, "must be a Quantity")


class QuoteTick(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Top of book: best bid and ask with their sizes."""

    instrument_id: InstrumentId
    bid_price: Price
    ask_price: Price
    bid_size: Quantity
    ask_size: Quantity
    ts_event: int
    ts_init: int

    @classmethod
    def of(
        cls,
        instrument_id: InstrumentId,
        bid_price: Price,
        ask_price: Price,
        bid_size: Quantity,
        ask_size: Quantity,
        ts_event: int,
        ts_init: int | None = None,
    ) -> QuoteTick:
        """Validated constructor: rejects crossed quotes and negative sizes."""
        _check_instrument_id(instrument_id)
        _check_price("bid_price", bid_price)
        _check_price("ask_price", ask_price)
        _check_size("bid_size", bid_size)
        _check_size("ask_size", ask_size)
        if bid_price.raw > ask_price.raw:
            raise ValidationError("bid_price", str(bid_price), f"must not exceed ask_price {ask_price}")
        if bid_size.raw < 0 or ask_size.raw < 0:
            raise ValidationError("bid_size/ask_size", f"{bid_size}/{ask_size}", "must not be negative")
        ts_init = ts_event if ts_init is None else ts_init
        _check_ts(ts_event, ts_init)
        return cls(
            instrument_id=instrument_id,
            bid_price=bid_price,
            ask_price=ask_price,
            bid_size=bid_size,
            ask_size=ask_size,
            ts_event=ts_event,
            ts_init=ts_init,
        )

    @property
    def mid_raw2(self) -> int:
        """Twice the mid price, raw (exact without halving)."""
        return self.bid_price.raw + self.ask_price.raw


class TradeTick(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One trade printed by the venue."""

    instrument_id: InstrumentId
    price: Price
    size: Quantity
    aggressor_side: AggressorSide
    trade_id: str
    ts_event: int
    ts_init: int

    @classmethod
    def of(
        cls,
        instrument_id: InstrumentId,
        price: Price,
        size: Quantity,
        aggressor_side: AggressorSide,
        trade_id: str,
        ts_event: int,
        ts_init: int | None = None,
    ) -> TradeTick:
        """Validated constructor: positive size, a trade id by the rules of ``TradeId``."""
        _check_instrument_id(instrument_id)
        _check_price("price", price)
        _check_size("size", size)
        if size.raw <= 0:
            raise ValidationError("size", str(size), "must be positive")
        if type(aggressor_side) is not AggressorSide:
            raise ValidationError("aggressor_side", aggressor_side, "must be an AggressorSide")
        TradeId(trade_id)  # non-empty, printable, without whitespace (kept as the plain string given)
        ts_init = ts_event if ts_init is None else ts_init
        _check_ts(ts_event, ts_init)
        return cls(
            instrument_id=instrument_id,
            price=price,
            size=size,
            aggressor_side=aggressor_side,
            trade_id=trade_id,
            ts_event=ts_event,
            ts_init=ts_init,
        )


class BarSpecification(msgspec.Struct, frozen=True, gc=False, cache_hash=True):
    """How bars are built: ``step`` units of ``aggregation`` on ``price_type`` prices."""

    step: int
    aggregation: BarAggregation
    price_type: PriceType = PriceType.LAST

    def __post_init__(self) -> None:
        if type(self.step) is not int or self.step <= 0:
            raise ValidationError("step", self.step, "must be a positive int")
        if type(self.aggregation) is not BarAggregation:
            raise ValidationError("aggregation", self.aggregation, "must be a BarAggregation")
        if type(self.price_type) is not PriceType:
            raise ValidationError("price_type", self.price_type, "must be a PriceType")

    def __str__(self) -> str:
        return f"{self.step}-{self.aggregation.name}-{self.price_type.name}"

    @classmethod
    def from_str(cls, value: str) -> BarSpecification:
        """Parse ``1-MINUTE-LAST``: the exact text ``str()`` writes, so each spec has one spelling."""
        parts = value.split("-") if isinstance(value, str) else []
        if len(parts) != 3:
            raise ValidationError("bar_spec", value, "must be STEP-AGGREGATION-PRICE_TYPE")
        step = parts[0]
        # int() would also take " 1", "+1", "01", "1_0" and non-ASCII digits: other spellings of a step.
        if not (step.isascii() and step.isdigit()) or step.startswith("0"):
            raise ValidationError("bar_spec", value, "STEP must be a positive integer in plain digits")
        try:
            return cls(int(parts[0]), BarAggregation[parts[1]], PriceType[parts[2]])
        except (KeyError, ValueError):
            raise ValidationError("bar_spec", value, "must be STEP-AGGREGATION-PRICE_TYPE") from None

    @property
    def interval_ns(self) -> int | None:
        """The bar's duration for time aggregations, else ``None``."""
        unit = _TIME_UNITS_NS.get(self.aggregation)
        return None if unit is None else unit * self.step


_TIME_UNITS_NS = {
    BarAggregation.SECOND: 1_000_000_000,
    BarAggregation.MINUTE: 60_000_000_000,
    BarAggregation.HOUR: 3_600_000_000_000,
    BarAggregation.DAY: 86_400_000_000_000,
}


class BarType(msgspec.Struct, frozen=True, gc=False, cache_hash=True):
    """An instrument plus a bar specification, e.g. ``AAPL.XNAS-1-DAY-LAST``."""

    instrument_id: InstrumentId
    spec: BarSpecification

    def __post_init__(self) -> None:
        _check_instrument_id(self.instrument_id)
        if type(self.spec) is not BarSpecification:
            raise ValidationError("spec", self.spec, "must be a BarSpecification")

    def __str__(self) -> str:
        return f"{self.instrument_id}-{self.spec}"

    @classmethod
    def from_str(cls, value: str) -> BarType:
        """Parse ``AAPL.XNAS-1-DAY-LAST`` (the symbol may contain dashes)."""
        pieces = value.rsplit("-", 3) if isinstance(value, str) else []
        if len(pieces) != 4:
            raise ValidationError("bar_type", value, "must be INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE")
        instrument = pieces[0]
        spec = "-".join(pieces[1:])
        return cls(InstrumentId(instrument), BarSpecification.from_str(spec))


class Bar(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """An OHLCV bar; ``ts_event`` is the bar's close time."""

    bar_type: BarType
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    ts_event: int
    ts_init: int

    @classmethod
    def of(
        cls,
        bar_type: BarType,
        open: Price,  # noqa: A002 - the domain's word
        high: Price,
        low: Price,
        close: Price,
        volume: Quantity,
        ts_event: int,
        ts_init: int | None = None,
    ) -> Bar:
        """Validated constructor: low <= open, close <= high and volume >= 0."""
        if type(bar_type) is not BarType:
            raise ValidationError("bar_type", bar_type, "must be a BarType")
        for field, price in (("open", open), ("high", high), ("low", low), ("close", close)):
            _check_price(field, price)
        _check_size("volume", volume)
        if high.raw < max(open.raw, close.raw, low.raw):
            raise ValidationError("high", str(high), "must be >= open, low and close")
        if low.raw > min(open.raw, close.raw):
            raise ValidationError("low", str(low), "must be <= open and close")
        if volume.raw < 0:
            raise ValidationError("volume", str(volume), "must not be negative")
        ts_init = ts_event if ts_init is None else ts_init
        _check_ts(ts_event, ts_init)
        return cls(
            bar_type=bar_type,
            open=open,
            high=high,
            low=low,
            close=close,
            volume=volume,
            ts_event=ts_event,
            ts_init=ts_init,
        )

    @property
    def instrument_id(self) -> InstrumentId:
        return self.bar_type.instrument_id


class BookLevel(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One aggregated price level of an L2 book."""

    price: Price
    size: Quantity


class OrderBookSnapshot(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A full L2 book: bids best (highest) first, asks best (lowest) first."""

    instrument_id: InstrumentId
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    sequence: int
    ts_event: int
    ts_init: int

    @classmethod
    def of(
        cls,
        instrument_id: InstrumentId,
        bids: list[tuple[Price, Quantity]],
        asks: list[tuple[Price, Quantity]],
        ts_event: int,
        sequence: int = 0,
        ts_init: int | None = None,
    ) -> OrderBookSnapshot:
        """Validated constructor: sorts levels, rejects duplicates, non-positive sizes, a crossed book."""
        _check_instrument_id(instrument_id)
        for name, given in (("bids", bids), ("asks", asks)):
            for level in given:
                _check_price(f"{name}.price", level[0])
                _check_size(f"{name}.size", level[1])
        if type(sequence) is not int or sequence < 0:
            raise ValidationError("sequence", sequence, "must be a non-negative int")
        bid_levels = tuple(BookLevel(p, q) for p, q in sorted(bids, key=lambda lv: -lv[0].raw))
        ask_levels = tuple(BookLevel(p, q) for p, q in sorted(asks, key=lambda lv: lv[0].raw))
        for name, levels in (("bids", bid_levels), ("asks", ask_levels)):
            prices = [lv.price.raw for lv in levels]
            if len(set(prices)) != len(prices):
                raise ValidationError(name, len(prices), "has duplicate price levels")
            for lv in levels:
                if lv.size.raw <= 0:
                    raise ValidationError(f"{name}.size", str(lv.size), "must be positive")
        if bid_levels and ask_levels and bid_levels[0].price.raw >= ask_levels[0].price.raw:
            raise ValidationError("bids", str(bid_levels[0].price), f"crosses best ask {ask_levels[0].price}")
        ts_init = ts_event if ts_init is None else ts_init
        _check_ts(ts_event, ts_init)
        return cls(
            instrument_id=instrument_id,
            bids=bid_levels,
            asks=ask_levels,
            sequence=sequence,
            ts_event=ts_event,
            ts_init=ts_init,
        )


class OrderBookDelta(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One change to an L2 book level; ``size`` 0 with UPDATE means delete."""

    instrument_id: InstrumentId
    action: BookAction
    side: BookSide
    price: Price
    size: Quantity
    sequence: int
    ts_event: int
    ts_init: int

    @classmethod
    def of(
        cls,
        instrument_id: InstrumentId,
        action: BookAction,
        side: BookSide,
        price: Price,
        size: Quantity,
        ts_event: int,
        sequence: int = 0,
        ts_init: int | None = None,
    ) -> OrderBookDelta:
        """Validated constructor: a ``BookAction`` and ``BookSide``, a positive size for ADD."""
        delta = cls(
            instrument_id=instrument_id,
            action=action,
            side=side,
            price=price,
            size=size,
            sequence=sequence,
            ts_event=ts_event,
            ts_init=ts_event if ts_init is None else ts_init,
        )
        _check_delta(delta)
        return delta


def _check_delta(delta: OrderBookDelta) -> None:
    """Everything ``OrderBookDeltas.of`` requires of one delta."""
    _check_instrument_id(delta.instrument_id)
    # Exact enum types: the book tells actions apart by identity, so a bare 3 would not act as DELETE.
    if type(delta.action) is not BookAction:
        raise ValidationError("action", delta.action, "must be a BookAction")
    if type(delta.side) is not BookSide:
        raise ValidationError("side", delta.side, "must be a BookSide")
    _check_price("price", delta.price)
    _check_size("size", delta.size)
    if delta.size.raw < 0:
        raise ValidationError("size", str(delta.size), "must not be negative")
    if delta.action is BookAction.ADD and delta.size.raw == 0:
        raise ValidationError("size", str(delta.size), "must be positive for ADD")
    if type(delta.sequence) is not int or delta.sequence < 0:
        raise ValidationError("sequence", delta.sequence, "must be a non-negative int")
    _check_ts(delta.ts_event, delta.ts_init)


class OrderBookDeltas(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A batch of deltas applied atomically (one venue message)."""

    instrument_id: InstrumentId
    deltas: tuple[OrderBookDelta, ...]
    ts_event: int
    ts_init: int

    @classmethod
    def of(cls, deltas: list[OrderBookDelta]) -> OrderBookDeltas:
        """Validated constructor: non-empty, one instrument, each delta as ``OrderBookDelta.of`` checks."""
        if not deltas:
            raise ValidationError("deltas", 0, "must not be empty")
        instrument_id = deltas[0].instrument_id
        for delta in deltas:
            if type(delta) is not OrderBookDelta:
                raise ValidationError("deltas", delta, "must hold OrderBookDelta items")
            _check_delta(delta)
            if delta.instrument_id != instrument_id:
                raise ValidationError("instrument_id", delta.instrument_id, f"must all be {instrument_id}")
        last = deltas[-1]
        return cls(instrument_id=instrument_id, deltas=tuple(deltas), ts_event=last.ts_event, ts_init=last.ts_init)


MarketData = QuoteTick | TradeTick | Bar | OrderBookSnapshot | OrderBookDeltas
