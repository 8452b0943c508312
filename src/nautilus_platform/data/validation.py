"""Row validation of loaded market data, with a policy per check and a report that counts every row.

Each check has a policy: ``REJECT`` the row, ``FLAG`` it (keep it, report it), ``REPAIR`` it
(where a repair is defined) or ``IGNORE`` the check (where skipping it is safe). A row's outcome
is the strongest that applied: rejected > repaired > flagged > accepted, so the four counts
always add up to the rows read. Nothing is dropped without being counted, and each check keeps
up to ``MAX_ISSUES_PER_CHECK`` sample issues per field (row, field, value, rule).

Checks between rows (time order, duplicates, gaps) see only the rows still alive after every
check of single rows: a rejected row never makes another row a duplicate or a gap's end. Loaded
rows are always in time order: a row that goes back in time and is kept (``non_monotonic`` flag or
repair) takes its place by time (a stable sort); flag and repair differ only in how it is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

import numpy as np

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.data.layouts import DataKind
from nautilus_platform.data.parsing import BoolArray, Int64Array


class Check(Enum):
    """What is checked on each row (or between consecutive rows)."""

    MISSING_VALUE = "missing_value"
    UNPARSEABLE = "unparseable"
    OFF_INCREMENT = "off_increment"
    NON_POSITIVE_PRICE = "non_positive_price"
    INVALID_SIZE = "invalid_size"
    OHLC_INCONSISTENT = "ohlc_inconsistent"
    CROSSED_QUOTE = "crossed_quote"
    NON_MONOTONIC = "non_monotonic"
    EPOCH_UNIT = "epoch_unit"
    AMBIGUOUS_TIME = "ambiguous_time"
    DUPLICATE_TIMESTAMP = "duplicate_timestamp"
    GAP = "gap"
    INVALID_BOOK = "invalid_book"
    SEQUENCE_BACK = "sequence_back"


class Policy(Enum):
    """What to do with a row that fails a check."""

    REJECT = "reject"
    FLAG = "flag"
    REPAIR = "repair"
    IGNORE = "ignore"


#: The policies each check accepts; what a repair does is in ``REPAIRS``.
ALLOWED: Mapping[Check, frozenset[Policy]] = MappingProxyType(
    {
        Check.MISSING_VALUE: frozenset({Policy.REJECT}),
        Check.UNPARSEABLE: frozenset({Policy.REJECT}),
        Check.OFF_INCREMENT: frozenset({Policy.REJECT, Policy.REPAIR}),
        Check.NON_POSITIVE_PRICE: frozenset({Policy.REJECT, Policy.FLAG}),
        Check.INVALID_SIZE: frozenset({Policy.REJECT, Policy.FLAG}),
        Check.OHLC_INCONSISTENT: frozenset({Policy.REJECT, Policy.FLAG, Policy.REPAIR}),
        Check.CROSSED_QUOTE: frozenset({Policy.REJECT, Policy.FLAG}),
        Check.NON_MONOTONIC: frozenset({Policy.REJECT, Policy.FLAG, Policy.REPAIR}),
        Check.EPOCH_UNIT: frozenset({Policy.REJECT, Policy.FLAG, Policy.IGNORE}),
        Check.AMBIGUOUS_TIME: frozenset({Policy.REJECT, Policy.FLAG, Policy.IGNORE}),
        Check.DUPLICATE_TIMESTAMP: frozenset({Policy.REJECT, Policy.FLAG, Policy.IGNORE}),
        Check.GAP: frozenset({Policy.FLAG, Policy.IGNORE}),
        Check.INVALID_BOOK: frozenset({Policy.REJECT}),
        Check.SEQUENCE_BACK: frozenset({Policy.REJECT, Policy.FLAG, Policy.IGNORE}),
    }
)
REPAIRS: Mapping[Check, str] = MappingProxyType(
    {
        Check.OFF_INCREMENT: "round half-even to the nearest tick (prices) or lot (sizes)",
        Check.OHLC_INCONSISTENT: "widen high and low to contain open, high, low and close",
        Check.NON_MONOTONIC: "sort the rows by timestamp (stable)",
    }
)

_DEFAULTS: dict[Check, Policy] = {
    Check.MISSING_VALUE: Policy.REJECT,
    Check.UNPARSEABLE: Policy.REJECT,
    Check.OFF_INCREMENT: Policy.REJECT,
    Check.NON_POSITIVE_PRICE: Policy.REJECT,
    Check.INVALID_SIZE: Policy.REJECT,
    Check.OHLC_INCONSISTENT: Policy.REJECT,
    Check.CROSSED_QUOTE: Policy.REJECT,
    Check.NON_MONOTONIC: Policy.REJECT,
    # an epoch value that the layout's unit puts before 1971 or after 2262 and another unit puts
    # between: almost surely the wrong unit (seconds read as ms land in January 1970)
    Check.EPOCH_UNIT: Policy.REJECT,
    # a time without a zone that a DST change makes ambiguous or skips: kept at the earlier of its
    # two instants and flagged, so that no such reading happens unreported (a repeated hour that
    # the file's order resolves, the clock going back across the change, is not ambiguous)
    Check.AMBIGUOUS_TIME: Policy.FLAG,
    Check.DUPLICATE_TIMESTAMP: Policy.REJECT,
    Check.GAP: Policy.FLAG,
    Check.INVALID_BOOK: Policy.REJECT,
    # a book update whose sequence (Binance depth: the update id) is lower than the update's
    # before it: the feed was reset (a reconnect starts over) or delivered out of order, so the
    # book rebuilt from it may be wrong until the next snapshot. Off unless asked for
    # (``-p sequence_back=flag``): a sequence going back is left to the venue's book rules by
    # default (tests/unit/test_book_checks_audit.py loads such a stream with no finding); real
    # feeds reset on reconnect, so ``flag`` is the policy to ask for, ``reject`` drops the update
    Check.SEQUENCE_BACK: Policy.IGNORE,
}
#: Ticks share timestamps (several trades in one millisecond) and a book update is many rows
#: with one timestamp: duplicates are flagged there, not rejected, and not checked for books by
#: default. For books the check, when asked for, judges whole updates (two snapshots, or two delta
#: batches, at one time), never the levels of one update (``checks.duplicates``). One update
#: repeated exactly right after itself (same time, sequence, type and levels) fails it whatever the
#: policy, rejected: kept, the copy would merge into the update (``checks.repeated_book_copies``).
_KIND_DEFAULTS: dict[DataKind, dict[Check, Policy]] = {
    DataKind.BARS: {},
    DataKind.QUOTES: {Check.DUPLICATE_TIMESTAMP: Policy.FLAG},
    DataKind.TRADES: {Check.DUPLICATE_TIMESTAMP: Policy.FLAG},
    DataKind.BOOK: {Check.DUPLICATE_TIMESTAMP: Policy.IGNORE},
}

#: Sample issues kept per check and field (e.g. 20 off-increment opens and 20 off-increment
#: closes): one busy field never hides another's problems, and a check applied many times over
#: (one invalid book update after another) still keeps no more than this.
MAX_ISSUES_PER_CHECK = 20


@dataclass(frozen=True)
class ValidationPolicy:
    """A policy per check; ``max_gap_ns`` turns on gap detection for ticks and books."""

    policies: Mapping[Check, Policy]
    max_gap_ns: int | None = None

    def __post_init__(self) -> None:
        for check, policy in self.policies.items():
            if policy not in ALLOWED[check]:
                allowed = sorted(p.value for p in ALLOWED[check])
                raise ValidationError(f"policy.{check.value}", policy.value, f"must be one of {allowed}")
        if self.max_gap_ns is not None and (type(self.max_gap_ns) is not int or self.max_gap_ns <= 0):
            raise ValidationError("max_gap_ns", self.max_gap_ns, "must be a positive int")

    @classmethod
    def defaults(cls, kind: DataKind) -> ValidationPolicy:
        """The default policies for ``kind`` (everything suspicious rejected, gaps flagged)."""
        return cls({**_DEFAULTS, **_KIND_DEFAULTS[kind]})

    def __getitem__(self, check: Check) -> Policy:
        return self.policies.get(check, _DEFAULTS[check])

    def with_policies(self, overrides: Mapping[Check, Policy]) -> ValidationPolicy:
        return ValidationPolicy({**self.policies, **overrides}, self.max_gap_ns)

    @staticmethod
    def parse(items: Iterable[str]) -> dict[Check, Policy]:
        """``["off_increment=repair", "gap=ignore"]`` as overrides, with errors that name the item."""
        overrides: dict[Check, Policy] = {}
        for item in items:
            name, eq, value = item.partition("=")
            try:
                check = Check(name.strip().lower())
            except ValueError:
                raise ValidationError("policy", item, f"check must be one of {[c.value for c in Check]}") from None
            try:
                policy = Policy(value.strip().lower())
            except ValueError:
                raise ValidationError(
                    "policy", item, f"must be CHECK=POLICY, POLICY one of {[p.value for p in Policy]}"
                ) from None
            if not eq:
                raise ValidationError("policy", item, "must be CHECK=POLICY")
            overrides[check] = policy
        return overrides


@dataclass(frozen=True)
class Issue:
    """One problem found on one row (``row`` is 1-based among the file's data rows)."""

    row: int
    check: Check
    field: str
    value: str
    rule: str
    outcome: str


@dataclass
class ValidationReport:
    """Every row of a file counted by outcome, with counts per check and up to
    ``MAX_ISSUES_PER_CHECK`` sample issues per check and field."""

    source: str
    kind: DataKind
    instrument_id: str
    rows: int = 0
    accepted: int = 0
    flagged: int = 0
    repaired: int = 0
    rejected: int = 0
    by_check: dict[Check, dict[str, int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    gaps: int = 0
    missing_intervals: int = 0
    notes: list[str] = field(default_factory=list)
    # "price"/"size": the most decimals the off-increment values carry, where more than the
    # instrument's precision (the usual cause: a precision too coarse for the file)
    decimals_carried: dict[str, int] = field(default_factory=dict)
    # the epoch unit that fits the rows failing epoch_unit (most of them), e.g. "us" for Binance
    # klines from 2025 read as ms: the usual cause is a wrong ts_unit
    fitting_ts_unit: str | None = None

    @property
    def loaded(self) -> int:
        """Rows that made it into the data (accepted, flagged or repaired)."""
        return self.accepted + self.flagged + self.repaired

    def count(self, check: Check, outcome: str | None = None) -> int:
        """Rows that failed ``check`` (with ``outcome`` when given)."""
        counts = self.by_check.get(check, {})
        return counts.get(outcome, 0) if outcome is not None else sum(counts.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data, e.g. for JSON."""
        return {
            "source": self.source,
            "kind": self.kind.value,
            "instrument_id": self.instrument_id,
            "rows": self.rows,
            "accepted": self.accepted,
            "flagged": self.flagged,
            "repaired": self.repaired,
            "rejected": self.rejected,
            "by_check": {check.value: dict(counts) for check, counts in self.by_check.items()},
            "gaps": self.gaps,
            "missing_intervals": self.missing_intervals,
            "issues": [
                {
                    "row": i.row,
                    "check": i.check.value,
                    "field": i.field,
                    "value": i.value,
                    "rule": i.rule,
                    "outcome": i.outcome,
                }
                for i in self.issues
            ],
            "notes": list(self.notes),
            "decimals_carried": dict(self.decimals_carried),
            "fitting_ts_unit": self.fitting_ts_unit,
        }


class RowStates:
    """Per-row outcome bookkeeping shared by the checks."""

    def __init__(self, report: ValidationReport, policy: ValidationPolicy, n: int) -> None:
        self.report = report
        self.policy = policy
        self.rejected: BoolArray = np.zeros(n, np.bool_)
        self.flagged: BoolArray = np.zeros(n, np.bool_)
        self.repaired: BoolArray = np.zeros(n, np.bool_)
        # per check and outcome, the rows already counted: a check run on several fields of a row
        # (off_increment on open and close) counts that row once
        self._counted: dict[tuple[Check, str], BoolArray] = {}
        # sample issues kept so far per check and field, across every call for them
        self._sampled: dict[tuple[Check, str], int] = {}

    @property
    def live(self) -> BoolArray:
        return ~self.rejected

    def apply(
        self,
        check: Check,
        failing: BoolArray,
        field_name: str,
        shown: Int64Array | list[str] | None,
        rule: str | dict[int, str],
        policy: Policy | None = None,
        render: Any = None,
    ) -> BoolArray:
        """Record ``check`` failing on ``failing`` rows not already rejected; returns those rows."""
        policy = self.policy[check] if policy is None else policy
        if policy is Policy.IGNORE:
            return np.zeros_like(failing)
        hit = failing & ~self.rejected
        if not hit.any():
            return hit
        outcome = {Policy.REJECT: "rejected", Policy.FLAG: "flagged", Policy.REPAIR: "repaired"}[policy]
        self._count(check, outcome, hit)
        sampled = self._sampled.get((check, field_name), 0)
        samples = np.flatnonzero(hit)[: max(MAX_ISSUES_PER_CHECK - sampled, 0)]
        self._sampled[(check, field_name)] = sampled + len(samples)
        for row in samples:
            index = int(row)
            value = "" if shown is None else shown[index]
            text = render(value) if render is not None and shown is not None else str(value)
            reason = rule.get(index, "") if isinstance(rule, dict) else rule
            self.report.issues.append(Issue(index + 1, check, field_name, text, reason, outcome))
        if policy is Policy.REJECT:
            self.rejected |= hit
        elif policy is Policy.FLAG:
            self.flagged |= hit
        else:
            self.repaired |= hit
        return hit

    def _count(self, check: Check, outcome: str, hit: BoolArray) -> None:
        """Add the rows of ``hit`` not yet counted for ``check`` with ``outcome``."""
        counted = self._counted.get((check, outcome))
        new = int(hit.sum()) if counted is None else int((hit & ~counted).sum())
        self._counted[(check, outcome)] = hit.copy() if counted is None else counted | hit
        counts = self.report.by_check.setdefault(check, {})
        counts[outcome] = counts.get(outcome, 0) + new

    def finish(self) -> None:
        report = self.report
        report.rows = len(self.rejected)
        report.rejected = int(self.rejected.sum())
        live = ~self.rejected
        report.repaired = int((self.repaired & live).sum())
        report.flagged = int((self.flagged & ~self.repaired & live).sum())
        report.accepted = report.rows - report.rejected - report.repaired - report.flagged


def round_to_multiple(raw: Int64Array, step: int) -> Int64Array:
    """Round half-even to the nearest multiple of ``step`` (exact integer arithmetic)."""
    quotient, remainder = np.divmod(raw, step)
    twice = remainder * 2
    up = (twice > step) | ((twice == step) & (quotient % 2 == 1))
    rounded: Int64Array = ((quotient + up.astype(np.int64)) * step).astype(np.int64)
    return rounded
