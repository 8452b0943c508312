"""A margin account's free margin is one figure in its base currency.

Margin, open-order margin, unrealised losses and balances in another currency count at the
exchange rate, each rounded against the account; the other currency's row in ``AccountState``
shows its own balance and locks only what cannot be valued for want of a rate, and
``unvalued_requirements`` names those currencies. An account in its base currency alone keeps
the figures it always had.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.identifiers import AccountId
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.values import EUR, GBP, USD, Money
from nautilus_platform.trading.positions.account import Account, AccountOrders
from nautilus_platform.trading.positions.rates import ExchangeRates

B = 10**9
S18 = 10**18
S27 = 10**27
ACC = AccountId("SIM-001")


def _account(
    rates: ExchangeRates, balances: dict[object, int] | None = None, account_type: AccountType = AccountType.MARGIN
) -> tuple[Account, AccountOrders]:
    account = Account(ACC, account_type, USD, rates, balances or {USD: 100_000 * B})  # type: ignore[arg-type]
    orders = AccountOrders()
    account.bind_open_orders(orders)
    return account, orders


def _row(account: Account, code: str) -> tuple[Money, Money, Money]:
    (row,) = (b for b in account.state(0, 0).balances if b.currency.code == code)
    return row.total, row.locked, row.free


def test_eur_margin_is_drawn_from_the_usd_free_margin_at_the_rate() -> None:
    rates = ExchangeRates({})
    rates.set_fixed(EUR, USD, "1.1")
    account, orders = _account(rates)
    eur = account.exposure(EUR)
    eur.margin_init = 5_000 * B * S27  # 5,000 EUR of position margin (scale 10**36)
    eur.unrealized = -10 * B * S18  # 10 EUR unrealised loss (scale 10**27)
    orders.margin_exact[EUR] = 1_000 * B * S27  # 1,000 EUR of open-order margin
    # 100,000 - (5,000 + 1,000 + 10) * 1.1
    assert account.free_raw(USD) == (100_000 - 6_611) * B
    assert account.locked_raw(USD) == 6_600 * B
    assert account.free_raw(EUR) == 0 and account.locked_raw(EUR) == 0
    assert _row(account, "USD") == (Money.of(100_000, USD), Money.of(6_600, USD), Money.of(93_400, USD))
    assert _row(account, "EUR") == (Money.of(0, EUR), Money.of(0, EUR), Money.of(0, EUR))  # never negative
    assert account.unvalued_requirements == [] and account.has_foreign_margin()
    assert account.free.get("USD") == (100_000 - 6_611) * B
    # the float screen leaves an account with margin in another currency to the exact figures
    assert account.approx_free_floor(USD) == float("-inf")


def test_conversions_round_against_the_account() -> None:
    rates = ExchangeRates({})
    rates.set_fixed(GBP, USD, "1.000000001")  # one part in 10**9 over par
    account, _ = _account(rates, {USD: 0, GBP: 3})  # 3 raw units of GBP: worth 3.000000003, floored to 3
    gbp = account.exposure(GBP)
    gbp.margin_init = 2 * S27  # 2 raw units: 2.000000002 USD, up to 3
    gbp.unrealized = -S18  # 1 raw unit of loss: -1.000000001, down to -2
    assert account.free_raw(USD) == 3 - 3 - 2
    assert account.locked_raw(USD) == 3


def test_a_positive_balance_without_a_rate_counts_nothing_and_blocks_nothing() -> None:
    account, _ = _account(ExchangeRates({}), {USD: 1_000 * B, EUR: 500 * B})
    assert account.free_raw(USD) == 1_000 * B
    assert account.unvalued_requirements == []
    assert account.free_raw(EUR) == 500 * B


def test_margin_or_a_debt_without_a_rate_stays_in_its_own_row_and_is_named() -> None:
    rates = ExchangeRates({})
    account, orders = _account(rates)
    account.exposure(EUR).margin_init = 5_000 * B * S27
    orders.margin_exact[EUR] = 1_000 * B * S27
    assert account.unvalued_requirements == [EUR]
    assert account.free_raw(USD) == 100_000 * B  # what can be valued; risk refuses on the list above
    assert account.locked_raw(USD) == 0 and account.locked_raw(EUR) == 6_000 * B
    assert _row(account, "EUR") == (Money.of(0, EUR), Money.of(6_000, EUR), Money.of(-6_000, EUR))
    assert account.free_raw(EUR) == -6_000 * B
    rates.set_fixed(EUR, USD, 1)  # a rate arrives: the margin moves to the base currency's row
    assert account.unvalued_requirements == []
    assert _row(account, "EUR") == (Money.of(0, EUR), Money.of(0, EUR), Money.of(0, EUR))
    assert _row(account, "USD") == (Money.of(100_000, USD), Money.of(6_000, USD), Money.of(94_000, USD))
    # a debt in a currency without a rate (an unconverted realised loss) is named too
    debt, _ = _account(ExchangeRates({}), {USD: 1_000 * B, GBP: -5 * B})
    assert debt.unvalued_requirements == [GBP]


def test_a_currency_that_went_flat_needs_no_rate() -> None:
    account, orders = _account(ExchangeRates({}))
    account.exposure(EUR)  # traded once, flat now: every figure zero
    orders.margin_exact[EUR] = 0
    assert account.unvalued_requirements == [] and not account.has_foreign_margin()
    assert account.free_raw(USD) == 100_000 * B
    assert 100_000 * B * (1 - 2e-12) - 4 < account.approx_free_floor(USD) <= 100_000 * B  # a finite bound again


def test_an_account_in_its_base_currency_alone_keeps_its_figures() -> None:
    account, orders = _account(ExchangeRates({}))
    usd = account.exposure(USD)
    usd.margin_init = 20_000 * B * S27 + 1
    usd.unrealized = -(100 * B * S18) - 1
    orders.margin_exact[USD] = 5_000 * B * S27
    assert account._foreign_currencies() == [] and not account.has_foreign_margin()
    assert account.free_raw(USD) == (100_000 - 25_100) * B - 2  # the margin rounded up, the loss down
    assert account.locked_raw(USD) == 25_000 * B + 1
    free = account.free_raw(USD)
    assert free - 200_000 * B * 2e-12 - 4 < account.approx_free_floor(USD) <= free  # the bound it always was


def test_cash_accounts_keep_settlement_currency_balances() -> None:
    rates = ExchangeRates({})
    rates.set_fixed(EUR, USD, "1.1")
    account, orders = _account(rates, {USD: 1_000 * B, EUR: 100 * B}, AccountType.CASH)
    orders.buy_notional_exact[EUR] = 40 * B * S18
    assert account.free_raw(EUR) == 60 * B and account.locked_raw(EUR) == 40 * B
    assert account.free_raw(USD) == 1_000 * B and account.unvalued_requirements == []


amounts = st.integers(-(10**30), 10**30)


@settings(max_examples=500, deadline=None)
@given(
    usd_balance=st.integers(-(10**20), 10**20),
    eur_balance=st.integers(-(10**18), 10**18),
    margin=st.integers(0, 10**45),
    order_margin=st.integers(0, 10**45),
    unrealized=amounts,
    num=st.integers(1, 10**12),
    den=st.integers(1, 10**12),
)
def test_the_base_free_margin_is_the_exact_figure_rounded_against_the_account(
    usd_balance: int, eur_balance: int, margin: int, order_margin: int, unrealized: int, num: int, den: int
) -> None:
    prices = {}
    rates = ExchangeRates(prices)
    rates._fixed[("EUR", "USD")] = (num, den)  # any exact ratio (set_fixed takes 9 decimals)
    account, orders = _account(rates, {USD: usd_balance, EUR: eur_balance})
    eur = account.exposure(EUR)
    eur.margin_init, eur.unrealized = margin, unrealized
    orders.margin_exact[EUR] = order_margin
    rate = Fraction(num, den)
    locks = order_margin // B  # the open-order view floors to 10**27 first
    exact = (
        usd_balance + eur_balance * rate + min(unrealized, 0) * rate / S18 - locks * rate / S18 - margin * rate / S27
    )
    free = account.free_raw(USD)
    assert exact - 4 < free <= exact  # four roundings, each against the account
    locked = account.locked_raw(USD)
    assert locked == ceil(locks * rate / S18) + ceil(margin * rate / S27)
    assert free == usd_balance + floor(eur_balance * rate) + floor(min(unrealized, 0) * rate / S18) - locked
    assert account.free_raw(EUR) == eur_balance and account.locked_raw(EUR) == 0
