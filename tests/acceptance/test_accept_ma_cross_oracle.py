"""Correctness oracle: a 10/30 moving-average crossover (long/flat, 100 shares, market orders filled
at the signal bar's close, no fees) on the real daily equity files of ../shared/data gives the same
trades and final P&L through the backtest engine as an independent vectorised NumPy computation.

The reference: SMAs by cumulative sums over the closes; the desired position is long where
fast > slow + 1e-6, flat where fast < slow - 1e-6 and unchanged in between (forward-filled from
flat); trades are where it changes; P&L is exact in integer raw units (1e-9 USD).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
import pytest

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import SimulatedVenueConfig

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(
    not (DATA / "README.md").exists(),
    reason=f"shared market data not found at {DATA} (a fresh clone without ../shared)",
)
SCALE = 10**9


def reference(close_raw: np.ndarray, fast: int = 10, slow: int = 30, threshold: float = 1e-6) -> list[tuple[int, str]]:
    """(bar index, side) of every trade of the long/flat crossover, vectorised."""
    close = close_raw / SCALE
    csum = np.concatenate([[0.0], np.cumsum(close)])
    idx = np.arange(len(close))
    fast_sma = np.where(idx >= fast - 1, (csum[idx + 1] - csum[np.maximum(idx + 1 - fast, 0)]) / fast, np.nan)
    slow_sma = np.where(idx >= slow - 1, (csum[idx + 1] - csum[np.maximum(idx + 1 - slow, 0)]) / slow, np.nan)
    desired = np.full(len(close), np.nan)
    desired[fast_sma > slow_sma + threshold] = 1.0
    desired[fast_sma < slow_sma - threshold] = 0.0
    valid = ~np.isnan(desired)
    filled = desired[np.maximum.accumulate(np.where(valid, idx, 0))]
    filled[: np.argmax(valid)] = 0.0  # flat before the first signal
    changes = np.flatnonzero(np.diff(np.concatenate([[0.0], filled])) != 0)
    return [(int(i), "BUY" if filled[i] == 1.0 else "SELL") for i in changes]


@pytest.mark.parametrize("name", ["orcl-1995-2014", "nvda-1999-2014", "yhoo-1996-2014"])
def test_ma_cross_matches_the_vectorised_reference(name: str) -> None:
    symbol = name.split("-")[0].upper()
    instrument = Equity(
        id=InstrumentId(f"{symbol}.XNAS"), price_precision=6, size_precision=0, tick_size=Price.of("0.000001"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    data = load_market_data(
        DATA / f"backtrader-{name}.txt",
        layout_named("yahoo"),
        instrument,
        bar_spec=BarSpecification.from_str("1-DAY-LAST"),
    )
    venue = VenueSetup(SimulatedVenueConfig(venue_id="XNAS"), AccountType.CASH, USD, [Money.of(10_000_000, USD)])
    result = run_backtest(
        BacktestConfig(
            venues=[venue], instruments=[instrument], data=[data], strategies=[MovingAverageCross(fast=10, slow=30)]
        )
    )
    closes = data.columns["close"]
    ts = data.columns["ts"].tolist()
    expected = reference(closes)
    got = [(ts.index(f.ts_event), f.order_side.name) for f in result.fills]
    assert got == expected and len(expected) > 50
    assert all(
        f.last_px.raw == closes[i] and f.last_qty == Quantity.of(100)
        for f, (i, _) in zip(result.fills, expected, strict=True)
    )
    # P&L: realised on closed trips, exact in raw units, plus the open trip marked at the last close
    realised_raw = 0
    entry = None
    for i, side in expected:
        if side == "BUY":
            entry = int(closes[i])
        else:
            assert entry is not None
            realised_raw += (int(closes[i]) - entry) * 100
            entry = None
    open_raw = (int(closes[-1]) - entry) * 100 if entry is not None else 0
    trips = sum(Decimal(repr(t.pnl)) for t in result.round_trips)
    assert abs(trips - Decimal(realised_raw) / SCALE) < Decimal("0.0000001")
    # The cash account books every fill in cents, so its balance may differ from the exact reference
    # by at most half a cent per fill (the trips above are exact).
    cents = Decimal("0.01")
    realised = (Decimal(realised_raw) / SCALE).quantize(cents, ROUND_HALF_EVEN)
    open_cost = (Decimal(entry * 100) / SCALE).quantize(cents, ROUND_HALF_EVEN) if entry is not None else Decimal(0)
    balance = next(b.total.as_decimal() for b in result.account_states[-1].balances if b.currency.code == "USD")
    bound = Decimal("0.005") * len(result.fills) + cents
    assert abs(balance - Decimal(10_000_000) - (realised - open_cost)) <= bound
    final_equity = Decimal(repr(float(result.equity.equity[-1])))
    assert abs(final_equity - Decimal(10_000_000) - Decimal(realised_raw + open_raw) / SCALE) <= bound
    assert all(f.commission.raw == 0 for f in result.fills)
    assert {f.order_side for f in result.fills} <= {OrderSide.BUY, OrderSide.SELL}
