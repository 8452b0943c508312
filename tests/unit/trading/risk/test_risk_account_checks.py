"""Position limit, reduce-only, exposure, open orders, and balance / margin checks."""

from __future__ import annotations

from decimal import Decimal

from risk_helpers import (
    AAPL,
    ACCOUNT,
    BTCUSDT,
    BUY,
    SELL,
    B,
    Setup,
    accept,
    btc_spot,
    equity,
    message_of,
    px,
    qty,
    setup_with,
    usd,
)

from nautilus_platform.core.identifiers import AccountId
from nautilus_platform.model.enums import AccountType, DenyReason
from nautilus_platform.model.values import EUR, USD, USDT, Money
from nautilus_platform.trading.risk import AccountSnapshot, PriceSource, RiskConfig, RiskLimits

# -- position limit ------------------------------------------------------------------------------


def test_position_limit_counts_the_position_and_same_side_open_orders() -> None:
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, 50 * B)
    s.state.add_open_order(s.factory.limit(AAPL, BUY, qty(30), px("99.00")))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(20), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(21), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    assert message_of(denial) == "projected position 101 exceeds max_position 100"


def test_position_limit_on_the_short_side() -> None:
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, -50 * B)
    s.state.add_open_order(s.factory.limit(AAPL, SELL, qty(30), px("101.00")))
    assert s.engine.check_submit(s.factory.market(AAPL, SELL, qty(20))) is None
    denial = s.engine.check_submit(s.factory.market(AAPL, SELL, qty(21)))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    assert message_of(denial) == "projected position -101 exceeds max_position 100"


def test_position_limit_ignores_opposite_side_open_orders() -> None:
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, 50 * B)
    s.state.add_open_order(s.factory.limit(AAPL, SELL, qty(1_000), px("101.00")))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None


def test_position_limit_denies_a_flip_beyond_the_limit() -> None:
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, 50 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(150), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(151), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT


def test_position_limit_lets_a_position_above_the_limit_be_reduced() -> None:
    # The limit was lowered (or the position grew) after the fact: reducing must stay possible.
    s = setup_with(max_position=qty(100))
    s.state.set_position(AAPL, 150 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT
    s.state.set_position(AAPL, -150 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))) is None
    # ... but not flipped past the limit on the other side
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(251), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.POSITION_LIMIT


# -- reduce-only ---------------------------------------------------------------------------------


def test_reduce_only_within_the_position_passes() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"), reduce_only=True)) is None


def test_reduce_only_that_would_flip_is_denied() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(11), px("100.00"), reduce_only=True))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY
    assert message_of(denial) == "reduce-only SELL 11 plus open reduce-only 0 exceeds the reducible position 10"


def test_reduce_only_that_would_increase_is_denied() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    denial = s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1), reduce_only=True))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY
    assert "reducible position 0" in message_of(denial)


def test_reduce_only_when_flat_is_denied() -> None:
    s = Setup()
    denial = s.engine.check_submit(s.factory.market(AAPL, SELL, qty(1), reduce_only=True))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY


def test_reduce_only_buy_covers_a_short() -> None:
    s = Setup()
    s.state.set_position(AAPL, -5 * B)
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(5), reduce_only=True)) is None
    denial = s.engine.check_submit(s.factory.market(AAPL, BUY, qty(6), reduce_only=True))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY


def test_reduce_only_counts_open_reduce_only_orders() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    s.state.add_open_order(s.factory.limit(AAPL, SELL, qty(6), px("101.00"), reduce_only=True))
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(4), px("101.00"), reduce_only=True)) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(5), px("101.00"), reduce_only=True))
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY
    assert message_of(denial) == "reduce-only SELL 5 plus open reduce-only 6 exceeds the reducible position 10"


def test_reduce_only_counts_oco_siblings_once() -> None:
    # A bracket's take-profit and stop-loss are alternatives: only the larger leg counts.
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    tp = s.factory.limit(AAPL, SELL, qty(10), px("101.00"), reduce_only=True)
    sl = s.factory.stop_market(AAPL, SELL, qty(10), px("99.00"), reduce_only=True)
    tp, sl = s.factory.oco(tp, sl).orders
    s.state.add_open_order(accept(tp))
    s.state.orders[sl.client_order_id] = sl
    assert s.engine.check_submit(sl) is None
    other = s.factory.limit(AAPL, SELL, qty(1), px("101.00"), reduce_only=True)  # not linked: counted in full
    denial = s.engine.check_submit(other)
    assert denial is not None and denial[0] is DenyReason.REDUCE_ONLY


def test_reduce_only_check_can_be_switched_off() -> None:
    s = setup_with(check_reduce_only=False)
    s.state.set_position(AAPL, 10 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(11), px("100.00"), reduce_only=True)) is None


# -- max open orders and open notional -------------------------------------------------------------


def test_max_open_orders() -> None:
    s = setup_with(max_open_orders=3)
    s.account.open_order_count = 2
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.account.open_order_count = 3
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_ORDERS
    assert message_of(denial) == "open orders 4 would exceed max_open_orders 3"


def test_max_open_notional() -> None:
    s = setup_with(max_open_notional=usd(10_000))
    s.account.open_notional_raw = 5_000 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_NOTIONAL
    assert message_of(denial) == "open notional 10100.00 USD exceeds max_open_notional 10000.00 USD"


def test_max_open_notional_in_another_currency() -> None:
    s = setup_with(max_open_notional=Money.of(9_000, EUR))
    s.account.open_notional_raw = 5_000 * B  # USD, the account's base currency
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    s.state.rates[("USD", "EUR")] = 900_000_000
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None  # 9,000 EUR
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_NOTIONAL
    assert message_of(denial) == "open notional 9090.00 EUR exceeds max_open_notional 9000.00 EUR"


# -- gross and net exposure ------------------------------------------------------------------------


def test_gross_exposure() -> None:
    s = setup_with(max_gross_exposure=usd(10_000))
    s.account.gross_exposure_raw = 5_000 * B
    s.state.set_position(AAPL, 50 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.GROSS_EXPOSURE
    assert message_of(denial) == "gross exposure 10100.00 USD exceeds max_gross_exposure 10000.00 USD"


def test_gross_exposure_counts_only_the_increase_of_a_flip() -> None:
    s = setup_with(max_gross_exposure=usd(10_000))
    s.account.gross_exposure_raw = 5_000 * B
    s.state.set_position(AAPL, 50 * B)
    # long 50 -> short 100: |-100| - |50| = 50 more at 100.00
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(150), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(151), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.GROSS_EXPOSURE


def test_gross_exposure_above_the_limit_can_still_be_reduced() -> None:
    s = setup_with(max_gross_exposure=usd(10_000))
    s.account.gross_exposure_raw = 20_000 * B
    s.state.set_position(AAPL, 200 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.GROSS_EXPOSURE


def test_gross_exposure_limit_in_another_currency() -> None:
    s = setup_with(max_gross_exposure=Money.of(9_000, EUR))
    s.state.rates[("USD", "EUR")] = 900_000_000
    s.account.gross_exposure_raw = 5_000 * B  # 4,500 EUR
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.GROSS_EXPOSURE
    assert message_of(denial) == "gross exposure 9090.00 EUR exceeds max_gross_exposure 9000.00 EUR"


def test_net_exposure_long_and_short() -> None:
    s = setup_with(max_net_exposure=usd(10_000))
    s.account.net_exposure_raw = 5_000 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(150), px("100.00"))) is None  # net -10,000
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NET_EXPOSURE
    assert message_of(denial) == "net exposure 10100.00 USD exceeds max_net_exposure 10000.00 USD"
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(151), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NET_EXPOSURE
    assert message_of(denial) == "net exposure -10100.00 USD exceeds max_net_exposure 10000.00 USD"


def test_net_exposure_above_the_limit_can_still_be_reduced() -> None:
    s = setup_with(max_net_exposure=usd(10_000))
    s.account.net_exposure_raw = -20_000 * B
    s.state.set_position(AAPL, -200 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NET_EXPOSURE


# -- cash balance ----------------------------------------------------------------------------------


def _cash(free: dict[str, int], instrument: object = None) -> Setup:
    s = Setup(instrument=instrument or equity(), account_type=AccountType.CASH)  # type: ignore[arg-type]
    s.account.free = free
    return s


def test_cash_buy_needs_notional_plus_taker_fee() -> None:
    s = _cash({"USD": 10_010 * B})  # 100 @ 100.00 = 10,000 + 0.1% fee = 10,010
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00"))) is None
    s.account.free["USD"] = 10_010 * B - 10_000_000  # one cent short
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert message_of(denial) == ("buy cost 10010.00 USD (notional plus fees) exceeds free balance 10009.99 USD")


def test_cash_buy_market_order_is_valued_at_the_reference() -> None:
    s = _cash({"USD": 1_000 * B})
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(9))) is None  # 909.00
    denial = s.engine.check_submit(s.factory.market(AAPL, BUY, qty(10)))  # 1,010.00
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE


def test_cash_buy_uses_the_larger_of_maker_and_taker_fee() -> None:
    s = _cash({"USD": 10_010 * B}, equity(maker_fee=Decimal("0.002")))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and "10020.00 USD" in message_of(denial)


def test_cash_buy_of_a_spot_pair_needs_quote_currency() -> None:
    s = _cash({"USDT": 1_001 * B, "BTC": 0}, btc_spot())
    s.account.base_currency = USDT
    for source in PriceSource:
        s.state.set_price(BTCUSDT, source, 100 * B)
    assert s.engine.check_submit(s.factory.limit(BTCUSDT, BUY, qty(10), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(BTCUSDT, BUY, qty("10.0001"), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert "USDT" in message_of(denial)


def test_cash_spot_sell_needs_base_currency() -> None:
    s = _cash({"USDT": 0, "BTC": 1_500_000_000}, btc_spot())  # 1.5 BTC
    for source in PriceSource:
        s.state.set_price(BTCUSDT, source, 100 * B)
    assert s.engine.check_submit(s.factory.limit(BTCUSDT, SELL, qty("1.5"), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(BTCUSDT, SELL, qty("1.5001"), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert message_of(denial) == "sell 1.50010000 BTC exceeds free balance 1.50000000 BTC"


def test_cash_sell_of_a_share_needs_the_held_quantity_less_open_sells() -> None:
    s = _cash({"USD": 0})
    s.state.set_position(AAPL, 10 * B)
    s.state.add_open_order(s.factory.limit(AAPL, SELL, qty(3), px("101.00")))
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(7), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(8), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert message_of(denial) == "sell 8 exceeds the held quantity available 7 of AAPL.XNAS"


def test_balance_check_without_account_state_is_denied() -> None:
    s = Setup()
    del s.state.accounts[ACCOUNT]
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_BALANCE
    assert message_of(denial) == "no account state for SIM-001"


def test_account_limits_without_account_state_fail_closed() -> None:
    s = setup_with(check_balance=False, max_open_orders=10)
    del s.state.accounts[ACCOUNT]
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_ACCOUNT_STATE
    assert message_of(denial) == "account limits apply but there is no account state for SIM-001"
    plain = setup_with(check_balance=False)  # no account limits: nothing to measure, nothing denied
    del plain.state.accounts[ACCOUNT]
    assert plain.engine.check_submit(plain.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_balance_check_can_be_switched_off() -> None:
    s = setup_with(check_balance=False)
    s.account.free = {}
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10_000), px("100.00"))) is None


# -- margin ----------------------------------------------------------------------------------------


def _margin(free_usd: int | str, **changes: object) -> Setup:
    s = Setup(instrument=equity(margin_init=Decimal("0.1"), **changes))
    s.account.free = {"USD": Money.of(free_usd, USD).raw}
    return s


def test_margin_buy_needs_initial_margin_plus_fee() -> None:
    s = _margin(1_010)  # 100 @ 100: 10% of 10,000 + 10 fee
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00"))) is None
    s = _margin("1009.99")
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN
    assert message_of(denial) == ("initial margin 1010.00 USD (plus fees) exceeds free margin 1009.99 USD")


def test_margin_short_sell_needs_margin_too() -> None:
    s = _margin("1009.99")
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_margin_reducing_order_needs_only_the_fee() -> None:
    s = _margin(10)
    s.state.set_position(AAPL, -100 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00"))) is None
    s = _margin("9.99")
    s.state.set_position(AAPL, -100 * B)
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_margin_on_the_part_of_a_flip_that_opens() -> None:
    s = _margin(130)  # short 50, buy 100: margin on 50 (500) is too much
    s.state.set_position(AAPL, -50 * B)
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and message_of(denial).startswith("initial margin 510.00 USD")


def test_margin_counts_open_orders_that_already_reduce_the_position() -> None:
    # Short 100 with an open buy of 100 that closes it: another buy of 100 opens a long of 100.
    s = _margin(100)
    s.state.set_position(AAPL, -100 * B)
    s.state.add_open_order(s.factory.limit(AAPL, BUY, qty(100), px("99.00")))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(100), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN
    assert message_of(denial).startswith("initial margin 1010.00 USD")


# -- per-account state ------------------------------------------------------------------------------


def test_checks_use_the_account_of_the_order() -> None:
    s = setup_with(max_open_orders=1)
    other = AccountId("SIM-002")
    s.state.accounts[other] = AccountSnapshot(AccountType.MARGIN, USD, free={"USD": 1_000_000 * B})
    s.account.open_order_count = 1
    order = s.factory.limit(AAPL, BUY, qty(1), px("100.00"))
    assert s.engine.check_submit(order, other) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_OPEN_ORDERS


def test_instrument_account_mapping_picks_the_account() -> None:
    s = Setup(RiskConfig(accounts={"SIM-002": RiskLimits(max_quantity=qty(5))}))
    other = AccountId("SIM-002")
    s.state.accounts[other] = AccountSnapshot(AccountType.MARGIN, USD, free={"USD": 1_000_000 * B})
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(6), px("100.00"))) is None
    s.state.instrument_accounts[AAPL] = other
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(6), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_ABOVE_MAX
