"""Bad input through ``TradingNode`` is refused and leaves the engine consistent and running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from exec_support import AAPL, SIM_ACCOUNT, Harness, px, qty, raw

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TradeId
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.enums import DenyReason, OrderSide, OrderStatus, OrderType, TimeInForce
from nautilus_platform.model.events import OrderDenied, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _snapshot(h: Harness) -> tuple[Any, ...]:
    """Everything a refused event must not change."""
    return (
        {cid: (o.status, o.filled_raw, o.quantity.raw, len(o.events)) for cid, o in h.node.cache.orders.items()},
        dict(h.node.portfolio.net_positions),
        {pid: (p.signed_raw, p.realized_raw) for pid, p in h.node.portfolio.positions.items()},
        {aid: dict(a.balances) for aid, a in h.node.portfolio.accounts.items()},
        len(h.node.journal),
    )


def _fill_like(fill: OrderFilled, **changes: Any) -> OrderFilled:
    return msgspec.structs.replace(fill, **changes)


# -- duplicate ids --------------------------------------------------------------------------------
def test_duplicate_client_order_id_is_denied_and_the_original_order_is_untouched() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    original = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    events_before = list(original.events)
    impostor = h.factory.create(
        AAPL, SELL, OrderType.LIMIT, qty(99), price=px("101.00"), client_order_id=original.client_order_id
    )
    h.submit(impostor)
    assert impostor.status is OrderStatus.DENIED
    (denial,) = h.of_type(OrderDenied)
    assert denial.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID
    assert h.node.cache.orders[original.client_order_id] is original
    assert original.status is OrderStatus.ACCEPTED and original.events == events_before
    assert [o.client_order_id for o in h.node.venues[AAPL.venue].open_orders()] == [original.client_order_id]
    h.quote("98.90", "99.00")
    assert original.status is OrderStatus.FILLED and h.position_raw() == raw(10)


def test_order_list_with_a_known_id_is_denied_as_a_whole() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    original = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    f = h.factory
    fresh = f.limit(AAPL, SELL, qty(10), px("101.00"))
    dup = f.create(AAPL, BUY, OrderType.LIMIT, qty(10), price=px("98.00"), client_order_id=original.client_order_id)
    pair = f.oco(fresh, dup)
    h.submit_list(pair)
    assert [o.status for o in pair.orders] == [OrderStatus.DENIED, OrderStatus.DENIED]
    assert pair.orders[0].client_order_id not in h.node.cache.orders  # nothing of the list was stored
    assert original.status is OrderStatus.ACCEPTED
    assert {e.reason for e in h.of_type(OrderDenied)} == {DenyReason.DUPLICATE_CLIENT_ORDER_ID}


def test_resubmitting_a_submitted_order_object_is_a_validation_error() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    with pytest.raises(ValidationError, match="INITIALIZED"):
        SubmitOrder(ts_init=h.now, strategy_id=h.factory.strategy_id, order=order)


# -- invalid commands and orders ------------------------------------------------------------------
def _invalid_builders(h: Harness) -> list[Callable[[], object]]:
    f = h.factory
    s = f.strategy_id
    cid = ClientOrderId("O-S-1-1")
    return [
        lambda: ModifyOrder(ts_init=0, strategy_id=s, instrument_id=AAPL, client_order_id=cid),
        lambda: ModifyOrder(ts_init=0, strategy_id=s, instrument_id=AAPL, client_order_id=cid, quantity=qty(0)),
        lambda: CancelOrder(ts_init=0, strategy_id=s, instrument_id=AAPL, client_order_id="O-1"),  # type: ignore[arg-type]
        lambda: SubmitOrder(ts_init=0, strategy_id=StrategyId("OTHER"), order=f.market(AAPL, BUY, qty(1))),
        lambda: SubmitOrderList(
            ts_init=0, strategy_id=s, order_list_id=f.next_list_id(), orders=(f.market(AAPL, BUY, qty(1)),)
        ),
        lambda: f.create(AAPL, BUY, OrderType.LIMIT, qty(1)),  # a limit without a price
        lambda: f.market(AAPL, BUY, qty(0)),
        lambda: f.limit(AAPL, BUY, qty(1), px("99.00"), time_in_force=TimeInForce.IOC, post_only=True),
        lambda: f.limit(AAPL, BUY, qty(1), px("99.00"), time_in_force=TimeInForce.GTD, expire_time_ns=h.now),
        lambda: f.bracket(AAPL, BUY, qty(1), take_profit=px("99.00"), stop_loss=px("101.00")),
    ]


def test_invalid_commands_and_orders_raise_typed_validation_errors_and_change_nothing() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    before = _snapshot(h)
    builders = _invalid_builders(h)
    for build in builders:
        with pytest.raises(ValidationError):
            build()
    assert _snapshot(h) == before


def test_duplicate_ids_inside_one_order_list_are_a_validation_error() -> None:
    h = Harness()
    f = h.factory
    a = f.limit(AAPL, BUY, qty(1), px("99.00"))
    b = f.create(AAPL, BUY, OrderType.LIMIT, qty(1), price=px("98.00"), client_order_id=a.client_order_id)
    with pytest.raises(ValidationError, match="duplicate"):
        SubmitOrderList(ts_init=0, strategy_id=f.strategy_id, order_list_id=f.next_list_id(), orders=(a, b))


def test_unsupported_market_data_is_a_validation_error() -> None:
    h = Harness()
    with pytest.raises(ValidationError):
        h.node.process("not market data")  # type: ignore[arg-type]


def test_refused_market_data_does_not_move_the_clock() -> None:
    h = Harness()
    h.quote("100.00", "100.10")
    order = h.submit(h.factory.market(AAPL, BUY, qty(1)))
    (fill,) = h.of_type(OrderFilled, order)
    before = h.node.clock.timestamp_ns()
    with pytest.raises(ValidationError):
        h.node.process(_fill_like(fill, ts_event=before + 3_600_000_000_000))  # type: ignore[arg-type]
    assert h.node.clock.timestamp_ns() == before


# -- refused venue events -------------------------------------------------------------------------
def _partially_filled(h: Harness) -> tuple[Order, OrderFilled]:
    h.quote("100.00", "100.10", ask_size=40)
    order = h.submit(h.factory.limit(AAPL, BUY, qty(100), px("100.10")))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    (fill,) = h.of_type(OrderFilled, order)
    return order, fill


def test_fill_for_an_unknown_order_is_refused_and_changes_nothing() -> None:
    h = Harness()
    _, fill = _partially_filled(h)
    before = _snapshot(h)
    ghost = _fill_like(fill, client_order_id=ClientOrderId("O-GHOST-1"), trade_id=TradeId("SIM-T999"))
    h.node.execution.on_venue_event(ghost)
    assert _snapshot(h) == before
    assert len(h.node.execution.refused_events) == 1
    event, why = h.node.execution.refused_events[0]
    assert event is ghost and "unknown order" in why
    assert h.errors == [(ghost, why)]


def test_duplicate_fill_is_refused_and_changes_nothing() -> None:
    h = Harness()
    order, fill = _partially_filled(h)
    before = _snapshot(h)
    h.node.execution.on_venue_event(fill)  # the same TradeId again
    h.node.execution.on_venue_event(_fill_like(fill, ts_event=fill.ts_event + 1))  # same TradeId, other fields
    assert _snapshot(h) == before
    assert order.filled_qty == qty(40)
    assert [why for _, why in h.node.execution.refused_events] == [why for _, why in h.errors] and len(h.errors) == 2
    assert all("duplicate" in why for _, why in h.errors)


def test_overfill_is_refused_and_changes_nothing() -> None:
    h = Harness()
    order, fill = _partially_filled(h)
    before = _snapshot(h)
    over = _fill_like(fill, trade_id=TradeId("SIM-T900"), last_qty=qty(61))  # 40 + 61 > 100
    h.node.execution.on_venue_event(over)
    assert _snapshot(h) == before
    (refused,) = h.node.execution.refused_events
    assert refused[0] is over and "overfill" in refused[1]
    # exactly the leaves is fine (a legitimate fill from the venue's point of view)
    h.quote("100.00", "100.05", ask_size=100)
    assert order.status is OrderStatus.FILLED and h.position_raw() == raw(100)


def test_fill_on_a_closed_order_is_refused_and_changes_nothing() -> None:
    h = Harness()
    order, fill = _partially_filled(h)
    h.cancel(order)
    assert order.status is OrderStatus.CANCELED
    before = _snapshot(h)
    late = _fill_like(fill, trade_id=TradeId("SIM-T901"), last_qty=qty(10))
    h.node.execution.on_venue_event(late)
    assert _snapshot(h) == before
    assert len(h.errors) == 1 and h.errors[0][0] is late


def test_fill_with_non_positive_quantity_is_refused_and_changes_nothing() -> None:
    h = Harness()
    _, fill = _partially_filled(h)
    before = _snapshot(h)
    zero = _fill_like(fill, trade_id=TradeId("SIM-T902"), last_qty=qty(0))
    h.node.execution.on_venue_event(zero)
    assert _snapshot(h) == before
    assert h.errors[-1][0] is zero


@pytest.mark.parametrize(
    "change",
    [{"account_id": AccountId("OTHER-001")}, {"instrument_id": InstrumentId("ZZZZ.SIM")}],
    ids=["unknown-account", "unknown-instrument"],
)
def test_fill_naming_an_unknown_account_or_instrument_is_refused_and_changes_nothing(change: dict[str, Any]) -> None:
    h = Harness()
    _, fill = _partially_filled(h)
    before = _snapshot(h)
    bad = _fill_like(fill, trade_id=TradeId("SIM-T903"), **change)
    h.node.execution.on_venue_event(bad)
    assert _snapshot(h) == before
    assert h.errors[-1][0] is bad


def test_engine_keeps_trading_after_refusals() -> None:
    h = Harness()
    order, fill = _partially_filled(h)
    h.node.execution.on_venue_event(fill)
    h.node.execution.on_venue_event(_fill_like(fill, client_order_id=ClientOrderId("O-X-1")))
    assert len(h.errors) == 2
    h.quote("100.00", "100.05", ask_size=100)
    assert order.status is OrderStatus.FILLED
    sell = h.submit(h.factory.market(AAPL, SELL, qty(100)))
    assert sell.status is OrderStatus.FILLED
    assert h.position_raw() == 0
    account = h.node.portfolio.accounts[SIM_ACCOUNT]
    realized = sum(p.realized_raw for p in h.node.portfolio.closed_positions)
    assert account.balances[USD] - account.starting_balances[USD] == realized
    assert Money(raw=realized, currency=USD) == Money.of("-10.00", USD)  # 100 bought at 100.10, sold at 100.00
