"""The cache's open-order aggregates stay equal to a from-scratch sum over the open orders.

An order's close takes back the products its opening added (no re-multiplication); a modify or a
partial fill in between must fall back to recomputing. Each step is checked against the sum.
"""

from __future__ import annotations

from exec_support import AAPL, SIM_ACCOUNT, Harness, equity, px, qty

from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.positions.account import rate_ppb
from nautilus_platform.venues.simulated import SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _check(h: Harness) -> None:
    cache = h.node.cache
    instrument = cache.instrument(AAPL)
    mult, ppb = instrument.multiplier.raw, rate_ppb(instrument.margin_init)
    notional = buys = margin = count = 0
    side_leaves = {BUY: 0, SELL: 0}
    side_notional = {BUY: 0, SELL: 0}
    for order in cache.orders_open():
        assert order.price is not None  # limit orders only: valued at their price
        leaves = order.quantity.raw - order.filled_raw
        value = leaves * order.price.raw * mult
        count += 1
        notional += value
        margin += value * ppb
        if order.side is BUY:
            buys += value
        side_leaves[order.side] += leaves
        side_notional[order.side] += leaves * order.price.raw
    account = cache.account_orders(SIM_ACCOUNT)
    assert account.count == count
    assert account.notional_exact.get(USD, 0) == notional
    # What the orders lock: a cash account's buys lock notional, a margin account's orders margin;
    # each account keeps only its own kind.
    if account.cash:
        assert account.buy_notional_exact.get(USD, 0) == buys
        assert not account.margin_exact
    else:
        assert account.margin_exact.get(USD, 0) == margin
        assert not account.buy_notional_exact
    for side in (BUY, SELL):
        agg = cache.side_aggregate(AAPL, side)
        assert agg.leaves_raw == side_leaves[side]
        assert agg.notional_exact == side_notional[side]


def test_aggregates_follow_opens_modifies_partial_fills_and_cancels_exactly() -> None:
    h = Harness()
    h.quote("100.00", "100.10", ask_size=25)
    resting = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    _check(h)
    sell = h.submit(h.factory.limit(AAPL, SELL, qty(50), px("101.00")))
    _check(h)
    h.modify(resting, price=px("99.50"))
    _check(h)
    h.modify(resting, quantity=qty(80))
    _check(h)
    partial = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    assert partial.status is OrderStatus.PARTIALLY_FILLED
    _check(h)
    for order in (resting, sell, partial):
        h.cancel(order)
        assert order.status is OrderStatus.CANCELED
        _check(h)
    assert h.node.cache.account_orders(SIM_ACCOUNT).count == 0


def test_aggregates_return_to_zero_after_many_open_close_cycles() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    for i in range(20):
        order = h.submit(h.factory.limit(AAPL, BUY if i % 2 else SELL, qty(10 + i), px("99.00" if i % 2 else "101.00")))
        _check(h)
        h.cancel(order)
        _check(h)
        market = h.submit(h.factory.market(AAPL, BUY if i % 2 else SELL, qty(5)))
        assert market.status is OrderStatus.FILLED
        _check(h)


def test_a_cash_account_keeps_the_notional_its_buy_orders_lock() -> None:
    h = Harness(add_default_venue=False)
    h.node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.CASH, USD, [Money.of(1_000_000, USD)])
    h.node.add_instrument(equity(AAPL))
    h.quote("100.00", "100.10")
    assert h.node.cache.account_orders(SIM_ACCOUNT).cash is True
    orders = [h.submit(h.factory.limit(AAPL, BUY, qty(10 + i), px("99.00"))) for i in range(3)]
    _check(h)
    assert h.node.cache.account_orders(SIM_ACCOUNT).buy_notional_exact[USD] > 0
    h.modify(orders[0], price=px("98.50"))
    _check(h)
    bought = h.submit(h.factory.market(AAPL, BUY, qty(5)))
    assert bought.status is OrderStatus.FILLED
    for order in orders:
        h.cancel(order)
        _check(h)
    assert h.node.cache.account_orders(SIM_ACCOUNT).buy_notional_exact[USD] == 0
