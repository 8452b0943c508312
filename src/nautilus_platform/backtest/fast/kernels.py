"""Numba kernels of the compiled fast path (see ``backtest.fast.simulator`` for the typed API).

Everything here is ``@njit`` (no Python objects in the loops) and mirrors the event-driven engine
exactly; the Python side (``simulator``) precomputes the integer constants and checks their range.

Units. Prices are integers ``pu`` in units of ``PD`` raw (``PD`` divides 10**9, e.g. ticks of 0.01),
quantities ``qu`` in units of ``QD`` raw, the multiplier ``mu`` in units of ``MD`` raw, money in
``cents`` (whole smallest units of the settlement currency, ``U`` raw each). With these the engine's
exact integer accounting fits int64 for any realistic data:

- fee (``InstrumentFees.commission``): ``round_half_even(FA*qu*pu*mu + FB*qu + FC, FL)`` cents;
- realised P&L of a position (``Position.apply``): the cumulative exact amount ``R*VF`` (scale 10**27,
  ``R`` in units of ``qu*pu*mu``) rounded half-even to cents, i.e. ``round_half_even(R*RA, RB)``; it is
  kept as ``K*RB + rem`` so nothing grows;
- equity (``Account.equity_raw``): ``cents*U + floor(X*UA / UB)`` raw, ``X`` the unrealised P&L at the
  bar's close in units of ``qu*pu*mu`` (margin account: balance plus unrealised P&L);
- a round trip's P&L net of fees (``backtest.results.round_trips``): ``(G*TA - h*TB) / TD`` with ``h``
  its fees in half cents (a flipping fill's fee is shared half and half).

Floats: ``raw_to_float`` is the correctly rounded ``raw / 10**9`` (what Python's int division gives),
the SMA is ``strategy.indicators.SMA`` operation for operation, including its ``math.fsum`` resync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., Any])

SCALE: Final = 1_000_000_000
_TWO53: Final = 9_007_199_254_740_992
_RESYNC_UPDATES: Final = 1024
_INV_POW2 = np.array([2.0**-i for i in range(64)])  # exact reciprocals of powers of two
_BLOCK_MASK: Final = 255  # running sums are plain within blocks of 256 bars, compensated across them

# Slots of the int64 constants array ``consts`` handed to ``simulate_core``.
C_QU, C_ALLOW_SHORT, C_NEXT_OPEN, C_MU = 0, 1, 2, 3
C_FA, C_FB, C_FC, C_FL = 4, 5, 6, 7
C_RA, C_RB, C_UA, C_UB, C_UNIT = 8, 9, 10, 11, 12
C_TA, C_TB, C_TD, C_HD = 13, 14, 15, 16
C_START_CENTS, C_MAX_CENTS = 17, 18
N_CONSTS: Final = 19
# Slots of the float64 constants array ``fconsts``.
F_RF, F_TURN_MUL, F_TURN_DIV = 0, 1, 2
N_FCONSTS: Final = 3
# Slots of the float64 metric accumulators.
M_START_EQ, M_END_EQ, M_SUM_EX, M_SUM_EX2, M_SUM_DOWN2, M_MIN_DD, M_SUM_EQ, M_TURNOVER = 0, 1, 2, 3, 4, 5, 6, 7
M_GROSS_PROFIT, M_GROSS_LOSS, M_SUM_PNL, M_FEES_PAID = 8, 9, 10, 11
N_MF: Final = 12
# Slots of the int64 metric accumulators.
I_STATUS, I_FILLS, I_TRIPS, I_WINS, I_LOSSES, I_DD_NS, I_COVERED_NS, I_FEE_CENTS, I_END_RAW = 0, 1, 2, 3, 4, 5, 6, 7, 8
I_RUIN = 9  # the bar of the account's ruin (first equity <= 0), -1 if none
N_MI: Final = 10
STATUS_OK: Final = 0
STATUS_OVERFLOW: Final = 1


def _njit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(**options)`` typed for mypy (numba ships no types)."""
    return cast(Callable[[F], F], numba.njit(**options))


_FAST: Final = {"cache": True, "nogil": True, "error_model": "numpy"}


@_njit(**_FAST)
def raw_to_float(raw: int) -> float:
    """``raw / 10**9`` correctly rounded (as Python's ``int / int``), for any int64 ``raw``."""
    if -_TWO53 <= raw <= _TWO53:
        return float(raw) / 1e9  # both exact: one IEEE division, correctly rounded
    negative = raw < 0
    x = -raw if negative else raw
    hi = x // SCALE
    lo = x - hi * SCALE
    # 2**23 <= hi < 2**34 here, so the result's ulp is 2**-s with 1 <= s <= 29: round lo / 10**9 to s bits.
    bits = 24
    while hi >> bits:
        bits += 1
    s = 53 - bits
    scaled = lo << s
    q = scaled // SCALE
    r = scaled - q * SCALE
    if 2 * r > SCALE or (2 * r == SCALE and (q & 1) == 1):
        q += 1
    value = float((hi << s) + q) * float(_INV_POW2[s])  # exact: a power-of-two scaling
    return -value if negative else value


@_njit(**_FAST)
def raw_to_float_array(raw: NDArray[np.int64], out: NDArray[np.float64]) -> None:
    """``out[i] = raw_to_float(raw[i])``."""
    for i in range(raw.size):
        out[i] = raw_to_float(raw[i])


@_njit(**_FAST)
def fsum(values: NDArray[np.float64], partials: NDArray[np.float64]) -> float:
    """CPython's ``math.fsum`` (Shewchuk partials, half-even fix-up) of finite ``values``;
    ``partials`` is scratch space of at least ``values.size`` floats."""
    n = 0
    for index in range(values.size):
        x = values[index]
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            yr = hi - x
            lo = y - yr
            if lo != 0.0:
                partials[i] = lo
                i += 1
            x = hi
        n = i
        if x != 0.0:
            partials[n] = x
            n += 1
    hi = 0.0
    lo = 0.0
    if n > 0:
        n -= 1
        hi = partials[n]
        while n > 0:
            x = hi
            n -= 1
            y = partials[n]
            hi = x + y
            yr = hi - x
            lo = y - yr
            if lo != 0.0:
                break
        if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = hi + y
            yr = x - hi
            if y == yr:
                hi = x
    return float(hi)


@_njit(**_FAST)
def sma(values: NDArray[np.float64], period: int, out: NDArray[np.float64]) -> None:
    """``out[i]`` = ``strategy.indicators.SMA(period)``'s value after ``update(values[i])`` (NaN until
    ``period`` inputs): the same running sum, ring buffer and ``fsum`` resync schedule."""
    buf = np.zeros(period, dtype=np.float64)
    partials = np.empty(period + 1, dtype=np.float64)
    wraps = max(1, _RESYNC_UPDATES // period)
    left = wraps
    i = 0
    total = 0.0
    div = np.nan
    for k in range(values.size):
        x = values[k]
        s = total + (x - buf[i])
        buf[i] = x
        i += 1
        if i == period:
            i = 0
            div = float(period)
            left -= 1
            if left == 0:
                left = wraps
                s = fsum(buf, partials)
        total = s
        out[k] = s / div


@_njit(**_FAST)
def ma_cross_signals(close: NDArray[np.float64], fast: int, slow: int, threshold: float, out: NDArray[np.int8]) -> None:
    """``strategy.examples.MovingAverageCross`` signals: ``out[k]`` is 1 where fast SMA > slow SMA +
    threshold, -1 where fast SMA < slow SMA - threshold, else 0 (0 until the slow SMA is warm)."""
    fbuf = np.zeros(fast, dtype=np.float64)
    sbuf = np.zeros(slow, dtype=np.float64)
    partials = np.empty(max(fast, slow) + 1, dtype=np.float64)
    fwraps = max(1, _RESYNC_UPDATES // fast)
    swraps = max(1, _RESYNC_UPDATES // slow)
    fleft, sleft = fwraps, swraps
    fi = 0
    si = 0
    ftotal = 0.0
    stotal = 0.0
    fdiv = np.nan
    sdiv = np.nan
    for k in range(close.size):
        x = close[k]
        s = ftotal + (x - fbuf[fi])
        fbuf[fi] = x
        fi += 1
        if fi == fast:
            fi = 0
            fdiv = float(fast)
            fleft -= 1
            if fleft == 0:
                fleft = fwraps
                s = fsum(fbuf, partials)
        ftotal = s
        fv = s / fdiv
        s = stotal + (x - sbuf[si])
        sbuf[si] = x
        si += 1
        if si == slow:
            si = 0
            sdiv = float(slow)
            sleft -= 1
            if sleft == 0:
                sleft = swraps
                s = fsum(sbuf, partials)
        stotal = s
        sv = s / sdiv
        signal = 0
        if k + 1 >= slow:
            if fv > sv + threshold:
                signal = 1
            elif fv < sv - threshold:
                signal = -1
        out[k] = signal


@_njit(**_FAST)
def signals_from_bools(entries: NDArray[np.bool_], exits: NDArray[np.bool_], out: NDArray[np.int8]) -> None:
    """``out[k]`` = 1 where ``entries[k]``, else -1 where ``exits[k]``, else 0 (an entry wins)."""
    for k in range(out.size):
        out[k] = 1 if entries[k] else (-1 if exits[k] else 0)


@_njit(**_FAST)
def _round_half_even(numerator: int, denominator: int) -> int:
    """``core.arith.round_half_even`` for a positive denominator (floor division semantics)."""
    q = numerator // denominator
    r = numerator - q * denominator
    if 2 * r > denominator or (2 * r == denominator and (q & 1) == 1):
        q += 1
    return q


@_njit(**_FAST)
def _neumaier(total: float, compensation: float, value: float) -> tuple[float, float]:
    """One step of Neumaier's compensated summation: the new (total, compensation)."""
    t = total + value
    if abs(total) >= abs(value):
        compensation += (total - t) + value
    else:
        compensation += (value - t) + total
    return t, compensation


@_njit(**_FAST)
def simulate_core(
    sig: NDArray[np.int8],
    open_u: NDArray[np.int64],
    close_u: NDArray[np.int64],
    ts: NDArray[np.int64],
    consts: NDArray[np.int64],
    fconsts: NDArray[np.float64],
    equity_out: NDArray[np.float64],
    fills_out: NDArray[np.int64],
    trips_out: NDArray[np.int64],
    mf: NDArray[np.float64],
    mi: NDArray[np.int64],
) -> None:
    """Run the signal state machine of ``MovingAverageCross`` over the bars with the venue's fills,
    fees and the margin account's books; write the metric accumulators ``mf``/``mi`` and, when the
    record arrays are non-empty, the equity curve (one float per bar), the fills (rows of
    ``bar, side, qty units, price units, fee cents``) and the closed round trips (rows of
    ``side, qty units, entry bar, exit bar, entry price units, exit price units, pnl numerator,
    fees in half cents``).

    Per bar ``k``: a held ``next_open`` order fills at ``open_u[k]``; then the signal: 1 buys to
    long when not long, -1 sells when long (to flat, or to short with ``allow_short``) or when flat
    with ``allow_short``; the order fills at ``close_u[k]`` (``close``) or is held for the next
    bar's open (``next_open``; never filled after the last bar); then the equity is sampled with the
    position marked at ``close_u[k]``.

    The running metrics stop at the account's ruin (``analytics.statistics``: the first bar with equity
    <= 0, counted as equity 0, a -100 % return); the trading and the records go on to the last bar.
    """
    n = sig.size
    qu = consts[C_QU]
    allow_short = consts[C_ALLOW_SHORT] != 0
    next_open = consts[C_NEXT_OPEN] != 0
    mu = consts[C_MU]
    fa, fb, fc, fl = consts[C_FA], consts[C_FB], consts[C_FC], consts[C_FL]
    ra, rb, ua, ub, unit = consts[C_RA], consts[C_RB], consts[C_UA], consts[C_UB], consts[C_UNIT]
    ta, tb, td, hd = consts[C_TA], consts[C_TB], consts[C_TD], consts[C_HD]
    max_cents = consts[C_MAX_CENTS]
    rf = fconsts[F_RF]
    turn_mul, turn_div = fconsts[F_TURN_MUL], fconsts[F_TURN_DIV]
    record = equity_out.size > 0
    ftd = float(td)
    fhd = float(hd)

    cents = consts[C_START_CENTS]  # the account balance
    asked = 0  # the strategy's own position: +1 long, -1 short, 0 flat
    pend_side = 0  # a held next_open order
    pend_qty = 0
    qpos = 0  # signed position, quantity units
    entry = 0  # its entry price (units); one price: every position opens in one fill
    k_acc = 0  # realised P&L of the open position object: R*RA = k_acc*RB + rem
    rem = 0
    booked = 0  # the rounded realised P&L of the open position object already in ``cents``
    trip_side = 0  # the open round trip
    trip_entry_k = 0
    trip_fee_h = 0
    n_fills = 0
    n_trips = 0
    fee_total = 0
    covered = 0
    wins = 0
    losses = 0
    gross_profit = 0.0
    gross_loss = 0.0
    sum_pnl = 0.0
    fees_paid = 0.0
    turnover = 0.0
    status = 0

    # sums of the excess returns, their squares, the downside and the equity (compensated per block)
    s1 = 0.0
    c1 = 0.0
    s2 = 0.0
    c2 = 0.0
    sd = 0.0
    cd = 0.0
    se = 0.0
    ce = 0.0
    b1 = b2 = bd = b_eq = 0.0  # plain sums of the current block of bars
    peak = -np.inf
    min_dd = np.inf
    last_peak = 0
    longest = 0
    prev_eq = 0.0
    eq = 0.0
    eq_raw = 0
    last_raw = -1
    have_last = False
    live = True  # not ruined yet: the running metrics go on
    ruin = -1

    for k in range(n):
        for phase in range(2):
            side = 0
            qty = 0
            px = 0
            if phase == 0:
                if pend_side == 0:
                    continue
                side, qty, px = pend_side, pend_qty, open_u[k]
                pend_side = 0
            else:
                signal = sig[k]
                target = asked
                if signal > 0:
                    if asked <= 0:
                        target = 1
                elif signal < 0 and asked >= 0:
                    if asked > 0 or allow_short:
                        target = -1 if allow_short else 0
                if target == asked:
                    continue
                side = 1 if target > asked else -1
                qty = (target - asked) * qu if target > asked else (asked - target) * qu
                asked = target
                if next_open:
                    pend_side, pend_qty = side, qty
                    continue
                px = close_u[k]
            # -- the fill: fee, position, realised P&L, round trips -------------------------
            fee = _round_half_even(fa * qty * px * mu + fb * qty + fc, fl)
            cents -= fee
            fee_total += fee
            if record:
                fills_out[n_fills, 0] = k
                fills_out[n_fills, 1] = side
                fills_out[n_fills, 2] = qty
                fills_out[n_fills, 3] = px
                fills_out[n_fills, 4] = fee
            n_fills += 1
            turnover += float(qty * px) * turn_mul / turn_div
            fee_h = 2 * fee
            if qpos == 0:  # a new position object (netting): realised P&L starts at 0
                k_acc = 0
                rem = 0
                booked = 0
                qpos = side * qty
                entry = px
                trip_side, trip_entry_k, trip_fee_h = side, k, fee_h
            else:
                open_qty = qpos if qpos > 0 else -qpos
                closing = qty if qty < open_qty else open_qty
                sign = 1 if qpos > 0 else -1
                leg = sign * closing * (px - entry) * mu
                rem += leg * ra
                carry = rem // rb
                k_acc += carry
                rem -= carry * rb
                rounded = k_acc
                if 2 * rem > rb or (2 * rem == rb and (k_acc & 1) == 1):
                    rounded += 1
                cents += rounded - booked
                booked = rounded
                share_h = fee_h * closing // qty
                trip_fee_h += share_h
                pnl_num = leg * ta - trip_fee_h * tb
                pnl = float(pnl_num) / ftd
                if pnl > 0.0:
                    wins += 1
                    gross_profit += pnl
                elif pnl < 0.0:
                    losses += 1
                    gross_loss -= pnl
                sum_pnl += pnl
                fees_paid += float(trip_fee_h) / fhd
                covered += ts[k] - ts[trip_entry_k]
                if record:
                    trips_out[n_trips, 0] = trip_side
                    trips_out[n_trips, 1] = open_qty
                    trips_out[n_trips, 2] = trip_entry_k
                    trips_out[n_trips, 3] = k
                    trips_out[n_trips, 4] = entry
                    trips_out[n_trips, 5] = px
                    trips_out[n_trips, 6] = pnl_num
                    trips_out[n_trips, 7] = trip_fee_h
                n_trips += 1
                if qty > open_qty:  # flip: the rest opens at the fill price
                    qpos = side * (qty - open_qty)
                    entry = px
                    trip_side, trip_entry_k, trip_fee_h = side, k, fee_h - share_h
                else:
                    qpos = qpos + side * qty
            if cents > max_cents or cents < -max_cents:
                status = STATUS_OVERFLOW
        # -- the equity sample after the bar, marked at its close ----------------------------
        if qpos != 0:
            x = qpos * (close_u[k] - entry) * mu * ua
            eq_raw = cents * unit + (x if ub == 1 else x // ub)  # skip the (slow) division when it is by 1
        else:
            eq_raw = cents * unit
        if not have_last or eq_raw != last_raw:
            eq = raw_to_float(eq_raw)
            last_raw = eq_raw
            have_last = True
        if record:
            equity_out[k] = eq
        if k == 0:
            mf[M_START_EQ] = eq
        if not live:
            continue
        # running metrics (``analytics.statistics.compute_statistics``'s definitions)
        m_eq = eq
        if eq <= 0.0:  # the ruin: this sample counts as equity 0 and is the last one measured
            m_eq = 0.0
            live = False
            ruin = k
        changed = k == 0 or m_eq != prev_eq  # unchanged: a zero return and the same drawdown as before
        if m_eq >= peak:
            if k - last_peak > 1 and ts[k] - ts[last_peak] > longest:
                longest = ts[k] - ts[last_peak]
            peak = m_eq
            last_peak = k
        if changed and m_eq > 0.0:
            dd = m_eq / peak - 1.0
            if dd < min_dd:
                min_dd = dd
        elif changed:
            min_dd = -1.0  # equity at or below 0: a 100 % drawdown (``drawdown_series``)
        b_eq += m_eq
        if k > 0:
            e = ((m_eq / prev_eq - 1.0) if changed else 0.0) - rf
            b1 += e
            b2 += e * e
            if e < 0.0:
                bd += e * e
        prev_eq = m_eq
        if (k & _BLOCK_MASK) == _BLOCK_MASK or k == n - 1 or not live:  # block sums into compensated totals
            s1, c1 = _neumaier(s1, c1, b1)
            s2, c2 = _neumaier(s2, c2, b2)
            sd, cd = _neumaier(sd, cd, bd)
            se, ce = _neumaier(se, ce, b_eq)
            b1 = b2 = bd = b_eq = 0.0
    last = ruin if ruin >= 0 else n - 1  # the last sample measured
    if n > 0:
        if last_peak < last and ts[last] - ts[last_peak] > longest:
            longest = ts[last] - ts[last_peak]
        if qpos != 0:
            covered += ts[n - 1] - ts[trip_entry_k]
    mf[M_END_EQ] = eq
    mf[M_SUM_EX] = s1 + c1
    mf[M_SUM_EX2] = s2 + c2
    mf[M_SUM_DOWN2] = sd + cd
    mf[M_MIN_DD] = min_dd
    mf[M_SUM_EQ] = se + ce
    mf[M_TURNOVER] = turnover
    mf[M_GROSS_PROFIT] = gross_profit
    mf[M_GROSS_LOSS] = gross_loss
    mf[M_SUM_PNL] = sum_pnl
    mf[M_FEES_PAID] = fees_paid
    mi[I_STATUS] = status
    mi[I_FILLS] = n_fills
    mi[I_TRIPS] = n_trips
    mi[I_WINS] = wins
    mi[I_LOSSES] = losses
    mi[I_DD_NS] = longest if last > 0 else 0
    mi[I_COVERED_NS] = covered
    mi[I_FEE_CENTS] = fee_total
    mi[I_END_RAW] = eq_raw
    mi[I_RUIN] = ruin


@_njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def ma_cross_grid(
    close: NDArray[np.float64],
    open_u: NDArray[np.int64],
    close_u: NDArray[np.int64],
    ts: NDArray[np.int64],
    fasts: NDArray[np.int64],
    slows: NDArray[np.int64],
    thresholds: NDArray[np.float64],
    consts: NDArray[np.int64],
    fconsts: NDArray[np.float64],
    mf: NDArray[np.float64],
    mi: NDArray[np.int64],
) -> None:
    """Every ``MovingAverageCross`` candidate ``c`` (row ``c`` of ``consts``, periods and thresholds)
    over the same bars, in parallel (``numba.prange``): the metric accumulators into ``mf[c]`` and
    ``mi[c]``, nothing recorded."""
    n = close.size
    for c in numba.prange(fasts.size):
        sig = np.empty(n, dtype=np.int8)
        ma_cross_signals(close, fasts[c], slows[c], thresholds[c], sig)
        simulate_core(
            sig, open_u, close_u, ts, consts[c], fconsts, np.empty(0, dtype=np.float64),
            np.empty((0, 5), dtype=np.int64), np.empty((0, 8), dtype=np.int64), mf[c], mi[c],
        )  # fmt: skip
