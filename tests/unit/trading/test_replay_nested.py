"""A strategy that trades from inside its fill handler (``on_order_event`` for an ``OrderFilled``,
or ``on_position_event``) still leaves a journal that replays to the same orders, positions and
balances: the fill's position and account events are journaled (and the fill booked) right after
the fill, before any strategy hears of it, so what a strategy does in reaction comes after them,
nested fills included."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.commands import CancelOrder, Command, SubmitOrder
from nautilus_platform.model.data import BarSpecification, BarType, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus, PositionSide
from nautilus_platform.model.events import (
    AccountState,
    OrderEvent,
    OrderFilled,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.params import Param
from nautilus_platform.trading.journal import CompactJournal, InMemoryJournal, Journal
from nautilus_platform.trading.replay import replay_journal
from nautilus_platform.venues.simulated import SimulatedVenueConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
from replay_support import assert_same_state  # the replay tests' comparison

BUY, SELL = OrderSide.BUY, OrderSide.SELL
IID = InstrumentId("DEMO.SIM")
T0 = 1_700_000_000_000_000_000
SECOND_NS = 1_000_000_000


def _equity() -> Equity:
    return Equity(
        id=IID, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip


def assert_fills_followed_by_their_bookings(entries: list[Any]) -> None:
    """Each fill is followed at once by its position events and its ``AccountState``."""
    for index, entry in enumerate(entries):
        if type(entry) is not OrderFilled:
            continue
        after = index + 1
        while after < len(entries) and isinstance(entries[after], PositionEvent):
            assert entries[after].last_trade_id == entry.trade_id, (index, entries[after])
            after += 1
        assert after > index + 1, f"#{index + 1}: no position event right after {entry!r}"
        assert type(entries[after]) is AccountState, f"#{after + 1}: {entries[after]!r} before the fill's AccountState"
        assert entries[after].account_id == entry.account_id


# -- through a backtest: a strategy that trades from its fill and position handlers ------------------
class _ReactOnFill(Strategy):
    """Buys every few bars while flat; from the buy's fill handler it places a resting take-profit
    limit and sends the exit at market (filled at once, inside the handler: a nested fill); from
    the position handler, once flat, it cancels what still rests."""

    bar_type = Param(str, "")
    every = Param(int, 5, low=1)

    def on_start(self) -> None:
        bar_type = BarType.from_str(self.bar_type)
        self._iid = bar_type.instrument_id
        self._bars = 0
        self.seen_long_on_fill = 0
        self.subscribe_bars(bar_type)

    def on_bar(self, bar: Any) -> None:
        self._bars += 1
        if self._bars % self.every == 0 and self.is_flat(self._iid) and not self.open_orders(self._iid):
            self.submit(self.orders.market(self._iid, BUY, Quantity.of(10)))

    def on_order_event(self, event: OrderEvent) -> None:
        if type(event) is OrderFilled and event.order_side is BUY:  # type: ignore[attr-defined]
            if self.position_qty(self._iid) > 0:  # the fill is booked before the strategy hears of it
                self.seen_long_on_fill += 1
            far = Price.of("100000.00")
            self.submit(self.orders.limit(self._iid, SELL, Quantity.of(5), far))
            self.submit(self.orders.market(self._iid, SELL, Quantity.of(10)))

    def on_position_event(self, event: PositionEvent) -> None:
        if type(event) is PositionClosed:
            for order in self.open_orders(self._iid):
                self.cancel(order)


def _backtest(journal: Journal, oms: Any = None) -> tuple[TradingNode, _ReactOnFill]:
    data = simulate_bars(_equity(), BarSpecification.from_str("1-MINUTE-LAST"), 200, seed=3)
    strategy = _ReactOnFill(every=5)
    config = BacktestConfig(
        venues=[VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])],
        instruments=[_equity()], data=[data], strategies=[strategy], journal=journal, purge_every=None,
    )  # fmt: skip
    backtest = build_backtest(config)
    backtest.run()
    node = backtest.core
    assert isinstance(node, TradingNode)
    return node, strategy


@pytest.mark.parametrize("journal_kind", ["memory", "compact"])
def test_a_strategy_trading_from_its_fill_handler_replays_identically(journal_kind: str) -> None:
    journal: Journal = InMemoryJournal() if journal_kind == "memory" else CompactJournal(block_size=64)
    node, strategy = _backtest(journal)
    entries = [e for _, e in node.journal.entries()]
    fills = [e for e in entries if type(e) is OrderFilled]
    buys = [f for f in fills if f.order_side is BUY]
    assert len(buys) >= 10 and len(fills) == 2 * len(buys)  # every buy's exit filled inside its handler
    assert any(type(e) is CancelOrder for e in entries)  # sent from on_position_event
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates, verify=True)
    assert_same_state(node, replayed)
    assert_fills_followed_by_their_bookings(entries)
    assert strategy.seen_long_on_fill == len(buys)
    # the buy opens the position and its exit closes it: the exit (filled inside the buy's
    # handler) is booked after the buy, as in the journal
    opened = [e for e in entries if type(e) is PositionOpened]
    assert opened and all(e.side is PositionSide.LONG for e in opened)
    if isinstance(journal, CompactJournal):
        journal.close()


# -- through a node: handlers on the bus, as a strategy engine would dispatch them ------------------
class _Reactor:
    """Bus handlers of strategy S-1 on a node: on a buy's fill, a resting sell limit and the exit at
    market (filled at once); on a position change that is not flat, a cancel of the resting limit."""

    def __init__(self, node: TradingNode) -> None:
        self.node = node
        self.factory = node.order_factory("S-1")
        self.resting: list[Any] = []
        node.bus.subscribe("events.order.S-1", self.on_order_event)
        node.bus.subscribe("events.position.S-1", self.on_position_event)

    def send(self, command: Command) -> None:
        self.node.execute(command)

    def submit(self, order: Any) -> Any:
        self.send(
            SubmitOrder(ts_init=self.node.clock.timestamp_ns(), strategy_id=self.factory.strategy_id, order=order)
        )
        return order

    def on_order_event(self, event: OrderEvent) -> None:
        if type(event) is OrderFilled and event.order_side is BUY:  # type: ignore[attr-defined]
            self.resting.append(self.submit(self.factory.limit(IID, SELL, Quantity.of(3), Price.of("500.00"))))
            exit_order = self.submit(self.factory.market(IID, SELL, event.last_qty))  # type: ignore[attr-defined]
            assert exit_order.status is OrderStatus.FILLED  # nested: filled inside this handler

    def on_position_event(self, event: PositionEvent) -> None:
        for order in self.resting:
            if order.is_open:
                self.send(
                    CancelOrder(
                        ts_init=self.node.clock.timestamp_ns(), strategy_id=order.strategy_id,
                        instrument_id=order.instrument_id, client_order_id=order.client_order_id,
                    )
                )  # fmt: skip


def test_nested_fills_on_a_node_replay_identically() -> None:
    node = TradingNode(SimulatedClock(T0))
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    node.add_instrument(_equity())
    reactor = _Reactor(node)
    now = T0
    for step in range(12):
        now += SECOND_NS
        bid = Price.of(f"{100 + step % 5}.00")
        ask = Price.of(f"{100 + step % 5}.10")
        node.process(QuoteTick.of(IID, bid, ask, Quantity.of(1_000), Quantity.of(1_000), now))
        reactor.submit(reactor.factory.market(IID, BUY, Quantity.of(10 + step)))
    entries = [e for _, e in node.journal.entries()]
    assert sum(1 for e in entries if type(e) is OrderFilled) == 24
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates, verify=True)
    assert_same_state(node, replayed)
    assert_fills_followed_by_their_bookings(entries)
    closed = [e for e in entries if type(e) is PositionClosed]
    assert len(closed) == 12 and all(e.realized_pnl.currency == USD for e in closed)
