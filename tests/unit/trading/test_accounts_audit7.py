"""Audit 7 of accounts: a position belongs to the account it is open in, for the execution engine
too. A reduce-only order of another account has nothing of it to reduce (its fills would be
refused), so the engine cancels it instead of keeping it working or cutting it against that
position; and a submit naming a position open in another account than its venue's is denied
(``INVALID_ORDER``) before it reaches the venue, as one naming another instrument's or strategy's."""

from __future__ import annotations

import sys
from pathlib import Path

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    StrategyId,
    TradeId,
    VenueId,
    VenueOrderId,
)
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import (
    AccountType,
    DenyReason,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
)
from nautilus_platform.model.events import OrderCanceled, OrderDenied, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
from exec_support import AAPL, SIM_ACCOUNT, Harness, equity, px, qty  # the end-to-end tests' builders

B = 1_000_000_000
FIRST = AccountId("SIM-001")
SECOND = AccountId("SIM-002")
STRATEGY = StrategyId("S-1")
OTHER = VenueId("OTHER")
OTHER_ACCOUNT = AccountId("OTHER-001")
NETTING_ID = PositionId("AAPL.SIM-S-1")
_n = iter(range(1, 10**9))


# -- the portfolio ----------------------------------------------------------------------------
def fill(
    account_id: AccountId, side: OrderSide, qty_: int, strategy: StrategyId = STRATEGY,
    position_id: PositionId | None = None,
) -> OrderFilled:  # fmt: skip
    n = next(_n)
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=strategy, instrument_id=AAPL, client_order_id=ClientOrderId(f"O-{n}"),
        venue_order_id=VenueOrderId(f"V-{n}"), account_id=account_id, trade_id=TradeId(f"T-{n}"), order_side=side,
        order_type=OrderType.MARKET, last_qty=Quantity.of(qty_), last_px=Price.of("100.00"),
        commission=Money.zero(USD), liquidity_side=LiquiditySide.TAKER, position_id=position_id,
    )  # fmt: skip


def portfolio_of(accounts: tuple[AccountId, ...], oms: OmsType = OmsType.NETTING) -> Portfolio:
    portfolio = Portfolio(SimulatedClock(0), ExchangeRates({}), oms)
    for account_id in accounts:
        portfolio.add_account(account_id, AccountType.MARGIN, USD, (Money.of(100_000, USD),))
    return portfolio


def book(portfolio: Portfolio, event: OrderFilled) -> None:
    assert portfolio.fill_error(event) is None
    portfolio.on_fill(event, equity(AAPL))


def test_another_accounts_netting_position_is_not_reducible() -> None:
    portfolio = portfolio_of((FIRST, SECOND))
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, FIRST) == 10 * B
    # the second account's fills into it are refused: nothing of it is the second account's to reduce
    assert portfolio.fill_error(fill(SECOND, OrderSide.SELL, 5)) is not None
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, SECOND) == 0


def test_another_accounts_named_position_is_not_reducible() -> None:
    portfolio = portfolio_of((FIRST, SECOND))
    named = PositionId("P-1")
    book(portfolio, fill(FIRST, OrderSide.SELL, 7, position_id=named))
    assert portfolio.reducible_raw(AAPL, STRATEGY, named, FIRST) == -7 * B
    assert portfolio.reducible_raw(AAPL, STRATEGY, named, SECOND) == 0


def test_hedging_reducible_is_the_net_of_the_accounts_own_positions() -> None:
    portfolio = portfolio_of((FIRST, SECOND), OmsType.HEDGING)
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    book(portfolio, fill(SECOND, OrderSide.BUY, 3))
    book(portfolio, fill(SECOND, OrderSide.BUY, 2))
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, FIRST) == 10 * B
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, SECOND) == 5 * B


def test_one_account_reads_every_position_as_its_own() -> None:
    portfolio = portfolio_of((FIRST,))
    book(portfolio, fill(FIRST, OrderSide.BUY, 10))
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, FIRST) == 10 * B
    assert portfolio.reducible_raw(AAPL, STRATEGY, None, None) == 10 * B


# -- a node with two venues trading AAPL.SIM, each in its own account --------------------------
def two_venues() -> Harness:
    """AAPL.SIM at SIM (account SIM-001) and at OTHER (account OTHER-001, by ``SubmitOrder.venue``);
    the venues' own reduce-only check is off so that an order of OTHER rests beside SIM's position."""
    h = Harness(limits=RiskLimits(check_reduce_only=False))
    h.node.add_venue(SimulatedVenueConfig(venue_id="OTHER"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    h.node.venues[OTHER].add_instrument(equity(AAPL))
    h.node.venues[OTHER].process_quote(h.quote("99.00", "101.00"))  # OTHER quotes it too
    return h


def submit(h: Harness, order: Order, venue: VenueId | None = None, position_id: PositionId | None = None) -> Order:
    h.node.execute(
        SubmitOrder(
            ts_init=h.node.clock.timestamp_ns(),
            strategy_id=order.strategy_id,
            order=order,
            venue=venue,
            position_id=position_id,
        )
    )
    return order


def test_a_reduce_only_order_of_another_account_is_cancelled_not_kept_working() -> None:
    h = two_venues()
    bought = submit(h, h.factory.market(AAPL, OrderSide.BUY, qty(10)))
    assert bought.status is OrderStatus.FILLED
    position = h.node.portfolio.positions[NETTING_ID]
    assert position.account_id == SIM_ACCOUNT and position.signed_raw == 10 * B
    # a reduce-only sell at OTHER: its fills would be refused (the position is SIM-001's), so it has
    # nothing to reduce and is cancelled once working, the position left alone
    other = submit(h, h.factory.limit(AAPL, OrderSide.SELL, qty(5), px("120.00"), reduce_only=True), OTHER)
    assert other.account_id == OTHER_ACCOUNT
    assert h.kinds(other) == ["OrderSubmitted", "OrderAccepted", "OrderPendingCancel", "OrderCanceled"]
    assert other.status is OrderStatus.CANCELED
    # SIM-001 sells 2: still nothing of OTHER-001's working
    submit(h, h.factory.market(AAPL, OrderSide.SELL, qty(2)))
    assert position.signed_raw == 8 * B and position.account_id == SIM_ACCOUNT
    assert other.status is OrderStatus.CANCELED and len(h.of_type(OrderCanceled, other)) == 1


def test_a_reduce_only_order_of_another_account_is_not_cut_to_that_position() -> None:
    h = two_venues()
    submit(h, h.factory.market(AAPL, OrderSide.BUY, qty(10)))
    other = submit(h, h.factory.limit(AAPL, OrderSide.SELL, qty(10), px("120.00"), reduce_only=True), OTHER)
    own = submit(h, h.factory.limit(AAPL, OrderSide.SELL, qty(10), px("120.00"), reduce_only=True))
    submit(h, h.factory.market(AAPL, OrderSide.SELL, qty(3)))
    # SIM-001's own reduce-only order is cut to the 7 left; OTHER-001's has nothing to reduce
    assert own.status is OrderStatus.ACCEPTED and own.quantity.raw == 7 * B
    assert other.status is OrderStatus.CANCELED and other.quantity.raw == 10 * B


def test_a_submit_naming_a_position_of_another_account_is_denied() -> None:
    h = two_venues()
    named = PositionId("P-1")
    submit(h, h.factory.market(AAPL, OrderSide.BUY, qty(10)), position_id=named)
    assert h.node.portfolio.positions[named].account_id == SIM_ACCOUNT
    other = submit(h, h.factory.market(AAPL, OrderSide.SELL, qty(4)), OTHER, named)
    assert other.status is OrderStatus.DENIED
    denied = h.of_type(OrderDenied, other)
    assert len(denied) == 1 and denied[0].reason is DenyReason.INVALID_ORDER
    assert "is in account SIM-001, not OTHER-001" in denied[0].message
    assert not h.errors  # denied before the venue: no fill of OTHER-001 to refuse
    assert h.node.portfolio.positions[named].signed_raw == 10 * B
    # its own venue's account may still book into it
    own = submit(h, h.factory.market(AAPL, OrderSide.SELL, qty(4)), position_id=named)
    assert own.status is OrderStatus.FILLED and h.node.portfolio.positions[named].signed_raw == 6 * B
