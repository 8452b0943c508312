"""Property tests: checks never raise, passing orders obey the limits, and the fast path agrees
with the complete check."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import AAPL, ACCOUNT, B, Setup, accept

from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderType, TradingState
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.trading.risk import OpenOrders, PriceSource, RateLimit, RiskConfig, RiskLimits

CENT = 10_000_000  # raw of 0.01


def sometimes(values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """A value one time in five, else ``None``: few limits at a time, so that many orders pass."""
    return st.builds(lambda on, value: value if on else None, st.sampled_from([True] + [False] * 4), values)


def mostly(common: object, *rare: object) -> st.SearchStrategy[object]:
    return st.sampled_from([common] * 6 + list(rare))


money = st.integers(1, 60_000).map(lambda units: Money.of(units, USD))
quantity = st.integers(1, 800).map(lambda units: Quantity.of(units))
limits_strategy = st.builds(
    RiskLimits,
    max_quantity=sometimes(quantity),
    max_notional=sometimes(money),
    collar_bps=sometimes(st.integers(1, 3_000)),
    collar_band=sometimes(st.integers(1, 5_000).map(lambda cents: Price(raw=cents * CENT, precision=2))),
    reference_source=sometimes(st.sampled_from(PriceSource)),
    allow_without_reference=sometimes(st.booleans()),
    max_position=sometimes(quantity),
    max_gross_exposure=sometimes(money),
    max_net_exposure=sometimes(money),
    max_open_orders=sometimes(st.integers(1, 10)),
    max_open_notional=sometimes(money),
    submit_rate=sometimes(st.just(RateLimit(limit=1_000, interval_ns=B))),
    check_reduce_only=sometimes(st.booleans()),
    check_balance=sometimes(st.booleans()),
    max_daily_loss=sometimes(money),
    max_drawdown_bps=sometimes(st.integers(1, 1_500)),
    breaker_state=sometimes(st.sampled_from([TradingState.REDUCING, TradingState.HALTED])),
)


@dataclass(frozen=True)
class World:
    limits: RiskLimits
    account_type: AccountType
    global_state: TradingState
    account_state: TradingState
    position: int
    open_buy: int
    open_sell: int
    open_ro_sell: int
    prices: tuple[int | None, int | None, int | None]
    free_usd: int
    gross: int
    net: int
    open_count: int
    open_notional: int
    pnl_today: int
    equity: int


@dataclass(frozen=True)
class OrderSpec:
    kind: OrderType
    side: OrderSide
    quantity: int
    price_cents: int
    trigger_cents: int
    reduce_only: bool
    odd_price: bool


price_or_none = st.builds(
    lambda present, units: units * B if present else None, mostly(True, False), st.integers(90, 110)
)
world_strategy = st.builds(
    World,
    limits=limits_strategy,
    account_type=st.sampled_from(AccountType),
    global_state=st.sampled_from([TradingState.ACTIVE] * 18 + [TradingState.REDUCING, TradingState.HALTED]),
    account_state=st.sampled_from([TradingState.ACTIVE] * 18 + [TradingState.REDUCING, TradingState.HALTED]),
    position=st.integers(-400, 400).map(lambda units: units * B),
    open_buy=st.integers(0, 200).map(lambda units: units * B),
    open_sell=st.integers(0, 200).map(lambda units: units * B),
    open_ro_sell=st.integers(0, 50).map(lambda units: units * B),
    prices=st.tuples(price_or_none, price_or_none, price_or_none),
    free_usd=st.integers(0, 60_000).map(lambda units: units * B),
    gross=st.integers(0, 60_000).map(lambda units: units * B),
    net=st.integers(-60_000, 60_000).map(lambda units: units * B),
    open_count=st.integers(0, 12),
    open_notional=st.integers(0, 60_000).map(lambda units: units * B),
    pnl_today=st.integers(-60_000, 60_000).map(lambda units: units * B),
    equity=st.integers(900_000, 1_100_000).map(lambda units: units * B),  # the peak is 1,000,000
)
order_strategy = st.builds(
    OrderSpec,
    kind=st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET, OrderType.STOP_LIMIT]),
    side=st.sampled_from(OrderSide),
    quantity=st.integers(1, 400),
    price_cents=st.integers(8_500, 11_500),
    trigger_cents=st.integers(8_500, 11_500),
    reduce_only=mostly(False, True),
    odd_price=st.sampled_from([False] * 19 + [True]),
)


def build(world: World) -> Setup:
    s = Setup(RiskConfig(defaults=world.limits), account_type=world.account_type)
    for source, raw in zip(PriceSource, world.prices, strict=True):
        s.state.set_price(AAPL, source, raw)
    s.state.set_position(AAPL, world.position)
    s.state.open[OrderSide.BUY][AAPL] = _agg(world.open_buy)
    s.state.open[OrderSide.SELL][AAPL] = _agg(world.open_sell + world.open_ro_sell)
    s.state.reduce_only_leaves[(AAPL, OrderSide.SELL)] = world.open_ro_sell
    account = s.account
    account.free = {"USD": world.free_usd}
    account.gross_exposure_raw = world.gross
    account.net_exposure_raw = world.net
    account.open_order_count = world.open_count
    account.open_notional_raw = world.open_notional
    account.realized_pnl_today_raw = world.pnl_today
    account.equity_raw = world.equity
    s.engine.set_trading_state(world.global_state)
    s.engine.set_trading_state(world.account_state, ACCOUNT)
    return s


def _agg(leaves: int) -> OpenOrders:
    return OpenOrders(count=1 if leaves else 0, leaves_raw=leaves, notional_exact=leaves * 100 * B)


def make_order(s: Setup, spec: OrderSpec) -> Order:
    unit = 1_000_000 if spec.odd_price else CENT  # 0.001 steps break the instrument's precision
    price = Price(raw=spec.price_cents * unit, precision=3 if spec.odd_price else 2)
    trigger = Price(raw=spec.trigger_cents * CENT, precision=2)
    quantity = Quantity.of(spec.quantity)
    f = s.factory
    if spec.kind is OrderType.MARKET:
        return f.market(AAPL, spec.side, quantity, reduce_only=spec.reduce_only)
    if spec.kind is OrderType.LIMIT:
        return f.limit(AAPL, spec.side, quantity, price, reduce_only=spec.reduce_only)
    if spec.kind is OrderType.STOP_MARKET:
        return f.stop_market(AAPL, spec.side, quantity, trigger, reduce_only=spec.reduce_only)
    return f.stop_limit(AAPL, spec.side, quantity, price, trigger, reduce_only=spec.reduce_only)


@settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=world_strategy, spec=order_strategy)
def test_submit_never_raises_passing_orders_obey_limits_and_fast_path_agrees(world: World, spec: OrderSpec) -> None:
    s, twin = build(world), build(world)
    order = make_order(s, spec)
    denial = s.engine.check_submit(order)
    # the complete check on an identical engine decides the same, with the same explanation
    assert twin.engine._submit_full(make_order(twin, spec), ACCOUNT) == denial

    if denial is not None:
        reason, message = denial
        assert isinstance(reason, DenyReason)
        assert isinstance(message, str) and message
        return
    limits = world.limits
    effective_state = max(
        (world.global_state, world.account_state),
        key=[TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED].index,
    )
    assert effective_state is not TradingState.HALTED
    qty = order.quantity.raw
    assert qty <= 10_000 * B  # instrument max
    if limits.max_quantity is not None:
        assert qty <= limits.max_quantity.raw
    source = limits.reference_source or PriceSource.MID
    ref = world.prices[list(PriceSource).index(source)]
    px = order.price or order.trigger_price
    value_px = px.raw if px is not None else ref
    if limits.max_notional is not None and value_px is not None:
        assert qty * value_px <= limits.max_notional.raw * B
    reducible = max(world.position, 0) if order.side is OrderSide.SELL else max(-world.position, 0)
    same_side = world.open_buy if order.side is OrderSide.BUY else world.open_sell + world.open_ro_sell
    if effective_state is TradingState.REDUCING:
        assert qty + same_side <= reducible
    if order.reduce_only and limits.check_reduce_only is not False:
        assert qty + world.open_ro_sell * (order.side is OrderSide.SELL) <= reducible
    if limits.max_position is not None:
        projected = world.position + (qty + same_side) * order.side.sign
        assert projected * order.side.sign <= limits.max_position.raw
    if ref is not None and px is not None and limits.collar_bps is not None:
        for p in (order.price, order.trigger_price):
            if p is not None:
                assert abs(p.raw - ref) * 10_000 <= limits.collar_bps * ref


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=world_strategy, spec=order_strategy, new_qty=st.integers(1, 900), new_cents=st.integers(4_000, 16_000))
def test_modify_never_raises(world: World, spec: OrderSpec, new_qty: int, new_cents: int) -> None:
    s = build(world)
    order = accept(make_order(s, spec))
    s.state.add_open_order(order)
    price = Price(raw=new_cents * CENT, precision=2) if order.price is not None else None
    trigger = Price(raw=new_cents * CENT, precision=2) if order.trigger_price is not None else None
    denial = s.engine.check_modify(order, Quantity.of(new_qty), price, trigger)
    if denial is not None:
        assert isinstance(denial[0], DenyReason) and denial[1]
    else:
        assert world.global_state is not TradingState.HALTED
        assert world.account_state is not TradingState.HALTED
        if world.limits.max_quantity is not None:
            assert new_qty * B <= world.limits.max_quantity.raw


# -- the fast path at the boundaries of each limit --------------------------------------------------

BOUNDARY_FIELDS = (
    "max_quantity",
    "max_notional",
    "max_position",
    "max_open_orders",
    "max_open_notional",
    "max_gross_exposure",
    "max_net_exposure",
    "max_daily_loss",
    "max_drawdown_bps",
    "collar_bps",
    "collar_band",
    "free",
)


def _boundary_world(world: World, order: Order, field: str, delta: int) -> World:
    """``world`` with one limit (or the free balance) ``delta`` cents, units or bps away from what
    ``order`` measures against it; no other limit, no balance check."""
    value = _boundary_value(world, order, field, delta)
    if field == "free":
        assert isinstance(value, int)
        return replace(world, free_usd=value, limits=RiskLimits())
    kwargs: dict[str, Any] = {field: value, "check_balance": False}
    return replace(world, limits=RiskLimits(**kwargs))


def _boundary_value(world: World, order: Order, field: str, delta: int) -> object:
    qty = order.quantity.raw
    sign = order.side.sign
    mid = world.prices[1]
    assert mid is not None
    px = order.price or order.trigger_price
    px_raw = px.raw if px is not None else mid
    notional = qty * px_raw // B  # raw, rounded down
    same_side = world.open_buy if sign > 0 else world.open_sell + world.open_ro_sell
    cents = delta * CENT

    def money_limit(raw: int) -> Money:
        return Money(raw=max(raw - raw % CENT + cents, CENT), currency=USD)

    if field == "max_quantity":
        return Quantity.of(max(qty // B + delta, 1))
    if field == "max_notional":
        return money_limit(notional)
    if field == "max_position":
        projected = abs(world.position + sign * (qty + same_side))
        return Quantity(raw=max(projected + delta * B, B), precision=0)
    if field == "max_open_orders":
        return max(world.open_count + 1 + delta, 1)
    if field == "max_open_notional":
        return money_limit(world.open_notional + notional)
    if field == "max_gross_exposure":
        return money_limit(world.gross + notional)
    if field == "max_net_exposure":
        return money_limit(abs(world.net) + notional)
    if field == "max_daily_loss":
        return money_limit(-world.pnl_today)
    if field == "max_drawdown_bps":
        peak = 1_000_000 * B
        return min(max((peak - world.equity) * 10_000 // peak + delta, 1), 10_000)
    if field in ("collar_bps", "collar_band"):
        diff = max(abs(p.raw - mid) for p in (order.price, order.trigger_price) if p is not None) if px else 0
        if field == "collar_bps":
            return max(diff * 10_000 // mid + delta, 1)
        return Price(raw=max(diff + cents, CENT), precision=2)
    # the free balance around what the order needs (notional plus the 0.1% fee)
    return max(notional + notional // 1_000 + cents, 0)


@settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    world=world_strategy,
    spec=order_strategy,
    field=st.sampled_from(BOUNDARY_FIELDS),
    delta=st.integers(-3, 3),
    account_type=st.sampled_from(AccountType),
)
def test_fast_path_agrees_with_the_complete_check_at_limit_boundaries(
    world: World, spec: OrderSpec, field: str, delta: int, account_type: AccountType
) -> None:
    last, mid, mark = (p if p is not None else 100 * B for p in world.prices)
    world = replace(
        world,
        account_type=account_type,
        global_state=TradingState.ACTIVE,
        account_state=TradingState.ACTIVE,
        prices=(last, mid, mark),
    )
    spec = replace(spec, odd_price=False)
    world = _boundary_world(world, make_order(build(world), spec), field, delta)
    s, twin = build(world), build(world)
    denial = s.engine.check_submit(make_order(s, spec))
    assert twin.engine._submit_full(make_order(twin, spec), ACCOUNT) == denial
