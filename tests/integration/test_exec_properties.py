"""Property test: random order flow through ``TradingNode`` keeps the books consistent."""

from __future__ import annotations

from typing import Any

from exec_support import AAPL, MSFT, SIM_ACCOUNT, Harness, check_journal, equity, qty
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_platform.core.identifiers import ClientOrderId, InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import TERMINAL_STATUSES, AccountType, OrderSide, OrderStatus, TimeInForce
from nautilus_platform.model.events import OrderEvent, OrderFilled
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.venues.simulated import SimulatedVenueConfig

INSTRUMENTS = (AAPL, MSFT)
BASE_RAW = 100 * 10**9
TICK_RAW = 10**7
SIDES = st.sampled_from([OrderSide.BUY, OrderSide.SELL])
TIFS = st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])

quotes = st.tuples(
    st.just("quote"),
    st.integers(0, 1),
    st.integers(-40, 40),  # bid offset in ticks from 100.00
    st.integers(1, 5),  # spread in ticks
    st.integers(0, 200),
    st.integers(0, 200),
)
markets = st.tuples(st.just("market"), st.integers(0, 1), SIDES, st.integers(1, 150), TIFS)
limits = st.tuples(
    st.just("limit"), st.integers(0, 1), SIDES, st.integers(1, 150), st.integers(-20, 20), TIFS, st.booleans()
)
cancels = st.tuples(st.just("cancel"), st.integers(0, 1_000))
modifies = st.tuples(st.just("modify"), st.integers(0, 1_000), st.integers(1, 150), st.integers(-20, 20))
operations = st.lists(st.one_of(quotes, quotes, markets, limits, limits, cancels, modifies), min_size=8, max_size=40)


class Recorder:
    """Every order event with the order's status right after it was handled."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.statuses: dict[ClientOrderId, list[OrderStatus]] = {}
        self.fills: list[OrderFilled] = []
        h.node.bus.subscribe("events.order.*", self.on_event)

    def on_event(self, event: OrderEvent) -> None:
        order = self.h.node.cache.orders.get(event.client_order_id)
        if order is not None:
            self.statuses.setdefault(order.client_order_id, []).append(order.status)
        if type(event) is OrderFilled:
            self.fills.append(event)


def _node() -> tuple[Harness, Recorder]:
    h = Harness(add_default_venue=False)
    h.node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10_000_000, USD)])
    for iid in INSTRUMENTS:
        h.node.add_instrument(equity(iid, maker_fee="0.0001", taker_fee="0.0005"))
    return h, Recorder(h)


def _quote(h: Harness, iid: InstrumentId, bid_raw: int, ask_raw: int, bid_size: int, ask_size: int) -> None:
    ts = h.tick()
    h.node.process(
        QuoteTick.of(
            iid, Price(raw=bid_raw, precision=2), Price(raw=ask_raw, precision=2), qty(bid_size), qty(ask_size), ts
        )
    )


def _pick(h: Harness, submitted: list[Order], index: int) -> Order:
    """Mostly a working order; sometimes any order (closed ones must be refused cleanly)."""
    working = h.node.cache.orders_open()
    if working and index % 4:
        return working[index % len(working)]
    return submitted[index % len(submitted)]


def _run(h: Harness, ops: list[tuple[Any, ...]]) -> list[Order]:
    f = h.factory
    submitted: list[Order] = []
    for iid in INSTRUMENTS:
        _quote(h, iid, BASE_RAW, BASE_RAW + TICK_RAW, 100, 100)
    for op in ops:
        kind = op[0]
        if kind == "quote":
            _, i, off, spread, bid_size, ask_size = op
            bid = BASE_RAW + off * TICK_RAW
            _quote(h, INSTRUMENTS[i], bid, bid + spread * TICK_RAW, bid_size, ask_size)
        elif kind == "market":
            _, i, side, size, tif = op
            submitted.append(h.submit(f.market(INSTRUMENTS[i], side, qty(size), time_in_force=tif)))
        elif kind == "limit":
            _, i, side, size, off, tif, post_only = op
            mid = h.node.cache.mid_raw[INSTRUMENTS[i]]
            price = Price(raw=mid // TICK_RAW * TICK_RAW + off * TICK_RAW, precision=2)
            order = f.limit(
                INSTRUMENTS[i],
                side,
                qty(size),
                price,
                time_in_force=tif,
                post_only=post_only and tif is TimeInForce.GTC,
            )
            submitted.append(h.submit(order))
        elif kind == "cancel" and submitted:
            h.cancel(_pick(h, submitted, op[1]))
        elif kind == "modify" and submitted:
            _, index, size, off = op
            order = _pick(h, submitted, index)
            price = None
            if order.price is not None:
                price = Price(raw=max(order.price.raw + off * TICK_RAW, TICK_RAW), precision=2)
            h.modify(order, quantity=qty(size), price=price)
    return submitted


def _flatten(h: Harness) -> None:
    h.node.execution.cancel_everything("flatten")
    for iid in INSTRUMENTS:
        _quote(h, iid, BASE_RAW, BASE_RAW + TICK_RAW, 1_000_000, 1_000_000)
        net = h.node.portfolio.net_positions.get(iid, 0)
        if net:
            side = OrderSide.SELL if net > 0 else OrderSide.BUY
            close = h.submit(h.factory.market(iid, side, Quantity(raw=abs(net), precision=0)))
            assert close.status is OrderStatus.FILLED, (close, close.events[-1])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_random_order_flow_keeps_orders_positions_and_balances_consistent(ops: list[tuple[Any, ...]]) -> None:
    h, rec = _node()
    submitted = _run(h, ops)

    # filled <= quantity, and an order's filled quantity is the sum of its fills
    per_order: dict[ClientOrderId, int] = {}
    for fill in rec.fills:
        per_order[fill.client_order_id] = per_order.get(fill.client_order_id, 0) + fill.last_qty.raw
    for order in h.node.cache.orders.values():
        assert 0 <= order.filled_raw <= order.quantity.raw, order
        assert order.filled_raw == per_order.get(order.client_order_id, 0), order
        if order.status is OrderStatus.FILLED:
            assert order.filled_raw == order.quantity.raw, order
    # signed fills per instrument == the portfolio's net position
    for iid in INSTRUMENTS:
        signed = sum(f.last_qty.raw * f.order_side.sign for f in rec.fills if f.instrument_id == iid)
        assert signed == h.node.portfolio.net_positions.get(iid, 0)
    # the venue's open orders are exactly the engine's open orders
    venue_open = {r.client_order_id for r in h.node.venues[AAPL.venue].open_orders()}
    assert venue_open == {o.client_order_id for o in h.node.cache.orders_open()}

    _flatten(h)

    assert all(not o.is_open for o in submitted)
    assert not h.node.portfolio.open_positions()
    account = h.node.portfolio.accounts[SIM_ACCOUNT]
    closed = h.node.portfolio.closed_positions
    realized = sum(p.realized_raw for p in closed)
    commissions = sum(p.commissions.get(USD, 0) for p in closed)
    assert commissions == sum(f.commission.raw for f in rec.fills)
    assert account.balances[USD] - account.starting_balances[USD] == realized - commissions
    # a terminal status is final
    for cid, statuses in rec.statuses.items():
        terminal = [i for i, s in enumerate(statuses) if s in TERMINAL_STATUSES]
        if terminal:
            assert len(set(statuses[terminal[0] :])) == 1, (cid, statuses)
    assert h.node.execution.refused_events == []
    check_journal(h.node, h.events)
