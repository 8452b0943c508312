"""Smart order router: routing decisions per second and end-to-end routed orders (JSON lines out).

1. ``decisions_per_s`` / ``decision_p99_us``: ``routing.decision.decide`` for marketable orders
   across 5 venues with 10-level books (seeded random prices, sizes and taker fees); order sizes
   cycle from 1 to 40 lots so a decision sweeps from one to many levels on several venues; the
   policies alternate between best price and lowest cost.
2. ``orders_per_s_routed``: the ``orders`` workload (half market orders filled at once, half
   resting limits then cancelled) with every order routed by the smart order router across 5 L1
   venues; each routed market order is split over two venues.

``python benchmarks/sor.py [N]`` (default 200,000 decisions and 100,000 routed orders).
"""

from __future__ import annotations

import gc
import random
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit, peak_rss_mb, percentile, scale_from_argv
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId, VenueId
from nautilus_platform.model.commands import CancelOrder, SubmitOrder
from nautilus_platform.model.data import OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.instruments import CryptoSpot
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import Currency, Money, Price, Quantity
from nautilus_platform.routing.config import ScoreWeights
from nautilus_platform.routing.decision import decide
from nautilus_platform.routing.listings import Listing, ListingGroup, VenueState
from nautilus_platform.service.node import TradingNode
from nautilus_platform.service.runtime import tune_gc
from nautilus_platform.trading.journal import CompactJournal
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

NAME = "sor"
B = 1_000_000_000
VENUES = 5
LEVELS = 10
USDT, BTC = Currency.from_str("USDT"), Currency.from_str("BTC")


def instrument(venue: str) -> CryptoSpot:
    return CryptoSpot(
        id=InstrumentId(f"BTCUSDT.{venue}"), price_precision=2, size_precision=3, tick_size=Price.of("0.01"),
        lot_size=Quantity.of("0.001"), quote_currency=USDT, base_currency=BTC,
    )  # fmt: skip


def decision_group(rng: random.Random) -> ListingGroup:
    listings = []
    for v in range(VENUES):
        venue = VenueId(f"V{v}")
        inst = instrument(venue)
        state = VenueState(venue, rng.randrange(0, 5_000_000), None)
        listing = Listing(inst, state, Fraction(rng.randrange(0, 11), 10_000), Fraction(0))
        best_ask = 50_000_00 + rng.randrange(0, 10)  # cents: the venues' levels interleave
        asks = [
            (Price(raw=(best_ask + 5 * i) * 10**7, precision=2), Quantity.of(rng.randrange(1, 6), 3))
            for i in range(LEVELS)
        ]
        bids = [
            (Price(raw=(best_ask - 10 - 5 * i) * 10**7, precision=2), Quantity.of(rng.randrange(1, 6), 3))
            for i in range(LEVELS)
        ]
        listing.book.apply_snapshot(OrderBookSnapshot.of(inst.id, bids, asks, ts_event=1))
        listings.append(listing)
    return ListingGroup("BTCUSDT", listings)


def bench_decisions(n: int) -> None:
    rng = random.Random(7)
    group = decision_group(rng)
    weights = ScoreWeights()
    routes = [RoutingInstruction(policy=RoutingPolicy.BEST_PRICE), RoutingInstruction(policy=RoutingPolicy.LOWEST_COST)]
    sizes = [(1 + i % 40) * B // 4 for i in range(64)]  # 0.25 .. 10 BTC: one level to most of the book
    parent = ClientOrderId("P-1")
    latencies = [0] * n
    perf = time.perf_counter_ns
    children = 0
    gc.collect()
    gc.freeze()
    start = perf()
    for i in range(n):
        t0 = perf()
        decision = decide(group, parent, i, i % 2 == 0, sizes[i % 64], None, False, False, routes[i % 2], weights)
        latencies[i] = perf() - t0
        children += len(decision.children)
    elapsed = perf() - start
    latencies.sort()
    emit(NAME, "decisions_per_s", round(n / (elapsed / 1e9)), "decisions/s")
    emit(NAME, "decision_p50_us", round(percentile(latencies, 0.50) / 1000, 2), "us")
    emit(NAME, "decision_p99_us", round(percentile(latencies, 0.99) / 1000, 2), "us")
    emit(NAME, "children_per_decision", round(children / n, 2), "children")


def routed_node() -> tuple[TradingNode, list[InstrumentId]]:
    limits = RiskLimits(reference_source=PriceSource.MARK, check_balance=False, max_open_orders=10_000)
    node = TradingNode(
        SimulatedClock(1_700_000_000 * B), risk_config=RiskConfig(defaults=limits), journal=CompactJournal()
    )
    ids = []
    for v in range(VENUES):
        venue = f"V{v}"
        node.add_venue(
            SimulatedVenueConfig(venue_id=venue, fee_model=FeeModel(taker_bps=Decimal(v), maker_bps=Decimal(0))),
            AccountType.MARGIN, USDT, [Money.of(10**9, USDT)],
        )  # fmt: skip
        node.add_instrument(instrument(venue))
        ids.append(InstrumentId(f"BTCUSDT.{venue}"))
    node.enable_routing()
    return node, ids


def bench_routed_orders(n: int) -> None:
    node, ids = routed_node()
    clock = node.clock
    assert isinstance(clock, SimulatedClock)
    bus = node.bus
    # every venue quotes 5 BTC a side: an 8 BTC order takes two venues; the quotes are refreshed
    # before each market order (the data engine's path: node, then the bus), outside the timing
    size = Quantity.of(5, 3)
    quotes = [
        (
            QuoteTick.of(iid, Price.of(f"{49_990 + k}.00"), Price.of(f"{50_000 + k}.00"), size, size, 1),
            f"data.quotes.{iid}",
        )
        for k, iid in enumerate(ids)
    ]

    def refresh() -> None:
        for quote, topic in quotes:
            node.process(quote)
            bus.publish(topic, quote)

    refresh()
    factory = node.order_factory("BENCH")
    sid = factory.strategy_id
    execute = node.execute
    route = RoutingInstruction()
    qty = Quantity.of(8, 3)
    far = Price.of("40000.00")
    buy, sell = OrderSide.BUY, OrderSide.SELL
    latencies = [0] * n
    perf = time.perf_counter_ns
    router = node.router
    assert router is not None
    gc.collect()
    gc.freeze()
    tune_gc()
    refresh_ns = 0
    start = perf()
    for i in range(n):
        if i % 2 == 0:
            t0 = perf()
            refresh()
            refresh_ns += perf() - t0
            order = factory.market(ids[0], buy if i % 4 == 0 else sell, qty)
            t0 = perf()
            execute(SubmitOrder(ts_init=0, strategy_id=sid, order=order, route=route))
            latencies[i] = perf() - t0
            if order.status is not OrderStatus.FILLED:
                raise SystemExit(f"routed market order {i} not filled: {order.status.name} {order.events[-1]}")
        else:
            order = factory.limit(ids[0], buy, qty, far)
            t0 = perf()
            execute(SubmitOrder(ts_init=0, strategy_id=sid, order=order, route=route))
            latencies[i] = perf() - t0
            execute(
                CancelOrder(ts_init=0, strategy_id=sid, instrument_id=ids[0], client_order_id=order.client_order_id)
            )
            if order.status is not OrderStatus.CANCELED:
                raise SystemExit(f"routed limit order {i} not cancelled: {order.status.name} {order.events[-1]}")
        if i % 1_000 == 999:
            clock.advance_time(clock.timestamp_ns() + 1_000_000)
        if i % 5_000 == 4_999:
            node.housekeeping()
    elapsed = perf() - start - refresh_ns
    latencies.sort()
    emit(NAME, "orders_per_s_routed", round(n / (elapsed / 1e9)), "orders/s")
    emit(NAME, "routed_latency_p50_us", round(percentile(latencies, 0.50) / 1000, 2), "us")
    emit(NAME, "routed_latency_p99_us", round(percentile(latencies, 0.99) / 1000, 2), "us")
    emit(NAME, "peak_rss_mb", peak_rss_mb(), "MiB")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    scale = scale_from_argv(200_000)
    bench_decisions(scale)
    bench_routed_orders(max(1_000, scale // 2))
