"""A margin account whose base currency is USD trading instruments that settle in another
currency (an EUR future, a USDT-settled perpetual): initial margin is converted at the exchange
rate and measured against the account's free margin in USD, never against a free EUR balance the
account does not hold; without a rate the order is denied, with the missing rate named."""

from __future__ import annotations

from decimal import Decimal

from exec_support import AAPL, SECOND_NS, T0, equity, qty

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderStatus
from nautilus_platform.model.events import AccountBalance, AccountState, OrderDenied
from nautilus_platform.model.instruments import Future, FxSpot, Perpetual
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import BTC, EUR, USD, USDT, Currency, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

ACCOUNT = AccountId("SIM-001")
FESX = InstrumentId("FESX.SIM")  # 10 EUR per index point, 10% initial margin
EURUSD = InstrumentId("EUR/USD.SIM")
BTCPERP = InstrumentId("BTC-PERP.SIM")
B = 10**9


def _future() -> Future:
    return Future(
        id=FESX, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=EUR, multiplier=Quantity.of(10), margin_init=Decimal("0.1"), margin_maint=Decimal("0.05"),
        underlying="SX5E", expiry_ns=T0 + 90 * 86_400 * SECOND_NS,
    )  # fmt: skip


class _Node:
    """A node with venue SIM (margin account, ``balance`` USD) trading FESX (EUR) and AAPL (USD)."""

    def __init__(self, balance: int = 100_000, config: RiskConfig | None = None) -> None:
        self.now = T0
        self.node = TradingNode(SimulatedClock(T0), risk_config=config or RiskConfig(defaults=RiskLimits()))
        self.node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(balance, USD)])
        self.node.add_instrument(_future())
        self.node.add_instrument(equity(AAPL))
        self.events: list[object] = []
        self.node.bus.subscribe("events.*", self.events.append)
        self.factory = self.node.order_factory("S-1")
        self.quote(FESX, "4999.99", "5000.01")  # mid 5000.00
        self.quote(AAPL, "99.99", "100.01")

    def quote(self, instrument_id: InstrumentId, bid: str, ask: str, precision: int = 2) -> None:
        self.now += SECOND_NS
        size = Quantity.of(1_000)
        self.node.process(
            QuoteTick.of(instrument_id, Price.of(bid, precision), Price.of(ask, precision), size, size, self.now)
        )

    def buy(self, instrument_id: InstrumentId, quantity: int) -> Order:
        order = self.factory.market(instrument_id, OrderSide.BUY, qty(quantity))
        self.node.execute(SubmitOrder(ts_init=self.now, strategy_id=order.strategy_id, order=order))
        return order

    def denial(self, order: Order) -> tuple[DenyReason, str] | None:
        for event in self.events:
            if isinstance(event, OrderDenied) and event.client_order_id == order.client_order_id:
                return event.reason, event.message
        return None

    def last_state(self) -> AccountState:
        return [e for e in self.events if isinstance(e, AccountState)][-1]

    def row(self, currency: Currency) -> AccountBalance:
        (balance,) = (b for b in self.last_state().balances if b.currency == currency)
        return balance


def test_an_order_that_fits_the_usd_free_margin_is_accepted_and_filled() -> None:
    n = _Node()
    n.node.rates.set_fixed(EUR, USD, "1.10")
    # 18 lots at 5000.00: 900,000 EUR notional, 90,000 EUR margin = 99,000 USD of 100,000 USD free
    order = n.buy(FESX, 18)
    assert n.denial(order) is None
    assert order.status is OrderStatus.FILLED
    account = n.node.portfolio.accounts[ACCOUNT]
    assert account.balances == {USD: 100_000 * B}  # no P&L yet (filled at 5000.01, marked at the mid 5000.00)
    # Margin is reported in its own currency, per instrument...
    (margin,) = n.last_state().margins
    assert margin.instrument_id == FESX and margin.initial.currency == EUR
    assert margin.initial == Money.of("90000.00", EUR)  # at the mark, the mid 5000.00
    # ...and locked against the USD balance it is drawn from: free is measured in the base currency.
    usd_row = n.row(USD)
    assert usd_row.total == Money.of(100_000, USD)
    assert usd_row.locked == Money.of("99000.00", USD)  # 90,000 EUR * 1.10
    assert usd_row.free == Money.of("1000.00", USD)
    # The EUR row (the account's EUR exposure) holds no EUR and owes none: nothing locked, nothing negative.
    eur_row = n.row(EUR)
    assert eur_row.total == eur_row.locked == eur_row.free == Money.of(0, EUR)
    # Free margin for risk, in USD: 100,000 - 99,000 - the unrealised loss 1.80 EUR (18 * 10 * 0.01) * 1.10
    assert account.free_raw(USD) == Money.of("998.02", USD).raw
    assert account.free_raw(EUR) == 0


def test_an_order_beyond_the_usd_free_margin_is_denied_insufficient_margin() -> None:
    n = _Node()
    n.node.rates.set_fixed(EUR, USD, "1.10")
    # 19 lots: 95,000 EUR margin = 104,500 USD > 100,000 USD
    order = n.buy(FESX, 19)
    assert order.status is OrderStatus.DENIED
    assert n.denial(order) == (
        DenyReason.INSUFFICIENT_MARGIN,
        "initial margin 95000.00 EUR (plus fees) = 104500.00 USD exceeds free margin 100000.00 USD",
    )


def test_margin_in_eur_and_in_usd_come_out_of_one_usd_free_margin() -> None:
    n = _Node()
    n.node.rates.set_fixed(EUR, USD, "1.10")
    assert n.buy(FESX, 18).status is OrderStatus.FILLED  # 99,000 USD of margin at the mark
    # 10 AAPL at 100.00 need 250 USD of margin (25%), but only 998.02 USD is free: 39 AAPL fit, 40 not
    aapl = n.buy(AAPL, 40)
    assert n.denial(aapl) == (
        DenyReason.INSUFFICIENT_MARGIN,
        "initial margin 1000.00 USD (plus fees) exceeds free margin 998.02 USD",
    )
    assert n.buy(AAPL, 39).status is OrderStatus.FILLED
    # and the other way round: the AAPL margin is no longer free for the future
    more = n.buy(FESX, 1)
    reason, message = n.denial(more) or (None, "")
    assert reason is DenyReason.INSUFFICIENT_MARGIN and message.endswith("USD")


def test_a_rate_from_an_fx_quote_values_the_margin() -> None:
    n = _Node()
    n.node.add_instrument(
        FxSpot(
            id=EURUSD, price_precision=5, size_precision=0, tick_size=Price.of("0.00001"), lot_size=Quantity.of(1),
            quote_currency=USD, base_currency=EUR,
        )
    )  # fmt: skip
    n.quote(EURUSD, "1.24999", "1.25001", precision=5)  # EUR/USD mid 1.25: 18 lots need 112,500 USD
    denied = n.buy(FESX, 18)
    reason, message = n.denial(denied) or (None, "")
    assert reason is DenyReason.INSUFFICIENT_MARGIN
    assert message == "initial margin 90000.00 EUR (plus fees) = 112500.00 USD exceeds free margin 100000.00 USD"
    assert n.buy(FESX, 15).status is OrderStatus.FILLED  # 75,000 EUR = 93,750 USD


def test_without_a_rate_to_the_base_currency_the_order_is_denied_and_the_rate_named() -> None:
    n = _Node()
    order = n.buy(FESX, 1)
    assert order.status is OrderStatus.DENIED
    assert n.denial(order) == (
        DenyReason.NO_REFERENCE_PRICE,
        "no exchange rate EUR/USD: initial margin 5000.00 EUR (plus fees) cannot be measured against the free "
        "margin in the account's base currency USD",
    )


def test_a_margin_that_cannot_be_valued_blocks_new_margin_until_a_rate_arrives() -> None:
    # The future is traded without the balance check (instrument scope), so its position opens
    # before any EUR rate is known: its margin then stays locked in EUR, and nothing else may
    # draw on the USD free margin, which cannot be measured until the rate is there.
    config = RiskConfig(defaults=RiskLimits(), instruments={str(FESX): RiskLimits(check_balance=False)})
    n = _Node(config=config)
    assert n.buy(FESX, 1).status is OrderStatus.FILLED
    eur_row = n.row(EUR)
    assert eur_row.locked == Money.of("5000.00", EUR) and eur_row.free == Money.of("-5000.00", EUR)
    assert n.row(USD).locked == Money.of(0, USD)
    account = n.node.portfolio.accounts[ACCOUNT]
    assert account.unvalued_requirements == [EUR]
    aapl = n.buy(AAPL, 1)
    assert n.denial(aapl) == (
        DenyReason.NO_REFERENCE_PRICE,
        "no exchange rate EUR/USD: the account's EUR margin and losses cannot be measured against its free "
        "margin in its base currency USD",
    )
    n.node.rates.set_fixed(EUR, USD, "1.10")
    assert account.unvalued_requirements == []
    assert n.buy(AAPL, 1).status is OrderStatus.FILLED


def test_a_usdt_settled_perpetual_on_a_usd_margin_account() -> None:
    n = _Node(balance=10_000)
    n.node.add_instrument(
        Perpetual(
            id=BTCPERP, price_precision=1, size_precision=3, tick_size=Price.of("0.1"), lot_size=Quantity.of("0.001"),
            quote_currency=USDT, base_currency=BTC, margin_init=Decimal("0.1"), margin_maint=Decimal("0.05"),
        )
    )  # fmt: skip
    n.quote(BTCPERP, "49999.9", "50000.1", precision=1)
    n.node.rates.set_fixed(USDT, USD, "0.999")
    # 2 BTC at 50,000: 10,000 USDT of margin = 9,990 USD of 10,000 USD
    order = n.factory.market(BTCPERP, OrderSide.BUY, Quantity.of("2.000", 3))
    n.node.execute(SubmitOrder(ts_init=n.now, strategy_id=order.strategy_id, order=order))
    assert n.denial(order) is None and order.status is OrderStatus.FILLED
    usdt_row = n.row(USDT)
    assert usdt_row.free == usdt_row.total == Money.of(0, USDT)
    over = n.factory.market(BTCPERP, OrderSide.BUY, Quantity.of("0.003", 3))  # 15 USDT > 10 USD free
    n.node.execute(SubmitOrder(ts_init=n.now, strategy_id=over.strategy_id, order=over))
    reason, _ = n.denial(over) or (None, "")
    assert reason is DenyReason.INSUFFICIENT_MARGIN


def test_a_usd_instrument_on_a_usd_account_is_unchanged() -> None:
    n = _Node(balance=1_000)
    # 40 AAPL at 100.00: 1,000 USD margin, exactly the balance
    assert n.buy(AAPL, 40).status is OrderStatus.FILLED
    denied = n.buy(AAPL, 1)
    assert n.denial(denied) == (
        DenyReason.INSUFFICIENT_MARGIN,
        "initial margin 25.00 USD (plus fees) exceeds free margin -0.40 USD",
    )
    assert [b.currency for b in n.last_state().balances] == [USD]
