"""The journal records every command and event of a node, in order, gap-free."""

from __future__ import annotations

import msgspec
from exec_support import AAPL, SECOND_NS, Harness, check_journal, px, qty

from nautilus_platform.core.identifiers import ClientOrderId, TradeId
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import OrderSide, TimeInForce
from nautilus_platform.model.events import (
    AccountState,
    OrderAccepted,
    OrderFilled,
    OrderInitialized,
    OrderSubmitted,
    PositionOpened,
)
from nautilus_platform.trading.risk import RiskLimits
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _session(h: Harness) -> None:
    """A busy session: every kind of command, fills, contingent orders, refusals and an expiry."""
    f = h.factory
    h.quote("100.00", "100.10", ask_size=60)
    h.submit(f.market(AAPL, BUY, qty(100)))  # partial + cancel
    resting = h.submit(f.limit(AAPL, BUY, qty(50), px("99.00")))
    h.modify(resting, price=px("99.20"))
    h.modify(resting, trigger_price=px("99.00"))  # refused by the venue
    h.submit_list(
        f.bracket(AAPL, BUY, qty(20), take_profit=px("102.00"), stop_loss=px("98.00"), entry_price=px("99.50"))
    )
    h.submit(f.limit(AAPL, SELL, qty(10), px("100.00"), post_only=True))  # rejected
    h.submit(
        f.create(AAPL, BUY, resting.order_type, qty(1), price=px("90.00"), client_order_id=resting.client_order_id)
    )
    h.submit(
        f.limit(AAPL, SELL, qty(5), px("105.00"), time_in_force=TimeInForce.GTD, expire_time_ns=h.now + 5 * SECOND_NS)
    )
    h.quote("99.10", "99.15", ask_size=200)
    h.quote("99.40", "99.45", ask_size=200)
    h.advance(h.now + 10 * SECOND_NS)
    h.cancel(resting)
    fill = h.of_type(OrderFilled)[0]
    h.node.execution.on_venue_event(fill)  # duplicate: refused, not journaled
    h.node.execute(
        CancelOrder(
            ts_init=h.now, strategy_id=f.strategy_id, instrument_id=AAPL, client_order_id=ClientOrderId("O-N-1")
        )
    )
    h.quote("101.90", "102.00", bid_size=500)
    h.node.execution.kill()


def test_journal_is_gap_free_ordered_and_matches_the_bus() -> None:
    h = Harness(RiskLimits(check_reduce_only=False))
    _session(h)
    items = check_journal(h.node, h.events)
    kinds = {type(e).__name__ for e in items}
    for expected in (
        "SubmitOrder", "SubmitOrderList", "ModifyOrder", "CancelOrder", "OrderInitialized", "OrderSubmitted",
        "OrderAccepted", "OrderRejected", "OrderDenied", "OrderFilled", "OrderCanceled", "OrderExpired",
        "OrderPendingUpdate", "OrderUpdated", "OrderModifyRejected", "OrderCancelRejected", "PositionOpened",
        "AccountState",
    ):  # fmt: skip
        assert expected in kinds, expected
    ((refused, _),) = h.node.execution.refused_events  # the duplicate fill
    assert sum(1 for e in items if e is refused) == 1  # journaled once, when it was first applied


def test_a_submit_journals_command_then_init_then_its_events() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    start = len(h.node.journal) + 1
    order = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    entries = list(h.node.journal.entries(start))
    assert [seq for seq, _ in entries] == list(range(start, start + len(entries)))
    assert [type(e) for _, e in entries] == [
        SubmitOrder,
        OrderInitialized,
        OrderSubmitted,
        OrderAccepted,
        OrderFilled,
        PositionOpened,
        AccountState,
    ]
    assert entries[0][1].order is order  # type: ignore[union-attr]
    assert entries[1][1] is order.init


def test_commands_precede_events_with_venue_latency() -> None:
    venue = SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=5_000_000, cancel_ns=2_000_000))
    h = Harness(venue=venue)
    h.quote("100.00", "100.10")
    f = h.factory
    order = h.submit(f.limit(AAPL, BUY, qty(10), px("99.00")))
    market = h.submit(f.market(AAPL, BUY, qty(10)))
    assert [type(e).__name__ for e in order.events[1:]] == ["OrderSubmitted"]  # nothing reached the venue yet
    h.advance(h.now + 5_000_000)
    h.modify(order, price=px("99.10"))
    assert order.price == px("99.00")  # the venue has not answered yet
    h.advance(h.now + 5_000_000)
    assert order.price == px("99.10")
    h.cancel(order)
    h.advance(h.now + 2_000_000)
    h.quote("100.00", "100.10")
    items = check_journal(h.node, h.events)
    types = [type(e).__name__ for e in items]
    assert types.index("ModifyOrder") < types.index("OrderPendingUpdate") < types.index("OrderUpdated")
    assert types.index("CancelOrder") < types.index("OrderPendingCancel") < types.index("OrderCanceled")
    assert market.filled_qty == qty(10)
    accepted = next(e for e in items if type(e) is OrderAccepted and e.client_order_id == order.client_order_id)
    submitted = next(e for e in items if type(e) is OrderSubmitted and e.client_order_id == order.client_order_id)
    assert accepted.ts_event - submitted.ts_event == 5_000_000
    assert h.node.execution.refused_events == []


def test_refused_events_are_not_journaled() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.market(AAPL, BUY, qty(10)))
    (fill,) = h.of_type(OrderFilled, order)
    n = len(h.node.journal)
    h.node.execution.on_venue_event(fill)
    h.node.execution.on_venue_event(msgspec.structs.replace(fill, trade_id=TradeId("SIM-T55")))  # overfill
    assert len(h.node.journal) == n
    assert len(h.node.execution.refused_events) == 2
    check_journal(h.node, h.events)


def test_submit_order_list_journals_every_init_before_any_submit() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    f = h.factory
    pair = h.submit_list(f.oco(f.limit(AAPL, BUY, qty(5), px("99.00")), f.limit(AAPL, SELL, qty(5), px("101.00"))))
    items = [e for _, e in h.node.journal.entries()]
    i = next(i for i, e in enumerate(items) if type(e) is SubmitOrderList)
    assert [type(e) for e in items[i : i + 3]] == [SubmitOrderList, OrderInitialized, OrderInitialized]
    assert [e.client_order_id for e in items[i + 1 : i + 3]] == [o.client_order_id for o in pair.orders]
    assert isinstance(items[i + 3], OrderSubmitted)
    assert not any(isinstance(e, ModifyOrder) for e in items)
