"""A node with several L2 venues listing one crypto pair, and helpers to drive routed orders."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from nautilus_platform.core.clock import Clock, SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, StrategyId, VenueId
from nautilus_platform.data.engine import MarketDataEngine
from nautilus_platform.model.commands import CancelOrder, SubmitOrder
from nautilus_platform.model.data import OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.events import OrderEvent, OrderFilled
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import Currency, Money, Price, Quantity
from nautilus_platform.routing import RouterConfig, SmartOrderRouter
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.engine import StrategyEngine
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, LatencyModel, SimulatedVenueConfig
from nautilus_platform.venues.simulated.venue import BookType

BTC = Currency.from_str("BTC")
USDT = Currency.from_str("USDT")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
STRATEGY = StrategyId("S")
Level = tuple[str, str]


def listing(venue: str, lot: str = "1", minimum: str | None = None, maximum: str | None = None) -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId(f"BTCUSDT.{venue}"), price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(lot), quote_currency=USDT, base_currency=BTC,
        min_quantity=Quantity.of(minimum) if minimum is not None else None,
        max_quantity=Quantity.of(maximum) if maximum is not None else None,
    )  # fmt: skip


class RoutingHarness:
    """Venues ``{name: taker bps}``, each an L2 venue (``book_type``) with a cash account; routing
    enabled; on a simulated clock unless ``clock`` is given (a ``LiveClock`` for a paper node).
    ``sizes`` gives a listing's ``(min_quantity, max_quantity)``."""

    def __init__(
        self,
        taker_bps: dict[str, str],
        latency_ns: dict[str, int] | None = None,
        config: RouterConfig | None = None,
        risk: RiskConfig | None = None,
        lots: dict[str, str] | None = None,
        clock: Clock | None = None,
        sizes: dict[str, tuple[str | None, str | None]] | None = None,
        book_type: BookType = "L2",
    ) -> None:
        self.clock = clock if clock is not None else SimulatedClock(1_000)
        limits = RiskLimits(reference_source=PriceSource.MARK, check_balance=False)
        self.node = TradingNode(self.clock, risk_config=risk or RiskConfig(defaults=limits))
        latency_ns = latency_ns or {}
        for venue, bps in taker_bps.items():
            self.node.add_venue(
                SimulatedVenueConfig(
                    venue_id=venue, book_type=book_type,
                    fee_model=FeeModel(maker_bps=Decimal(0), taker_bps=Decimal(bps)),
                    latency_model=LatencyModel(insert_ns=latency_ns.get(venue, 0)),
                ),
                AccountType.CASH, USDT, [Money.of(10_000_000, USDT), Money.of(1_000, BTC)],
            )  # fmt: skip
            self.node.add_instrument(
                listing(venue, (lots or {}).get(venue, "1"), *(sizes or {}).get(venue, (None, None)))
            )
        self.router: SmartOrderRouter = self.node.enable_routing(config)
        self.data = MarketDataEngine(self.node)
        self.factory = OrderFactory(STRATEGY, self.clock)
        self.parent_events: list[OrderEvent] = []
        self.child_events: list[OrderEvent] = []
        self.node.bus.subscribe(f"events.routed.{STRATEGY}", self.parent_events.append)
        self.node.bus.subscribe(f"events.order.{STRATEGY}", self.child_events.append)
        self._seq = 0

    @property
    def now(self) -> int:
        return self.clock.timestamp_ns()

    def book(self, venue: str, bids: Sequence[Level] = (), asks: Sequence[Level] = (), step_ns: int = 1) -> None:
        self._seq += 1
        snapshot = OrderBookSnapshot.of(
            InstrumentId(f"BTCUSDT.{venue}"),
            [(Price.of(p, 2), Quantity.of(q, 4)) for p, q in bids],
            [(Price.of(p, 2), Quantity.of(q, 4)) for p, q in asks],
            ts_event=self.now + step_ns, sequence=self._seq,
        )  # fmt: skip
        assert self.data.process(snapshot)

    def quote(self, venue: str, bid: Level, ask: Level, step_ns: int = 1) -> None:
        """A top-of-book quote ``(price, size)`` a side on ``venue``."""
        quote = QuoteTick(
            instrument_id=InstrumentId(f"BTCUSDT.{venue}"), bid_price=Price.of(bid[0], 2), ask_price=Price.of(ask[0], 2),
            bid_size=Quantity.of(bid[1], 4), ask_size=Quantity.of(ask[1], 4), ts_event=self.now + step_ns,
            ts_init=self.now + step_ns,
        )  # fmt: skip
        assert self.data.process(quote)

    def advance(self, ts_ns: int) -> None:
        self.node.advance_time(ts_ns)

    def submit(
        self,
        side: OrderSide,
        quantity: str,
        price: str | None = None,
        policy: RoutingPolicy = RoutingPolicy.BEST_PRICE,
        home: str | None = None,
        **route: object,
    ) -> Order:
        instrument_id = InstrumentId(f"BTCUSDT.{home or next(iter(self.node.venues))}")
        qty = Quantity.of(quantity, 4)
        order = (
            self.factory.market(instrument_id, side, qty)
            if price is None
            else self.factory.limit(instrument_id, side, qty, Price.of(price, 2))
        )
        instruction = RoutingInstruction(policy=policy, **route)  # type: ignore[arg-type]
        self.node.execute(SubmitOrder(ts_init=self.now, strategy_id=STRATEGY, order=order, route=instruction))
        return order

    def cancel(self, order: Order) -> None:
        self.node.execute(
            CancelOrder(
                ts_init=self.now, strategy_id=STRATEGY, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
            )
        )  # fmt: skip

    def child_fills(self) -> list[OrderFilled]:
        return [e for e in self.child_events if isinstance(e, OrderFilled)]

    def children(self, parent: Order) -> list[Order]:
        prefix = f"{parent.client_order_id}-"
        return [o for cid, o in self.node.cache.orders.items() if cid.startswith(prefix)]

    def filled_by_venue(self) -> dict[VenueId, Decimal]:
        totals: dict[VenueId, Decimal] = {}
        for fill in self.child_fills():
            venue = fill.instrument_id.venue
            totals[venue] = totals.get(venue, Decimal(0)) + fill.last_qty.as_decimal()
        return totals


def two_venues(**kwargs: object) -> RoutingHarness:
    """A: 10 bps taker, asks 100.00 x 3, 100.10 x 5. B: no fee, asks 100.05 x 4, 100.20 x 10."""
    h = RoutingHarness({"A": "10", "B": "0"}, **kwargs)  # type: ignore[arg-type]
    h.book("A", bids=[("99.90", "5")], asks=[("100.00", "3"), ("100.10", "5")])
    h.book("B", bids=[("99.95", "5"), ("99.80", "10")], asks=[("100.05", "4"), ("100.20", "10")])
    return h


def strategies_on_two_l1_venues(*strategies: Strategy) -> tuple[RoutingHarness, StrategyEngine]:
    """Venues A and B (no fees, L1 books, routing on) with ``strategies`` added and started."""
    h = RoutingHarness({"A": "0", "B": "0"}, book_type="L1")
    engine = StrategyEngine(h.node)
    for strategy in strategies:
        engine.add(strategy)
    engine.start()
    return h, engine
