"""The demo: a scripted paper session through the whole trading core, on embedded defaults.

Two simulated venues (an equity venue with a USD margin account, a crypto venue with a USDT cash
account) receive **synthetic** quotes: a seeded random walk in ticks, labelled as such in the
output. A scripted strategy sends market, limit, bracket and stop orders, modifies and cancels
one, has one denied by the price collar, and flattens at the end; every order goes through risk,
routing, matching, positions and accounts exactly as in a backtest. Same seed, same output.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder, SubmitOrderList
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide
from nautilus_platform.model.events import OrderDenied, OrderFilled
from nautilus_platform.model.instruments import CryptoSpot, Equity, Instrument
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import BTC, USD, USDT, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.risk import RateLimit, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

SECOND_NS = 1_000_000_000
START_NS = 1_767_619_800 * SECOND_NS  # 2026-01-05 13:30:00 UTC
AAPL = InstrumentId("AAPL.XNAS")
BTCUSDT = InstrumentId("BTC/USDT.BINANCE")


@dataclass(frozen=True)
class DemoConfig:
    """Embedded defaults of the demo session."""

    seed: int = 7
    steps: int = 600  # quotes per instrument, one second apart
    start_ns: int = START_NS


@dataclass
class DemoResult:
    """The node after the session, and what happened in it."""

    node: TradingNode
    fills: list[OrderFilled] = field(default_factory=list)
    denials: list[OrderDenied] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def demo_instruments() -> list[Instrument]:
    aapl = Equity(
        id=AAPL, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, min_quantity=Quantity.of(1), max_quantity=Quantity.of(100_000),
        maker_fee=Decimal("0.0001"), taker_fee=Decimal("0.0005"), margin_init=Decimal("0.25"),
        margin_maint=Decimal("0.15"),
    )  # fmt: skip
    btc = CryptoSpot(
        id=BTCUSDT, price_precision=2, size_precision=4, tick_size=Price.of("0.01"),
        lot_size=Quantity.of("0.0001"), quote_currency=USDT, base_currency=BTC,
        min_quantity=Quantity.of("0.0001"), maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0004"),
    )  # fmt: skip
    return [aapl, btc]


def demo_risk_config() -> RiskConfig:
    return RiskConfig(
        defaults=RiskLimits(
            max_notional=Money.of(250_000, USD), collar_bps=300, max_open_orders=50,
            submit_rate=RateLimit(limit=100, interval_ns=SECOND_NS), max_drawdown_bps=2_000,
        )
    )  # fmt: skip


def synthetic_quotes(
    instrument: Instrument, start_price: Price, spread_ticks: int, size: Quantity, config: DemoConfig, salt: int
) -> Iterator[QuoteTick]:
    """A seeded random walk of L1 quotes, one per second (synthetic data, not market data)."""
    rng = random.Random(config.seed * 1_000 + salt)
    tick = instrument.tick_size.raw
    bid = start_price.raw
    precision = instrument.price_precision
    for step in range(config.steps):
        bid += rng.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2)) * tick
        ask = bid + spread_ticks * tick
        yield QuoteTick.of(
            instrument.id,
            Price(raw=bid, precision=precision),
            Price(raw=ask, precision=precision),
            size,
            size,
            config.start_ns + (step + 1) * SECOND_NS,
        )


def build_demo_node(config: DemoConfig) -> TradingNode:
    node = TradingNode(SimulatedClock(config.start_ns), risk_config=demo_risk_config())
    node.add_venue(
        SimulatedVenueConfig(venue_id="XNAS", fee_model=FeeModel()), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)]
    )
    node.add_venue(
        SimulatedVenueConfig(venue_id="BINANCE"), AccountType.CASH, USDT, [Money.of(200_000, USDT), Money.of(1, BTC)]
    )
    for instrument in demo_instruments():
        node.add_instrument(instrument)
    node.rates.set_fixed(USDT, USD, 1)  # USD-denominated risk limits apply to USDT orders at par
    return node


class _Script:
    """The scripted strategy: actions keyed by step, each sending one command."""

    def __init__(self, node: TradingNode, result: DemoResult) -> None:
        self.node = node
        self.result = result
        self.equities = node.order_factory("DEMO-EQ")
        self.crypto = node.order_factory("DEMO-CX")
        self.resting: Order | None = None
        self.actions: dict[int, Callable[[], None]] = {
            5: self.buy_aapl,
            15: self.buy_btc,
            30: self.rest_limit,
            60: self.modify_limit,
            90: self.cancel_limit,
            120: self.bracket,
            150: self.off_collar,
            200: self.sell_btc_limit,
            300: self.add_stop,
        }

    def submit(self, factory: OrderFactory, order: Order, note: str) -> None:
        now = self.node.clock.timestamp_ns()
        self.node.execute(SubmitOrder(ts_init=now, strategy_id=factory.strategy_id, order=order))
        self.result.log.append(f"{_time(now)} {note}: {order.client_order_id} -> {order.status.name}")

    def quote(self, iid: InstrumentId) -> QuoteTick:
        return self.node.cache.quotes[iid]

    def buy_aapl(self) -> None:
        self.submit(self.equities, self.equities.market(AAPL, OrderSide.BUY, Quantity.of(300)), "market buy 300 AAPL")

    def buy_btc(self) -> None:
        order = self.crypto.market(BTCUSDT, OrderSide.BUY, Quantity.of("0.75"))
        self.submit(self.crypto, order, "market buy 0.75 BTC")

    def rest_limit(self) -> None:
        px = Price(raw=self.quote(AAPL).bid_price.raw - 150 * 10**7, precision=2)
        self.resting = self.equities.limit(AAPL, OrderSide.BUY, Quantity.of(200), px)
        self.submit(self.equities, self.resting, f"limit buy 200 AAPL @ {px}")

    def modify_limit(self) -> None:
        assert self.resting is not None
        px = Price(raw=self.resting.price.raw + 50 * 10**7, precision=2)  # type: ignore[union-attr]
        now = self.node.clock.timestamp_ns()
        order = self.resting
        self.node.execute(
            ModifyOrder(
                ts_init=now, strategy_id=order.strategy_id, instrument_id=AAPL,
                client_order_id=order.client_order_id, price=px,
            )
        )  # fmt: skip
        self.result.log.append(f"{_time(now)} modify {order.client_order_id} to {px} -> {order.status.name}")

    def cancel_limit(self) -> None:
        assert self.resting is not None
        order = self.resting
        now = self.node.clock.timestamp_ns()
        self.node.execute(
            CancelOrder(
                ts_init=now, strategy_id=order.strategy_id, instrument_id=AAPL, client_order_id=order.client_order_id
            )
        )
        self.result.log.append(f"{_time(now)} cancel {order.client_order_id} -> {order.status.name}")

    def bracket(self) -> None:
        ask = self.quote(AAPL).ask_price.raw
        tp = Price(raw=ask + 40 * 10**7, precision=2)
        sl = Price(raw=ask - 40 * 10**7, precision=2)
        orders = self.equities.bracket(AAPL, OrderSide.BUY, Quantity.of(100), take_profit=tp, stop_loss=sl)
        now = self.node.clock.timestamp_ns()
        self.node.execute(
            SubmitOrderList(
                ts_init=now, strategy_id=self.equities.strategy_id, order_list_id=orders.order_list_id,
                orders=orders.orders,
            )
        )  # fmt: skip
        statuses = ", ".join(f"{o.client_order_id}={o.status.name}" for o in orders.orders)
        self.result.log.append(f"{_time(now)} bracket buy 100 AAPL tp {tp} sl {sl}: {statuses}")

    def off_collar(self) -> None:
        px = Price(raw=self.quote(AAPL).bid_price.raw * 9 // 10 // 10**7 * 10**7, precision=2)
        self.submit(self.equities, self.equities.limit(AAPL, OrderSide.BUY, Quantity.of(10), px), f"limit @ {px}")

    def sell_btc_limit(self) -> None:
        px = Price(raw=self.quote(BTCUSDT).ask_price.raw + 2_000 * 10**7, precision=2)
        self.submit(self.crypto, self.crypto.limit(BTCUSDT, OrderSide.SELL, Quantity.of("0.5"), px), f"sell @ {px}")

    def add_stop(self) -> None:
        px = Price(raw=self.quote(AAPL).bid_price.raw - 30 * 10**7, precision=2)
        order = self.equities.stop_market(AAPL, OrderSide.SELL, Quantity.of(200), px, reduce_only=True)
        self.submit(self.equities, order, f"protective stop 200 AAPL @ {px}")

    def flatten(self) -> None:
        """Cancel what is working, then close every open position at market."""
        now = self.node.clock.timestamp_ns()
        cancelled = self.node.execution.cancel_everything("end of session")
        self.result.log.append(f"{_time(now)} end of session: cancelled {cancelled} open orders")
        for position in self.node.portfolio.open_positions():
            factory = self.equities if position.strategy_id == self.equities.strategy_id else self.crypto
            side = OrderSide.SELL if position.signed_raw > 0 else OrderSide.BUY
            order = factory.market(position.instrument_id, side, position.quantity, reduce_only=True)
            self.submit(factory, order, f"flatten {position.instrument_id}")


def run_demo(config: DemoConfig | None = None) -> DemoResult:
    """Run the scripted session; deterministic for a given config."""
    config = config or DemoConfig()
    node = build_demo_node(config)
    result = DemoResult(node)
    node.bus.subscribe("events.order.*", lambda e: _collect(result, e))
    script = _Script(node, result)
    aapl, btc = demo_instruments()
    feeds = zip(
        synthetic_quotes(aapl, Price.of("190.00"), 2, Quantity.of(2_000), config, 1),
        synthetic_quotes(btc, Price.of("43000.00"), 50, Quantity.of(3), config, 2),
        strict=True,
    )
    for step, (aapl_quote, btc_quote) in enumerate(feeds):
        node.process(aapl_quote)
        node.process(btc_quote)
        action = script.actions.get(step)
        if action is not None:
            action()
    script.flatten()
    return result


def _collect(result: DemoResult, event: object) -> None:
    if type(event) is OrderFilled:
        result.fills.append(event)
    elif type(event) is OrderDenied:
        result.denials.append(event)
        result.log.append(
            f"{_time(event.ts_event)} DENIED {event.client_order_id}: {event.reason.value} {event.message}"
        )


def _time(ts_ns: int) -> str:
    seconds = ts_ns // SECOND_NS
    return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
