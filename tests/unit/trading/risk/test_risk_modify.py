"""check_modify: the new quantity / price / trigger against the same rules, net of the order itself."""

from __future__ import annotations

from decimal import Decimal

from risk_helpers import (
    AAPL,
    BUY,
    SELL,
    B,
    Setup,
    accept,
    cancel,
    equity,
    fill,
    message_of,
    px,
    qty,
    setup_with,
    usd,
)

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import AccountType, DenyReason
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money
from nautilus_platform.trading.risk import PriceSource, RiskLimits, RiskScope


def _working(s: Setup, order: Order) -> Order:
    """Accept ``order`` and count it in the state's open aggregates and account view."""
    accept(order)
    s.state.add_open_order(order)
    s.account.open_order_count += 1
    px_ = order.price or order.trigger_price
    assert px_ is not None
    s.account.open_notional_raw += order.leaves_raw * px_.raw // B
    return order


def test_plain_modify_passes_and_is_counted() -> None:
    s = Setup()
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert s.engine.check_modify(order, qty(12), px("100.05")) is None
    assert s.engine.modify_checks == 1
    assert s.engine.submit_checks == 0


def test_modify_of_a_closed_order_is_denied() -> None:
    s = Setup()
    order = cancel(accept(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))))
    denial = s.engine.check_modify(order, qty(5))
    assert denial is not None and denial[0] is DenyReason.ORDER_CLOSED
    assert message_of(denial) == f"order {order.client_order_id} is CANCELED"


def test_modify_quantity_must_exceed_the_filled_quantity() -> None:
    s = Setup()
    order = fill(accept(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))), qty(4), px("100.00"))
    assert s.engine.check_modify(order, qty(5)) is None
    denial = s.engine.check_modify(order, qty(4))
    assert denial is not None and denial[0] is DenyReason.INVALID_ORDER
    assert message_of(denial) == "quantity 4 must exceed filled 4"


def test_modify_of_an_unknown_instrument_is_denied() -> None:
    s = Setup()
    order = accept(s.factory.limit(InstrumentId("MSFT.XNAS"), BUY, qty(10), px("100.00")))
    denial = s.engine.check_modify(order, qty(5))
    assert denial is not None and denial[0] is DenyReason.INSTRUMENT_UNKNOWN


def test_modify_new_price_is_checked_for_tick_and_collar() -> None:
    s = setup_with(collar_bps=100)
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    denial = s.engine.check_modify(order, price=px("100.005"))
    assert denial is not None and denial[0] is DenyReason.PRICE_PRECISION
    denial = s.engine.check_modify(order, price=px("102.00"))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
    assert message_of(denial).startswith("price 102.00 ")
    assert s.engine.check_modify(order, price=px("101.00")) is None


def test_modify_new_trigger_price_is_collared() -> None:
    s = setup_with(collar_band=px("1.00"))
    order = _working(s, s.factory.stop_market(AAPL, SELL, qty(10), px("99.50")))
    assert s.engine.check_modify(order, trigger_price=px("99.00")) is None
    denial = s.engine.check_modify(order, trigger_price=px("98.99"))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
    assert message_of(denial).startswith("trigger_price 98.99 ")


def test_modify_unchanged_price_is_rechecked_against_the_current_collar() -> None:
    s = setup_with(collar_bps=100)
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    for source in PriceSource:  # the market moved away from the resting price
        s.state.set_price(AAPL, source, 110 * B)
    denial = s.engine.check_modify(order, qty(11))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR


def test_modify_quantity_bounds() -> None:
    s = setup_with(max_quantity=qty(20))
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert s.engine.check_modify(order, qty(20)) is None
    denial = s.engine.check_modify(order, qty(21))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_ABOVE_MAX
    assert message_of(denial) == "quantity 21 exceeds max_quantity 20"


def test_modify_does_not_count_as_a_new_open_order() -> None:
    s = setup_with(max_open_orders=1)
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert s.account.open_order_count == 1
    assert s.engine.check_modify(order, qty(11)) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_ORDERS


def test_modify_open_notional_nets_out_the_order_itself() -> None:
    s = setup_with(max_open_notional=usd(1_000))
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert s.account.open_notional_raw == 1_000 * B
    assert s.engine.check_modify(order, price=px("99.00")) is None
    assert s.engine.check_modify(order, qty(10), px("100.00")) is None
    denial = s.engine.check_modify(order, qty(11))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_NOTIONAL
    assert message_of(denial) == "open notional 1100.00 USD exceeds max_open_notional 1000.00 USD"


def test_modify_lowering_open_notional_passes_even_over_the_limit() -> None:
    s = setup_with(max_open_notional=usd(1_000))
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    s.account.open_notional_raw = 5_000 * B  # other orders (or the limit was lowered)
    assert s.engine.check_modify(order, qty(5)) is None


def test_modify_position_limit_nets_out_the_order_itself() -> None:
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, 50 * B)
    order = _working(s, s.factory.limit(AAPL, BUY, qty(50), px("100.00")))
    assert s.engine.check_modify(order, price=px("100.05")) is None
    denial = s.engine.check_modify(order, qty(51))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    assert message_of(denial) == "projected position 101 exceeds max_position 100"


def test_modify_of_a_partly_filled_order_counts_only_the_new_leaves() -> None:
    s = setup_with(max_position=qty(100))
    order = _working(s, s.factory.limit(AAPL, BUY, qty(60), px("100.00")))
    fill(order, qty(40), px("100.00"))
    # the state's aggregates follow the fill: position 40, open leaves 20
    s.state.set_position(AAPL, 40 * B)
    s.state.open[BUY][AAPL].leaves_raw = 20 * B
    assert s.engine.check_modify(order, qty(100)) is None  # leaves 60 -> projected 100
    denial = s.engine.check_modify(order, qty(101))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT


def test_modify_that_adds_nothing_passes_a_position_limit_already_exceeded() -> None:
    # The order rests at 150 and the limit was lowered to 100 afterwards: shrinking the order or
    # moving its price reduces (or keeps) the excess, so it passes; growing it does not.
    s = Setup()
    order = _working(s, s.factory.limit(AAPL, BUY, qty(150), px("99.00")))
    s.engine.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_position=qty(100)))
    assert s.engine.check_modify(order, qty(120)) is None
    assert s.engine.check_modify(order, price=px("98.00")) is None
    assert s.engine.check_modify(order, qty(150), px("98.00")) is None
    denial = s.engine.check_modify(order, qty(151))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    assert message_of(denial) == "projected position 151 exceeds max_position 100"


def test_modify_reduce_only_nets_out_the_order_itself() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    order = _working(s, s.factory.limit(AAPL, SELL, qty(6), px("101.00"), reduce_only=True))
    assert s.engine.check_modify(order, qty(10)) is None
    denial = s.engine.check_modify(order, qty(11))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY
    assert message_of(denial) == "reduce-only SELL 11 plus open reduce-only 0 exceeds the reducible position 10"


def test_modify_cash_buy_needs_only_the_extra_cost() -> None:
    s = Setup(account_type=AccountType.CASH)
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    s.account.free = {"USD": 101 * B}  # the order's 1,000 (+1 fee) is already locked
    assert s.engine.check_modify(order, qty(11)) is None  # +100 + 0.10 fee
    denial = s.engine.check_modify(order, qty(12))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert s.engine.check_modify(order, qty(5)) is None


def test_modify_margin_needs_only_the_extra_margin() -> None:
    s = Setup(instrument=equity(margin_init=Decimal("0.1")))
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    s.account.free = {"USD": Money.of("10.10", USD).raw}
    assert s.engine.check_modify(order, qty(11)) is None  # +10 margin +0.10 fee
    denial = s.engine.check_modify(order, qty(12))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_modify_ignores_the_duplicate_id_check() -> None:
    s = Setup()
    order = _working(s, s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert order.client_order_id in s.state.known_ids
    assert s.engine.check_modify(order, qty(11)) is None


# -- counters --------------------------------------------------------------------------------------


def test_counters_count_checks_denials_and_trips() -> None:
    s = setup_with(max_quantity=qty(10), max_daily_loss=usd(1))
    s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(11), px("100.00")))
    s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(12), px("100.00")))
    order = accept(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    s.engine.check_modify(order, qty(20))
    s.account.realized_pnl_today_raw = -2 * B
    s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    assert s.engine.checks == 5
    assert s.engine.counters() == {
        "submit_checks": 4,
        "modify_checks": 1,
        "breaker_trips": 1,
        "denied_quantity_above_max": 3,
        "denied_daily_loss_limit": 1,
    }
