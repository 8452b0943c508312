"""Two simulated venues in one node: an L1 venue with fees and a venue with latency."""

from __future__ import annotations

from decimal import Decimal

from exec_support import AAPL, SIM_ACCOUNT, Harness, check_journal, equity, px, qty, raw

from nautilus_platform.core.identifiers import AccountId, InstrumentId
from nautilus_platform.model.enums import AccountType, DenyReason, LiquiditySide, OrderSide, OrderStatus, TradingState
from nautilus_platform.model.events import OrderDenied, OrderFilled
from nautilus_platform.model.values import USD, Money
from nautilus_platform.venues.simulated import FeeModel, LatencyModel, SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL
MSFT_LAT = InstrumentId("MSFT.LAT")
LAT_ACCOUNT = AccountId("LAT-001")
LATENCY_NS = 5_000_000


def _two_venues(latency: LatencyModel | None = None) -> Harness:
    h = Harness(add_default_venue=False)
    node = h.node
    node.add_venue(
        SimulatedVenueConfig(venue_id="SIM", fee_model=FeeModel(maker_bps=Decimal(1), taker_bps=Decimal(5))),
        AccountType.MARGIN,
        USD,
        [Money.of(1_000_000, USD)],
    )
    node.add_venue(
        SimulatedVenueConfig(venue_id="LAT", latency_model=latency or LatencyModel(insert_ns=LATENCY_NS)),
        AccountType.CASH,
        USD,
        [Money.of(500_000, USD)],
    )
    node.add_instrument(equity(AAPL))
    node.add_instrument(equity(MSFT_LAT))
    h.quote("100.10", "100.20", 500, 500)
    h.quote("200.00", "200.10", 500, 500, instrument_id=MSFT_LAT)
    return h


def test_each_venue_trades_its_own_instrument_into_its_own_account() -> None:
    h = _two_venues()
    f = h.factory
    aapl = h.submit(f.market(AAPL, BUY, qty(100)))
    msft = h.submit(f.market(MSFT_LAT, BUY, qty(100)))
    # the fee venue answers at once; the latency venue has not seen the order yet
    assert aapl.status is OrderStatus.FILLED
    assert msft.status is OrderStatus.SUBMITTED
    assert h.node.venues[MSFT_LAT.venue].pending_count == 1
    (aapl_fill,) = h.of_type(OrderFilled, aapl)
    assert aapl_fill.account_id == SIM_ACCOUNT
    assert aapl_fill.commission == Money.of("5.01", USD)  # 100 * 100.20 * 5 bps, taker
    assert h.balance_raw(SIM_ACCOUNT) == Money.of("999994.99", USD).raw
    assert h.balance_raw(LAT_ACCOUNT) == Money.of(500_000, USD).raw

    # the market moves while the order travels: it fills at the price on arrival
    h.quote("200.20", "200.30", 500, 500, instrument_id=MSFT_LAT, step_ns=LATENCY_NS // 2)
    assert msft.status is OrderStatus.SUBMITTED
    h.advance(h.now + LATENCY_NS // 2)
    assert msft.status is OrderStatus.FILLED
    (msft_fill,) = h.of_type(OrderFilled, msft)
    assert msft_fill.account_id == LAT_ACCOUNT
    assert msft_fill.last_px == px("200.30")
    assert msft_fill.commission == Money.of(0, USD)
    assert msft_fill.ts_event == h.of_type(OrderFilled, aapl)[0].ts_event + LATENCY_NS
    # cash account: the notional left the balance; the margin account is untouched by it
    assert h.balance_raw(LAT_ACCOUNT) == Money.of("479970.00", USD).raw
    assert h.balance_raw(SIM_ACCOUNT) == Money.of("999994.99", USD).raw
    assert h.position_raw(AAPL) == raw(100) and h.position_raw(MSFT_LAT) == raw(100)
    accounts = {p.instrument_id: p.account_id for p in h.node.portfolio.open_positions()}
    assert accounts == {AAPL: SIM_ACCOUNT, MSFT_LAT: LAT_ACCOUNT}
    check_journal(h.node, h.events)


def test_maker_fee_and_realised_pnl_land_on_the_fee_venue_account_only() -> None:
    h = _two_venues()
    f = h.factory
    h.submit(f.market(AAPL, BUY, qty(100)))
    exit_ = h.submit(f.limit(AAPL, SELL, qty(100), px("101.00")))
    h.quote("101.00", "101.10", 500, 500)
    assert exit_.status is OrderStatus.FILLED
    (fill,) = h.of_type(OrderFilled, exit_)
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.commission == Money.of("1.01", USD)  # 100 * 101.00 * 1 bp
    (closed,) = h.node.portfolio.closed_positions
    assert closed.realized_raw == Money.of("80.00", USD).raw
    assert h.balance_raw(SIM_ACCOUNT) == Money.of("1000073.98", USD).raw  # + 80.00 - 5.01 - 1.01
    assert h.balance_raw(LAT_ACCOUNT) == Money.of(500_000, USD).raw


def test_kill_switch_cancels_at_both_venues_respecting_latency() -> None:
    h = _two_venues()
    f = h.factory
    sim_order = h.submit(f.limit(AAPL, BUY, qty(10), px("99.00")))
    lat_order = h.submit(f.limit(MSFT_LAT, BUY, qty(10), px("199.00")))
    h.advance(h.now + LATENCY_NS)
    assert lat_order.status is OrderStatus.ACCEPTED
    assert h.node.execution.kill() == 2
    assert sim_order.status is OrderStatus.CANCELED
    assert lat_order.status is OrderStatus.PENDING_CANCEL  # the cancel is on its way
    h.advance(h.now + LATENCY_NS)
    assert lat_order.status is OrderStatus.CANCELED
    assert h.node.venues[AAPL.venue].open_orders() == [] and h.node.venues[MSFT_LAT.venue].open_orders() == []
    late = h.submit(f.market(MSFT_LAT, BUY, qty(1)))
    assert h.of_type(OrderDenied, late)[0].reason is DenyReason.TRADING_HALTED


def test_reducing_one_account_leaves_the_other_venue_trading() -> None:
    h = _two_venues()
    f = h.factory
    h.node.risk.set_trading_state(TradingState.REDUCING, LAT_ACCOUNT)
    blocked = h.submit(f.market(MSFT_LAT, BUY, qty(10)))
    allowed = h.submit(f.market(AAPL, BUY, qty(10)))
    assert blocked.status is OrderStatus.DENIED
    assert h.of_type(OrderDenied, blocked)[0].reason is DenyReason.TRADING_REDUCING
    assert allowed.status is OrderStatus.FILLED
    assert h.node.risk.trading_state(SIM_ACCOUNT) is TradingState.ACTIVE


def test_orders_route_by_instrument_venue_and_an_unknown_venue_is_denied() -> None:
    h = _two_venues()
    f = h.factory
    ghost = h.submit(f.market(InstrumentId("IBM.NOWHERE"), BUY, qty(1)))
    assert ghost.status is OrderStatus.DENIED
    assert h.of_type(OrderDenied, ghost)[0].reason in (DenyReason.INSTRUMENT_UNKNOWN, DenyReason.NO_VENUE)
    h.submit(f.market(MSFT_LAT, BUY, qty(5)))
    h.advance(h.now + LATENCY_NS)
    assert h.node.venues[AAPL.venue].engine(MSFT_LAT) is None
    assert h.position_raw(MSFT_LAT) == raw(5) and h.position_raw(AAPL) == 0


def test_cancel_and_modify_of_an_in_flight_order_raise_no_refusals() -> None:
    h = _two_venues(LatencyModel(insert_ns=LATENCY_NS))  # modify and cancel take as long as the insert
    f = h.factory
    to_modify = h.submit(f.limit(MSFT_LAT, BUY, qty(10), px("199.00")))
    to_cancel = h.submit(f.limit(MSFT_LAT, BUY, qty(10), px("198.00")))
    h.modify(to_modify, price=px("199.50"))
    h.cancel(to_cancel)
    h.advance(h.now + LATENCY_NS)
    assert to_modify.price == px("199.50") and to_modify.status is OrderStatus.ACCEPTED
    assert to_cancel.status is OrderStatus.CANCELED
    assert h.errors == []
    assert h.node.execution.refused_events == []
