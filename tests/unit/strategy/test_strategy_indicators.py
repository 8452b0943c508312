"""Incremental indicators, cross-checked against vectorised NumPy references over a seeded random walk."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.indicators import (
    ATR,
    EMA,
    MACD,
    RSI,
    SMA,
    VWAP,
    WMA,
    BollingerBands,
    Indicator,
    RollingStd,
)

NAN = math.nan
RTOL = 1e-9

# ---------------------------------------------------------------- data and drivers


def _walk(n: int = 3000, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))


def _bars(n: int = 3000, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    open_ = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(open_, close) + np.abs(rng.normal(0.0, 0.5, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0.0, 0.5, n))
    return high, low, close


def _feed(ind: Any, xs: Sequence[float], *attrs: str) -> tuple[np.ndarray, np.ndarray]:
    """Update with each input; return the attributes after each update and the ``initialized`` flags."""
    out, flags = [], []
    for x in xs:
        ind.update(float(x))
        out.append([getattr(ind, a) for a in attrs or ("value",)])
        flags.append(ind.initialized)
    return np.array(out), np.array(flags)


def _nan_prefix(n: int, tail: np.ndarray) -> np.ndarray:
    return np.concatenate((np.full(n - len(tail), NAN), tail))


def _check(got: np.ndarray, flags: np.ndarray, ref: np.ndarray, atol: float = 0.0) -> None:
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(flags, ~np.isnan(ref))


# ---------------------------------------------------------------- vectorised references (same conventions)


def ref_sma(x: np.ndarray, n: int) -> np.ndarray:
    return _nan_prefix(len(x), np.convolve(x, np.ones(n), "valid") / n)


def ref_wma(x: np.ndarray, n: int) -> np.ndarray:
    kernel = np.arange(n, 0, -1, dtype=float)  # convolve flips it: the newest input weighs n
    return _nan_prefix(len(x), np.convolve(x, kernel, "valid") / (n * (n + 1) / 2))


def ref_std(x: np.ndarray, n: int, ddof: int) -> np.ndarray:
    return _nan_prefix(len(x), sliding_window_view(x, n).std(axis=1, ddof=ddof))


def ref_ema(x: np.ndarray, n: int) -> np.ndarray:
    """SMA seed of the first ``n`` inputs, then ``ema += alpha * (x - ema)``."""
    out = np.full(len(x), NAN)
    if len(x) < n:
        return out
    alpha = 2.0 / (n + 1)
    out[n - 1] = x[:n].mean()
    for t in range(n, len(x)):
        out[t] = out[t - 1] + alpha * (x[t] - out[t - 1])
    return out


def _wilder(values: np.ndarray, n: int) -> np.ndarray:
    """Simple-mean seed of the first ``n`` values, then ``avg = (avg * (n - 1) + v) / n``."""
    out = np.full(len(values), NAN)
    out[n - 1] = values[:n].mean()
    for t in range(n, len(values)):
        out[t] = (out[t - 1] * (n - 1) + values[t]) / n
    return out


def ref_rsi(x: np.ndarray, n: int) -> np.ndarray:
    d = np.diff(x)
    gain, loss = _wilder(np.maximum(d, 0.0), n), _wilder(np.maximum(-d, 0.0), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + gain / loss)
    rsi = np.where(loss == 0.0, np.where(gain > 0.0, 100.0, 50.0), rsi)
    return np.concatenate(([NAN], np.where(np.isnan(gain), NAN, rsi)))


def ref_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int) -> np.ndarray:
    prev = close[:-1]
    tr = np.concatenate(
        ([high[0] - low[0]], np.maximum.reduce([high[1:] - low[1:], abs(high[1:] - prev), abs(low[1:] - prev)]))
    )
    return _wilder(tr, n)


def ref_vwap(price: np.ndarray, volume: np.ndarray) -> np.ndarray:
    pv, v = np.cumsum(price * volume), np.cumsum(volume)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0.0, pv / v, NAN)


def ref_macd(x: np.ndarray, fast: int, slow: int, signal: int) -> np.ndarray:
    line = ref_ema(x, fast) - ref_ema(x, slow)
    sig = _nan_prefix(len(x), ref_ema(line[slow - 1 :], signal))
    line = np.where(np.isnan(sig), NAN, line)
    return np.column_stack((line, line, sig, line - sig))  # value, macd, signal, histogram


# ---------------------------------------------------------------- cross-checks against the references


@pytest.mark.parametrize("period", [1, 2, 10, 30, 200])
def test_sma_matches_reference(period: int) -> None:
    x = _walk()
    got, flags = _feed(SMA(period), x)
    _check(got[:, 0], flags, ref_sma(x, period))


@pytest.mark.parametrize("period", [1, 3, 10, 50])
def test_wma_matches_reference(period: int) -> None:
    x = _walk()
    got, flags = _feed(WMA(period), x)
    _check(got[:, 0], flags, ref_wma(x, period))


@pytest.mark.parametrize(("period", "ddof"), [(2, 1), (20, 1), (20, 0), (1, 0), (100, 1)])
def test_rolling_std_matches_reference(period: int, ddof: int) -> None:
    x = _walk()
    ind = RollingStd(period, ddof=ddof)
    got, flags = _feed(ind, x, "value", "mean")
    # a streaming std is accurate relative to the inputs' scale, not to a near-zero std (two close values)
    _check(got[:, 0], flags, ref_std(x, period, ddof), atol=1e-10 * np.abs(x).max())
    _check(got[:, 1], flags, ref_sma(x, period))


@pytest.mark.parametrize("period", [1, 5, 20, 100])
def test_ema_matches_reference(period: int) -> None:
    x = _walk()
    got, flags = _feed(EMA(period), x)
    _check(got[:, 0], flags, ref_ema(x, period))


@pytest.mark.parametrize("period", [1, 2, 14, 50])
def test_rsi_matches_reference(period: int) -> None:
    x = _walk()
    got, flags = _feed(RSI(period), x)
    _check(got[:, 0], flags, ref_rsi(x, period))


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (2, 3, 2), (1, 5, 1)])
def test_macd_matches_reference(fast: int, slow: int, signal: int) -> None:
    x = _walk()
    got, flags = _feed(MACD(fast, slow, signal), x, "value", "macd", "signal", "histogram")
    ref = ref_macd(x, fast, slow, signal)
    for col in range(4):  # differences of EMAs near 100: allow the absolute rounding of the operands
        _check(got[:, col], flags, ref[:, col], atol=1e-11)


@pytest.mark.parametrize(("period", "k"), [(20, 2.0), (5, 1.5), (1, 2.0)])
def test_bollinger_matches_reference(period: int, k: float) -> None:
    x = _walk()
    got, flags = _feed(BollingerBands(period, k), x, "value", "upper", "middle", "lower")
    mid, std = ref_sma(x, period), ref_std(x, period, 0)
    for col, ref in enumerate((mid, mid + k * std, mid, mid - k * std)):
        _check(got[:, col], flags, ref, atol=1e-10 * np.abs(x).max())


@pytest.mark.parametrize("period", [1, 2, 14, 50])
def test_atr_matches_reference(period: int) -> None:
    high, low, close = _bars()
    ind = ATR(period)
    got, flags = [], []
    for h, lo, c in zip(high, low, close, strict=True):
        ind.update(float(h), float(lo), float(c))
        got.append(ind.value)
        flags.append(ind.initialized)
    _check(np.array(got), np.array(flags), ref_atr(high, low, close, period))


def test_vwap_matches_reference() -> None:
    rng = np.random.default_rng(3)
    price = _walk()
    volume = rng.integers(0, 1000, len(price)).astype(float)
    volume[:5] = 0.0  # NaN until the first volume
    ind = VWAP()
    got, flags = [], []
    for p, v in zip(price, volume, strict=True):
        ind.update(float(p), float(v))
        got.append(ind.value)
        flags.append(ind.initialized)
    _check(np.array(got), np.array(flags), ref_vwap(price, volume))


# ---------------------------------------------------------------- drift control over long runs


def test_sma_does_not_drift_over_a_million_updates() -> None:
    rng = np.random.default_rng(2024)
    xs = (100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 1_000_000)))).tolist()
    fast, slow = SMA(10), SMA(30)
    for x in xs:
        fast.update(x)
        slow.update(x)
    for ind in (fast, slow):
        exact = math.fsum(xs[-ind.period :]) / ind.period
        assert ind.value == pytest.approx(exact, rel=1e-9, abs=0.0)
    assert fast.count == slow.count == 1_000_000


@pytest.mark.parametrize("make", [SMA, WMA, RollingStd], ids=["sma", "wma", "std"])
def test_window_sums_recover_after_a_regime_change(make: Callable[[int], Any]) -> None:
    """Rounding accumulated at 1e9 would swamp a window near 1.0 without the periodic exact recompute."""
    rng = np.random.default_rng(5)
    big = 1e9 + np.cumsum(rng.normal(0.0, 1e6, 200_000))
    small = 1.0 + np.cumsum(rng.normal(0.0, 1e-3, 50_000))
    ind = make(30)
    for v in np.concatenate((big, small)).tolist():
        ind.update(v)
    w = small[-30:]
    exact = {SMA: w.mean(), WMA: ref_wma(w, 30)[-1], RollingStd: w.std(ddof=1)}[make]
    assert ind.value == pytest.approx(exact, rel=1e-9, abs=0.0)


@pytest.mark.parametrize(
    ("name", "make", "read", "reference", "rel"),
    [
        pytest.param("sma", lambda: SMA(20), lambda i: i.value, lambda w: w.mean(), 1e-12, id="sma"),
        pytest.param("wma", lambda: WMA(20), lambda i: i.value, lambda w: ref_wma(w, 20)[-1], 1e-12, id="wma"),
        pytest.param("std", lambda: RollingStd(20), lambda i: i.value, lambda w: w.std(ddof=1), 1e-10, id="std"),
        pytest.param(
            "bollinger",
            lambda: BollingerBands(20, 2.0),
            lambda i: i.upper,
            lambda w: w.mean() + 2 * w.std(),
            1e-12,
            id="bollinger",
        ),
    ],
)
def test_window_values_are_exact_right_after_a_fall_in_level(
    name: str,
    make: Callable[[], Any],
    read: Callable[[Any], float],
    reference: Callable[[np.ndarray], float],
    rel: float,
) -> None:
    """Every value once the window has left a high level, not only after the next periodic recompute.

    1,100 inputs near 1e6 (the periodic recompute of a 20-input window is every 1,020), then 300 near 1.0:
    the rounding the running sums picked up at 1e6 used to stay in them for up to 1,020 more updates (the
    std was 46 times off, the upper Bollinger band 7 %)."""
    rng = np.random.default_rng(9)
    high = 1e6 * (1.0 + np.cumsum(rng.normal(0.0, 1e-3, 1100)))
    low = 1.0 + np.cumsum(rng.normal(0.0, 1e-3, 300))
    xs = np.concatenate((high, low))
    ind = make()
    for t, x in enumerate(xs.tolist()):
        ind.update(x)
        if t >= len(high) + 19:  # the window holds only the low level
            assert read(ind) == pytest.approx(reference(xs[t - 19 : t + 1]), rel=rel, abs=0.0), (name, t)


# ---------------------------------------------------------------- hand-computed examples


def test_sma_small_example() -> None:
    got, flags = _feed(SMA(3), [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(got[:, 0], [NAN, NAN, 2.0, 3.0])
    assert flags.tolist() == [False, False, True, True]


def test_wma_and_ema_small_examples() -> None:
    np.testing.assert_allclose(_feed(WMA(3), [1.0, 2.0, 3.0, 4.0])[0][:, 0], [NAN, NAN, 14 / 6, 20 / 6])
    np.testing.assert_array_equal(_feed(EMA(3), [1.0, 2.0, 3.0, 4.0, 5.0])[0][:, 0], [NAN, NAN, 2.0, 3.0, 4.0])


def test_rsi_small_example() -> None:
    # changes +1, +1, -1, +2; seed after 3 prices: gain 1, loss 0 -> 100; then Wilder with n=2
    got, flags = _feed(RSI(2), [1.0, 2.0, 3.0, 2.0, 4.0])
    np.testing.assert_allclose(got[:, 0], [NAN, NAN, 100.0, 50.0, 100.0 - 100.0 / 6.0])
    assert flags.tolist() == [False, False, True, True, True]


def test_rsi_flat_is_50_and_falling_is_0() -> None:
    assert _feed(RSI(3), [5.0] * 6)[0][-1, 0] == 50.0
    assert _feed(RSI(3), [6.0, 5.0, 4.0, 3.0, 2.0])[0][-1, 0] == 0.0


def test_std_and_bollinger_small_examples() -> None:
    assert _feed(RollingStd(3), [1.0, 2.0, 3.0])[0][-1, 0] == pytest.approx(1.0)
    assert _feed(RollingStd(3, ddof=0), [1.0, 2.0, 3.0])[0][-1, 0] == pytest.approx(math.sqrt(2 / 3))
    bb = BollingerBands(3, 2.0)
    _feed(bb, [1.0, 2.0, 3.0])
    width = 2.0 * math.sqrt(2 / 3)
    assert (bb.lower, bb.middle, bb.upper, bb.value) == pytest.approx((2.0 - width, 2.0, 2.0 + width, 2.0))


def test_macd_small_example() -> None:
    got, flags = _feed(MACD(2, 3, 2), [1.0, 2.0, 3.0, 4.0, 5.0], "macd", "signal", "histogram")
    np.testing.assert_allclose(got[3:], [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    assert np.isnan(got[:3]).all()
    assert flags.tolist() == [False, False, False, True, True]  # slow + signal - 1 inputs


def test_atr_small_example() -> None:
    atr = ATR(2)
    values = []
    for bar in [(10.0, 8.0, 9.0), (11.0, 9.0, 10.0), (13.0, 12.0, 12.5)]:
        atr.update(*bar)
        values.append(atr.value)
    # TRs: 2 (high-low), max(2, 2, 0) = 2 -> seed 2.0; max(1, 3, 2) = 3 -> (2 * 1 + 3) / 2
    np.testing.assert_array_equal(values, [NAN, 2.0, 2.5])


def test_vwap_small_example_and_session_reset() -> None:
    vwap = VWAP()
    vwap.update(10.0, 0.0)
    assert math.isnan(vwap.value) and not vwap.initialized
    vwap.update(10.0, 1.0)
    vwap.update(20.0, 3.0)
    assert vwap.value == 17.5 and vwap.count == 3
    vwap.reset()
    vwap.update(5.0, 2.0)
    assert vwap.value == 5.0


# ---------------------------------------------------------------- properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
prices = st.lists(finite, min_size=1, max_size=120)


@given(prices, st.integers(1, 40))
def test_sma_is_the_mean_of_the_last_period_inputs(xs: list[float], period: int) -> None:
    sma = SMA(period)
    for t, x in enumerate(xs, start=1):
        sma.update(x)
        if t < period:
            assert math.isnan(sma.value) and not sma.initialized
        else:
            assert sma.value == pytest.approx(math.fsum(xs[t - period : t]) / period, rel=1e-9, abs=1e-6)


@given(prices, st.integers(1, 40), st.floats(0.1, 5.0))
def test_bollinger_bands_are_ordered(xs: list[float], period: int, k: float) -> None:
    bb = BollingerBands(period, k)
    for x in xs:
        bb.update(x)
        if bb.initialized:
            assert bb.lower <= bb.middle <= bb.upper
        else:
            assert math.isnan(bb.lower) and math.isnan(bb.middle) and math.isnan(bb.upper)


@given(prices, st.integers(1, 30))
def test_rsi_is_between_0_and_100(xs: list[float], period: int) -> None:
    rsi = RSI(period)
    for x in xs:
        rsi.update(x)
        assert (0.0 <= rsi.value <= 100.0) if rsi.initialized else math.isnan(rsi.value)


FACTORIES: list[tuple[str, Callable[[], Indicator], Callable[[Any, float], float]]] = [
    ("sma", lambda: SMA(5), lambda i, x: i.update(x)),
    ("wma", lambda: WMA(5), lambda i, x: i.update(x)),
    ("std", lambda: RollingStd(5), lambda i, x: i.update(x)),
    ("ema", lambda: EMA(5), lambda i, x: i.update(x)),
    ("rsi", lambda: RSI(5), lambda i, x: i.update(x)),
    ("macd", lambda: MACD(3, 6, 3), lambda i, x: i.update(x)),
    ("bollinger", lambda: BollingerBands(5, 2.0), lambda i, x: i.update(x)),
    ("atr", lambda: ATR(5), lambda i, x: i.update(x + 1.0 + abs(x) * 0.01, x - 1.0, x)),
    ("vwap", lambda: VWAP(), lambda i, x: i.update(x, abs(x) % 7.0)),
]
OUTPUTS = ("value", "initialized", "count", "macd", "signal", "histogram", "upper", "middle", "lower", "mean")


def _outputs(ind: Indicator) -> tuple[str, ...]:
    return tuple(repr(getattr(ind, a)) for a in OUTPUTS if hasattr(ind, a))  # repr: NaN compares equal


@pytest.mark.parametrize(("make", "step"), [f[1:] for f in FACTORIES], ids=[f[0] for f in FACTORIES])
@given(xs=prices)
def test_reset_returns_to_the_initial_state(
    make: Callable[[], Indicator], step: Callable[..., None], xs: list[float]
) -> None:
    fresh, ind = make(), make()
    first = []
    for x in xs:
        step(ind, x)
        first.append(_outputs(ind))
    ind.reset()
    assert _outputs(ind) == _outputs(fresh)
    assert math.isnan(ind.value) and not ind.initialized and ind.count == 0
    replay = []
    for x in xs:
        step(ind, x)
        replay.append(_outputs(ind))
    assert replay == first


@pytest.mark.parametrize(("make", "step"), [f[1:] for f in FACTORIES], ids=[f[0] for f in FACTORIES])
@given(xs=prices)
def test_update_returns_the_new_value(
    make: Callable[[], Indicator], step: Callable[..., float], xs: list[float]
) -> None:
    ind = make()
    for x in xs:
        returned = step(ind, x)
        assert repr(returned) == repr(ind.value)  # repr: NaN before the indicator is initialized


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: SMA(0), "period"),
        (lambda: WMA(-1), "period"),
        (lambda: EMA(0), "period"),
        (lambda: RSI(0), "period"),
        (lambda: ATR(0), "period"),
        (lambda: RollingStd(1), "period"),  # ddof=1 needs two inputs
        (lambda: RollingStd(5, ddof=-1), "ddof"),
        (lambda: MACD(26, 12), "fast"),
        (lambda: MACD(12, 12), "fast"),
        (lambda: MACD(0, 26), "fast"),
        (lambda: MACD(12, 26, 0), "signal"),
        (lambda: BollingerBands(0), "period"),
        (lambda: BollingerBands(20, 0.0), "k"),
        (lambda: BollingerBands(20, -1.0), "k"),
        (lambda: BollingerBands(20, math.nan), "k"),
        (lambda: BollingerBands(20, math.inf), "k"),
    ],
)
def test_constructor_validation_names_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.field == field


@pytest.mark.parametrize("period", [2.0, "5"])
def test_a_period_of_the_wrong_type_is_refused(period: object) -> None:
    # The interpreted module names the field (ValidationError); the compiled build (make compiled)
    # refuses a non-int at the call boundary with its own TypeError. Both stop the construction.
    with pytest.raises((ValidationError, TypeError)):
        SMA(period)  # type: ignore[arg-type]


BAD = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize(("make", "step"), [f[1:] for f in FACTORIES[:7]], ids=[f[0] for f in FACTORIES[:7]])
@pytest.mark.parametrize("bad", BAD)
def test_non_finite_update_raises_and_leaves_state_unchanged(
    make: Callable[[], Indicator], step: Callable[..., None], bad: float
) -> None:
    xs = _walk(40).tolist()
    ind, twin = make(), make()
    for x in xs[:20]:
        step(ind, x)
        step(twin, x)
    with pytest.raises(ValidationError) as info:
        step(ind, bad)
    assert info.value.field == "value" and repr(info.value.value) == repr(bad)  # compiled code re-boxes floats
    assert _outputs(ind) == _outputs(twin)
    for x in xs[20:]:
        step(ind, x)
        step(twin, x)
        assert _outputs(ind) == _outputs(twin)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((NAN, 1.0, 1.0), "high"),
        ((2.0, math.inf, 1.0), "low"),
        ((2.0, 1.0, -math.inf), "close"),
        ((1.0, 2.0, 1.5), "low"),
    ],
)
def test_atr_update_validation(args: tuple[float, float, float], field: str) -> None:
    atr, twin = ATR(2), ATR(2)
    for a in (atr, twin):
        a.update(10.0, 8.0, 9.0)
    with pytest.raises(ValidationError) as info:
        atr.update(*args)
    assert info.value.field == field
    atr.update(11.0, 9.0, 10.0)
    twin.update(11.0, 9.0, 10.0)
    assert (atr.value, atr.count) == (twin.value, twin.count) == (2.0, 2)


@pytest.mark.parametrize(
    ("args", "field"), [((NAN, 1.0), "price"), ((1.0, math.inf), "volume"), ((1.0, -1.0), "volume")]
)
def test_vwap_update_validation(args: tuple[float, float], field: str) -> None:
    vwap = VWAP()
    vwap.update(10.0, 2.0)
    with pytest.raises(ValidationError) as info:
        vwap.update(*args)
    assert info.value.field == field
    assert (vwap.value, vwap.count) == (10.0, 1)


def test_names_and_repr() -> None:
    assert SMA(10).name == "SMA(10)"
    assert MACD().name == "MACD(12,26,9)"
    assert repr(EMA(3)) == "EMA(3)(value=nan, count=0)"
