"""A modify in flight (sent, not yet answered by the venue) counts as if applied: the order counts
at the larger of its quantity and the one it asked for, until the venue updates or rejects it."""

from __future__ import annotations

from risk_helpers import AAPL, BUY, Setup, accept, qty, setup_with
from risk_helpers import px as upx
from risk_node_helpers import AAPL as AAPL_SIM
from risk_node_helpers import SECOND, Node, px
from risk_node_helpers import qty as nqty

from nautilus_platform.model.enums import DenyReason, OrderStatus
from nautilus_platform.model.orders import Order
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.trading.risk.state import ModifyRequest


def _resting_buy(n: Node, quantity: int, post_only: bool = False) -> Order:
    order = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(quantity), px("99.00"), post_only=post_only))
    n.advance(2)
    assert order.status is OrderStatus.ACCEPTED
    return order


def test_a_modify_in_flight_counts_at_the_quantity_it_asks_for() -> None:
    n = Node(RiskLimits(max_position=nqty(100)), latency_ns=SECOND)
    a = _resting_buy(n, 50)
    n.modify(a, nqty(100))
    assert a.status is OrderStatus.PENDING_UPDATE
    b = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(50), px("99.00")))
    assert b.status is OrderStatus.DENIED
    assert n.refusal(b) == "POSITION_LIMIT: projected position 150 exceeds max_position 100"
    n.advance(3)
    assert a.status is OrderStatus.ACCEPTED and a.quantity == nqty(100)
    assert n.node.cache.side_aggregate(AAPL_SIM, BUY).leaves_raw == 100 * 10**9


def test_a_modify_the_venue_rejects_stops_counting_once_answered() -> None:
    n = Node(RiskLimits(max_position=nqty(100)), latency_ns=SECOND)
    a = _resting_buy(n, 50, post_only=True)
    n.modify(a, nqty(100), px("100.02"))  # the new price would take liquidity: the venue refuses it
    first = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(50), px("99.00")))
    assert n.refusal(first) == "POSITION_LIMIT: projected position 150 exceeds max_position 100"
    n.advance(3)
    assert a.status is OrderStatus.ACCEPTED and a.quantity == nqty(50)
    second = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(50), px("99.00")))
    assert second.status is OrderStatus.SUBMITTED and n.refusal(second) is None


def test_a_modify_refused_by_risk_is_not_taken_for_the_venues_answer() -> None:
    n = Node(RiskLimits(max_position=nqty(100)), latency_ns=SECOND)
    a = _resting_buy(n, 50)
    n.modify(a, nqty(100))
    n.modify(a, nqty(101))  # refused at once: the first modify is still in flight
    assert n.refusal(a) == "POSITION_LIMIT: projected position 101 exceeds max_position 100"
    b = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(1), px("99.00")))
    assert n.refusal(b) == "POSITION_LIMIT: projected position 101 exceeds max_position 100"
    n.advance(3)
    assert a.quantity == nqty(100)


def test_a_smaller_quantity_in_flight_counts_the_order_as_it_is_until_applied() -> None:
    n = Node(RiskLimits(max_position=nqty(100)), latency_ns=SECOND)
    a = _resting_buy(n, 100)
    n.modify(a, nqty(60))
    early = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(40), px("99.00")))
    assert n.refusal(early) == "POSITION_LIMIT: projected position 140 exceeds max_position 100"
    n.advance(3)
    assert a.quantity == nqty(60)
    late = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(40), px("99.00")))
    assert n.refusal(late) is None


def test_an_approved_modify_that_was_never_sent_does_not_count() -> None:
    s: Setup = setup_with(max_position=qty(100))
    order = accept(s.factory.limit(AAPL, BUY, qty(50), upx("99.00")))
    s.state.add_open_order(order)
    assert s.engine.check_modify(order, qty(100)) is None  # checked only (a what-if): nothing sent
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), upx("99.00"))) is None


def test_the_state_s_modifies_in_flight_count_until_answered() -> None:
    s: Setup = setup_with(max_position=qty(100))
    order = accept(s.factory.limit(AAPL, BUY, qty(50), upx("99.00")))
    s.state.add_open_order(order)
    s.state.modifies_in_flight[order.client_order_id] = [ModifyRequest(qty(100).raw)]  # sent, not answered
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), upx("99.00")))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    del s.state.modifies_in_flight[order.client_order_id]  # answered: rejected
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), upx("99.00"))) is None


def test_the_execution_engine_forgets_a_modify_once_the_venue_answers() -> None:
    n = Node(RiskLimits(), latency_ns=SECOND)
    a = _resting_buy(n, 50)
    n.modify(a, nqty(80))
    n.modify(a, nqty(90))
    requested = n.node.cache.modifies_in_flight[a.client_order_id]
    assert [(r.quantity_raw, r.price_raw, r.trigger_raw) for r in requested] == [
        (80 * 10**9, None, None),
        (90 * 10**9, None, None),
    ]
    n.advance(3)
    assert a.quantity == nqty(90) and n.node.cache.modifies_in_flight == {}
