"""Which position an order changes: its strategy's under netting, the one its command names under
hedging (none: a new position). REDUCING, reduce-only, gross exposure and margin are judged on
that position, not on the instrument's net of every strategy; the position limit stays the
instrument's."""

from __future__ import annotations

from risk_helpers import AAPL, BUY, SELL, B, accept, message_of, px, qty, setup_with, usd
from risk_node_helpers import AAPL as AAPL_SIM
from risk_node_helpers import Node
from risk_node_helpers import px as npx
from risk_node_helpers import qty as nqty

from nautilus_platform.model.enums import DenyReason, OmsType, OrderStatus, TradingState
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.risk import RiskLimits

# -- through the trading core (CoreRiskState over the cache and the portfolio) ---------------------


def test_gross_exposure_counts_another_strategys_opposite_position() -> None:
    n = Node(RiskLimits(max_gross_exposure=Money.of(1_500, USD)))
    n.submit(n.factory("S-1").market(AAPL_SIM, BUY, nqty(10)))
    assert n.positions() == {"AAPL.SIM-S-1": 10}
    sell = n.submit(n.factory("S-2").market(AAPL_SIM, SELL, nqty(10)))  # opens S-2's short: gross 2,000
    assert sell.status is OrderStatus.DENIED
    assert n.refusal(sell) == "GROSS_EXPOSURE: gross exposure 2000.00 USD exceeds max_gross_exposure 1500.00 USD"
    assert n.positions() == {"AAPL.SIM-S-1": 10}
    assert n.submit(n.factory("S-1").market(AAPL_SIM, SELL, nqty(10))).status is OrderStatus.FILLED  # reduces


def test_reducing_denies_a_flat_strategy_opening_against_another_strategys_position() -> None:
    n = Node()
    n.submit(n.factory("S-1").market(AAPL_SIM, BUY, nqty(10)))
    n.node.risk.set_trading_state(TradingState.REDUCING)
    sell = n.submit(n.factory("S-2").market(AAPL_SIM, SELL, nqty(10)))
    assert sell.status is OrderStatus.DENIED
    assert n.refusal(sell) is not None and n.refusal(sell).startswith("TRADING_REDUCING")  # type: ignore[union-attr]
    assert n.submit(n.factory("S-1").market(AAPL_SIM, SELL, nqty(4))).status is OrderStatus.FILLED
    assert n.positions() == {"AAPL.SIM-S-1": 6}


def test_reducing_under_hedging_needs_the_position_id_of_the_position_to_reduce() -> None:
    n = Node(RiskLimits(max_gross_exposure=Money.of(1_500, USD)))
    n.node.portfolio.set_oms_type(n.factory("S-1").strategy_id, OmsType.HEDGING)
    buy = n.submit(n.factory("S-1").market(AAPL_SIM, BUY, nqty(10)))
    (opened,) = n.positions()
    n.node.risk.set_trading_state(TradingState.REDUCING)
    new_short = n.submit(n.factory("S-1").market(AAPL_SIM, SELL, nqty(10)))  # no position_id: a new position
    assert new_short.status is OrderStatus.DENIED
    assert n.refusal(new_short).startswith("TRADING_REDUCING")  # type: ignore[union-attr]
    n.node.risk.set_trading_state(TradingState.ACTIVE)
    hedge = n.submit(n.factory("S-1").market(AAPL_SIM, SELL, nqty(10)))  # gross 1,000 -> 2,000
    assert hedge.status is OrderStatus.DENIED and n.refusal(hedge).startswith("GROSS_EXPOSURE")  # type: ignore[union-attr]
    n.node.risk.set_trading_state(TradingState.REDUCING)
    close = n.submit(n.factory("S-1").market(AAPL_SIM, SELL, nqty(10)), position_id=opened)
    assert buy.status is OrderStatus.FILLED and close.status is OrderStatus.FILLED
    assert n.positions() == {}


def test_reduce_only_orders_of_two_strategies_each_cover_their_own_position() -> None:
    n = Node(RiskLimits(check_reduce_only=True))
    for strategy in ("S-1", "S-2"):
        n.submit(n.factory(strategy).market(AAPL_SIM, BUY, nqty(10)))
    stops = [
        n.submit(n.factory(strategy).limit(AAPL_SIM, SELL, nqty(10), npx("105.00"), reduce_only=True))
        for strategy in ("S-1", "S-2")
    ]
    assert [o.status for o in stops] == [OrderStatus.ACCEPTED, OrderStatus.ACCEPTED]
    extra = n.submit(n.factory("S-2").limit(AAPL_SIM, SELL, nqty(1), npx("105.00"), reduce_only=True))
    assert n.refusal(extra) == (
        "REDUCE_ONLY: reduce-only SELL 1 plus open reduce-only 10 exceeds the reducible position 10"
    )
    flat = n.submit(n.factory("S-3").limit(AAPL_SIM, SELL, nqty(1), npx("105.00"), reduce_only=True))
    assert n.refusal(flat) == "REDUCE_ONLY: reduce-only SELL 1 plus open reduce-only 0 exceeds the reducible position 0"


def test_reducing_counts_only_the_open_orders_that_fill_into_the_same_position() -> None:
    n = Node()
    for strategy in ("S-1", "S-2"):
        n.submit(n.factory(strategy).market(AAPL_SIM, BUY, nqty(10)))
    resting = n.submit(n.factory("S-1").limit(AAPL_SIM, SELL, nqty(10), npx("105.00")))
    assert resting.status is OrderStatus.ACCEPTED
    n.node.risk.set_trading_state(TradingState.REDUCING)
    # S-1's resting sell closes S-1: S-2 may still close its own 10, S-1 nothing more.
    assert n.submit(n.factory("S-2").limit(AAPL_SIM, SELL, nqty(10), npx("105.00"))).status is OrderStatus.ACCEPTED
    more = n.submit(n.factory("S-1").limit(AAPL_SIM, SELL, nqty(1), npx("105.00")))
    assert n.refusal(more).startswith("TRADING_REDUCING")  # type: ignore[union-attr]


def test_the_position_limit_stays_the_instruments_net() -> None:
    n = Node(RiskLimits(max_position=nqty(15)))
    n.submit(n.factory("S-1").market(AAPL_SIM, BUY, nqty(10)))
    buy = n.submit(n.factory("S-2").market(AAPL_SIM, BUY, nqty(6)))  # S-2 flat, but the instrument at 16
    assert n.refusal(buy) == "POSITION_LIMIT: projected position 16 exceeds max_position 15"


# -- the RiskState protocol (InMemoryRiskState) ----------------------------------------------------


def test_margin_counts_a_new_short_of_another_strategy_as_increasing() -> None:
    s = setup_with(check_balance=True)
    s.account.free = {"USD": 500 * B}  # margin_init 1: 10 @ 100.00 needs 1,000 of margin
    s.state.set_position(AAPL, 10 * B, strategy_id="S-1")
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"))) is None  # S-1 reduces
    other = setup_with(check_balance=True)
    other.account.free = {"USD": 500 * B}
    other.state.set_position(AAPL, 10 * B, strategy_id="S-2")
    denial = other.engine.check_submit(other.factory.limit(AAPL, SELL, qty(10), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_gross_change_is_measured_on_the_orders_own_position() -> None:
    s = setup_with(max_gross_exposure=usd(1_500))
    s.account.gross_exposure_raw = 1_000 * B
    s.state.set_position(AAPL, 10 * B, strategy_id="S-2")  # another strategy's long
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.GROSS_EXPOSURE
    assert message_of(denial) == "gross exposure 2000.00 USD exceeds max_gross_exposure 1500.00 USD"
    s.state.set_position(AAPL, 10 * B, strategy_id="S-1")
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"))) is None


def test_hedging_orders_reduce_only_the_position_they_name() -> None:
    s = setup_with(check_reduce_only=True)
    s.state.hedging.add(s.factory.strategy_id)
    s.state.set_position(AAPL, 10 * B, position_id="P-1")
    anonymous = s.factory.limit(AAPL, SELL, qty(5), px("100.00"), reduce_only=True)
    denial = s.engine.check_submit(anonymous)
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY
    named = s.factory.limit(AAPL, SELL, qty(5), px("100.00"), reduce_only=True)
    s.state.position_ids[named.client_order_id] = "P-1"
    assert s.engine.check_submit(named) is None
    s.state.add_open_order(accept(named))
    s.engine.set_trading_state(TradingState.REDUCING)
    assert s.engine.check_modify(named, qty(10)) is None
    denial = s.engine.check_modify(named, qty(11))
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING
