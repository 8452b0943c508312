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
  ring buffer every ``period * max(1, 1024 // period)`` updates, i.e. about every 1,024 updates.
"""

from __future__ import annotations

import math
from typing import Final

from nautilus_platform.core.errors import ValidationError

__all__ = ["ATR", "EMA", "MACD", "RSI", "SMA", "VWAP", "WMA", "BollingerBands", "Indicator", "RollingStd"]

_NAN: Final = math.nan
_FINITE: Final = "must be a finite number"
_RESYNC_UPDATES: Final = 1024


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
    """Ring buffer of the last ``period`` inputs, with the exact-recompute schedule for running sums."""

    __slots__ = ("_buf", "_i", "_wraps", "_wraps_left", "period")

    def __init__(self, name: str, period: int, minimum: int = 1) -> None:
        self.period = _check_period("period", period, minimum)
        self._wraps = max(1, _RESYNC_UPDATES // period)
        super().__init__(name)

    def reset(self) -> None:
        super().reset()
        self._buf = [0.0] * self.period
        self._i = 0
        self._wraps_left = self._wraps

    def _wrapped(self) -> bool:
        """The write index wrapped to 0: mark initialized; True when the running sums are due a recompute."""
        self.initialized = True
        self._wraps_left -= 1
        if self._wraps_left:
            return False
        self._wraps_left = self._wraps
        return True


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
        if i == self.period:
            i = 0
            self._div = float(self.period)
            if self._wrapped():
                s = math.fsum(buf)
        self._sum = s
        self._i = i
        self.count += 1
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
        if i == n:
            i = 0
            if self._wrapped():
                self._sum = math.fsum(buf)
                self._wsum = math.fsum(buf[j] * (j + 1) for j in range(n))  # i == 0: buf is oldest-first
        self._i = i
        self.count += 1
        if self.initialized:
            self.value = self._wsum / self._denom
        return self.value


class RollingStd(_Window):
    """Rolling std over ``period`` inputs (sliding Welford update); ``mean`` is the window mean, NaN until initialized."""

    __slots__ = ("_m2", "_mean", "ddof", "mean")

    def __init__(self, period: int, ddof: int = 1) -> None:
        if isinstance(ddof, bool) or not isinstance(ddof, int) or ddof < 0:
            raise ValidationError("ddof", ddof, "must be an int >= 0")
        self.ddof = ddof
        super().__init__(f"RollingStd({period}, ddof={ddof})", period, ddof + 1)

    def reset(self) -> None:
        super().reset()
        self.mean = self._mean = _NAN
        self._m2 = 0.0

    def update(self, value: float) -> float:
        if value - value != 0.0:
            raise ValidationError("value", value, _FINITE)
        n = self.period
        buf = self._buf
        i = self._i
        if self.initialized:  # the window slides: ``old`` leaves, ``value`` enters
            old = buf[i]
            mean = self._mean
            new_mean = mean + (value - old) / n
            self._m2 += (value - old) * (value - new_mean + old - mean)
        else:  # Welford's running update while the window fills
            mean = self._mean if i else 0.0
            new_mean = mean + (value - mean) / (i + 1)
            self._m2 += (value - mean) * (value - new_mean)
        self._mean = new_mean
        buf[i] = value
        i += 1
        if i == n:
            i = 0
            if self._wrapped():
                self._mean = mean = math.fsum(buf) / n
                self._m2 = math.fsum((x - mean) * (x - mean) for x in buf)
        self._i = i
        self.count += 1
        if self.initialized:
            self.mean = self._mean
            self.value = math.sqrt(max(self._m2, 0.0) / (n - self.ddof))
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
