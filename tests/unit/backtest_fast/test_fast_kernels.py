"""The fast path's kernels and API on small, hand-checked cases and edge cases."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import numpy as np
import pytest

from nautilus_platform.backtest.fast import (
    FastBars,
    FastConfig,
    FastResult,
    MovingAverageCrossModel,
    evaluate_grid,
    fast_model_for,
    kernels,
    prescreen,
    simulate,
)
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import FIXED_SCALAR, USD, Price, Quantity
from nautilus_platform.strategy.examples import MovingAverageCross, RsiMeanReversion
from nautilus_platform.strategy.indicators import SMA
from nautilus_platform.venues.simulated import FeeModel

MINUTE = 60 * FIXED_SCALAR
INSTRUMENT = Equity(
    id=InstrumentId("TEST.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD,
)  # fmt: skip


def bars_of(closes: list[float], opens: list[float] | None = None) -> FastBars:
    n = len(closes)
    opens = opens if opens is not None else closes
    ts = np.arange(1, n + 1, dtype=np.int64) * MINUTE
    high = np.maximum(opens, closes)
    low = np.minimum(opens, closes)
    return FastBars.from_arrays(INSTRUMENT, ts, np.array(opens), high, low, np.array(closes))


def random_bars(n: int = 3_000, seed: int = 3) -> FastBars:
    return FastBars.from_data(
        simulate_bars(INSTRUMENT, BarSpecification.from_str("1-MINUTE-LAST"), n, seed=seed, volatility=0.002)
    )


def same(a: float, b: float) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


# -- arithmetic kernels ------------------------------------------------------------------------
def test_raw_to_float_is_pythons_correctly_rounded_division() -> None:
    rng = random.Random(5)
    values = [0, 1, -1, 2**53, 2**53 + 1, -(2**53) - 3, 2**63 - 1, -(2**63) + 1, 10**18, 10**18 + 500_000_000]
    values += [rng.randrange(-(2**63) + 1, 2**63) for _ in range(20_000)]
    values += [rng.randrange(2**53, 2**62) // 1_000 * 1_000 + 500 for _ in range(2_000)]  # near ties
    raw = np.array(values, dtype=np.int64)
    out = np.empty(raw.size, dtype=np.float64)
    kernels.raw_to_float_array(raw, out)
    assert out.tolist() == [v / FIXED_SCALAR for v in values]


def test_fsum_is_math_fsum() -> None:
    rng = np.random.Generator(np.random.PCG64(1))
    cases = [
        np.array([1e-16, 1.0, 1e16]),
        np.array([1e100, 1.0, -1e100, 1e-100]),
        np.array([0.1] * 10),
        np.array([]),
        rng.normal(0, 1, 1_000) * 10.0 ** rng.integers(-20, 20, 1_000),
        np.round(rng.uniform(1, 500, 3_000), 2),
    ]
    for values in cases:
        partials = np.empty(values.size + 1)
        assert kernels.fsum(values.astype(np.float64), partials) == math.fsum(values.tolist())


@pytest.mark.parametrize("period", [1, 3, 10, 30, 1_500])
def test_sma_kernel_is_the_indicator_bit_for_bit(period: int) -> None:
    rng = np.random.Generator(np.random.PCG64(period))
    closes = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 5_000))), 2)
    out = np.empty(closes.size)
    kernels.sma(closes, period, out)
    indicator = SMA(period)
    expected = []
    for value in closes.tolist():
        indicator.update(value)
        expected.append(indicator.value)
    assert all(same(a, b) for a, b in zip(out.tolist(), expected, strict=True))


def test_fee_per_fill_is_the_venues_fee_model_exactly() -> None:
    bars = random_bars(2_000)
    fees = FeeModel(taker_bps=Decimal("3.7"), fixed_per_order=Decimal("0.25"), per_contract=Decimal("0.0031"))
    compiled = fees.for_instrument(INSTRUMENT)
    rng = np.random.Generator(np.random.PCG64(9))
    entries, exits = rng.random(len(bars)) < 0.05, rng.random(len(bars)) < 0.05
    result = simulate(bars, entries, exits, FastConfig(fee_model=fees, quantity=Decimal(37), allow_short=True))
    assert result.fill_ts.size > 50
    expected = [
        compiled.commission(q, px, False, True).raw
        for q, px in zip(result.fill_qty_raw.tolist(), result.fill_price_raw.tolist(), strict=True)
    ]
    assert result.fill_fee_raw.tolist() == expected
    assert {q // FIXED_SCALAR for q in result.fill_qty_raw.tolist()} == {37, 74}  # open/close, then flips


# -- the state machine -------------------------------------------------------------------------
def test_no_signals_no_trades_and_flat_equity() -> None:
    bars = random_bars(500)
    none = np.zeros(len(bars), dtype=bool)
    result = simulate(bars, none, none, FastConfig(starting_cash=Decimal(50_000)))
    assert result.fill_ts.size == 0 and result.round_trips() == []
    assert np.all(result.equity == 50_000.0) and result.net_pnl == 0
    stats = result.statistics().to_dict()
    assert stats["trades"] == 0 and stats["total_return"] == 0.0 and math.isnan(stats["sharpe"])
    assert all(same(result.metrics[k], v) for k, v in stats.items())


def test_signal_on_the_last_bar_fills_at_close_but_never_at_next_open() -> None:
    bars = bars_of([10.0, 10.5, 11.0, 11.5], opens=[10.0, 10.2, 10.7, 11.2])
    entries = np.array([False, False, False, True])
    exits = np.zeros(4, dtype=bool)
    at_close = simulate(bars, entries, exits, FastConfig(bar_execution="close"))
    assert at_close.fill_price_raw.tolist() == [11_500_000_000] and at_close.fill_ts.tolist() == [4 * MINUTE]
    held = simulate(bars, entries, exits, FastConfig(bar_execution="next_open"))
    assert held.fill_ts.size == 0 and held.net_pnl == 0


def test_next_open_fills_at_the_following_open_and_marks_at_the_close() -> None:
    bars = bars_of([10.0, 10.5, 11.0, 11.5], opens=[10.0, 10.2, 10.7, 11.2])
    entries = np.array([True, False, False, False])
    exits = np.array([False, False, True, False])
    fees = FeeModel(taker_bps=Decimal(0), fixed_per_order=Decimal(1))
    result = simulate(bars, entries, exits, FastConfig(bar_execution="next_open", fee_model=fees))
    assert result.fill_ts.tolist() == [2 * MINUTE, 4 * MINUTE]
    assert result.fill_price_raw.tolist() == [10_200_000_000, 11_200_000_000]
    start = 1_000_000.0
    assert result.equity.tolist() == [start, start - 1 + 30, start - 1 + 80, start - 2 + 100]
    (trip,) = result.round_trips()
    assert (trip.side, trip.quantity, trip.entry_price, trip.exit_price, trip.pnl, trip.fees) == (
        "LONG", 100.0, 10.2, 11.2, 98.0, 2.0,
    )  # fmt: skip


def test_signals_only_trade_on_a_change_and_shorts_flip() -> None:
    bars = bars_of([10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 10.0])
    entries = np.array([True, True, False, False, False, False, True])
    exits = np.array([False, False, False, True, True, True, False])
    long_flat = simulate(bars, entries, exits, FastConfig(quantity=Decimal(10)))
    assert long_flat.fill_side.tolist() == [1, -1, 1]
    assert long_flat.fill_qty_raw.tolist() == [10 * FIXED_SCALAR] * 3
    long_short = simulate(bars, entries, exits, FastConfig(quantity=Decimal(10), allow_short=True))
    assert long_short.fill_side.tolist() == [1, -1, 1]
    assert long_short.fill_qty_raw.tolist() == [10 * FIXED_SCALAR, 20 * FIXED_SCALAR, 20 * FIXED_SCALAR]
    assert [t.side for t in long_short.round_trips()] == ["LONG", "SHORT"]
    assert long_short.round_trips()[1].pnl == 10.0  # short 10 at 11, covered at 10
    exits_first = simulate(bars, np.zeros(7, dtype=bool), exits, FastConfig(quantity=Decimal(10)))
    assert exits_first.fill_ts.size == 0  # long/flat: nothing to sell


# -- validation --------------------------------------------------------------------------------
def test_fast_not_below_slow_is_rejected_naming_the_field() -> None:
    bars = random_bars(200)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    with pytest.raises(ValidationError) as info:
        model.simulate(bars, {"fast": 30, "slow": 30}, FastConfig())
    assert info.value.field == "fast" and info.value.value == 30
    with pytest.raises(ValidationError) as info:
        evaluate_grid(bars, [{"fast": 5, "slow": 20}, {"fast": 40, "slow": 20}])
    assert info.value.field == "fast"
    with pytest.raises(ValidationError) as info:
        evaluate_grid(bars, [{"fast": 5, "slow": 20, "speed": 3}])
    assert info.value.field == "speed"


def test_nan_empty_and_malformed_input_is_rejected() -> None:
    ts = np.array([MINUTE, 2 * MINUTE])
    with pytest.raises(ValidationError) as info:
        FastBars.from_arrays(INSTRUMENT, ts, [1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, math.nan])
    assert info.value.field == "close"
    with pytest.raises(ValidationError) as info:
        FastBars.from_arrays(INSTRUMENT, np.array([], dtype=np.int64), [], [], [], [])
    assert info.value.field == "bars"
    with pytest.raises(ValidationError) as info:
        FastBars.from_arrays(INSTRUMENT, ts[::-1], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0])
    assert info.value.field == "ts"
    bars = bars_of([1.0, 2.0])
    with pytest.raises(ValidationError) as info:
        simulate(bars, np.array([1.0, math.nan]), np.zeros(2, dtype=bool))
    assert info.value.field == "entries"
    with pytest.raises(ValidationError) as info:
        simulate(bars, np.zeros(2, dtype=bool), np.zeros(3, dtype=bool))
    assert info.value.field == "exits"
    with pytest.raises(ValidationError) as info:
        FastConfig(bar_execution="open")
    assert info.value.field == "bar_execution"
    with pytest.raises(ValidationError) as info:
        FastConfig(starting_cash=Decimal(-5))
    assert info.value.field == "starting_cash"
    with pytest.raises(ValidationError) as info:
        FastBars.from_arrays(INSTRUMENT, ts, [1e12, 1.0], [1e12, 1.0], [1.0, 1.0], [1.0, 1.0])
    assert info.value.field == "open"
    huge = FastBars.from_arrays(INSTRUMENT, ts, [1e8, 1e8], [1e8, 1e8], [1.0, 1.0], [1e8, 1.0])
    with pytest.raises(ValidationError) as info:
        simulate(huge, np.array([True, False]), np.array([False, True]), FastConfig(quantity=Decimal(10**9)))
    assert info.value.field == "bars"
    catalog = CatalogData(DataKind.BARS, INSTRUMENT.id, 2, 0, None, {"ts": ts, "close": ts}, [])
    with pytest.raises(ValidationError) as info:
        FastBars.from_data(catalog)
    assert info.value.field == "instrument"


# -- grids and the registry --------------------------------------------------------------------
def test_grid_rows_equal_one_by_one_runs() -> None:
    bars = random_bars(5_000, seed=8)
    config = FastConfig(fee_model=FeeModel(taker_bps=Decimal(2), fixed_per_order=Decimal("0.5")))
    candidates: list[dict[str, object]] = [
        {"fast": f, "slow": s, "allow_short": short, "quantity": Decimal(q)}
        for f, s, short, q in [(3, 9, False, 10), (5, 20, True, 100), (10, 30, False, 1), (2, 700, True, 3)]
    ]
    rows = evaluate_grid(bars, candidates, config)
    model = fast_model_for(MovingAverageCross)
    assert isinstance(model, MovingAverageCrossModel)
    for row, candidate in zip(rows, candidates, strict=True):
        alone = model.simulate(bars, candidate, config)
        assert row.keys() == alone.metrics.keys()
        assert all(same(row[k], alone.metrics[k]) for k in row)
        stats = alone.statistics().to_dict()
        assert all(same(row[k], v) or math.isclose(row[k], v, rel_tol=1e-9, abs_tol=1e-15) for k, v in stats.items()), {
            k: (row[k], v) for k, v in stats.items()
        }
        assert row["fills"] == alone.fill_ts.size and row["net_pnl"] == float(alone.net_pnl)
    assert prescreen(MovingAverageCross, bars, candidates, config) == rows
    assert evaluate_grid(bars, []) == []


def test_registry_knows_only_exact_modelled_classes() -> None:
    assert isinstance(fast_model_for(MovingAverageCross), MovingAverageCrossModel)
    assert fast_model_for(RsiMeanReversion) is None

    class Tweaked(MovingAverageCross):
        pass

    assert fast_model_for(Tweaked) is None
    with pytest.raises(ValidationError) as info:
        evaluate_grid(random_bars(100), [{}], strategy=RsiMeanReversion)
    assert info.value.field == "strategy"


# -- ruin: equity at or below zero (``analytics.statistics``'s convention) ---------------------------
def assert_metrics_are_the_statistics(result: FastResult) -> dict[str, object]:
    """The kernel's metrics equal ``compute_statistics`` of the recorded run (summation order aside)."""
    stats = result.statistics().to_dict()
    assert all(
        same(result.metrics[k], v) or math.isclose(result.metrics[k], v, rel_tol=1e-12) for k, v in stats.items()
    ), {k: (result.metrics[k], v) for k, v in stats.items()}
    return stats


def test_equity_touching_zero_and_coming_back_is_ruin_on_both_paths() -> None:
    # Long 100 from 100 with 1,000 of cash and no fees: equity 0 exactly at 90, then back to 2,000.
    bars = bars_of([100.0, 100.0, 95.0, 90.0, 95.0, 100.0, 110.0])
    entries = np.array([True, False, False, False, False, False, False])
    result = simulate(bars, entries, np.zeros(7, dtype=bool), FastConfig(starting_cash=Decimal(1_000)))
    assert result.equity.tolist() == [1_000.0, 1_000.0, 500.0, 0.0, 500.0, 1_000.0, 2_000.0]
    stats = assert_metrics_are_the_statistics(result)
    assert stats["total_return"] == -1.0 and stats["max_drawdown"] == -1.0 and stats["annualised_return"] == -1.0
    assert stats["max_drawdown_duration_ns"] == 2 * MINUTE  # the peak at bar 1 to the ruin at bar 3
    assert all(math.isfinite(float(stats[k])) for k in ("volatility", "sharpe", "sortino", "calmar", "turnover"))
    assert stats["ruined"] is True and result.metrics["ruined"] is True
    assert stats["end_equity"] == 2_000.0 and result.net_pnl == 1_000


def test_a_short_squeeze_past_zero_is_ruin_and_the_negative_equity_after_it_is_not_a_return() -> None:
    bars = bars_of([50.0, 50.0, 60.0, 75.0, 90.0, 120.0, 100.0, 130.0])
    exits = np.array([True, False, False, False, False, False, False, False])
    config = FastConfig(starting_cash=Decimal(2_000), quantity=Decimal(50), allow_short=True)
    result = simulate(bars, np.zeros(8, dtype=bool), exits, config)
    assert result.equity.tolist() == [2_000.0, 2_000.0, 1_500.0, 750.0, 0.0, -1_500.0, -500.0, -2_000.0]
    stats = assert_metrics_are_the_statistics(result)
    assert stats["total_return"] == -1.0 and stats["max_drawdown"] == -1.0 and stats["calmar"] == -1.0
    assert stats["sharpe"] < 0 and stats["ruined"] is True
    assert stats["end_equity"] == -2_000.0 and stats["start_equity"] == 2_000.0


def test_a_fee_above_the_cash_ruins_the_account_at_its_first_bar() -> None:
    bars = bars_of([10.0, 11.0, 12.0])
    fees = FeeModel(taker_bps=Decimal(0), fixed_per_order=Decimal(10))
    config = FastConfig(starting_cash=Decimal(5), quantity=Decimal(1), fee_model=fees)
    result = simulate(bars, np.array([True, False, False]), np.zeros(3, dtype=bool), config)
    assert result.equity.tolist() == [-5.0, -4.0, -3.0]
    stats = assert_metrics_are_the_statistics(result)
    assert stats["ruined"] is True and math.isnan(float(stats["total_return"])) and math.isnan(float(stats["turnover"]))
    assert stats["max_drawdown_duration_ns"] == 0


def test_grid_rows_of_ruined_and_live_candidates_equal_their_own_runs() -> None:
    bars = random_bars(3_000, seed=6)
    config = FastConfig(starting_cash=Decimal(3_000), fee_model=FeeModel(taker_bps=Decimal(2)))
    candidates: list[dict[str, object]] = [
        {"fast": 3, "slow": 9, "allow_short": True, "quantity": Decimal(1_000)},  # 33x: bust, then ends up
        {"fast": 5, "slow": 20, "allow_short": False, "quantity": Decimal(1)},
    ]
    rows = evaluate_grid(bars, candidates, config)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    assert [row["ruined"] for row in rows] == [True, False]
    for row, candidate in zip(rows, candidates, strict=True):
        alone = model.simulate(bars, candidate, config)
        assert all(same(row[k], alone.metrics[k]) for k in row)
        assert_metrics_are_the_statistics(alone)
    # the ruined one ends above its start (a +94 % "return" before the ruin convention)
    assert rows[0]["total_return"] == -1.0 and rows[0]["end_equity"] > rows[0]["start_equity"]


def test_a_run_that_never_reaches_zero_gives_the_same_metrics_as_before() -> None:
    """The kernel's metrics of a live run, bit for bit as before the ruin convention."""
    bars = bars_of(lcg_closes(600))
    config = FastConfig(fee_model=FeeModel(taker_bps=Decimal(2), fixed_per_order=Decimal("0.5")), risk_free=0.01)
    (row,) = evaluate_grid(bars, [{"fast": 4, "slow": 15, "allow_short": True}], config)
    assert row == BEFORE_RUIN_CONVENTION | {"ruined": False}


BEFORE_RUIN_CONVENTION: dict[str, float] = {
    # evaluate_grid before the ruin convention, on the bars of the test above
    "total_return": -0.00018506000000007017,
    "annualised_return": -0.14999194876153965,
    "volatility": 0.008719974153637015,
    "sharpe": -19.773201710339592,
    "sortino": -27.10824196355712,
    "calmar": -521.4390709596868,
    "max_drawdown": -0.00028764999999997265,
    "max_drawdown_duration_ns": 28740000000000,
    "max_drawdown_duration_days": 0.3326388888888889,
    "win_rate": 0.375,
    "profit_factor": 0.7461139536659702,
    "expectancy": -3.8093750000000015,
    "average_win": 29.853055555555557,
    "average_loss": -24.00683333333333,
    "trades": 48,
    "exposure": 0.9766277128547579,
    "turnover": 0.9529602509689701,
    "fees_paid": 215.06,
    "start_equity": 1000000.0,
    "end_equity": 999814.94,
    "periods_per_year": 525960.0,
    "risk_free": 0.01,
    "fills": 49,
    "net_pnl": -185.06,
    "total_fees": 215.06,
}


def lcg_closes(n: int, seed: int = 1) -> list[float]:
    """A random walk of whole ticks from a linear congruential generator (the same on every platform)."""
    x, ticks, out = seed, 10_000, []
    for _ in range(n):
        x = (x * 1_103_515_245 + 12_345) % 2**31
        ticks += (x >> 16) % 41 - 20
        out.append(ticks / 100.0)
    return out
