"""Portfolio: accounts booked by fills, netting/hedging, currency conversion, exact reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import DuplicateError, NotFoundError, ValidationError
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from nautilus_platform.model.enums import AccountType, LiquiditySide, OmsType, OrderSide, OrderType
from nautilus_platform.model.events import AccountState, OrderFilled, PositionOpened
from nautilus_platform.model.instruments import CryptoSpot, Equity, FxSpot, Instrument
from nautilus_platform.model.values import BTC, EUR, USD, USDT, Money, Price, Quantity
from nautilus_platform.trading.positions import ExchangeRates, Portfolio

B = 1_000_000_000
ACC = AccountId("SIM-001")
AAPL = Equity(
    id=InstrumentId("AAPL.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.2"), margin_maint=Decimal("0.1"),
)  # fmt: skip
SAP = Equity(
    id=InstrumentId("SAP.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=EUR,
)  # fmt: skip
EURUSD = FxSpot(
    id=InstrumentId("EUR/USD.SIM"), price_precision=5, size_precision=0, tick_size=Price.of("0.00001"),
    lot_size=Quantity.of(1), quote_currency=USD, base_currency=EUR,
)  # fmt: skip
BTCUSDT = CryptoSpot(
    id=InstrumentId("BTC/USDT.SIM"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
    lot_size=Quantity.of("0.0001"), quote_currency=USDT, base_currency=BTC,
)  # fmt: skip
_n = iter(range(1, 10**9))


def fill(
    instrument: Instrument, side: OrderSide, qty: str, px: str, fee: Money | None = None, strategy: str = "S",
    order_id: str | None = None,
) -> OrderFilled:  # fmt: skip
    n = next(_n)
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=StrategyId(strategy), instrument_id=instrument.id,
        client_order_id=ClientOrderId(order_id or f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"), account_id=ACC,
        trade_id=TradeId(f"T-{n}"), order_side=side, order_type=OrderType.MARKET,
        last_qty=Quantity.of(qty, instrument.size_precision), last_px=Price.of(px, instrument.price_precision),
        commission=fee or Money.zero(instrument.settlement), liquidity_side=LiquiditySide.TAKER,
    )  # fmt: skip


def portfolio(
    account_type: AccountType, base: object = USD, balances: tuple[Money, ...] = (), oms: OmsType = OmsType.NETTING
) -> tuple[Portfolio, dict[InstrumentId, int]]:
    prices: dict[InstrumentId, int] = {}
    rates = ExchangeRates(prices)
    for instrument in (AAPL, SAP, EURUSD, BTCUSDT):
        rates.add_instrument(instrument)
    pf = Portfolio(SimulatedClock(0), rates, oms)
    state = pf.add_account(ACC, account_type, base, balances or (Money.of(100_000, USD),))  # type: ignore[arg-type]
    assert isinstance(state, AccountState) and state.reason == "opened"
    return pf, prices


def test_margin_account_books_realised_pnl_minus_fees_and_ties_up_margin() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    events = pf.on_fill(fill(AAPL, OrderSide.BUY, "100", "50.00", Money.of("1.25", USD)), AAPL)
    assert isinstance(events[0], PositionOpened) and isinstance(events[1], AccountState)
    account = pf.accounts[ACC]
    assert account.balances[USD] == (100_000 - Decimal("1.25")) * B
    pf.on_mark(AAPL.id, 51 * B)
    assert account.equity_raw == (100_000 - Decimal("1.25") + 100) * B
    # Free margin: balance less initial margin; unrealised gains are not lent against...
    assert account.free_raw(USD) == (100_000 - Decimal("1.25") - 100 * 51 * Decimal("0.2")) * B
    pf.on_mark(AAPL.id, 49 * B)  # ...but unrealised losses reduce it.
    assert account.free_raw(USD) == (100_000 - Decimal("1.25") - 100 - 100 * 49 * Decimal("0.2")) * B
    pf.on_mark(AAPL.id, 51 * B)
    state = account.state(0, 0)
    assert state.margins[0].initial == Money.of(1020, USD) and state.margins[0].maintenance == Money.of(510, USD)
    pf.on_fill(fill(AAPL, OrderSide.SELL, "100", "52.00", Money.of("1.30", USD)), AAPL)
    assert account.balances[USD] == (100_000 - Decimal("2.55") + 200) * B
    assert account.realized_today_raw == (200 - Decimal("2.55")) * B
    assert pf.net_positions[AAPL.id] == 0 and not pf.open_positions()
    assert account.free_raw(USD) == account.balances[USD]


def test_pnl_in_another_currency_is_converted_at_the_quote_rate() -> None:
    pf, prices = portfolio(AccountType.MARGIN)
    prices[EURUSD.id] = 1_100_000_000  # 1.1 USD per EUR
    pf.on_fill(fill(SAP, OrderSide.BUY, "10", "100.00", Money.of("1.00", EUR)), SAP)
    pf.on_fill(fill(SAP, OrderSide.SELL, "10", "103.00"), SAP)
    account = pf.accounts[ACC]
    assert account.balances == {USD: (100_000 + 33 - Decimal("1.10")) * B}
    assert pf.rates.rate_raw(USD, EUR) == 909_090_909


def test_without_a_rate_the_pnl_stays_in_its_currency() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    pf.on_fill(fill(SAP, OrderSide.BUY, "10", "100.00"), SAP)
    pf.on_fill(fill(SAP, OrderSide.SELL, "10", "101.00"), SAP)
    account = pf.accounts[ACC]
    assert account.balances[EUR] == 10 * B and account.unconverted[EUR] == 10 * B


def test_cash_account_spot_pair_moves_quote_and_base_balances() -> None:
    pf, _ = portfolio(AccountType.CASH, USDT, (Money.of(50_000, USDT),))
    pf.on_fill(fill(BTCUSDT, OrderSide.BUY, "0.5", "40000.00", Money.of("0.0005", BTC)), BTCUSDT)
    account = pf.accounts[ACC]
    assert account.balances[USDT] == 30_000 * B
    assert account.balances[BTC] == Decimal("0.4995") * B
    pf.on_mark(BTCUSDT.id, 41_000 * B)
    assert account.equity_raw == 30_000 * B  # BTC has no USDT rate yet: counted 0, and said so
    assert account.unvalued == [BTC]
    pf.on_fill(fill(BTCUSDT, OrderSide.SELL, "0.4995", "41000.00"), BTCUSDT)
    assert account.balances[USDT] == (30_000 + Decimal("20479.5")) * B
    assert account.balances[BTC] == 0


def test_cash_account_equity_holdings_are_valued_at_the_mark() -> None:
    pf, _ = portfolio(AccountType.CASH)
    pf.on_fill(fill(AAPL, OrderSide.BUY, "10", "50.00"), AAPL)
    account = pf.accounts[ACC]
    assert account.balances[USD] == 99_500 * B
    pf.on_mark(AAPL.id, 55 * B)
    assert account.equity_raw == 100_050 * B
    assert account.peak_equity_raw == 100_050 * B
    pf.on_mark(AAPL.id, 45 * B)
    assert account.peak_equity_raw == 100_050 * B and account.equity_raw == 99_950 * B


def test_hedging_keeps_one_position_per_opening_order() -> None:
    pf, _ = portfolio(AccountType.MARGIN, oms=OmsType.HEDGING)
    pf.on_fill(fill(AAPL, OrderSide.BUY, "10", "50.00", order_id="A"), AAPL)
    pf.on_fill(fill(AAPL, OrderSide.SELL, "4", "51.00", order_id="B"), AAPL)
    assert len(pf.open_positions()) == 2
    assert pf.net_positions[AAPL.id] == 6 * B
    # A fill that names its position reduces that one.
    named = fill(AAPL, OrderSide.SELL, "10", "52.00", order_id="C")
    pf.on_fill(OrderFilled(**{**{f: getattr(named, f) for f in named.__struct_fields__},
                              "position_id": PositionId("AAPL.SIM-S-A")}), AAPL)  # fmt: skip
    assert pf.position(PositionId("AAPL.SIM-S-A")).is_closed
    assert pf.positions[PositionId("AAPL.SIM-S-A")].realized_pnl == Money.of(20, USD)


@pytest.mark.parametrize("oms", [OmsType.HEDGING, OmsType.NETTING])
def test_purge_forgets_closed_positions_and_keeps_open_and_reopened_ones(oms: OmsType) -> None:
    pf, _ = portfolio(AccountType.MARGIN, oms=oms)
    for n in range(50):  # open and close a position per round trip
        opened = fill(AAPL, OrderSide.BUY, "10", "50.00", order_id=f"O-{n}")
        pf.on_fill(opened, AAPL)
        closing = fill(AAPL, OrderSide.SELL, "10", "51.00", order_id=f"C-{n}")
        position_id = PositionId(f"AAPL.SIM-S-O-{n}") if oms is OmsType.HEDGING else None
        pf.on_fill(OrderFilled(**{**{f: getattr(closing, f) for f in closing.__struct_fields__},
                                  "position_id": position_id}), AAPL)  # fmt: skip
    pf.on_fill(fill(AAPL, OrderSide.BUY, "3", "50.00", order_id="OPEN"), AAPL)
    realized = sum(p.realized_raw for p in pf.closed_positions)
    assert realized == 50 * 10 * B and len(pf.closed_positions) == 50
    assert pf.purge_closed_positions() == 50
    # Only the open position is left, everywhere the portfolio indexes positions.
    (left,) = pf.positions.values()
    assert left.signed_raw == 3 * B and pf.open_positions() == [left]
    assert list(pf._marked) == [left.id]
    assert len(pf._hedge_ids) == (1 if oms is OmsType.HEDGING else 0)
    assert pf.purged_positions == 50 and pf.closed_positions == []
    # The account and the open position are untouched: a later fill and a mark still book.
    pf.on_mark(AAPL.id, 52 * B)
    assert pf.unrealized_pnl(AAPL.id) == Money.of(6, USD)
    if oms is OmsType.NETTING:
        assert pf.position(left.id) is left
    else:
        with pytest.raises(NotFoundError):
            pf.position(PositionId("AAPL.SIM-S-O-0"))


def test_errors_are_typed() -> None:
    pf, _ = portfolio(AccountType.MARGIN)
    with pytest.raises(DuplicateError):
        pf.add_account(ACC, AccountType.MARGIN, USD)
    with pytest.raises(NotFoundError):
        pf.position(PositionId("nope"))
    stray = fill(AAPL, OrderSide.BUY, "1", "1.00")
    with pytest.raises(NotFoundError):
        pf.on_fill(OrderFilled(**{**{f: getattr(stray, f) for f in stray.__struct_fields__},
                                  "account_id": AccountId("OTHER-1")}), AAPL)  # fmt: skip


fills_strategy = st.lists(
    st.tuples(
        st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
        st.integers(1, 500),
        st.integers(1, 20_000),  # cents
        st.integers(0, 999),  # fee in cents
        st.integers(1, 20_000),  # mark in cents after the fill
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(fills_strategy, st.sampled_from([AccountType.MARGIN, AccountType.CASH]))
def test_reconciliation_is_exact_over_any_fill_sequence(
    trades: list[tuple[OrderSide, int, int, int, int]], account_type: AccountType
) -> None:
    pf, _ = portfolio(account_type, USD, (Money.of(10**9, USD),))
    account = pf.accounts[ACC]
    start = account.balances[USD]
    fees = 0
    for side, qty, cents, fee, mark in trades:
        pf.on_fill(fill(AAPL, side, str(qty), f"{cents / 100:.2f}", Money.of(f"{fee / 100:.2f}", USD)), AAPL)
        pf.on_mark(AAPL.id, mark * B // 100)
        fees += fee * B // 100
    signed = sum(q if s is OrderSide.BUY else -q for s, q, *_ in trades)
    assert pf.net_positions[AAPL.id] == signed * B
    if signed:
        side = OrderSide.SELL if signed > 0 else OrderSide.BUY
        pf.on_fill(fill(AAPL, side, str(abs(signed)), f"{trades[-1][2] / 100:.2f}"), AAPL)
    realized = sum(p.realized_raw for p in pf.closed_positions)
    assert account.balances[USD] - start == realized - fees  # to the cent, always
    assert account.realized_total_raw == realized - fees
    assert account.equity_raw == account.balances[USD]  # flat: nothing unrealised


@pytest.mark.parametrize("oms", [OmsType.HEDGING, OmsType.NETTING])
def test_opposite_positions_in_one_account_leave_the_high_water_mark_alone(oms: OmsType) -> None:
    # Long and short 100 in one account (two orders under hedging, two strategies under netting):
    # a mark moves one by +100 and the other by -100, and no equity peak is seen in between.
    pf, _ = portfolio(AccountType.MARGIN, oms=oms)
    pf.on_fill(fill(AAPL, OrderSide.BUY, "100", "50.00", strategy="LONG", order_id="L"), AAPL)
    pf.on_fill(fill(AAPL, OrderSide.SELL, "100", "50.00", strategy="SHORT", order_id="S"), AAPL)
    assert len(pf.open_positions()) == 2
    account = pf.accounts[ACC]
    equity = account.equity_raw
    assert account.peak_equity_raw == equity
    for mark in ("51.00", "49.00", "53.00"):
        pf.on_mark(AAPL.id, Price.of(mark, 2).raw)
        assert account.equity_raw == equity
        assert account.peak_equity_raw == equity


def test_an_account_without_a_base_currency_is_refused_with_a_typed_error() -> None:
    """Before: ``AttributeError: 'NoneType' object has no attribute 'code'`` from deep inside."""
    portfolio = Portfolio(SimulatedClock(0), ExchangeRates({}))
    for bad in (None, "USD"):
        # ValidationError in Python; the compiled module's signature refuses it first (TypeError)
        with pytest.raises((ValidationError, TypeError), match=r"(?i)currency"):
            portfolio.add_account(AccountId("SIM-001"), AccountType.CASH, bad, [Money.of(1_000, USD)])  # type: ignore[arg-type]
    assert not portfolio.accounts
