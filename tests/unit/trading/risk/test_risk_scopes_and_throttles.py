"""Limits per account, strategy and instrument; run-time changes; submit and modify throttles."""

from __future__ import annotations

import pytest
from risk_helpers import AAPL, ACCOUNT, BUY, SELL, STRATEGY, B, Setup, accept, message_of, px, qty, setup_with, usd

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import AccountId, StrategyId
from nautilus_platform.model.enums import AccountType, DenyReason
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.trading.risk import AccountSnapshot, PriceSource, RateLimit, RiskConfig, RiskLimits, RiskScope

OTHER_ACCOUNT = AccountId("SIM-002")
OTHER_STRATEGY = StrategyId("S-2")


def _add_other_account(s: Setup) -> None:
    s.state.accounts[OTHER_ACCOUNT] = AccountSnapshot(AccountType.MARGIN, USD, free={"USD": 1_000_000 * B})


def _max_qty_denial(
    s: Setup, quantity: int, account_id: AccountId | None = None, factory: OrderFactory | None = None
) -> str | None:
    order = (factory or s.factory).limit(AAPL, BUY, qty(quantity), px("100.00"))
    denial = s.engine.check_submit(order, account_id)
    if denial is None:
        return None
    assert denial[0] is DenyReason.QUANTITY_ABOVE_MAX
    return denial[1]


# -- precedence ------------------------------------------------------------------------------------


def test_strictest_of_all_scopes_applies() -> None:
    config = RiskConfig(
        defaults=RiskLimits(max_quantity=qty(100)),
        accounts={str(ACCOUNT): RiskLimits(max_quantity=qty(50))},
        strategies={str(STRATEGY): RiskLimits(max_quantity=qty(80))},
        instruments={str(AAPL): RiskLimits(max_quantity=qty(60))},
    )
    s = Setup(config)
    _add_other_account(s)
    assert s.engine.effective_limits(ACCOUNT, STRATEGY, AAPL).max_quantity == qty(50)
    assert s.engine.effective_limits(OTHER_ACCOUNT, STRATEGY, AAPL).max_quantity == qty(60)
    assert s.engine.effective_limits(OTHER_ACCOUNT, OTHER_STRATEGY, AAPL).max_quantity == qty(60)
    assert _max_qty_denial(s, 50) is None
    assert _max_qty_denial(s, 51) == "quantity 51 exceeds max_quantity 50"
    assert _max_qty_denial(s, 60, OTHER_ACCOUNT) is None
    assert _max_qty_denial(s, 61, OTHER_ACCOUNT) == "quantity 61 exceeds max_quantity 60"


def test_alternating_strategies_and_equal_ids_get_their_own_limits() -> None:
    # check_submit remembers the last (account, strategy, instrument) by identity: an equal id
    # object, or a change of any of the three, must still find the right limits.
    s = Setup(RiskConfig(strategies={str(OTHER_STRATEGY): RiskLimits(max_quantity=qty(5))}))
    other = OrderFactory(OTHER_STRATEGY, s.clock)
    twin = OrderFactory(StrategyId(str(OTHER_STRATEGY)), s.clock)  # equal, not the same object
    for _ in range(2):
        assert _max_qty_denial(s, 6) is None
        assert _max_qty_denial(s, 6, factory=other) == "quantity 6 exceeds max_quantity 5"
        assert _max_qty_denial(s, 6, factory=twin) == "quantity 6 exceeds max_quantity 5"
        assert _max_qty_denial(s, 5, factory=other) is None


def test_a_scope_only_applies_to_its_own_key() -> None:
    s = Setup(RiskConfig(strategies={str(OTHER_STRATEGY): RiskLimits(max_quantity=qty(5))}))
    assert _max_qty_denial(s, 6) is None
    assert _max_qty_denial(s, 6, factory=OrderFactory(OTHER_STRATEGY, s.clock)) is not None


def test_check_switch_turned_on_at_any_scope_wins() -> None:
    config = RiskConfig(
        defaults=RiskLimits(check_balance=False), accounts={str(ACCOUNT): RiskLimits(check_balance=True)}
    )
    s = Setup(config)
    s.account.free = {}
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSUFFICIENT_MARGIN


def test_reference_source_of_the_instrument_scope_wins() -> None:
    config = RiskConfig(
        defaults=RiskLimits(collar_bps=10, reference_source=PriceSource.LAST),
        instruments={str(AAPL): RiskLimits(reference_source=PriceSource.MARK)},
    )
    s = Setup(config)
    s.state.set_price(AAPL, PriceSource.MARK, 200 * B)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("200.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and "MARK reference 200.00" in message_of(denial)


# -- run-time changes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "key"),
    [
        (RiskScope.DEFAULT, None),
        (RiskScope.ACCOUNT, str(ACCOUNT)),
        (RiskScope.STRATEGY, str(STRATEGY)),
        (RiskScope.INSTRUMENT, str(AAPL)),
    ],
)
def test_set_limits_takes_effect_on_the_next_check(scope: RiskScope, key: str | None) -> None:
    s = Setup()
    assert _max_qty_denial(s, 70) is None  # resolves and caches the limits of this key
    s.engine.set_limits(scope, key, RiskLimits(max_quantity=qty(60)))
    assert s.engine.limits(scope, key) == RiskLimits(max_quantity=qty(60))
    assert _max_qty_denial(s, 70) == "quantity 70 exceeds max_quantity 60"
    s.engine.set_limits(scope, key, None)
    assert _max_qty_denial(s, 70) is None


def test_set_limits_loosening_takes_effect_too() -> None:
    s = setup_with(max_quantity=qty(10))
    assert _max_qty_denial(s, 20) is not None
    s.engine.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=qty(30)))
    assert _max_qty_denial(s, 20) is None


def test_set_limits_does_not_touch_the_config_object() -> None:
    s = Setup()
    s.engine.set_limits(RiskScope.STRATEGY, str(STRATEGY), RiskLimits(max_quantity=qty(1)))
    assert s.engine.config.strategies == {}


def test_limits_of_an_unset_scope_is_none() -> None:
    s = Setup()
    assert s.engine.limits(RiskScope.ACCOUNT, "NOPE") is None
    assert s.engine.limits(RiskScope.DEFAULT) == RiskLimits()


def test_set_limits_rejects_a_currency_clash_and_keeps_the_old_limits() -> None:
    s = setup_with(max_notional=usd(1_000))
    with pytest.raises(ValidationError) as info:
        s.engine.set_limits(RiskScope.STRATEGY, str(STRATEGY), RiskLimits(max_notional=Money.of(10, EUR)))
    assert info.value.field == "max_notional"
    assert s.engine.limits(RiskScope.STRATEGY, str(STRATEGY)) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(11), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_NOTIONAL


def test_set_limits_rejects_a_default_that_clashes_with_a_scope() -> None:
    s = Setup(RiskConfig(accounts={str(ACCOUNT): RiskLimits(max_gross_exposure=usd(1))}))
    with pytest.raises(ValidationError):
        s.engine.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_gross_exposure=Money.of(1, EUR)))
    assert s.engine.limits(RiskScope.DEFAULT) == RiskLimits()


def test_set_limits_rejects_a_non_limits_value() -> None:
    s = Setup()
    with pytest.raises(ValidationError) as info:
        s.engine.set_limits(RiskScope.DEFAULT, None, {"max_quantity": 1})  # type: ignore[arg-type]
    assert info.value.field == "limits"


@pytest.mark.parametrize("key", [None, ""])
def test_set_limits_needs_a_key_below_default(key: str | None) -> None:
    s = Setup()
    with pytest.raises(ValidationError) as info:
        s.engine.set_limits(RiskScope.ACCOUNT, key, RiskLimits())
    assert info.value.field == "key"


# -- submit throttle -------------------------------------------------------------------------------


def test_submit_rate_limit_and_sliding_window() -> None:
    s = setup_with(submit_rate=RateLimit(limit=2, interval_ns=B))
    start = s.clock.timestamp_ns()

    def submit_at(offset_ns: int) -> tuple[DenyReason, str] | None:
        s.clock.set_time(start + offset_ns)
        return s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))

    assert submit_at(0) is None
    assert submit_at(B // 2) is None
    denial = submit_at(B - 1)
    assert denial is not None and denial[0] is DenyReason.THROTTLED
    assert message_of(denial) == "submit_rate 2 per 1.000000000s exceeded"
    assert submit_at(B) is None  # the first one left the window
    assert submit_at(B + B // 4) is not None
    assert submit_at(B + B // 2) is None  # the second one left the window
    s.clock.advance_time(start + 10 * B)
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1))) is None


def test_denied_orders_do_not_use_the_rate() -> None:
    s = setup_with(submit_rate=RateLimit(limit=1, interval_ns=B), max_quantity=qty(10))
    for _ in range(3):
        denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(11), px("100.00")))
        assert denial is not None and denial[0] is DenyReason.QUANTITY_ABOVE_MAX
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.THROTTLED


def test_account_rate_counts_only_that_account() -> None:
    s = Setup(RiskConfig(accounts={str(ACCOUNT): RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=B))}))
    _add_other_account(s)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.THROTTLED
    assert "(account SIM-001)" in message_of(denial)
    for _ in range(3):
        assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")), OTHER_ACCOUNT) is None


def test_account_rate_is_shared_by_strategies_and_instruments_of_the_account() -> None:
    s = Setup(RiskConfig(accounts={str(ACCOUNT): RiskLimits(submit_rate=RateLimit(limit=2, interval_ns=B))}))
    other = OrderFactory(OTHER_STRATEGY, s.clock)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    assert s.engine.check_submit(other.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(other.limit(AAPL, SELL, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.THROTTLED


def test_every_applicable_bucket_must_have_room() -> None:
    config = RiskConfig(
        defaults=RiskLimits(submit_rate=RateLimit(limit=3, interval_ns=B)),
        strategies={str(STRATEGY): RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=B))},
    )
    s = Setup(config)
    other = OrderFactory(OTHER_STRATEGY, s.clock)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and "(strategy S-1)" in message_of(denial)
    assert s.engine.check_submit(other.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    assert s.engine.check_submit(other.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(other.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and message_of(denial) == "submit_rate 3 per 1.000000000s exceeded"


def test_a_bucket_refusal_does_not_use_the_other_buckets() -> None:
    config = RiskConfig(
        defaults=RiskLimits(submit_rate=RateLimit(limit=2, interval_ns=B)),
        strategies={str(STRATEGY): RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=B))},
    )
    s = Setup(config)
    other = OrderFactory(OTHER_STRATEGY, s.clock)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    for _ in range(3):  # refused by the strategy bucket: the global bucket keeps its last slot
        assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is not None
    assert s.engine.check_submit(other.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_changing_the_rate_at_run_time_takes_effect() -> None:
    s = setup_with(submit_rate=RateLimit(limit=1, interval_ns=B))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is not None
    s.engine.set_limits(RiskScope.DEFAULT, None, RiskLimits(submit_rate=RateLimit(limit=5, interval_ns=B)))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.engine.set_limits(RiskScope.DEFAULT, None, None)
    for _ in range(10):
        assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


@pytest.mark.parametrize(
    ("scope", "key"),
    [(RiskScope.DEFAULT, None), (RiskScope.ACCOUNT, str(ACCOUNT)), (RiskScope.STRATEGY, str(STRATEGY))],
)
def test_changing_another_limit_keeps_the_rate_window(scope: RiskScope, key: str | None) -> None:
    rate = RateLimit(limit=1, interval_ns=B)
    s = Setup()
    s.engine.set_limits(scope, key, RiskLimits(submit_rate=rate))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.engine.set_limits(scope, key, RiskLimits(submit_rate=rate, max_quantity=qty(100)))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.THROTTLED
    assert s.engine.effective_limits(ACCOUNT, STRATEGY, AAPL).max_quantity == qty(100)


def test_changing_one_scope_keeps_the_buckets_of_the_others() -> None:
    config = RiskConfig(
        defaults=RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=B)),
        strategies={str(STRATEGY): RiskLimits(submit_rate=RateLimit(limit=5, interval_ns=B))},
    )
    s = Setup(config)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.engine.set_limits(RiskScope.STRATEGY, str(STRATEGY), RiskLimits(submit_rate=RateLimit(limit=9, interval_ns=B)))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and message_of(denial) == "submit_rate 1 per 1.000000000s exceeded"


def test_adding_a_rate_to_a_scope_at_run_time() -> None:
    s = Setup()
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.engine.set_limits(RiskScope.INSTRUMENT, str(AAPL), RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=B)))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and "(instrument AAPL.XNAS)" in message_of(denial)


# -- modify throttle -------------------------------------------------------------------------------


def test_modify_rate_is_separate_from_the_submit_rate() -> None:
    s = setup_with(submit_rate=RateLimit(limit=1, interval_ns=B), modify_rate=RateLimit(limit=2, interval_ns=B))
    order = s.factory.limit(AAPL, BUY, qty(10), px("100.00"))
    assert s.engine.check_submit(order) is None
    accept(order)
    s.state.add_open_order(order)
    assert s.engine.check_modify(order, price=px("100.10")) is None
    assert s.engine.check_modify(order, price=px("100.20")) is None
    denial = s.engine.check_modify(order, price=px("100.30"))
    assert denial is not None and denial[0] is DenyReason.THROTTLED
    assert message_of(denial) == "modify_rate 2 per 1.000000000s exceeded"
    s.clock.advance_time(s.clock.timestamp_ns() + B)
    assert s.engine.check_modify(order, price=px("100.30")) is None


def test_submits_do_not_use_the_modify_rate() -> None:
    s = setup_with(modify_rate=RateLimit(limit=1, interval_ns=B))
    for _ in range(5):
        assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    order = accept(s.factory.limit(AAPL, BUY, qty(10), px("100.00")))
    assert s.engine.check_modify(order, qty(9)) is None
    assert s.engine.check_modify(order, qty(8)) is not None
