"""Audit of the strategy engine: a faulted strategy leaves no order working (not even one on its way
to the venue when the fault came), and a parameter cannot take a name the base class uses."""

from __future__ import annotations

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderEvent, OrderSubmitted
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy import Param, Strategy, StrategyEngine, StrategyState
from nautilus_platform.venues.simulated import SimulatedVenueConfig
from nautilus_platform.venues.simulated.latency import LatencyModel

AAPL = InstrumentId("AAPL.SIM")


def quote(ts: int) -> QuoteTick:
    return QuoteTick(instrument_id=AAPL, bid_price=Price.of("99.99"), ask_price=Price.of("100.01"),
                     bid_size=Quantity.of(100), ask_size=Quantity.of(100), ts_event=ts, ts_init=ts)  # fmt: skip


def node_with_latency(latency_ns: int) -> TradingNode:
    node = TradingNode(SimulatedClock(0))
    node.add_venue(
        SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(latency_ns)), AccountType.MARGIN, USD,
        [Money.of(1_000_000, USD)],
    )  # fmt: skip
    node.add_instrument(
        Equity(
            id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD,
        )
    )  # fmt: skip
    node.process(quote(0))
    return node


class FaultsOnSubmitted(Strategy):
    """Sends resting limit orders (one, or an OCO pair) in ``on_start``; its ``on_order_event``
    raises on the first ``OrderSubmitted``, while the order is on its way to the venue."""

    pair = Param(bool, False)

    def on_start(self) -> None:
        first = self.orders.limit(AAPL, OrderSide.BUY, Quantity.of(1), Price.of("90.00"))
        if self.pair:
            second = self.orders.limit(AAPL, OrderSide.SELL, Quantity.of(1), Price.of("110.00"))
            orders = self.orders.oco(first, second)
            self.sent: list[Order] = list(orders.orders)
            self.submit_list(orders)
        else:
            self.sent = [first]
            self.submit(first)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderSubmitted):
            raise RuntimeError("bug in the submitted handler")


class Resting(Strategy):
    """Keeps one resting limit order: another strategy's fault must leave it alone."""

    def on_start(self) -> None:
        self.order = self.orders.limit(AAPL, OrderSide.BUY, Quantity.of(1), Price.of("80.00"))
        self.submit(self.order)


@pytest.mark.parametrize("latency_ns", [0, 1_000])
@pytest.mark.parametrize("pair", [False, True])
def test_an_order_on_its_way_to_the_venue_when_the_strategy_faults_does_not_stay_working(
    latency_ns: int, pair: bool
) -> None:
    node = node_with_latency(latency_ns)
    eng = StrategyEngine(node)
    bad, other = FaultsOnSubmitted("bad", pair=pair), Resting("other")
    eng.add(other)
    eng.add(bad)
    eng.start()
    node.advance_time(10_000)  # past the venue's latency: every order sent has reached it
    node.process(quote(20_000))
    assert bad.state is StrategyState.FAULTED
    assert [(str(e.strategy_id), e.callback) for e in eng.errors] == [("bad", "on_order_event")]
    # Before: the venue accepted the order after the fault's cancel was rejected (the venue did not
    # have it yet), and it worked on for a strategy that no longer runs.
    assert [order.status for order in bad.sent] == [OrderStatus.CANCELED] * len(bad.sent)
    assert node.cache.orders_open(strategy_id=bad.id) == []
    assert other.state is StrategyState.RUNNING and other.order.status is OrderStatus.ACCEPTED
    assert node.cache.orders_open(strategy_id=other.id) == [other.order]


class MarketOnStart(FaultsOnSubmitted):
    def on_start(self) -> None:
        self.sent = [self.orders.market(AAPL, OrderSide.BUY, Quantity.of(2))]
        self.submit(self.sent[0])


@pytest.mark.parametrize("latency_ns", [0, 1_000])
def test_a_market_order_on_its_way_when_the_strategy_faults_fills_as_before(latency_ns: int) -> None:
    node = node_with_latency(latency_ns)
    eng = StrategyEngine(node)
    strategy = MarketOnStart("m")
    eng.add(strategy)
    eng.start()
    node.advance_time(10_000)
    assert strategy.state is StrategyState.FAULTED
    assert strategy.sent[0].status is OrderStatus.FILLED and strategy.position_qty(AAPL) == 2


def test_a_parameter_named_as_a_base_class_attribute_is_refused_when_the_class_is_made() -> None:
    # Before: ``id`` and ``state`` were overwritten by the constructor (the value given was lost and
    # ``params`` reported the strategy id), ``log`` hid the method, ``orders`` failed to set.
    for name in ("id", "state", "log", "orders", "submit"):
        with pytest.raises(ValidationError, match=rf"invalid Bad\.{name}='{name}': is a name the Strategy base"):
            type("Bad", (Strategy,), {name: Param(int, 3)})


def test_parameters_with_other_names_still_work() -> None:
    class Fine(Strategy):
        size = Param(int, 3, low=1)
        venue = Param(str, "SIM")

    strategy = Fine(size="5")
    assert strategy.params == {"size": 5, "venue": "SIM"}
