"""Per-order checks: instrument, precision and increments, quantity bounds, duplicates, notional,
reference price and price collar."""

from __future__ import annotations

import pytest
from risk_helpers import AAPL, ACCOUNT, BUY, SELL, STRATEGY, B, Setup, equity, message_of, px, qty, setup_with, usd

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import DenyReason, OrderSide
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import EUR, Money, Price, Quantity
from nautilus_platform.trading.risk import InMemoryRiskState, PriceSource, RiskConfig, RiskEngine, RiskLimits

# -- construction ---------------------------------------------------------------------------------


def test_engine_rejects_a_config_that_is_not_a_risk_config() -> None:
    s = Setup()
    with pytest.raises(ValidationError) as info:
        RiskEngine(RiskLimits(), InMemoryRiskState(), s.clock)  # type: ignore[arg-type]
    assert info.value.field == "config"


def test_a_plain_valid_limit_order_passes() -> None:
    s = Setup()
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.market(AAPL, SELL, qty(10))) is None


# -- instrument known and tradable ----------------------------------------------------------------


def test_unknown_instrument_is_denied() -> None:
    s = Setup()
    order = s.factory.limit(InstrumentId("MSFT.XNAS"), BUY, qty(1), px("10.00"))
    denial = s.engine.check_submit(order)
    assert denial is not None and denial[0] is DenyReason.INSTRUMENT_UNKNOWN
    assert "MSFT.XNAS" in denial[1]


def test_unknown_instrument_is_denied_even_without_instrument_checks() -> None:
    s = setup_with(check_instrument=False)
    denial = s.engine.check_submit(s.factory.limit(InstrumentId("MSFT.XNAS"), BUY, qty(1), px("10.00")))
    assert denial is not None and denial[0] is DenyReason.INSTRUMENT_UNKNOWN


def test_not_tradable_instrument_is_denied() -> None:
    s = Setup(instrument=equity(tradable=False))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSTRUMENT_NOT_TRADABLE
    assert "AAPL.XNAS" in denial[1] and "not tradable" in denial[1]


def test_not_tradable_passes_when_instrument_checks_are_off() -> None:
    s = Setup(RiskConfig(defaults=RiskLimits(check_instrument=False)), equity(tradable=False))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_replacing_the_instrument_in_the_state_takes_effect_on_the_next_check() -> None:
    s = Setup()
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.state.add_instrument(equity(tradable=False))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INSTRUMENT_NOT_TRADABLE


# -- price precision and tick ----------------------------------------------------------------------


def test_price_with_too_many_decimals_is_denied() -> None:
    s = Setup()
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.001")))
    assert denial is not None and denial[0] is DenyReason.PRICE_PRECISION
    assert message_of(denial) == "price 100.001 has more than 2 decimals (price_precision of AAPL.XNAS)"


def test_price_whose_raw_value_has_hidden_decimals_is_denied() -> None:
    s = Setup()
    sneaky = Price(raw=100_001_000_000, precision=2)  # claims 2 decimals, holds 3
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), sneaky))
    assert denial is not None and denial[0] is DenyReason.PRICE_PRECISION


def test_price_off_the_tick_is_denied_and_on_the_tick_passes() -> None:
    s = Setup(instrument=equity(tick_size=px("0.05")))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.05"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.03")))
    assert denial is not None and denial[0] is DenyReason.PRICE_INCREMENT
    assert message_of(denial) == "price 100.03 is not a multiple of tick_size 0.05"


def test_trigger_price_is_checked_against_the_tick() -> None:
    s = Setup(instrument=equity(tick_size=px("0.05")))
    assert s.engine.check_submit(s.factory.stop_market(AAPL, SELL, qty(1), px("99.95"))) is None
    denial = s.engine.check_submit(s.factory.stop_market(AAPL, SELL, qty(1), px("99.97")))
    assert denial is not None and denial[0] is DenyReason.PRICE_INCREMENT
    assert message_of(denial).startswith("trigger_price 99.97 ")


def test_trigger_price_precision_is_checked() -> None:
    s = Setup()
    denial = s.engine.check_submit(s.factory.stop_limit(AAPL, BUY, qty(1), px("100.00"), px("99.005")))
    assert denial is not None and denial[0] is DenyReason.PRICE_PRECISION
    assert "trigger_price 99.005" in message_of(denial)


def test_price_rules_are_skipped_when_instrument_checks_are_off() -> None:
    s = Setup(RiskConfig(defaults=RiskLimits(check_instrument=False)), equity(tick_size=px("0.05")))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.03"))) is None


# -- quantity precision, lot, min and max ----------------------------------------------------------


def test_quantity_with_too_many_decimals_is_denied() -> None:
    s = Setup()
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty("1.5"), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_PRECISION
    assert message_of(denial) == "quantity 1.5 has more than 0 decimals (size_precision of AAPL.XNAS)"


def test_quantity_off_the_lot_is_denied_and_on_the_lot_passes() -> None:
    s = Setup(instrument=equity(lot_size=qty(10), min_quantity=None))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(20), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(15), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_INCREMENT
    assert message_of(denial) == "quantity 15 is not a multiple of lot_size 10"


def test_zero_quantity_is_an_invalid_order() -> None:
    s = setup_with(check_instrument=False)
    factory = OrderFactory(STRATEGY, s.clock, validate=False)
    denial = s.engine.check_submit(factory.limit(AAPL, BUY, Quantity.zero(), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.INVALID_ORDER
    assert "quantity" in message_of(denial)


def test_instrument_min_quantity() -> None:
    s = Setup(instrument=equity(min_quantity=qty(5)))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(5), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(4), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_BELOW_MIN
    assert message_of(denial) == "quantity 4 is below instrument min_quantity 5"


def test_instrument_max_quantity() -> None:
    s = setup_with(check_balance=False)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10_000), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10_001), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_ABOVE_MAX
    assert message_of(denial) == "quantity 10001 exceeds instrument max_quantity 10000"


def test_configured_min_and_max_quantity() -> None:
    s = setup_with(min_quantity=qty(10), max_quantity=qty(50))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))) is None
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    low = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(9), px("100.00")))
    assert low is not None and low[0] is DenyReason.QUANTITY_BELOW_MIN
    assert message_of(low) == "quantity 9 is below min_quantity 10"
    high = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert high is not None and high[0] is DenyReason.QUANTITY_ABOVE_MAX
    assert message_of(high) == "quantity 51 exceeds max_quantity 50"


def test_the_stricter_of_instrument_and_configured_bounds_applies() -> None:
    # configured max above the instrument's: the instrument's 10,000 still applies
    s = setup_with(max_quantity=qty(20_000), min_quantity=qty(1), check_balance=False)
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10_001), px("1.00")))
    assert denial is not None and "instrument max_quantity 10000" in message_of(denial)
    # configured min below the instrument's: the instrument's 5 applies
    s = Setup(RiskConfig(defaults=RiskLimits(min_quantity=qty(2))), equity(min_quantity=qty(5)))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(3), px("100.00")))
    assert denial is not None and message_of(denial) == "quantity 3 is below instrument min_quantity 5"


def test_instrument_bounds_are_skipped_when_instrument_checks_are_off_but_configured_ones_apply() -> None:
    s = setup_with(check_instrument=False, check_balance=False, max_quantity=qty(20_000))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10_001), px("1.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(20_001), px("1.00")))
    assert denial is not None and denial[0] is DenyReason.QUANTITY_ABOVE_MAX
    assert "max_quantity 20000" in message_of(denial)


# -- duplicate client order ids --------------------------------------------------------------------


def test_a_reused_client_order_id_is_denied() -> None:
    s = Setup()
    first = s.factory.limit(AAPL, BUY, qty(1), px("100.00"))
    s.state.add_order(first)
    again = s.factory.create(
        AAPL, BUY, first.order_type, qty(1), price=px("100.00"), client_order_id=first.client_order_id
    )
    denial = s.engine.check_submit(again)
    assert denial is not None and denial[0] is DenyReason.DUPLICATE_CLIENT_ORDER_ID
    assert message_of(denial) == f"client_order_id {first.client_order_id} is already used"


def test_a_purged_but_known_id_is_denied() -> None:
    s = Setup()
    order = s.factory.limit(AAPL, BUY, qty(1), px("100.00"))
    s.state.known_ids.add(order.client_order_id)
    denial = s.engine.check_submit(order)
    assert denial is not None and denial[0] is DenyReason.DUPLICATE_CLIENT_ORDER_ID


def test_the_order_itself_in_the_cache_is_not_a_duplicate() -> None:
    s = Setup()
    order = s.factory.limit(AAPL, BUY, qty(1), px("100.00"))
    s.state.add_order(order)
    assert s.engine.check_submit(order) is None


def test_duplicate_check_can_be_switched_off() -> None:
    s = setup_with(check_duplicate_ids=False)
    order = s.factory.limit(AAPL, BUY, qty(1), px("100.00"))
    s.state.known_ids.add(order.client_order_id)
    assert s.engine.check_submit(order) is None


# -- max notional per order ------------------------------------------------------------------------


def test_max_notional_limit_order() -> None:
    s = setup_with(max_notional=usd(5_000))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.01")))
    assert denial is not None and denial[0] is DenyReason.MAX_NOTIONAL
    assert message_of(denial) == "notional 5000.50 USD exceeds max_notional 5000.00 USD"


def test_max_notional_market_order_is_valued_at_the_reference_price() -> None:
    s = setup_with(max_notional=usd(5_000))
    s.state.set_price(AAPL, PriceSource.MID, 125 * B)
    assert s.engine.check_submit(s.factory.market(AAPL, SELL, qty(40))) is None
    denial = s.engine.check_submit(s.factory.market(AAPL, SELL, qty(41)))
    assert denial is not None and denial[0] is DenyReason.MAX_NOTIONAL
    assert "notional 5125.00 USD" in message_of(denial)


def test_max_notional_stop_order_is_valued_at_its_trigger() -> None:
    s = setup_with(max_notional=usd(5_000))
    assert s.engine.check_submit(s.factory.stop_market(AAPL, BUY, qty(50), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.stop_market(AAPL, BUY, qty(50), px("101.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_NOTIONAL


def test_max_notional_applies_the_multiplier() -> None:
    s = Setup(RiskConfig(defaults=RiskLimits(max_notional=usd(10_000))), equity(multiplier=qty(10)))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(10), px("100.00"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(11), px("100.00")))
    assert denial is not None and "notional 11000.00 USD" in message_of(denial)


def test_max_notional_in_another_currency_without_a_rate_is_denied() -> None:
    s = setup_with(max_notional=Money.of(4_500, EUR))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert message_of(denial) == "no exchange rate USD/EUR"


def test_max_notional_in_another_currency_is_converted_with_the_rate() -> None:
    s = setup_with(max_notional=Money.of(4_500, EUR))
    s.state.rates[("USD", "EUR")] = 900_000_000  # 1 USD = 0.90 EUR
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(50), px("100.00"))) is None  # 4,500 EUR
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(51), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.MAX_NOTIONAL
    assert message_of(denial) == "notional 4590.00 EUR exceeds max_notional 4500.00 EUR"


# -- reference price -------------------------------------------------------------------------------


def _clear_prices(s: Setup) -> None:
    for source in PriceSource:
        s.state.set_price(AAPL, source, None)


def test_market_order_without_reference_is_denied_when_a_check_values_it() -> None:
    s = Setup()  # check_balance is on by default: the order must be valued
    _clear_prices(s)
    denial = s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1)))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    assert message_of(denial) == "no MID reference price for AAPL.XNAS"


def test_market_order_without_reference_passes_when_allowed() -> None:
    s = setup_with(allow_without_reference=True)
    _clear_prices(s)
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1))) is None


def test_market_order_without_reference_passes_when_no_check_needs_a_price() -> None:
    s = setup_with(check_balance=False)
    _clear_prices(s)
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1))) is None


def test_market_order_without_reference_names_the_configured_source() -> None:
    s = setup_with(reference_source=PriceSource.MARK)
    s.state.set_price(AAPL, PriceSource.MARK, None)  # LAST and MID are still there
    denial = s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1)))
    assert denial is not None and message_of(denial) == "no MARK reference price for AAPL.XNAS"


def test_limit_order_without_reference_passes_when_no_collar() -> None:
    s = Setup()
    _clear_prices(s)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None


def test_collared_limit_order_without_reference_is_denied_unless_allowed() -> None:
    s = setup_with(collar_bps=100)
    _clear_prices(s)
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.NO_REFERENCE_PRICE
    s = setup_with(collar_bps=100, allow_without_reference=True)
    _clear_prices(s)
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("500.00"))) is None


# -- price collar ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "inside", "outside"),
    [(BUY, "101.00", "101.01"), (SELL, "99.00", "98.99"), (BUY, "99.00", "98.99"), (SELL, "101.00", "101.01")],
)
def test_collar_bps(side: OrderSide, inside: str, outside: str) -> None:
    s = setup_with(collar_bps=100)
    assert s.engine.check_submit(s.factory.limit(AAPL, side, qty(1), px(inside))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, side, qty(1), px(outside)))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
    assert message_of(denial) == (f"price {outside} is 101.00 bps from the MID reference 100.00, beyond collar_bps 100")


def test_collar_band() -> None:
    s = setup_with(collar_band=px("0.50"))
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.50"))) is None
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("99.50"))) is None
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("99.49")))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
    assert message_of(denial) == "price 99.49 is 0.51 from the MID reference 100.00, beyond collar_band 0.50"


def test_collar_bps_and_band_both_apply() -> None:
    s = setup_with(collar_bps=100, collar_band=px("0.50"))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.60")))  # inside bps, outside band
    assert denial is not None and "collar_band" in message_of(denial)
    s = setup_with(collar_bps=10, collar_band=px("5.00"))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.60")))  # inside band, outside bps
    assert denial is not None and "collar_bps 10" in message_of(denial)


@pytest.mark.parametrize("source", list(PriceSource))
def test_collar_uses_the_configured_reference_source(source: PriceSource) -> None:
    s = setup_with(collar_bps=50, reference_source=source)
    prices = {PriceSource.LAST: 100 * B, PriceSource.MID: 110 * B, PriceSource.MARK: 120 * B}
    for src, raw in prices.items():
        s.state.set_price(AAPL, src, raw)
    ref = prices[source] // B
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px(f"{ref}.00"))) is None
    for other, raw in prices.items():
        if other is source:
            continue
        denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px(f"{raw // B}.00")))
        assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
        assert f"from the {source.name} reference {ref}.00" in message_of(denial)


def test_collar_checks_the_trigger_price() -> None:
    s = setup_with(collar_bps=100)
    assert s.engine.check_submit(s.factory.stop_market(AAPL, SELL, qty(1), px("99.00"))) is None
    denial = s.engine.check_submit(s.factory.stop_market(AAPL, SELL, qty(1), px("98.00")))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
    assert message_of(denial).startswith("trigger_price 98.00 is 200.00 bps")


def test_collar_checks_both_prices_of_a_stop_limit() -> None:
    s = setup_with(collar_bps=100)
    denial = s.engine.check_submit(s.factory.stop_limit(AAPL, BUY, qty(1), px("100.50"), px("102.00")))
    assert denial is not None and message_of(denial).startswith("trigger_price 102.00")
    denial = s.engine.check_submit(s.factory.stop_limit(AAPL, BUY, qty(1), px("102.00"), px("100.50")))
    assert denial is not None and message_of(denial).startswith("price 102.00")


def test_market_order_is_not_collared() -> None:
    s = setup_with(collar_bps=1)
    assert s.engine.check_submit(s.factory.market(AAPL, BUY, qty(1))) is None


def test_collar_limit_in_the_account_scope_applies_to_its_orders() -> None:
    s = Setup(RiskConfig(accounts={str(ACCOUNT): RiskLimits(collar_bps=10)}))
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.20")))
    assert denial is not None and denial[0] is DenyReason.PRICE_COLLAR
