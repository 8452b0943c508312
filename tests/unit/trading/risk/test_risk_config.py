"""RiskLimits / RateLimit / RiskConfig validation and the strictest-wins merge of scopes."""

from __future__ import annotations

from typing import Any

import pytest
from risk_helpers import px, qty, usd

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.enums import TradingState
from nautilus_platform.model.values import EUR, USD, Money
from nautilus_platform.trading.risk import PriceSource, RateLimit, RiskConfig, RiskLimits, resolve_limits

# -- RateLimit ----------------------------------------------------------------------------------


def test_rate_limit_accepts_positive_ints() -> None:
    rate = RateLimit(limit=5, interval_ns=1_000)
    assert (rate.limit, rate.interval_ns) == (5, 1_000)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": 0, "interval_ns": 1}, "limit"),
        ({"limit": -1, "interval_ns": 1}, "limit"),
        ({"limit": 1.5, "interval_ns": 1}, "limit"),
        ({"limit": True, "interval_ns": 1}, "limit"),
        ({"limit": 1, "interval_ns": 0}, "interval_ns"),
        ({"limit": 1, "interval_ns": -5}, "interval_ns"),
        ({"limit": 1, "interval_ns": 1.0}, "interval_ns"),
        ({"limit": 1, "interval_ns": 2**60 + 1}, "interval_ns"),
    ],
)
def test_rate_limit_rejects_invalid_values(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        RateLimit(**kwargs)
    assert info.value.field == field
    assert field in str(info.value)


# -- RiskLimits ---------------------------------------------------------------------------------


def test_risk_limits_default_is_all_unset() -> None:
    limits = RiskLimits()
    assert all(getattr(limits, name) is None for name in limits.__struct_fields__)


def test_risk_limits_accepts_a_full_valid_set() -> None:
    limits = RiskLimits(
        check_instrument=False,
        min_quantity=qty(1),
        max_quantity=qty(100),
        max_notional=usd(1_000),
        collar_bps=50,
        collar_band=px("1.00"),
        reference_source=PriceSource.LAST,
        allow_without_reference=True,
        max_position=qty(500),
        max_gross_exposure=usd(10_000),
        max_net_exposure=usd(5_000),
        max_open_orders=10,
        max_open_notional=usd(2_000),
        submit_rate=RateLimit(limit=1, interval_ns=1),
        modify_rate=RateLimit(limit=1, interval_ns=1),
        check_duplicate_ids=True,
        check_reduce_only=True,
        check_balance=False,
        max_daily_loss=usd(100),
        max_drawdown_bps=10_000,
        breaker_state=TradingState.REDUCING,
    )
    assert limits.max_drawdown_bps == 10_000


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_quantity": qty(0)}, "min_quantity"),
        ({"max_quantity": qty(0)}, "max_quantity"),
        ({"max_position": qty(0)}, "max_position"),
        ({"max_quantity": 5}, "max_quantity"),
        ({"max_quantity": px(5)}, "max_quantity"),
        ({"max_notional": usd(0)}, "max_notional"),
        ({"max_notional": usd(-1)}, "max_notional"),
        ({"max_notional": 100}, "max_notional"),
        ({"max_gross_exposure": usd(0)}, "max_gross_exposure"),
        ({"max_net_exposure": usd(0)}, "max_net_exposure"),
        ({"max_open_notional": usd(0)}, "max_open_notional"),
        ({"max_daily_loss": usd(0)}, "max_daily_loss"),
        ({"collar_band": px(0)}, "collar_band"),
        ({"collar_band": qty(1)}, "collar_band"),
        ({"collar_bps": 0}, "collar_bps"),
        ({"collar_bps": -10}, "collar_bps"),
        ({"collar_bps": 1.5}, "collar_bps"),
        ({"collar_bps": True}, "collar_bps"),
        ({"max_open_orders": 0}, "max_open_orders"),
        ({"max_drawdown_bps": 0}, "max_drawdown_bps"),
        ({"max_drawdown_bps": 10_001}, "max_drawdown_bps"),
        ({"max_drawdown_bps": 50.0}, "max_drawdown_bps"),
        ({"min_quantity": qty(10), "max_quantity": qty(9)}, "min_quantity"),
        ({"submit_rate": 5}, "submit_rate"),
        ({"modify_rate": (1, 2)}, "modify_rate"),
        ({"check_instrument": 1}, "check_instrument"),
        ({"check_balance": "yes"}, "check_balance"),
        ({"check_duplicate_ids": 0}, "check_duplicate_ids"),
        ({"check_reduce_only": "false"}, "check_reduce_only"),
        ({"allow_without_reference": 1}, "allow_without_reference"),
        ({"reference_source": "MID"}, "reference_source"),
        ({"reference_source": 2}, "reference_source"),
        ({"breaker_state": TradingState.ACTIVE}, "breaker_state"),
        ({"breaker_state": "HALTED"}, "breaker_state"),
    ],
)
def test_risk_limits_rejects_invalid_values_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        RiskLimits(**kwargs)
    assert info.value.field == field
    assert field in str(info.value)


def test_risk_limits_min_equal_to_max_is_allowed() -> None:
    assert RiskLimits(min_quantity=qty(5), max_quantity=qty(5)).min_quantity == qty(5)


# -- RiskConfig ---------------------------------------------------------------------------------


def test_risk_config_rejects_non_limits_defaults() -> None:
    with pytest.raises(ValidationError) as info:
        RiskConfig(defaults={"max_quantity": 1})  # type: ignore[arg-type]
    assert info.value.field == "defaults"


@pytest.mark.parametrize("scope", ["accounts", "strategies", "instruments"])
def test_risk_config_rejects_empty_key(scope: str) -> None:
    with pytest.raises(ValidationError) as info:
        kwargs: dict[str, Any] = {scope: {"": RiskLimits()}}
        RiskConfig(**kwargs)
    assert info.value.field == f"{scope}.key"


@pytest.mark.parametrize("scope", ["accounts", "strategies", "instruments"])
def test_risk_config_rejects_a_value_that_is_not_limits(scope: str) -> None:
    with pytest.raises(ValidationError) as info:
        kwargs: dict[str, Any] = {scope: {"X": {"max_quantity": 1}}}
        RiskConfig(**kwargs)
    assert info.value.field == f"{scope}[X]"


def test_risk_config_rejects_one_money_field_in_two_currencies() -> None:
    with pytest.raises(ValidationError) as info:
        RiskConfig(
            defaults=RiskLimits(max_notional=usd(1_000)),
            strategies={"S-1": RiskLimits(max_notional=Money.of(500, EUR))},
        )
    assert info.value.field == "max_notional"
    assert "USD" in str(info.value)


def test_risk_config_allows_different_currencies_in_different_fields() -> None:
    config = RiskConfig(
        defaults=RiskLimits(max_notional=usd(1_000)),
        accounts={"A": RiskLimits(max_gross_exposure=Money.of(500, EUR))},
    )
    assert len(config.layers()) == 2


def test_risk_config_layers_lists_every_scope() -> None:
    a, s, i = RiskLimits(max_open_orders=1), RiskLimits(max_open_orders=2), RiskLimits(max_open_orders=3)
    config = RiskConfig(accounts={"A": a}, strategies={"S": s}, instruments={"X.Y": i})
    assert config.layers() == [config.defaults, a, s, i]


def test_risk_config_from_dict_builds_nested_limits() -> None:
    config = RiskConfig.from_dict(
        {"defaults": {"collar_bps": 100, "max_open_orders": 3}, "accounts": {"A": {"check_balance": False}}}
    )
    assert config.defaults.collar_bps == 100
    assert config.accounts["A"].check_balance is False


def test_risk_config_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        RiskConfig.from_dict({"defaults": {"max_orders": 3}})
    assert "max_orders" in str(info.value)


def test_risk_config_from_dict_reports_invalid_values() -> None:
    with pytest.raises(ValidationError) as info:
        RiskConfig.from_dict({"defaults": {"collar_bps": 0}})
    assert "collar_bps" in str(info.value)


# -- resolve_limits (precedence, config.py docstring) --------------------------------------------


def test_resolve_with_no_layers_gives_built_in_defaults() -> None:
    merged = resolve_limits([])
    assert merged.check_instrument is True
    assert merged.check_duplicate_ids is True
    assert merged.check_reduce_only is True
    assert merged.check_balance is True
    assert merged.allow_without_reference is False
    assert merged.breaker_state is TradingState.HALTED
    assert merged.reference_source is PriceSource.MID
    assert merged.max_quantity is None


def test_resolve_numeric_limits_take_the_smallest_and_the_largest_minimum() -> None:
    merged = resolve_limits(
        [
            RiskLimits(max_quantity=qty(100), min_quantity=qty(2), collar_bps=50, max_notional=usd(900)),
            None,
            RiskLimits(max_quantity=qty(30), min_quantity=qty(5), collar_bps=80),
            RiskLimits(max_quantity=qty(60), max_notional=usd(1_000), max_drawdown_bps=300, max_open_orders=4),
        ]
    )
    assert merged.max_quantity == qty(30)
    assert merged.min_quantity == qty(5)
    assert merged.collar_bps == 50
    assert merged.max_notional == usd(900)
    assert merged.max_drawdown_bps == 300
    assert merged.max_open_orders == 4


def test_resolve_check_switches_on_wins_over_off() -> None:
    assert resolve_limits([RiskLimits(check_balance=False)]).check_balance is False
    assert resolve_limits([RiskLimits(check_balance=False), RiskLimits(check_balance=True)]).check_balance is True
    assert resolve_limits([RiskLimits(check_balance=True), RiskLimits(check_balance=False)]).check_balance is True
    assert resolve_limits([RiskLimits(check_instrument=False), RiskLimits()]).check_instrument is False


def test_resolve_allow_without_reference_needs_one_allow_and_no_forbid() -> None:
    assert resolve_limits([RiskLimits()]).allow_without_reference is False
    assert resolve_limits([RiskLimits(allow_without_reference=True)]).allow_without_reference is True
    both = [RiskLimits(allow_without_reference=True), RiskLimits(allow_without_reference=False)]
    assert resolve_limits(both).allow_without_reference is False
    assert resolve_limits(list(reversed(both))).allow_without_reference is False


def test_resolve_breaker_state_halted_wins() -> None:
    reducing = RiskLimits(breaker_state=TradingState.REDUCING)
    halted = RiskLimits(breaker_state=TradingState.HALTED)
    assert resolve_limits([reducing]).breaker_state is TradingState.REDUCING
    assert resolve_limits([reducing, halted]).breaker_state is TradingState.HALTED
    assert resolve_limits([halted, reducing]).breaker_state is TradingState.HALTED


def test_resolve_reference_source_most_specific_wins() -> None:
    layers = [
        RiskLimits(reference_source=PriceSource.LAST),
        RiskLimits(reference_source=PriceSource.MARK),
        RiskLimits(),
        None,
    ]
    assert resolve_limits(layers).reference_source is PriceSource.MARK
    layers[3] = RiskLimits(reference_source=PriceSource.LAST)
    assert resolve_limits(layers).reference_source is PriceSource.LAST


def test_resolve_does_not_merge_rate_limits() -> None:
    merged = resolve_limits([RiskLimits(submit_rate=RateLimit(limit=1, interval_ns=1))])
    assert merged.submit_rate is None


def test_resolve_money_limits_keep_their_currency() -> None:
    merged = resolve_limits([RiskLimits(max_gross_exposure=usd(5)), RiskLimits(max_gross_exposure=usd(3))])
    assert merged.max_gross_exposure == Money.of(3, USD)


def test_rate_limit_is_capped_so_the_throttle_ring_stays_small() -> None:
    from nautilus_platform.trading.risk.config import MAX_RATE_LIMIT, RateLimit

    assert RateLimit(limit=MAX_RATE_LIMIT, interval_ns=1).limit == MAX_RATE_LIMIT
    with pytest.raises(ValidationError) as info:
        RateLimit(limit=MAX_RATE_LIMIT + 1, interval_ns=1)
    assert info.value.field == "limit"
