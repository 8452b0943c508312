"""Money limits in another currency: converted at the exact exchange rate (a ratio, never a rate
rounded to 10**-9) and rounded against the order, so an order beyond a limit by any amount is
denied."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from risk_helpers import AAPL, BUY, SELL, B, message_of, px, qty, setup_with
from risk_node_helpers import AAPL as AAPL_SIM
from risk_node_helpers import Node
from risk_node_helpers import px as npx
from risk_node_helpers import qty as nqty

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import DenyReason, OrderStatus
from nautilus_platform.model.instruments import FxSpot
from nautilus_platform.model.values import EUR, GBP, USD, Money, Price, Quantity
from nautilus_platform.trading.risk import RiskLimits

EURUSD = InstrumentId("EUR/USD.SIM")


def _node_with_eurusd_at_1_10(limits: RiskLimits) -> Node:
    n = Node(limits)
    n.node.add_instrument(
        FxSpot(
            id=EURUSD, price_precision=5, size_precision=0, tick_size=Price.of("0.00001"), lot_size=Quantity.of(1),
            quote_currency=USD, base_currency=EUR,
        )
    )  # fmt: skip
    one = Quantity.of(1)
    n.node.process(QuoteTick.of(EURUSD, Price.of("1.09999", 5), Price.of("1.10001", 5), one, one, n.now + 1))
    assert n.node.rates.ratio(USD, EUR) == (B, 1_100_000_000)  # USD->EUR 1/1.1 = 0.90909..., not 0.909090909
    return n


def test_a_notional_limit_in_another_currency_is_compared_at_the_exact_rate() -> None:
    n = _node_with_eurusd_at_1_10(RiskLimits(max_notional=Money.of("10000000.09", EUR), check_balance=False))
    # 11,000,000.10 USD = 10,000,000.0909... EUR: beyond the limit (at 0.909090909 it was 10,000,000.08)
    over = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(1), npx("11000000.10")))
    assert over.status is OrderStatus.DENIED
    assert n.refusal(over) == "MAX_NOTIONAL: notional 10000000.10 EUR exceeds max_notional 10000000.09 EUR"
    within = n.submit(n.factory().limit(AAPL_SIM, BUY, nqty(1), npx("11000000.09")))  # 10,000,000.0818... EUR
    assert n.refusal(within) is None and within.status is not OrderStatus.DENIED


def test_a_net_exposure_limit_in_another_currency_is_compared_at_the_exact_rate_on_the_short_side() -> None:
    n = _node_with_eurusd_at_1_10(RiskLimits(max_net_exposure=Money.of("10000000.09", EUR), check_balance=False))
    over = n.submit(n.factory().limit(AAPL_SIM, SELL, nqty(1), npx("11000000.10")))
    assert n.refusal(over) == "NET_EXPOSURE: net exposure -10000000.10 EUR exceeds max_net_exposure 10000000.09 EUR"
    within = n.submit(n.factory().limit(AAPL_SIM, SELL, nqty(1), npx("11000000.09")))
    assert n.refusal(within) is None and within.status is not OrderStatus.DENIED


def test_a_daily_loss_limit_in_another_currency_is_compared_at_the_exact_rate() -> None:
    s = setup_with(max_daily_loss=Money.of("10000000.09", EUR))
    s.state.ratios[("USD", "EUR")] = (10, 11)
    s.account.realized_pnl_today_raw = -11_000_000_090_000_000  # -11,000,000.09 USD = -10,000,000.0818 EUR
    assert s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00"))) is None
    s.account.realized_pnl_today_raw = -11_000_000_100_000_000  # -10,000,000.0909... EUR
    denial = s.engine.check_submit(s.factory.limit(AAPL, BUY, qty(1), px("100.00")))
    assert denial is not None and denial[0] is DenyReason.DAILY_LOSS_LIMIT
    assert message_of(denial).startswith("daily loss 10000000.10 EUR exceeds max_daily_loss 10000000.09 EUR")


def test_conversions_round_against_the_order() -> None:
    s = setup_with(max_net_exposure=Money.of(1, EUR))
    s.state.ratios[("USD", "EUR")] = (1, 3)
    limit = s.engine._resolve((None, s.factory.strategy_id, AAPL), s.instrument).net
    assert limit is not None
    # one unit at 10**-27 USD is a third of a unit in EUR: up for a long (``value > limit``), down
    # for a short (``-value > limit``), so a figure past the limit by a fraction is never rounded back
    assert s.engine._in_limit_currency(0, USD, 1, USD, limit, up=True) == 1
    assert s.engine._in_limit_currency(0, USD, -1, USD, limit, up=False) == -1
    assert s.engine._in_limit_currency(3, USD, 1, USD, limit, up=True) == 2  # rounded once, on the sum
    assert s.engine._in_limit_currency(1, EUR, 3, USD, limit) == 1 + 1


@settings(max_examples=300, deadline=None)
@given(
    current=st.integers(-(10**40), 10**40),
    delta=st.integers(-(10**40), 10**40),
    rates=st.tuples(*[st.integers(1, 10**12)] * 4),
    limit_raw=st.integers(1, 10**15),
    current_foreign=st.booleans(),
)
def test_a_converted_figure_exceeds_a_limit_exactly_when_the_exact_one_does(
    current: int, delta: int, rates: tuple[int, int, int, int], limit_raw: int, current_foreign: bool
) -> None:
    s = setup_with(max_net_exposure=Money(raw=limit_raw, currency=EUR))
    s.state.ratios[("USD", "EUR")] = (rates[0], rates[1])
    s.state.ratios[("GBP", "EUR")] = (rates[2], rates[3])
    limit = s.engine._resolve((None, s.factory.strategy_id, AAPL), s.instrument).net
    assert limit is not None
    current_ccy = GBP if current_foreign else EUR
    current_rate = Fraction(rates[2], rates[3]) if current_foreign else Fraction(1)
    exact = current * current_rate + delta * Fraction(rates[0], rates[1])
    up = s.engine._in_limit_currency(current, current_ccy, delta, USD, limit, up=True)
    down = s.engine._in_limit_currency(current, current_ccy, delta, USD, limit, up=False)
    assert up is not None and down is not None
    assert (up > limit.x) == (exact > limit.x)
    assert (-down > limit.x) == (-exact > limit.x)
