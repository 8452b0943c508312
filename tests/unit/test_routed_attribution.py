"""Which orders are a routed parent's children: only those the router created for it.

A routed child carries a ``parent:<id>`` tag, but tags are free-form: a strategy may put any text
there. Before, a backtest's results named an order's parent from that tag, so a strategy's own order
tagged ``parent:XYZ`` got ``parent_order_id`` ``XYZ`` (with or without routing), and one tagged with
a routed parent's id was counted among that parent's children. The router now reports the children
it stores and sends (``SmartOrderRouter.on_child``); the results take the parent from there.

The router also took a strategy's order that reused a working child's id, denied as a duplicate, for
that child's own denial: it stopped following the child (still working on its venue) and routed the
quantity again, so the parent had twice its quantity working.

Children are built unvalidated (``OrderFactory(validate=False)``) and checked on submit like any
order; across listings with different ticks, lots and size limits each child is still valid there.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, StrategyId
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.commands import CancelOrder, SubmitOrder
from nautilus_platform.model.data import OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderStatus, OrderType, TimeInForce
from nautilus_platform.model.events import OrderDenied, OrderEvent
from nautilus_platform.model.instruments import CryptoSpot, Equity
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import USD, Currency, Money, Price, Quantity
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

VENUES = ("ALPHA", "BETA")
ROUTE = RoutingInstruction(policy=RoutingPolicy.LOWEST_COST)


def equity(symbol: str) -> Equity:
    return Equity(
        id=InstrumentId(symbol),
        price_precision=2,
        size_precision=0,
        tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1),
        quote_currency=USD,
        taker_fee=Decimal(0),
        maker_fee=Decimal(0),
    )


class Tagged(Strategy):
    """Routes a market buy (when ``routed``), then sends ALPHA its own orders tagged as children: one
    naming the routed parent (``parent:XYZ`` without routing), one ``parent:XYZ``; then a bracket."""

    routed = True

    def on_start(self) -> None:
        self.count = 0
        self.parent: Order | None = None
        self.own: list[Order] = []
        self.subscribe_quotes("DEMO.ALPHA")

    def on_quote(self, quote: QuoteTick) -> None:
        self.count += 1
        iid = quote.instrument_id
        if self.count == 5 and self.routed:
            self.parent = self.orders.market(iid, OrderSide.BUY, Quantity.of(150))
            self.submit(self.parent, route=ROUTE)
        elif self.count in (10, 12):
            named = self.parent.client_order_id if self.parent is not None and self.count == 10 else "XYZ"
            order = self.orders.market(iid, OrderSide.SELL, Quantity.of(3), tags=(f"parent:{named}", "route:take"))
            self.own.append(order)
            self.submit(order)
        elif self.count == 14:
            bid = quote.bid_price.as_decimal()
            bracket = self.orders.bracket(
                iid,
                OrderSide.BUY,
                Quantity.of(5),
                take_profit=Price.of(str(bid + 50)),
                stop_loss=Price.of(str(bid - 50)),
            )
            self.submit_list(bracket)


def tagged_run(routed: bool) -> tuple[dict[str, str], list[dict[str, object]], Tagged]:
    """The run's ``parent_order_id`` by order id, its parent rows, and the strategy."""
    instruments = [equity(f"DEMO.{v}") for v in VENUES]
    setups = [
        VenueSetup(SimulatedVenueConfig(venue_id=v, fee_model=FeeModel()), AccountType.MARGIN, USD, [Money.of(10**6, USD)])
        for v in VENUES
    ]  # fmt: skip
    strategy = Tagged("t")
    strategy.routed = routed
    result = run_backtest(
        BacktestConfig(
            venues=setups,
            instruments=instruments,
            data=simulate_quotes(instruments, 60, seed=3),
            strategies=[strategy],
            routing=RouterConfig() if routed else None,
        )
    )
    assert not result.strategy_errors
    return {o.client_order_id: o.parent_order_id for o in result.orders}, result.parent_order_rows(), strategy


@pytest.mark.parametrize("routed", [False, True], ids=["plain", "routed"])
def test_a_parent_tag_makes_no_order_a_child(routed: bool) -> None:
    named, rows, strategy = tagged_run(routed)
    own = [str(o.client_order_id) for o in strategy.own]
    assert len(own) == 2 and all(cid in named for cid in own)
    assert [named[cid] for cid in own] == ["", ""]  # before: ["XYZ", "XYZ"] plain, [parent, "XYZ"] routed
    parent = str(strategy.parent.client_order_id) if strategy.parent is not None else ""
    assert bool(parent) is routed
    # a bracket's exits still name their entry (their contingent parent); the entry names none
    exits = {cid: p for cid, p in named.items() if p and p != parent}
    assert len(exits) == 2 and len(set(exits.values())) == 1
    assert named[next(iter(exits.values()))] == ""
    if not routed:
        assert not rows
        return
    children = sorted(cid for cid, p in named.items() if p == parent)
    # exactly the router's children, each named ``<parent>-<n>``; nothing else names the parent
    assert children and all(cid.startswith(f"{parent}-") for cid in children)
    assert children == sorted(cid for cid in named if cid.startswith(f"{parent}-"))
    assert [(r["client_order_id"], r["children"]) for r in rows] == [(parent, len(children))]  # before: one more


# -- a node with listings of one pair that differ in tick, lot and size limits ----------------------

BTC = Currency.from_str("BTC")
USDT = Currency.from_str("USDT")
STRATEGY = StrategyId("S")
#: venue -> (price precision, tick, size precision, lot, min quantity, max quantity)
LISTINGS: dict[str, tuple[int, str, int, str, str | None, str | None]] = {
    "A": (2, "0.01", 4, "0.0001", None, None),
    "B": (2, "0.05", 1, "0.5", "1.5", None),
    "C": (1, "0.5", 0, "2", "4", "10"),
}


class Listings:
    """Venues A, B, C listing BTCUSDT (``LISTINGS``) with L2 books, routing on, no fees."""

    def __init__(self) -> None:
        self.clock = SimulatedClock(1_000)
        limits = RiskLimits(reference_source=PriceSource.MARK, check_balance=False)
        self.node = TradingNode(self.clock, risk_config=RiskConfig(defaults=limits))
        for venue, (pp, tick, sp, lot, low, high) in LISTINGS.items():
            fees = FeeModel(maker_bps=Decimal(0), taker_bps=Decimal(0))
            self.node.add_venue(
                SimulatedVenueConfig(venue_id=venue, book_type="L2", fee_model=fees),
                AccountType.CASH,
                USDT,
                [Money.of(10_000_000, USDT), Money.of(1_000, BTC)],
            )
            self.node.add_instrument(
                CryptoSpot(
                    id=InstrumentId(f"BTCUSDT.{venue}"),
                    price_precision=pp,
                    size_precision=sp,
                    tick_size=Price.of(tick),
                    lot_size=Quantity.of(lot),
                    quote_currency=USDT,
                    base_currency=BTC,
                    min_quantity=Quantity.of(low) if low else None,
                    max_quantity=Quantity.of(high) if high else None,
                )
            )
        self.router = self.node.enable_routing()
        self.data = MarketDataEngine(self.node)
        self.factory = OrderFactory(STRATEGY, self.clock)
        self.events: list[OrderEvent] = []
        self.node.bus.subscribe(f"events.order.{STRATEGY}", self.events.append)
        self.seq = 0

    def book(self, venue: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        pp, _, sp, *_ = LISTINGS[venue]
        self.seq += 1
        snapshot = OrderBookSnapshot.of(
            InstrumentId(f"BTCUSDT.{venue}"),
            [(Price.of(p, pp), Quantity.of(q, sp)) for p, q in bids],
            [(Price.of(p, pp), Quantity.of(q, sp)) for p, q in asks],
            ts_event=self.clock.timestamp_ns() + 1,
            sequence=self.seq,
        )
        assert self.data.process(snapshot)

    def route(self, order: Order, policy: RoutingPolicy = RoutingPolicy.BEST_PRICE) -> Order:
        route = RoutingInstruction(policy=policy)
        self.node.execute(
            SubmitOrder(ts_init=self.clock.timestamp_ns(), strategy_id=STRATEGY, order=order, route=route)
        )
        return order

    def send(self, order: Order) -> Order:
        self.node.execute(SubmitOrder(ts_init=self.clock.timestamp_ns(), strategy_id=STRATEGY, order=order))
        return order

    def children(self, parent: Order) -> list[Order]:
        prefix = f"{parent.client_order_id}-"
        return [o for cid, o in self.node.cache.orders.items() if cid.startswith(prefix)]


def books() -> Listings:
    h = Listings()
    h.book("A", [("99.90", "0.3")], [("100.00", "0.3"), ("100.20", "0.5")])
    h.book("B", [("99.95", "1")], [("100.05", "1"), ("100.10", "4.5")])  # 1 at 100.05: below B's minimum
    h.book("C", [("99.5", "6")], [("100.5", "6"), ("101.0", "20")])
    return h


def qty(text: str) -> Quantity:
    return Quantity.of(text, 4)


def px(text: str) -> Price:
    return Price.of(text, 3)


HOME = InstrumentId("BTCUSDT.A")
PARENTS = [
    pytest.param(lambda f: f.market(HOME, OrderSide.BUY, qty("25.5")), id="market-buy"),
    pytest.param(lambda f: f.market(HOME, OrderSide.SELL, qty("13.7")), id="market-sell"),
    pytest.param(lambda f: f.limit(HOME, OrderSide.BUY, qty("20"), px("100.237")), id="limit-buy-rests"),
    pytest.param(lambda f: f.limit(HOME, OrderSide.SELL, qty("9.9"), px("99.613")), id="limit-sell-rests"),
    pytest.param(
        lambda f: f.limit(HOME, OrderSide.BUY, qty("7.5"), px("100.117"), time_in_force=TimeInForce.IOC),
        id="limit-ioc",
    ),
    pytest.param(lambda f: f.limit(HOME, OrderSide.BUY, qty("6"), px("99.877"), post_only=True), id="post-only-rests"),
]


@pytest.mark.parametrize("make", PARENTS)
@pytest.mark.parametrize("policy", [RoutingPolicy.BEST_PRICE, RoutingPolicy.LOWEST_COST, RoutingPolicy.FASTEST])
def test_every_child_is_valid_on_its_own_listing(make, policy: RoutingPolicy) -> None:  # type: ignore[no-untyped-def]
    h = books()
    parent = h.route(make(h.factory), policy)
    children = h.children(parent)
    assert children, parent.status
    assert not [e for e in h.events if isinstance(e, OrderDenied)]  # none refused by validation or risk
    for child in children:
        pp, tick, sp, lot, low, high = LISTINGS[str(child.instrument_id.venue)]
        assert child.quantity.precision == sp and child.quantity.raw % Quantity.of(lot).raw == 0
        assert low is None or child.quantity.raw >= Quantity.of(low).raw
        assert high is None or child.quantity.raw <= Quantity.of(high).raw
        if child.price is not None:
            assert child.price.precision == pp and child.price.raw % Price.of(tick).raw == 0
    # re-routed children (a market child a venue could not fill) are over: never more than the parent works
    working = sum(c.quantity.raw - c.filled_raw for c in children if c.is_open)
    assert sum(c.filled_raw for c in children) == parent.filled_raw
    assert parent.filled_raw + working <= parent.quantity.raw
    assert parent.status in (
        OrderStatus.FILLED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.ACCEPTED,
        OrderStatus.CANCELED,
    )


def test_an_order_reusing_a_working_childs_id_is_not_taken_for_that_child() -> None:
    h = books()
    parent = h.route(h.factory.limit(HOME, OrderSide.BUY, qty("2"), px("90"), time_in_force=TimeInForce.GTC))
    (child,) = h.children(parent)
    assert child.status is OrderStatus.ACCEPTED and parent.status is OrderStatus.ACCEPTED
    reuse = h.factory.create(HOME, OrderSide.BUY, OrderType.MARKET, qty("1"), client_order_id=child.client_order_id)
    h.send(reuse)
    assert reuse.status is OrderStatus.DENIED
    denied = [e for e in h.events if isinstance(e, OrderDenied)]
    assert [e.reason for e in denied] == [DenyReason.DUPLICATE_CLIENT_ORDER_ID]
    # the child still works and is still the parent's: nothing routed again (before: a second child of 2)
    assert h.router.is_child(child.client_order_id) and child.status is OrderStatus.ACCEPTED
    assert h.children(parent) == [child]
    assert h.router.children[child.client_order_id].status != "DENIED"
    h.node.execute(
        CancelOrder(
            ts_init=h.clock.timestamp_ns(),
            strategy_id=STRATEGY,
            instrument_id=parent.instrument_id,
            client_order_id=parent.client_order_id,
        )
    )
    assert child.status is OrderStatus.CANCELED and parent.status is OrderStatus.CANCELED


def test_a_child_denied_for_an_id_in_use_is_rerouted_and_the_order_of_that_id_stays_its_own() -> None:
    h = books()
    user = h.send(
        h.factory.create(
            HOME,
            OrderSide.BUY,
            OrderType.LIMIT,
            qty("1"),
            price=Price.of("80.00", 2),
            client_order_id=ClientOrderId("P-1"),
        )
    )
    assert user.status is OrderStatus.ACCEPTED
    parent = h.route(
        h.factory.create(
            HOME, OrderSide.BUY, OrderType.LIMIT, qty("2"), price=px("90"), client_order_id=ClientOrderId("P")
        )
    )
    assert parent.status is OrderStatus.ACCEPTED and user.status is OrderStatus.ACCEPTED
    (child,) = (o for o in h.children(parent) if o is not user)
    assert child.client_order_id == "P-2" and child.status is OrderStatus.ACCEPTED
    assert not h.router.is_child(user.client_order_id) and h.router.is_child(child.client_order_id)
