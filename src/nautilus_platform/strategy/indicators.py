"""Incremental technical indicators for strategies: one ``update`` per input, O(1) each.

Plain Python floats (indicators are analytics, not accounting) and ``__slots__`` classes; nothing on the
hot path touches NumPy. Every indicator has ``value`` (a plain attribute, ``math.nan`` until ``initialized``),
``initialized``, ``count`` (inputs seen) and ``reset()``; ``update`` returns the new ``value``, so a
strategy reads it without a second attribute lookup. Non-finite inputs raise ``ValidationError`` naming the
field and leave the state unchanged.

Conventions:
- EMA: ``alpha = 2 / (period + 1)``, seeded with the simple mean of the first ``period`` inputs, then
  ``ema += alpha * (x - ema)``.
- RSI and ATR: Wilder smoothing ``avg = (avg * (n - 1) + x) / n``, seeded with the simple mean of the first
  ``period`` gains/losses (RSI, which needs ``period + 1`` prices) or true ranges (ATR; the first TR is
  ``high - low``). RSI is 100 when the average loss is 0 and the average gain > 0, 50 when both are 0.
- RollingStd: sample std (``ddof=1``) by default, ``ddof`` is a parameter; Bollinger uses population std (ddof=0).
- Drift: the running sums of SMA, WMA and RollingStd are recomputed exactly (``math.fsum`` / two-pass) from the
  ring buffer every ``period * max(1, 1024 // period)`` updates, i.e. about every 1,024 updates, and also as soon
  as every input still in the window is below 1/16 of the largest one since the last recompute. The rounding
  error a running sum carries is proportional to the largest inputs it has seen: after a fall in level (a
  crash, a rebased series) it would otherwise stay in the sums, at the old scale, until the next periodic
  recompute (a 20-input std after a fall from 1e4 to 1 was off by up to 0.7 %, after one from 1e6 to 1 by
  a factor of 46). So the values after a fall are as precise as on a series that never had the old level.
"""

from __future__ import annotations

import math
from typing import Final

from nautilus_platform.core.errors import ValidationError

__all__ = ["ATR", "EMA", "MACD", "RSI", "SMA", "VWAP", "WMA", "BollingerBands", "Indicator", "RollingStd"]

_NAN: Final = math.nan
_FINITE: Final = "must be a finite number"
_RESYNC_UPDATES: Final = 1024
#: A window whose inputs are all below ``1 / _SCALE_DROP`` of the largest input since the last exact
#: recompute is recomputed exactly (see the module docstring).
_SCALE_DROP: Final = 16.0
#: RollingStd recomputes exactly when its sum of squared deviations falls below ``1 / _VARIANCE_DROP`` of the
#: largest since the last exact recompute (see ``RollingStd``).
_VARIANCE_DROP: Final = 256.0


def _check_period(field: str, period: object, minimum: int = 1) -> int:
    if isinstance(period, bool) or not isinstance(period, int) or period < minimum:
        raise ValidationError(field, period, f"must be an int >= {minimum}")
    return period


class Indicator:
    """Common state: ``name``, ``value`` (NaN until ``initialized``), ``initialized`` and ``count``."""

    __slots__ = ("count", "initialized", "name", "value")

    def __init__(self, name: str) -> None:
        self.name = name
        self.reset()  # subclasses set what their reset() needs before calling this

    def reset(self) -> None:
        """Return to the freshly constructed state."""
        self.value = _NAN
        self.initialized = False
        self.count = 0

    def __repr__(self) -> str:
        return f"{self.name}(value={self.value!r}, count={self.count})"


class _Window(Indicator):
    """Ring buffer of the last ``period`` inputs, with the exact-recompute schedule for running sums.

    ``_peak`` is the largest magnitude among the inputs since the last exact recompute (and the window at
    that recompute), ``_last_big`` the ``count`` of the latest input of at least ``_peak / _SCALE_DROP``: once
    that input has left the window (``count - _last_big >= period``), the running sums carry rounding
    errors of a scale the window no longer has, and ``_due`` asks for a recompute."""

    __slots__ = ("_buf", "_i", "_last_big", "_peak", "_wraps", "_wraps_left", "period")

    def __init__(self, name: str, period: int, minimum: int = 1) -> None:
        self.period = _check_period("period", period, minimum)
        self._wraps = max(1, _RESYNC_UPDATES // period)
        super().__init__(name)

    def reset(self) -> None:
        super().reset()
        self._buf = [0.0] * self.period
        self._i = 0
        self._wraps_left = self._wraps
        self._peak = 0.0
        self._last_big = 0

    def _wrapped(self) -> bool:
        """The write index wrapped to 0: mark initialized; True when the running sums are due a recompute."""
        self.initialized = True
        self._wraps_left -= 1
        if self._wraps_left:
            return False
        self._wraps_left = self._wraps
        return True

    def _due(self, value: float, count: int) -> bool:
        """Track the scale of the inputs (``value`` is input number ``count``); True when every input in the
        window is below ``_peak / _SCALE_DROP``, so the running sums are due an exact recompute."""
        magnitude = value if value >= 0.0 else -value
        if magnitude * _SCALE_DROP >= self._peak:
            self._last_big = count
            if magnitude > self._peak:
                self._peak = magnitude
            return False
        return count - self._last_big >= self.period

    def _rescale(self) -> None:
        """After an exact recompute: measure the scale afresh from the window (``_i`` is the next write index)."""
        buf = self._buf
        n = self.period
        peak = 0.0
        for x in buf:
            magnitude = x if x >= 0.0 else -x
            if magnitude > peak:
                peak = magnitude
        self._peak = peak
        for age in range(n):  # newest first: the latest input of at least peak / _SCALE_DROP
            x = buf[(self._i - 1 - age) % n]
            if (x if x >= 0.0 else -x) * _SCALE_DROP >= peak:
                self._last_big = self.count - age
                return


class SMA(_Window):
    """Simple moving average over the last ``period`` inputs (running sum over a ring buffer)."""

    __slots__ = ("_div", "_sum")

    def __init__(self, period: int) -> None:
        super().__init__(f"SMA({period})", period)

    def reset(self) -> None:
        super().reset()
        self._sum = 0.0
        self._div = _NAN  # the sum divided by NaN is NaN: no warm-up branch on the hot path

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        buf = self._buf
        i = self._i
        s = self._sum + (value - buf[i])
        buf[i] = value
        i += 1
        exact = False
        if i == self.period:
            i = 0
            self._div = float(self.period)
            exact = self._wrapped()
        self._i = i
        count = self.count = self.count + 1
        # ``_due`` inlined: this runs on every bar of most strategies
        peak = self._peak
        if (value if value >= 0.0 else -value) * _SCALE_DROP >= peak:
            self._last_big = count
            if value > peak or -value > peak:
                self._peak = value if value >= 0.0 else -value
        elif count - self._last_big >= self.period:
            exact = True
        if exact:
            s = math.fsum(buf)
            self._rescale()
        self._sum = s
        mean = self.value = s / self._div
        return mean


class WMA(_Window):
    """Linearly weighted moving average: the newest input weighs ``period``, the oldest 1."""

    __slots__ = ("_denom", "_sum", "_wsum")

    def __init__(self, period: int) -> None:
        super().__init__(f"WMA({period})", period)
        self._denom = period * (period + 1) / 2.0

    def reset(self) -> None:
        super().reset()
        self._sum = 0.0
        self._wsum = 0.0

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        n = self.period
        buf = self._buf
        i = self._i
        if self.initialized:  # every weight drops by one, the oldest (weight 1) leaves, the new one weighs n
            self._wsum += n * value - self._sum
        else:
            self._wsum += (i + 1) * value
        self._sum += value - buf[i]
        buf[i] = value
        i += 1
        exact = False
        if i == n:
            i = 0
            exact = self._wrapped()
        self._i = i
        count = self.count = self.count + 1
        if self._due(value, count) or exact:
            self._sum = math.fsum(buf)
            self._wsum = math.fsum(buf[(i + j) % n] * (j + 1) for j in range(n))  # buf[i] is the oldest
            self._rescale()
        if self.initialized:
            self.value = self._wsum / self._denom
        return self.value


class RollingStd(_Window):
    """Rolling std over ``period`` inputs (sliding Welford update); ``mean`` is the window mean, NaN until initialized.

    The running mean and sum of squared deviations are kept for the inputs less a shift (the newest input at the
    last exact recompute), so their rounding scales with how far prices moved since then, not with the price
    level; and they are recomputed exactly, besides on the ``_Window`` schedule, as soon as the sum of squared
    deviations falls below ``1 / _VARIANCE_DROP`` of its largest value since the last recompute (a calm window
    after a volatile one, or a window of equal inputs: its std is then exactly 0 and its mean that input)."""

    __slots__ = ("_m2", "_mean", "_peak_m2", "_shift", "ddof", "mean")

    def __init__(self, period: int, ddof: int = 1) -> None:
        if isinstance(ddof, bool) or not isinstance(ddof, int) or ddof < 0:
            raise ValidationError("ddof", ddof, "must be an int >= 0")
        self.ddof = ddof
        super().__init__(f"RollingStd({period}, ddof={ddof})", period, ddof + 1)

    def reset(self) -> None:
        super().reset()
        self.mean = _NAN
        self._mean = 0.0  # the mean of the inputs less ``_shift``
        self._shift = 0.0
        self._m2 = 0.0
        self._peak_m2 = 0.0

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        n = self.period
        buf = self._buf
        i = self._i
        if not self.count:
            self._shift = value
        shift = self._shift
        x = value - shift
        mean = self._mean
        if self.initialized:  # the window slides: ``old`` leaves, ``x`` enters
            old = buf[i] - shift
            new_mean = mean + (x - old) / n
            m2 = self._m2 + (x - old) * (x - new_mean + old - mean)
        else:  # Welford's running update while the window fills
            new_mean = mean + (x - mean) / (i + 1)
            m2 = self._m2 + (x - mean) * (x - new_mean)
        buf[i] = value
        i += 1
        exact = False
        if i == n:
            i = 0
            exact = self._wrapped()
        self._i = i
        count = self.count = self.count + 1
        if m2 > self._peak_m2:
            self._peak_m2 = m2
        elif m2 * _VARIANCE_DROP < self._peak_m2 and self.initialized:
            exact = True
        if self._due(value, count) or exact:
            self._shift = shift = buf[i - 1]  # the newest input: a window of equal inputs is then all zeros
            new_mean = math.fsum([y - shift for y in buf]) / n
            deviations = [y - shift - new_mean for y in buf]
            m2 = self._peak_m2 = math.fsum([d * d for d in deviations])
            self._rescale()
        self._mean = new_mean
        self._m2 = m2
        if self.initialized:
            self.mean = shift + new_mean
            self.value = math.sqrt(max(m2, 0.0) / (n - self.ddof))
        return self.value


class EMA(Indicator):
    """Exponential moving average, ``alpha = 2 / (period + 1)``, seeded with the SMA of the first ``period``."""

    __slots__ = ("_seed", "alpha", "period")

    def __init__(self, period: int) -> None:
        self.period = _check_period("period", period)
        self.alpha = 2.0 / (period + 1)
        super().__init__(f"EMA({period})")

    def reset(self) -> None:
        super().reset()
        self._seed = 0.0

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        self.count += 1
        if self.initialized:
            self.value += self.alpha * (value - self.value)
        else:
            self._seed += value
            if self.count == self.period:
                self.value = self._seed / self.period
                self.initialized = True
        return self.value


class RSI(Indicator):
    """Relative strength index with Wilder smoothing; initialized after ``period + 1`` prices."""

    __slots__ = ("_prev", "avg_gain", "avg_loss", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = _check_period("period", period)
        super().__init__(f"RSI({period})")

    def reset(self) -> None:
        super().reset()
        self.avg_gain = 0.0
        self.avg_loss = 0.0
        self._prev = _NAN

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        self.count += 1
        if self.count == 1:
            self._prev = value
            return self.value
        change = value - self._prev
        self._prev = value
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        n = self.period
        if self.initialized:
            self.avg_gain = (self.avg_gain * (n - 1) + gain) / n
            self.avg_loss = (self.avg_loss * (n - 1) + loss) / n
        else:  # accumulate sums, then divide once: the seed is the simple mean
            self.avg_gain += gain
            self.avg_loss += loss
            if self.count <= n:
                return self.value
            self.avg_gain /= n
            self.avg_loss /= n
            self.initialized = True
        if self.avg_loss == 0.0:
            self.value = 100.0 if self.avg_gain > 0.0 else 50.0
        else:
            self.value = 100.0 - 100.0 / (1.0 + self.avg_gain / self.avg_loss)
        return self.value


class MACD(Indicator):
    """MACD line (fast EMA - slow EMA), its signal EMA and histogram; ``value`` is the MACD line.

    All outputs stay NaN until the signal EMA is seeded, i.e. after ``slow + signal - 1`` inputs.
    """

    __slots__ = ("_fast", "_signal", "_slow", "fast", "histogram", "macd", "signal", "signal_period", "slow")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast = _check_period("fast", fast)
        self.slow = _check_period("slow", slow)
        self.signal_period = _check_period("signal", signal)
        if fast >= slow:
            raise ValidationError("fast", fast, f"must be < slow ({slow})")
        self._fast, self._slow, self._signal = EMA(fast), EMA(slow), EMA(signal)
        super().__init__(f"MACD({fast},{slow},{signal})")

    def reset(self) -> None:
        super().reset()
        self._fast.reset()
        self._slow.reset()
        self._signal.reset()
        self.macd = self.signal = self.histogram = _NAN

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        self.count += 1
        self._fast.update(value)
        self._slow.update(value)
        if not self._slow.initialized:
            return self.value
        line = self._fast.value - self._slow.value
        sig = self._signal
        sig.update(line)
        if sig.initialized:
            self.initialized = True
            self.value = self.macd = line
            self.signal = sig.value
            self.histogram = line - sig.value
        return self.value


class BollingerBands(Indicator):
    """Bollinger bands: ``middle`` = SMA, ``upper``/``lower`` = middle ± k · population std; ``value`` = middle."""

    __slots__ = ("_std", "k", "lower", "middle", "period", "upper")

    def __init__(self, period: int = 20, k: float = 2.0) -> None:
        self.period = _check_period("period", period)
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not (0.0 < k < math.inf):
            raise ValidationError("k", k, "must be a finite number > 0")
        self.k = float(k)
        self._std = RollingStd(period, ddof=0)
        super().__init__(f"BollingerBands({period}, {k})")

    def reset(self) -> None:
        super().reset()
        self._std.reset()
        self.upper = self.middle = self.lower = _NAN

    def update(self, value: float) -> float:
        std = self._std
        std.update(value)  # validates first, so a bad input changes nothing
        self.count += 1
        if std.initialized:
            self.initialized = True
            self.value = self.middle = mid = std.mean
            width = self.k * std.value
            self.upper = mid + width
            self.lower = mid - width
        return self.value


class ATR(Indicator):
    """Average true range with Wilder smoothing; the first true range is ``high - low``."""

    __slots__ = ("_prev_close", "_sum", "period")

    def __init__(self, period: int = 14) -> None:
        self.period = _check_period("period", period)
        super().__init__(f"ATR({period})")

    def reset(self) -> None:
        super().reset()
        self._prev_close = _NAN
        self._sum = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        for field, x in (("high", high), ("low", low), ("close", close)):
            if x - x != 0.0:
                raise ValidationError(field, x, _FINITE)
        if low > high:
            raise ValidationError("low", low, f"must be <= high ({high})")
        prev = self._prev_close
        tr = high - low if self.count == 0 else max(high - low, abs(high - prev), abs(low - prev))
        self._prev_close = close
        self.count += 1
        n = self.period
        if self.initialized:
            self.value = (self.value * (n - 1) + tr) / n
        else:
            self._sum += tr
            if self.count == n:
                self.value = self._sum / n
                self.initialized = True
        return self.value


class VWAP(Indicator):
    """Session volume-weighted average price since the last ``reset()``; NaN while the volume sum is 0."""

    __slots__ = ("_pv", "_volume")

    def __init__(self) -> None:
        super().__init__("VWAP")

    def reset(self) -> None:
        super().reset()
        self._pv = 0.0
        self._volume = 0.0

    def update(self, price: float, volume: float) -> float:
        if price - price != 0.0:
            raise ValidationError("price", price, _FINITE)
        if volume - volume != 0.0 or volume < 0.0:
            raise ValidationError("volume", volume, "must be a finite number >= 0")
        self.count += 1
        self._pv += price * volume
        self._volume += volume
        if self._volume > 0.0:
            self.value = self._pv / self._volume
            self.initialized = True
        return self.value
