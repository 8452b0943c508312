"""RollingStd and Bollinger bands keep their precision where running sums lose it: a window of equal inputs
after moves, a calm window after a volatile one, and tiny moves at a high price level over a million updates.
Each is compared with an exact recomputation of the window (``math.fsum``, two passes)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nautilus_platform.strategy.indicators import SMA, BollingerBands, RollingStd


def exact_std(window: Sequence[float], ddof: int) -> float:
    mean = math.fsum(window) / len(window)
    return math.sqrt(math.fsum((x - mean) ** 2 for x in window) / (len(window) - ddof))


def test_a_window_of_equal_inputs_has_zero_std_and_its_mean_is_that_input() -> None:
    """300 prices near 1e6 on a 0.01 tick, then 20 equal ones. The sliding update left the rounding of the
    moves in the running sums: the std read 0.00052 (up to 0.02, two ticks, on other series), the mean was
    1.2e-9 off and the upper band 0.001 above the flat price."""
    rng = np.random.default_rng(22)
    moves = [1e6 + 0.01 * int(k) for k in rng.integers(-50_000, 50_000, 300)]
    level = round(moves[-1], 2)
    std, bands = RollingStd(20, ddof=0), BollingerBands(20, 2.0)
    for x in [*moves, *[level] * 20]:
        std.update(x)
        bands.update(x)
    assert std.value == 0.0 and std.mean == level
    assert bands.lower == bands.middle == bands.upper == level


@given(
    st.lists(st.floats(min_value=1.0, max_value=1e7, allow_nan=False), min_size=1, max_size=80),
    st.floats(min_value=1.0, max_value=1e7, allow_nan=False),
    st.integers(2, 30),
)
def test_equal_inputs_filling_the_window_read_exactly_flat(xs: list[float], level: float, period: int) -> None:
    bands = BollingerBands(period, 2.0)
    for x in [*xs, *[level] * period]:
        bands.update(x)
    assert bands.lower == bands.middle == bands.upper == level


def test_rolling_std_is_precise_in_a_calm_window_after_a_volatile_one() -> None:
    """Moves of 500 at 1e5, then moves of 0.01: the rounding of the volatile period stayed in the running sums
    until the next periodic recompute (relative error up to 7e-8); it is now below 1e-12 (7e-14)."""
    rng = np.random.default_rng(21)
    volatile = 1e5 + np.cumsum(rng.normal(0.0, 500.0, 1_000))
    calm = round(float(volatile[-1]), 2) + np.round(np.cumsum(rng.normal(0.0, 0.01, 300)), 2)
    xs = np.concatenate((volatile, calm)).tolist()
    std = RollingStd(20)
    for t, x in enumerate(xs):
        std.update(x)
        if t >= len(volatile) + 19:
            exact = exact_std(xs[t - 19 : t + 1], 1)
            assert abs(std.value - exact) <= 1e-12 * exact, t


def test_window_indicators_stay_exact_over_a_million_tiny_moves_at_1e5() -> None:
    """A random walk at 1e5 with moves of 1e-4: the running mean's rounding (about 1e-11 an update, at the
    price's scale) entered the sum of squares through every slide; the std was up to 1e-4 off (relative)
    between the exact recomputes. The sums now hold the inputs less a recent one."""
    rng = np.random.default_rng(1)
    xs = (1e5 + np.cumsum(rng.normal(0.0, 1e-4, 1_000_000))).tolist()
    sma, std, bands = SMA(20), RollingStd(20), BollingerBands(20, 2.0)
    worst_std = worst_mean = 0.0
    for t, x in enumerate(xs):
        sma.update(x)
        std.update(x)
        bands.update(x)
        if t % 997 == 500:
            window = xs[t - 19 : t + 1]
            exact_mean = math.fsum(window) / 20
            worst_std = max(worst_std, abs(std.value - exact_std(window, 1)) / exact_std(window, 1))
            worst_mean = max(worst_mean, abs(sma.value - exact_mean), abs(bands.middle - exact_mean))
    assert worst_std < 1e-9
    assert worst_mean < 1e-9  # about 1e-11: a few units in the last place at 1e5
    assert std.count == bands.count == 1_000_000
