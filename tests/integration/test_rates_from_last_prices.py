"""Exchange rates from a spot pair that has no quotes: its last trade or bar close.

A backtest fed bars or trades only never had a quote mid, so every rate was missing: P&L and
fees in another currency stayed unconverted and risk denied margin in it. The rate is the mid
where the pair has quotes, else its last trade or bar close."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from exec_support import SIM_ACCOUNT, qty
from test_journal_replay_audit import _replays, assert_same_state
from test_journal_replay_states_and_rates import EURUSD, FESX, _future, _fx, _Session

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import Bar, BarType, TradeTick
from nautilus_platform.model.enums import AccountType, AggressorSide, OrderSide
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import FxSpot
from nautilus_platform.model.values import EUR, USD, Money, Price, Quantity
from nautilus_platform.trading.positions import ExchangeRates
from nautilus_platform.trading.risk import RiskLimits

BUY, SELL = OrderSide.BUY, OrderSide.SELL
B = 1_000_000_000


def _pair() -> FxSpot:
    return FxSpot(
        id=InstrumentId("EUR/USD.SIM"), price_precision=5, size_precision=0, tick_size=Price.of("0.00001"),
        lot_size=Quantity.of(1), quote_currency=USD, base_currency=EUR,
    )  # fmt: skip


def test_a_pair_without_a_mid_gives_its_last_price_and_a_mid_wins_over_it() -> None:
    mids: dict[InstrumentId, int] = {}
    last: dict[InstrumentId, int] = {}
    rates = ExchangeRates(mids, last)
    rates.add_instrument(_pair())
    assert rates.ratio(EUR, USD) is None
    last[EURUSD] = 1_200_000_000
    assert rates.ratio(EUR, USD) == (1_200_000_000, B) and rates.ratio(USD, EUR) == (B, 1_200_000_000)
    mids[EURUSD] = 1_100_000_000
    assert rates.ratio(EUR, USD) == (1_100_000_000, B)
    assert ExchangeRates(mids).ratio(EUR, USD) is None  # no pair added: no rate


def _trade(s: _Session, price: str) -> None:
    s.now += 1_000_000_000
    s.node.process(TradeTick.of(EURUSD, Price.of(price, 5), qty(1_000), AggressorSide.BUYER, f"T{s.now}", s.now))


def test_a_pair_fed_trades_only_converts_pnl_and_fees_and_replays() -> None:
    """Fails before the fix: EUR/USD had trades but no quotes, so the EUR P&L and fees of the
    future stayed in EUR (``unconverted``)."""
    s = _Session(AccountType.MARGIN, [Money.of(1_000_000, USD)], RiskLimits(check_balance=False))
    s.node.add_instrument(_future(FESX, EUR, 2))
    s.node.add_instrument(_fx(EURUSD, USD, 5))
    _trade(s, "1.10000")
    s.quote(FESX, "5000.00", 2)
    s.market(FESX, BUY, 2)
    _trade(s, "1.25000")
    s.quote(FESX, "5010.00", 2)
    s.market(FESX, SELL, 2)  # +200 EUR (10 x 2 x multiplier 10) at 1.25: 250 USD
    account = s.node.portfolio.accounts[SIM_ACCOUNT]
    assert set(account.balances) == {USD} and not account.unconverted
    fees = [e.commission for _, e in s.node.journal.entries() if isinstance(e, OrderFilled)]
    assert [f.currency for f in fees] == [EUR, EUR]
    cent = Decimal("0.01")
    in_usd = [
        (f.as_decimal() * rate).quantize(cent, ROUND_HALF_EVEN)
        for f, rate in zip(fees, (Decimal("1.1"), Decimal("1.25")), strict=True)
    ]
    assert account.balance(USD).as_decimal() == Decimal(1_000_000) + 250 - sum(in_usd)
    for replayed in _replays(s.node):
        assert_same_state(s.node, replayed)


def test_a_pair_fed_bars_only_gives_the_rate_its_close() -> None:
    """Fails before the fix: a bar's close never became a rate."""
    s = _Session(AccountType.MARGIN, [Money.of(1_000_000, USD)], RiskLimits(check_balance=False))
    s.node.add_instrument(_fx(EURUSD, USD, 5))
    bar_type = BarType.from_str("EUR/USD.SIM-1-MINUTE-MID")
    s.now += 60 * B
    s.node.process(
        Bar.of(bar_type, Price.of("1.10000", 5), Price.of("1.21000", 5), Price.of("1.09000", 5),
               Price.of("1.20000", 5), qty(10), s.now)
    )  # fmt: skip
    assert s.node.rates.ratio(EUR, USD) == (1_200_000_000, B)
