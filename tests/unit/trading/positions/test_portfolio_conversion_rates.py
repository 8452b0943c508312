"""A fill in another currency than the account's base lists the rates it was converted at in its
``AccountState`` (``conversions``); a second portfolio that books the same fills at those rates
(``Portfolio.on_fill_at``) ends with the same balances, commissions, unconverted amounts and
realised P&L, whatever its own rates are. A fill in the base currency lists none."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_positions_portfolio import AAPL, ACC, EURUSD, SAP, fill, portfolio

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.events import AccountState, OrderFilled
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.trading.positions import ExchangeRates, Portfolio

B = 1_000_000_000


def _state(events: list[object]) -> AccountState:
    state = events[-1]
    assert isinstance(state, AccountState)
    return state


def _twin(fills: list[tuple[OrderFilled, AccountState]], account_type: AccountType) -> Portfolio:
    """A portfolio whose own rates are a fixed EUR/USD of 7 (never a rate the fills saw) booking
    the fills at the rates their states list."""
    rates = ExchangeRates({})
    rates.set_fixed(EUR, USD, 7)
    twin = Portfolio(SimulatedClock(0), rates)
    twin.add_account(ACC, account_type, USD, (Money.of(100_000, USD), Money.of(100_000, EUR)))
    for f, state in fills:
        instrument = SAP if f.instrument_id == SAP.id else AAPL
        if state.conversions:
            journaled = ExchangeRates({})
            for rate in state.conversions:
                if rate.ratio is not None:
                    journaled.pin_ratio(rate.from_currency, rate.to_currency, *rate.ratio)
            events = twin.on_fill_at(f, instrument, journaled)
        else:
            events = twin.on_fill(f, instrument)
        assert _state(events).conversions == state.conversions
        assert [b.total for b in _state(events).balances] == [b.total for b in state.balances]
    assert twin.rates is rates  # restored after each ``on_fill_at``
    return twin


def test_a_fill_in_the_base_currency_lists_no_rates() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    state = _state(pf.on_fill(fill(AAPL, OrderSide.BUY, "10", "50.00", Money.of("1.25", USD)), AAPL))
    assert state.conversions == ()


def test_a_margin_fill_lists_its_pnl_and_fee_rate_once_in_lowest_terms() -> None:
    pf, prices = portfolio(AccountType.MARGIN)
    prices[EURUSD.id] = 1_100_000_000  # 1.1
    opening = _state(pf.on_fill(fill(SAP, OrderSide.BUY, "10", "100.00", Money.of("1.00", EUR)), SAP))
    assert [(c.from_currency, c.to_currency, c.ratio) for c in opening.conversions] == [(EUR, USD, (11, 10))]
    prices[EURUSD.id] = 1_250_000_000  # 1.25
    closing = _state(pf.on_fill(fill(SAP, OrderSide.SELL, "10", "110.00", Money.of("1.00", EUR)), SAP))
    assert [(c.from_currency, c.ratio) for c in closing.conversions] == [(EUR, (5, 4))]  # P&L and fee: one rate
    account = pf.accounts[ACC]
    assert account.balances == {USD: Money.of("100122.65", USD).raw}  # 100,000 - 1.10 + 125 - 1.25


def test_a_margin_fill_without_a_rate_lists_the_currency_with_none() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    pf.on_fill(fill(SAP, OrderSide.BUY, "10", "100.00"), SAP)
    state = _state(pf.on_fill(fill(SAP, OrderSide.SELL, "10", "110.00"), SAP))
    assert [(c.from_currency, c.to_currency, c.ratio) for c in state.conversions] == [(EUR, USD, None)]
    assert pf.accounts[ACC].unconverted == {EUR: 100 * B}


_steps = st.lists(
    st.tuples(
        st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
        st.integers(1, 50),  # quantity
        st.integers(9_000, 11_000),  # price in cents
        st.integers(0, 300),  # fee in cents
        st.booleans(),  # fee in EUR (else USD)
        st.one_of(st.none(), st.integers(900_000_000, 1_400_000_000)),  # EUR/USD now (None: no rate)
        st.booleans(),  # SAP (EUR) or AAPL (USD)
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(steps=_steps, cash=st.booleans())
def test_fills_booked_at_the_listed_rates_give_the_same_account(
    steps: list[tuple[OrderSide, int, int, int, bool, int | None, bool]], cash: bool
) -> None:
    account_type = AccountType.CASH if cash else AccountType.MARGIN
    pf, prices = portfolio(account_type, balances=(Money.of(100_000, USD), Money.of(100_000, EUR)))
    booked: list[tuple[OrderFilled, AccountState]] = []
    for side, size, cents, fee_cents, fee_in_eur, rate, sap in steps:
        if rate is None:
            prices.pop(EURUSD.id, None)
        else:
            prices[EURUSD.id] = rate
        instrument = SAP if sap else AAPL
        fee = Money(raw=fee_cents * 10_000_000, currency=EUR if fee_in_eur else USD)
        f = fill(instrument, side, str(size), f"{cents // 100}.{cents % 100:02d}", fee)
        state = _state(pf.on_fill(f, instrument))
        foreign = sap or (fee_in_eur and fee_cents)
        assert bool(state.conversions) <= bool(foreign)  # a fill in the base currency lists none
        booked.append((f, state))
    twin = _twin(booked, account_type).accounts[ACC]
    account = pf.accounts[ACC]
    assert twin.balances == account.balances
    assert twin.commissions == account.commissions
    assert twin.unconverted == account.unconverted
    assert (twin.realized_today_raw, twin.realized_total_raw) == (
        account.realized_today_raw,
        account.realized_total_raw,
    )
