"""Compose and run a backtest: a ``TradingNode`` on a simulated clock, venues, instruments, data
and strategies, from one typed ``BacktestConfig``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from nautilus_platform.backtest.engine import PURGE_EVERY, Backtest, DataSource, Progress, stream_of
from nautilus_platform.backtest.results import (
    BacktestResult,
    OrderSummary,
    close_reason,
    summarise_order,
    summarise_snapshot,
)
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import ClientOrderId
from nautilus_platform.data.catalog import CatalogData
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.model.data import Bar
from nautilus_platform.model.enums import AccountType, OmsType, OrderStatus
from nautilus_platform.model.events import OrderCanceled, OrderDenied, OrderEvent, OrderExpired, OrderRejected
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order, OrderSnapshot
from nautilus_platform.model.values import Currency, Money
from nautilus_platform.routing import RouterConfig, SmartOrderRouter
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.trading.journal import Journal, NullJournal
from nautilus_platform.trading.risk import PriceSource, RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import SimulatedVenueConfig


@dataclass(frozen=True)
class VenueSetup:
    """A simulated venue and the account the backtest trades on it."""

    config: SimulatedVenueConfig
    account_type: AccountType
    base_currency: Currency
    balances: Sequence[Money]


@dataclass
class BacktestConfig:
    """Everything one backtest run needs."""

    venues: Sequence[VenueSetup]
    instruments: Sequence[Instrument]
    data: Sequence[DataSource]
    strategies: Sequence[Strategy]
    risk: RiskConfig | None = None
    oms_type: OmsType = OmsType.NETTING
    start_ns: int | None = None
    end_ns: int | None = None
    equity_interval_ns: int | None = None
    journal: Journal | None = None
    purge_every: int | None = PURGE_EVERY  # items between drops of closed orders from the cache
    routing: RouterConfig | None = None  # switch on the smart order router with these settings
    notes: list[str] = field(default_factory=list)


def first_timestamp(sources: Sequence[DataSource]) -> int | None:
    """The earliest first timestamp among the sources (each is in time order)."""
    firsts = []
    for source in sources:
        if isinstance(source, LoadedData | CatalogData):
            if len(source.columns.get("ts", ())):
                firsts.append(int(source.columns["ts"][0]))
        else:
            first = next(iter(stream_of(source)), None)
            if first is not None:
                firsts.append(first.ts_event)
    return min(firsts) if firsts else None


def default_bar_type(sources: Sequence[DataSource]) -> str | None:
    """The bar type of the first bar source, for strategies that leave ``bar_type`` empty."""
    for source in sources:
        if isinstance(source, LoadedData | CatalogData) and source.bar_type is not None:
            return str(source.bar_type)
        if isinstance(source, Sequence) and source and isinstance(source[0], Bar):
            return str(source[0].bar_type)
    return None


def default_risk_config() -> RiskConfig:
    """Risk for a backtest that sets none: every check at its default, with the MARK price (the
    quote mid, else the last trade or bar close) as the reference, so bar data has one."""
    return RiskConfig(defaults=RiskLimits(reference_source=PriceSource.MARK))


def build_backtest(config: BacktestConfig) -> Backtest:
    """The node, venues and instruments wired, strategies registered, ready to ``run``; its result
    is ``run_backtest``'s: the config's notes and, when routing is on, the routed parent orders (each
    child naming its parent), the routing decisions' count and the execution quality.

    Without a journal in the config the node numbers its commands and events and keeps none
    (``NullJournal``): a backtest is re-run from its inputs, so its journal would cost time and
    memory for entries nobody reads; give it an ``InMemoryJournal`` or ``CompactJournal`` to keep
    them (for ``replay_journal``, say)."""
    if not config.venues:
        raise ValidationError("venues", 0, "needs at least one venue")
    first = first_timestamp(config.data)
    if first is None:
        raise ValidationError("data", 0, "holds no rows")
    start = first if config.start_ns is None else max(first, config.start_ns)
    # The clock starts 1 ns before the first item, so that the item moves it (timers and alerts due
    # at ``start`` fire) and what ``on_start`` does comes before it; timers set in ``on_start``
    # still count from ``start`` (``StrategyEngine.timer_origin_ns``), landing on the data's times.
    node = TradingNode(
        SimulatedClock(start - 1),
        risk_config=config.risk if config.risk is not None else default_risk_config(),
        oms_type=config.oms_type,
        journal=config.journal if config.journal is not None else NullJournal(),
    )
    for venue in config.venues:
        node.add_venue(venue.config, venue.account_type, venue.base_currency, venue.balances)
    for instrument in config.instruments:
        node.add_instrument(instrument)
    if config.routing is not None:
        node.enable_routing(config.routing)
    bar_type = default_bar_type(config.data)
    for strategy in config.strategies:
        if "bar_type" in strategy.parameters() and not strategy.params["bar_type"] and bar_type is not None:
            strategy.set_param("bar_type", bar_type)
    backtest = Backtest(
        node, config.strategies, config.data, start_ns=config.start_ns, end_ns=config.end_ns,
        equity_interval_ns=config.equity_interval_ns, purge_every=config.purge_every,
    )  # fmt: skip
    backtest.strategy_engine.timer_origin_ns = start
    router = node.router
    parents = ParentOrders(router) if router is not None else None

    def complete(result: BacktestResult) -> None:
        result.notes = [*config.notes, *result.notes]
        if router is not None and parents is not None:
            result.execution_quality = [row.as_dict() for row in router.venue_quality()]
            result.routing_decisions = router.decision_count
            result.parent_orders = parents.summaries()
            result.orders = parents.attribute(result.orders)

    backtest.result_hooks.append(complete)
    return backtest


class ParentOrders:
    """The routed parent orders of a run, for its results: the router hands over each order it takes
    as a parent (``SmartOrderRouter.on_parent``, denied ones too) and publishes its events on
    ``events.routed.<strategy id>``; a parent is snapshotted when it closes, with why (as the backtest
    does for orders). Only a backtest collects them: the router itself keeps bounded state.

    Their children too: the router reports each child it stored and sent (``SmartOrderRouter.on_child``),
    and ``attribute`` names its parent in the run's orders. Nothing else is a child: not a strategy's
    own order tagged ``parent:<id>`` (tags are free-form), nor one that reuses a child's id."""

    def __init__(self, router: SmartOrderRouter) -> None:
        self._working: dict[str, Order] = {}  # by client order id, in submission order
        self._closed: dict[str, tuple[OrderSnapshot, str]] = {}  # snapshot, reason
        self._order: dict[str, int] = {}  # client order id -> its place in submission order
        self._parent_of: dict[str, str] = {}  # a child's client order id -> its parent's
        router.on_parent = self._take
        router.on_child = self._child
        router.bus.subscribe("events.routed.*", self._on_event)

    def _take(self, order: Order) -> None:
        cid = str(order.client_order_id)
        if cid not in self._order:  # a reused id (denied as a duplicate) keeps the first parent's row
            self._order[cid] = len(self._order)
            self._working[cid] = order

    def _child(self, child_id: ClientOrderId, parent_id: ClientOrderId) -> None:
        self._parent_of[str(child_id)] = str(parent_id)

    def attribute(self, orders: list[OrderSummary]) -> list[OrderSummary]:
        """``orders`` with each routed child's ``parent_order_id`` set to its parent's id."""
        parent_of = self._parent_of
        if not parent_of:
            return orders
        named = []
        for summary in orders:
            parent = parent_of.get(summary.client_order_id)
            named.append(summary if parent is None else msgspec.structs.replace(summary, parent_order_id=parent))
        return named

    def _on_event(self, event: OrderEvent) -> None:
        cid = str(event.client_order_id)
        order = self._working.get(cid)
        if order is None or not order.is_closed:  # a duplicate's denial, a refused cancel, ...
            return
        status = _CLOSING.get(type(event))
        if status is not None and order.status is not status:
            return
        del self._working[cid]
        self._closed[cid] = (order.snapshot(), close_reason(event))

    def summaries(self) -> list[OrderSummary]:
        """Every parent, in submission order: closed ones as they closed, the others as they stand."""
        rows = {cid: summarise_snapshot(snapshot, reason) for cid, (snapshot, reason) in self._closed.items()}
        rows.update({cid: summarise_order(order) for cid, order in self._working.items()})
        return [rows[cid] for cid in sorted(rows, key=self._order.__getitem__)]


_CLOSING = {
    OrderDenied: OrderStatus.DENIED,
    OrderRejected: OrderStatus.REJECTED,
    OrderCanceled: OrderStatus.CANCELED,
    OrderExpired: OrderStatus.EXPIRED,
}


def run_backtest(config: BacktestConfig, progress: Progress | None = None) -> BacktestResult:
    """Build and run (``build_backtest(config).run(progress)``); the result carries the config's
    notes (e.g. a synthetic-data label) and, when routing is on, the routed parent orders, the
    routing decisions' count and the execution quality."""
    return build_backtest(config).run(progress)
