"""Column parsing: a file's columns to exact raw integers, UTC nanoseconds and codes.

Every parser returns the values plus two row masks, ``missing`` (empty or null) and ``invalid``
(present but unparseable, with the reason in ``problems``), so validation can count and report
each row instead of failing the whole file. Decimal text and integers convert exactly through
Arrow's ``decimal128(38, 9)``; binary floats (Parquet ``double`` columns) are rounded to the
nearest 10**-9 there, which the instrument-increment check then judges. In numbers and timestamps,
a null marker (``NULL_MARKERS``: ``null``, ``NaN``, ``N/A``… as Yahoo writes for a day without
prices) is missing, like an empty field or a Parquet null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.lazy import LazyModule
from nautilus_platform.data.times import (
    DAY_NS,
    EPOCH_UNIT_NS,
    EPOCH_UNITS,
    OUT_OF_RANGE,
    PLAUSIBLE_SPAN,
    dst_changes,
    epoch_unit_fit,
    iso_instant,
    repeated_hour,
    wall_to_utc,
    zone,
)
from nautilus_platform.model.values import FIXED_PRECISION, FIXED_SCALAR

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # imported on first use: a backtest on simulated or loaded columns never needs PyArrow
    pa = LazyModule("pyarrow")
    pc = LazyModule("pyarrow.compute")

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_INT64_MAX = 2**63 - 1
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
# what the vectorised casts accept, for the row-by-row fallbacks: ASCII digits, no ``_`` separators
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INTEGER_TEXT = re.compile(r"[+-]?\d+", re.ASCII)
#: Text that stands for a missing number or time (compared trimmed, in any case).
NULL_MARKERS = frozenset({"null", "none", "nan", "-nan", "+nan", "na", "n/a", "#n/a"})


@dataclass
class Parsed:
    """One parsed column: ``values`` (0 where ``missing`` or ``invalid``) and per-row problems."""

    values: Int64Array
    missing: BoolArray
    invalid: BoolArray
    problems: dict[int, str] = field(default_factory=dict)
    #: rows written with more than 9 decimals (float text such as ``27.226834999999998``): the
    #: exact value, while ``values`` holds it rounded half-even to 10**-9
    excess: dict[int, Decimal] = field(default_factory=dict)
    #: timestamps only: some values had no zone and were read as wall-clock time in ``tz``
    zone_assumed: bool = False
    #: timestamps only: the rows of wall-clock time that a DST change in ``tz`` makes ambiguous
    #: (it happens twice) or skipped (it never happens), each read as the earlier instant; ``None``
    #: when there is none. Ambiguous rows that the file's order resolves are not among them
    ambiguous: BoolArray | None = None
    skipped: BoolArray | None = None
    #: timestamps only: rows of an hour that a DST change repeats, read by the file's order (the
    #: clock goes back across the change: ``times.repeated_hour``); ``repeated_second`` are those
    #: read as its second occurrence (the later instant). ``None`` when there is none
    repeated: BoolArray | None = None
    repeated_second: BoolArray | None = None
    #: the ``missing`` rows written as a null marker (``null``, ``N/A``…); ``None`` when there is none
    marked: BoolArray | None = None
    #: epoch timestamps only: per row, the index in ``EPOCH_UNITS`` of the unit that puts the value
    #: between 1971 and 2262 (-1: none); with ``ts_unit="auto"``, the unit each row was read in
    epoch_fit: Int64Array | None = None


def _blank_to_null(column: pa.ChunkedArray, parsed: Parsed | None = None) -> pa.ChunkedArray:
    """Strings trimmed, with empty strings as nulls; with ``parsed``, null markers too (recorded
    in ``parsed.marked``)."""
    trimmed = pc.utf8_trim_whitespace(column)
    null = pa.scalar(None, pa.string())
    blank = pc.equal(trimmed, "")
    if parsed is None:
        return pc.if_else(blank, null, trimmed)
    marked = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(NULL_MARKERS), pa.string()))
    rows = pc.fill_null(marked, False).to_numpy(zero_copy_only=False).astype(np.bool_)
    if rows.any():
        parsed.marked = rows
    return pc.if_else(pc.or_(blank, marked), null, trimmed)


def _empty(n: int) -> Parsed:
    return Parsed(np.zeros(n, np.int64), np.zeros(n, np.bool_), np.zeros(n, np.bool_))


def _decimal_words(column: pa.ChunkedArray) -> tuple[Int64Array, Int64Array]:
    """Low and high 64-bit words of each decimal128 value (little-endian two's complement)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(array)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    words = np.frombuffer(array.buffers()[1], dtype="<i8").reshape(-1, 2)[array.offset : array.offset + n]
    return words[:, 0].astype(np.int64), words[:, 1].astype(np.int64)


def _raw_of_text(text: str) -> tuple[int, Decimal | None] | str:
    """One value as raw fixed-point (and the exact value when it had more than 9 decimals), or
    the reason it is not a valid number."""
    try:
        dec = Decimal(text)
    except InvalidOperation:
        return "is not a decimal number"
    if not dec.is_finite():
        return "must be finite"
    if not _DECIMAL_TEXT.fullmatch(text):  # Decimal also takes "1_000" and non-ASCII digits
        return "is not a decimal number"
    scaled = dec.scaleb(FIXED_PRECISION, context=_EXACT)
    integral = scaled.to_integral_value(rounding=ROUND_HALF_EVEN, context=_EXACT)
    if abs(integral) > _INT64_MAX:
        return "is too large"
    return int(integral), (dec if integral != scaled else None)


def decimals(column: pa.ChunkedArray) -> Parsed:
    """Numbers (text, integers or floats) as raw fixed-point integers at scale 10**9."""
    n = len(column)
    parsed = _empty(n)
    kind = column.type
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
        finite = pc.fill_null(pc.is_finite(column), True).to_numpy(zero_copy_only=False)
        if not finite.all():
            for row in np.flatnonzero(~finite):
                parsed.problems[int(row)] = "must be finite"
            parsed.invalid |= ~finite
            column = pc.if_else(pa.array(finite), column, pa.scalar(None, kind))
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        column = _blank_to_null(column, parsed)
    elif not (pa.types.is_integer(kind) or pa.types.is_decimal(kind)):
        raise ValidationError("column", str(kind), "must hold numbers (text, integers or floats)")
    parsed.missing = pc.is_null(column).to_numpy(zero_copy_only=False) & ~parsed.invalid
    try:
        low, high = _decimal_words(pc.cast(column, pa.decimal128(38, FIXED_PRECISION)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _decimals_row_by_row(column, parsed)
    overflow = (high != (low >> 63)) & ~parsed.missing & ~parsed.invalid
    for row in np.flatnonzero(overflow):
        parsed.problems[int(row)] = "is too large"
    parsed.invalid |= overflow
    parsed.values = np.where(parsed.missing | parsed.invalid, 0, low)
    return parsed


def _decimals_row_by_row(column: pa.ChunkedArray, parsed: Parsed) -> Parsed:
    """The slow path when a vectorised cast refused some value: find and name each bad row."""
    values = np.zeros(len(column), np.int64)
    for row, item in enumerate(column.to_pylist()):
        if item is None:
            continue
        result = _raw_of_text(repr(item) if isinstance(item, float) else str(item))
        if isinstance(result, str):
            parsed.invalid[row] = True
            parsed.problems[row] = result
        else:
            values[row], exact = result
            if exact is not None:
                parsed.excess[row] = exact
    parsed.values = values
    return parsed


def integers(column: pa.ChunkedArray) -> Parsed:
    """Whole numbers (sequence numbers, epoch times)."""
    n = len(column)
    parsed = _empty(n)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = _blank_to_null(column, parsed)
    parsed.missing = pc.is_null(column).to_numpy(zero_copy_only=False)
    try:
        parsed.values = pc.fill_null(pc.cast(column, pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        return parsed
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = np.zeros(n, np.int64)
    for row, item in enumerate(column.to_pylist()):
        if item is None:
            continue
        text = str(item).strip()
        number = int(text) if _INTEGER_TEXT.fullmatch(text) else None  # int() also takes "1_000"
        if number is None or abs(number) > _INT64_MAX:
            parsed.invalid[row] = True
            parsed.problems[row] = "is not a whole number"
        else:
            values[row] = number
    parsed.values = values
    return parsed


def timestamps(
    column: pa.ChunkedArray, unit: str | None, fmt: str | None, tz: str, *, spacing_ns: int | None = None
) -> Parsed:
    """Timestamps as UTC nanoseconds.

    Epoch integers (``unit``: ``s``, ``ms``, ``us``, ``ns``, or ``auto`` for each value the unit
    that puts it between 1971 and 2262) and zone-aware values are already UTC; naive dates and
    times are read as wall-clock time in ``tz`` (an ambiguous or skipped time at a DST change takes
    the earlier instant, see ``times``, except where the column's order goes back across an hour
    that a DST change repeats: from there on the later instant, see ``times.repeated_hour``, with
    ``spacing_ns`` the interval of a bar file). A value outside int64 nanoseconds (before
    1677-09-21 or after 2262-04-11) is an invalid row, never wrapped around.
    """
    kind = column.type
    if unit is not None:
        if pa.types.is_timestamp(kind):
            raise ValidationError("ts_unit", unit, f"is for epoch numbers, but the column holds {kind}")
        return _epoch_timestamps(column, unit)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return _native_timestamps(column, tz, spacing_ns)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise ValidationError("ts", str(kind), "must be epoch numbers (with ts_unit), timestamps or date/time text")
    marks = _empty(len(column))
    column = _blank_to_null(column, marks)
    if fmt is not None:
        parsed = _formatted_timestamps(column, fmt, tz, spacing_ns)
    else:
        parsed = _iso_timestamps(column, tz, spacing_ns)
    parsed.marked = marks.marked
    return parsed


def _epoch_timestamps(column: pa.ChunkedArray, unit: str) -> Parsed:
    """Epoch integers in ``unit`` (or, for ``auto``, each in the unit that fits it) as UTC ns;
    ``epoch_fit`` says per row which unit puts the value at a plausible instant."""
    parsed = integers(column)
    counts = parsed.values
    fit = epoch_unit_fit(counts)
    present = ~parsed.missing & ~parsed.invalid
    parsed.epoch_fit = np.where(present, fit, -1)
    if unit == "auto":
        unfit = present & (fit < 0)
        rule = f"is not epoch s, ms, us or ns of a time from {PLAUSIBLE_SPAN} (ts_unit auto)"
        for row in np.flatnonzero(unfit):
            parsed.problems[int(row)] = rule
        parsed.invalid |= unfit
        factors = np.asarray(EPOCH_UNIT_NS, np.int64)[np.maximum(fit, 0)]
        parsed.values = np.where(parsed.invalid, 0, counts) * np.where(parsed.invalid, 0, factors)
        return parsed
    factor = EPOCH_UNIT_NS[EPOCH_UNITS.index(unit)]
    limit = _INT64_MAX // factor
    too_far = (np.abs(counts) > limit) & present
    for row in np.flatnonzero(too_far):
        parsed.problems[int(row)] = f"is out of range for epoch {unit}"
    parsed.invalid |= too_far
    parsed.values = np.where(too_far, 0, counts) * factor
    return parsed


def _native_timestamps(column: pa.ChunkedArray, tz: str, spacing_ns: int | None) -> Parsed:
    """Parquet timestamps and dates, converted in their own unit so that none can overflow."""
    kind = column.type
    parsed = _empty(len(column))
    parsed.missing = pc.is_null(column).to_numpy(zero_copy_only=False)
    if pa.types.is_date32(kind):
        factor, raw = DAY_NS, pc.cast(pc.cast(column, pa.int32()), pa.int64())
    else:
        factor, raw = _UNIT_NS["ms" if pa.types.is_date64(kind) else kind.unit], pc.cast(column, pa.int64())
    counts = pc.fill_null(raw, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    limit = _INT64_MAX // factor
    outside = (counts > limit) | (counts < -limit)
    values = np.where(outside, 0, counts) * factor
    if pa.types.is_date(kind) or kind.tz is None:
        zone(tz)
        parsed.zone_assumed = True
        values, beyond = _wall_to_utc(parsed, values, tz, spacing_ns)
        outside |= beyond
    _mark_out_of_range(parsed, outside)
    parsed.values = np.where(parsed.invalid, 0, values)
    return parsed


def _formatted_timestamps(column: pa.ChunkedArray, fmt: str, tz: str, spacing_ns: int | None) -> Parsed:
    zone(tz)
    parsed = _empty(len(column))
    parsed.missing = pc.is_null(column).to_numpy(zero_copy_only=False)
    instants = pc.strptime(column, format=fmt, unit="ns", error_is_null=True)  # tz=UTC when fmt has %z
    unparsed = pc.is_null(instants).to_numpy(zero_copy_only=False) & ~parsed.missing
    if unparsed.any():  # in the format but outside the ns range, or not in the format at all?
        coarse = pc.strptime(column.filter(pa.array(unparsed)), format=fmt, unit="s", error_is_null=True)
        fits = pc.is_valid(coarse).to_numpy(zero_copy_only=False)
        for row, in_format in zip(np.flatnonzero(unparsed).tolist(), fits.tolist(), strict=True):
            parsed.problems[row] = OUT_OF_RANGE if in_format else f"does not match the time format {fmt!r}"
    parsed.invalid = unparsed
    counts = pc.fill_null(pc.cast(instants, pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    if instants.type.tz is not None:  # the format reads a zone (%z): the values are UTC already
        parsed.values = np.where(parsed.invalid, 0, counts)
        return parsed
    parsed.zone_assumed = True
    values, outside = _wall_to_utc(parsed, counts, tz, spacing_ns)
    _mark_out_of_range(parsed, outside)
    parsed.values = np.where(parsed.invalid, 0, values)
    return parsed


def _iso_timestamps(column: pa.ChunkedArray, tz: str, spacing_ns: int | None) -> Parsed:
    """ISO 8601 text: PyArrow's vectorised cast when every value is zone-aware, or every value
    naive, in the forms it reads; otherwise (and to name each bad row) one row at a time."""
    zone(tz)
    for kind in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):
        try:
            cast = pc.cast(column, kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # another form, a bad row, or a time outside the ns range
        parsed = _empty(len(column))
        parsed.missing = pc.is_null(column).to_numpy(zero_copy_only=False)
        values = pc.fill_null(pc.cast(cast, pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        if kind.tz is None:
            parsed.zone_assumed = bool((~parsed.missing).any())
            values, outside = _wall_to_utc(parsed, values, tz, spacing_ns)
            _mark_out_of_range(parsed, outside)
        parsed.values = np.where(parsed.invalid, 0, values)
        return parsed
    return _iso_row_by_row(column, tz, spacing_ns)


def _iso_row_by_row(column: pa.ChunkedArray, tz: str, spacing_ns: int | None) -> Parsed:
    """Each value through ``iso_instant``; the naive ones then go through ``wall_to_utc`` at once."""
    parsed = _empty(len(column))
    naive = np.zeros(len(column), np.bool_)
    values = parsed.values
    for row, item in enumerate(column.to_pylist()):
        if item is None:
            parsed.missing[row] = True
            continue
        result = iso_instant(item)
        if isinstance(result, str):
            parsed.invalid[row] = True
            parsed.problems[row] = result
            continue
        values[row], aware = result
        naive[row] = not aware
    if naive.any():
        parsed.zone_assumed = True
        utc, outside = _wall_to_utc(parsed, values[naive], tz, spacing_ns, np.flatnonzero(naive))
        values[naive] = utc
        beyond = np.zeros(len(values), np.bool_)
        beyond[np.flatnonzero(naive)[outside]] = True
        _mark_out_of_range(parsed, beyond)
    parsed.values = np.where(parsed.invalid, 0, values)
    return parsed


def _wall_to_utc(
    parsed: Parsed, wall: Int64Array, tz: str, spacing_ns: int | None, rows: Int64Array | None = None
) -> tuple[Int64Array, BoolArray]:
    """``wall_to_utc`` of the column's wall-clock times (all rows, or ``rows``), recording in
    ``parsed`` those that a DST change in ``tz`` makes ambiguous or skipped; where the order of the
    times goes back across a repeated hour, its second occurrence takes the later instant."""
    utc, outside = wall_to_utc(wall, tz)
    ambiguous, skipped = dst_changes(wall, tz)
    if ambiguous.any() or skipped.any():
        repeated: BoolArray | None = None
        second: BoolArray | None = None
        if ambiguous.sum() > 1:
            second, repeated, later = repeated_hour(wall, utc, tz, ambiguous, spacing_ns)
            utc = np.where(second, later, utc)
            ambiguous = ambiguous & ~repeated
            if not repeated.any():
                repeated = second = None
        if rows is not None:
            n = len(parsed.values)
            ambiguous, skipped = _scatter(ambiguous, rows, n), _scatter(skipped, rows, n)
            if repeated is not None and second is not None:
                repeated, second = _scatter(repeated, rows, n), _scatter(second, rows, n)
        parsed.ambiguous, parsed.skipped = ambiguous, skipped
        parsed.repeated, parsed.repeated_second = repeated, second
    return utc, outside


def _scatter(mask: BoolArray, rows: Int64Array, n: int) -> BoolArray:
    full = np.zeros(n, np.bool_)
    full[rows] = mask
    return full


def _mark_out_of_range(parsed: Parsed, outside: BoolArray) -> None:
    outside = outside & ~parsed.missing & ~parsed.invalid
    for row in np.flatnonzero(outside):
        parsed.problems[int(row)] = OUT_OF_RANGE
    parsed.invalid |= outside


def codes(column: pa.ChunkedArray, mapping: dict[str, int]) -> Parsed:
    """Categorical text (``"b"``, ``"True"``…) as the integer codes ``mapping`` gives them."""
    if pa.types.is_boolean(column.type):
        column = pc.if_else(column, "True", "False")
    text = _blank_to_null(pc.cast(column, pa.string()))
    keys = list(mapping)
    index = pc.index_in(text, value_set=pa.array(keys, pa.string()))
    parsed = _empty(len(text))
    parsed.missing = pc.is_null(text).to_numpy(zero_copy_only=False)
    unknown = pc.is_null(index).to_numpy(zero_copy_only=False) & ~parsed.missing
    if unknown.any():
        rule = f"is not one of {keys}"
        for row in np.flatnonzero(unknown):
            parsed.problems[int(row)] = rule
    parsed.invalid = unknown
    lookup = np.array([int(mapping[key]) for key in keys], np.int64)
    positions = pc.fill_null(index, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    parsed.values = np.where(parsed.missing | unknown, 0, lookup[positions] if len(keys) else 0)
    return parsed


def texts(column: pa.ChunkedArray) -> tuple[list[str | None], BoolArray]:
    """Identifiers (trade ids) as text, with the rows where they are missing."""
    text = _blank_to_null(pc.cast(column, pa.string()))
    return text.to_pylist(), pc.is_null(text).to_numpy(zero_copy_only=False)


def raw_to_text(raw: int) -> str:
    """A raw fixed-point value as plain decimal text, for reports."""
    sign = "-" if raw < 0 else ""
    whole, frac = divmod(abs(int(raw)), FIXED_SCALAR)
    return f"{sign}{whole}.{frac:09d}".rstrip("0").rstrip(".")
