"""A strategy routes orders across three venues in a backtest: results, report and facade."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from backtest_support import equity

from nautilus_platform.backtest.report import write_backtest_report
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderEvent, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, RoutingPolicy
from nautilus_platform.model.values import USD, Money, Quantity
from nautilus_platform.routing import RouterConfig
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest, run_backtest
from nautilus_platform.service.routing import execution_quality, parent_orders, routing_decisions
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.params import Param
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

VENUES = ("ALPHA", "BETA", "GAMMA")


class RoutedFlipper(Strategy):
    """Every ``every`` quotes, routes a market order for ``size`` (alternating buy and sell)."""

    every = Param(int, 50, low=1, help="quotes between orders")
    size = Param(int, 150, low=1, help="shares per order")

    def on_start(self) -> None:
        self.count = 0
        self.parents: list[OrderEvent] = []
        self.subscribe_quotes("DEMO.ALPHA")

    def on_quote(self, quote: QuoteTick) -> None:
        self.count += 1
        if self.count % int(self.params["every"]) == 0:
            side = OrderSide.BUY if (self.count // int(self.params["every"])) % 2 else OrderSide.SELL
            order = self.orders.market(quote.instrument_id, side, Quantity.of(int(self.params["size"])))
            self.submit(order, route=RoutingInstruction(policy=RoutingPolicy.LOWEST_COST))

    def on_routed_order_event(self, event: OrderEvent) -> None:
        self.parents.append(event)


def venue_setups() -> list[VenueSetup]:
    """One margin account of 1,000,000 USD per venue; taker fees 0, 2 and 4 bp."""
    return [
        VenueSetup(
            SimulatedVenueConfig(venue_id=v, fee_model=FeeModel(taker_bps=Decimal(i * 2), maker_bps=Decimal(0))),
            AccountType.MARGIN, USD, [Money.of(1_000_000, USD)],
        )
        for i, v in enumerate(VENUES)
    ]  # fmt: skip


def config(strategy: Strategy) -> BacktestConfig:
    instruments = [equity(f"DEMO.{v}") for v in VENUES]
    setups = venue_setups()
    data = simulate_quotes(instruments, 2_000, seed=11)
    return BacktestConfig(
        venues=setups, instruments=instruments, data=data, strategies=[strategy], routing=RouterConfig()
    )


def test_routed_backtest_reports_execution_quality_per_venue(tmp_path: Path) -> None:
    strategy = RoutedFlipper("flip")
    result = run_backtest(config(strategy))
    assert result.routing_decisions >= 40
    filled = [e for e in strategy.parents if isinstance(e, OrderFilled)]
    assert filled and all(str(e.client_order_id).startswith("O-flip-") for e in filled)
    venues = {str(f.instrument_id).split(".")[1] for f in result.fills}
    assert len(venues) >= 2  # 150 shares is more than one venue shows (1..100 lots)
    rows = {row["key"]: row for row in result.execution_quality}
    assert set(rows) <= set(VENUES) and len(rows) >= 2
    child_qty = sum(f.last_qty.as_decimal() for f in result.fills)
    assert sum(Decimal(str(row["filled_qty"])) for row in rows.values()) == child_qty
    assert result.summary()["routing_decisions"] == result.routing_decisions
    report = write_backtest_report(result, config(RoutedFlipper("x")).data, tmp_path / "r.html", "routed")
    assert "Execution quality by venue" in report.read_text()
    paths = result.export(tmp_path / "out", formats=("csv",))
    assert tmp_path / "out" / "execution_quality.csv" in paths


def test_routed_backtest_is_deterministic_and_the_facade_gives_plain_data() -> None:
    first = run_backtest(config(RoutedFlipper("flip")))
    second = run_backtest(config(RoutedFlipper("flip")))
    assert [(f.trade_id, f.last_px, f.last_qty) for f in first.fills] == [
        (f.trade_id, f.last_px, f.last_qty) for f in second.fills
    ]
    backtest = build_backtest(config(RoutedFlipper("flip")))
    backtest.run()
    node = backtest.core
    decisions = routing_decisions(node, limit=5)  # type: ignore[arg-type]
    assert len(decisions) == 5 and {"scores", "children", "reason", "winner"} <= set(decisions[0])
    assert all(len(d["scores"]) == 3 for d in decisions)  # type: ignore[arg-type]
    quality = execution_quality(node)  # type: ignore[arg-type]
    assert [row["key"] for row in quality["strategies"]] == ["flip"]
    parents = parent_orders(node)  # type: ignore[arg-type]
    assert parents and all(p["filled"] <= p["quantity"] for p in parents)  # type: ignore[operator]
    assert {p["status"] for p in parents} <= {"FILLED", "CANCELED", "WORKING"}
    assert OrderStatus.FILLED.name in {p["status"] for p in parents}


class DipOnQuotes(Strategy):
    """Written for one venue, like the README's ``Dip``: buys ``size`` of the instrument it watches whenever
    it is flat (for its first 100 quotes), and from the 150th quote on closes what it holds."""

    watch = Param(str, "DEMO.GAMMA", help="the instrument traded")
    size = Param(int, 150, low=1, help="shares to buy")

    def on_start(self) -> None:
        self.count = 0
        self.buys = 0
        self.held_before_close = Decimal(-1)
        self.closing: list[Order] = []
        self.subscribe_quotes(self.watch)

    def on_quote(self, quote: QuoteTick) -> None:
        self.count += 1
        iid = quote.instrument_id
        if self.count < 100 and self.is_flat(iid):
            self.buys += 1
            self.submit(self.orders.market(iid, OrderSide.BUY, Quantity.of(self.size)))
        elif self.count >= 150 and not self.is_flat(iid):  # a market order takes what the books show
            if self.count == 150:
                self.held_before_close = self.position_qty(iid)
            self.closing += self.close_position(iid)


def test_a_strategy_written_for_one_venue_sees_its_routed_position_over_every_listing() -> None:
    """Routed by default at the lowest cost, avoiding GAMMA (``naut backtest --route lowest-cost --avoid
    GAMMA``), the buys of GAMMA fill on ALPHA and BETA, and each fill books to its own listing's
    position. ``is_flat``/``position_qty`` read GAMMA's alone, so the strategy saw itself flat after its
    buy and bought again on every quote; ``close_position`` sent its reduce-only order on the default
    route, which the router denies. Both now span the listings the router groups with GAMMA, and
    ``close_position`` sends each listing's order to its venue; ``venue_position_qty`` reads one listing's."""
    strategy = DipOnQuotes("dip")
    strategy.route_by_default(RoutingInstruction.of("lowest-cost", exclude=["GAMMA"]))
    result = run_backtest(config(strategy))
    assert not result.strategy_errors
    assert strategy.buys == 1
    bought = [f for f in result.fills if f.order_side is OrderSide.BUY]
    listings = {str(f.instrument_id) for f in bought}
    assert len(listings) >= 2 and "DEMO.GAMMA" not in listings  # the case arose: the position is elsewhere
    assert strategy.held_before_close == sum(f.last_qty.as_decimal() for f in bought)
    assert {str(o.instrument_id) for o in strategy.closing} == listings  # each listing's own orders
    assert all(o.reduce_only and o.status is not OrderStatus.DENIED for o in strategy.closing)
    assert all(strategy.venue_position_qty(InstrumentId(f"DEMO.{v}")) == 0 for v in VENUES)
    assert strategy.is_flat(InstrumentId("DEMO.GAMMA")) and strategy.position_qty(InstrumentId("DEMO.ALPHA")) == 0


class ClosedFlipper(RoutedFlipper):
    def on_start(self) -> None:
        super().on_start()
        self.closed: list[Order] = []

    def on_order_closed(self, order: Order) -> None:
        self.closed.append(order)


def test_on_order_closed_reports_each_routed_parent_once_and_none_of_its_children() -> None:
    strategy = ClosedFlipper("flip")
    result = run_backtest(config(strategy))
    parents = {str(p.client_order_id) for p in strategy.closed}
    assert len(parents) == len(strategy.closed) >= 30  # once each
    assert all(o.parent_order_id is None and o.is_closed for o in strategy.closed)
    children = {o.client_order_id for o in result.orders}
    assert not parents & children
    assert all(p.filled_raw == p.quantity_raw for p in strategy.closed if p.status is OrderStatus.FILLED)
