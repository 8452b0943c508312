"""Bar aggregation audit: streaming and batch agree at the int64 limits and on NumPy inputs, and
the market-data engine's bars equal the batch bars on the real Binance files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from data_support import FakeCore

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.data.aggregation import BarAggregator, aggregate_bars, aggregate_loaded
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.data import Bar, BarSpecification, BarType
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.values import BTC, USDT, Price, Quantity

IID = InstrumentId("TEST.XNAS")
S = 1_000_000_000
INT64_MAX = 2**63 - 1
DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def bar_type(spec: str) -> BarType:
    return BarType(IID, BarSpecification.from_str(spec))


def columns(ticks: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ts, price, size = (np.array([t[i] for t in ticks], np.int64) for i in range(3))
    return ts, price, size


@pytest.mark.parametrize("spec", ["1-SECOND-LAST", "1-DAY-LAST", "3-TICK-LAST", "10000000000-VOLUME-LAST"])
def test_a_bar_volume_beyond_int64_is_refused_by_streaming_as_by_batch(spec: str) -> None:
    """Two ticks of 2**62 raw (4.6e9 units each: a day of a low-priced coin) make a bar volume past
    int64: batch refuses it; streaming used to hand out a bar with a volume no column can hold."""
    bt = bar_type(spec)
    ticks = [(10 * S, 5 * S, 2**62), (10 * S, 6 * S, 2**62)]
    with pytest.raises(ValidationError) as batch_error:
        aggregate_bars(bt, *columns(ticks), 2, 0)
    assert batch_error.value.field == "volume"
    agg = BarAggregator(bt, 2, 0)
    assert agg.update(*ticks[0]) is None
    with pytest.raises(ValidationError) as stream_error:
        agg.update(*ticks[1])
    assert stream_error.value.field == "volume"
    # The refused tick changed nothing: the bar in progress holds the first tick only.
    partial = agg.flush()
    assert partial is not None and (partial.volume.raw, partial.close.raw) == (2**62, 5 * S)


def test_volume_up_to_int64_still_aggregates_the_same_in_both_paths() -> None:
    bt = bar_type("1-SECOND-LAST")
    ticks = [(10 * S, S, 2**62), (10 * S, S, 2**62 - 1), (11 * S, S, 2**62)]  # bar 1: exactly INT64_MAX
    agg = BarAggregator(bt, 2, 0)
    streamed = [b for b in [*(agg.update(*t) for t in ticks), agg.flush()] if b is not None]
    assert streamed == aggregate_bars(bt, *columns(ticks), 2, 0).to_bars()
    assert [b.volume.raw for b in streamed] == [INT64_MAX, 2**62]


@pytest.mark.parametrize("spec", ["1000000-VALUE-LAST", "7-VOLUME-LAST", "1-MINUTE-LAST"])
def test_update_with_numpy_integers_from_columns_is_exact(spec: str) -> None:
    """Feeding ``update`` the elements of int64 columns (what a loop over ``LoadedData.columns``
    gives) used to compute the VALUE notional ``price_raw * size_raw`` in int64, wrapping
    around silently (30000 USD * 1 BTC is 3e22 raw), and stamped bars with NumPy ints."""
    bt = bar_type(spec)
    ts = np.arange(1, 41, dtype=np.int64) * 7 * S
    price = (30_000 + np.arange(40, dtype=np.int64) % 7) * S
    size = (1 + np.arange(40, dtype=np.int64) % 3) * S
    agg = BarAggregator(bt, 2, 0)
    streamed = [b for b in [*(agg.update(t, p, s) for t, p, s in zip(ts, price, size, strict=True)), agg.flush()] if b]
    assert streamed == aggregate_bars(bt, ts, price, size, 2, 0).to_bars()
    assert all(type(b.ts_event) is int and type(b.volume.raw) is int for b in streamed)
    with pytest.raises(TypeError):
        agg.update(1.5e18, S, S)  # type: ignore[arg-type]  # a float time is not exact: refused


@pytest.mark.parametrize("spec", ["1-DAY-LAST", "1-SECOND-LAST"])
def test_a_time_bar_closing_past_int64_is_refused_not_wrapped(spec: str) -> None:
    """A tick in the last interval before 2262-04-11: its bar would close past the last int64
    nanosecond. Batch used to wrap the stamp to a negative time, streaming to stamp past int64."""
    bt = bar_type(spec)
    interval = bt.spec.interval_ns
    assert interval is not None
    last_ok = (INT64_MAX // interval) * interval - 1  # the last tick whose bar closes in range
    ticks = [(last_ok, S, S), (last_ok + 1, 2 * S, S)]
    with pytest.raises(ValidationError, match="2262") as batch_error:
        aggregate_bars(bt, *columns(ticks), 2, 0)
    assert (batch_error.value.field, batch_error.value.value) == ("ts", last_ok + 1)
    assert aggregate_bars(bt, *columns(ticks[:1]), 2, 0).ts.tolist() == [last_ok + 1]
    agg = BarAggregator(bt, 2, 0)
    assert agg.update(*ticks[0]) is None
    with pytest.raises(ValidationError, match="2262"):
        agg.update(*ticks[1])
    partial = agg.flush()  # the refused tick neither closed nor entered the bar
    assert partial is not None and partial.ts_event == last_ok + 1 and partial.close.raw == S


@pytest.mark.skipif(not (DATA / "README.md").exists(), reason=f"shared market data not found at {DATA}")
def test_engine_bars_equal_batch_bars_on_the_binance_quotes_and_trades() -> None:
    """Regression: quotes and trades of the real files, merged in time order, through the engine
    with bars of every kind on every price type; each bar type's bars equal ``aggregate_loaded``."""
    btc = CryptoSpot(
        id=InstrumentId("BTCUSDT.BINANCE"), price_precision=2, size_precision=6, tick_size=Price(raw=10**7, precision=2),
        lot_size=Quantity(raw=10**3, precision=6), quote_currency=USDT, base_currency=BTC,
        taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip
    quotes = load_market_data(DATA / "nautilus-binance-btcusdt-quotes.parquet", layout_named("binance-quotes"), btc)
    trades = load_market_data(DATA / "nautilus-binance-btcusdt-trades.parquet", layout_named("binance-trades"), btc)
    core = FakeCore()
    core.cache.instruments[btc.id] = btc
    engine = MarketDataEngine(core)
    bar_types = [
        BarType(btc.id, BarSpecification.from_str(f"{spec}-{side}"))
        for spec in ("1-SECOND", "5-SECOND", "1-MINUTE", "7-TICK", "1-VOLUME", "100000-VALUE")
        for side in ("LAST", "BID", "ASK", "MID")
    ]
    for bt in bar_types:
        engine.add_bar_aggregation(bt, btc.price_precision, btc.size_precision)
    items = sorted([*quotes.to_objects(), *trades.to_objects()], key=lambda item: item.ts_event)
    assert engine.process_all(items) == len(items) == 451 + 2001
    engine.flush_bar_aggregations()
    assert engine.rejected == {}
    for bt in bar_types:
        streamed = [item for item in core.processed if isinstance(item, Bar) and item.bar_type == bt]
        expected = aggregate_loaded(trades if bt.spec.price_type.name == "LAST" else quotes, bt).to_bars()
        assert streamed == expected and streamed, bt
