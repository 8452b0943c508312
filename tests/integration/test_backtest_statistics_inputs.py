"""What a backtest feeds its statistics, checked by hand from the fills: fees paid on every fill (a
position still open at the end included), turnover with the contract multiplier (the fast path
agreeing), and a strict-JSON ``summary.json``."""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
from backtest_support import bars, run

from nautilus_platform.backtest.fast import FastBars, FastConfig, fast_model_for
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import Bar, BarSpecification
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.instruments import Future
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy import Strategy
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

MINUTE = BarSpecification.from_str("1-MINUTE-LAST")
CASH = 1_000_000


class TradeOnBars(Strategy):
    """Market orders of ``size`` on given bar numbers: +1 buy, -1 sell."""

    def __init__(self, strategy_id: str, bar_type: str, plan: dict[int, int], size: int) -> None:
        super().__init__(strategy_id)
        self.bar_type, self.plan, self.size = bar_type, plan, size

    def on_start(self) -> None:
        self.n = 0
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.n += 1
        side = self.plan.get(self.n)
        if side is not None:
            order_side = OrderSide.BUY if side > 0 else OrderSide.SELL
            self.submit(self.orders.market(bar.instrument_id, order_side, Quantity.of(self.size)))


def test_fees_paid_include_a_position_still_open_at_the_end() -> None:
    # Buy 100 (bar 5), sell 100 (bar 10): one round trip; buy 100 again (bar 20), still held at the end.
    # Before the fix fees_paid summed the round trip's fees only (19.89 of 29.82 here).
    strategy = TradeOnBars("s", "DEMO.SIM-1-MINUTE-LAST", {5: 1, 10: -1, 20: 1}, 100)
    result = run([strategy], [bars(50)], fee="0.001")
    assert len(result.fills) == 3 and len(result.round_trips) == 1
    by_hand = sum(
        (
            (Decimal("0.001") * f.last_qty.as_decimal() * f.last_px.as_decimal()).quantize(
                Decimal("0.01"), ROUND_HALF_EVEN
            )
            for f in result.fills
        ),
        Decimal(0),
    )
    assert by_hand == sum((f.commission.as_decimal() for f in result.fills), Decimal(0))
    assert result.statistics.fees_paid == float(by_hand)
    assert result.statistics.fees_paid > result.round_trips[0].fees  # the open position's entry fee counts
    assert result.round_trips[0].fees == float(sum(f.commission.as_decimal() for f in result.fills[:2]))


def future(multiplier: str) -> Future:
    return Future(
        id=InstrumentId("ES.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD, multiplier=Quantity.of(multiplier), underlying="ES",
        expiry_ns=10**20, margin_init=Decimal("0.1"), margin_maint=Decimal("0.05"),
    )  # fmt: skip


def run_future(instrument: Future, strategy: Strategy, n: int, fees: FeeModel) -> BacktestResult:
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", fee_model=fees), AccountType.MARGIN, USD, [Money.of(CASH, USD)]
    )
    return run_backtest(
        BacktestConfig(
            venues=[venue], instruments=[instrument], data=[simulate_bars(instrument, MINUTE, n)], strategies=[strategy]
        )
    )


def test_turnover_counts_the_contract_multiplier() -> None:
    # Buy 2 contracts of a future with multiplier 50 (bar 5), sell them (bar 20). Traded notional by
    # hand: 2 * price * 50 per fill; before the fix it left out the 50 (turnover 50 times too small).
    result = run_future(future("50"), TradeOnBars("t", "ES.SIM-1-MINUTE-LAST", {5: 1, 20: -1}, 2), 50, FeeModel())
    assert len(result.fills) == 2
    notional = sum(2 * f.last_px.as_decimal() * 50 for f in result.fills)
    mean_equity = float(np.mean(result.equity.equity))
    assert result.statistics.turnover == float(notional) / mean_equity
    # an equity (multiplier 1) is unchanged: qty * price
    plain = run([TradeOnBars("e", "DEMO.SIM-1-MINUTE-LAST", {5: 1, 20: -1}, 3)], [bars(50)])
    by_hand = sum(3 * f.last_px.as_decimal() for f in plain.fills)
    assert plain.statistics.turnover == float(by_hand) / float(np.mean(plain.equity.equity))


def test_the_fast_path_agrees_on_a_future_with_a_multiplier() -> None:
    fees = FeeModel(taker_bps=Decimal(5), fixed_per_order=Decimal("1.00"))
    for multiplier in ("50", "0.1", "1.5"):  # 1.5: 10**27 is no whole multiple of its raw value
        instrument = future(multiplier)
        params: dict[str, object] = {"fast": 10, "slow": 30, "quantity": Decimal(3), "allow_short": True}
        result = run_future(instrument, MovingAverageCross(**params), 3_000, fees)
        data = simulate_bars(instrument, MINUTE, 3_000)
        model = fast_model_for(MovingAverageCross)
        assert model is not None
        config = FastConfig(starting_cash=Decimal(CASH), fee_model=fees, bar_execution="close")
        fast = model.simulate(FastBars.from_data(data), params, config)
        expected = result.statistics
        assert len(result.fills) > 10
        assert fast.statistics().turnover == expected.turnover
        assert fast.statistics().fees_paid == expected.fees_paid
        assert math.isclose(fast.metrics["turnover"], expected.turnover, rel_tol=1e-9)
        assert fast.metrics["fees_paid"] == expected.fees_paid
        notional = sum(f.last_qty.as_decimal() * f.last_px.as_decimal() * Decimal(multiplier) for f in result.fills)
        mean_equity = float(np.mean(result.equity.equity))
        assert math.isclose(expected.turnover, float(notional) / mean_equity, rel_tol=1e-12)


class Idle(Strategy):
    def on_start(self) -> None:
        self.subscribe_bars("DEMO.SIM-1-MINUTE-LAST")


def test_summary_json_is_strict_json_with_null_for_undefined_statistics(tmp_path: Path) -> None:
    # No trades and flat equity: sharpe, win rate, … are NaN. Before the fix summary.json held bare NaN.
    result = run([Idle("idle")], [bars(50)])
    assert math.isnan(result.statistics.sharpe)
    result.export(tmp_path, formats=["json"])

    def refuse(constant: str) -> object:
        raise ValueError(f"not JSON: {constant}")

    summary = json.loads((tmp_path / "summary.json").read_text(), parse_constant=refuse)
    stats = summary["statistics"]
    assert stats["sharpe"] is None and stats["win_rate"] is None and stats["profit_factor"] is None
    assert stats["total_return"] == 0.0 and stats["trades"] == 0
    assert set(stats) == set(result.statistics.to_dict())
    for path in tmp_path.glob("*.json"):
        json.loads(path.read_text(), parse_constant=refuse)
