"""A modify in flight counts in the account checks of the other orders (max open notional, cash
buying power, initial margin) at the worst the venue's answer may leave its order: the larger of
what the order works at now and what it asked for, the worst of several, until the venue answers.
Through the real node: the venue answers one second after a command."""

from __future__ import annotations

from risk_helpers import BTCUSDT, accept, btc_spot, setup_with
from risk_helpers import px as upx
from risk_helpers import qty as uqty
from risk_node_helpers import AAPL, BUY, SECOND, Node, px, qty

from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderModifyRejected
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.risk import RiskLimits

B = 10**9


def _resting_buy(n: Node, quantity: int, price: str = "99.00", post_only: bool = True) -> Order:
    """A buy limit working at the venue (post-only: a modify that crosses the 100.01 ask is rejected)."""
    order = n.submit(n.factory().limit(AAPL, BUY, qty(quantity), px(price), post_only=post_only))
    n.advance(2)
    assert order.status is OrderStatus.ACCEPTED
    return order


def _buy(n: Node, quantity: int, price: str = "99.00") -> Order:
    return n.submit(n.factory().limit(AAPL, BUY, qty(quantity), px(price)))


def _passed(n: Node, order: Order) -> bool:
    return order.status is OrderStatus.SUBMITTED and n.refusal(order) is None


def test_open_notional_counts_a_modify_up_in_flight_until_the_venue_rejects_it() -> None:
    n = Node(RiskLimits(max_open_notional=Money.of(12_000, USD)), latency_ns=SECOND)
    a = _resting_buy(n, 50)  # 4,950 open
    n.modify(a, qty(100), px("100.02"))  # 10,002 if applied; crosses the ask: the venue refuses it
    assert a.status is OrderStatus.PENDING_UPDATE and n.refusal(a) is None
    early = _buy(n, 50)  # 4,950: fits beside the 4,950 working, not beside the 10,002 asked for
    assert n.refusal(early) == (
        "MAX_OPEN_NOTIONAL: open notional 14952.00 USD (counting 5052.00 USD that modifies in flight may add) "
        "exceeds max_open_notional 12000.00 USD"
    )
    n.advance(3)
    assert a.quantity == qty(50) and a.price == px("99.00")  # rejected: the old figures stay
    assert n.node.cache.modifies_in_flight == {}
    assert _passed(n, _buy(n, 50))


def test_cash_buying_power_counts_a_modify_up_in_flight_until_the_venue_rejects_it() -> None:
    n = Node(RiskLimits(check_balance=True), latency_ns=SECOND, account_type=AccountType.CASH, balance=10_000)
    a = _resting_buy(n, 50)  # locks 4,950 of 10,000
    n.modify(a, qty(90), px("100.02"))  # would lock 9,001.80
    assert n.refusal(a) is None
    early = _buy(n, 40)  # 3,960 of the 5,050 free, but the modify may lock 4,051.80 more
    assert n.refusal(early) == (
        "INSUFFICIENT_BALANCE: buy cost 3960.00 USD (notional plus fees) exceeds free balance 5050.00 USD "
        "less 4051.80 USD that modifies in flight may lock"
    )
    n.advance(3)
    assert a.quantity == qty(50)
    assert _passed(n, _buy(n, 40))


def test_initial_margin_counts_a_modify_up_in_flight_until_the_venue_rejects_it() -> None:
    n = Node(RiskLimits(check_balance=True), latency_ns=SECOND, balance=10_000)  # margin_init 25%
    a = _resting_buy(n, 100)  # 9,900: 2,475 of margin
    n.modify(a, qty(300), px("100.02"))  # 30,006: 5,026.50 more margin
    assert n.refusal(a) is None
    early = _buy(n, 110)  # 2,722.50 of the 7,525 free margin
    assert n.refusal(early) == (
        "INSUFFICIENT_MARGIN: initial margin 2722.50 USD (plus fees) exceeds free margin 7525.00 USD "
        "less 5026.50 USD that modifies in flight may lock"
    )
    n.advance(3)
    assert a.quantity == qty(100)
    assert _passed(n, _buy(n, 110))


def test_a_modify_down_in_flight_frees_nothing_until_applied_and_a_later_one_builds_on_the_larger_figures() -> None:
    n = Node(RiskLimits(max_open_notional=Money.of(15_000, USD)), latency_ns=SECOND)
    a = _resting_buy(n, 100, post_only=False)  # 9,900
    n.modify(a, qty(50))  # down to 4,950 once applied
    early = _buy(n, 60)  # 5,940: fits only beside the smaller order
    assert n.refusal(early) == "MAX_OPEN_NOTIONAL: open notional 15840.00 USD exceeds max_open_notional 15000.00 USD"
    # A new price alone: the venue applies it to 50 or, if it rejects the first modify, to 100.
    n.modify(a, price=px("99.50"))
    assert n.refusal(a) is None
    second = _buy(n, 51, "99.50")  # 5,074.50 beside 100 * 99.50 = 9,950
    assert n.refusal(second) == (
        "MAX_OPEN_NOTIONAL: open notional 15024.50 USD (counting 50.00 USD that modifies in flight may add) "
        "exceeds max_open_notional 15000.00 USD"
    )
    n.advance(3)
    assert a.quantity == qty(50) and a.price == px("99.50")
    assert n.node.cache.modifies_in_flight == {}  # both answered: the second by an update to 50 @ 99.50
    assert _passed(n, _buy(n, 100, "99.50"))  # 4,975 + 9,950


def test_several_modifies_in_flight_count_at_the_worst_of_them() -> None:
    n = Node(RiskLimits(max_open_notional=Money.of(15_000, USD)), latency_ns=SECOND)
    a = _resting_buy(n, 50)  # 4,950
    n.modify(a, qty(100))  # 9,900
    n.modify(a, qty(60), px("99.50"))  # 5,970: the latest, not the largest
    assert n.refusal(a) is None
    early = _buy(n, 55)  # 5,445 beside 9,900
    assert n.refusal(early) == (
        "MAX_OPEN_NOTIONAL: open notional 15345.00 USD (counting 4950.00 USD that modifies in flight may add) "
        "exceeds max_open_notional 15000.00 USD"
    )
    n.advance(3)
    assert a.quantity == qty(60) and a.price == px("99.50") and n.node.cache.modifies_in_flight == {}
    assert _passed(n, _buy(n, 55))  # 5,970 + 5,445


def test_a_modify_behind_its_own_in_flight_counts_their_combination_but_not_itself_twice() -> None:
    n = Node(RiskLimits(max_open_notional=Money.of(10_000, USD)), latency_ns=SECOND)
    a = _resting_buy(n, 50)  # 4,950
    n.modify(a, qty(100))  # 9,900
    assert n.refusal(a) is None
    n.modify(a, price=px("100.02"))  # applied after the first: 100 * 100.02 = 10,002
    assert n.refusal(a) == "MAX_OPEN_NOTIONAL: open notional 10002.00 USD exceeds max_open_notional 10000.00 USD"
    n.modify(a, qty(100))  # asks no more than the modify in flight: passes (sent)
    assert sum(isinstance(e, OrderModifyRejected) for e in n.events) == 1
    assert [r.quantity_raw for r in n.node.cache.modifies_in_flight[a.client_order_id]] == [100 * B, 100 * B]


def test_a_spot_sell_modify_in_flight_holds_the_base_it_may_sell() -> None:
    from nautilus_platform.trading.risk.state import ModifyRequest  # (here: the other tests run without it)

    s = setup_with(btc_spot(), AccountType.CASH, check_balance=True)
    s.account.free = {"USDT": 0, "BTC": B // 2}  # 1.5 BTC, 1 locked by the resting sell
    resting = accept(s.factory.limit(BTCUSDT, OrderSide.SELL, uqty(1), upx("50000.00")))
    s.state.add_open_order(resting)
    s.state.modifies_in_flight[resting.client_order_id] = [ModifyRequest(uqty("1.4").raw)]
    denial = s.engine.check_submit(s.factory.limit(BTCUSDT, OrderSide.SELL, uqty("0.2"), upx("50000.00")))
    assert denial is not None and denial[1] == (
        "sell 0.20000000 BTC exceeds free balance 0.50000000 BTC less 0.40000000 BTC that modifies in flight may lock"
    )
    del s.state.modifies_in_flight[resting.client_order_id]  # the venue rejected it
    assert s.engine.check_submit(s.factory.limit(BTCUSDT, OrderSide.SELL, uqty("0.2"), upx("50000.00"))) is None
