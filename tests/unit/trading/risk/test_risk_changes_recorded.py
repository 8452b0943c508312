"""Every trading state and limits change of the risk engine is handed to ``on_change`` as an
event (the execution engine journals it): by hand, with a reason, by a breaker; limits as the
exact JSON of what is set, ``None`` when a scope's limits are removed. Nothing when refused."""

from __future__ import annotations

import pytest
from risk_helpers import ACCOUNT, BUY, SELL, B, Setup, px, qty

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model import events
from nautilus_platform.model.enums import DenyReason, TradingState
from nautilus_platform.model.events import Event
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.trading.risk import RateLimit, RiskConfig, RiskLimits, RiskScope, engine
from nautilus_platform.trading.risk.state import PriceSource


def _recorded(s: Setup) -> list[Event]:
    changes: list[Event] = []
    s.engine.on_change = changes.append
    return changes


def test_trading_state_changes_are_handed_on_with_account_and_reason() -> None:
    """Fails before the fix: the engine handed nothing on (``on_change`` did not exist)."""
    s = Setup()
    changes = _recorded(s)
    s.engine.set_trading_state(TradingState.REDUCING, ACCOUNT)
    s.engine.set_trading_state(TradingState.HALTED, None, "kill switch")
    s.engine.set_trading_state(TradingState.ACTIVE, ACCOUNT)
    now = s.clock.timestamp_ns()
    assert changes == [
        events.TradingStateChanged(ts_event=now, ts_init=now, state=TradingState.REDUCING, account_id=ACCOUNT),
        events.TradingStateChanged(ts_event=now, ts_init=now, state=TradingState.HALTED, reason="kill switch"),
        events.TradingStateChanged(ts_event=now, ts_init=now, state=TradingState.ACTIVE, account_id=ACCOUNT),
    ]


def test_limits_changes_are_handed_on_exactly_and_refusals_are_not() -> None:
    s = Setup()
    changes = _recorded(s)
    limits = RiskLimits(
        max_quantity=qty(5), max_notional=Money.of("1234.56", USD), submit_rate=RateLimit(limit=3, interval_ns=B),
        reference_source=PriceSource.LAST, breaker_state=TradingState.REDUCING, check_balance=False,
    )  # fmt: skip
    s.engine.set_limits(RiskScope.STRATEGY, "S-1", limits)
    with pytest.raises(ValidationError):  # max_notional in a second currency: refused
        s.engine.set_limits(RiskScope.ACCOUNT, str(ACCOUNT), RiskLimits(max_notional=Money.of(1, EUR)))
    s.engine.set_limits(RiskScope.STRATEGY, "S-1", None)
    s.engine.set_limits(RiskScope.DEFAULT, None, None)  # the defaults become the empty limits
    assert [(c.scope, c.key) for c in changes if isinstance(c, events.RiskLimitsChanged)] == [
        ("STRATEGY", "S-1"), ("STRATEGY", "S-1"), ("DEFAULT", ""),
    ]  # fmt: skip
    first, removed, defaults = changes
    assert isinstance(first, events.RiskLimitsChanged) and first.limits is not None
    assert engine.decode_limits(first.limits) == limits
    assert isinstance(removed, events.RiskLimitsChanged) and removed.limits is None
    assert isinstance(defaults, events.RiskLimitsChanged) and defaults.limits == "{}"
    assert s.engine.current_config() == RiskConfig()


def test_encoded_limits_hold_only_what_is_set_and_are_validated_when_read() -> None:
    assert engine.encode_limits(RiskLimits(max_open_orders=3)) == '{"max_open_orders":3}'
    assert engine.decode_limits("{}") == RiskLimits()
    for bad in ('{"max_open_orders":0}', '{"max_quantity":1.5}', "[", '{"nonsense":1}'):
        with pytest.raises(ValidationError):
            engine.decode_limits(bad)


def test_a_tripped_breaker_hands_on_the_accounts_new_state_with_the_breaker_named() -> None:
    s = Setup(RiskConfig(defaults=RiskLimits(max_daily_loss=Money.of(100, USD))))
    changes = _recorded(s)
    s.account.realized_pnl_today_raw = -150 * B
    denial = s.engine.check_submit(s.factory.limit(s.instrument.id, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    (trip,) = changes
    assert isinstance(trip, events.TradingStateChanged)
    assert (trip.state, trip.account_id) == (TradingState.HALTED, ACCOUNT)
    assert trip.reason.startswith("breaker: daily loss 150.00 USD exceeds")
    s.engine.check_submit(s.factory.market(s.instrument.id, SELL, qty(1)))  # HALTED already: no second trip
    assert len(changes) == 1


def test_without_a_receiver_nothing_is_handed_on() -> None:
    s = Setup()
    s.engine.set_trading_state(TradingState.HALTED)
    s.engine.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=qty(1)))
    assert s.engine.on_change is None and s.engine.trading_state() is TradingState.HALTED
