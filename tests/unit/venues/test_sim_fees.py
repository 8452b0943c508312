"""Fee models: exact, half-even rounded, maker/taker, fixed, per unit, rebates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sim_support import equity, px, qty

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.values import USD, Money
from nautilus_platform.venues.simulated.fees import FeeModel


def test_default_uses_instrument_rates() -> None:
    fees = FeeModel().for_instrument(equity(maker_fee="0.0002", taker_fee="0.001"))
    # 10 x 100.00 = 1000.00 notional: taker 10 bps = 1.00, maker 2 bps = 0.20
    assert fees.commission(qty(10).raw, px("100").raw, False, True) == Money.of("1.00", USD)
    assert fees.commission(qty(10).raw, px("100").raw, True, True) == Money.of("0.20", USD)


def test_bps_override_and_half_even_rounding() -> None:
    fees = FeeModel(maker_bps=Decimal("0"), taker_bps=Decimal("5")).for_instrument(equity(taker_fee="0.01"))
    # 1 x 10.05 x 5 bps = 0.005025 -> 0.01 ; 1 x 10.00 x 5 bps = 0.005 -> 0.00 (half-even)
    assert fees.commission(qty(1).raw, px("10.05").raw, False, False) == Money.of("0.01", USD)
    assert fees.commission(qty(1).raw, px("10.00").raw, False, False) == Money.of("0.00", USD)
    assert fees.commission(qty(3).raw, px("10.00").raw, False, False) == Money.of("0.02", USD)  # 0.015 -> 0.02
    assert fees.commission(qty(1).raw, px("10").raw, True, False).raw == 0


def test_rebate_is_negative() -> None:
    fees = FeeModel(maker_bps=Decimal("-2.5"), taker_bps=Decimal("10")).for_instrument(equity())
    assert fees.commission(qty(100).raw, px("50").raw, True, True) == Money.of("-1.25", USD)


def test_fixed_fee_on_first_fill_only_and_per_contract() -> None:
    fees = FeeModel.fixed("1.50").for_instrument(equity(taker_fee="0.001"))
    assert fees.commission(qty(10).raw, px("100").raw, False, True) == Money.of("1.50", USD)
    assert fees.commission(qty(10).raw, px("100").raw, False, False) == Money.zero(USD)
    per_unit = FeeModel.per_unit("0.005").for_instrument(equity())
    assert per_unit.commission(qty(301).raw, px("100").raw, False, True) == Money.of("1.50", USD)  # 1.505 -> 1.50
    combined = FeeModel(taker_bps=Decimal(1), fixed_per_order=Decimal(1), per_contract=Decimal("0.01"))
    # 100 x 20 = 2000 notional * 1bp = 0.20 + 100 x 0.01 = 1.00 + fixed 1.00
    assert combined.for_instrument(equity()).commission(qty(100).raw, px("20").raw, False, True) == Money.of(
        "2.20", USD
    )


def test_invalid_fee_settings() -> None:
    with pytest.raises(ValidationError):
        FeeModel(per_contract=Decimal(-1))
    with pytest.raises(ValidationError):
        FeeModel(maker_bps=Decimal(20_000))
