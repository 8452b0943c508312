"""Shared builders for the end-to-end execution tests through ``TradingNode``.

Imported by the ``test_exec_*`` modules beside it (pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from nautilus_platform.core.clock import LiveClock, SimulatedClock
from nautilus_platform.core.identifiers import AccountId, InstrumentId
from nautilus_platform.model.commands import CancelOrder, Command, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.data import QuoteTick, TradeTick
from nautilus_platform.model.enums import AccountType, AggressorSide, OrderSide, OrderStatus
from nautilus_platform.model.events import (
    AccountState,
    Event,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    PositionEvent,
    RiskLimitsChanged,
)
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.order_factory import OrderFactory, OrderList
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Currency, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS
T0 = 1_767_619_800 * SECOND_NS  # 2026-01-05 13:30:00 UTC
AAPL = InstrumentId("AAPL.SIM")
MSFT = InstrumentId("MSFT.SIM")
SIM_ACCOUNT = AccountId("SIM-001")

E = TypeVar("E", bound=Event)


def px(value: str | int) -> Price:
    return Price.of(value, 2)


def qty(value: int) -> Quantity:
    return Quantity.of(value, 0)


def equity(
    instrument_id: InstrumentId = AAPL,
    maker_fee: str = "0",
    taker_fee: str = "0",
    quote_currency: Currency = USD,
) -> Equity:
    return Equity(
        id=instrument_id,
        price_precision=2,
        size_precision=0,
        tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1),
        quote_currency=quote_currency,
        maker_fee=Decimal(maker_fee),
        taker_fee=Decimal(taker_fee),
        margin_init=Decimal("0.25"),
        margin_maint=Decimal("0.15"),
    )


class Harness:
    """A node with one (or more) simulated venues, a strategy's order factory and an event log."""

    def __init__(
        self,
        limits: RiskLimits | None = None,
        venue: SimulatedVenueConfig | None = None,
        instruments: Iterable[InstrumentId] = (AAPL,),
        balance: int = 1_000_000,
        start_ns: int = T0,
        add_default_venue: bool = True,
    ) -> None:
        self.node = TradingNode(SimulatedClock(start_ns), risk_config=RiskConfig(defaults=limits or RiskLimits()))
        self.now = start_ns
        self.events: list[Any] = []
        self.errors: list[tuple[OrderEvent, str]] = []
        self.node.bus.subscribe("events.*", self.events.append)
        self.node.bus.subscribe("events.error", self.errors.append)
        if add_default_venue:
            self.node.add_venue(
                venue or SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(balance, USD)]
            )
            for iid in instruments:
                self.node.add_instrument(equity(iid))
        self.factory: OrderFactory = self.node.order_factory("S-1")

    # -- market data -----------------------------------------------------------------------
    def tick(self, step_ns: int = SECOND_NS) -> int:
        self.now += step_ns
        return self.now

    def quote(
        self,
        bid: str,
        ask: str,
        bid_size: int = 100,
        ask_size: int = 100,
        instrument_id: InstrumentId = AAPL,
        step_ns: int = SECOND_NS,
    ) -> QuoteTick:
        q = QuoteTick.of(instrument_id, px(bid), px(ask), qty(bid_size), qty(ask_size), self.tick(step_ns))
        self.node.process(q)
        return q

    def trade(self, price: str, size: int = 100, instrument_id: InstrumentId = AAPL) -> TradeTick:
        ts = self.tick()
        t = TradeTick.of(instrument_id, px(price), qty(size), AggressorSide.BUYER, f"X-{ts}", ts)
        self.node.process(t)
        return t

    def advance(self, ts_ns: int) -> None:
        self.now = max(self.now, ts_ns)
        self.node.advance_time(ts_ns)

    # -- commands --------------------------------------------------------------------------
    def submit(self, order: Order, factory: OrderFactory | None = None) -> Order:
        f = factory or self.factory
        self.node.execute(SubmitOrder(ts_init=self.node.clock.timestamp_ns(), strategy_id=f.strategy_id, order=order))
        return order

    def submit_list(self, orders: OrderList, factory: OrderFactory | None = None) -> OrderList:
        f = factory or self.factory
        self.node.execute(
            SubmitOrderList(
                ts_init=self.node.clock.timestamp_ns(),
                strategy_id=f.strategy_id,
                order_list_id=orders.order_list_id,
                orders=orders.orders,
            )
        )
        return orders

    def modify(
        self,
        order: Order,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
    ) -> None:
        self.node.execute(
            ModifyOrder(
                ts_init=self.node.clock.timestamp_ns(),
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                quantity=quantity,
                price=price,
                trigger_price=trigger_price,
            )
        )

    def cancel(self, order: Order) -> None:
        self.node.execute(
            CancelOrder(
                ts_init=self.node.clock.timestamp_ns(),
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
            )
        )

    # -- queries ---------------------------------------------------------------------------
    def of_type(self, kind: type[E], order: Order | None = None) -> list[E]:
        return [
            e
            for e in self.events
            if type(e) is kind and (order is None or getattr(e, "client_order_id", None) == order.client_order_id)
        ]

    def kinds(self, order: Order) -> list[str]:
        """Names of the events the engine applied to ``order`` (after its ``OrderInitialized``)."""
        return [type(e).__name__ for e in order.events[1:]]

    def position_raw(self, instrument_id: InstrumentId = AAPL) -> int:
        return self.node.portfolio.net_positions.get(instrument_id, 0)

    def balance_raw(self, account_id: AccountId = SIM_ACCOUNT, currency: Currency = USD) -> int:
        return self.node.portfolio.accounts[account_id].balances.get(currency, 0)


def paper_node(insert_ns: int) -> TradingNode:
    """A paper node on the wall clock (build it inside a running asyncio loop): one margin venue
    whose orders reach it ``insert_ns`` after they are sent, and AAPL with a 5 bps taker fee."""
    node = TradingNode(LiveClock())
    node.add_venue(
        SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(insert_ns=insert_ns)),
        AccountType.MARGIN, USD, [Money.of(100_000, USD)],
    )  # fmt: skip
    node.add_instrument(
        Equity(
            id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=USD, taker_fee=Decimal("0.0005"),
        )
    )  # fmt: skip
    return node


def status(order: Order) -> OrderStatus:
    return order.status


def raw(value: int | str) -> int:
    """A price or quantity as a raw fixed-point int (scale 10**9)."""
    return Price.of(value).raw


def check_journal(node: TradingNode, published: list[Any]) -> list[Any]:
    """Assert the journal's invariants; returns its entries in order.

    - sequence numbers are 1..n without gaps;
    - every event published on the bus (order, position and account events; not the refusals on
      ``events.error``) is in the journal, in publication order, and nothing else is except the
      commands and the ``OrderInitialized`` of each stored order;
    - a command comes before the events it causes: a submit is followed at once by the orders'
      ``OrderInitialized``, an order's first non-init event follows the command that brought it;
      a modify / cancel command is followed by the answer for that order;
    - position and account events follow the fill that caused them.
    """
    entries = list(node.journal.entries())
    assert [seq for seq, _ in entries] == list(range(1, len(entries) + 1))
    items = [entry for _, entry in entries]
    # the node's starting risk configuration, journaled (and published) before anyone subscribes
    start = next((i for i, e in enumerate(items) if type(e) is not RiskLimitsChanged), len(items))
    journaled_events = [e for e in items[start:] if not isinstance(e, Command) and type(e) is not OrderInitialized]
    bus_events = [e for e in published if not isinstance(e, tuple)]
    assert journaled_events == bus_events
    initialized: set[Any] = set()
    for index, entry in enumerate(items):
        if isinstance(entry, SubmitOrder | SubmitOrderList):
            orders = [entry.order] if isinstance(entry, SubmitOrder) else list(entry.orders)
            following = items[index + 1 : index + 1 + len(orders)]
            stored = [o for o in orders if node.cache.orders.get(o.client_order_id) is o]
            assert [e.client_order_id for e in following[: len(stored)] if type(e) is OrderInitialized] == [
                o.client_order_id for o in stored
            ]
        elif isinstance(entry, ModifyOrder | CancelOrder):
            answer = next(
                (e for e in items[index + 1 :] if getattr(e, "client_order_id", None) == entry.client_order_id),
                None,
            )
            allowed = (
                {"OrderPendingUpdate", "OrderModifyRejected", "OrderUpdated"}
                if isinstance(entry, ModifyOrder)
                else {"OrderPendingCancel", "OrderCancelRejected", "OrderCanceled"}
            )
            assert answer is not None and type(answer).__name__ in allowed, (entry, answer)
        elif type(entry) is OrderInitialized:
            initialized.add(entry.client_order_id)
        elif isinstance(entry, OrderEvent) and type(entry).__name__ not in (
            "OrderModifyRejected",
            "OrderCancelRejected",
        ):
            assert entry.client_order_id in initialized, entry
        if isinstance(entry, PositionEvent):
            fill = items[index - 1]
            assert type(fill) is OrderFilled and fill.trade_id == entry.last_trade_id
            assert type(items[index + 1]) is AccountState
    return items


def long_with_oco_exits(h: Harness, step_ns: int = 2_000_000) -> tuple[Order, Order]:
    """Buy 100 AAPL at market, then send an OCO of a take-profit limit at 101.00 and a stop at
    99.00 for it (``step_ns`` of venue time after each); returns (take-profit, stop)."""
    h.quote("100.00", "100.10", ask_size=500)
    f = h.factory
    h.submit(f.market(AAPL, OrderSide.BUY, qty(100)))
    h.advance(h.now + step_ns)
    take_profit, stop = h.submit_list(
        f.oco(
            f.limit(AAPL, OrderSide.SELL, qty(100), px("101.00")),
            f.stop_market(AAPL, OrderSide.SELL, qty(100), px("99.00")),
        )
    ).orders
    h.advance(h.now + step_ns)
    return take_profit, stop
