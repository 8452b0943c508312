"""The strategy engine: registration, lifecycle, timers and contained failures."""

from __future__ import annotations

import pytest

from nautilus_platform.core.clock import SimulatedClock, TimeEvent
from nautilus_platform.core.errors import ConfigurationError, DuplicateError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import Command, SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderStatus, OrderType
from nautilus_platform.model.events import OrderAccepted, OrderDenied, OrderEvent, PositionEvent
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy import Strategy, StrategyEngine, StrategyState
from nautilus_platform.venues.simulated import SimulatedVenueConfig

S = 1_000_000_000
AAPL = InstrumentId("AAPL.SIM")


class Ticker(Strategy):
    def on_start(self) -> None:
        self.fired: list[int] = []
        self.set_timer("beat", S, self.beat)
        self.log("started")

    def beat(self, event: TimeEvent) -> None:
        self.fired.append(event.ts_event)
        if len(self.fired) == 3:
            raise ValueError("third beat")


class BadStart(Strategy):
    def on_start(self) -> None:
        raise KeyError("missing config")


def engine() -> tuple[TradingNode, StrategyEngine]:
    node = TradingNode(SimulatedClock(0))
    return node, StrategyEngine(node)


def test_timer_failures_stop_the_strategy_and_its_timers() -> None:
    node, eng = engine()
    ticker = Ticker("t")
    eng.add(ticker)
    eng.start()
    assert eng.logs[0].message == "started" and str(eng.logs[0].strategy_id) == "t"
    node.advance_time(10 * S)
    assert ticker.fired == [S, 2 * S, 3 * S]  # no beat after the failure
    assert ticker.state is StrategyState.FAULTED
    (error,) = eng.errors
    assert (error.callback, error.error, error.ts) == ("timer beat", "ValueError: third beat", 3 * S)
    assert "t.beat" not in node.clock.timer_names


def test_a_failing_on_start_faults_only_that_strategy() -> None:
    _, eng = engine()
    bad, good = BadStart("bad"), Ticker("good")
    eng.add(bad)
    eng.add(good)
    eng.start()
    assert bad.state is StrategyState.FAULTED and good.state is StrategyState.RUNNING
    assert eng.errors[0].callback == "on_start" and "missing config" in eng.errors[0].error


def test_registration_rules_and_a_stopped_strategy_cannot_trade() -> None:
    node, eng = engine()
    strategy = Strategy("s")
    with pytest.raises(ConfigurationError, match="not registered"):
        _ = strategy.clock
    eng.add(strategy)
    with pytest.raises(DuplicateError):
        eng.add(Strategy("s"))
    with pytest.raises(ConfigurationError, match="another engine"):
        StrategyEngine(node).add(strategy)
    eng.start()
    eng.stop()
    assert strategy.state is StrategyState.STOPPED
    with pytest.raises(ConfigurationError, match="stopped: it cannot send SubmitOrder"):
        strategy.submit(strategy.orders.market(InstrumentId("X.SIM"), OrderSide.BUY, Quantity.of(1)))


class Listener(Strategy):
    def on_start(self) -> None:
        self.seen: list[str] = []

    def on_order_event(self, event: OrderEvent) -> None:
        self.seen.append(type(event).__name__)

    def on_position_event(self, event: PositionEvent) -> None:
        self.seen.append(type(event).__name__)


def trading_engine() -> StrategyEngine:
    return StrategyEngine(trading_node())


def trading_node() -> TradingNode:
    node = TradingNode(SimulatedClock(0))
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    node.add_instrument(
        Equity(
            id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD,
        )
    )  # fmt: skip
    node.process(QuoteTick(instrument_id=AAPL, bid_price=Price.of("99.99"), ask_price=Price.of("100.01"),
                           bid_size=Quantity.of(100), ask_size=Quantity.of(100), ts_event=0, ts_init=0))  # fmt: skip
    return node


def event_topics(eng: StrategyEngine, strategy: Strategy) -> list[str]:
    return [topic for topic, _ in eng._subscriptions[strategy.id] if topic.startswith("events.")]


def test_order_and_position_events_reach_the_strategies_that_handle_them() -> None:
    eng = trading_engine()
    listener, quiet = Listener("listener"), Strategy("quiet")
    eng.add(listener)
    eng.add(quiet)
    # A strategy that keeps the base class's (empty) event callbacks has no event handlers on the bus.
    assert event_topics(eng, quiet) == []
    assert event_topics(eng, listener) == ["events.order.listener", "events.position.listener"]
    eng.start()
    listener.submit(listener.orders.market(AAPL, OrderSide.BUY, Quantity.of(10)))
    quiet.submit(quiet.orders.market(AAPL, OrderSide.BUY, Quantity.of(5)))
    assert listener.seen == ["OrderSubmitted", "OrderAccepted", "OrderFilled", "PositionOpened"]
    assert quiet.is_flat(AAPL) is False  # its order went through all the same


def test_an_event_callback_set_on_the_instance_is_called() -> None:
    eng = trading_engine()
    strategy = Strategy("patched")
    seen: list[OrderEvent] = []
    strategy.on_order_event = seen.append  # type: ignore[method-assign]
    eng.add(strategy)
    eng.start()
    strategy.submit(strategy.orders.market(AAPL, OrderSide.SELL, Quantity.of(1)))
    assert [type(event).__name__ for event in seen] == ["OrderSubmitted", "OrderAccepted", "OrderFilled"]


def a_quote(ts: int) -> QuoteTick:
    return QuoteTick(instrument_id=AAPL, bid_price=Price.of("99.98"), ask_price=Price.of("100.02"),
                     bid_size=Quantity.of(100), ask_size=Quantity.of(100), ts_event=ts, ts_init=ts)  # fmt: skip


class FaultsThenSubscribes(Strategy):
    """``on_start``'s first order faults it (its ``on_order_event`` raises); ``on_start`` then goes on."""

    def on_start(self) -> None:
        self.quotes = 0
        self.submit(self.orders.market(AAPL, OrderSide.BUY, Quantity.of(1)))
        self.subscribe_quotes(AAPL)
        self.set_timer("late", S, lambda event: None)

    def on_order_event(self, event: OrderEvent) -> None:
        raise RuntimeError("event handler bug")

    def on_quote(self, quote: QuoteTick) -> None:
        self.quotes += 1


def test_a_callback_running_on_after_the_fault_cannot_subscribe_the_strategy_again() -> None:
    eng = trading_engine()
    strategy = FaultsThenSubscribes("late")
    eng.add(strategy)
    eng.start()
    assert strategy.state is StrategyState.FAULTED
    assert [(e.callback, e.error) for e in eng.errors] == [("on_order_event", "RuntimeError: event handler bug")]
    # on_start's subscribe raised (the strategy is faulted): logged, not reported as a second fault
    assert [record.message.split(":")[0] for record in eng.logs] == ["on_start raised after the fault"]
    assert not any(topic.startswith("data.") for topic, _ in eng._subscriptions[strategy.id])
    assert not any(name.startswith("late.") for name in eng.clock.timer_names)
    eng.bus.publish(f"data.quotes.{AAPL}", a_quote(1))
    assert strategy.quotes == 0  # a faulted strategy gets no data


class SubscribesTwice(Strategy):
    def on_start(self) -> None:
        self.quotes = 0
        self.subscribe_quotes(AAPL)
        self.subscribe_quotes(str(AAPL))

    def on_quote(self, quote: QuoteTick) -> None:
        self.quotes += 1


def test_subscribing_twice_to_the_same_data_delivers_each_item_once() -> None:
    eng = trading_engine()
    strategy = SubscribesTwice("twice")
    eng.add(strategy)
    eng.start()
    eng.bus.publish(f"data.quotes.{AAPL}", a_quote(1))
    assert strategy.quotes == 1
    eng.stop()
    eng.bus.publish(f"data.quotes.{AAPL}", a_quote(2))
    assert strategy.quotes == 1 and not eng.bus.has_subscribers(f"data.quotes.{AAPL}")


def test_a_stopped_strategy_cannot_subscribe_or_set_timers() -> None:
    _, eng = engine()
    strategy = Strategy("s")
    eng.add(strategy)
    with pytest.raises(ConfigurationError, match=r"ready: it cannot subscribe to quotes of AAPL\.SIM"):
        strategy.subscribe_quotes(AAPL)
    eng.start()
    eng.stop()
    with pytest.raises(ConfigurationError, match="stopped: it cannot set timer beat"):
        strategy.set_timer("beat", S, lambda event: None)
    with pytest.raises(ConfigurationError, match="stopped: it cannot set time alert once"):
        strategy.set_time_alert("once", S, lambda event: None)
    assert not any(name.startswith("s.") for name in eng.clock.timer_names)


class ClosesOnStop(Strategy):
    def on_start(self) -> None:
        self.submit(self.orders.market(AAPL, OrderSide.BUY, Quantity.of(10)))

    def on_stop(self) -> None:
        self.closing = self.close_position(AAPL)


def test_orders_sent_from_on_stop_go_through_and_then_the_strategy_is_stopped() -> None:
    eng = trading_engine()
    strategy = ClosesOnStop("closer")
    eng.add(strategy)
    eng.start()
    assert strategy.position_qty(AAPL) == 10
    eng.stop()
    (closing,) = strategy.closing  # one order a listing with a position: here the one venue's
    assert closing.status.name == "FILLED" and closing.reduce_only
    assert strategy.is_flat(AAPL) and strategy.state is StrategyState.STOPPED and not eng.errors


class Closer(Strategy):
    """Records the orders ``on_order_closed`` reports (and raises on the one named ``fail_on``)."""

    def on_start(self) -> None:
        self.closed: list[tuple[str, str, int]] = []
        self.reported: list[Order] = []
        self.fail_on = ""

    def on_order_closed(self, order: Order) -> None:
        self.closed.append((str(order.client_order_id), order.status.name, order.filled_raw))
        self.reported.append(order)
        if str(order.client_order_id) == self.fail_on:
            raise RuntimeError("closed handler bug")


def test_on_order_closed_reports_each_submitted_order_once_when_it_closes() -> None:
    eng = trading_engine()
    strategy = Closer("c")
    eng.add(strategy)
    assert event_topics(eng, strategy) == ["events.order.c", "events.routed.c"]
    eng.start()
    filled = strategy.orders.market(AAPL, OrderSide.BUY, Quantity.of(10))
    strategy.submit(filled)  # fills at once: reported inside submit
    assert strategy.closed == [(str(filled.client_order_id), "FILLED", Quantity.of(10).raw)]
    resting = strategy.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    strategy.submit(resting)  # accepted and working: not reported
    denied = strategy.orders.market(AAPL, OrderSide.BUY, Quantity.of(10**9))
    strategy.submit(denied)  # denied by risk
    assert strategy.closed[1:] == [(str(denied.client_order_id), "DENIED", 0)]
    strategy.cancel(resting)
    assert strategy.closed[2:] == [(str(resting.client_order_id), "CANCELED", 0)]
    bracket = strategy.orders.bracket(
        AAPL, OrderSide.BUY, Quantity.of(3), take_profit=Price.of("120.00"), stop_loss=Price.of("80.00")
    )
    strategy.submit_list(bracket)  # the entry fills; its exits work
    entry, *exits = bracket.orders
    assert strategy.closed[3:] == [(str(entry.client_order_id), "FILLED", Quantity.of(3).raw)]
    strategy.cancel(exits[0])  # cancels its OCO sibling too
    assert sorted(cid for cid, _, _ in strategy.closed[4:]) == sorted(str(o.client_order_id) for o in exits)
    assert not eng._followed[strategy.id]  # closed orders are not kept


def test_a_raising_on_order_closed_faults_the_strategy_and_nothing_is_reported_after() -> None:
    eng = trading_engine()
    strategy = Closer("c")
    eng.add(strategy)
    eng.start()
    resting = strategy.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    strategy.submit(resting)
    strategy.fail_on = "O-c-2"
    strategy.submit(strategy.orders.market(AAPL, OrderSide.BUY, Quantity.of(1)))
    assert strategy.state is StrategyState.FAULTED
    assert [(e.callback, e.error) for e in eng.errors] == [("on_order_closed", "RuntimeError: closed handler bug")]
    assert resting.status.name == "CANCELED"  # cancelled by the fault, not reported
    assert [cid for cid, _, _ in strategy.closed] == ["O-c-2"] and not eng._followed[strategy.id]


def followed(eng: StrategyEngine, strategy: Strategy) -> dict[str, str]:
    return {str(cid): order.status.name for cid, order in eng._followed[strategy.id].items()}


def test_an_order_denied_for_a_duplicate_id_is_reported_and_the_order_with_that_id_is_still_followed() -> None:
    eng = trading_engine()
    strategy = Closer("c")
    eng.add(strategy)
    eng.start()
    denials: list[OrderDenied] = []
    eng.bus.subscribe("events.order.c", lambda e: denials.append(e) if isinstance(e, OrderDenied) else None)
    resting = strategy.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    strategy.submit(resting)
    cid = resting.client_order_id
    same_id = strategy.orders.create(AAPL, OrderSide.SELL, OrderType.LIMIT, Quantity.of(5), price=Price.of("110.00"),
                                     client_order_id=cid)  # fmt: skip
    strategy.submit(same_id)
    assert [d.reason for d in denials] == [DenyReason.DUPLICATE_CLIENT_ORDER_ID]
    (reported,) = strategy.reported  # the denied order, not the working one of the same id
    assert reported is same_id and same_id.status is OrderStatus.DENIED
    assert resting.status is OrderStatus.ACCEPTED and followed(eng, strategy) == {str(cid): "ACCEPTED"}
    # In a list, every order is denied (the list as a whole), each reported once, in event order.
    again = strategy.orders.create(AAPL, OrderSide.SELL, OrderType.LIMIT, Quantity.of(5), price=Price.of("111.00"),
                                   client_order_id=cid)  # fmt: skip
    fresh = strategy.orders.limit(AAPL, OrderSide.SELL, Quantity.of(5), Price.of("112.00"))
    pair = strategy.orders.oco(again, fresh)
    strategy.submit_list(pair)
    assert strategy.reported[1:] == list(pair.orders)
    assert [o.status for o in pair.orders] == [OrderStatus.DENIED, OrderStatus.DENIED]
    assert followed(eng, strategy) == {str(cid): "ACCEPTED"} and not eng._duplicates[strategy.id]
    strategy.cancel(resting)  # the working order is still followed and reported when it closes
    assert strategy.reported[3:] == [resting] and strategy.closed[3] == (str(cid), "CANCELED", 0)
    assert not followed(eng, strategy)


class Refusing:
    """A trading node whose ``execute`` raises while ``refuse`` is set (as a bad command would)."""

    def __init__(self, node: TradingNode) -> None:
        self.node = node
        self.clock, self.bus, self.cache, self.portfolio = node.clock, node.bus, node.cache, node.portfolio
        self.refuse = True

    def execute(self, command: Command) -> None:
        if self.refuse:
            raise ValidationError("venue", "X", "is not a venue")
        self.node.execute(command)


def test_a_submit_that_raises_follows_no_order_the_core_did_not_take() -> None:
    core = Refusing(trading_node())
    eng = StrategyEngine(core)
    strategy = Closer("c")
    eng.add(strategy)
    eng.start()
    first = strategy.orders.market(AAPL, OrderSide.BUY, Quantity.of(5))
    with pytest.raises(ValidationError, match="is not a venue"):  # reaches the caller, as before
        strategy.submit(first)
    with pytest.raises(ValidationError, match="is not a venue"):
        strategy.submit_list(strategy.orders.bracket(
            AAPL, OrderSide.BUY, Quantity.of(3), take_profit=Price.of("120.00"), stop_loss=Price.of("80.00")
        ))  # fmt: skip
    assert first.status is OrderStatus.INITIALIZED and not followed(eng, strategy) and not strategy.closed
    core.refuse = False
    # A later order with the id of the one that never went is followed and reported (not the stale one).
    retry = strategy.orders.create(AAPL, OrderSide.BUY, OrderType.MARKET, Quantity.of(5),
                                   client_order_id=first.client_order_id)  # fmt: skip
    strategy.submit(retry)
    assert strategy.reported == [retry] and retry.status is OrderStatus.FILLED and not followed(eng, strategy)

    # An exception after the core took the order (here a listener of its events) keeps it followed.
    def raises_on_accept(event: OrderEvent) -> None:
        if isinstance(event, OrderAccepted):
            raise RuntimeError("listener bug")

    eng.bus.subscribe("events.order.c", raises_on_accept)
    resting = strategy.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    with pytest.raises(RuntimeError, match="listener bug"):
        strategy.submit(resting)
    eng.bus.unsubscribe("events.order.c", raises_on_accept)
    assert followed(eng, strategy) == {str(resting.client_order_id): "ACCEPTED"}
    strategy.cancel(resting)
    assert strategy.reported[1:] == [resting] and not followed(eng, strategy)


class SubmitsOnStart(Closer):
    def on_start(self) -> None:
        super().on_start()
        self.submit(self.orders.market(AAPL, OrderSide.BUY, Quantity.of(5)))


def test_a_submit_that_raises_in_a_callback_faults_the_strategy_and_leaves_nothing_followed() -> None:
    eng = StrategyEngine(Refusing(trading_node()))
    strategy = SubmitsOnStart("c")
    eng.add(strategy)
    eng.start()
    assert [(e.callback, e.error) for e in eng.errors] == [
        ("on_start", "ValidationError: invalid venue='X': is not a venue")
    ]
    assert strategy.state is StrategyState.FAULTED and not followed(eng, strategy)


def test_a_stopped_strategy_follows_no_order() -> None:
    eng = trading_engine()
    strategy = Closer("c")
    eng.add(strategy)
    eng.start()
    resting = strategy.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    strategy.submit(resting)
    eng.stop()  # its orders are kept, but ``on_order_closed`` is never called again
    assert resting.status is OrderStatus.ACCEPTED and not followed(eng, strategy)
    eng.core.execute(SubmitOrder(ts_init=0, strategy_id=strategy.id, order=strategy.orders.market(
        AAPL, OrderSide.SELL, Quantity.of(100)
    )))  # fmt: skip
    assert not strategy.reported and not followed(eng, strategy)


def test_an_order_sent_in_another_strategys_name_is_not_followed() -> None:
    eng = trading_engine()
    sender, other = Closer("sender"), Closer("other")
    eng.add(sender)
    eng.add(other)
    eng.start()
    order = other.orders.limit(AAPL, OrderSide.BUY, Quantity.of(5), Price.of("90.00"))
    # Its events go to ``events.order.other``: the sender would never see it close.
    eng.execute(sender, SubmitOrder(ts_init=0, strategy_id=other.id, order=order))
    assert not followed(eng, sender)
    eng.execute(sender, SubmitOrder(ts_init=0, strategy_id=sender.id, order=sender.orders.market(
        AAPL, OrderSide.BUY, Quantity.of(1)
    )))  # fmt: skip
    assert [o.status.name for o in sender.reported] == ["FILLED"] and not other.reported
