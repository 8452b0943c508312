"""Backtest statistics: cross-checked against empyrical on the same returns, hand-computed trade figures, edge cases."""

from __future__ import annotations

import json
import math
import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.analytics import (
    EquityCurve,
    RoundTrip,
    compute_statistics,
    drawdown_series,
    infer_periods_per_year,
    max_drawdown_duration_ns,
    monthly_returns,
)
from nautilus_platform.core.errors import ValidationError

DAY = 86_400 * 1_000_000_000
HOUR = 3_600 * 1_000_000_000
T0 = 1_577_836_800 * 1_000_000_000  # 2020-01-01T00:00:00Z


def seeded_returns(n: int = 750, seed: int = 7) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-02", periods=n, freq="D", tz="UTC")
    return pd.Series(rng.normal(0.0004, 0.012, n), index=index)


def curve_from_returns(returns: pd.Series, start: float = 100_000.0) -> EquityCurve:
    """Equity with one anchor point a day before the first return, so the curve's returns are exactly ``returns``."""
    ts = returns.index.as_unit("ns").asi8
    equity = start * np.cumprod(1.0 + returns.to_numpy())
    return EquityCurve(np.r_[ts[0] - DAY, ts], np.r_[start, equity])


def daily_curve(values: list[float], spacing: int = DAY) -> EquityCurve:
    return EquityCurve(T0 + spacing * np.arange(len(values), dtype=np.int64), np.array(values, dtype=np.float64))


def trade(pnl: float, fees: float = 1.0, side: str = "LONG") -> RoundTrip:
    return RoundTrip("AAPL.XNAS", side, 10.0, T0, T0 + DAY, 100.0, 100.0 + pnl / 10.0, pnl, fees)


@pytest.mark.parametrize("annual_risk_free", [0.0, 0.03])
def test_return_statistics_match_empyrical_with_periods_per_year_252(annual_risk_free: float) -> None:
    returns = seeded_returns()
    stats = compute_statistics(curve_from_returns(returns), [], periods_per_year=252, risk_free=annual_risk_free)
    rf = (1.0 + annual_risk_free) ** (1.0 / 252) - 1.0  # our annual rate as empyrical's per-period rate
    rel = 1e-9
    assert stats.sharpe == pytest.approx(empyrical.sharpe_ratio(returns, risk_free=rf, annualization=252), rel=rel)
    assert stats.sortino == pytest.approx(
        empyrical.sortino_ratio(returns, required_return=rf, annualization=252), rel=rel
    )
    assert stats.annualised_return == pytest.approx(empyrical.annual_return(returns, annualization=252), rel=rel)
    assert stats.volatility == pytest.approx(empyrical.annual_volatility(returns, annualization=252), rel=rel)
    assert stats.max_drawdown == pytest.approx(empyrical.max_drawdown(returns), rel=rel)
    assert stats.calmar == pytest.approx(empyrical.calmar_ratio(returns, annualization=252), rel=rel)
    assert stats.total_return == pytest.approx(empyrical.cum_returns_final(returns), rel=rel)
    assert stats.periods_per_year == 252


def test_sharpe_matches_empyrical_period_daily_default() -> None:
    returns = seeded_returns(seed=11)
    stats = compute_statistics(curve_from_returns(returns), [], periods_per_year=252)
    assert stats.sharpe == pytest.approx(empyrical.sharpe_ratio(returns, period="daily"), rel=1e-9)


def test_inferred_annualisation_uses_252_for_daily_bars_and_calendar_time_for_cagr() -> None:
    """Inferred: vol/Sharpe use 252 per year, CAGR uses elapsed calendar years = empyrical with 365.25 periods."""
    returns = seeded_returns(seed=3)
    curve = curve_from_returns(returns)
    inferred = compute_statistics(curve, [])
    explicit = compute_statistics(curve, [], periods_per_year=252)
    assert inferred.periods_per_year == 252
    assert inferred.sharpe == explicit.sharpe
    assert inferred.volatility == explicit.volatility
    # One calendar day between points, so elapsed years = len(returns) / 365.25.
    assert inferred.annualised_return == pytest.approx(empyrical.annual_return(returns, annualization=365.25), rel=1e-9)
    assert inferred.annualised_return != pytest.approx(explicit.annualised_return, rel=1e-6)
    assert inferred.calmar == pytest.approx(inferred.annualised_return / abs(inferred.max_drawdown))


def test_infer_periods_per_year_rule() -> None:
    assert infer_periods_per_year(T0 + DAY * np.arange(10)) == 252
    assert infer_periods_per_year(T0 + 20 * HOUR * np.arange(10)) == 252
    assert infer_periods_per_year(T0 + HOUR * np.arange(10)) == pytest.approx(365.25 * 24)
    assert infer_periods_per_year(T0 + 60_000_000_000 * np.arange(10)) == pytest.approx(365.25 * 24 * 60)
    assert math.isnan(infer_periods_per_year(np.array([T0])))


def test_weekly_and_monthly_curves_are_annualised_by_their_own_spacing() -> None:
    """Weekly returns annualised with 252 overstated volatility and Sharpe by sqrt(252 / 52), about 2.2 times."""
    assert infer_periods_per_year(T0 + 7 * DAY * np.arange(10)) == 52
    month_ends = pd.date_range("2015-01-31", periods=40, freq="ME", tz="UTC").as_unit("ns").asi8
    assert infer_periods_per_year(month_ends) == 12
    quarter_ends = pd.date_range("2015-03-31", periods=12, freq="QE", tz="UTC").as_unit("ns").asi8
    assert infer_periods_per_year(quarter_ends) == 4
    assert infer_periods_per_year(T0 + 365 * DAY * np.arange(5)) == 1
    assert infer_periods_per_year(T0 + 14 * DAY * np.arange(10)) == pytest.approx(365.25 / 14)  # no convention
    assert infer_periods_per_year(T0 + 3 * DAY * np.arange(10)) == pytest.approx(365.25 / 3)
    assert infer_periods_per_year(T0 + 47 * HOUR * np.arange(10)) == 252  # daily bars with gaps still count as daily
    for freq, period in (("W-FRI", "weekly"), ("ME", "monthly")):
        rng = np.random.default_rng(17)
        index = pd.date_range("2012-01-06", periods=120, freq=freq, tz="UTC")
        returns = pd.Series(rng.normal(0.002, 0.03, len(index)), index=index)
        ts = index.as_unit("ns").asi8
        equity = 100_000.0 * np.cumprod(1.0 + returns.to_numpy())
        curve = EquityCurve(np.r_[2 * ts[0] - ts[1], ts], np.r_[100_000.0, equity])
        stats = compute_statistics(curve, [])
        assert stats.sharpe == pytest.approx(empyrical.sharpe_ratio(returns, period=period), rel=1e-9)
        assert stats.volatility == pytest.approx(empyrical.annual_volatility(returns, period=period), rel=1e-9)
        assert stats.sortino == pytest.approx(empyrical.sortino_ratio(returns, period=period), rel=1e-9)


# Returns below 1e-9 in magnitude (other than 0) only measure float rounding: 1 + 1e-300 == 1, so
# an equity curve cannot carry them and the two computations differ in noise, not in formula.
@given(st.lists(st.floats(-0.2, 0.2).filter(lambda r: r == 0 or abs(r) >= 1e-9), min_size=3, max_size=60))
@settings(max_examples=60, deadline=None)
def test_property_matches_empyrical_on_arbitrary_returns(values: list[float]) -> None:
    returns = pd.Series(values, index=pd.date_range("2021-01-01", periods=len(values), freq="D", tz="UTC"))
    stats = compute_statistics(curve_from_returns(returns, start=1.0), [], periods_per_year=252)
    assert stats.max_drawdown == pytest.approx(empyrical.max_drawdown(returns), rel=1e-9, abs=1e-12)
    assert stats.annualised_return == pytest.approx(empyrical.annual_return(returns, annualization=252), rel=1e-7)
    assert -1.0 <= stats.max_drawdown <= 0.0
    if not math.isnan(stats.sharpe):
        assert stats.sharpe == pytest.approx(empyrical.sharpe_ratio(returns, annualization=252), rel=1e-6)


def test_trade_statistics_by_hand() -> None:
    trades = [trade(120.0, 2.0), trade(-40.0, 1.5), trade(60.0, 1.0), trade(-20.0, 0.5, "SHORT"), trade(0.0, 1.0)]
    stats = compute_statistics(daily_curve([100.0, 101.0, 102.0]), trades)
    assert stats.trades == 5
    assert stats.win_rate == pytest.approx(2 / 5)
    assert stats.profit_factor == pytest.approx(180.0 / 60.0)
    assert stats.expectancy == pytest.approx(120.0 / 5)
    assert stats.average_win == pytest.approx(90.0)
    assert stats.average_loss == pytest.approx(-30.0)
    assert stats.fees_paid == pytest.approx(6.0)


def test_profit_factor_edge_cases() -> None:
    curve = daily_curve([100.0, 101.0])
    none = compute_statistics(curve, [])
    assert math.isnan(none.profit_factor) and math.isnan(none.win_rate) and math.isnan(none.expectancy)
    assert none.trades == 0 and none.fees_paid == 0.0
    assert compute_statistics(curve, [trade(5.0), trade(3.0)]).profit_factor == math.inf
    assert compute_statistics(curve, [trade(-5.0)]).profit_factor == 0.0
    breakeven = compute_statistics(curve, [trade(0.0)])
    assert math.isnan(breakeven.profit_factor) and breakeven.win_rate == 0.0
    assert math.isnan(breakeven.average_win) and math.isnan(breakeven.average_loss)


def test_flat_equity_gives_nan_ratios_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(daily_curve([100.0] * 30), [])
    assert math.isnan(stats.sharpe) and math.isnan(stats.sortino) and math.isnan(stats.calmar)
    assert stats.volatility == 0.0 and stats.max_drawdown == 0.0 and stats.total_return == 0.0
    assert stats.max_drawdown_duration_ns == 0


def test_constant_positive_returns_have_undefined_sharpe_and_sortino() -> None:
    stats = compute_statistics(daily_curve(list(100.0 * 1.001 ** np.arange(50))), [])
    assert math.isnan(stats.sharpe) and math.isnan(stats.sortino)
    assert stats.total_return > 0


@pytest.mark.parametrize("values", [[], [100.0]])
def test_fewer_than_two_points_give_nan_statistics(values: list[float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(daily_curve(values), [trade(10.0)], turnover_notional=1_000.0)
    for name in ("total_return", "annualised_return", "volatility", "sharpe", "sortino", "calmar", "max_drawdown"):
        assert math.isnan(getattr(stats, name)), name
    assert stats.win_rate == 1.0
    assert stats.max_drawdown_duration_ns == 0
    if values:
        assert stats.start_equity == stats.end_equity == 100.0 and stats.turnover == pytest.approx(10.0)
    else:
        assert math.isnan(stats.start_equity) and math.isnan(stats.turnover)


def test_two_points_give_returns_but_no_volatility() -> None:
    stats = compute_statistics(daily_curve([100.0, 110.0]), [], periods_per_year=252)
    assert stats.total_return == pytest.approx(0.1)
    assert stats.annualised_return == pytest.approx(1.1**252 - 1)
    assert math.isnan(stats.volatility) and math.isnan(stats.sharpe)


def test_drawdown_series_and_duration_by_hand() -> None:
    # Peak 110 at day 1, under water days 2-3, regained at day 4 (3 days); peak 111 at day 4, under to the end (2 days).
    curve = daily_curve([100.0, 110.0, 99.0, 105.0, 111.0, 90.0, 95.0])
    np.testing.assert_allclose(
        drawdown_series(curve.equity), [0.0, 0.0, -0.1, 105 / 110 - 1, 0.0, 90 / 111 - 1, 95 / 111 - 1]
    )
    assert max_drawdown_duration_ns(curve.ts, curve.equity) == 3 * DAY
    stats = compute_statistics(curve, [])
    assert stats.max_drawdown == pytest.approx(90 / 111 - 1)
    assert stats.max_drawdown_duration_ns == 3 * DAY
    assert stats.max_drawdown_duration_days == pytest.approx(3.0)
    # Never regained: counts to the last timestamp.
    assert max_drawdown_duration_ns(*_arrays(daily_curve([100.0, 120.0, 90.0, 95.0, 100.0, 119.0]))) == 4 * DAY
    # Equal to the peak counts as regained.
    assert max_drawdown_duration_ns(*_arrays(daily_curve([100.0, 90.0, 100.0, 100.0]))) == 2 * DAY


def _arrays(curve: EquityCurve) -> tuple[np.ndarray, np.ndarray]:
    return curve.ts, curve.equity


def test_monthly_returns_compound_within_calendar_months() -> None:
    returns = seeded_returns(n=200, seed=5)
    curve = curve_from_returns(returns)
    got = monthly_returns(curve)
    expected = (1.0 + returns).groupby([returns.index.year, returns.index.month]).prod() - 1.0
    assert list(got) == [(int(y), int(m)) for y, m in expected.index]
    np.testing.assert_allclose(list(got.values()), expected.to_numpy(), rtol=1e-10)
    assert math.prod(1.0 + v for v in got.values()) - 1.0 == pytest.approx(compute_statistics(curve, []).total_return)
    assert monthly_returns(daily_curve([100.0])) == {}


def test_turnover_exposure_fees_and_equity_bounds() -> None:
    stats = compute_statistics(
        daily_curve([100.0, 200.0, 300.0]), [trade(1.0, 0.25)], turnover_notional=600.0, exposure_time_fraction=0.4
    )
    assert stats.turnover == pytest.approx(3.0)
    assert stats.exposure == 0.4
    assert stats.fees_paid == 0.25
    assert (stats.start_equity, stats.end_equity) == (100.0, 300.0)
    assert math.isnan(compute_statistics(daily_curve([100.0, 101.0]), []).exposure)


def test_to_dict_is_ordered_and_json_serialisable() -> None:
    stats = compute_statistics(curve_from_returns(seeded_returns(n=30)), [trade(5.0)])
    as_dict = stats.to_dict()
    assert next(iter(as_dict)) == "total_return"
    assert as_dict["trades"] == 1 and isinstance(as_dict["max_drawdown_duration_ns"], int)
    assert json.loads(json.dumps(as_dict))["sharpe"] == pytest.approx(stats.sharpe)


def test_invalid_inputs_are_rejected_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="ts"):
        EquityCurve(np.array([2, 1], dtype=np.int64), np.array([1.0, 2.0]))
    with pytest.raises(ValidationError, match="same length"):
        EquityCurve(np.array([1, 2], dtype=np.int64), np.array([1.0]))
    with pytest.raises(ValidationError, match="finite"):
        EquityCurve(np.array([1, 2], dtype=np.int64), np.array([1.0, math.nan]))
    with pytest.raises(ValidationError, match="side"):
        RoundTrip("X", "BUY", 1.0, 0, 1, 1.0, 1.0, 0.0, 0.0)
    curve = daily_curve([1.0, 2.0])
    with pytest.raises(ValidationError, match="periods_per_year"):
        compute_statistics(curve, [], periods_per_year=0)
    with pytest.raises(ValidationError, match="exposure_time_fraction"):
        compute_statistics(curve, [], exposure_time_fraction=1.5)


def test_curve_arrays_are_copied_and_read_only() -> None:
    ts = T0 + DAY * np.arange(3)
    equity = np.array([1.0, 2.0, 3.0])
    curve = EquityCurve(ts, equity)
    equity[0] = 99.0
    assert curve.equity[0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        curve.equity[0] = 5.0


MINUTE = 60 * 1_000_000_000


def test_a_short_profitable_run_annualises_to_inf_instead_of_raising() -> None:
    # 100 -> 102 in three minutes: years = 3 min / 365.25 days, so 1.02 ** (1 / years) = exp(0.0198 * 175,320)
    # ~ 10**1508, beyond the largest float (~1.8e308): an OverflowError before the fix.
    curve = EquityCurve(np.array([0, MINUTE, 2 * MINUTE, 3 * MINUTE]), np.array([100.0, 101.0, 100.5, 102.0]))
    years = 3 * MINUTE / (365.25 * DAY)
    assert math.log10(1.02) / years > 308  # the hand estimate: the power overflows a float
    stats = compute_statistics(curve, [])
    assert stats.total_return == pytest.approx(0.02)
    assert stats.annualised_return == math.inf
    assert stats.calmar == math.inf  # inf / |100.5 / 101 - 1|
    assert stats.max_drawdown == pytest.approx(100.5 / 101.0 - 1.0)
    # the same with periods_per_year given (years = 3 / 525,960 minutes a year)
    assert compute_statistics(curve, [], periods_per_year=525_960.0).annualised_return == math.inf
    # a loss over the same span underflows to -1 (0 ** ... - 1), still no exception
    losing = EquityCurve(curve.ts, np.array([100.0, 99.0, 99.5, 98.0]))
    assert compute_statistics(losing, []).annualised_return == pytest.approx(-1.0)


def test_fees_paid_given_counts_every_fill_not_only_closed_trips() -> None:
    # One closed trip with 0.25 of fees, and 0.75 more on a position still open at the end: 1.0 paid.
    curve = daily_curve([100.0, 101.0, 102.0])
    trips = [trade(1.0, 0.25)]
    assert compute_statistics(curve, trips).fees_paid == 0.25  # without it: the trips' fees (as before)
    assert compute_statistics(curve, trips, fees_paid=0.25 + 0.75).fees_paid == 1.0
    assert compute_statistics(curve, [], fees_paid=0.5).fees_paid == 0.5  # fees without a closed trip
    with pytest.raises(ValidationError, match="fees_paid"):
        compute_statistics(curve, trips, fees_paid=math.nan)


# -- ruin: equity at or below zero ----------------------------------------------------------------
RETURN_FIGURES = ("total_return", "annualised_return", "volatility", "sharpe", "sortino", "calmar", "max_drawdown")


def empyrical_figures(returns: list[float]) -> dict[str, float]:
    """empyrical's figures of ``returns`` (daily, 252 a year): what a ruined curve's returns through ruin give."""
    series = pd.Series(returns, index=pd.date_range("2020-01-02", periods=len(returns), freq="D", tz="UTC"))
    return {
        "total_return": empyrical.cum_returns_final(series),
        "annualised_return": empyrical.annual_return(series, annualization=252),
        "volatility": empyrical.annual_volatility(series, annualization=252),
        "sharpe": empyrical.sharpe_ratio(series, annualization=252),
        "sortino": empyrical.sortino_ratio(series, annualization=252),
        "calmar": empyrical.calmar_ratio(series, annualization=252),
        "max_drawdown": empyrical.max_drawdown(series),
    }


def test_a_curve_that_goes_bust_stops_its_returns_at_the_ruin() -> None:
    # Ruined at day 3 (-50). Before the fix the returns went on through negative equity (-100 -> -400 a
    # "+300 %" return), so a run that lost ten times its capital showed a positive Sharpe ratio.
    values = [100.0, 105.0, 98.0, -50.0, -100.0, -400.0, -1_000.0]
    curve = daily_curve(values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(curve, [trade(-1_100.0)], periods_per_year=252, turnover_notional=606.0)
    assert stats.total_return == -1.0 and stats.annualised_return == -1.0
    assert stats.max_drawdown == -1.0 and stats.calmar == -1.0
    assert stats.sharpe < 0 and stats.sortino < 0
    through = [105 / 100 - 1, 98 / 105 - 1, -1.0]
    np.testing.assert_array_equal(curve.returns(), through)
    assert stats.ruined and curve.ruin_index() == 3
    for name, expected in empyrical_figures(through).items():
        assert getattr(stats, name) == pytest.approx(expected, rel=1e-12), name
    assert stats.max_drawdown_duration_ns == 2 * DAY  # from the peak (day 1) to the ruin (day 3)
    assert stats.turnover == pytest.approx(606.0 / np.mean([100.0, 105.0, 98.0, 0.0]))
    assert (stats.start_equity, stats.end_equity) == (100.0, -1_000.0)  # the actual loss stays visible
    assert stats.trades == 1 and stats.expectancy == -1_100.0
    np.testing.assert_array_equal(drawdown_series(curve.equity), [0.0, 0.0, 98 / 105 - 1, -1.0, -1.0, -1.0, -1.0])
    assert list(monthly_returns(curve).values()) == [-1.0]
    inferred = compute_statistics(curve, [])  # calendar-time CAGR: still -100 %
    assert inferred.annualised_return == -1.0 and inferred.ruined


def test_equity_touching_exactly_zero_is_ruin_even_if_it_comes_back() -> None:
    # 0 / 0 was a NaN return (NaN volatility and Sharpe); the climb back from 0 made total_return -80 %.
    curve = daily_curve([100.0, 90.0, 0.0, 0.0, 10.0, 20.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(curve, [], periods_per_year=252)
    for name, expected in empyrical_figures([-0.1, -1.0]).items():
        assert getattr(stats, name) == pytest.approx(expected, rel=1e-12), name
    assert all(math.isfinite(getattr(stats, name)) for name in RETURN_FIGURES)
    assert stats.ruined and curve.ruin_index() == 2
    assert stats.total_return == -1.0 and stats.max_drawdown == -1.0
    assert stats.max_drawdown_duration_ns == 2 * DAY
    assert stats.end_equity == 20.0
    # ending exactly at 0: ruined at the last point, the figures as before (they were already -100 %)
    ending = compute_statistics(daily_curve([100.0, 90.0, 0.0]), [], periods_per_year=252)
    assert ending.ruined and ending.total_return == -1.0 and ending.sharpe == stats.sharpe


@pytest.mark.parametrize("first", [0.0, -5.0])
def test_a_curve_ruined_at_its_first_point_has_no_returns(first: float) -> None:
    curve = daily_curve([first, 10.0, 20.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(curve, [], turnover_notional=100.0)
    assert stats.ruined and curve.returns().size == 0
    for name in (*RETURN_FIGURES, "turnover"):
        assert math.isnan(getattr(stats, name)), name
    assert stats.start_equity == first and stats.end_equity == 20.0
    assert monthly_returns(curve) == {}


@given(st.lists(st.floats(-50.0, 200.0).filter(lambda v: v == 0 or abs(v) >= 1e-3), min_size=2, max_size=40))
@settings(max_examples=80, deadline=None)
def test_property_ruined_or_not_the_figures_are_empyricals_of_the_returns_through_ruin(values: list[float]) -> None:
    curve = daily_curve([100.0, *values])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = compute_statistics(curve, [], periods_per_year=252)
    returns = curve.returns()
    ruin = curve.ruin_index()
    assert stats.ruined == (ruin is not None) == any(v <= 0 for v in values)
    assert returns.size == (ruin if ruin is not None else len(values))
    assert np.all(returns >= -1.0) and (ruin is None or returns[-1] == -1.0)
    assert stats.total_return >= -1.0 and stats.annualised_return >= -1.0
    assert -1.0 <= stats.max_drawdown <= 0.0
    expected = empyrical_figures(returns.tolist())
    for name in ("total_return", "max_drawdown"):
        assert getattr(stats, name) == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name
    if ruin is not None:
        assert stats.total_return == stats.annualised_return == stats.max_drawdown == -1.0
        assert math.isfinite(stats.sortino) and math.isfinite(stats.calmar)
        if returns.size >= 2 and not math.isnan(stats.sharpe):
            assert stats.sharpe == pytest.approx(expected["sharpe"], rel=1e-9)


def test_a_curve_that_never_reaches_zero_gives_the_same_figures_as_before() -> None:
    """The figures of a live (never ruined) curve, bit for bit as the code before the ruin convention gave them."""
    steps = [(k * 7_919) % 1_201 - 590 for k in range(400)]  # integers: no RNG or libm in the curve
    curve = daily_curve((50_000.0 + np.cumsum(steps, dtype=np.float64)).tolist())
    trips = [trade(9.5, 0.5), trade(-2.25, 0.25, "SHORT")]
    assert curve.ruin_index() is None and curve.through_ruin() is curve
    np.testing.assert_array_equal(curve.returns(), curve.equity[1:] / curve.equity[:-1] - 1.0)
    stats = compute_statistics(
        curve, trips, risk_free=0.02, turnover_notional=123_456.0, exposure_time_fraction=0.3, fees_paid=1.0
    )
    assert stats.to_dict() == BEFORE_RUIN_CONVENTION | {"ruined": False}


BEFORE_RUIN_CONVENTION = {
    # compute_statistics before the ruin convention, on the curve of the test above
    "total_return": 0.09744990892531868,
    "annualised_return": 0.08885163393070572,
    "volatility": 0.10438238806635484,
    "sharpe": 0.42503526423629345,
    "sortino": 0.617098841456075,
    "calmar": 2.942617310864075,
    "max_drawdown": -0.030194763553747728,
    "max_drawdown_duration_ns": 8294400000000000,
    "max_drawdown_duration_days": 96.0,
    "win_rate": 0.5,
    "profit_factor": 4.222222222222222,
    "expectancy": 3.625,
    "average_win": 9.5,
    "average_loss": -2.25,
    "trades": 2,
    "exposure": 0.3,
    "turnover": 2.3372879604707992,
    "fees_paid": 1.0,
    "start_equity": 49410.0,
    "end_equity": 54225.0,
    "periods_per_year": 252.0,
    "risk_free": 0.02,
}
