"""Acceptance: the compiled fast path (``backtest.fast``) and the event-driven engine give the same
trades, fees, equity curve and statistics for ``MovingAverageCross`` on the same bars.

(a) 20,000 seeded simulated one-minute bars (opens jittered off the previous close so that
``next_open`` fills differ from ``close`` fills), with a taker fee in basis points plus a fixed fee
per order (and, in one case, a per-contract fee and the instrument's own rate), long/flat and
long/short, both bar executions; (b) the real ORCL daily file of ../shared/data (skipped when absent);
(c) a leveraged run whose equity goes below zero (the statistics' ruin convention).

Exact: fills (time, side, quantity, price, commission), round trips, every point of the equity curve
and ``compute_statistics`` of both runs. ``evaluate_grid``'s kernel metrics equal the event-driven
statistics within 1e-9 relative (they differ only in the order of floating-point summation).
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from nautilus_platform.backtest.fast import FastBars, FastConfig, FastResult, evaluate_grid, fast_model_for
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data import layout_named, load_market_data
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Equity, Instrument
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CASH = 1_000_000
FEES = FeeModel(taker_bps=Decimal(5), fixed_per_order=Decimal("1.00"))


def equity_instrument(symbol: str, price_precision: int, taker_fee: str = "0") -> Equity:
    return Equity(
        id=InstrumentId(symbol), price_precision=price_precision, size_precision=0,
        tick_size=Price(raw=10 ** (9 - price_precision), precision=price_precision), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal(taker_fee),
    )  # fmt: skip


def jittered_bars(instrument: Instrument, n: int = 20_000, seed: int = 11) -> LoadedData:
    """Seeded simulated bars whose opens sit a few ticks off the previous close."""
    data = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), n, seed=seed, volatility=0.001)
    tick = instrument.tick_size.raw
    rng = np.random.Generator(np.random.PCG64(seed + 1))
    columns = dict(data.columns)
    open_ = np.maximum(columns["open"] + rng.integers(-3, 4, size=n) * tick, tick)
    columns["open"] = open_
    columns["high"] = np.maximum(columns["high"], open_)
    columns["low"] = np.minimum(columns["low"], open_)
    return dataclasses.replace(data, columns=columns)


def event_driven(
    instrument: Instrument,
    data: LoadedData,
    params: dict[str, object],
    fees: FeeModel,
    execution: str,
    cash: int = CASH,
) -> BacktestResult:
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id=str(instrument.id.venue), fee_model=fees, bar_execution=execution),  # type: ignore[arg-type]
        AccountType.MARGIN, USD, [Money.of(cash, USD)],
    )  # fmt: skip
    result = run_backtest(
        BacktestConfig(venues=[venue], instruments=[instrument], data=[data], strategies=[MovingAverageCross(**params)])
    )
    assert not result.strategy_errors
    assert all(o.status != "DENIED" for o in result.orders)
    return result


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def close_enough(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return same(a, b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def assert_parity(result: BacktestResult, fast: FastResult) -> None:
    expected_fills = [
        (f.ts_event, 1 if f.order_side is OrderSide.BUY else -1, f.last_qty.raw, f.last_px.raw, f.commission.raw)
        for f in result.fills
    ]
    fast_fills = list(
        zip(
            fast.fill_ts.tolist(), fast.fill_side.tolist(), fast.fill_qty_raw.tolist(), fast.fill_price_raw.tolist(),
            fast.fill_fee_raw.tolist(), strict=True,
        )
    )  # fmt: skip
    assert fast_fills == expected_fills
    assert len(expected_fills) > 20
    assert fast.round_trips() == result.round_trips  # entry/exit ts, side, qty, prices, pnl and fees, exact
    fees = sum((f.commission.as_decimal() for f in result.fills), Decimal(0))
    assert fast.total_fees == fees and fees > 0
    assert np.array_equal(fast.ts, result.equity.ts)
    assert np.array_equal(fast.equity, result.equity.equity)  # every point, bit for bit
    final = Decimal(repr(float(result.equity.equity[-1])))
    assert fast.final_equity == final
    assert fast.net_pnl == final - CASH
    expected = result.statistics.to_dict()
    got = fast.statistics().to_dict()
    assert all(same(got[k], v) for k, v in expected.items()), {k: (v, got[k]) for k, v in expected.items()}
    # the kernel's own metrics (what evaluate_grid returns) agree within summation-order rounding
    assert all(close_enough(fast.metrics[k], v) for k, v in expected.items()), {
        k: (v, fast.metrics[k]) for k, v in expected.items() if not close_enough(fast.metrics[k], v)
    }


@pytest.fixture(scope="module")
def simulated() -> tuple[Equity, LoadedData]:
    instrument = equity_instrument("DEMO.SIM", 2)
    return instrument, jittered_bars(instrument)


@pytest.mark.parametrize("execution", ["close", "next_open"])
@pytest.mark.parametrize("allow_short", [False, True])
def test_simulated_bars_same_trades_pnl_and_statistics(
    simulated: tuple[Equity, LoadedData], allow_short: bool, execution: str
) -> None:
    instrument, data = simulated
    params: dict[str, object] = {"fast": 10, "slow": 30, "quantity": Decimal(100), "allow_short": allow_short}
    result = event_driven(instrument, data, params, FEES, execution)
    bars = FastBars.from_data(data)
    config = FastConfig(starting_cash=Decimal(CASH), fee_model=FEES, bar_execution=execution)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    fast = model.simulate(bars, params, config)
    assert_parity(result, fast)
    if allow_short:
        assert {t.side for t in result.round_trips} == {"LONG", "SHORT"}
    # the grid: this candidate equals the event-driven statistics, the others their own recorded runs
    others: list[dict[str, object]] = [
        {"fast": 5, "slow": 20, "threshold": 0.01, "allow_short": allow_short},
        {"fast": 12, "slow": 50, "quantity": Decimal(7), "allow_short": not allow_short},
    ]
    rows = evaluate_grid(bars, [params, *others], config)
    expected = result.statistics.to_dict()
    assert all(close_enough(rows[0][k], v) for k, v in expected.items())
    assert rows[0]["fills"] == len(result.fills)
    assert rows[0]["net_pnl"] == float(fast.net_pnl)
    for row, candidate in zip(rows[1:], others, strict=True):
        alone = model.simulate(bars, candidate, config)
        assert all(close_enough(row[k], v) for k, v in alone.statistics().to_dict().items())


def test_per_contract_fee_and_the_instruments_own_rate(simulated: tuple[Equity, LoadedData]) -> None:
    _, data = simulated
    instrument = equity_instrument("DEMO.SIM", 2, taker_fee="0.0007")
    data = dataclasses.replace(data, instrument=instrument)
    fees = FeeModel(per_contract=Decimal("0.005"), fixed_per_order=Decimal("0.35"))  # taker_bps None: 7 bps
    params: dict[str, object] = {"fast": 8, "slow": 21, "quantity": Decimal(33), "allow_short": True}
    result = event_driven(instrument, data, params, fees, "next_open")
    config = FastConfig(starting_cash=Decimal(CASH), fee_model=fees, bar_execution="next_open")
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    assert_parity(result, model.simulate(FastBars.from_data(data), params, config))


@pytest.mark.skipif(
    not (DATA / "README.md").exists(),
    reason=f"shared market data not found at {DATA} (a fresh clone without ../shared)",
)
@pytest.mark.parametrize(("allow_short", "execution"), [(False, "close"), (True, "next_open"), (True, "close")])
def test_orcl_daily_same_trades_pnl_and_statistics(allow_short: bool, execution: str) -> None:
    instrument = equity_instrument("ORCL.XNAS", 6)
    data = load_market_data(
        DATA / "backtrader-orcl-1995-2014.txt", layout_named("yahoo"), instrument,
        bar_spec=BarSpecification.from_str("1-DAY-LAST"),
    )  # fmt: skip
    params: dict[str, object] = {"fast": 10, "slow": 30, "allow_short": allow_short}
    result = event_driven(instrument, data, params, FEES, execution)
    config = FastConfig(starting_cash=Decimal(CASH), fee_model=FEES, bar_execution=execution)
    bars = FastBars.from_data(data)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    assert_parity(result, model.simulate(bars, params, config))
    row = evaluate_grid(bars, [params], config)[0]
    assert all(close_enough(row[k], v) for k, v in result.statistics.to_dict().items())


@pytest.mark.parametrize("execution", ["close", "next_open"])
def test_a_leveraged_run_that_goes_bust_same_statistics(execution: str) -> None:
    """20x margin, long 100 at about 110 with 1,000 of cash: a drop to 95 takes equity below zero while
    still long; the statistics of both paths follow the ruin convention and agree."""
    instrument = Equity(
        id=InstrumentId("BUST.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.05"), margin_maint=Decimal("0.05"),
    )  # fmt: skip
    closes = [100.0] * 6 + [102, 100, 98, 100, 104, 108, 112, 95, 97, 94, 96, 90, 89, 88, 88, 88]
    data = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), len(closes), seed=1)
    prices = np.round(np.array(closes) * 100).astype(np.int64) * 10_000_000
    data = dataclasses.replace(
        data, columns={**data.columns, "open": prices, "high": prices, "low": prices, "close": prices}
    )
    params: dict[str, object] = {"fast": 2, "slow": 4, "quantity": Decimal(100), "threshold": 3.0}
    result = event_driven(instrument, data, params, FEES, execution, cash=1_000)
    bars = FastBars.from_data(data)
    config = FastConfig(starting_cash=Decimal(1_000), fee_model=FEES, bar_execution=execution)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    fast = model.simulate(bars, params, config)
    assert len(result.fills) == 2 and fast.round_trips() == result.round_trips
    assert np.array_equal(fast.equity, result.equity.equity)
    ruin = int(np.argmax(fast.equity <= 0))
    assert ruin == 13 and fast.equity[ruin] < 0 and fast.equity[ruin + 1] != fast.equity[ruin]  # still long
    expected = result.statistics.to_dict()
    assert expected["total_return"] == expected["annualised_return"] == expected["max_drawdown"] == -1.0
    assert expected["ruined"] is True
    assert expected["end_equity"] < 0 and all(math.isfinite(expected[k]) for k in ("sharpe", "sortino", "turnover"))
    got = fast.statistics().to_dict()
    assert all(same(got[k], v) for k, v in expected.items()), {k: (v, got[k]) for k, v in expected.items()}
    assert all(close_enough(fast.metrics[k], v) for k, v in expected.items()), {
        k: (v, fast.metrics[k]) for k, v in expected.items() if not close_enough(fast.metrics[k], v)
    }
    row = evaluate_grid(bars, [params], config)[0]
    assert all(close_enough(row[k], v) for k, v in expected.items())
