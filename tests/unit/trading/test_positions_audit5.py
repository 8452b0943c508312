"""Positions, accounts and P&L audit (5): a margin account funded in another currency than its base,
flips with a multiplier and commissions in a third currency, hedging marks, reopening, marks before
fills and across accounts, 8-decimal precision, the high-water mark of an account valued through
exchange rates, and exact reconciliation over random fills with commissions in several currencies."""

from __future__ import annotations

import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "positions"))
sys.path.insert(0, str(Path(__file__).parent / "risk"))

from risk_node_helpers import SECOND, Node
from test_positions_portfolio import AAPL, ACC, BTCUSDT, EURUSD, SAP, B, fill, portfolio

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId, PositionId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OmsType, OrderSide
from nautilus_platform.model.events import OrderFilled, PositionChanged, PositionClosed, PositionOpened
from nautilus_platform.model.instruments import CryptoSpot, Equity, Future
from nautilus_platform.model.values import BTC, ETH, EUR, GBP, USD, USDT, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL
ES = Future(
    id=InstrumentId("ES.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.25"),
    lot_size=Quantity.of(1), quote_currency=USD, multiplier=Quantity.of(50), underlying="ES", expiry_ns=0,
    margin_init=Decimal("0.05"), margin_maint=Decimal("0.04"),
)  # fmt: skip
ETHUSDT = CryptoSpot(
    id=InstrumentId("ETH/USDT.SIM"), price_precision=8, size_precision=8, tick_size=Price.of("0.00000001"),
    lot_size=Quantity.of("0.00000001"), quote_currency=USDT, base_currency=ETH, margin_init=Decimal("0.1"),
)  # fmt: skip


def _named(f: OrderFilled, **changes: object) -> OrderFilled:
    return OrderFilled(**{**{k: getattr(f, k) for k in f.__struct_fields__}, **changes})


def _row(state: object, code: str) -> tuple[Money, Money, Money]:
    (row,) = (b for b in state.balances if b.currency.code == code)  # type: ignore[attr-defined]
    return row.total, row.locked, row.free


# -- a margin account (base USD) funded only in EUR ----------------------------------------------
def test_eur_funded_usd_margin_account_values_its_eur_at_the_rate() -> None:
    pf, prices = portfolio(AccountType.MARGIN, USD, (Money.of(100_000, EUR),))
    account = pf.accounts[ACC]
    # no rate: the EUR counts nothing (and is said so), nothing is owed, nothing crashes
    assert account.equity_raw == 0 and account.free_raw(USD) == 0
    assert account.unvalued == [EUR] and account.unvalued_requirements == []
    prices[EURUSD.id] = 1_100_000_000
    assert account.equity_raw == account.free_raw(USD) == 110_000 * B
    state = pf.on_fill(fill(AAPL, BUY, "100", "50.00", Money.of("1.25", USD)), AAPL)[1]
    # USD row: the fee owed and the margin locked in the base; EUR row: its own balance, free
    assert _row(state, "USD") == (Money.of("-1.25", USD), Money.of(1_000, USD), Money.of("-1001.25", USD))
    assert _row(state, "EUR") == (Money.of(100_000, EUR), Money.of(0, EUR), Money.of(100_000, EUR))
    pf.on_mark(AAPL.id, 45 * B)  # 500 USD unrealised loss; margin 900
    assert account.equity_raw == (110_000 - Decimal("1.25") - 500) * B
    assert account.free_raw(USD) == (110_000 - Decimal("1.25") - 500 - 900) * B
    assert account.locked_raw(USD) == 900 * B
    pf.on_fill(fill(AAPL, SELL, "100", "45.00", Money.of("1.25", USD)), AAPL)
    assert account.balances == {EUR: 100_000 * B, USD: Decimal("-502.50") * B}
    assert account.realized_total_raw == Decimal("-502.50") * B
    assert account.free_raw(USD) == (110_000 - Decimal("502.50")) * B


class _EurFundedNode(Node):
    """A TradingNode whose margin account (base USD) holds 10,000 EUR only, trading AAPL (USD,
    margin 25 %) quoted 99.99/100.01, with EUR/USD quoted 1.09999/1.10001 when ``rate``."""

    def __init__(self, rate: bool) -> None:
        self.now = 1_767_619_800 * SECOND
        self.node = TradingNode(SimulatedClock(self.now), risk_config=RiskConfig(defaults=RiskLimits()))
        venue = SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=0))
        self.node.add_venue(venue, AccountType.MARGIN, USD, [Money.of(10_000, EUR)])
        self.node.add_instrument(
            Equity(
                id=AAPL.id, price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
                lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.25"),
                margin_maint=Decimal("0.15"),
            )
        )  # fmt: skip
        self.node.add_instrument(EURUSD)
        self.events: list[object] = []
        self._factories = {}
        self.node.bus.subscribe("events.*", self.events.append)
        self.quote("99.99", "100.01")
        if rate:
            self.now += SECOND
            size = Quantity.of(1_000, 0)
            self.node.process(
                QuoteTick.of(EURUSD.id, Price.of("1.09999", 5), Price.of("1.10001", 5), size, size, self.now)
            )


def test_risk_measures_margin_against_eur_funds_at_the_rate_and_denies_without_one() -> None:
    n = _EurFundedNode(rate=True)
    account = next(iter(n.node.portfolio.accounts.values()))
    assert account.free_raw(USD) == 11_000 * B
    order = n.submit(n.factory().market(AAPL.id, BUY, Quantity.of(400, 0)))  # 10,000 USD margin at 100.00
    assert n.refusal(order) is None and n.positions() == {"AAPL.SIM-S-1": 400}
    assert account.free_raw(USD) == 996 * B  # 11,000 - 10,000 margin - 4 unrealised loss
    order = n.submit(n.factory().market(AAPL.id, BUY, Quantity.of(100, 0)))
    assert (n.refusal(order) or "").startswith("INSUFFICIENT_MARGIN")
    n = _EurFundedNode(rate=False)  # the EUR cannot be valued: no free margin, and the denial names the rate
    order = n.submit(n.factory().market(AAPL.id, BUY, Quantity.of(1, 0)))
    assert (n.refusal(order) or "").startswith("NO_REFERENCE_PRICE: no exchange rate EUR/USD") and n.positions() == {}


def test_a_rate_move_records_the_high_water_mark_of_an_account_valued_through_it() -> None:
    """Before: the peak was recorded only on the marks of positions the account held, so an EUR
    funded account's peak missed a rise of EUR/USD (the drawdown breaker read a lower peak)."""
    pf, prices = portfolio(AccountType.MARGIN, USD, (Money.of(10_000, EUR),))
    account = pf.accounts[ACC]

    def eurusd(raw: int) -> None:
        prices[EURUSD.id] = raw
        pf.on_mark(EURUSD.id, raw)

    eurusd(1_100_000_000)
    assert account.peak_equity_raw == 11_000 * B  # before any fill
    pf.on_fill(fill(AAPL, BUY, "10", "50.00"), AAPL)
    eurusd(1_200_000_000)
    eurusd(1_100_000_000)
    assert account.peak_equity_raw == 12_000 * B and account.equity_raw == 11_000 * B
    # an account in its base currency alone is not touched by a rate's mark
    pf2, prices2 = portfolio(AccountType.MARGIN)
    prices2[EURUSD.id] = 2 * B
    pf2.on_mark(EURUSD.id, 2 * B)
    assert pf2.accounts[ACC].peak_equity_raw == 100_000 * B and not pf2._rate_watchers


def test_a_cash_crypto_account_records_its_peak_on_a_pair_it_holds_no_position_in() -> None:
    """Before: a USDT account holding ETH (a starting balance) and a BTC position recorded its peak
    only on BTC/USDT marks, so a rise of ETH/USDT was missed."""
    pf, prices = portfolio(AccountType.CASH, USDT, (Money.of(100_000, USDT), Money.of(10, ETH)))
    pf.rates.add_instrument(ETHUSDT)
    account = pf.accounts[ACC]
    prices[BTCUSDT.id], prices[ETHUSDT.id] = 40_000 * B, 2_000 * B
    pf.on_fill(fill(BTCUSDT, BUY, "1", "40000.00"), BTCUSDT)
    assert account.equity_raw == account.peak_equity_raw == 120_000 * B
    for eth in (2_500, 2_000):
        prices[ETHUSDT.id] = eth * B
        pf.on_mark(ETHUSDT.id, eth * B)
    assert account.peak_equity_raw == 125_000 * B and account.equity_raw == 120_000 * B
    prices[BTCUSDT.id] = 41_000 * B
    pf.on_mark(BTCUSDT.id, 41_000 * B)  # the pair it holds: once, as before
    assert account.peak_equity_raw == 125_000 * B and account.equity_raw == 121_000 * B


# -- flips, hedging, reopening, marks ------------------------------------------------------------
def test_future_flip_with_multiplier_and_commissions_in_a_third_currency() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    pf.rates.set_fixed(GBP, USD, "1.25")
    account = pf.accounts[ACC]
    pf.on_fill(fill(ES, BUY, "3", "5000.25", Money.of("1.11", GBP)), ES)
    event, state = pf.on_fill(fill(ES, SELL, "5", "5010.50", Money.of("1.13", GBP)), ES)
    assert isinstance(event, PositionChanged) and event.signed_qty == Decimal(-2)
    assert event.avg_px_open == Decimal("5010.5") and event.realized_pnl == Money.of("1537.50", USD)  # 3*50*10.25
    assert state.conversions[0].ratio == (5, 4)
    assert account.balances == {USD: (100_000 + Decimal("1537.50") - Decimal("2.80")) * B}
    pf.on_mark(ES.id, 5_000 * B)
    assert pf.unrealized_pnl(ES.id) == Money.of(1_050, USD)
    assert account.state(0, 0).margins[0].initial == Money.of(25_000, USD)  # 2 * 50 * 5000 * 5 %
    event, _ = pf.on_fill(fill(ES, BUY, "2", "5000.00", Money.of("0.01", GBP)), ES)
    assert isinstance(event, PositionClosed) and event.realized_pnl == Money.of("2587.50", USD)
    # 0.0125 USD rounds half-even to 0.01
    assert account.balances[USD] == (100_000 + Decimal("2587.50") - Decimal("2.81")) * B
    assert account.realized_total_raw == account.balances[USD] - 100_000 * B
    assert account.state(0, 0).margins == () and account.free_raw(USD) == account.balances[USD]


def test_hedging_two_positions_marked_together() -> None:
    pf, _ = portfolio(AccountType.MARGIN, oms=OmsType.HEDGING)
    account = pf.accounts[ACC]
    pf.on_fill(fill(AAPL, BUY, "10", "50.00", order_id="A"), AAPL)
    pf.on_fill(fill(AAPL, SELL, "4", "52.00", order_id="B"), AAPL)
    pf.on_mark(AAPL.id, 51 * B)
    assert pf.unrealized_pnl(AAPL.id) == Money.of(14, USD)
    assert account.equity_raw == 100_014 * B
    assert account.gross_exposure_raw == 714 * B and account.net_exposure_raw == 306 * B
    assert account.state(0, 0).margins[0].initial == Money.of("142.80", USD)
    event, _ = pf.on_fill(
        _named(fill(AAPL, BUY, "4", "49.00", order_id="C"), position_id=PositionId("AAPL.SIM-S-B")), AAPL
    )
    assert isinstance(event, PositionClosed) and event.realized_pnl == Money.of(12, USD)
    assert pf.net_positions[AAPL.id] == 10 * B and account.balances[USD] == 100_012 * B


def test_a_netting_position_that_closes_and_reopens_starts_afresh() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    pf.on_fill(fill(AAPL, BUY, "10", "50.00"), AAPL)
    closed, _ = pf.on_fill(fill(AAPL, SELL, "10", "55.00"), AAPL)
    assert isinstance(closed, PositionClosed) and closed.realized_pnl == Money.of(50, USD)
    reopened, _ = pf.on_fill(fill(AAPL, SELL, "3", "60.00", order_id="R"), AAPL)
    assert isinstance(reopened, PositionOpened) and reopened.position_id == closed.position_id
    assert reopened.realized_pnl == Money.of(0, USD) and reopened.avg_px_close is None
    assert reopened.avg_px_open == Decimal(60) and str(reopened.opening_order_id) == "R"
    again, _ = pf.on_fill(fill(AAPL, BUY, "3", "58.00"), AAPL)
    assert isinstance(again, PositionClosed) and again.realized_pnl == Money.of(6, USD)
    assert [p.realized_raw for p in pf.closed_positions] == [50 * B, 6 * B]
    assert pf.accounts[ACC].realized_total_raw == 56 * B
    assert pf.purge_closed_positions() == 2 and pf.positions == {}


def test_a_mark_before_the_first_fill_values_the_position_at_once() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    account = pf.accounts[ACC]
    pf.on_mark(AAPL.id, 60 * B)
    event, _ = pf.on_fill(fill(AAPL, BUY, "10", "50.00"), AAPL)
    assert event.unrealized_pnl == Money.of(100, USD)
    assert account.equity_raw == account.peak_equity_raw == 100_100 * B
    assert account.free_raw(USD) == (100_000 - 120) * B  # 20 % of 600; the gain is not lent against


def test_one_instruments_marks_reach_two_accounts() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    other = AccountId("SIM-002")
    pf.add_account(other, AccountType.CASH, USD, (Money.of(1_000, USD),))
    pf.on_fill(fill(AAPL, BUY, "10", "50.00", strategy="A"), AAPL)
    pf.on_fill(_named(fill(AAPL, BUY, "5", "50.00", strategy="B"), account_id=other), AAPL)
    margin, cash = pf.accounts[ACC], pf.accounts[other]
    pf.on_mark(AAPL.id, 52 * B)
    assert margin.equity_raw == margin.peak_equity_raw == 100_020 * B
    assert cash.equity_raw == cash.peak_equity_raw == 1_010 * B  # 750 cash + 5 * 52
    pf.on_mark(AAPL.id, 49 * B)
    assert (margin.equity_raw, cash.equity_raw) == (99_990 * B, 995 * B)
    assert (margin.peak_equity_raw, cash.peak_equity_raw) == (100_020 * B, 1_010 * B)


def test_eight_decimal_prices_and_quantities_at_large_notionals_are_exact() -> None:
    for account_type in (AccountType.CASH, AccountType.MARGIN):
        pf, _ = portfolio(account_type, USDT, (Money.of(10**15, USDT),))
        account = pf.accounts[ACC]
        start = account.balances[USDT]
        trades = [
            (BUY, "99999999.12345678", "123456.12345679", "0.12345678"),
            (SELL, "33333333.33333333", "123457.99999999", "1.00000001"),
            (SELL, "66666665.79012345", "99999.00000001", "0"),
        ]
        cost = realized = fees = Fraction(0)
        held = Fraction(0)
        for side, q, p, fee in trades:
            pf.on_fill(fill(ETHUSDT, side, q, p, Money.of(fee, USDT)), ETHUSDT)
            fees += Fraction(fee)
            if side is BUY:
                cost += Fraction(q) * Fraction(p)
                held += Fraction(q)
            else:
                released = cost * Fraction(q) / held
                realized += Fraction(q) * Fraction(p) - released
                cost -= released
                held -= Fraction(q)
        assert held == 0 and not pf.open_positions()
        (position,) = pf.closed_positions
        unit = 10  # USDT: 8 decimals
        expected = round(realized * B / unit) * unit  # no half-unit tie here
        assert position.realized_raw == expected
        assert account.balances[USDT] - start == expected - int(fees * B)
        assert account.realized_total_raw == expected - int(fees * B)


def test_a_fill_at_the_trading_day_boundary_counts_in_the_new_day() -> None:
    day = 86_400 * SECOND
    n = Node()
    account = next(iter(n.node.portfolio.accounts.values()))
    midnight = (n.now // day + 1) * day
    n.advance((midnight - 3 * SECOND - n.now) // SECOND)
    n.quote("99.99", "100.01")
    n.submit(n.factory().market(AAPL.id, BUY, Quantity.of(10, 0)))
    n.quote("101.99", "102.01")
    n.submit(n.factory().market(AAPL.id, SELL, Quantity.of(5, 0)))
    assert n.now == midnight - SECOND and account.realized_today_raw == Decimal("9.90") * B
    n.quote("101.99", "102.01")
    assert n.now == midnight and account.realized_today_raw == 0
    n.submit(n.factory().market(AAPL.id, SELL, Quantity.of(5, 0)))
    assert account.realized_today_raw == Decimal("9.90") * B and account.realized_total_raw == Decimal("19.80") * B


def test_a_spot_fee_in_the_base_asset_leaves_the_balance_short_of_the_position() -> None:
    """Documents the convention: commissions are kept apart from positions, so a BTC fee on a
    BTC/USDT buy leaves the position 0.0005 BTC longer than the wallet (see the audit report)."""
    pf, prices = portfolio(AccountType.CASH, USDT, (Money.of(50_000, USDT),))
    account = pf.accounts[ACC]
    prices[BTCUSDT.id] = 40_000 * B
    _, state = pf.on_fill(fill(BTCUSDT, BUY, "0.5", "40000.00", Money.of("0.0005", BTC)), BTCUSDT)
    assert _row(state, "BTC")[0] == Money.of("0.4995", BTC) and state.conversions[0].ratio == (40_000, 1)
    pf.on_fill(fill(BTCUSDT, SELL, "0.4995", "41000.00", Money.of("2.5", USDT)), BTCUSDT)
    assert account.balances == {USDT: 50_477 * B, BTC: 0}
    # 499.50 realised - 2.50 USDT fee - 0.0005 BTC fee (20 USDT at the fill's rate)
    assert account.realized_total_raw == 477 * B
    (position,) = pf.open_positions()
    assert position.signed_raw == Decimal("0.0005") * B


# -- reconciliation over random fills, commissions in several currencies ------------------------
_INSTRUMENTS = (AAPL, SAP, EURUSD, ES)
_FEE_CURRENCIES = (USD, EUR, GBP)

fills = st.lists(
    st.tuples(
        st.sampled_from(range(len(_INSTRUMENTS))),
        st.sampled_from([BUY, SELL]),
        st.integers(1, 300),
        st.integers(1, 20_000),  # price in ticks of 0.01 (ES: of 0.25)
        st.sampled_from(range(len(_FEE_CURRENCIES))),
        st.integers(0, 999),  # fee in cents
        st.booleans(),  # a mark at a random price after the fill
        st.integers(1, 20_000),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    fills,
    st.sampled_from([AccountType.CASH, AccountType.MARGIN]),
    st.sampled_from([OmsType.NETTING, OmsType.HEDGING]),
    st.booleans(),  # a GBP/USD rate (EUR/USD comes from the pair's marks, when it has one)
    st.booleans(),  # an EUR/USD mark before the first fill
)
def test_balances_reconcile_exactly_per_currency_over_random_fills(
    trades: list[tuple[int, OrderSide, int, int, int, int, bool, int]],
    account_type: AccountType,
    oms: OmsType,
    gbp_rate: bool,
    eur_first: bool,
) -> None:
    prices: dict[InstrumentId, int] = {}
    rates = ExchangeRates(prices)
    rates.add_instrument(EURUSD)
    if gbp_rate:
        rates.set_fixed(GBP, USD, "1.27")
    pf = Portfolio(SimulatedClock(0), rates, oms)
    start = {USD: 10**9 * B, EUR: 10**6 * B, GBP: 10**6 * B}
    pf.add_account(ACC, account_type, USD, [Money(raw=raw, currency=c) for c, raw in start.items()])
    account = pf.accounts[ACC]
    if eur_first:
        prices[EURUSD.id] = 1_123_450_000
        pf.on_mark(EURUSD.id, 1_123_450_000)
    fees: dict[object, int] = {}
    booked: dict[object, int] = {}  # margin: the realised P&L each fill booked, in its currency
    positions = {}
    for index, side, qty, ticks, fee_index, fee_cents, marks, mark_ticks in trades:
        instrument = _INSTRUMENTS[index]
        tick = instrument.tick_size.raw
        px = Price(raw=ticks * tick, precision=instrument.price_precision)
        fee = Money(raw=fee_cents * 10_000_000, currency=_FEE_CURRENCIES[fee_index])
        f = fill(instrument, side, str(qty), str(px), fee)
        fee_ratio = rates.ratio(fee.currency, USD)
        settle_ratio = rates.ratio(instrument.settlement, USD)
        event, state = pf.on_fill(f, instrument)
        position = pf.positions[event.position_id]
        before = positions.get(id(position), 0)
        delta = position.realized_raw - before
        positions[id(position)] = position.realized_raw
        fees[fee.currency] = fees.get(fee.currency, 0) + fee.raw
        if account_type is AccountType.MARGIN:
            # each amount booked in the base at the fill's rate, else in its own currency
            for currency, amount, ratio in (
                (instrument.settlement, delta, settle_ratio),
                (fee.currency, -fee.raw, fee_ratio),
            ):
                if currency == USD or ratio is None or not amount:
                    booked[currency] = booked.get(currency, 0) + amount
                else:
                    booked[USD] = (
                        booked.get(USD, 0) + round_half_even(amount * ratio[0], ratio[1] * 10_000_000) * 10_000_000
                    )
            # each conversion listed names the rate it used (none: there was none)
            expected = {instrument.settlement: settle_ratio, fee.currency: fee_ratio}
            for conversion in state.conversions:
                assert (conversion.ratio is None) is (expected[conversion.from_currency] is None)
        if marks:
            mark = mark_ticks * tick
            if instrument is EURUSD:
                prices[EURUSD.id] = mark
            pf.on_mark(instrument.id, mark)
            assert account.peak_equity_raw >= account.equity_raw
    # close everything at its last price, without fees
    for position in list(pf.open_positions()):
        side = SELL if position.signed_raw > 0 else BUY
        size = abs(position.signed_raw) // B
        close = _named(
            fill(
                position.instrument,
                side,
                str(size),
                str(Price(raw=position.last_px_raw, precision=position.instrument.price_precision)),
            ),
            position_id=position.id,
        )
        settle_ratio = rates.ratio(position.settlement, USD)
        before = position.realized_raw
        pf.on_fill(close, position.instrument)
        if account_type is AccountType.MARGIN:
            delta = position.realized_raw - before
            if position.settlement == USD or settle_ratio is None or not delta:
                booked[position.settlement] = booked.get(position.settlement, 0) + delta
            else:
                booked[USD] = (
                    booked.get(USD, 0)
                    + round_half_even(delta * settle_ratio[0], settle_ratio[1] * 10_000_000) * 10_000_000
                )
    assert not pf.open_positions()
    closed = list(pf.closed_positions)
    for currency in set(start) | set(account.balances):
        change = account.balances.get(currency, 0) - start.get(currency, 0)
        if account_type is AccountType.CASH:
            # flat: each position's cash flows equal its realised P&L; a pair's base came back in full
            realized = sum(p.realized_raw for p in closed if p.settlement == currency)
            assert change == realized - fees.get(currency, 0), currency
        else:
            assert change == booked.get(currency, 0), currency
    assert sum(p.signed_raw for p in closed) == 0
    assert account.equity_raw >= 0 and account.peak_equity_raw >= account.equity_raw
