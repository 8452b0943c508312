"""The risk engine's account checks on the core's ``Account``: float bounds decide the clear
cases, exact integers the rest, and the result equals the exact rules right up to one raw unit
from a limit.

The account's figures are set directly to exact integers (scale 10**27 and 10**36, with arbitrary
remainders below the raw unit) a few raw units either side of each limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import AAPL, ACCOUNT, B, equity

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.values import USD, Money, Quantity
from nautilus_platform.trading.cache import AccountOrders
from nautilus_platform.trading.positions.account import Account
from nautilus_platform.trading.positions.rates import ExchangeRates
from nautilus_platform.trading.risk import PriceSource, RiskLimits
from nautilus_platform.trading.risk.engine import (
    _account_fast,
    _float_floor,
    _notional,
    _notional_hi,
    _Resolved,
    _sum_hi,
)

S18 = 10**18
S27 = 10**27
CENT = 10_000_000
TAKER_FEE = Fraction(5, 10_000)
MARGIN_INIT = Fraction(2, 10)
FIELDS = ("open_notional", "gross", "net", "free", "drawdown", "none")


@dataclass(frozen=True)
class Case:
    field: str
    account_type: AccountType
    buy: bool
    qty: int  # raw
    px: int  # raw
    limit_cents: int  # the limit, or the figure the boundary is built around
    offset: int  # raw units from the boundary
    remainder: int  # below the raw unit, at scale 10**18
    locks: int  # scale 10**27
    unrealized: int  # scale 10**27
    peak: int  # raw
    live_locks: bool  # the locks read from the bound open-order aggregate (else a plain mapping)


cases = st.builds(
    Case,
    field=st.sampled_from(FIELDS),
    account_type=st.sampled_from([AccountType.MARGIN, AccountType.CASH]),
    buy=st.booleans(),
    # Small amounts as often as large ones: there the float slack is far below a raw unit, and
    # only the bounds' integer roundings keep them on the safe side.
    qty=(st.integers(1, 10) | st.integers(1, 10**6)).map(lambda units: units * B),
    px=(st.integers(1, 100) | st.integers(1, 10**7)).map(lambda cents: cents * CENT),
    limit_cents=st.integers(1, 100) | st.integers(1, 10**14),
    offset=st.integers(-3, 3) | st.integers(-(10**12), 10**12),
    remainder=st.integers(0, S18 - 1),
    locks=st.integers(0, 10 * B * S18) | st.integers(0, 10**11 * B * S18),  # scale 10**27: any fraction
    unrealized=st.integers(-10 * B * S18, 10 * B * S18) | st.integers(-(10**12) * B * S18, 10**12 * B * S18),
    peak=st.integers(1, 10**12).map(lambda units: units * B),
    live_locks=st.booleans(),
)


def _resolved(limits: RiskLimits) -> _Resolved:
    references: dict[PriceSource, dict[InstrumentId, int]] = {source: {} for source in PriceSource}
    instrument = equity(taker_fee=Decimal(TAKER_FEE.numerator) / TAKER_FEE.denominator, margin_init=Decimal("0.2"))
    return _Resolved(instrument, limits, (), (), references)


def _setup(case: Case) -> tuple[_Resolved, Account, int]:
    account = Account(ACCOUNT, case.account_type, USD, ExchangeRates({}), {USD: 10**6 * B})
    orders = account.open_orders = AccountOrders()
    exposure = account.exposure(USD)
    notional = _notional(case.qty, case.px, B)
    limit_raw = case.limit_cents * CENT
    figure = limit_raw - notional + case.offset  # what the account holds against the limit, in raw
    limits = RiskLimits(check_balance=False)
    if case.field == "open_notional":
        orders.notional_exact[USD] = max(figure, 0) * S18 + case.remainder
        limits = RiskLimits(max_open_notional=Money(raw=limit_raw, currency=USD), check_balance=False)
    elif case.field == "gross":
        exposure.gross = max(figure, 0) * S18 + case.remainder
        limits = RiskLimits(max_gross_exposure=Money(raw=limit_raw, currency=USD), check_balance=False)
    elif case.field == "net":
        sign = 1 if case.buy else -1
        exposure.net = sign * (figure * S18 + case.remainder)
        limits = RiskLimits(max_net_exposure=Money(raw=limit_raw, currency=USD), check_balance=False)
    elif case.field == "free":
        if case.live_locks:  # as a node binds it: cash orders lock notional and base, margin orders margin
            account.bind_open_orders(orders)
            if case.account_type is AccountType.CASH:
                orders.buy_notional_exact[USD] = case.locks // 3
                orders.sell_base_exact[USD] = case.locks - case.locks // 3
            else:  # scale 10**36: the view floors it to 10**27 first
                orders.margin_exact[USD] = case.locks * 10**9 + case.remainder % 10**9
        else:
            account.order_locks = {USD: case.locks} if case.account_type is AccountType.CASH else {}
        exposure.unrealized = case.unrealized
        exposure.margin_init = case.limit_cents * CENT * S27 + case.remainder * 10**9 + case.qty % 997
        r = _resolved(RiskLimits(check_balance=True))
        k_num, k_den = (
            (r.cash_num, r.cash_den) if case.account_type is AccountType.CASH else (r.margin_k_num, r.margin_k_den)
        )
        need = -(-(notional * k_num + 2 * k_den) // k_den)  # the least free balance that passes
        account.balances[USD] = 0
        account.balances[USD] = need + case.offset - account.free_raw(USD)
        limits = RiskLimits(check_balance=True)
    elif case.field == "drawdown":
        bps = max(1, case.limit_cents % 10_001)
        account.peak_equity_raw = case.peak
        drop = max(bps * case.peak // 10_000 + case.offset, 0)  # the exact check: drop * 10_000 > bps * peak
        account.balances[USD] = case.peak - drop
        account.values_changed()
        limits = RiskLimits(max_drawdown_bps=bps, check_balance=False)
    return _resolved(limits), account, notional


def _oracle(case: Case, account: Account, notional: int) -> bool:
    """The account check of ``case.field`` on exact integers and fractions, from the rules."""
    limit_raw = case.limit_cents * CENT
    if case.field == "open_notional":
        return account.open_notional_raw + notional <= limit_raw
    if case.field == "gross":
        return account.gross_exposure_raw + notional <= limit_raw
    if case.field == "net":
        return abs(account.net_exposure_raw) + notional <= limit_raw
    if case.field == "free":
        if case.account_type is AccountType.CASH:
            if not case.buy:
                return False  # the fast path leaves cash sells to the full check
            rate = 1 + TAKER_FEE
        else:
            rate = MARGIN_INIT + TAKER_FEE
        return notional * rate + 2 <= account.free_raw(USD)
    if case.field == "drawdown":
        peak = account.peak_equity_raw
        return not (peak > 0 and (peak - account.equity_raw) * 10_000 > (case.limit_cents % 10_001 or 1) * peak)
    return True


@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases)
def test_the_account_checks_equal_the_exact_rules_at_every_distance_from_a_limit(case: Case) -> None:
    r, account, notional = _setup(case)
    notional_hi = _notional_hi(case.qty, case.px, r.mult_f)
    assert _account_fast(r, account, case.qty, case.px, notional_hi, case.buy) == _oracle(case, account, notional)
    # Clear cases are decided by the float bounds alone (the speed they exist for): a pass with a
    # margin of a millionth of the limit's size passes on the bound.
    if case.field in ("gross", "open_notional"):
        held = account.gross_exposure_raw if case.field == "gross" else account.open_notional_raw
        limit_raw = case.limit_cents * CENT
        if limit_raw - (held + notional) > limit_raw // 10**6 + 10:
            approx = account.approx_gross_exposure() if case.field == "gross" else account.approx_open_notional()
            limit = r.gross if case.field == "gross" else r.open_notional
            assert limit is not None and _sum_hi(approx, notional_hi) <= limit.lo, case


def test_a_bound_decides_an_ordinary_order_and_the_exact_figures_one_at_the_limit() -> None:
    r = _resolved(RiskLimits(max_gross_exposure=Money.of(1_000, USD), check_balance=False))
    assert r.instrument.id == AAPL and r.gross is not None
    account = Account(ACCOUNT, AccountType.MARGIN, USD, ExchangeRates({}), {USD: 10**6 * B})
    account.exposure(USD).gross = 1  # 1e-27 of a unit: the view floors it to 0
    half, full, px = Quantity.of(5).raw, Quantity.of(10).raw, 100 * B  # notionals 500.00 and 1,000.00
    assert _sum_hi(account.approx_gross_exposure(), _notional_hi(half, px, r.mult_f)) <= r.gross.lo
    # exactly at the limit: the bound cannot tell, the exact figures pass it
    assert _sum_hi(account.approx_gross_exposure(), _notional_hi(full, px, r.mult_f)) > r.gross.lo
    assert _account_fast(r, account, full, px, _notional_hi(full, px, r.mult_f), True)
    account.exposure(USD).gross = S18  # one raw unit over
    assert not _account_fast(r, account, full, px, _notional_hi(full, px, r.mult_f), True)


@settings(max_examples=2_000, deadline=None)
@given(
    qty=st.integers(1, 10**24),
    px=st.integers(-(10**20), 10**20),
    mult=st.integers(1, 10**15),
    limit=st.integers(-(10**40), 10**40),
)
def test_the_bounds_err_on_the_safe_side(qty: int, px: int, mult: int, limit: int) -> None:
    notional = _notional(qty, px, mult)
    hi = _notional_hi(qty, px, float(mult) / 1e18)
    assert notional <= hi
    assert _float_floor(limit) <= limit
    held = limit // 3  # two amounts known to within a few roundings: the bound covers their exact sum
    assert held + notional <= _sum_hi(float(held), hi)


def test_amounts_beyond_the_float_range_go_to_the_exact_path() -> None:
    assert _notional_hi(10**400, 10**9, 1.0) == float("inf")
    assert _float_floor(10**400) < 10**400
    assert _float_floor(-(10**400)) == float("-inf")


def test_the_free_balance_bound_covers_the_views_roundings() -> None:
    # A sliver of loss (floored to a whole raw unit) and a sliver of margin (rounded up to one):
    # the float figure sits two units above the exact free balance.
    r = _resolved(RiskLimits(check_balance=True))
    qty, px = Quantity.of(1).raw, CENT  # notional: one cent
    need = _notional(qty, px, B) * (MARGIN_INIT + TAKER_FEE) + 2
    assert need.denominator == 1
    for offset, passes in ((-1, False), (0, True)):
        account = Account(ACCOUNT, AccountType.MARGIN, USD, ExchangeRates({}), {USD: 0})
        exposure = account.exposure(USD)
        exposure.unrealized, exposure.margin_init = -1, 1
        account.balances[USD] = int(need) + offset - account.free_raw(USD)
        assert account.free_raw(USD) == int(need) + offset
        assert _account_fast(r, account, qty, px, _notional_hi(qty, px, r.mult_f), True) is passes
