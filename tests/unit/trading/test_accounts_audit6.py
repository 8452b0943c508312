"""Audit 6 of accounts: a netting position belongs to the account it is open in (a fill of the
same strategy and instrument from another account is refused, and pre-trade risk does not count
that position as the order's), and a margin account whose funds lack an exchange rate to its base
is denied naming the missing rate, not an insufficient margin of 0.00."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    VenueId,
    VenueOrderId,
)
from nautilus_platform.model.enums import AccountType, DenyReason, LiquiditySide, OmsType, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import Equity, Instrument
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import EUR, GBP, USD, Money, Price, Quantity
from nautilus_platform.trading.cache import Cache
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.risk import (
    AccountSnapshot,
    InMemoryRiskState,
    PriceSource,
    RiskConfig,
    RiskEngine,
)
from nautilus_platform.trading.state import CoreRiskState

B = 1_000_000_000
FIRST = AccountId("SIM-001")
SECOND = AccountId("SIM-002")
STRATEGY = StrategyId("S-1")
AAPL = Equity(
    id=InstrumentId("AAPL.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD, margin_init=Decimal("0.2"), taker_fee=Decimal("0.001"),
)  # fmt: skip
_n = iter(range(1, 10**9))


def fill(
    account_id: AccountId, side: OrderSide, qty: int, px: str = "100.00", strategy: StrategyId = STRATEGY,
    position_id: PositionId | None = None,
) -> OrderFilled:  # fmt: skip
    n = next(_n)
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=strategy, instrument_id=AAPL.id, client_order_id=ClientOrderId(f"O-{n}"),
        venue_order_id=VenueOrderId(f"V-{n}"), account_id=account_id, trade_id=TradeId(f"T-{n}"), order_side=side,
        order_type=OrderType.MARKET, last_qty=Quantity.of(qty), last_px=Price.of(px), commission=Money.zero(USD),
        liquidity_side=LiquiditySide.TAKER, position_id=position_id,
    )  # fmt: skip


def two_accounts(oms: OmsType = OmsType.NETTING) -> Portfolio:
    portfolio = Portfolio(SimulatedClock(0), ExchangeRates({}), oms)
    for account_id in (FIRST, SECOND):
        portfolio.add_account(account_id, AccountType.MARGIN, USD, (Money.of(100_000, USD),))
    return portfolio


def book(portfolio: Portfolio, event: OrderFilled, instrument: Instrument = AAPL) -> None:
    """What the execution engine does with a fill: ask ``fill_error`` first, then book it."""
    assert portfolio.fill_error(event) is None
    portfolio.on_fill(event, instrument)


# -- a netting position belongs to one account ---------------------------------------------------
def test_a_fill_of_another_account_into_an_open_netting_position_is_refused() -> None:
    portfolio = two_accounts()
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    second = fill(SECOND, OrderSide.BUY, 5)
    why = portfolio.fill_error(second)
    assert why is not None
    assert "AAPL.SIM-S-1" in why and str(FIRST) in why and str(SECOND) in why
    # what booking it anyway would do: the first account's position grows, the second's cash moves
    position = portfolio.positions[PositionId("AAPL.SIM-S-1")]
    assert position.account_id == FIRST and position.signed_raw == 10 * B


def test_the_first_accounts_own_fills_and_other_strategies_still_book() -> None:
    portfolio = two_accounts()
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    book(portfolio, fill(FIRST, OrderSide.SELL, 4))
    book(portfolio, fill(SECOND, OrderSide.BUY, 5, strategy=StrategyId("S-2")))  # its own netting position
    assert portfolio.positions[PositionId("AAPL.SIM-S-1")].signed_raw == 6 * B
    assert portfolio.positions[PositionId("AAPL.SIM-S-2")].account_id == SECOND


def test_once_flat_the_netting_position_reopens_in_the_other_account() -> None:
    portfolio = two_accounts()
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    book(portfolio, fill(FIRST, OrderSide.SELL, 10))
    book(portfolio, fill(SECOND, OrderSide.SELL, 3))
    position = portfolio.positions[PositionId("AAPL.SIM-S-1")]
    assert position.account_id == SECOND and position.signed_raw == -3 * B
    assert portfolio.fill_error(fill(FIRST, OrderSide.BUY, 1)) is not None  # now the first account's is refused


def test_hedging_positions_are_per_order_and_not_refused() -> None:
    portfolio = two_accounts(OmsType.HEDGING)
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    book(portfolio, fill(SECOND, OrderSide.BUY, 5))
    assert {p.account_id for p in portfolio.open_positions(AAPL.id)} == {FIRST, SECOND}


def test_a_named_position_of_another_account_is_refused_as_before() -> None:
    portfolio = two_accounts()
    named = PositionId("P-1")
    book(portfolio, fill(FIRST, OrderSide.BUY, 10, position_id=named))
    why = portfolio.fill_error(fill(SECOND, OrderSide.BUY, 5, position_id=named))
    assert why is not None and "is in account SIM-001, not SIM-002" in why


def test_pre_trade_risk_reads_another_accounts_netting_position_as_none() -> None:
    cache = Cache()
    cache.add_instrument(AAPL)
    portfolio = two_accounts()
    state = CoreRiskState(cache, portfolio)
    state.bind_account(portfolio.accounts[FIRST], VenueId("SIM"))
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    factory = OrderFactory(STRATEGY, SimulatedClock(0))
    own = factory.limit(AAPL.id, OrderSide.SELL, Quantity.of(10), Price.of("100.00"))
    assert state.position_raw(own) == 10 * B  # the venue's account: its own position
    other = factory.limit(AAPL.id, OrderSide.SELL, Quantity.of(10), Price.of("100.00"))
    other.account_id = SECOND
    # its fills would be refused: nothing of the first account's position is reducible by it
    assert state.position_raw(other) == 0


# -- funds without an exchange rate ---------------------------------------------------------------
def snapshot_setup(free: dict[str, int]) -> tuple[RiskEngine, OrderFactory]:
    state = InMemoryRiskState()
    state.add_instrument(AAPL)
    state.default_account_id = FIRST
    state.accounts[FIRST] = AccountSnapshot(
        AccountType.MARGIN, USD, free=free, equity_raw=free.get("USD", 0), peak_equity_raw=free.get("USD", 0)
    )
    for source in PriceSource:
        state.set_price(AAPL.id, source, 100 * B)
    clock = SimulatedClock(1_000 * B)
    return RiskEngine(RiskConfig(), state, clock), OrderFactory(STRATEGY, clock)  # type: ignore[arg-type]


def test_funds_only_in_a_currency_without_a_rate_deny_naming_the_rate() -> None:
    engine, factory = snapshot_setup({"USD": 0, "EUR": 1_000_000 * B})
    denial = engine.check_submit(factory.limit(AAPL.id, OrderSide.BUY, Quantity.of(10), Price.of("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert denial[1] == (
        "no exchange rate EUR/USD: the account's EUR funds cannot be valued in its base currency USD, and initial "
        "margin 201.00 USD (plus fees) exceeds the free margin 0.00 USD without them"
    )


def test_every_currency_without_a_rate_is_named_by_code() -> None:
    engine, factory = snapshot_setup({"USD": 50 * B, "EUR": 10 * B, "GBP": 20 * B})
    denial = engine.check_submit(factory.limit(AAPL.id, OrderSide.BUY, Quantity.of(10), Price.of("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert denial[1].startswith("no exchange rate EUR/USD, GBP/USD: the account's EUR, GBP funds")


def test_an_insufficient_margin_without_unvalued_funds_is_still_insufficient_margin() -> None:
    engine, factory = snapshot_setup({"USD": 100 * B, "EUR": 0})
    denial = engine.check_submit(factory.limit(AAPL.id, OrderSide.BUY, Quantity.of(10), Price.of("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN
    assert denial[1] == "initial margin 201.00 USD (plus fees) exceeds free margin 100.00 USD"


def test_enough_margin_in_the_base_passes_whatever_else_is_held() -> None:
    engine, factory = snapshot_setup({"USD": 1_000 * B, "EUR": 1_000 * B})
    assert engine.check_submit(factory.limit(AAPL.id, OrderSide.BUY, Quantity.of(1), Price.of("100.00"))) is None


def test_the_core_account_holding_only_eur_is_denied_naming_the_rate() -> None:
    cache = Cache()
    cache.add_instrument(AAPL)
    portfolio = Portfolio(SimulatedClock(0), ExchangeRates({}))
    portfolio.add_account(FIRST, AccountType.MARGIN, USD, (Money.of(1_000_000, EUR), Money.of(0, GBP)))
    state = CoreRiskState(cache, portfolio)
    state.bind_account(portfolio.accounts[FIRST], VenueId("SIM"))
    cache.last_raw[AAPL.id] = 100 * B
    cache.mid_raw[AAPL.id] = 100 * B
    clock = SimulatedClock(1_000 * B)
    engine = RiskEngine(RiskConfig(), state, clock)
    order = OrderFactory(STRATEGY, clock).limit(AAPL.id, OrderSide.BUY, Quantity.of(10), Price.of("100.00"))
    denial = engine.check_submit(order)
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert denial[1].startswith("no exchange rate EUR/USD: the account's EUR funds")
    # with a rate the funds count, and the same order passes
    portfolio.rates.set_fixed(EUR, USD, "1.1")
    assert engine.check_submit(order) is None
