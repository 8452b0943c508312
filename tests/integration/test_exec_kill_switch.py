"""The kill switch and per-account trading states through ``TradingNode``."""

from __future__ import annotations

from exec_support import AAPL, SIM_ACCOUNT, Harness, px, qty, raw

from nautilus_platform.model.enums import DenyReason, OrderSide, OrderStatus, TradingState
from nautilus_platform.model.events import OrderDenied, OrderModifyRejected
from nautilus_platform.trading.risk import RiskLimits

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_kill_halts_trading_and_cancels_every_open_and_held_order() -> None:
    h = Harness(RiskLimits(check_reduce_only=False))
    h.quote("100.00", "100.10", ask_size=500)
    h.submit(h.factory.market(AAPL, BUY, qty(100)))
    limit = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    stop = h.submit(h.factory.stop_market(AAPL, SELL, qty(50), px("98.00")))
    entry, tp, sl = h.submit_list(
        h.factory.bracket(AAPL, BUY, qty(20), take_profit=px("102.00"), stop_loss=px("98.00"), entry_price=px("99.50"))
    ).orders
    assert tp.status is OrderStatus.INITIALIZED
    open_before = h.node.cache.orders_open(held=True)
    assert set(open_before) == {limit, stop, entry, tp, sl}

    cancelled = h.node.execution.kill()

    assert cancelled == 5
    assert h.node.risk.trading_state() is TradingState.HALTED
    for order in (limit, stop, entry, tp, sl):
        assert order.status is OrderStatus.CANCELED, order
    assert h.node.cache.orders_open(held=True) == []
    assert h.node.venues[AAPL.venue].open_orders() == []
    assert h.position_raw() == raw(100)  # the kill switch cancels; it does not flatten

    # new orders are denied; market data no longer fills anything
    denied = h.submit(h.factory.market(AAPL, SELL, qty(100)))
    assert denied.status is OrderStatus.DENIED
    (denial,) = h.of_type(OrderDenied, denied)
    assert denial.reason is DenyReason.TRADING_HALTED
    h.quote("97.00", "97.10")
    assert h.position_raw() == raw(100)
    assert stop.filled_raw == 0

    # back to ACTIVE: trading resumes
    h.node.risk.set_trading_state(TradingState.ACTIVE)
    closing = h.submit(h.factory.market(AAPL, SELL, qty(100)))
    assert closing.status is OrderStatus.FILLED and h.position_raw() == 0


def test_kill_with_nothing_open_still_halts() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    assert h.node.execution.kill() == 0
    order = h.submit(h.factory.limit(AAPL, BUY, qty(1), px("99.00")))
    assert order.status is OrderStatus.DENIED
    assert h.of_type(OrderDenied, order)[0].reason is DenyReason.TRADING_HALTED


def test_modify_while_halted_is_rejected_and_the_order_keeps_working() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    h.node.risk.set_trading_state(TradingState.HALTED)  # halt without cancelling
    h.modify(order, price=px("99.50"))
    assert order.status is OrderStatus.ACCEPTED and order.price == px("99.00")
    (rejected,) = h.of_type(OrderModifyRejected, order)
    assert DenyReason.TRADING_HALTED.value in rejected.reason
    h.cancel(order)  # cancels are always allowed
    assert order.status is OrderStatus.CANCELED


def test_reducing_account_allows_only_orders_that_reduce_the_position() -> None:
    h = Harness()
    h.quote("100.00", "100.10", bid_size=500, ask_size=500)
    h.submit(h.factory.market(AAPL, BUY, qty(100)))
    h.node.risk.set_trading_state(TradingState.REDUCING, SIM_ACCOUNT)
    assert h.node.risk.trading_state() is TradingState.ACTIVE
    assert h.node.risk.trading_state(SIM_ACCOUNT) is TradingState.REDUCING

    increase = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    flip = h.submit(h.factory.market(AAPL, SELL, qty(150)))
    for order in (increase, flip):
        assert order.status is OrderStatus.DENIED
        assert h.of_type(OrderDenied, order)[0].reason is DenyReason.TRADING_REDUCING
    assert h.position_raw() == raw(100)

    reduce = h.submit(h.factory.market(AAPL, SELL, qty(60)))
    assert reduce.status is OrderStatus.FILLED
    assert h.position_raw() == raw(40)
    # a resting reducing order counts: a second one that together would flip is denied
    resting = h.submit(h.factory.limit(AAPL, SELL, qty(30), px("105.00")))
    assert resting.status is OrderStatus.ACCEPTED
    extra = h.submit(h.factory.limit(AAPL, SELL, qty(20), px("105.00")))
    assert extra.status is OrderStatus.DENIED
    assert h.of_type(OrderDenied, extra)[0].reason is DenyReason.TRADING_REDUCING

    h.node.risk.set_trading_state(TradingState.ACTIVE, SIM_ACCOUNT)
    again = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    assert again.status is OrderStatus.FILLED
    assert h.position_raw() == raw(50)
