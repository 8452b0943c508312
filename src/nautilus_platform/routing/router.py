"""``SmartOrderRouter``: routes parent orders across the venues that list an instrument.

A strategy submits an ordinary market or limit order with a ``RoutingInstruction``; the order
becomes a *parent*. The router decides (``routing.decision.decide``) and sends *child* orders
through the execution engine, so each child passes the pre-trade risk engine like any order and
books to the position of the listing it filled on. The parent aggregates its children:

- its events (submitted, accepted, one fill per child fill, cancelled...) are applied to the
  strategy's ``Order`` object and published on ``events.routed.<strategy id>``, as are the
  answers to the strategy's commands aimed at it (``OrderModifyRejected``, and
  ``OrderCancelRejected`` once it is finished: "order is FILLED");
- it is FILLED when its children have filled its quantity; cancelling it (also by
  ``CancelAllOrders`` of its side or of both) cancels its children; neither it nor a child of it
  can be modified, and a strategy cannot cancel a child alone (the router would re-route it:
  ``is_child`` and ``parent_of`` let the execution engine refuse both);
- a child rejected by a venue or denied by risk is re-routed to the next venue, an IOC child's
  unfilled rest and a child cancelled by its venue (e.g. the venue went down) are re-routed too,
  up to ``max_retries`` times; a venue that refused the parent once is not used for it again;
- once its time in force has run out (a GTD time passed, a resting child expired) nothing more is
  routed: it expires when no child works any longer.

A parent goes through the risk engine only as its children: the router checks it itself. One
that no validating ``OrderFactory`` built (by hand, or ``validate=False``) is first held to
``validate_order``'s rules, as the risk engine holds any order: a LIMIT without a price, a MARKET
with one, a non-positive quantity, a STOP_MARKET without a trigger... is denied (``OrderDenied``
INVALID_ORDER naming the field, the value and the rule) before anything is routed; a factory's
validated parent skips this (one flag read). Then only MARKET and LIMIT parents, not FOK, not
reduce-only, not contingent, are routed.

Quantity is re-routed only once a child is final, so nothing is ever double-filled. The journal
keeps the command (with its route) and every child's events; the parent's events are derived.

The listings' books are fed by the core (``on_quote``, ``on_book``: ``TradingNode.process``)
after the venue has delivered what was due before the data and before it matches the data, so
a resting child's fill caused by an update is taken out of that update's view.

State stays bounded: once a parent is finished (no child working, its events published), its
bookkeeping is dropped and its records are folded into the per-venue and per-strategy quality
totals; ``parent_records`` and ``children`` keep the records of the working parents and of the
last ``RouterConfig.keep_parents`` finished ones. Only the finished parents' ids are remembered
(with their strategy and final status, to answer a late cancel), as the cache remembers purged
orders' ids, so an id is never routed twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Final

from nautilus_platform.core.errors import ConfigurationError, NotFoundError, ValidationError
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueId,
    VenueOrderId,
)
from nautilus_platform.model.commands import CancelOrder, ModifyOrder, SubmitOrder
from nautilus_platform.model.data import OrderBookDeltas, OrderBookSnapshot, QuoteTick
from nautilus_platform.model.enums import ContingencyType, DenyReason, OrderSide, OrderStatus, OrderType, TimeInForce
from nautilus_platform.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.order_factory import OrderFactory, validate_order
from nautilus_platform.model.orders import Order
from nautilus_platform.model.routing import RoutingInstruction, VenueStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.routing.config import RouterConfig
from nautilus_platform.routing.decision import MARKET, REST, TAKE, ChildPlan, RoutingDecision, arrival_mid, decide
from nautilus_platform.routing.listings import (
    ChildRecord,
    Listing,
    ListingGroup,
    ParentRecord,
    QualityTotals,
    VenueState,
)
from nautilus_platform.routing.quality import QualityRow, quality_row
from nautilus_platform.trading.execution import ExecutionEngine

ROUTER_ACCOUNT: Final = AccountId("SOR")
_MARKET: Final = OrderType.MARKET
_LIMIT: Final = OrderType.LIMIT
_IOC: Final = TimeInForce.IOC
_GTD: Final = TimeInForce.GTD
_RESTING_TIFS: Final = frozenset({TimeInForce.GTC, TimeInForce.DAY, TimeInForce.GTD})
_FINAL_CHILD_EVENTS: Final = {
    OrderDenied: "DENIED",
    OrderRejected: "REJECTED",
    OrderCanceled: "CANCELED",
    OrderExpired: "EXPIRED",
}
_ROUTE_TAGS: Final = {MARKET: "route:market", TAKE: "route:take", REST: "route:rest"}


class _Parent:
    """The router's bookkeeping for one parent order."""

    __slots__ = (
        "canceling", "done", "expired", "group", "max_retries", "order", "record", "records", "refused", "reroute_due",
        "route", "sending", "seq", "working",
    )  # fmt: skip

    def __init__(
        self, order: Order, route: RoutingInstruction, group: ListingGroup, record: ParentRecord, max_retries: int
    ) -> None:
        self.order = order
        self.route = route
        self.group = group
        self.record = record
        self.max_retries = max_retries
        self.working: dict[ClientOrderId, Order] = {}  # children not yet final
        self.records: list[ChildRecord] = []  # every child's record, in creation order
        self.refused: set[VenueId] = set()
        self.canceling = False
        self.expired = False  # its time in force ran out: nothing more is routed, it expires once no child works
        self.done = False
        self.sending = False  # children of one decision are being sent
        self.reroute_due = ""  # a re-route asked for while sending waits for the sending to end
        self.seq = 0


class SmartOrderRouter:
    """Multi-venue routing of parent orders; see the module docstring."""

    def __init__(self, execution: ExecutionEngine, config: RouterConfig | None = None) -> None:
        self.execution = execution
        self.config = config if config is not None else RouterConfig()
        self.cache = execution.cache
        self.bus = execution.bus
        self.clock = execution.clock
        self.venues: dict[VenueId, VenueState] = {}
        self.groups: dict[str, ListingGroup] = {}
        self.listings: dict[InstrumentId, Listing] = {}
        self._group_of: dict[InstrumentId, ListingGroup] = {}
        self._parents: dict[ClientOrderId, _Parent] = {}  # parents not yet finished
        self._child_parent: dict[ClientOrderId, _Parent] = {}  # children not yet final
        # ids of the finished parents (purged), with their strategy and final status (shared tuples)
        self._finished_ids: dict[ClientOrderId, tuple[StrategyId, OrderStatus]] = {}
        self._finished_keys: dict[tuple[StrategyId, OrderStatus], tuple[StrategyId, OrderStatus]] = {}
        self._finished: deque[tuple[ClientOrderId, list[ChildRecord]]] = deque()  # kept records, oldest first
        self._venue_totals: dict[VenueId, QualityTotals] = {}  # children of the finished parents
        self._strategy_totals: dict[StrategyId, QualityTotals] = {}  # the finished parents
        self.children: dict[ClientOrderId, ChildRecord] = {}
        self.parent_records: dict[ClientOrderId, ParentRecord] = {}
        self.parent_count = 0
        self.decisions: deque[RoutingDecision] = deque(maxlen=self.config.keep_decisions)
        self.decision_count = 0
        self._factories: dict[StrategyId, OrderFactory] = {}
        self._topics: dict[StrategyId, str] = {}
        # Called with each order ``submit`` takes as a parent, before it is checked (so a denied one
        # too): a backtest's results keep every parent; ``None`` (live) keeps nothing beyond the router's bounds.
        self.on_parent: Callable[[Order], None] | None = None
        # Called with (child id, parent id) for each child the router has stored and sent for a
        # parent: a backtest's results name each child's parent from it (a child's ``parent:<id>``
        # tag is a label only: tags are free-form, any order may carry one); ``None`` keeps nothing.
        self.on_child: Callable[[ClientOrderId, ClientOrderId], None] | None = None
        if execution.parent_orders is not None:
            raise ConfigurationError("the execution engine already has a smart order router")
        execution.parent_orders = self

    # -- setup --------------------------------------------------------------------------------
    def add_venue(self, venue_id: VenueId | str, latency_ns: int = 0) -> VenueState:
        """Make a venue routable; its profile in the config overrides ``latency_ns``."""
        venue_id = VenueId(venue_id)
        if venue_id in self.venues:
            raise ValidationError("venue_id", venue_id, "is already routable")
        profile = self.config.profile(venue_id)
        if profile is not None and profile.latency_ns is not None:
            latency_ns = profile.latency_ns
        cap = None
        if profile is not None and profile.max_child_qty is not None:
            cap = int(profile.max_child_qty.scaleb(9))
        state = self.venues[venue_id] = VenueState(venue_id, latency_ns, cap)
        return state

    def add_listing(self, instrument: Instrument, taker_rate: Fraction, maker_rate: Fraction) -> Listing:
        """Make an instrument routable on its venue with the venue's fee rates (the profile's win)."""
        return self.add_listings([(instrument, taker_rate, maker_rate)])[0]

    def add_listings(self, terms: Sequence[tuple[Instrument, Fraction, Fraction]]) -> list[Listing]:
        """``add_listing`` of each ``(instrument, taker_rate, maker_rate)``, all or none: one that
        is refused (``check_listings``) leaves the router as it was."""
        listings, groups = self._prepare(terms)
        for listing in listings:
            self.listings[listing.instrument_id] = listing
        self._set_groups(groups)
        return listings

    def check_listings(self, terms: Sequence[tuple[Instrument, Fraction, Fraction]]) -> None:
        """Raise what ``add_listings(terms)`` would raise (``NotFoundError`` for a venue not
        routable, ``ValidationError`` for a listing already routable or one that would break its
        group), changing nothing."""
        self._prepare(terms)

    def _prepare(
        self, terms: Sequence[tuple[Instrument, Fraction, Fraction]]
    ) -> tuple[list[Listing], dict[str, list[Listing]]]:
        """The new listings and the groups they would make, checked; nothing is changed."""
        added: dict[InstrumentId, Listing] = {}
        for instrument, taker_rate, maker_rate in terms:
            venue = self.venues.get(instrument.id.venue)
            if venue is None:
                raise NotFoundError(f"no routable venue {instrument.id.venue} for {instrument.id}; add the venue first")
            if instrument.id in self.listings or instrument.id in added:
                raise ValidationError("instrument_id", instrument.id, "is already routable")
            profile = self.config.profile(venue.venue_id)
            if profile is not None and profile.taker_fee is not None:
                taker_rate = Fraction(profile.taker_fee)
            if profile is not None and profile.maker_fee is not None:
                maker_rate = Fraction(profile.maker_fee)
            added[instrument.id] = Listing(instrument, venue, taker_rate, maker_rate)
        groups = self._grouped({**self.listings, **added})
        return list(added.values()), groups

    def on_quote(self, instrument_id: InstrumentId, quote: QuoteTick) -> None:
        """A quote of a listing: its top of book while it has no L2 book. The core calls it once
        the venue has delivered what was due before the quote, and before the venue matches it."""
        listing = self.listings.get(instrument_id)
        if listing is not None:
            listing.book.apply_quote(quote)

    def on_book(self, data: OrderBookSnapshot | OrderBookDeltas) -> None:
        """An L2 snapshot or deltas of a listing (called as ``on_quote`` is)."""
        listing = self.listings.get(data.instrument_id)
        if listing is None:
            return
        if type(data) is OrderBookSnapshot:
            listing.book.apply_snapshot(data)
        else:
            listing.book.apply_deltas(data)  # type: ignore[arg-type]

    def _grouped(self, listings: dict[InstrumentId, Listing]) -> dict[str, list[Listing]]:
        """Groups from the config, else one per symbol (listings of the same symbol on every
        venue); checked as ``ListingGroup`` checks them, without building (and re-pricing) any."""
        members: dict[str, list[Listing]] = {}
        if self.config.groups:
            for name, ids in self.config.groups.items():
                members[name] = [listings[InstrumentId(i)] for i in ids if InstrumentId(i) in listings]
        else:
            for iid, listing in listings.items():
                members.setdefault(str(iid.symbol), []).append(listing)
        grouped = {name: found for name, found in members.items() if found}
        for name, found in grouped.items():
            ListingGroup.check(name, found)
        return grouped

    def _set_groups(self, grouped: dict[str, list[Listing]]) -> None:
        """Build the groups and move the working parents onto them: a parent keeps deciding with
        the fee numerators over its group's current denominator, and cancelling by instrument finds it."""
        self.groups = {name: ListingGroup(name, found) for name, found in grouped.items()}
        self._group_of = {listing.instrument_id: g for g in self.groups.values() for listing in g.listings}
        for parent in self._parents.values():
            group = self._group_of.get(parent.order.instrument_id)
            if group is not None:
                parent.group = group

    def set_venue_status(self, venue_id: VenueId | str, status: VenueStatus) -> None:
        """Mark a venue up, halted or down (halted and down venues get no new children)."""
        venue = self.venues.get(VenueId(venue_id))
        if venue is None:
            raise NotFoundError(f"no routable venue {venue_id}")
        venue.status = status

    def group_of(self, instrument_id: InstrumentId) -> ListingGroup | None:
        return self._group_of.get(instrument_id)

    # -- ParentOrderHandler -------------------------------------------------------------------
    def is_parent(self, client_order_id: ClientOrderId, strategy_id: StrategyId | None = None) -> bool:
        """Whether the id is a routed parent's (of ``strategy_id`` when given), working or finished."""
        parent = self._parents.get(client_order_id)
        if parent is not None:
            return strategy_id is None or parent.order.strategy_id == strategy_id
        finished = self._finished_ids.get(client_order_id)
        return finished is not None and (strategy_id is None or finished[0] == strategy_id)

    def is_child(self, client_order_id: ClientOrderId) -> bool:
        """Whether the id is a child the router still follows (of a working parent)."""
        return client_order_id in self._child_parent

    def parent_of(self, client_order_id: ClientOrderId) -> ClientOrderId | None:
        """The parent's id of a child the router still follows, else ``None``."""
        parent = self._child_parent.get(client_order_id)
        return parent.order.client_order_id if parent is not None else None

    def parent(self, client_order_id: ClientOrderId) -> Order:
        """The parent order of that id while it is not finished."""
        found = self._parents.get(client_order_id)
        if found is None:
            raise NotFoundError(f"no working routed parent order {client_order_id}")
        return found.order

    def submit(self, order: Order, command: SubmitOrder) -> None:
        """Take ``order`` as a parent, decide and send its children (see the module docstring)."""
        route = command.route
        assert route is not None
        on_parent = self.on_parent
        if on_parent is not None:
            on_parent(order)
        now = self.clock.timestamp_ns()
        denial = self._check(order, now)
        group = self._group_of.get(order.instrument_id)
        if denial is None and group is None:
            denial = (DenyReason.NO_VENUE, f"{order.instrument_id} is not listed on any routable venue")
        if denial is None and group is not None and order.quantity.raw % group.finest_lot_raw:
            lot = Quantity(raw=group.finest_lot_raw, precision=9)
            denial = (
                DenyReason.QUANTITY_INCREMENT,
                f"quantity {order.quantity} is not a multiple of the finest lot {lot}",
            )
        if denial is not None or group is None:
            reason, message = denial if denial is not None else (DenyReason.NO_VENUE, "no group")
            self._deny(order, reason, message)
            return
        cid = order.client_order_id
        sid = order.strategy_id
        iid = order.instrument_id
        record = ParentRecord(
            cid, sid, group.name, order.side is OrderSide.BUY, order.quantity.raw, arrival_mid(group, route), now
        )
        max_retries = route.max_retries if route.max_retries is not None else self.config.max_retries
        parent = _Parent(order, route, group, record, max_retries)
        self._parents[cid] = parent
        self.parent_records[cid] = record
        self.parent_count += 1
        self._apply(
            parent,
            OrderSubmitted(
                ts_event=now, ts_init=now, strategy_id=sid, instrument_id=iid, client_order_id=cid,
                account_id=ROUTER_ACCOUNT,
            ),
        )  # fmt: skip
        decision = self._decide(parent)
        if decision is None or not decision.children:
            why = decision.reason if decision is not None else "nothing to route"
            if decision is not None and decision.winner is not None:
                why = f"no venue could take any of it ({why})"
            self._apply(
                parent,
                OrderRejected(
                    ts_event=now, ts_init=now, strategy_id=sid, instrument_id=iid, client_order_id=cid,
                    account_id=ROUTER_ACCOUNT, reason=why,
                ),
            )  # fmt: skip
            self._finish(parent, "REJECTED")
            return
        accepted = OrderAccepted(
            ts_event=now, ts_init=now, strategy_id=sid, instrument_id=iid, client_order_id=cid,
            venue_order_id=VenueOrderId(f"SOR-{self.parent_count}"), account_id=ROUTER_ACCOUNT,
        )  # fmt: skip
        self._apply(parent, accepted)
        self._send(parent, decision)

    def cancel(self, client_order_id: ClientOrderId, reason: str) -> None:
        """Cancel a working parent and its working children; anything else is left as it is."""
        parent = self._parents.get(client_order_id)
        if parent is None or parent.done or parent.canceling:
            return
        parent.canceling = True
        order = parent.order
        now = self.clock.timestamp_ns()
        pending = OrderPendingCancel(
            ts_event=now, ts_init=now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id, account_id=ROUTER_ACCOUNT,
        )  # fmt: skip
        self._apply(parent, pending)
        for child in list(parent.working.values()):
            if not child.is_closed:
                self.execution.cancel_order(child, reason)
        self._settle(parent)

    def working_parents(self, strategy_id: StrategyId | None = None) -> list[Order]:
        """The routed parents not finished yet (of one strategy, or all), in the order they were routed."""
        return [
            p.order
            for p in self._parents.values()
            if not p.done and (strategy_id is None or p.order.strategy_id == strategy_id)
        ]

    def cancel_parents(
        self,
        strategy_id: StrategyId | None,
        instrument_id: InstrumentId | None,
        reason: str,
        side: OrderSide | None = None,
    ) -> int:
        group = self._group_of.get(instrument_id) if instrument_id is not None else None
        chosen = [
            p for p in self._parents.values()
            if not p.done and (strategy_id is None or p.order.strategy_id == strategy_id)
            and (instrument_id is None or p.group is group) and (side is None or p.order.side is side)
        ]  # fmt: skip
        for parent in chosen:
            self.cancel(parent.order.client_order_id, reason)
        return len(chosen)

    def on_cancel(self, command: CancelOrder) -> None:
        """The strategy's ``CancelOrder`` of one of its parents: cancel it while it works (a second
        cancel while the first is pending does nothing, as for any order); once it is finished,
        answer ``OrderCancelRejected`` ("order is FILLED") with the parent's events."""
        cid = command.client_order_id
        if cid in self._parents:
            self.cancel(cid, "cancelled by the strategy")
            return
        finished = self._finished_ids.get(cid)
        if finished is not None:
            why = f"order is {finished[1].name}"
        else:
            why = f"{DenyReason.ORDER_NOT_FOUND.value}: no routed parent order {cid} for {command.strategy_id}"
        self._refuse(command, OrderCancelRejected, why)

    def on_modify(self, command: ModifyOrder) -> None:
        """The strategy's ``ModifyOrder`` of one of its parents: refused (``OrderModifyRejected``
        with the parent's events); the router sizes and prices its children."""
        finished = self._finished_ids.get(command.client_order_id)
        if finished is not None:
            why = f"order is {finished[1].name}"
        else:
            why = f"{DenyReason.INVALID_ORDER.value}: a routed parent order cannot be modified; cancel and resubmit"
        self._refuse(command, OrderModifyRejected, why)

    def _refuse(
        self,
        command: CancelOrder | ModifyOrder,
        kind: type[OrderCancelRejected] | type[OrderModifyRejected],
        reason: str,
    ) -> None:
        now = self.clock.timestamp_ns()
        event = kind(
            ts_event=now, ts_init=now, strategy_id=command.strategy_id, instrument_id=command.instrument_id,
            client_order_id=command.client_order_id, reason=reason,
        )  # fmt: skip
        self.bus.publish(self._topic(command.strategy_id), event)

    # -- routing ------------------------------------------------------------------------------
    def _check(self, order: Order, now: int) -> tuple[DenyReason, str] | None:
        cid = order.client_order_id
        if cid in self._parents or cid in self._finished_ids or self.cache.is_known(cid):
            return DenyReason.DUPLICATE_CLIENT_ORDER_ID, f"client_order_id {cid} is already used"
        if not order.validated:  # built by hand or by an ``OrderFactory(validate=False)``: one flag read
            try:
                validate_order(order.init)  # the risk engine's rules, which a parent never meets itself
            except ValidationError as exc:
                return DenyReason.INVALID_ORDER, str(exc)
        if order.order_type is not _MARKET and order.order_type is not _LIMIT:
            return DenyReason.INVALID_ORDER, f"only MARKET and LIMIT orders can be routed, not {order.order_type.name}"
        if order.time_in_force is TimeInForce.FOK:
            return DenyReason.INVALID_ORDER, "a routed order cannot be FOK (its children fill separately)"
        if order.reduce_only:
            return DenyReason.INVALID_ORDER, "a routed order cannot be reduce-only (positions are kept per venue)"
        if order.init.contingency_type is not ContingencyType.NONE or order.init.parent_order_id is not None:
            return DenyReason.INVALID_ORDER, "a contingent order cannot be routed"
        if order.time_in_force is _GTD and order.expire_time_ns <= now:  # every child would be refused
            return (
                DenyReason.INVALID_ORDER,
                f"GTD expire_time_ns {order.expire_time_ns} is not after the current time {now}",
            )
        return None

    def _deny(self, order: Order, reason: DenyReason, message: str) -> None:
        now = self.clock.timestamp_ns()
        event = OrderDenied(
            ts_event=now, ts_init=now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id, reason=reason, message=message,
        )  # fmt: skip
        # The caller's object learns it was denied, unless it is the core's own order of that id (a
        # held contingent order submitted again): that one is not the router's to close.
        if order.status is OrderStatus.INITIALIZED and self.cache.orders.get(order.client_order_id) is not order:
            order.apply(event)
        self.bus.publish(self._topic(order.strategy_id), event)

    def _leaves(self, parent: _Parent) -> int:
        """Quantity neither filled nor working in a child."""
        working = 0
        for child in parent.working.values():
            working += child.quantity.raw - child.filled_raw
        return parent.order.quantity.raw - parent.order.filled_raw - working

    def _decide(self, parent: _Parent) -> RoutingDecision | None:
        leaves = self._leaves(parent)
        if leaves <= 0:
            return None
        order = parent.order
        limit = order.price.raw if order.price is not None else None
        tif = order.time_in_force
        decision = decide(
            parent.group, order.client_order_id, self.clock.timestamp_ns(), order.side is OrderSide.BUY, leaves,
            limit, limit is not None and tif in _RESTING_TIFS, order.post_only, parent.route,
            self.config.weights_for(parent.route.policy), parent.refused,
        )  # fmt: skip
        self.decisions.append(decision)
        self.decision_count += 1
        return decision

    def _send(self, parent: _Parent, decision: RoutingDecision) -> None:
        """Create every child first (so a synchronous answer sees them all working), then send."""
        orders = [self._child(parent, plan) for plan in decision.children]
        on_child = self.on_child
        stored = self.cache.orders
        parent_id = parent.order.client_order_id
        parent.sending = True
        try:
            for order, plan in zip(orders, decision.children, strict=True):
                cid = order.client_order_id
                if cid in parent.working:
                    self.execution.submit_child(order, plan.venue)
                    # only a child the cache took as its own (not one denied as a duplicate of
                    # another order's id): the id then names that child for good
                    if on_child is not None and stored.get(cid) is order:
                        on_child(cid, parent_id)
        finally:
            parent.sending = False
        if parent.reroute_due:
            why, parent.reroute_due = parent.reroute_due, ""
            self._reroute(parent, why)

    def _child(self, parent: _Parent, plan: ChildPlan) -> Order:
        order = parent.order
        parent.seq += 1
        parent.record.children += 1
        listing = plan.listing
        instrument = listing.instrument
        parent_id = order.client_order_id
        factory = self._factory(order.strategy_id)
        cid = ClientOrderId(f"{parent_id}-{parent.seq}")
        qty = Quantity(raw=plan.qty_raw, precision=instrument.size_precision)
        kind = plan.kind
        tags = (f"parent:{parent_id}", _ROUTE_TAGS[kind])
        if kind == MARKET:
            child = factory.create(listing.instrument_id, order.side, _MARKET, qty, client_order_id=cid, tags=tags)
        else:
            tif = _IOC if kind == TAKE else order.time_in_force
            child = factory.create(
                listing.instrument_id, order.side, _LIMIT, qty,
                price=Price(raw=plan.price_raw, precision=instrument.price_precision), time_in_force=tif,
                expire_time_ns=order.expire_time_ns if kind == REST else 0,
                post_only=order.post_only and kind == REST, client_order_id=cid, tags=tags,
            )  # fmt: skip
        parent.working[cid] = child
        self._child_parent[cid] = parent
        mid = listing.book.mid_raw()
        record = ChildRecord(
            cid, parent_id, order.strategy_id, listing.venue_id, listing.instrument_id, kind,
            order.side is OrderSide.BUY, plan.qty_raw, plan.notional_raw if kind == TAKE else None, mid,
            self.clock.timestamp_ns(),
        )  # fmt: skip
        self.children[cid] = record
        parent.records.append(record)
        return child

    def _factory(self, strategy_id: StrategyId) -> OrderFactory:
        factory = self._factories.get(strategy_id)
        if factory is None:
            factory = self._factories[strategy_id] = OrderFactory(strategy_id, self.clock, validate=False)
            self.bus.subscribe(f"events.order.{strategy_id}", self._on_child_event)
        return factory

    # -- child events -------------------------------------------------------------------------
    def _on_child_event(self, event: OrderEvent) -> None:
        cid = event.client_order_id
        parent = self._child_parent.get(cid)
        if parent is None:
            return
        kind = type(event)
        if kind is OrderFilled:
            self._on_child_fill(parent, event)  # type: ignore[arg-type]
            return
        status = _FINAL_CHILD_EVENTS.get(kind)
        if status is None:
            return
        child = parent.working.get(cid)
        # A final event is applied to its order before it is published: a child still open was not
        # closed by it (another order of the strategy reusing the child's id, denied as a duplicate)
        if child is None or not child.is_closed:
            return
        del parent.working[cid]
        del self._child_parent[cid]
        record = self.children[cid]
        record.status = status
        self._learn(record, status)
        if status in ("DENIED", "REJECTED"):
            parent.refused.add(record.venue)
        if parent.done:
            return
        if parent.canceling:
            self._settle(parent)
            return
        if status == "EXPIRED" and record.kind == REST:
            parent.expired = True  # the parent's own time in force ran out
            self._settle(parent, expired=True)
            return
        self._reroute(parent, f"{status.lower()} child {event.client_order_id} on {record.venue}")

    def _on_child_fill(self, parent: _Parent, fill: OrderFilled) -> None:
        cid = fill.client_order_id
        record = self.children[cid]
        commission = fill.commission
        fee_ccy = commission.currency.code
        fee_raw = commission.raw
        last_qty = fill.last_qty
        last_px = fill.last_px
        qty_raw = last_qty.raw
        px_raw = last_px.raw
        ts_event = fill.ts_event
        instrument_id = fill.instrument_id
        record.add_fill(qty_raw, px_raw, fee_ccy, fee_raw, ts_event)
        listing = self.listings.get(instrument_id)
        if listing is not None:
            listing.book.consume(record.is_buy, px_raw, qty_raw)
        order = parent.order
        parent_fill = OrderFilled(
            ts_event=ts_event, ts_init=fill.ts_init, strategy_id=order.strategy_id, instrument_id=instrument_id,
            client_order_id=order.client_order_id, venue_order_id=fill.venue_order_id, account_id=fill.account_id,
            trade_id=TradeId(f"{record.venue}-{fill.trade_id}"), order_side=fill.order_side,
            order_type=order.order_type, last_qty=last_qty, last_px=last_px, commission=commission,
            liquidity_side=fill.liquidity_side,
        )  # fmt: skip
        parent.record.add_fill(qty_raw, px_raw, fee_ccy, fee_raw, ts_event)
        child = parent.working.get(cid)
        if child is not None and child.is_closed:  # completely filled
            del parent.working[cid]
            del self._child_parent[cid]
            record.status = "FILLED"
            self._learn(record, "FILLED")
        self._apply(parent, parent_fill)
        if order.status is OrderStatus.FILLED:
            self._finish(parent, "FILLED")
        elif parent.canceling:
            self._settle(parent)
        elif not parent.working and self._leaves(parent) > 0:
            self._reroute(parent, "part of the order was left unrouted")

    def _learn(self, record: ChildRecord, status: str) -> None:
        """Feed a final child into its venue's decayed history (a risk denial is not the venue's doing)."""
        if status == "DENIED":
            return
        venue = self.venues.get(record.venue)
        if venue is not None:
            venue.record(record.fill_rate, record.slippage_bps, self.config.history_decay)

    def _reroute(self, parent: _Parent, why: str) -> None:
        if parent.done or parent.canceling:
            return
        if parent.sending:  # decide again once every child of the current decision is out
            parent.reroute_due = why
            return
        order = parent.order
        if order.time_in_force is _GTD and order.expire_time_ns and self.clock.timestamp_ns() >= order.expire_time_ns:
            parent.expired = True
        if parent.expired:  # a child sent now would outlive the parent (a venue refuses a past GTD)
            self._settle(parent, expired=True)
            return
        if self._leaves(parent) <= 0:
            self._settle(parent)
            return
        if parent.record.retries >= parent.max_retries:
            self._settle(parent, why=f"not re-routed after {parent.record.retries} retries ({why})")
            return
        parent.record.retries += 1
        decision = self._decide(parent)
        if decision is not None and decision.children:
            self._send(parent, decision)
        else:
            self._settle(parent, why=f"no venue for the rest ({decision.reason if decision else why})")

    def _settle(self, parent: _Parent, why: str = "", expired: bool = False) -> None:
        """Close the parent once no child is working and nothing more will be routed."""
        if parent.done or parent.working:
            return
        order = parent.order
        if order.status is OrderStatus.FILLED:
            self._finish(parent, "FILLED")
            return
        may_continue = not parent.canceling and not expired and not why and order.time_in_force is not _IOC
        if may_continue and self._leaves(parent) > 0:
            return
        now = self.clock.timestamp_ns()
        if expired:
            expiry = OrderExpired(
                ts_event=now, ts_init=now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
                client_order_id=order.client_order_id, venue_order_id=order.venue_order_id,
            )  # fmt: skip
            self._apply(parent, expiry)
            self._finish(parent, "EXPIRED")
            return
        reason = "cancelled" if parent.canceling else (why or "IOC: the rest was not filled")
        canceled = OrderCanceled(
            ts_event=now, ts_init=now, strategy_id=order.strategy_id, instrument_id=order.instrument_id,
            client_order_id=order.client_order_id, venue_order_id=order.venue_order_id, reason=reason,
        )  # fmt: skip
        self._apply(parent, canceled)
        self._finish(parent, "CANCELED")

    def _finish(self, parent: _Parent, status: str) -> None:
        """Close the parent (its events are out): fold its records into the quality totals and
        drop its bookkeeping; its records stay readable among the last ``keep_parents``."""
        if parent.done:  # finished (and purged) already
            return
        parent.done = True
        record = parent.record
        record.status = status
        child_parent = self._child_parent
        for cid in parent.working:  # children still working are no longer followed
            child_parent.pop(cid, None)
        venue_totals = self._venue_totals
        for child in parent.records:
            totals = venue_totals.get(child.venue)
            if totals is None:
                totals = venue_totals[child.venue] = QualityTotals()
            totals.add(child)
        strategy_totals = self._strategy_totals.get(record.strategy_id)
        if strategy_totals is None:
            strategy_totals = self._strategy_totals[record.strategy_id] = QualityTotals()
        strategy_totals.add(record)
        parent_id = record.parent_id
        del self._parents[parent_id]
        key = (record.strategy_id, parent.order.status)
        self._finished_ids[parent_id] = self._finished_keys.setdefault(key, key)
        finished = self._finished
        finished.append((parent_id, parent.records))
        keep = self.config.keep_parents
        while len(finished) > keep:
            old_id, old_children = finished.popleft()
            del self.parent_records[old_id]
            for child in old_children:
                del self.children[child.child_id]

    # -- events -------------------------------------------------------------------------------
    def _apply(self, parent: _Parent, event: OrderEvent) -> None:
        parent.order.apply(event)
        self.bus.publish(self._topic(parent.order.strategy_id), event)

    def _topic(self, strategy_id: StrategyId) -> str:
        topic = self._topics.get(strategy_id)
        if topic is None:
            topic = self._topics[strategy_id] = f"events.routed.{strategy_id}"
        return topic

    # -- queries ------------------------------------------------------------------------------
    def venue_quality(self) -> list[QualityRow]:
        """Execution quality of the children, one row per venue."""
        by_venue = {venue_id: totals.copy() for venue_id, totals in self._venue_totals.items()}
        for parent in self._parents.values():
            for record in parent.records:
                totals = by_venue.get(record.venue)
                if totals is None:
                    totals = by_venue[record.venue] = QualityTotals()
                totals.add(record)
        rows = []
        for venue_id in sorted(by_venue):
            row = quality_row(by_venue[venue_id], str(venue_id), spread=True)
            state = self.venues.get(venue_id)
            if state is not None:
                row = QualityRow(**{**row.__dict__, "decayed_fill_rate": state.fill_rate,
                                    "decayed_slippage_bps": state.slippage_bps})  # fmt: skip
            rows.append(row)
        return rows

    def strategy_quality(self) -> list[QualityRow]:
        """Execution quality of the parents, one row per strategy."""
        by_strategy = {sid: totals.copy() for sid, totals in self._strategy_totals.items()}
        for parent in self._parents.values():
            record = parent.record
            totals = by_strategy.get(record.strategy_id)
            if totals is None:
                totals = by_strategy[record.strategy_id] = QualityTotals()
            totals.add(record)
        return [quality_row(by_strategy[sid], str(sid), spread=False) for sid in sorted(by_strategy)]
