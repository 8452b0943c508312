"""Bars from ticks: a streaming ``BarAggregator`` and a vectorised ``aggregate_bars`` giving the same bars.

All arithmetic is exact on raw fixed-point integers (scale 10**9). Conventions:

- Time bars (SECOND/MINUTE/HOUR/DAY, ``step`` units): buckets ``[start, end)`` aligned to the UNIX
  epoch; a bar's ``ts_event`` (= ``ts_init``) is its bucket's end, the close time. Intervals without
  ticks produce no bar. A tick at or after the current bucket's end closes the current bar.
- TICK: a bar every ``step`` updates. VOLUME: the bar closes on the update that brings its size to
  at least ``step`` whole units (``step * 10**9`` raw). VALUE: likewise for the notional
  ``|price| * size`` (raw ``sum(|price_raw| * size_raw) >= step * 10**18``; the instrument multiplier
  is not applied; negative prices count by magnitude). The closing tick is included whole, the
  count restarts from zero, and ``ts_event`` is that tick's timestamp.
- open/high/low/close from the prices, volume the sum of the sizes. Bars carry the instrument's
  precisions, except MID bars: price and volume precisions ``min(p + 1, 9)``.
- Quotes: BID bars use bid price and bid size, ASK ask price and ask size, MID the mid price
  ``(bid + ask) / 2`` and the half-sum of the sizes ``(bid_size + ask_size) / 2``, each rounded
  half-even at raw scale (exact unless the precision is 9). Trades make LAST bars only.
- The partial bar in progress is emitted by ``flush()`` (stamped with its bucket's end for time
  bars, with its last tick's timestamp otherwise); batch output includes it, so batch equals
  streaming ``update`` over every tick, then ``flush()``.
- Timestamps must not go backwards (equal is fine); sizes must not be negative. A bar's volume
  must fit int64 raw and a time bar's end the int64 nanoseconds: both paths refuse ticks that
  break this (``ValidationError``; streaming leaves its state as before the tick).
- Order in a stream: a time bar closed by a later tick ended before that tick (``close_due`` hands
  it out first); a TICK, VOLUME or VALUE bar contains the tick that closed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import index

import numpy as np

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.data.times import LAST_NS_TIME
from nautilus_platform.model.data import Bar, BarType, QuoteTick, TradeTick
from nautilus_platform.model.enums import BarAggregation, PriceType
from nautilus_platform.model.values import FIXED_PRECISION, FIXED_SCALAR, Price, Quantity

_INT64_MAX = 2**63 - 1


def bar_precisions(bar_type: BarType, price_precision: int, size_precision: int) -> tuple[int, int]:
    """The (price, size) precisions of bars of ``bar_type`` for an instrument's precisions."""
    for name, value in (("price_precision", price_precision), ("size_precision", size_precision)):
        if type(value) is not int or not 0 <= value <= FIXED_PRECISION:
            raise ValidationError(name, value, f"must be an int in 0..{FIXED_PRECISION}")
    if bar_type.spec.price_type is PriceType.MID:
        return min(price_precision + 1, FIXED_PRECISION), min(size_precision + 1, FIXED_PRECISION)
    return price_precision, size_precision


def _threshold(bar_type: BarType) -> int:
    """TICK: updates per bar; VOLUME: raw size; VALUE: raw notional (scale 10**18)."""
    spec = bar_type.spec
    if spec.aggregation is BarAggregation.VOLUME:
        return spec.step * FIXED_SCALAR
    if spec.aggregation is BarAggregation.VALUE:
        return spec.step * FIXED_SCALAR * FIXED_SCALAR
    return spec.step


class BarAggregator:
    """Builds bars of one ``BarType`` from a stream of ticks; see the module docstring."""

    def __init__(self, bar_type: BarType, price_precision: int, size_precision: int) -> None:
        self.bar_type = bar_type
        self.price_precision, self.size_precision = bar_precisions(bar_type, price_precision, size_precision)
        self._aggregation = bar_type.spec.aggregation
        self._interval = bar_type.spec.interval_ns
        self._threshold = _threshold(bar_type)
        self._last_ts: int | None = None
        self._reset()

    def _reset(self) -> None:
        self._open = self._high = self._low = self._close = 0
        self._volume = self._count = self._accum = self._end = 0

    def _emit(self, ts: int) -> Bar:
        pp, sp = self.price_precision, self.size_precision
        bar = Bar(
            bar_type=self.bar_type, open=Price(raw=self._open, precision=pp), high=Price(raw=self._high, precision=pp),
            low=Price(raw=self._low, precision=pp), close=Price(raw=self._close, precision=pp),
            volume=Quantity(raw=self._volume, precision=sp), ts_event=ts, ts_init=ts,
        )  # fmt: skip
        self._reset()
        return bar

    def close_due(self, ts_event: int) -> Bar | None:
        """The time bar in progress when a tick at ``ts_event`` falls at or after its end (stamped
        with its end), else ``None``; ``update`` closes it the same way. A stream that passes the
        closed bar on before the tick (the market-data engine) calls this first: that bar ended
        before the tick happened."""
        if self._interval is not None and self._count and ts_event >= self._end:
            return self._emit(self._end)
        return None

    def update(self, ts_event: int, price_raw: int, size_raw: int) -> Bar | None:
        """Add one tick (raw values: ints, or NumPy integers read from columns, taken as exact
        Python ints); return the bar it closed, if any."""
        return self._add(index(ts_event), index(price_raw), index(size_raw))

    def _add(self, ts_event: int, price_raw: int, size_raw: int) -> Bar | None:
        """``update`` for Python ints (the ticks' own raw values)."""
        if self._last_ts is not None and ts_event < self._last_ts:
            raise ValidationError("ts_event", ts_event, f"must not be before the previous update's {self._last_ts}")
        if size_raw < 0:
            raise ValidationError("size", size_raw, "must not be negative")
        # What can refuse the tick is checked before any change: a refused tick changes nothing.
        volume = self._volume + size_raw
        if volume > _INT64_MAX and (size_raw > _INT64_MAX or not self._starts_bar(ts_event)):
            raise ValidationError("volume", volume, "of a bar must fit int64 raw")
        closed = None
        interval = self._interval
        if interval is not None and (not self._count or ts_event >= self._end):  # starts a time bar
            end = (ts_event // interval + 1) * interval
            if end > _INT64_MAX:
                raise ValidationError("ts_event", ts_event, f"its bar would close after {LAST_NS_TIME}")
            if self._count:
                closed = self._emit(self._end)
                volume = size_raw
            self._end = end
        self._last_ts = ts_event
        if self._count:
            self._high = max(self._high, price_raw)
            self._low = min(self._low, price_raw)
        else:
            self._open = self._high = self._low = price_raw
        self._close = price_raw
        self._volume = volume
        self._count += 1
        if interval is None:
            if self._aggregation is BarAggregation.TICK:
                self._accum += 1
            elif self._aggregation is BarAggregation.VOLUME:
                self._accum += size_raw
            else:
                self._accum += abs(price_raw) * size_raw
            if self._accum >= self._threshold:
                closed = self._emit(ts_event)
        return closed

    def _starts_bar(self, ts_event: int) -> bool:
        """Whether a tick at ``ts_event`` starts a new bar (none in progress, or it closes a time bar)."""
        return not self._count or (self._interval is not None and ts_event >= self._end)

    def handle_trade(self, tick: TradeTick) -> Bar | None:
        """Add a trade (LAST bars only)."""
        self._check(tick.instrument_id == self.bar_type.instrument_id, self.bar_type.spec.price_type is PriceType.LAST)
        return self._add(tick.ts_event, tick.price.raw, tick.size.raw)

    def handle_quote(self, tick: QuoteTick) -> Bar | None:
        """Add a quote (BID, ASK or MID bars)."""
        price_type = self.bar_type.spec.price_type
        self._check(tick.instrument_id == self.bar_type.instrument_id, price_type is not PriceType.LAST)
        if price_type is PriceType.BID:
            return self._add(tick.ts_event, tick.bid_price.raw, tick.bid_size.raw)
        if price_type is PriceType.ASK:
            return self._add(tick.ts_event, tick.ask_price.raw, tick.ask_size.raw)
        mid = round_half_even(tick.mid_raw2, 2)
        return self._add(tick.ts_event, mid, round_half_even(tick.bid_size.raw + tick.ask_size.raw, 2))

    def _check(self, same_instrument: bool, price_type_ok: bool) -> None:
        if not same_instrument:
            raise ValidationError("instrument_id", str(self.bar_type.instrument_id), "tick is for another instrument")
        if not price_type_ok:
            price_type = self.bar_type.spec.price_type.name
            raise ValidationError("price_type", price_type, "trades make LAST bars; quotes make BID, ASK or MID bars")

    def flush(self) -> Bar | None:
        """Emit the partial bar in progress (e.g. at the end of the data), if any."""
        if not self._count:
            return None
        assert self._last_ts is not None
        return self._emit(self._end if self._interval is not None else self._last_ts)


@dataclass(frozen=True)
class AggregatedBars:
    """Bars as int64 columns: close times ``ts`` and raw ``open``/``high``/``low``/``close``/``volume``."""

    bar_type: BarType
    price_precision: int
    size_precision: int
    ts: Int64Array
    open: Int64Array
    high: Int64Array
    low: Int64Array
    close: Int64Array
    volume: Int64Array

    def __len__(self) -> int:
        return len(self.ts)

    def to_bars(self) -> list[Bar]:
        """The bars as model objects (``ts_init`` = ``ts_event``)."""
        pp, sp, bar_type = self.price_precision, self.size_precision, self.bar_type
        columns = (self.ts, self.open, self.high, self.low, self.close, self.volume)
        return [
            Bar(
                bar_type=bar_type, open=Price(raw=o, precision=pp), high=Price(raw=h, precision=pp),
                low=Price(raw=lo, precision=pp), close=Price(raw=c, precision=pp),
                volume=Quantity(raw=v, precision=sp), ts_event=t, ts_init=t,
            )
            for t, o, h, lo, c, v in zip(*(column.tolist() for column in columns), strict=True)
        ]  # fmt: skip


def _column(name: str, values: Int64Array, n: int) -> Int64Array:
    array = np.asarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValidationError(name, str(array.dtype), "must be a 1-D integer array")
    if len(array) != n:
        raise ValidationError(name, len(array), f"must have the same length as ts ({n})")
    return array.astype(np.int64, copy=False)


def _cumsum(weights: Int64Array) -> Int64Array:
    """Inclusive cumulative sum of non-negative weights; Python ints (object) where int64 could overflow."""
    if len(weights) and int(weights.max()) * len(weights) > _INT64_MAX:
        return np.cumsum(weights.astype(object))
    return np.cumsum(weights)


def _threshold_ends(cum: Int64Array, threshold: int) -> list[int]:
    """Last index of each bar: where the count since the previous bar first reaches ``threshold``."""
    ends: list[int] = []
    n, base, last = len(cum), 0, int(cum[-1])
    while base + threshold <= last:
        end = int(np.searchsorted(cum, base + threshold, side="left"))
        ends.append(end)
        base = int(cum[end])
    if not ends or ends[-1] != n - 1:
        ends.append(n - 1)
    return ends


def aggregate_bars(
    bar_type: BarType,
    ts: Int64Array,
    price: Int64Array,
    size: Int64Array,
    price_precision: int,
    size_precision: int,
) -> AggregatedBars:
    """Aggregate raw tick columns (ts non-decreasing) into bars, the final partial bar included."""
    precisions = bar_precisions(bar_type, price_precision, size_precision)
    n = len(ts)
    ts, price, size = _column("ts", ts, n), _column("price", price, n), _column("size", size, n)
    if n and bool((backwards := np.diff(ts) < 0).any()):
        row = int(np.argmax(backwards)) + 1
        raise ValidationError("ts", int(ts[row]), f"must be non-decreasing (row {row} is before row {row - 1})")
    if n and bool((negative := size < 0).any()):
        raise ValidationError("size", int(size[int(np.argmax(negative))]), "must not be negative")
    if not n:
        empty = np.zeros(0, np.int64)
        return AggregatedBars(bar_type, *precisions, empty, empty, empty, empty, empty, empty)
    spec, interval = bar_type.spec, bar_type.spec.interval_ns
    if interval is not None:
        bucket = ts // interval
        if int(bucket[-1]) >= _INT64_MAX // interval:  # (bucket + 1) * interval would wrap around
            row = int(np.argmax(bucket >= _INT64_MAX // interval))
            raise ValidationError("ts", int(ts[row]), f"its bar would close after {LAST_NS_TIME}")
        starts = np.r_[0, np.flatnonzero(np.diff(bucket)) + 1].astype(np.int64)
        ends = np.r_[starts[1:] - 1, n - 1].astype(np.int64)
        stamps = (bucket[starts] + 1) * interval
    else:
        if spec.aggregation is BarAggregation.TICK:
            ends = np.r_[np.arange(spec.step - 1, n, spec.step), n - 1].astype(np.int64)
            ends = np.unique(ends)
        else:
            weights = (
                size
                if spec.aggregation is BarAggregation.VOLUME
                else np.abs(price.astype(object)) * size.astype(object)
            )
            ends = np.array(_threshold_ends(_cumsum(weights), _threshold(bar_type)), np.int64)
        starts = np.r_[0, ends[:-1] + 1].astype(np.int64)
        stamps = ts[ends]
    volumes = np.diff(np.r_[0, _cumsum(size)[ends]])
    if volumes.dtype == object:
        if max(volumes.tolist()) > _INT64_MAX:
            raise ValidationError("volume", max(volumes.tolist()), "of a bar must fit int64 raw")
        volumes = volumes.astype(np.int64)
    return AggregatedBars(
        bar_type, *precisions, stamps.astype(np.int64), price[starts], np.maximum.reduceat(price, starts),
        np.minimum.reduceat(price, starts), price[ends], volumes,
    )  # fmt: skip


def _half_even_mean(a: Int64Array, b: Int64Array) -> Int64Array:
    """``(a + b) / 2`` rounded half-even, without int64 overflow."""
    odd = (a & 1) + (b & 1)
    floor = (a >> 1) + (b >> 1) + (odd >> 1)
    mean: Int64Array = floor + ((odd & 1) & (floor & 1))
    return mean


def aggregate_loaded(data: LoadedData, bar_type: BarType) -> AggregatedBars:
    """Aggregate loaded trades (LAST bars) or quotes (BID, ASK or MID bars)."""
    if bar_type.instrument_id != data.instrument.id:
        raise ValidationError("bar_type", str(bar_type), f"must be for the data's instrument {data.instrument.id}")
    price_type, cols = bar_type.spec.price_type, data.columns
    if data.kind is DataKind.TRADES:
        if price_type is not PriceType.LAST:
            raise ValidationError("price_type", price_type.name, "trades make LAST bars only")
        price, size = cols["price"], cols["size"]
    elif data.kind is DataKind.QUOTES:
        if price_type is PriceType.BID:
            price, size = cols["bid_price"], cols["bid_size"]
        elif price_type is PriceType.ASK:
            price, size = cols["ask_price"], cols["ask_size"]
        elif price_type is PriceType.MID:
            price = _half_even_mean(cols["bid_price"], cols["ask_price"])
            size = _half_even_mean(cols["bid_size"], cols["ask_size"])
        else:
            raise ValidationError("price_type", price_type.name, "quotes make BID, ASK or MID bars")
    else:
        raise ValidationError("kind", data.kind.value, "must be trades or quotes to aggregate")
    pp, sp = data.instrument.price_precision, data.instrument.size_precision
    return aggregate_bars(bar_type, cols["ts"], price, size, pp, sp)


__all__ = ["AggregatedBars", "BarAggregator", "aggregate_bars", "aggregate_loaded", "bar_precisions"]
