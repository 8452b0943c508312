"""Wall-clock time in a zone to UTC nanoseconds, calendar days in a zone, ISO 8601 text to nanoseconds.

One rule everywhere: a wall-clock time that a DST change makes ambiguous (it happens twice) or
skips (it never happens) takes the **earlier instant** of its two readings, with the UTC offset in
force before and with the one after the change. So ``2021-03-14T02:30`` in New York (skipped) is
06:30Z (read at EDT) and ``2021-11-07T01:30`` (ambiguous) is 05:30Z (also EDT). The one exception
is a file's order: ``repeated_hour`` finds, in the times of one file, where the clock goes back
across the repeated hour (01:59 EDT, then 01:00 again), and reads the times from there on as the
hour's second occurrence (05:59Z, then 06:00Z: the later instant). Whole columns go
through PyArrow; only values within a few days of the int64 nanosecond limits (years 1677 and
2262, where PyArrow's zone arithmetic would wrap around) are converted one by one in Python, and
an instant beyond the limits is reported, never wrapped.

Epoch integers come in seconds, milliseconds, microseconds or nanoseconds; ``epoch_unit_fit`` says
which unit puts each value at a plausible instant, 1971-01-01 to 2262-04-11 (the int64 nanosecond
limit). That window spans less than a factor of 1000, so at most one unit fits a value: Binance's
ms klines (~1.7e12) and µs klines (~1.7e15) can never be taken for one another.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.lazy import LazyModule

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DAY_NS = 86_400_000_000_000
FIRST_NS_TIME = "1677-09-21T00:12:43.145224192Z"
LAST_NS_TIME = "2262-04-11T23:47:16.854775807Z"
#: the rule a timestamp outside int64 nanoseconds breaks
OUT_OF_RANGE = f"is outside the nanosecond time range {FIRST_NS_TIME} to {LAST_NS_TIME}"
_MARGIN_NS = 3 * DAY_NS  # more than any UTC offset, or any DST step, away from the int64 limits
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PROBE_NS = 3 * 3_600_000_000_000  # longer than any DST change, far shorter than the time between two
_DIGITS = re.compile(r"\d+", re.ASCII)
#: Epoch units, finest last, and nanoseconds per unit.
EPOCH_UNITS: tuple[str, ...] = ("s", "ms", "us", "ns")
EPOCH_UNIT_NS: tuple[int, ...] = (1_000_000_000, 1_000_000, 1_000, 1)
#: The first plausible instant of an epoch value, 1971-01-01T00:00Z; the last is the int64 limit.
PLAUSIBLE_FROM_NS = 365 * DAY_NS
PLAUSIBLE_SPAN = "1971-01-01 to 2262-04-11"


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone ``tz``; a ``ValidationError`` names it when unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("tz", tz, "is not an IANA time zone (e.g. 'UTC', 'America/New_York')") from None


def in_range(value: int) -> bool:
    """Whether ``value`` fits int64 nanoseconds."""
    return INT64_MIN <= value <= INT64_MAX


def wall_to_utc(wall: Int64Array, tz: str) -> tuple[Int64Array, BoolArray]:
    """Wall-clock times in ``tz`` (ns since the local epoch) as UTC ns, plus the rows whose instant
    is outside int64 ns (value 0 there). Ambiguous and skipped times take the earlier instant."""
    n = len(wall)
    outside = np.zeros(n, np.bool_)
    if tz == "UTC" or n == 0:
        return wall.astype(np.int64, copy=True), outside
    info = zone(tz)
    utc = np.zeros(n, np.int64)
    safe = (wall > INT64_MIN + _MARGIN_NS) & (wall < INT64_MAX - _MARGIN_NS)
    if safe.any():
        inner = wall[safe]
        # read at the offset in force just after any change: a skipped time read there is the
        # earlier of its readings; other times (ambiguous ones: the earliest) are read as usual
        naive = pa.array(inner, pa.timestamp("ns"))
        after = pc.assume_timezone(naive, tz, ambiguous="earliest", nonexistent="latest")
        utc[safe] = inner - (_int64(pc.local_timestamp(after)) - _int64(after))
    for row in np.flatnonzero(~safe):
        instant = wall_to_utc_one(int(wall[row]), info)
        if instant is None:
            outside[row] = True
        else:
            utc[row] = instant
    return utc, outside


def dst_changes(wall: Int64Array, tz: str) -> tuple[BoolArray, BoolArray]:
    """The wall-clock times in ``tz`` (ns since the local epoch) that a DST change makes
    ``(ambiguous, skipped)``: ambiguous ones happen twice (the clock is set back over them),
    skipped ones never happen (the clock jumps over them). ``wall_to_utc`` reads both as the earlier
    of their two instants; these masks let a caller say so row by row."""
    n = len(wall)
    ambiguous = np.zeros(n, np.bool_)
    skipped = np.zeros(n, np.bool_)
    if tz == "UTC" or n == 0:
        return ambiguous, skipped
    info = zone(tz)
    safe = (wall > INT64_MIN + _MARGIN_NS) & (wall < INT64_MAX - _MARGIN_NS)
    if safe.any():
        inner = wall[safe]
        naive = pa.array(inner, pa.timestamp("ns"))
        earliest = pc.assume_timezone(naive, tz, ambiguous="earliest", nonexistent="earliest")
        latest = pc.assume_timezone(naive, tz, ambiguous="latest", nonexistent="latest")
        two_readings = _int64(earliest) != _int64(latest)
        exists = _int64(pc.local_timestamp(latest)) == inner  # a skipped time reads as the first instant after it
        ambiguous[safe] = two_readings & exists
        skipped[safe] = two_readings & ~exists
    for row in np.flatnonzero(~safe):
        offsets = _offsets_one(int(wall[row]), info)
        if offsets is not None:
            ambiguous[row], skipped[row] = offsets[0] > offsets[1], offsets[0] < offsets[1]
    return ambiguous, skipped


def repeated_hour(
    wall: Int64Array, earlier: Int64Array, tz: str, ambiguous: BoolArray, spacing_ns: int | None = None
) -> tuple[BoolArray, BoolArray, Int64Array]:
    """Where the ambiguous wall-clock times of one file (``wall``, in file order, in ``tz``; read
    as ``earlier`` by ``wall_to_utc``) go back across a DST change that repeats them:
    ``(second, resolved, later)``.

    The ambiguous times of one change (those within 12 hours of one midnight) are taken in file
    order; the first of them that goes back from the latest before it by at least half the change
    (so that its later reading is the nearer one; a tick a second out of order is not a change of
    hour) starts the hour's second occurrence: it and every later one of that change are
    ``second`` and read at the offset after the change, with their UTC ns in ``later``. With
    ``spacing_ns`` (a bar file's interval) at least the change, an equal time also goes back: one
    bar per occurrence (hourly bars stamped 01:00 twice). Every time of a change where this
    happens is ``resolved``, the others stay ambiguous (read as the earlier instant)."""
    n = len(wall)
    second = np.zeros(n, np.bool_)
    resolved = np.zeros(n, np.bool_)
    later = np.zeros(n, np.int64)
    safe = ambiguous & (wall > INT64_MIN + _MARGIN_NS) & (wall < INT64_MAX - _MARGIN_NS)
    rows = np.flatnonzero(safe)
    if len(rows) < 2 or tz == "UTC":
        return second, resolved, later
    inner = wall[rows]
    # the later reading takes the offset in force a few hours after the earlier one, past the change
    # (PyArrow's assume_timezone is slow on ambiguous times: local_timestamp of instants is not)
    probe = earlier[rows] + _PROBE_NS
    after = _int64(pc.local_timestamp(pa.array(probe, pa.timestamp("ns", tz=tz)))) - probe
    second_utc = inner - after
    shift = second_utc - earlier[rows]
    day, rest = np.divmod(inner, DAY_NS)
    change = day + (rest >= DAY_NS // 2)  # noon to noon: a change at night falls in one of them
    by_change = np.argsort(change, kind="stable")  # file order within a change
    bounds = np.flatnonzero(np.r_[True, change[by_change][1:] != change[by_change][:-1], True])
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):  # one per DST change
        group = by_change[start:end]
        if len(group) < 2:
            continue
        times, steps = inner[group], shift[group]
        back = np.maximum.accumulate(times)[:-1] - times[1:]
        goes_back = (back > 0) & (2 * back >= steps[1:])
        if spacing_ns is not None:
            goes_back |= (back == 0) & (spacing_ns >= steps[1:])
        if not goes_back.any():
            continue
        turn = int(np.argmax(goes_back)) + 1
        resolved[rows[group]] = True
        second[rows[group[turn:]]] = True
        later[rows[group[turn:]]] = second_utc[group[turn:]]
    return second, resolved, later


def _offsets_one(wall_ns: int, tz: ZoneInfo) -> tuple[timedelta, timedelta] | None:
    """The UTC offsets of a wall-clock time read before (fold 0) and after (fold 1) a change."""
    try:
        moment = _EPOCH + timedelta(microseconds=wall_ns // 1000)
    except OverflowError:
        return None
    before, after = (moment.replace(tzinfo=tz, fold=fold).utcoffset() or timedelta(0) for fold in (0, 1))
    return before, after


def wall_to_utc_one(wall_ns: int, tz: ZoneInfo) -> int | None:
    """One wall-clock time in ``tz`` as UTC ns (the earlier instant at a DST change), or ``None``
    when that instant is outside int64 ns."""
    try:
        moment = _EPOCH + timedelta(microseconds=wall_ns // 1000)
    except OverflowError:
        return None
    offsets = [moment.replace(tzinfo=tz, fold=fold).utcoffset() or timedelta(0) for fold in (0, 1)]
    utc = wall_ns - max(offsets) // _MICROSECOND * 1000
    return utc if in_range(utc) else None


def days_later(utc: Int64Array, days: int, tz: str) -> tuple[Int64Array, BoolArray]:
    """The instants ``days`` calendar days after ``utc`` in ``tz`` (same wall-clock time, so a day
    across a DST change lasts 23 or 25 hours), plus the rows whose result is outside int64 ns."""
    n = len(utc)
    span = days * DAY_NS
    if tz == "UTC":
        outside = utc > max(INT64_MAX - span, INT64_MIN)
        return np.where(outside, 0, np.where(outside, 0, utc) + min(span, INT64_MAX)), outside
    info = zone(tz)
    result = np.zeros(n, np.int64)
    outside = np.zeros(n, np.bool_)
    safe = (utc > INT64_MIN + _MARGIN_NS) & (utc < max(INT64_MIN, INT64_MAX - _MARGIN_NS - span))
    if safe.any():
        local = _int64(pc.local_timestamp(pa.array(utc[safe], pa.timestamp("ns", tz=tz))))
        result[safe], outside[safe] = wall_to_utc(local + span, tz)
    for row in np.flatnonzero(~safe):
        instant = _days_later_one(int(utc[row]), days, info)
        if instant is None:
            outside[row] = True
        else:
            result[row] = instant
    return np.where(outside, 0, result), outside


def _days_later_one(utc_ns: int, days: int, tz: ZoneInfo) -> int | None:
    try:
        offset = (_EPOCH_UTC + timedelta(microseconds=utc_ns // 1000)).astimezone(tz).utcoffset() or timedelta(0)
    except OverflowError:
        return None
    return wall_to_utc_one(utc_ns + offset // _MICROSECOND * 1000 + days * DAY_NS, tz)


def epoch_unit_fit(counts: Int64Array) -> Int64Array:
    """Per value, the index in ``EPOCH_UNITS`` of the unit that puts it between 1971-01-01 and
    2262-04-11 (``PLAUSIBLE_SPAN``), or -1 where no unit does (0, negative, or huge values)."""
    fit = np.full(len(counts), -1, np.int64)
    for index, factor in enumerate(EPOCH_UNIT_NS):
        low = -(-PLAUSIBLE_FROM_NS // factor)  # ceiling: the smallest count at or after the window's start
        fit[(counts >= low) & (counts <= INT64_MAX // factor)] = index
    return fit


def iso_instant(text: str) -> tuple[int, bool] | str:
    """ISO 8601 text as ``(ns, zone_aware)`` — UTC ns when it has a zone, else wall-clock ns — at
    full nanosecond precision; or the reason it is refused."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return "is not an ISO 8601 date/time"
    nanos = 0
    dot = text.find(".") if "." in text else text.find(",")  # valid ISO text: only the seconds' fraction
    if dot >= 0 and text[dot + 7 : dot + 8].isdigit():  # more than 6 digits: datetime kept only 6
        match = _DIGITS.match(text, dot + 1)
        digits = match.group() if match is not None else ""
        if digits[9:].strip("0"):
            return "has more than 9 decimals of seconds (nanosecond precision)"
        nanos = int(digits[6:9].ljust(3, "0"))
    aware = moment.tzinfo is not None
    ns = (moment - (_EPOCH_UTC if aware else _EPOCH)) // _MICROSECOND * 1000 + nanos
    return (ns, aware) if in_range(ns) else OUT_OF_RANGE


def _int64(values: pa.Array | pa.ChunkedArray) -> Int64Array:
    return np.asarray(pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), np.int64)


__all__ = [
    "DAY_NS",
    "EPOCH_UNITS",
    "EPOCH_UNIT_NS",
    "FIRST_NS_TIME",
    "INT64_MAX",
    "INT64_MIN",
    "LAST_NS_TIME",
    "OUT_OF_RANGE",
    "PLAUSIBLE_FROM_NS",
    "PLAUSIBLE_SPAN",
    "days_later",
    "dst_changes",
    "epoch_unit_fit",
    "in_range",
    "iso_instant",
    "repeated_hour",
    "wall_to_utc",
    "wall_to_utc_one",
    "zone",
]
