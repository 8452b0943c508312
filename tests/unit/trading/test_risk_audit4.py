"""Audit 4 of the pre-trade risk engine: scenarios through a real ``TradingNode`` (limits on
modifies, trading states, position limits with open orders on both sides, collars, scopes, run-time
changes, throttle windows, the daily-loss breaker at the day's boundary, held contingent orders)."""

from __future__ import annotations

from decimal import Decimal

from test_oms_audit4 import AAPL, BUY, MS, SECOND, SELL, Node, px, qty, raw

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import AccountId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.enums import AccountType, OrderStatus, TradingState
from nautilus_platform.model.events import OrderDenied, OrderModifyRejected
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RateLimit, RiskConfig, RiskLimits, RiskScope
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

ACCOUNT = AccountId("SIM-001")
DAY = 86_400 * SECOND


def denied(n: Node, order: Order) -> str | None:
    events = n.of_type(OrderDenied, order)
    return f"{events[-1].reason.value}: {events[-1].message}" if events else None


def modify_refused(n: Node, order: Order) -> str | None:
    events = n.of_type(OrderModifyRejected, order)
    return events[-1].reason if events else None


def long(n: Node, quantity: int) -> None:
    n.quote("100.00", "100.10", ask_size=10_000)
    n.submit(n.factory.market(AAPL, BUY, qty(quantity)))
    assert n.position() == raw(quantity)


def test_modify_raising_quantity_past_the_position_limit_is_refused() -> None:
    n = Node(RiskLimits(max_position=qty(100)))
    n.quote("100.00", "100.10")
    order = n.submit(n.factory.limit(AAPL, BUY, qty(60), px("99.00")))
    n.submit(n.factory.limit(AAPL, BUY, qty(30), px("98.00")))
    n.modify(order, quantity=qty(70))  # 70 + 30 = 100
    assert order.quantity == qty(70)
    n.modify(order, quantity=qty(71))
    assert order.quantity == qty(70)
    assert (modify_refused(n, order) or "").startswith("POSITION_LIMIT")


def test_modify_raising_quantity_past_max_notional_is_refused() -> None:
    n = Node(RiskLimits(max_notional=Money.of(10_000, USD)))
    n.quote("100.00", "100.10")
    order = n.submit(n.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    n.modify(order, quantity=qty(102))  # 10,098
    assert order.quantity == qty(100)
    assert (modify_refused(n, order) or "").startswith("MAX_NOTIONAL")
    n.modify(order, price=px("100.01"))  # 10,001
    assert order.price == px("99.00") and (modify_refused(n, order) or "").startswith("MAX_NOTIONAL")


def test_modify_of_a_reduce_only_order_beyond_the_position_is_refused() -> None:
    n = Node()
    long(n, 50)
    order = n.submit(n.factory.limit(AAPL, SELL, qty(40), px("105.00"), reduce_only=True))
    n.modify(order, quantity=qty(50))
    assert order.quantity == qty(50)
    n.modify(order, quantity=qty(51))
    assert order.quantity == qty(50) and (modify_refused(n, order) or "").startswith("REDUCE_ONLY")


def test_reducing_state_refuses_an_order_that_would_flip_the_position() -> None:
    n = Node()
    long(n, 100)
    n.node.risk.set_trading_state(TradingState.REDUCING)
    flip = n.submit(n.factory.market(AAPL, SELL, qty(150)))
    assert (denied(n, flip) or "").startswith("TRADING_REDUCING")
    add = n.submit(n.factory.market(AAPL, BUY, qty(1)))
    assert (denied(n, add) or "").startswith("TRADING_REDUCING")
    close = n.submit(n.factory.market(AAPL, SELL, qty(100)))
    assert close.status is OrderStatus.FILLED and n.position() == 0


def test_reducing_state_counts_working_orders_on_the_reducing_side() -> None:
    n = Node()
    long(n, 100)
    n.submit(n.factory.limit(AAPL, SELL, qty(60), px("105.00")))
    n.node.risk.set_trading_state(TradingState.REDUCING)
    second = n.submit(n.factory.limit(AAPL, SELL, qty(50), px("106.00")))  # 60 + 50 > 100: would flip
    assert (denied(n, second) or "").startswith("TRADING_REDUCING")
    third = n.submit(n.factory.limit(AAPL, SELL, qty(40), px("106.00")))
    assert third.status is OrderStatus.ACCEPTED


def test_position_limit_with_open_orders_on_both_sides() -> None:
    n = Node(RiskLimits(max_position=qty(100)))
    long(n, 50)
    n.submit(n.factory.limit(AAPL, BUY, qty(30), px("99.00")))
    n.submit(n.factory.limit(AAPL, SELL, qty(80), px("105.00")))
    ok_buy = n.submit(n.factory.limit(AAPL, BUY, qty(20), px("99.00")))  # 50 + 30 + 20 = 100
    bad_buy = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("99.00")))
    ok_sell = n.submit(n.factory.limit(AAPL, SELL, qty(70), px("105.00")))  # 50 - 80 - 70 = -100
    bad_sell = n.submit(n.factory.limit(AAPL, SELL, qty(1), px("105.00")))
    assert ok_buy.status is OrderStatus.ACCEPTED and ok_sell.status is OrderStatus.ACCEPTED
    assert (denied(n, bad_buy) or "").startswith("POSITION_LIMIT")
    assert (denied(n, bad_sell) or "").startswith("POSITION_LIMIT")


def test_collar_checks_a_stop_limits_limit_price_and_its_trigger() -> None:
    n = Node(RiskLimits(collar_bps=100))  # mid 100.05: band 99.04..101.06
    n.quote("100.00", "100.10")
    f = n.factory
    price_out = n.submit(f.stop_limit(AAPL, BUY, qty(1), price=px("101.20"), trigger_price=px("101.00")))
    trigger_out = n.submit(f.stop_limit(AAPL, BUY, qty(1), price=px("101.00"), trigger_price=px("101.10")))
    inside = n.submit(f.stop_limit(AAPL, BUY, qty(1), price=px("101.05"), trigger_price=px("101.00")))
    assert (denied(n, price_out) or "").startswith("PRICE_COLLAR: price 101.20")
    assert (denied(n, trigger_out) or "").startswith("PRICE_COLLAR: trigger_price 101.10")
    assert inside.status is OrderStatus.ACCEPTED
    n.modify(inside, price=px("101.20"))
    assert inside.price == px("101.05") and (modify_refused(n, inside) or "").startswith("PRICE_COLLAR")


def test_scopes_strictest_wins_whichever_scope_sets_the_limit() -> None:
    n = Node(RiskLimits(max_quantity=qty(1_000)))
    n.quote("100.00", "100.10")
    risk = n.node.risk
    risk.set_limits(RiskScope.ACCOUNT, "SIM-001", RiskLimits(max_quantity=qty(500)))
    risk.set_limits(RiskScope.STRATEGY, "S-1", RiskLimits(max_quantity=qty(50)))
    risk.set_limits(RiskScope.INSTRUMENT, str(AAPL), RiskLimits(max_quantity=qty(200)))
    a = n.submit(n.factory.limit(AAPL, BUY, qty(51), px("99.00")))
    assert (denied(n, a) or "").startswith("QUANTITY_ABOVE_MAX: quantity 51 exceeds max_quantity 50")
    risk.set_limits(RiskScope.STRATEGY, "S-1", RiskLimits(max_quantity=qty(5_000)))  # looser: no effect
    b = n.submit(n.factory.limit(AAPL, BUY, qty(201), px("99.00")))
    assert (denied(n, b) or "").startswith("QUANTITY_ABOVE_MAX")
    c = n.submit(n.factory.limit(AAPL, BUY, qty(200), px("99.00")))
    assert c.status is OrderStatus.ACCEPTED


def test_limits_changed_at_run_time_apply_to_the_next_order_only() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    working = n.submit(n.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    n.node.risk.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=qty(50)))
    assert working.status is OrderStatus.ACCEPTED  # not touched
    nxt = n.submit(n.factory.limit(AAPL, BUY, qty(60), px("99.00")))
    assert (denied(n, nxt) or "").startswith("QUANTITY_ABOVE_MAX")
    n.modify(working, price=px("99.10"))  # its modify is checked against the new limits
    assert (modify_refused(n, working) or "").startswith("QUANTITY_ABOVE_MAX")
    n.modify(working, quantity=qty(50))
    assert working.quantity == qty(50)
    n.node.risk.set_limits(RiskScope.DEFAULT, None, None)
    again = n.submit(n.factory.limit(AAPL, BUY, qty(60), px("99.00")))
    assert again.status is OrderStatus.ACCEPTED


def test_submit_throttle_window_boundaries() -> None:
    n = Node(RiskLimits(submit_rate=RateLimit(limit=2, interval_ns=SECOND)))
    n.quote("100.00", "100.10")
    t = n.now
    f = n.factory
    first = n.submit(f.limit(AAPL, BUY, qty(1), px("99.00")))
    second = n.submit(f.limit(AAPL, BUY, qty(1), px("98.00")))
    third = n.submit(f.limit(AAPL, BUY, qty(1), px("99.00")))
    assert first.status is OrderStatus.ACCEPTED and second.status is OrderStatus.ACCEPTED
    assert (denied(n, third) or "").startswith("THROTTLED")
    n.advance_to(t + SECOND - 1)
    early = n.submit(f.limit(AAPL, BUY, qty(1), px("99.00")))
    assert (denied(n, early) or "").startswith("THROTTLED")
    n.advance_to(t + SECOND)
    on_time = n.submit(f.limit(AAPL, BUY, qty(1), px("99.00")))
    assert on_time.status is OrderStatus.ACCEPTED


def test_denied_orders_do_not_use_the_throttle() -> None:
    n = Node(RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=SECOND), max_quantity=qty(10)))
    n.quote("100.00", "100.10")
    big = n.submit(n.factory.limit(AAPL, BUY, qty(11), px("99.00")))
    assert (denied(n, big) or "").startswith("QUANTITY_ABOVE_MAX")
    ok = n.submit(n.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    assert ok.status is OrderStatus.ACCEPTED


def test_daily_loss_breaker_restarts_at_the_trading_day_boundary() -> None:
    n = Node(RiskLimits(max_daily_loss=Money.of(500, USD)))
    long(n, 100)
    n.quote("93.00", "93.10")
    n.submit(n.factory.market(AAPL, SELL, qty(100)))  # realises about -710 today
    assert n.position() == 0
    midnight = (n.now // DAY + 1) * DAY
    n.advance_to(midnight)
    n.quote("93.00", "93.10", step_ns=0)
    order = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("92.00")))
    assert order.status is OrderStatus.ACCEPTED, denied(n, order)
    assert n.node.risk.trading_state(ACCOUNT) is TradingState.ACTIVE


def test_daily_loss_breaker_trips_before_the_boundary() -> None:
    n = Node(RiskLimits(max_daily_loss=Money.of(500, USD)))
    long(n, 100)
    n.quote("93.00", "93.10")
    n.submit(n.factory.market(AAPL, SELL, qty(100)))
    midnight = (n.now // DAY + 1) * DAY
    n.advance_to(midnight - 1)
    order = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("92.00")))
    assert (denied(n, order) or "").startswith("DAILY_LOSS_LIMIT")
    assert n.node.risk.trading_state(ACCOUNT) is TradingState.HALTED


def test_modify_of_a_held_bracket_exit_before_the_entry_fills() -> None:
    # The exits are held (nothing to reduce yet); moving the take-profit's price adds nothing.
    n = Node()
    n.quote("100.00", "100.10")
    _, tp, sl = n.submit_list(
        n.factory.bracket(AAPL, BUY, qty(100), take_profit=px("102.00"), stop_loss=px("98.00"), entry_price=px("99.00"))
    )
    assert tp.status is OrderStatus.INITIALIZED
    n.modify(tp, price=px("103.00"))
    assert tp.price == px("103.00"), modify_refused(n, tp)
    n.modify(sl, trigger=px("97.00"))
    assert sl.trigger_price == px("97.00"), modify_refused(n, sl)


def test_kill_switch_cancels_every_open_order_and_halts() -> None:
    n = Node()
    long(n, 10)
    a = n.submit(n.factory.limit(AAPL, BUY, qty(5), px("99.00")))
    entry, tp, sl = n.submit_list(
        n.factory.bracket(AAPL, BUY, qty(10), take_profit=px("102.00"), stop_loss=px("98.00"), entry_price=px("99.00"))
    )
    n.node.execution.kill()
    assert all(o.status is OrderStatus.CANCELED for o in (a, entry, tp, sl))
    b = n.submit(n.factory.market(AAPL, SELL, qty(10)))
    assert (denied(n, b) or "").startswith("TRADING_HALTED")


def test_position_limit_counts_a_modify_in_flight() -> None:
    n = Node(RiskLimits(max_position=qty(100)), latency=LatencyModel(insert_ns=0, modify_ns=10 * MS))
    n.quote("100.00", "100.10")
    order = n.submit(n.factory.limit(AAPL, BUY, qty(50), px("99.00")))
    n.advance_to(n.now + 1)
    n.modify(order, quantity=qty(80))  # in flight
    other = n.submit(n.factory.limit(AAPL, BUY, qty(21), px("99.00")))
    assert (denied(n, other) or "").startswith("POSITION_LIMIT")


def test_reducing_state_lets_a_bracket_release_its_exits() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    entry, tp, sl = n.submit_list(
        n.factory.bracket(AAPL, BUY, qty(100), take_profit=px("102.00"), stop_loss=px("98.00"), entry_price=px("99.00"))
    )
    n.node.risk.set_trading_state(TradingState.REDUCING)
    n.quote("98.90", "99.00", ask_size=100)
    assert entry.status is OrderStatus.FILLED
    assert tp.status is OrderStatus.ACCEPTED and sl.status is OrderStatus.ACCEPTED


def test_max_open_orders_counts_submits_not_modifies() -> None:
    n = Node(RiskLimits(max_open_orders=2))
    n.quote("100.00", "100.10")
    a = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("99.00")))
    n.submit(n.factory.limit(AAPL, BUY, qty(1), px("98.00")))
    c = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("97.00")))
    assert (denied(n, c) or "").startswith("MAX_OPEN_ORDERS")
    n.modify(a, quantity=qty(2))
    assert a.quantity == qty(2)
    n.cancel(a)
    d = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("97.00")))
    assert d.status is OrderStatus.ACCEPTED


def test_duplicate_client_order_id_is_denied_and_the_known_order_kept() -> None:
    n = Node()
    n.quote("100.00", "100.10")
    first = n.submit(n.factory.limit(AAPL, BUY, qty(1), px("99.00")))
    copy = n.factory.create(
        AAPL, BUY, first.order_type, qty(5), price=px("98.00"), client_order_id=first.client_order_id
    )
    n.submit(copy)
    assert copy.status is OrderStatus.DENIED and first.status is OrderStatus.ACCEPTED
    assert n.node.cache.orders[first.client_order_id] is first


def test_position_beyond_a_lowered_limit_can_still_be_reduced_and_cut() -> None:
    n = Node()
    long(n, 100)
    buy = n.submit(n.factory.limit(AAPL, BUY, qty(20), px("99.00")))
    n.node.risk.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_position=qty(50)))
    n.modify(buy, quantity=qty(10))  # adds nothing
    assert buy.quantity == qty(10)
    n.modify(buy, quantity=qty(11))
    assert (modify_refused(n, buy) or "").startswith("POSITION_LIMIT")
    sell = n.submit(n.factory.market(AAPL, SELL, qty(30)))
    assert sell.status is OrderStatus.FILLED and n.position() == raw(70)


def test_modify_of_a_partially_filled_reduce_only_order_counts_its_leaves() -> None:
    n = Node()
    long(n, 50)
    n.quote("100.00", "100.10", bid_size=10)
    order = n.submit(n.factory.limit(AAPL, SELL, qty(30), px("100.00"), reduce_only=True))
    assert order.filled_raw == raw(10) and n.position() == raw(40)
    n.quote("99.00", "110.00", bid_size=0)
    n.modify(order, quantity=qty(50))  # leaves 40 = the position
    assert order.quantity == qty(50), modify_refused(n, order)
    n.modify(order, quantity=qty(51))
    assert order.quantity == qty(50) and (modify_refused(n, order) or "").startswith("REDUCE_ONLY")


def test_cash_account_buy_beyond_the_balance_is_denied() -> None:
    node = TradingNode(SimulatedClock(10 * SECOND), risk_config=RiskConfig())
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.CASH, USD, [Money.of(10_000, USD)])
    node.add_instrument(
        Equity(
            id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD, taker_fee=Decimal("0.001"),
        )
    )  # fmt: skip
    f = node.order_factory("S-1")
    ok = f.limit(AAPL, BUY, qty(99), px("100.00"))  # 9,900 + 9.90 fee
    bad = f.limit(AAPL, BUY, qty(1), px("100.00"))  # 100.10 more: beyond 10,000
    for order in (ok, bad):
        node.execute(SubmitOrder(ts_init=10 * SECOND, strategy_id=order.strategy_id, order=order))
    assert ok.status is OrderStatus.ACCEPTED
    assert bad.status is OrderStatus.DENIED
