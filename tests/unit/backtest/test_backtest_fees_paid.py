"""``fees_paid``: every fill's commission in the account's base currency, other currencies converted
at the end-of-run rate, unconvertible ones left out with a note; checked against sums by hand."""

from __future__ import annotations

from nautilus_platform.backtest.engine import fees_paid
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from nautilus_platform.model.enums import AccountType, LiquiditySide, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.values import BTC, EUR, USD, Currency, Money, Price, Quantity
from nautilus_platform.trading.positions.account import Account
from nautilus_platform.trading.positions.rates import ExchangeRates


def fill(n: int, fee: str, currency: Currency) -> OrderFilled:
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=StrategyId("S-1"), instrument_id=InstrumentId("X.SIM"),
        client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"), account_id=AccountId("SIM-1"),
        trade_id=TradeId(f"T-{n}"), order_side=OrderSide.BUY, order_type=OrderType.MARKET, last_qty=Quantity.of(1),
        last_px=Price.of("1.00"), commission=Money.of(fee, currency), liquidity_side=LiquiditySide.TAKER,
    )  # fmt: skip


def account(rates: ExchangeRates) -> Account:
    return Account(AccountId("SIM-1"), AccountType.MARGIN, USD, rates)


def test_fees_in_the_base_currency_are_summed_exactly() -> None:
    notes: list[str] = []
    fills = [fill(1, "9.97", USD), fill(2, "9.92", USD), fill(3, "9.93", USD)]
    assert fees_paid(fills, account(ExchangeRates({})), notes) == 29.82  # 9.97 + 9.92 + 9.93, one rounding
    assert notes == []
    assert fees_paid([], account(ExchangeRates({})), notes) == 0.0


def test_other_currencies_are_converted_and_unconvertible_ones_noted() -> None:
    rates = ExchangeRates({})
    rates.set_fixed(BTC, USD, "50000")
    notes: list[str] = []
    fills = [fill(1, "1.50", USD), fill(2, "0.00010000", BTC), fill(3, "0.00002000", BTC), fill(4, "3.00", EUR)]
    # by hand: 1.50 USD + (0.0001 + 0.00002) BTC * 50,000 = 1.50 + 6.00 = 7.50 USD; the 3 EUR have no rate
    assert fees_paid(fills, account(rates), notes) == 7.5
    (note,) = notes
    assert "3.00 EUR" in note and "USD" in note
