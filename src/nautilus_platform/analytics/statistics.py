"""Backtest statistics from an equity curve and round-trip trades (NumPy floats: statistics, not accounting).

Conventions (every formula is on :func:`compute_statistics`):

- Period returns are simple returns of the equity curve, ``r_i = equity_i / equity_{i-1} - 1``.
- ``periods_per_year`` (the annualisation factor ``A``), when not given, is inferred from the median
  timestamp spacing: below 20 hours ``365.25 * 86400 / median_spacing_seconds`` (intraday data treated
  as 24/7); from 20 hours to under 2 days 252 (daily bars, trading days); from 2 days the number of such
  spacings in a calendar year, with the usual figures for the usual spacings: 52 for weekly (6-8 days),
  12 for monthly (25-35 days), 4 for quarterly (85-95 days), 1 for yearly (350-380 days). Callers
  override it.
- Drawdowns are fractions below the running peak (``<= 0``); the drawdown duration is the longest time
  from a peak to the first point that regains it (or to the end of the curve if never regained).
- Ruin. An account is ruined at the first sample where its equity is at or below zero (a leveraged or
  short book can lose more than it holds): that sample's equity counts as 0, so its period return is
  -100 % and its drawdown 100 %, and the return statistics stop there (:meth:`EquityCurve.through_ruin`),
  as later samples are not returns of a live account (a ratio of two negative equities has the wrong
  sign). So a ruined run has total and annualised return -100 %, max drawdown -100 % (never deeper),
  a drawdown duration from its last peak to the ruin, volatility/Sharpe/Sortino of the returns through
  the ruin period and ``Statistics.ruined`` set; ``end_equity`` is still the curve's last equity, the
  honest size of a loss beyond the account. Trade figures, exposure and fees cover the whole run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray

from nautilus_platform.core.errors import ValidationError

NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_DAY = 86_400 * NANOS_PER_SECOND
#: Calendar year used for CAGR by elapsed time and for 24/7 annualisation.
NANOS_PER_YEAR = 365.25 * NANOS_PER_DAY
TRADING_DAYS_PER_YEAR = 252.0
#: Median spacing at or above which a series counts as daily (annualised with 252 trading days).
DAILY_SPACING_NS = 20 * 3600 * NANOS_PER_SECOND
#: Median spacing from which a series counts as weekly or sparser (annualised by the calendar).
MULTI_DAY_SPACING_NS = 2 * NANOS_PER_DAY
#: (shortest, longest median spacing in days, periods a year): the conventional annualisation factors
#: of weekly, monthly, quarterly and yearly returns (empyrical's), for spacings near them.
CALENDAR_PERIODS: tuple[tuple[float, float, float], ...] = (
    (6.0, 8.0, 52.0),
    (25.0, 35.0, 12.0),
    (85.0, 95.0, 4.0),
    (350.0, 380.0, 1.0),
)

_SIDES = ("LONG", "SHORT")


@dataclass(frozen=True)
class EquityCurve:
    """Account equity (account currency) after each bar/event; ``ts`` in UTC ns, strictly increasing.

    Arrays are copied to ``int64``/``float64`` and made read-only.
    """

    ts: NDArray[np.int64]
    equity: NDArray[np.float64]

    def __post_init__(self) -> None:
        ts = np.array(self.ts, dtype=np.int64, copy=True)
        equity = np.array(self.equity, dtype=np.float64, copy=True)
        if ts.ndim != 1 or equity.ndim != 1:
            raise ValidationError("curve", (ts.shape, equity.shape), "ts and equity must be 1-D arrays")
        if ts.shape != equity.shape:
            raise ValidationError("curve", (ts.shape, equity.shape), "ts and equity must have the same length")
        if ts.size > 1 and not bool(np.all(ts[1:] > ts[:-1])):
            raise ValidationError("curve.ts", "not increasing", "timestamps must be strictly increasing")
        if not bool(np.all(np.isfinite(equity))):
            raise ValidationError("curve.equity", "non-finite", "equity must be finite")
        ts.flags.writeable = False
        equity.flags.writeable = False
        object.__setattr__(self, "ts", ts)
        object.__setattr__(self, "equity", equity)

    def __len__(self) -> int:
        return int(self.ts.size)

    def ruin_index(self) -> int | None:
        """Index of the first sample with equity at or below zero (the account's ruin), ``None`` if none."""
        below = self.equity <= 0.0
        return int(np.argmax(below)) if below.any() else None

    def through_ruin(self) -> EquityCurve:
        """The live account's curve: through the ruin sample, whose equity counts as 0 (see the module
        docstring); the curve itself when never ruined."""
        ruin = self.ruin_index()
        if ruin is None:
            return self
        equity = self.equity[: ruin + 1].copy()
        equity[ruin] = 0.0
        return EquityCurve(self.ts[: ruin + 1], equity)

    def returns(self) -> NDArray[np.float64]:
        """Simple period returns ``equity[1:] / equity[:-1] - 1`` of :meth:`through_ruin`: length
        ``len(curve) - 1``, or up to the ruin sample (whose return is -1) for a ruined curve."""
        equity = self.through_ruin().equity
        if equity.size < 2:
            return np.empty(0, dtype=np.float64)
        out: NDArray[np.float64] = equity[1:] / equity[:-1] - 1.0  # every divisor is positive
        return out


class RoundTrip(msgspec.Struct, frozen=True, gc=False):
    """One closed trade: entry and exit of ``quantity`` on ``side`` ("LONG"/"SHORT"); ``pnl`` is net of fees.

    A frozen struct rather than a frozen dataclass: a backtest builds one per trip, and building
    one measured about 18,800 instructions as the dataclass, about 1,400 as the struct."""

    instrument_id: str
    side: str
    quantity: float
    entry_ts: int
    exit_ts: int
    entry_price: float
    exit_price: float
    pnl: float
    fees: float

    def __post_init__(self) -> None:
        if self.side not in _SIDES:
            raise ValidationError("side", self.side, "must be LONG or SHORT")
        if self.exit_ts < self.entry_ts:
            raise ValidationError("exit_ts", self.exit_ts, "must not be before entry_ts")


@dataclass(frozen=True)
class Statistics:
    """Statistics of one backtest; NaN where undefined (see :func:`compute_statistics`)."""

    total_return: float
    annualised_return: float
    volatility: float
    sharpe: float
    sortino: float
    calmar: float
    max_drawdown: float
    max_drawdown_duration_ns: int
    max_drawdown_duration_days: float
    win_rate: float
    profit_factor: float
    expectancy: float
    average_win: float
    average_loss: float
    trades: int
    exposure: float
    turnover: float
    fees_paid: float
    start_equity: float
    end_equity: float
    periods_per_year: float
    risk_free: float
    ruined: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Field name → value (``int``, ``float`` with NaN/inf kept, or ``bool`` for ``ruined``), in
        declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def drawdown_series(equity: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fraction below the running peak at each point: ``equity / cummax(equity) - 1``, and -1 (a 100 %
    drawdown: a ruined account) where equity is at or below zero, so always within [-1, 0]."""
    values = np.asarray(equity, dtype=np.float64)
    if values.size == 0:
        return np.empty(0, dtype=np.float64)
    peak = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):  # only where equity <= 0, which is replaced
        out: NDArray[np.float64] = np.where(values > 0.0, values / peak - 1.0, -1.0)
    return out


def max_drawdown_duration_ns(ts: NDArray[np.int64], equity: NDArray[np.float64]) -> int:
    """Longest time under a previous peak: from the peak's timestamp to the first point at or above it,
    or to the last timestamp if the peak is never regained. 0 when the curve never falls."""
    values = np.asarray(equity, dtype=np.float64)
    stamps = np.asarray(ts, dtype=np.int64)
    if values.size < 2:
        return 0
    is_peak = values >= np.maximum.accumulate(values)  # at or above every earlier point
    peaks = np.flatnonzero(is_peak)  # the first point is always one
    del is_peak
    # An underwater stretch runs from a peak to the next peak (the first point back at or above it);
    # consecutive peaks have none. Index arithmetic keeps this to a few arrays on long curves.
    longest = 0
    if peaks.size > 1:
        stretch = np.diff(peaks) > 1
        if stretch.any():
            longest = int((stamps[peaks[1:][stretch]] - stamps[peaks[:-1][stretch]]).max())
    last = int(peaks[-1])
    if last < values.size - 1:  # never regained: to the last timestamp
        longest = max(longest, int(stamps[-1] - stamps[last]))
    return longest


def infer_periods_per_year(ts: NDArray[np.int64]) -> float:
    """The annualisation factor of a series sampled at ``ts``, from its median spacing (NaN if < 2 points):
    ``365.25 * 86400 / median_spacing_seconds`` below 20 hours, 252 from 20 hours to under 2 days (daily
    bars), and from 2 days the calendar's count (52 weekly, 12 monthly, 4 quarterly, 1 yearly near those
    spacings, see ``CALENDAR_PERIODS``): weekly returns annualised with 252 would overstate volatility by
    ``sqrt(252 / 52)``, about 2.2 times."""
    stamps = np.asarray(ts, dtype=np.int64)
    if stamps.size < 2:
        return math.nan
    spacing_ns = float(np.median(np.diff(stamps)))
    if spacing_ns < DAILY_SPACING_NS:
        return NANOS_PER_YEAR / spacing_ns
    if spacing_ns < MULTI_DAY_SPACING_NS:
        return TRADING_DAYS_PER_YEAR
    days = spacing_ns / NANOS_PER_DAY
    for shortest, longest, periods in CALENDAR_PERIODS:
        if shortest <= days <= longest:
            return periods
    return NANOS_PER_YEAR / spacing_ns


def monthly_returns(curve: EquityCurve) -> dict[tuple[int, int], float]:
    """Return of each calendar month (UTC), compounded within the month: equity at the month's last point
    over equity at the previous month's last point (for the first month, the curve's first point), minus 1.
    A ruined curve's months end with the ruin's month, at -100 % (see :meth:`EquityCurve.through_ruin`)."""
    curve = curve.through_ruin()
    if len(curve) < 2:
        return {}
    months = curve.ts.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    last_in_month = np.flatnonzero(np.r_[months[1:] != months[:-1], True])
    ends = curve.equity[last_in_month]
    bases = np.r_[curve.equity[0], ends[:-1]]
    out: dict[tuple[int, int], float] = {}
    for month_index, end, base in zip(months[last_in_month].tolist(), ends.tolist(), bases.tolist(), strict=True):
        year, month = divmod(int(month_index), 12)
        out[(1970 + year, month + 1)] = end / base - 1.0 if base != 0 else math.nan
    return out


def compute_statistics(
    curve: EquityCurve,
    trades: Sequence[RoundTrip],
    *,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
    turnover_notional: float = 0.0,
    exposure_time_fraction: float | None = None,
    fees_paid: float | None = None,
) -> Statistics:
    """Statistics of an equity curve and its round trips. With ``r`` the period returns, ``A`` the
    periods per year and ``rf = (1 + risk_free) ** (1 / A) - 1`` the per-period risk-free rate
    (``risk_free`` is an annual rate):

    - Ruin (module docstring): every figure of ``r``, the equity or the timestamps below is of
      ``curve.through_ruin()``, so a ruined account's returns end with -1 at the ruin sample; ``A`` is
      inferred from the whole curve's spacing. ``ruined`` says whether equity reached 0 or below.
    - total_return = end / start - 1 of that curve: -1 when ruined, never below (a return below -100 %
      cannot compound or annualise; ``end_equity`` keeps the actual, possibly negative, last equity).
    - annualised_return (CAGR) = (1 + total_return) ** (1 / years) - 1, with years = len(r) / A when
      ``periods_per_year`` is given (the empyrical convention) and the elapsed calendar time
      (last - first timestamp) / 365.25 days when it is inferred; -1 when ruined;
      inf when a gain over a short span annualises beyond the largest float (e.g. +2% in 3 minutes).
    - volatility = std(r, ddof=1) * sqrt(A).
    - sharpe = mean(r - rf) / std(r - rf, ddof=1) * sqrt(A); NaN when that std is 0 (flat equity).
    - sortino = mean(r - rf) / sqrt(mean(min(r - rf, 0) ** 2)) * sqrt(A) (empyrical's downside
      deviation); NaN when the downside deviation is 0.
    - max_drawdown = min(:func:`drawdown_series`) (within [-1, 0]: -1 when ruined); calmar =
      annualised_return / |max_drawdown|, NaN when there is no drawdown.
    - max_drawdown_duration: see :func:`max_drawdown_duration_ns`; also in days (ns / 86400e9).
    - Trades: win = pnl > 0, loss = pnl < 0 (breakeven counts in the total only). win_rate = wins /
      trades; profit_factor = sum(winning pnl) / |sum(losing pnl)|, inf with profit and no losses,
      NaN with no trades or neither profit nor loss; expectancy = mean(pnl); average_win = mean of
      winning pnl, average_loss = mean of losing pnl (negative); NaN where there is none.
    - exposure = ``exposure_time_fraction`` (NaN if not given); turnover = turnover_notional /
      mean(equity) (of the live curve, so positive); fees_paid = ``fees_paid`` (the commissions of every
      fill, positions still open included, in the curve's currency: what a backtest passes) when given,
      else sum(trip fees).

    Fewer than 2 curve points (or a curve ruined at its first point) give NaN return statistics
    (volatility and sharpe need 3), never an exception.
    """
    if periods_per_year is not None and not (math.isfinite(periods_per_year) and periods_per_year > 0):
        raise ValidationError("periods_per_year", periods_per_year, "must be a positive finite number")
    if not math.isfinite(risk_free) or risk_free <= -1.0:
        raise ValidationError("risk_free", risk_free, "must be a finite annual rate above -1")
    if exposure_time_fraction is not None and not 0.0 <= exposure_time_fraction <= 1.0:
        raise ValidationError("exposure_time_fraction", exposure_time_fraction, "must be within [0, 1]")
    if not math.isfinite(turnover_notional) or turnover_notional < 0:
        raise ValidationError("turnover_notional", turnover_notional, "must be a finite number >= 0")
    if fees_paid is not None and not math.isfinite(fees_paid):
        raise ValidationError("fees_paid", fees_paid, "must be a finite number")

    nan = math.nan
    annualisation = float(periods_per_year) if periods_per_year is not None else infer_periods_per_year(curve.ts)
    live = curve.through_ruin()
    equity = live.equity
    returns = live.returns()
    start_equity = float(curve.equity[0]) if len(curve) else nan
    end_equity = float(curve.equity[-1]) if len(curve) else nan

    total_return = annualised = volatility = sharpe = sortino = calmar = max_dd = nan
    duration_ns = 0
    if returns.size >= 1:  # so equity[0] > 0
        growth = float(equity[-1]) / float(equity[0])
        total_return = growth - 1.0
        if periods_per_year is not None:
            years = returns.size / annualisation
        else:
            years = float(live.ts[-1] - live.ts[0]) / NANOS_PER_YEAR
        annualised = cagr(growth, years)
        max_dd = float(np.min(drawdown_series(equity)))
        duration_ns = max_drawdown_duration_ns(live.ts, equity)
        calmar = annualised / abs(max_dd) if max_dd < 0 else nan
        rf_period = (1.0 + risk_free) ** (1.0 / annualisation) - 1.0
        excess = returns - rf_period
        mean_excess = float(np.mean(excess))
        downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
        sortino = mean_excess / downside * math.sqrt(annualisation) if downside > 0 else nan
        if returns.size >= 2:
            volatility = float(np.std(returns, ddof=1)) * math.sqrt(annualisation)
            std_excess = float(np.std(excess, ddof=1))
            if std_excess > 1e-12 * abs(mean_excess) and std_excess > 0:
                sharpe = mean_excess / std_excess * math.sqrt(annualisation)

    win_rate, profit_factor, expectancy, average_win, average_loss, trip_fees = _trade_statistics(trades)
    mean_equity = float(np.mean(equity)) if equity.size else nan
    turnover = turnover_notional / mean_equity if equity.size and mean_equity != 0 else nan

    return Statistics(
        total_return=total_return,
        annualised_return=annualised,
        volatility=volatility,
        sharpe=sharpe,
        sortino=sortino,
        calmar=calmar,
        max_drawdown=max_dd,
        max_drawdown_duration_ns=duration_ns,
        max_drawdown_duration_days=duration_ns / NANOS_PER_DAY,
        win_rate=win_rate,
        profit_factor=profit_factor,
        expectancy=expectancy,
        average_win=average_win,
        average_loss=average_loss,
        trades=len(trades),
        exposure=float(exposure_time_fraction) if exposure_time_fraction is not None else nan,
        turnover=turnover,
        fees_paid=trip_fees if fees_paid is None else float(fees_paid),
        start_equity=start_equity,
        end_equity=end_equity,
        periods_per_year=annualisation,
        risk_free=risk_free,
        ruined=curve.ruin_index() is not None,
    )


def cagr(growth: float, years: float) -> float:
    """Compound annual growth rate of ``growth`` (end / start) over ``years``; NaN without a finite
    growth or a positive span, -1 when equity ended at or below zero, inf when a gain annualises
    beyond the largest float (a short span: ``1.02 ** (1 / years)`` over three minutes)."""
    if not math.isfinite(growth) or not years > 0:
        return math.nan
    if growth <= 0:
        return -1.0
    try:
        return float(growth ** (1.0 / years) - 1.0)
    except OverflowError:  # only a growth above 1 overflows (below 1 the power underflows to 0)
        return math.inf


def _trade_statistics(trades: Sequence[RoundTrip]) -> tuple[float, float, float, float, float, float]:
    """(win_rate, profit_factor, expectancy, average_win, average_loss, fees_paid)."""
    nan = math.nan
    if not trades:
        return nan, nan, nan, nan, nan, 0.0
    pnl = np.fromiter((t.pnl for t in trades), dtype=np.float64, count=len(trades))
    fees = float(sum(t.fees for t in trades))
    wins = pnl[pnl > 0]
    losses = pnl[pnl < 0]
    gross_profit = float(wins.sum())
    gross_loss = float(-losses.sum())
    if gross_loss > 0:
        profit_factor = gross_profit / gross_loss
    else:
        profit_factor = math.inf if gross_profit > 0 else nan
    return (
        wins.size / pnl.size,
        profit_factor,
        float(pnl.mean()),
        float(wins.mean()) if wins.size else nan,
        float(losses.mean()) if losses.size else nan,
        fees,
    )
