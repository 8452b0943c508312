"""Trading states (ACTIVE / REDUCING / HALTED, global and per account) and the loss breakers."""

from __future__ import annotations

from risk_helpers import AAPL, ACCOUNT, BUY, SELL, B, Setup, accept, message_of, px, qty, setup_with, usd

from nautilus_platform.core.identifiers import AccountId
from nautilus_platform.model.enums import AccountType, DenyReason, TradingState
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.trading.risk import AccountSnapshot, RiskConfig, RiskLimits

OTHER = AccountId("SIM-002")


def _with_other_account(s: Setup) -> Setup:
    s.state.accounts[OTHER] = AccountSnapshot(
        AccountType.MARGIN, USD, free={"USD": 1_000_000 * B}, equity_raw=1_000_000 * B, peak_equity_raw=1_000_000 * B
    )
    return s


# -- trading states --------------------------------------------------------------------------------


def test_initial_state_is_active() -> None:
    s = Setup()
    assert s.engine.trading_state() is TradingState.ACTIVE
    assert s.engine.trading_state(ACCOUNT) is TradingState.ACTIVE


def test_halted_denies_everything_even_reducing_orders() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    s.engine.set_trading_state(TradingState.HALTED)
    for order in (
        s.factory.limit(AAPL, BUY, qty(1), px("100.00")),
        s.factory.market(AAPL, SELL, qty(5), reduce_only=True),
    ):
        denial = s.engine.check_submit(order)
        assert denial is not None and denial[0] is DenyReason.TRADING_HALTED
        assert "HALTED" in message_of(denial)


def test_halted_denies_modifies() -> None:
    s = Setup()
    order = accept(s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    s.engine.set_trading_state(TradingState.HALTED)
    denial = s.engine.check_modify(order, qty(5))
    assert denial is not None and denial[0] is DenyReason.TRADING_HALTED


def test_back_to_active_lets_orders_through() -> None:
    s = Setup()
    s.engine.set_trading_state(TradingState.HALTED)
    s.engine.set_trading_state(TradingState.ACTIVE)
    assert s.engine.trading_state() is TradingState.ACTIVE
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_reducing_allows_only_orders_that_reduce() -> None:
    s = Setup()
    s.state.set_position(AAPL, 10 * B)
    s.engine.set_trading_state(TradingState.REDUCING)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(10), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.market(AAPL, SELL, qty(4))) is None
    for order in (
        s.factory.limit(AAPL, BUY, qty(1), px("100.00")),  # increases
        s.factory.limit(AAPL, SELL, qty(11), px("100.00")),  # flips
    ):
        denial = s.engine.check_submit(order)
        assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING
        assert "REDUCING" in message_of(denial)


def test_reducing_when_flat_denies_every_order() -> None:
    s = Setup()
    s.engine.set_trading_state(TradingState.REDUCING)
    for side in (BUY, SELL):
        denial = s.engine.check_submit(s.factory.limit(AAPL, side, qty(1), px("100.00")))
        assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING


def test_reducing_counts_same_side_open_orders_against_a_flip() -> None:
    s = Setup()
    s.state.set_position(AAPL, -10 * B)
    s.state.add_open_order(s.factory.limit(AAPL, BUY, qty(6), px("99.00")))
    s.engine.set_trading_state(TradingState.REDUCING)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(4), px("99.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("99.00")))
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING


def test_reducing_lets_a_modify_shrink_an_order_but_not_grow_it() -> None:
    s = Setup()
    order = accept(s.factory.limit(AAPL, BUY, qty(10), px("99.00")))
    s.state.add_open_order(order)
    s.engine.set_trading_state(TradingState.REDUCING)
    assert s.engine.check_modify(order, qty(5)) is None
    denial = s.engine.check_modify(order, qty(11))
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING


def test_account_state_applies_to_that_account_only() -> None:
    s = _with_other_account(Setup())
    s.engine.set_trading_state(TradingState.HALTED, ACCOUNT)
    assert s.engine.trading_state() is TradingState.ACTIVE
    assert s.engine.trading_state(ACCOUNT) is TradingState.HALTED
    assert s.engine.trading_state(OTHER) is TradingState.ACTIVE
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.TRADING_HALTED
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")), OTHER) is None


def test_the_stricter_of_global_and_account_state_applies() -> None:
    s = _with_other_account(Setup())
    s.engine.set_trading_state(TradingState.REDUCING)
    s.engine.set_trading_state(TradingState.HALTED, ACCOUNT)
    assert s.engine.trading_state(ACCOUNT) is TradingState.HALTED
    assert s.engine.trading_state(OTHER) is TradingState.REDUCING
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")), OTHER)
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING
    s.engine.set_trading_state(TradingState.ACTIVE, ACCOUNT)  # global REDUCING still applies
    assert s.engine.trading_state(ACCOUNT) is TradingState.REDUCING
    s.engine.set_trading_state(TradingState.HALTED)
    s.engine.set_trading_state(TradingState.ACTIVE, OTHER)
    assert s.engine.trading_state(OTHER) is TradingState.HALTED


def test_account_reducing_state() -> None:
    s = _with_other_account(Setup())
    s.state.set_position(AAPL, 10 * B)
    s.engine.set_trading_state(TradingState.REDUCING, ACCOUNT)
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(5), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")), OTHER) is None


# -- daily loss breaker ----------------------------------------------------------------------------


def test_daily_loss_at_the_limit_passes() -> None:
    s = setup_with(max_daily_loss=usd(1_000))
    s.account.realized_pnl_today_raw = -1_000 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    assert s.engine.breaker_trips == 0


def test_daily_loss_breaker_halts_the_account_by_default() -> None:
    s = _with_other_account(setup_with(max_daily_loss=usd(1_000)))
    s.account.realized_pnl_today_raw = -1_000 * B - 10_000_000
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    assert message_of(denial) == (
        "daily loss 1000.01 USD exceeds max_daily_loss 1000.00 USD; account SIM-001 switched to HALTED"
    )
    assert s.engine.breaker_trips == 1
    assert s.engine.trading_state(ACCOUNT) is TradingState.HALTED
    assert s.engine.trading_state() is TradingState.ACTIVE
    # later orders meet the HALTED state; the breaker does not trip again
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.TRADING_HALTED
    assert s.engine.breaker_trips == 1
    # another account is unaffected
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")), OTHER) is None


def test_daily_loss_breaker_can_switch_to_reducing_and_let_a_reducing_order_through() -> None:
    s = setup_with(max_daily_loss=usd(1_000), breaker_state=TradingState.REDUCING)
    s.state.set_position(AAPL, 10 * B)
    s.account.realized_pnl_today_raw = -2_000 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(5), px("100.00"))) is None
    assert s.engine.breaker_trips == 1
    assert s.engine.trading_state(ACCOUNT) is TradingState.REDUCING
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.TRADING_REDUCING


def test_daily_loss_breaker_trip_denies_a_non_reducing_order_with_the_breaker_reason() -> None:
    s = setup_with(max_daily_loss=usd(1_000), breaker_state=TradingState.REDUCING)
    s.account.realized_pnl_today_raw = -2_000 * B
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    assert message_of(denial).endswith("switched to REDUCING")


def test_daily_loss_in_another_currency_is_converted() -> None:
    s = setup_with(max_daily_loss=Money.of(900, EUR))
    s.account.realized_pnl_today_raw = -1_001 * B  # USD
    s.state.rates[("USD", "EUR")] = 900_000_000
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    assert "daily loss 900.90 EUR exceeds max_daily_loss 900.00 EUR" in message_of(denial)


def test_a_profit_never_trips_the_daily_loss_breaker() -> None:
    s = setup_with(max_daily_loss=usd(1))
    s.account.realized_pnl_today_raw = 50_000 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


# -- drawdown breaker ------------------------------------------------------------------------------


def test_drawdown_at_the_limit_passes_beyond_it_trips() -> None:
    s = setup_with(max_drawdown_bps=500)
    s.account.equity_raw = 950_000 * B  # exactly 5%
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.account.equity_raw = 949_900 * B
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_DRAWDOWN
    assert message_of(denial) == (
        "drawdown 501.00 bps exceeds max_drawdown_bps 500; account SIM-001 switched to HALTED"
    )
    assert s.engine.trading_state(ACCOUNT) is TradingState.HALTED


def test_drawdown_breaker_reducing() -> None:
    s = setup_with(max_drawdown_bps=500, breaker_state=TradingState.REDUCING)
    s.account.equity_raw = 900_000 * B
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_DRAWDOWN
    assert s.engine.trading_state(ACCOUNT) is TradingState.REDUCING


def test_drawdown_without_a_peak_never_trips() -> None:
    s = setup_with(max_drawdown_bps=1)
    s.account.peak_equity_raw = 0
    s.account.equity_raw = -5 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_halting_breaker_trips_while_the_account_is_already_reducing() -> None:
    # An operator put everything in REDUCING; a HALTED breaker must still halt the account.
    s = setup_with(max_drawdown_bps=500)
    s.state.set_position(AAPL, 10 * B)
    s.engine.set_trading_state(TradingState.REDUCING)
    s.account.equity_raw = 900_000 * B
    denial = s.engine.check_submit(s.factory.limit(AAPL, SELL, qty(5), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_DRAWDOWN
    assert s.engine.trading_state(ACCOUNT) is TradingState.HALTED


def test_breaker_limits_per_account() -> None:
    s = _with_other_account(Setup(RiskConfig(accounts={"SIM-002": RiskLimits(max_daily_loss=usd(10))})))
    s.account.realized_pnl_today_raw = -100 * B
    s.state.accounts[OTHER].realized_pnl_today_raw = -100 * B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")), OTHER)
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    assert s.engine.trading_state(OTHER) is TradingState.HALTED
    assert s.engine.trading_state(ACCOUNT) is TradingState.ACTIVE
