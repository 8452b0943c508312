"""An account's margins equal a from-scratch sum over its open positions after any fills and marks.

The account keeps its ``MarginBalance`` list up to date incrementally (only the instruments whose
margins moved are rebuilt, entries come and go as positions open and close); this checks it,
and the exposure's exact margin totals, against the definition.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.arith import ceil_div
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from nautilus_platform.model.enums import AccountType, LiquiditySide, OmsType, OrderSide, OrderType
from nautilus_platform.model.events import MarginBalance, OrderFilled
from nautilus_platform.model.instruments import Equity, Future, Instrument
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.positions.account import rate_ppb

ACCOUNT = AccountId("SIM-M")
SCALE27 = 10**27


def _equity(symbol: str, init: str, maint: str) -> Equity:
    return Equity(
        id=InstrumentId(f"{symbol}.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal(init), margin_maint=Decimal(maint),
    )  # fmt: skip


# Ids chosen so that entries are inserted before, between and after the others.
INSTRUMENTS: list[Instrument] = [
    _equity("MMM", "0.2", "0.1"),
    _equity("AAA", "0.5", "0.25"),
    _equity("ZZZ", "0.3333", "0.0001"),
    _equity("EEE", "0.4", "0.4"),  # equal rates: one rounding serves both margins
    Future(
        id=InstrumentId("ESZ6.SIM"),
        price_precision=2,
        size_precision=0,
        tick_size=Price.of("0.25"),
        lot_size=Quantity.of(1),
        quote_currency=USD,
        multiplier=Quantity.of(50),
        margin_init=Decimal("0.07"),
        margin_maint=Decimal("0.05"),
        underlying="ES",
        expiry_ns=10**19,
    ),
]

step = st.tuples(
    st.integers(0, len(INSTRUMENTS) - 1),  # instrument
    st.booleans(),  # buy
    st.integers(1, 4),  # lots (small, so positions often go flat and flip)
    st.integers(9_000, 11_000),  # price in ticks of the instrument
    st.sampled_from(["A", "B"]),  # strategy
)


def _expected(portfolio: Portfolio) -> tuple[tuple[MarginBalance, ...], int, int]:
    """Margins per instrument, and the exact initial and maintenance totals, by definition."""
    gross: dict[InstrumentId, int] = {}
    for position in portfolio.open_positions():
        mark = portfolio.marks[position.instrument_id]
        gross[position.instrument_id] = gross.get(position.instrument_id, 0) + abs(
            position.signed_raw * mark * position.mult
        )
    by_id = {instrument.id: instrument for instrument in INSTRUMENTS}
    unit = USD.unit_raw
    balances, total_init, total_maint = [], 0, 0
    for iid in sorted(gross):
        init = gross[iid] * rate_ppb(by_id[iid].margin_init)
        maint = gross[iid] * rate_ppb(by_id[iid].margin_maint)
        total_init, total_maint = total_init + init, total_maint + maint
        if init or maint:
            balances.append(
                MarginBalance(
                    instrument_id=iid,
                    initial=Money(raw=ceil_div(init, SCALE27 * unit) * unit, currency=USD),
                    maintenance=Money(raw=ceil_div(maint, SCALE27 * unit) * unit, currency=USD),
                )
            )
    return tuple(balances), total_init, total_maint


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=80), hedging=st.booleans(), read_every=st.integers(1, 4))
def test_margin_balances_equal_the_definition(
    steps: list[tuple[int, bool, int, int, str]], hedging: bool, read_every: int
) -> None:
    portfolio = Portfolio(SimulatedClock(), ExchangeRates({}), OmsType.HEDGING if hedging else OmsType.NETTING)
    portfolio.add_account(ACCOUNT, AccountType.MARGIN, USD, [Money.of(10**9, USD)])
    account = portfolio.accounts[ACCOUNT]
    for n, (index, buy, lots, ticks, strategy) in enumerate(steps, start=1):
        instrument = INSTRUMENTS[index]
        px = ticks * instrument.tick_size.raw
        fill = OrderFilled(
            ts_event=n, ts_init=n, strategy_id=StrategyId(strategy), instrument_id=instrument.id,
            client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"), account_id=ACCOUNT,
            trade_id=TradeId(f"T-{n}"), order_side=OrderSide.BUY if buy else OrderSide.SELL,
            order_type=OrderType.MARKET, last_qty=Quantity(raw=lots * 10**9, precision=0),
            last_px=Price(raw=px, precision=2), commission=Money.of(0, USD), liquidity_side=LiquiditySide.TAKER,
        )  # fmt: skip
        state = portfolio.on_fill(fill, instrument)[1]
        portfolio.on_mark(instrument.id, px + instrument.tick_size.raw * (n % 3 - 1))  # every position at a mark
        if n % read_every == 0:  # views read after one or several changes
            margins, init, maint = _expected(portfolio)
            assert account.margin_balances() == margins
            exposure = account.exposures[USD]
            assert (exposure.margin_init, exposure.margin_maint) == (init, maint)
        else:
            assert state.account_id == ACCOUNT
    margins, init, maint = _expected(portfolio)
    assert account.state(0, 0).margins == margins
    assert (account.exposures[USD].margin_init, account.exposures[USD].margin_maint) == (init, maint)
