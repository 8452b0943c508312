"""Marks move equity at once and book exposures on first read: every view equals full marking.

Two portfolios see the same fills and marks; one is settled after every mark (what marking in
full did), the other only when a view reads it. Every account view must agree after every step,
and the equity high-water mark must be the same (it follows every mark in both). A mark moves a
remembered equity by ``k * move`` when that is exact (whole positions in the base currency), so
after every mark the equity is also checked against the one computed afresh from the settled
exposures.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from nautilus_platform.model.enums import AccountType, LiquiditySide, OmsType, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import CryptoSpot, Equity, Instrument
from nautilus_platform.model.values import BTC, USD, USDT, Money, Price, Quantity
from nautilus_platform.trading.positions import Account, ExchangeRates, Portfolio

MARGIN = AccountId("SIM-M")
CASH = AccountId("SIM-C")
AAPL = Equity(
    id=InstrumentId("AAPL.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.2"), margin_maint=Decimal("0.1"),
)  # fmt: skip
MSFT = Equity(
    id=InstrumentId("MSFT.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.5"), margin_maint=Decimal("0.25"),
)  # fmt: skip
BTCUSDT = CryptoSpot(
    id=InstrumentId("BTC/USDT.SIM"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
    lot_size=Quantity.of("0.0001"), quote_currency=USDT, base_currency=BTC,
)  # fmt: skip
# Nine decimals on both sides: exposures that are not whole raw units, where floors matter.
FINE = Equity(
    id=InstrumentId("FINE.SIM"), price_precision=9, size_precision=9, tick_size=Price.of("0.000000001"),
    lot_size=Quantity.of("0.000000001"), quote_currency=USD, margin_init=Decimal("0.3"), margin_maint=Decimal("0.2"),
)  # fmt: skip
INSTRUMENTS: list[Instrument] = [AAPL, MSFT, BTCUSDT, FINE]


def _qty_raw(instrument: Instrument, qty: int) -> int:
    if instrument is FINE:
        return qty * 10**9 // 7 + 3
    return qty * 10**9 // (100 if instrument is BTCUSDT else 1)


def _px_raw(instrument: Instrument, px: int) -> int:
    return px * 10**7 + (px % 97 if instrument is FINE else 0)


step = st.one_of(
    st.tuples(
        st.just("fill"),
        st.sampled_from([MARGIN, CASH]),
        st.integers(0, 3),
        st.booleans(),
        st.integers(1, 50),
        st.integers(9_000, 11_000),
        st.sampled_from(["A", "B"]),
    ),
    st.tuples(st.just("mark"), st.integers(0, 3), st.integers(8_000, 12_000)),
    st.tuples(st.just("read"), st.sampled_from([MARGIN, CASH])),
)


def _portfolio(oms: OmsType, usdt_rate: str | None = "0.9990") -> Portfolio:
    rates = ExchangeRates({})
    if usdt_rate is not None:  # the cash account's USDT then counts in its USD equity
        rates.set_fixed(USDT, USD, usdt_rate)
    portfolio = Portfolio(SimulatedClock(), rates, oms)
    portfolio.add_account(MARGIN, AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    portfolio.add_account(CASH, AccountType.CASH, USD, [Money.of(1_000_000, USD), Money.of(1_000_000, USDT)])
    return portfolio


def _views(account: Account) -> tuple[object, ...]:
    currencies = sorted(set(account.balances) | set(account.exposures), key=lambda c: c.code)
    state = account.state(0, 0)
    return (
        account.equity_raw, account.peak_equity_raw, account.gross_exposure_raw, account.net_exposure_raw,
        [account.free_raw(c) for c in currencies], [account.locked_raw(c) for c in currencies],
        state.balances, state.margins, account.margin_balances(), account.unvalued,
        {c.code: (e.unrealized, e.value, e.gross, e.net, e.margin_init, e.margin_maint)
         for c, e in account.exposures.items()},
    )  # fmt: skip


# Both accounts short one share of instrument 0 at 90.00, the cash account first.
_CASH_THEN_MARGIN_SHORT: list[tuple[object, ...]] = [
    ("fill", CASH, 0, False, 1, 9000, "A"),
    ("fill", MARGIN, 0, False, 1, 9000, "A"),
]


@settings(max_examples=400, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=60), hedging=st.booleans(), usdt_rate=st.sampled_from([None, "0.9990"])
)
# A mark that settles halfway through its positions (the cash account's equity has no memo
# without a USDT rate): the positions marked after that must still be booked later.
@example(
    steps=[
        ("fill", MARGIN, 0, False, 1, 9000, "A"),
        ("fill", CASH, 0, False, 1, 9000, "A"),
        ("fill", MARGIN, 0, False, 1, 9000, "A"),
        ("mark", 0, 8000),
    ],
    hedging=True,
    usdt_rate=None,
)
# A settle from within a mark (the cash account's equity is not remembered) booked another
# account's position at the new mark before the mark reached it: that account's remembered
# equity must still move by this mark, whichever way the price goes.
@example(steps=[*_CASH_THEN_MARGIN_SHORT, ("mark", 0, 8001), ("mark", 0, 8000)], hedging=False, usdt_rate=None)
@example(steps=[*_CASH_THEN_MARGIN_SHORT, ("mark", 0, 8000), ("mark", 0, 8001)], hedging=False, usdt_rate=None)
def test_lazy_marks_equal_full_marking(steps: list[tuple[object, ...]], hedging: bool, usdt_rate: str | None) -> None:
    oms = OmsType.HEDGING if hedging else OmsType.NETTING
    lazy, eager = _portfolio(oms, usdt_rate), _portfolio(oms, usdt_rate)
    for n, action in enumerate(steps, start=1):
        if action[0] == "fill":
            # A strategy trades one account here (netting keys positions by instrument and strategy).
            _, account_id, index, buy, qty, px, strategy = action
            instrument = INSTRUMENTS[index]  # type: ignore[index]
            fill = OrderFilled(
                ts_event=n, ts_init=n, strategy_id=StrategyId(f"{strategy}-{account_id}"), instrument_id=instrument.id,
                client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"),
                account_id=account_id, trade_id=TradeId(f"T-{n}"),
                order_side=OrderSide.BUY if buy else OrderSide.SELL, order_type=OrderType.MARKET,
                last_qty=Quantity(raw=_qty_raw(instrument, qty), precision=instrument.size_precision),  # type: ignore[arg-type]
                last_px=Price(raw=_px_raw(instrument, px), precision=instrument.price_precision),  # type: ignore[arg-type]
                commission=Money.of("0.01", instrument.settlement), liquidity_side=LiquiditySide.TAKER,
            )  # fmt: skip
            assert lazy.on_fill(fill, instrument) == eager.on_fill(fill, instrument)
        elif action[0] == "mark":
            _, index, px = action
            instrument = INSTRUMENTS[index]  # type: ignore[index]
            lazy.on_mark(instrument.id, _px_raw(instrument, px))  # type: ignore[arg-type]
            eager.on_mark(instrument.id, _px_raw(instrument, px))  # type: ignore[arg-type]
            eager.settle()
            for account_id in (MARGIN, CASH):
                # The high-water mark follows every mark in both, settled or not.
                assert lazy.accounts[account_id].peak_equity_raw == eager.accounts[account_id].peak_equity_raw
                assert lazy.accounts[account_id].equity_raw == eager.accounts[account_id].equity_raw
                # Both may have moved a remembered equity by the mark alone: it must equal the
                # equity computed afresh from the settled balances and exposures.
                eager.accounts[account_id].values_changed()
                assert lazy.accounts[account_id].equity_raw == eager.accounts[account_id].equity_raw
        else:
            account_id = action[1]
            assert _views(lazy.accounts[account_id]) == _views(eager.accounts[account_id])  # type: ignore[index]
    for account_id in (MARGIN, CASH):
        assert _views(lazy.accounts[account_id]) == _views(eager.accounts[account_id])
        assert not lazy.accounts[account_id].stale


def test_a_mark_defers_margins_until_read() -> None:
    portfolio = _portfolio(OmsType.NETTING)
    buy = OrderFilled(
        ts_event=1, ts_init=1, strategy_id=StrategyId("S"), instrument_id=AAPL.id,
        client_order_id=ClientOrderId("O-1"), venue_order_id=VenueOrderId("V-1"), account_id=MARGIN,
        trade_id=TradeId("T-1"), order_side=OrderSide.BUY, order_type=OrderType.MARKET,
        last_qty=Quantity.of(100), last_px=Price.of("100.00"), commission=Money.zero(USD),
        liquidity_side=LiquiditySide.TAKER,
    )  # fmt: skip
    portfolio.on_fill(buy, AAPL)
    account = portfolio.accounts[MARGIN]
    portfolio.on_mark(AAPL.id, Price.of("110.00").raw)
    assert account.stale
    assert account.equity_raw == Money.of(1_001_000, USD).raw  # +10 * 100 unrealised, at once
    assert account.exposures[USD].gross == 100 * 10**9 * 100 * 10**9 * 10**9  # still the fill's mark
    assert account.exposures[USD].unrealized == 0  # booked with the rest on first read
    assert account.gross_exposure_raw == Money.of(11_000, USD).raw  # a view settles first
    assert not account.stale
    assert account.exposures[USD].gross == 100 * 10**9 * 110 * 10**9 * 10**9
