"""The compiled fast path: signal-based strategies over bars, whole parameter grids in one pass.

A Numba simulator (``backtest.fast.kernels``) with the event-driven engine's conventions, exactly:

- the strategy state machine of ``MovingAverageCross``: an entry signal buys to long when not long;
  an exit signal sells when long (to flat, or to short with ``allow_short``) or, with
  ``allow_short``, when flat; an order only on a change of the desired position;
- market orders on bars fill whole, as taker, at the signal bar's close (``bar_execution="close"``)
  or at the next bar's open (``"next_open"``; a signal on the last bar never fills);
- the fee of ``venues.simulated.FeeModel`` (taker rate of notional, per-contract, fixed per order),
  exact, rounded half-even to the settlement currency's smallest unit;
- a margin account in the settlement currency: netting position, realised P&L rounded per position
  as ``trading.positions`` does, equity = balance + unrealised P&L marked at the bar's close,
  sampled once per bar (after the bar, as ``backtest.engine.Backtest``);
- round trips as ``backtest.results.round_trips`` (a flipping fill's fee shared half and half).

So ``simulate(...)`` gives the same fills, round trips, equity curve (bit for bit) and, through
``FastResult.statistics()`` (``analytics.statistics.compute_statistics``), the same statistics as
``service.backtest.run_backtest`` on the same bars, provided the event-driven run has no risk
denials (enough starting cash for the margin), no latency and an L1 book.

``evaluate_grid`` runs many candidates in parallel and returns, per candidate, the metrics of
``Statistics.to_dict()`` computed in the kernel from running sums (equal to ``compute_statistics`` of
the same run within about 1e-12 relative: only the summation order differs, the ruin convention of
``analytics.statistics`` included: a run whose equity reaches zero is measured through that bar and
flagged ``ruined``) plus ``fills``, ``net_pnl`` and ``total_fees``. Use it to pre-screen a grid,
then confirm the best candidates event-driven.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from math import gcd, lcm
from typing import Any, Final, Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from nautilus_platform.analytics.statistics import (
    NANOS_PER_YEAR,
    EquityCurve,
    RoundTrip,
    Statistics,
    cagr,
    compute_statistics,
    infer_periods_per_year,
)
from nautilus_platform.backtest.fast import kernels
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import FIXED_SCALAR, Money, Quantity, to_decimal
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

Int64Array = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SignalArray = NDArray[np.int8]

_TWO53: Final = 2**53
_LIMIT: Final = 2**62  # every intermediate product of the kernels stays below this
_SCALE18: Final = FIXED_SCALAR * FIXED_SCALAR
_SCALE27: Final = _SCALE18 * FIXED_SCALAR
_EXECUTIONS: Final = ("close", "next_open")
#: Metric names beyond ``Statistics.to_dict()`` in ``evaluate_grid`` / ``FastResult.metrics``.
EXTRA_METRICS: Final = ("fills", "net_pnl", "total_fees")


# -- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FastBars:
    """Bars of one instrument as raw fixed-point int64 columns (10**9 = 1), ``ts`` strictly increasing.

    Build it with ``FastBars.from_data`` (a ``LoadedData`` or ``CatalogData`` of bars) or
    ``FastBars.from_arrays``. The arrays are copied and made read-only.
    """

    instrument: Instrument
    ts: Int64Array
    open: Int64Array
    high: Int64Array
    low: Int64Array
    close: Int64Array

    def __post_init__(self) -> None:
        if not isinstance(self.instrument, Instrument):
            raise ValidationError("instrument", self.instrument, "must be an Instrument")
        columns = {}
        for name in ("ts", "open", "high", "low", "close"):
            column = np.asarray(getattr(self, name))
            if column.ndim != 1 or column.dtype.kind not in "iu":
                raise ValidationError(name, str(column.dtype), "must be a 1-D integer array (raw fixed-point int64)")
            column = np.array(column, dtype=np.int64, copy=True)
            column.flags.writeable = False
            columns[name] = column
            object.__setattr__(self, name, column)
        n = columns["ts"].size
        if n == 0:
            raise ValidationError("bars", 0, "holds no rows")
        lengths = {name: column.size for name, column in columns.items()}
        if len(set(lengths.values())) != 1:
            raise ValidationError("bars", lengths, "columns must have the same length")
        ts = columns["ts"]
        if n > 1 and not bool(np.all(ts[1:] > ts[:-1])):
            first = int(np.flatnonzero(ts[1:] <= ts[:-1])[0]) + 1
            raise ValidationError("ts", int(ts[first]), f"must be strictly increasing (row {first})")

    @classmethod
    def from_data(cls, data: LoadedData | CatalogData, instrument: Instrument | None = None) -> FastBars:
        """The bars of a loaded file or catalog read (``CatalogData`` needs its ``instrument``)."""
        if not isinstance(data, LoadedData | CatalogData):
            raise ValidationError("data", type(data).__name__, "must be LoadedData or CatalogData")
        if data.kind is not DataKind.BARS:
            raise ValidationError("data", data.kind.value, "must hold bars")
        if isinstance(data, LoadedData):
            instrument = instrument if instrument is not None else data.instrument
            if instrument.id != data.instrument.id:
                raise ValidationError("instrument", str(instrument.id), f"must be the data's {data.instrument.id}")
        elif instrument is None:
            raise ValidationError("instrument", None, "is needed with CatalogData (fees, precisions, currency)")
        elif instrument.id != data.instrument_id:
            raise ValidationError("instrument", str(instrument.id), f"must be the data's {data.instrument_id}")
        columns = data.columns
        missing = [name for name in ("ts", "open", "high", "low", "close") if name not in columns]
        if missing:
            raise ValidationError("data", missing, "bar columns are missing")
        return cls(instrument, columns["ts"], columns["open"], columns["high"], columns["low"], columns["close"])

    @classmethod
    def from_arrays(
        cls,
        instrument: Instrument,
        ts: NDArray[np.integer] | Sequence[int],
        open: NDArray[np.generic] | Sequence[float],  # noqa: A002 - the bar field's name
        high: NDArray[np.generic] | Sequence[float],
        low: NDArray[np.generic] | Sequence[float],
        close: NDArray[np.generic] | Sequence[float],
    ) -> FastBars:
        """Bars from timestamps (UTC ns) and prices: integer arrays are raw fixed-point, float arrays
        prices in units (rounded half-even to the instrument's ``price_precision``)."""
        prices = {}
        for name, values in (("open", open), ("high", high), ("low", low), ("close", close)):
            array = np.asarray(values)
            if array.dtype.kind == "f":
                bad = ~np.isfinite(array)
                if bad.any():
                    raise ValidationError(name, float(array[bad][0]), "must be finite")
                too_big = np.abs(array) >= 9e9
                if too_big.any():
                    raise ValidationError(name, float(array[too_big][0]), "must be below 9e9 (raw int64 range)")
                step = 10 ** (9 - instrument.price_precision)
                array = np.rint(array * 10**instrument.price_precision).astype(np.int64) * step
            elif array.dtype.kind not in "iu":
                raise ValidationError(name, str(array.dtype), "must be an integer (raw) or float (price) array")
            prices[name] = array
        return cls(instrument, np.asarray(ts), prices["open"], prices["high"], prices["low"], prices["close"])

    def __len__(self) -> int:
        return int(self.ts.size)

    @cached_property
    def price_unit(self) -> int:
        """``PD``: the largest divisor of 10**9 that divides every open and close (raw)."""
        g = gcd(FIXED_SCALAR, int(np.gcd.reduce(self.open)), int(np.gcd.reduce(self.close)))
        return g if g > 0 else 1

    @cached_property
    def open_units(self) -> Int64Array:
        out: Int64Array = self.open // self.price_unit
        return out

    @cached_property
    def close_units(self) -> Int64Array:
        out: Int64Array = self.close // self.price_unit
        return out

    @cached_property
    def close_float(self) -> FloatArray:
        """``close.raw / FIXED_SCALAR`` per bar, exactly as the strategy computes it."""
        out = np.empty(self.close.size, dtype=np.float64)
        kernels.raw_to_float_array(self.close, out)
        return out


@dataclass(frozen=True)
class FastConfig:
    """Venue and account settings of a fast run (a margin account in the settlement currency).

    ``quantity`` and ``allow_short`` are for ``simulate`` with raw signals; a ``FastModel`` takes them
    from each candidate's strategy parameters. ``periods_per_year`` and ``risk_free`` are passed to
    the statistics (``None``/0: ``compute_statistics``'s defaults, as the event-driven engine uses).
    """

    starting_cash: Decimal = Decimal(1_000_000)
    fee_model: FeeModel = field(default_factory=FeeModel)
    bar_execution: str = "close"
    quantity: Decimal = Decimal(100)
    allow_short: bool = False
    periods_per_year: float | None = None
    risk_free: float = 0.0

    def __post_init__(self) -> None:
        cash = to_decimal(self.starting_cash, "starting_cash")
        if not cash.is_finite() or cash <= 0:
            raise ValidationError("starting_cash", self.starting_cash, "must be a positive amount")
        object.__setattr__(self, "starting_cash", cash)
        object.__setattr__(self, "quantity", to_decimal(self.quantity, "quantity"))
        if self.quantity <= 0:
            raise ValidationError("quantity", self.quantity, "must be positive")
        if not isinstance(self.fee_model, FeeModel):
            raise ValidationError("fee_model", self.fee_model, "must be a FeeModel")
        if self.bar_execution not in _EXECUTIONS:
            raise ValidationError("bar_execution", self.bar_execution, "must be 'close' or 'next_open'")
        if type(self.allow_short) is not bool:
            raise ValidationError("allow_short", self.allow_short, "must be a bool")
        ppy = self.periods_per_year
        if ppy is not None and not (isinstance(ppy, int | float) and math.isfinite(ppy) and ppy > 0):
            raise ValidationError("periods_per_year", ppy, "must be a positive finite number or None")
        if not (isinstance(self.risk_free, int | float) and math.isfinite(self.risk_free) and self.risk_free > -1):
            raise ValidationError("risk_free", self.risk_free, "must be a finite annual rate above -1")

    @classmethod
    def from_venue(
        cls, venue: SimulatedVenueConfig, starting_cash: Decimal | int | str, **kwargs: object
    ) -> FastConfig:
        """The fee model and bar execution of a simulated venue; it must have no latency and an L1 book
        (what the fast path models)."""
        if not venue.latency_model.is_zero:
            raise ValidationError("latency_model", venue.latency_model, "must be zero for the fast path")
        if venue.book_type != "L1":
            raise ValidationError("book_type", venue.book_type, "must be 'L1' for the fast path")
        return cls(
            starting_cash=Decimal(str(starting_cash)),
            fee_model=venue.fee_model,
            bar_execution=venue.bar_execution,
            **kwargs,  # type: ignore[arg-type]
        )


# -- the integer plan ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    """Scales and kernel constants for one set of bars, config and quantities (see ``kernels``)."""

    qd: int
    consts: Int64Array  # without the per-candidate slots C_QU / C_ALLOW_SHORT
    fconsts: FloatArray
    unit: int
    start_raw: int
    annualisation: float

    def row(self, q_raw: int, allow_short: bool) -> Int64Array:
        consts = self.consts.copy()
        consts[kernels.C_QU] = q_raw // self.qd
        consts[kernels.C_ALLOW_SHORT] = int(allow_short)
        return consts


def _frac_to_int(value: Fraction, scale: int) -> int:
    scaled = value * scale
    assert scaled.denominator == 1
    return int(scaled)


def _plan(bars: FastBars, config: FastConfig, q_raws: Sequence[int]) -> _Plan:
    instrument = bars.instrument
    if not q_raws or min(q_raws) <= 0:
        raise ValidationError("quantity", min(q_raws, default=0), "must be positive")
    currency = instrument.settlement
    unit = currency.unit_raw
    pd_ = bars.price_unit
    qd = gcd(FIXED_SCALAR, *q_raws)
    mult = instrument.multiplier.raw
    md = gcd(mult, FIXED_SCALAR)
    mu = mult // md
    vf = qd * pd_ * md  # value of one qu*pu*mu, scale 10**27
    g = gcd(vf, _SCALE18 * unit)
    ra, rb = vf // g, _SCALE18 * unit // g
    g = gcd(vf, _SCALE18)
    ua, ub = vf // g, _SCALE18 // g
    # fees, as InstrumentFees: rate * notional + per_contract * qty + fixed, in whole smallest units
    fees = config.fee_model
    taker = Fraction(instrument.taker_fee) if fees.taker_bps is None else Fraction(fees.taker_bps) / 10_000
    c_a = taker * Fraction(vf, _SCALE27) * Fraction(FIXED_SCALAR, unit)
    c_b = Fraction(fees.per_contract) * Fraction(qd, unit)
    c_c = Fraction(fees.fixed_per_order) * Fraction(FIXED_SCALAR, unit)
    fl = lcm(c_a.denominator, c_b.denominator, c_c.denominator)
    fa, fb, fc = _frac_to_int(c_a, fl), _frac_to_int(c_b, fl), _frac_to_int(c_c, fl)
    # a round trip's P&L (currency) = (G * vf / 10**27) - (h * unit / (2 * 10**9))
    gross, half = Fraction(vf, _SCALE27), Fraction(unit, 2 * FIXED_SCALAR)
    td = lcm(gross.denominator, half.denominator)
    ta, tb = _frac_to_int(gross, td), _frac_to_int(half, td)
    hd = 2 * FIXED_SCALAR // unit
    # range checks: every product the kernel forms stays below 2**62
    pmax = max(int(np.abs(bars.open_units).max()), int(np.abs(bars.close_units).max()), 1)
    qmax = 2 * (max(q_raws) // qd)
    value = qmax * 2 * pmax * mu  # a bound of |qty * (price - entry) * mu| and of qty * price * mu
    fee_bound = (abs(fa) * value + abs(fb) * qmax + abs(fc)) // fl + 1
    for name, bound in (
        ("realised P&L", value * ra + rb),
        ("unrealised P&L", value * ua),
        ("fee", abs(fa) * value + abs(fb) * qmax + abs(fc) + fl),
        ("round-trip P&L", value * ta + 4 * fee_bound * tb),
    ):
        if bound >= _LIMIT:
            raise ValidationError(
                "bars", f"{name} bound {bound}", "prices and quantities exceed the fast path's int64 range"
            )
    start_raw = Money.of(config.starting_cash, currency).raw
    max_cents = min((2**63 - 1 - value * ua // ub - 1) // unit, _LIMIT // unit)
    if abs(start_raw) // unit >= max_cents:
        raise ValidationError("starting_cash", config.starting_cash, "exceeds the fast path's int64 range")
    consts = np.zeros(kernels.N_CONSTS, dtype=np.int64)
    consts[kernels.C_NEXT_OPEN] = int(config.bar_execution == "next_open")
    consts[kernels.C_MU] = mu
    consts[kernels.C_FA], consts[kernels.C_FB], consts[kernels.C_FC], consts[kernels.C_FL] = fa, fb, fc, fl
    consts[kernels.C_RA], consts[kernels.C_RB] = ra, rb
    consts[kernels.C_UA], consts[kernels.C_UB], consts[kernels.C_UNIT] = ua, ub, unit
    consts[kernels.C_TA], consts[kernels.C_TB], consts[kernels.C_TD], consts[kernels.C_HD] = ta, tb, td, hd
    consts[kernels.C_START_CENTS] = start_raw // unit
    consts[kernels.C_MAX_CENTS] = max_cents
    annualisation = (
        float(config.periods_per_year) if config.periods_per_year is not None else infer_periods_per_year(bars.ts)
    )
    fconsts = np.zeros(kernels.N_FCONSTS, dtype=np.float64)
    fconsts[kernels.F_RF] = (1.0 + config.risk_free) ** (1.0 / annualisation) - 1.0
    # turnover: the notional of one qu*pu, multiplier included (as the engine's qty * price * multiplier)
    turn = _unit_notional(qd, pd_, mult)
    fconsts[kernels.F_TURN_MUL], fconsts[kernels.F_TURN_DIV] = float(turn.numerator), float(turn.denominator)
    return _Plan(qd, consts, fconsts, unit, start_raw, annualisation)


def _unit_notional(qd: int, pd_: int, multiplier_raw: int) -> Fraction:
    """The notional (currency) of one quantity unit (``qd`` raw) at one price unit (``pd_`` raw)
    with the instrument's multiplier: ``qd * pd_ * multiplier_raw / 10**27``."""
    return Fraction(qd * pd_ * multiplier_raw, _SCALE27)


def _ratio_floats(numerators: Int64Array, denominator: int) -> FloatArray:
    """``numerators / denominator`` correctly rounded (as Python's ``int / int``)."""
    if numerators.size == 0:
        return np.empty(0, dtype=np.float64)
    big = int(np.abs(numerators).max()) > _TWO53
    if not big and denominator <= _TWO53:
        out: FloatArray = numerators.astype(np.float64) / float(denominator)
        return out
    return np.array([value / denominator for value in numerators.tolist()], dtype=np.float64)


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FastResult:
    """One fast run: the equity curve (per bar), fills and closed round trips as arrays.

    Fills: ``fill_ts``, ``fill_side`` (+1 buy, -1 sell), ``fill_qty_raw``, ``fill_price_raw``,
    ``fill_fee_raw`` (raw fixed-point ints, as ``OrderFilled``'s ``last_qty.raw``, ``last_px.raw``,
    ``commission.raw``). Round trips: ``trip_*`` arrays, the fields of ``RoundTrip``.
    ``metrics`` are the kernel's metrics (the ``evaluate_grid`` row of this run).
    """

    instrument_id: str
    ts: Int64Array
    equity: FloatArray
    fill_ts: Int64Array
    fill_side: NDArray[np.int8]
    fill_qty_raw: Int64Array
    fill_price_raw: Int64Array
    fill_fee_raw: Int64Array
    trip_side: NDArray[np.int8]
    trip_quantity: FloatArray
    trip_entry_ts: Int64Array
    trip_exit_ts: Int64Array
    trip_entry_price: FloatArray
    trip_exit_price: FloatArray
    trip_pnl: FloatArray
    trip_fees: FloatArray
    turnover_notional: float
    exposure: float | None
    starting_cash: Decimal
    final_equity_raw: int
    total_fees_raw: int
    metrics: dict[str, float]

    @property
    def final_equity(self) -> Decimal:
        """Equity after the last bar, exact (``Decimal``)."""
        return Decimal(self.final_equity_raw).scaleb(-9)

    @property
    def net_pnl(self) -> Decimal:
        """Final equity minus the starting cash, exact: realised and unrealised P&L less fees."""
        return self.final_equity - self.starting_cash

    @property
    def total_fees(self) -> Decimal:
        return Decimal(self.total_fees_raw).scaleb(-9)

    def curve(self) -> EquityCurve:
        return EquityCurve(ts=self.ts, equity=self.equity)

    def round_trips(self) -> list[RoundTrip]:
        """The closed round trips as ``RoundTrip`` objects (as ``BacktestResult.round_trips``)."""
        iid = self.instrument_id
        return [
            RoundTrip(
                instrument_id=iid,
                side="LONG" if side > 0 else "SHORT",
                quantity=qty,
                entry_ts=entry_ts,
                exit_ts=exit_ts,
                entry_price=entry_px,
                exit_price=exit_px,
                pnl=pnl,
                fees=fees,
            )
            for side, qty, entry_ts, exit_ts, entry_px, exit_px, pnl, fees in zip(
                self.trip_side.tolist(),
                self.trip_quantity.tolist(),
                self.trip_entry_ts.tolist(),
                self.trip_exit_ts.tolist(),
                self.trip_entry_price.tolist(),
                self.trip_exit_price.tolist(),
                self.trip_pnl.tolist(),
                self.trip_fees.tolist(),
                strict=True,
            )
        ]

    def statistics(self, periods_per_year: float | None = None, risk_free: float = 0.0) -> Statistics:
        """``compute_statistics`` of this run, with the inputs the event-driven engine passes."""
        return compute_statistics(
            self.curve(), self.round_trips(), periods_per_year=periods_per_year, risk_free=risk_free,
            turnover_notional=self.turnover_notional, exposure_time_fraction=self.exposure,
            fees_paid=self.total_fees_raw / FIXED_SCALAR,
        )  # fmt: skip


def _metrics(mf: FloatArray, mi: Int64Array, bars: FastBars, plan: _Plan, config: FastConfig) -> dict[str, float]:
    """The kernel's accumulators as ``Statistics.to_dict()`` (same names, same formulas) plus extras."""
    if int(mi[kernels.I_STATUS]) != kernels.STATUS_OK:
        raise ValidationError("starting_cash", config.starting_cash, "the balance left the fast path's int64 range")
    nan = math.nan
    n = len(bars)
    ruin = int(mi[kernels.I_RUIN])
    ruined = ruin >= 0
    last = ruin if ruined else n - 1  # the last sample measured: the ruin's, if any (its equity counts as 0)
    returns = last
    annualisation = plan.annualisation
    risk_free = float(config.risk_free)
    start_equity, end_equity = float(mf[kernels.M_START_EQ]), float(mf[kernels.M_END_EQ])
    total_return = annualised = volatility = sharpe = sortino = calmar = max_dd = nan
    duration_ns = 0
    if returns >= 1:  # so start_equity > 0
        growth = (0.0 if ruined else end_equity) / start_equity
        total_return = growth - 1.0
        if config.periods_per_year is not None:
            years = returns / annualisation
        else:
            years = float(bars.ts[last] - bars.ts[0]) / NANOS_PER_YEAR
        annualised = cagr(growth, years)
        max_dd = float(mf[kernels.M_MIN_DD])
        duration_ns = int(mi[kernels.I_DD_NS])
        calmar = annualised / abs(max_dd) if max_dd < 0 else nan
        s1, s2 = float(mf[kernels.M_SUM_EX]), float(mf[kernels.M_SUM_EX2])
        mean_excess = s1 / returns
        downside = math.sqrt(float(mf[kernels.M_SUM_DOWN2]) / returns)
        sortino = mean_excess / downside * math.sqrt(annualisation) if downside > 0 else nan
        if returns >= 2:
            std = math.sqrt(max(s2 - s1 * s1 / returns, 0.0) / (returns - 1))
            volatility = std * math.sqrt(annualisation)
            if std > 1e-12 * abs(mean_excess) and std > 0:
                sharpe = mean_excess / std * math.sqrt(annualisation)
    trips = int(mi[kernels.I_TRIPS])
    wins, losses = int(mi[kernels.I_WINS]), int(mi[kernels.I_LOSSES])
    win_rate = profit_factor = expectancy = average_win = average_loss = nan
    # every fill's commission, an open position's included (as the engine's ``fees_paid``)
    fees_paid = int(mi[kernels.I_FEE_CENTS]) * plan.unit / FIXED_SCALAR
    if trips:
        gross_profit, gross_loss = float(mf[kernels.M_GROSS_PROFIT]), float(mf[kernels.M_GROSS_LOSS])
        if gross_loss > 0:
            profit_factor = gross_profit / gross_loss
        else:
            profit_factor = math.inf if gross_profit > 0 else nan
        win_rate = wins / trips
        expectancy = float(mf[kernels.M_SUM_PNL]) / trips
        average_win = gross_profit / wins if wins else nan
        average_loss = -gross_loss / losses if losses else nan
    mean_equity = float(mf[kernels.M_SUM_EQ]) / (last + 1)
    turnover = float(mf[kernels.M_TURNOVER]) / mean_equity if mean_equity != 0 else nan
    span = int(bars.ts[-1]) - int(bars.ts[0])
    exposure = int(mi[kernels.I_COVERED_NS]) / span if n >= 2 else nan
    end_raw = int(mi[kernels.I_END_RAW])
    return {
        "total_return": total_return,
        "annualised_return": annualised,
        "volatility": volatility,
        "sharpe": sharpe,
        "sortino": sortino,
        "calmar": calmar,
        "max_drawdown": max_dd,
        "max_drawdown_duration_ns": duration_ns,
        "max_drawdown_duration_days": duration_ns / (86_400 * FIXED_SCALAR),
        "win_rate": win_rate,
        "profit_factor": profit_factor,
        "expectancy": expectancy,
        "average_win": average_win,
        "average_loss": average_loss,
        "trades": trips,
        "exposure": exposure,
        "turnover": turnover,
        "fees_paid": fees_paid,
        "start_equity": start_equity,
        "end_equity": end_equity,
        "periods_per_year": annualisation,
        "risk_free": risk_free,
        "ruined": ruined,
        "fills": int(mi[kernels.I_FILLS]),
        "net_pnl": (end_raw - plan.start_raw) / FIXED_SCALAR,
        "total_fees": int(mi[kernels.I_FEE_CENTS]) * plan.unit / FIXED_SCALAR,
    }


def _run(
    bars: FastBars, sig: SignalArray, q_raw: int, allow_short: bool, config: FastConfig, plan: _Plan | None = None
) -> FastResult:
    """One recorded run of an int8 signal array (1 entry, -1 exit, 0 nothing)."""
    plan = plan if plan is not None else _plan(bars, config, [q_raw])
    n = len(bars)
    equity = np.empty(n, dtype=np.float64)
    fills = np.empty((n, 5), dtype=np.int64)
    trips = np.empty((n, 8), dtype=np.int64)
    mf = np.zeros(kernels.N_MF, dtype=np.float64)
    mi = np.zeros(kernels.N_MI, dtype=np.int64)
    kernels.simulate_core(
        sig, bars.open_units, bars.close_units, bars.ts, plan.row(q_raw, allow_short), plan.fconsts, equity,
        fills, trips, mf, mi,
    )  # fmt: skip
    metrics = _metrics(mf, mi, bars, plan, config)
    n_fills, n_trips = int(mi[kernels.I_FILLS]), int(mi[kernels.I_TRIPS])
    fills = fills[:n_fills]
    trips = trips[:n_trips]
    pd_, qd = bars.price_unit, plan.qd
    qty_raw = fills[:, 2] * qd
    px_raw = fills[:, 3] * pd_
    # turnover as the engine sums it: float(qty * price * multiplier) per fill, added in fill order
    product = fills[:, 2] * fills[:, 3]
    turn = _unit_notional(qd, pd_, bars.instrument.multiplier.raw)
    if turn.numerator == 1:
        per_fill = _ratio_floats(product, turn.denominator)
    else:  # exact Python ints (the products may leave int64), each correctly rounded once
        numerator, denominator = turn.numerator, turn.denominator
        per_fill = np.array([p * numerator / denominator for p in product.tolist()], dtype=np.float64)
    turnover = sum(per_fill.tolist())
    ts = bars.ts
    covered = int(mi[kernels.I_COVERED_NS])
    exposure = covered / (int(ts[-1]) - int(ts[0])) if n >= 2 else None
    consts = plan.consts
    price_den, qty_den = FIXED_SCALAR // pd_, FIXED_SCALAR // qd
    return FastResult(
        instrument_id=str(bars.instrument.id),
        ts=ts,
        equity=equity,
        fill_ts=ts[fills[:, 0]],
        fill_side=fills[:, 1].astype(np.int8),
        fill_qty_raw=qty_raw,
        fill_price_raw=px_raw,
        fill_fee_raw=fills[:, 4] * plan.unit,
        trip_side=trips[:, 0].astype(np.int8),
        trip_quantity=_ratio_floats(trips[:, 1], qty_den),
        trip_entry_ts=ts[trips[:, 2]],
        trip_exit_ts=ts[trips[:, 3]],
        trip_entry_price=_ratio_floats(trips[:, 4], price_den),
        trip_exit_price=_ratio_floats(trips[:, 5], price_den),
        trip_pnl=_ratio_floats(trips[:, 6], int(consts[kernels.C_TD])),
        trip_fees=_ratio_floats(trips[:, 7], int(consts[kernels.C_HD])),
        turnover_notional=float(turnover),
        exposure=exposure,
        starting_cash=config.starting_cash,
        final_equity_raw=int(mi[kernels.I_END_RAW]),
        total_fees_raw=int(mi[kernels.I_FEE_CENTS]) * plan.unit,
        metrics=metrics,
    )


def _check_signal(name: str, values: object, n: int) -> BoolArray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size != n:
        raise ValidationError(name, array.shape, f"must be a 1-D array of one value per bar ({n})")
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "iuf":
        if array.dtype.kind == "f" and not bool(np.all(np.isfinite(array))):
            raise ValidationError(name, "NaN/inf", "must be booleans (no NaN)")
        if not bool(np.all((array == 0) | (array == 1))):
            raise ValidationError(name, "non-boolean values", "must be booleans (0/1)")
        return array.astype(np.bool_)
    raise ValidationError(name, str(array.dtype), "must be a boolean array")


def quantity_raw(quantity: Decimal | int | str, instrument: Instrument) -> int:
    """An order size as the strategy builds it: ``Quantity.of(quantity, size_precision).raw``."""
    raw = Quantity.of(to_decimal(quantity, "quantity"), instrument.size_precision).raw
    if raw <= 0:
        raise ValidationError("quantity", quantity, "must be positive at the instrument's size precision")
    return raw


def simulate(bars: FastBars, entries: object, exits: object, config: FastConfig | None = None) -> FastResult:
    """Simulate boolean signal arrays (one value per bar) with ``MovingAverageCross``'s state machine
    (see the module docstring), ``config.quantity`` per order leg and ``config.allow_short``."""
    config = config if config is not None else FastConfig()
    n = len(bars)
    buy = _check_signal("entries", entries, n)
    sell = _check_signal("exits", exits, n)
    sig = np.empty(n, dtype=np.int8)
    kernels.signals_from_bools(buy, sell, sig)
    return _run(bars, sig, quantity_raw(config.quantity, bars.instrument), config.allow_short, config)


# -- models of strategies ------------------------------------------------------------------------
@runtime_checkable
class FastModel(Protocol):
    """A compiled model of one strategy class: its signals, one run, a whole grid."""

    @property
    def strategy_class(self) -> type[Strategy]: ...

    def signals(self, bars: FastBars, params: Mapping[str, object]) -> tuple[BoolArray, BoolArray]:
        """Entry and exit signal arrays of one parameter set."""
        ...

    def simulate(self, bars: FastBars, params: Mapping[str, object], config: FastConfig) -> FastResult:
        """One recorded run of one parameter set."""
        ...

    def evaluate_grid(
        self, bars: FastBars, candidates: Sequence[Mapping[str, object]], config: FastConfig
    ) -> list[dict[str, float]]:
        """Metrics of every candidate (see ``evaluate_grid``)."""
        ...


@dataclass(frozen=True)
class _MaParams:
    fast: int
    slow: int
    q_raw: int
    threshold: float
    allow_short: bool


class MovingAverageCrossModel:
    """``strategy.examples.MovingAverageCross`` compiled: SMAs of the closes as its ``SMA`` indicator
    computes them (bit for bit), its threshold rule and its orders (``quantity``, ``allow_short``)."""

    @property
    def strategy_class(self) -> type[Strategy]:
        return MovingAverageCross

    def params(self, candidate: Mapping[str, object], instrument: Instrument) -> _MaParams:
        """The candidate's parameters validated by the strategy itself (defaults filled in); an
        unknown name, a bad value or ``fast >= slow`` is a ``ValidationError`` naming it."""
        values = {name: value for name, value in candidate.items() if name != "bar_type"}
        strategy = MovingAverageCross(**cast(dict[str, Any], values))
        return _MaParams(
            fast=int(strategy.fast), slow=int(strategy.slow), q_raw=quantity_raw(strategy.quantity, instrument),
            threshold=float(strategy.threshold), allow_short=bool(strategy.allow_short),
        )  # fmt: skip

    def _signal(self, bars: FastBars, p: _MaParams) -> SignalArray:
        sig = np.empty(len(bars), dtype=np.int8)
        kernels.ma_cross_signals(bars.close_float, p.fast, p.slow, p.threshold, sig)
        return sig

    def signals(self, bars: FastBars, params: Mapping[str, object]) -> tuple[BoolArray, BoolArray]:
        sig = self._signal(bars, self.params(params, bars.instrument))
        return sig > 0, sig < 0

    def simulate(self, bars: FastBars, params: Mapping[str, object], config: FastConfig) -> FastResult:
        p = self.params(params, bars.instrument)
        return _run(bars, self._signal(bars, p), p.q_raw, p.allow_short, config)

    def evaluate_grid(
        self, bars: FastBars, candidates: Sequence[Mapping[str, object]], config: FastConfig
    ) -> list[dict[str, float]]:
        if not candidates:
            return []
        resolved = [self.params(candidate, bars.instrument) for candidate in candidates]
        plan = _plan(bars, config, [p.q_raw for p in resolved])
        count = len(resolved)
        consts = np.stack([plan.row(p.q_raw, p.allow_short) for p in resolved])
        fasts = np.array([p.fast for p in resolved], dtype=np.int64)
        slows = np.array([p.slow for p in resolved], dtype=np.int64)
        thresholds = np.array([p.threshold for p in resolved], dtype=np.float64)
        mf = np.zeros((count, kernels.N_MF), dtype=np.float64)
        mi = np.zeros((count, kernels.N_MI), dtype=np.int64)
        kernels.ma_cross_grid(
            bars.close_float, bars.open_units, bars.close_units, bars.ts, fasts, slows, thresholds, consts,
            plan.fconsts, mf, mi,
        )  # fmt: skip
        return [_metrics(mf[c], mi[c], bars, plan, config) for c in range(count)]


_MODELS: dict[type[Strategy], FastModel] = {MovingAverageCross: MovingAverageCrossModel()}


def register_fast_model(strategy_class: type[Strategy], model: FastModel) -> None:
    """Register ``model`` as the fast path of ``strategy_class`` (exactly that class)."""
    if not isinstance(model, FastModel):
        raise ValidationError("model", type(model).__name__, "must implement FastModel")
    _MODELS[strategy_class] = model


def fast_model_for(strategy_class: type[Strategy]) -> FastModel | None:
    """The fast model of ``strategy_class`` (exactly that class: a subclass may trade differently),
    or ``None`` when it has none."""
    return _MODELS.get(strategy_class)


def _model(strategy: type[Strategy] | FastModel) -> FastModel:
    if isinstance(strategy, type):
        model = fast_model_for(strategy)
        if model is None:
            raise ValidationError("strategy", strategy.__name__, "has no fast model (see fast_model_for)")
        return model
    return strategy


def evaluate_grid(
    bars: FastBars,
    candidates: Sequence[Mapping[str, object]],
    config: FastConfig | None = None,
    *,
    strategy: type[Strategy] | FastModel = MovingAverageCross,
) -> list[dict[str, float]]:
    """Per candidate (a parameter dict of ``strategy``, defaults filled in), in order: the metrics of
    ``Statistics.to_dict()`` (same names and formulas as ``compute_statistics`` on the same run) plus
    ``fills``, ``net_pnl`` and ``total_fees``, computed in one parallel compiled pass."""
    return _model(strategy).evaluate_grid(bars, candidates, config if config is not None else FastConfig())


def prescreen(
    strategy_class: type[Strategy],
    data: LoadedData | CatalogData | FastBars,
    candidates: Sequence[Mapping[str, object]],
    config: FastConfig | None = None,
    *,
    instrument: Instrument | None = None,
) -> list[dict[str, float]]:
    """``evaluate_grid`` of ``strategy_class`` on a bar source (what a sweep's fast pre-screen calls)."""
    bars = data if isinstance(data, FastBars) else FastBars.from_data(data, instrument)
    return evaluate_grid(bars, candidates, config, strategy=strategy_class)


__all__ = [
    "EXTRA_METRICS",
    "FastBars",
    "FastConfig",
    "FastModel",
    "FastResult",
    "MovingAverageCrossModel",
    "evaluate_grid",
    "fast_model_for",
    "prescreen",
    "quantity_raw",
    "register_fast_model",
    "simulate",
]
