"""Initial margin in another currency than a margin account's base: converted at the exact rate
(rounded against the order) and measured against the one free margin in the base currency; no
rate, or margin the account already owes in a currency without one, denies and names the rate."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from hypothesis import given, settings
from hypothesis import strategies as st
from risk_helpers import AAPL, ACCOUNT, BUY, SELL, B, Setup, equity, message_of, px, qty

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import AccountType, DenyReason
from nautilus_platform.model.values import EUR, GBP, USD
from nautilus_platform.trading.positions.account import Account
from nautilus_platform.trading.positions.rates import ExchangeRates
from nautilus_platform.trading.risk import AccountSnapshot, PriceSource, RiskConfig, RiskLimits

SAP = InstrumentId("SAP.XETR")
S18, S27 = 10**18, 10**27


def _eur_setup(free_usd: str, ratio: tuple[int, int] | None = (11, 10)) -> Setup:
    """A margin account (base USD) with ``free_usd`` free, trading SAP (EUR, fee 0.1%) at 100.00."""
    s = Setup(instrument=equity(id=SAP, quote_currency=EUR))
    s.account.free = {"USD": int(Decimal(free_usd) * B)}
    if ratio is not None:
        s.state.ratios[("EUR", "USD")] = ratio
    return s


def test_margin_in_eur_is_measured_against_the_usd_free_margin_at_the_rate() -> None:
    # 100 SAP at 100.00: 10,000 EUR margin (margin_init 1) + 10 EUR fee = 10,010 EUR = 11,011 USD
    s = _eur_setup("11011.00")
    assert s.engine.check_submit(s.factory.limit(SAP, BUY, qty(100), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.limit(SAP, SELL, qty(100), px("100.00"))) is None
    s = _eur_setup("11010.99")
    denial = s.engine.check_submit(s.factory.limit(SAP, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN
    assert (
        message_of(denial) == "initial margin 10010.00 EUR (plus fees) = 11011.00 USD exceeds free margin 11010.99 USD"
    )


def test_the_converted_margin_is_rounded_up() -> None:
    # 10,010 EUR at 1/3: 3,336.666... USD; a raw unit below the rounded-up figure is not enough
    s = _eur_setup("3336.666666667", (1, 3))
    assert s.engine.check_submit(s.factory.limit(SAP, BUY, qty(100), px("100.00"))) is None
    s = _eur_setup("3336.666666666", (1, 3))
    denial = s.engine.check_submit(s.factory.limit(SAP, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_without_a_rate_the_order_is_denied_and_the_rate_named() -> None:
    s = _eur_setup("1000000.00", None)
    denial = s.engine.check_submit(s.factory.limit(SAP, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert message_of(denial) == (
        "no exchange rate EUR/USD: initial margin 100.10 EUR (plus fees) cannot be measured against the free "
        "margin in the account's base currency USD"
    )


def test_margin_owed_in_a_currency_without_a_rate_denies_every_order_that_needs_margin() -> None:
    s = Setup()
    s.account.unvalued_requirements = (EUR, GBP)
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert message_of(denial) == (
        "no exchange rate EUR/USD, GBP/USD: the account's EUR, GBP margin and losses cannot be measured against "
        "its free margin in its base currency USD"
    )
    s.account.unvalued_requirements = ()
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_an_account_without_a_base_currency_keeps_margin_per_currency() -> None:
    s = _eur_setup("0.00")
    s.state.accounts[ACCOUNT] = AccountSnapshot(AccountType.MARGIN, None, free={"EUR": 10_010 * B})
    assert s.engine.check_submit(s.factory.limit(SAP, BUY, qty(100), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(SAP, BUY, qty(101), px("100.00")))
    assert denial is not None and message_of(denial).endswith("exceeds free margin 10010.00 EUR")


# -- on the core's ``Account``: the fast path and the full path decide as the exact rules -------
MARGIN_INIT = Fraction(1, 5)
FEE = Fraction(1, 1000)


def _core_setup(rate: tuple[int, int] | None) -> tuple[Setup, Account]:
    s = Setup(RiskConfig(defaults=RiskLimits()), equity(margin_init=Decimal("0.2")))
    sap = equity(id=SAP, quote_currency=EUR, margin_init=Decimal("0.2"))
    s.state.add_instrument(sap)
    for source in PriceSource:
        s.state.set_price(SAP, source, 100 * B)
    rates = ExchangeRates({})
    if rate is not None:
        rates._fixed[("EUR", "USD")] = rate  # any exact ratio (``set_fixed`` takes 9 decimals)
        s.state.ratios[("EUR", "USD")] = rate
    account = Account(ACCOUNT, AccountType.MARGIN, USD, rates, {USD: 0})
    s.state.accounts[ACCOUNT] = account  # type: ignore[assignment]
    return s, account


@settings(max_examples=400, deadline=None)
@given(
    eur=st.booleans(),
    units=st.integers(1, 1_000),
    margin=st.integers(0, 10**13) | st.integers(0, 100),  # EUR position margin, raw units
    fraction=st.integers(0, S27 - 1),
    loss=st.integers(0, 10**12) | st.integers(0, 3),  # EUR unrealised loss, raw units
    rate=st.none() | st.tuples(st.integers(1, 10**10), st.integers(1, 10**10)),
    offset=st.integers(-3, 3) | st.integers(-(10**12), 10**12),
)
def test_the_checks_on_the_core_account_equal_the_exact_rules(
    eur: bool,
    units: int,
    margin: int,
    fraction: int,
    loss: int,
    rate: tuple[int, int] | None,
    offset: int,
) -> None:
    s, account = _core_setup(rate)
    exposure = account.exposure(EUR)
    exposure.margin_init = margin * S27 + fraction
    exposure.unrealized = -loss * S18
    notional = units * B * 100 * B * B  # at 100.00, multiplier 1 (scale 10**27)
    need = ceil(notional * MARGIN_INIT) + ceil(notional * FEE)
    owes = bool(margin or fraction or loss)
    ratio = Fraction(*rate) if rate is not None else None
    need_base = need if not eur else (ceil(need * ratio) if ratio is not None else None)
    # a balance that leaves the account ``offset`` raw units around the least free margin that passes
    account.balances[USD] = 0
    least = -(-need_base // S18) if need_base is not None else 0
    account.balances[USD] = least + offset - account.free_raw(USD)
    order = s.factory.limit(SAP if eur else AAPL, BUY, qty(units), px("100.00"))
    denial = s.engine.check_submit(order)
    if (owes and rate is None) or need_base is None:
        assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
        return
    free = account.free_raw(USD)
    passes = need_base <= free * S18
    assert (denial is None) is passes, (denial, need_base, free)
    if denial is not None:
        assert denial[0] is DenyReason.INSUFFICIENT_MARGIN
