"""A documented, seeded market simulator for demos, examples and benchmarks — SYNTHETIC data.

Prices follow a geometric Brownian motion (log returns ``N(drift, volatility**2)`` per step, a
NumPy ``PCG64`` generator seeded by ``seed``) rounded to the instrument's tick; the same seed
gives the same data on every machine. Nothing here is market data: every report it returns
carries a "synthetic" note, and so does every backtest that uses it.

- ``simulate_bars``: OHLCV bars; each bar's open is the previous close, its close one GBM step
  away, high/low the extremes of ``intrabar_steps`` GBM sub-steps (so low <= open, close <= high),
  volume uniform in ``[1, 1000]`` lots.
- ``simulate_quotes``: top-of-book quotes of one instrument listed on several venues: a common
  GBM mid, each venue's mid offset by its own small noise, a spread of 1-3 ticks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.parsing import Int64Array
from nautilus_platform.data.validation import ValidationReport
from nautilus_platform.model.data import BarSpecification, BarType
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import FIXED_SCALAR

_CHUNK = 65_536
SYNTHETIC = "SYNTHETIC data from the seeded market simulator (nautilus_platform.data.simulator), not market data"


def _check(n: int, seed: int, start_price: float, volatility: float) -> None:
    if type(n) is not int or n < 1:
        raise ValidationError("n", n, "must be a positive int")
    if type(seed) is not int or seed < 0:
        raise ValidationError("seed", seed, "must be a non-negative int")
    if not start_price > 0:
        raise ValidationError("start_price", start_price, "must be positive")
    if not 0 <= volatility < 1:
        raise ValidationError("volatility", volatility, "must be in [0, 1) per step")


def _to_ticks(prices: np.ndarray, tick: int) -> Int64Array:
    raw = np.rint(prices * FIXED_SCALAR / tick).astype(np.int64) * tick
    return np.maximum(raw, tick)


def _report(kind: DataKind, instrument: Instrument, n: int, seed: int) -> ValidationReport:
    return ValidationReport(
        source=f"simulator:seed={seed}",
        kind=kind,
        instrument_id=str(instrument.id),
        rows=n,
        accepted=n,
        notes=[SYNTHETIC],
    )


def simulate_bars(
    instrument: Instrument,
    bar_spec: BarSpecification,
    n: int,
    *,
    seed: int = 7,
    start_ns: int = 1_704_067_200 * FIXED_SCALAR,
    start_price: float = 100.0,
    drift: float = 0.0,
    volatility: float = 0.001,
    intrabar_steps: int = 4,
) -> LoadedData:
    """``n`` bars of ``bar_spec`` (a time aggregation) starting at ``start_ns`` (bar closes)."""
    _check(n, seed, start_price, volatility)
    interval = bar_spec.interval_ns
    if interval is None:
        raise ValidationError("bar_spec", str(bar_spec), "must be a time aggregation")
    rng = np.random.Generator(np.random.PCG64(seed))
    tick, lot = instrument.tick_size.raw, instrument.lot_size.raw
    open_, high, low, close = (np.empty(n, np.int64) for _ in range(4))
    level = np.log(start_price)
    previous_close = _to_ticks(np.array([start_price]), tick)[0]
    for start in range(0, n, _CHUNK):  # in chunks: the temporaries stay small for any n
        stop = min(start + _CHUNK, n)
        steps = rng.normal(
            drift / intrabar_steps, volatility / np.sqrt(intrabar_steps), size=(stop - start, intrabar_steps)
        )
        logs = level + np.cumsum(steps.ravel()).reshape(stop - start, intrabar_steps)
        level = logs[-1, -1]
        inner = _to_ticks(np.exp(logs), tick)
        chunk_close = inner[:, -1]
        chunk_open = np.concatenate(([previous_close], chunk_close[:-1]))
        previous_close = chunk_close[-1]
        open_[start:stop], close[start:stop] = chunk_open, chunk_close
        high[start:stop] = np.maximum(inner.max(axis=1), chunk_open)
        low[start:stop] = np.minimum(inner.min(axis=1), chunk_open)
    volume = rng.integers(1, 1001, size=n, dtype=np.int64) * lot
    ts = start_ns + interval * np.arange(1, n + 1, dtype=np.int64)
    columns = {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}
    return LoadedData(
        DataKind.BARS,
        instrument,
        BarType(instrument.id, bar_spec),
        columns,
        _report(DataKind.BARS, instrument, n, seed),
    )


def simulate_quotes(
    instruments: Sequence[Instrument],
    n: int,
    *,
    seed: int = 7,
    start_ns: int = 1_704_067_200 * FIXED_SCALAR,
    interval_ns: int = 100_000_000,
    start_price: float = 100.0,
    volatility: float = 0.0002,
    venue_noise: float = 0.0001,
    size_lots: int = 100,
) -> list[LoadedData]:
    """``n`` quotes per instrument, ``interval_ns`` apart, the same product at several venues."""
    _check(n, seed, start_price, volatility)
    if not instruments:
        raise ValidationError("instruments", 0, "must name at least one instrument")
    rng = np.random.Generator(np.random.PCG64(seed))
    mid = start_price * np.exp(np.cumsum(rng.normal(0.0, volatility, size=n)))
    ts = start_ns + interval_ns * np.arange(1, n + 1, dtype=np.int64)
    out = []
    for instrument in instruments:
        tick = instrument.tick_size.raw
        venue_mid = mid * np.exp(rng.normal(0.0, venue_noise, size=n))
        half_spread_ticks = rng.integers(1, 4, size=n, dtype=np.int64)
        center = np.rint(venue_mid * FIXED_SCALAR / tick).astype(np.int64)
        bid = np.maximum(center - half_spread_ticks // 2 - 1, 1) * tick
        ask = bid + half_spread_ticks * tick
        lot = instrument.lot_size.raw
        sizes = rng.integers(1, size_lots + 1, size=(2, n), dtype=np.int64) * lot
        columns = {"ts": ts.copy(), "bid_price": bid, "ask_price": ask, "bid_size": sizes[0], "ask_size": sizes[1]}
        out.append(
            LoadedData(DataKind.QUOTES, instrument, None, columns, _report(DataKind.QUOTES, instrument, n, seed))
        )
    return out
