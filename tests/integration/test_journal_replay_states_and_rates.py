"""What the journal holds besides orders and fills, so that a replay rebuilds the same state:

- the exchange rates each cross-currency fill was converted at (``AccountState.conversions``),
  so an account whose P&L or fees are in other currencies replays identically while market rates
  move, appear or are chained through a third currency;
- the risk engine's trading states (by hand, the kill switch, a breaker) and the limits set at
  run time (``TradingStateChanged``, ``RiskLimitsChanged``), so a replay tells what the node
  accepted at the end (``ReplayResult.trading_state``, ``account_trading_states``,
  ``risk_config``);
- journals written before either still replay."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import msgspec
import pytest
from exec_support import AAPL, DAY_NS, MSFT, SECOND_NS, SIM_ACCOUNT, T0, Harness, equity, px, qty
from test_journal_replay_audit import _cross_currency_session, _replays, assert_same_state

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import AccountId, InstrumentId, StrategyId
from nautilus_platform.model import events
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide, OrderStatus, TradingState
from nautilus_platform.model.events import AccountState, OrderCanceled, OrderDenied, OrderPendingCancel
from nautilus_platform.model.instruments import Equity, Future, FxSpot
from nautilus_platform.model.values import EUR, JPY, USD, Money, Price, Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.trading.journal import CompactJournal
from nautilus_platform.trading.positions import ExchangeRates
from nautilus_platform.trading.replay import ReplayMismatch, replay_journal
from nautilus_platform.trading.risk import RateLimit, RiskConfig, RiskLimits, RiskScope
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL
EURUSD = InstrumentId("EUR/USD.SIM")
EURJPY = InstrumentId("EUR/JPY.SIM")
FESX = InstrumentId("FESX.SIM")
NIKKEI = InstrumentId("NKD.SIM")
SAP = InstrumentId("SAP.SIM")


def _fx(iid: InstrumentId, quote: Any, precision: int) -> FxSpot:
    return FxSpot(
        id=iid, price_precision=precision, size_precision=0, tick_size=Price.of(Decimal(1).scaleb(-precision)),
        lot_size=Quantity.of(1), quote_currency=quote, base_currency=EUR,
    )  # fmt: skip


def _future(iid: InstrumentId, quote: Any, precision: int) -> Future:
    return Future(
        id=iid, price_precision=precision, size_precision=0, tick_size=Price.of(Decimal(1).scaleb(-precision)),
        lot_size=Quantity.of(1), quote_currency=quote, multiplier=Quantity.of(10), margin_init=Decimal("0.1"),
        margin_maint=Decimal("0.05"), underlying="X", expiry_ns=T0 + 90 * DAY_NS,
    )  # fmt: skip


class _Session:
    """A node with venue SIM (2 bp taker fees) and one account; quotes at mid and market orders."""

    def __init__(self, account_type: AccountType, balances: list[Money], limits: RiskLimits | None = None) -> None:
        self.now = T0
        self.node = TradingNode(SimulatedClock(T0), risk_config=RiskConfig(defaults=limits or RiskLimits()))
        self.node.add_venue(
            SimulatedVenueConfig(venue_id="SIM", fee_model=FeeModel(taker_bps=Decimal(2))), account_type, USD,
            balances,
        )  # fmt: skip
        self.factory = self.node.order_factory("S-1")

    def quote(self, iid: InstrumentId, price: str, precision: int) -> None:
        self.now += SECOND_NS
        p = Price.of(price, precision)
        self.node.process(QuoteTick.of(iid, p, p, qty(1_000), qty(1_000), self.now))

    def market(self, iid: InstrumentId, side: OrderSide, size: int) -> None:
        order = self.factory.market(iid, side, qty(size))
        self.node.execute(SubmitOrder(ts_init=self.now, strategy_id=order.strategy_id, order=order))
        assert order.status is OrderStatus.FILLED, order.events[-1]


def _fill_states(node: TradingNode) -> list[AccountState]:
    return [e for _, e in node.journal.entries() if isinstance(e, AccountState) and e.reason != "opened"]


# -- exchange rates --------------------------------------------------------------------------------
def test_each_cross_currency_fill_lists_the_exact_rate_it_was_converted_at() -> None:
    """Fails before the fix: ``AccountState`` had no ``conversions``; the journal held no rate."""
    node = _cross_currency_session(fixed=False)  # EUR/USD at 1.1, 1.2, 1.3 at the three fills
    states = _fill_states(node)
    assert [[(c.from_currency, c.to_currency, c.ratio) for c in s.conversions] for s in states] == [
        [(EUR, USD, (11, 10))],  # the opening fill: its EUR fee
        [(EUR, USD, (6, 5))],  # the closing fill: its P&L and its fee, one rate
        [(EUR, USD, (13, 10))],
    ]
    account = node.portfolio.accounts[SIM_ACCOUNT]
    assert set(account.balances) == {USD} and not account.unconverted


def test_a_fill_booked_without_a_rate_replays_without_one_after_the_rate_appears() -> None:
    """Fails before the fix: the first round trip had no EUR/USD rate, so its EUR P&L and fees
    stayed in EUR; the replay converted them at the rate the node had at the end."""
    s = _Session(AccountType.MARGIN, [Money.of(1_000_000, USD)], RiskLimits(check_balance=False))
    s.node.add_instrument(_future(FESX, EUR, 2))
    s.node.add_instrument(_fx(EURUSD, USD, 5))
    s.quote(FESX, "5000.00", 2)
    s.market(FESX, BUY, 2)
    s.quote(FESX, "5010.00", 2)
    s.market(FESX, SELL, 2)  # +200 EUR, no rate: booked in EUR
    s.quote(EURUSD, "1.10000", 5)
    s.market(FESX, BUY, 1)
    s.quote(EURUSD, "1.25000", 5)
    s.quote(FESX, "5020.00", 2)
    s.market(FESX, SELL, 1)  # +100 EUR at 1.25
    account = s.node.portfolio.accounts[SIM_ACCOUNT]
    assert account.unconverted and EUR in account.balances
    for replayed in _replays(s.node):
        assert_same_state(s.node, replayed)
        assert replayed.portfolio.accounts[SIM_ACCOUNT].unconverted == account.unconverted
    first_close = _fill_states(s.node)[1]
    assert [(c.from_currency, c.ratio) for c in first_close.conversions] == [(EUR, None)]  # no rate then


def test_a_cash_account_replays_its_daily_pnl_in_another_currency_while_the_rate_moves() -> None:
    """Fails before the fix: a cash account books an EUR stock's cash flows in EUR, but its daily
    realised P&L (what ``max_daily_loss`` reads) counts them in USD at the rate of each fill; the
    replay converted them at the last rate."""
    s = _Session(AccountType.CASH, [Money.of(1_000_000, USD), Money.of(1_000_000, EUR)])
    s.node.add_instrument(
        Equity(
            id=SAP, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
            quote_currency=EUR,
        )
    )  # fmt: skip
    s.node.add_instrument(_fx(EURUSD, USD, 5))
    for fx, price, side in (("1.10000", "100.00", BUY), ("1.20000", "110.00", SELL), ("1.30000", "90.00", BUY)):
        s.quote(EURUSD, fx, 5)
        s.quote(SAP, price, 2)
        s.market(SAP, side, 100)
    s.quote(SAP, "95.00", 2)
    s.market(SAP, SELL, 100)
    account = s.node.portfolio.accounts[SIM_ACCOUNT]
    assert account.realized_today_raw and set(account.balances) == {USD, EUR}
    for replayed in _replays(s.node):
        assert_same_state(s.node, replayed)


def test_a_rate_through_a_third_currency_replays_exactly() -> None:
    """Fails before the fix: JPY P&L and fees on a USD account are converted through EUR (EUR/JPY
    and EUR/USD) at rates that move between the fills; the journaled ratio is their exact
    quotient, in lowest terms."""
    s = _Session(AccountType.MARGIN, [Money.of(1_000_000, USD)])
    s.node.add_instrument(_future(NIKKEI, JPY, 0))
    s.node.add_instrument(_fx(EURUSD, USD, 5))
    s.node.add_instrument(_fx(EURJPY, JPY, 3))
    moves = (
        ("1.08731", "161.457", "38000", BUY), ("1.09117", "163.913", "38250", SELL),
        ("1.07003", "159.771", "38100", SELL), ("1.11119", "158.013", "37900", BUY),
    )  # fmt: skip
    for eurusd, eurjpy, price, side in moves:
        s.quote(EURUSD, eurusd, 5)
        s.quote(EURJPY, eurjpy, 3)
        s.quote(NIKKEI, price, 0)
        s.market(NIKKEI, side, 3)
    account = s.node.portfolio.accounts[SIM_ACCOUNT]
    assert set(account.balances) == {USD} and not account.unconverted
    for replayed in _replays(s.node, rates=s.node.rates):
        assert_same_state(s.node, replayed)
    for replayed in _replays(s.node, rates=None):  # the journal alone
        assert_same_state(s.node, replayed)
    ratios = [c.ratio for state in _fill_states(s.node) for c in state.conversions]
    exact = [Fraction(eurusd) / Fraction(eurjpy) for eurusd, eurjpy, _, _ in moves]
    assert ratios == [(r.numerator, r.denominator) for r in exact]


def test_old_journals_without_the_rates_replay_at_the_rates_given() -> None:
    """Documents: a journal written before the rates were journaled (no ``conversions``) converts
    at the ``ExchangeRates`` given, as before: identical with pinned rates."""
    node = _cross_currency_session(fixed=True)
    old = [
        (seq, msgspec.structs.replace(e, conversions=()) if isinstance(e, AccountState) else e)
        for seq, e in node.journal.entries()
    ]
    assert any(isinstance(e, AccountState) and e.conversions for _, e in node.journal.entries())
    assert_same_state(node, replay_journal(old, node.cache.instruments, node.rates))
    with pytest.raises(ReplayMismatch):  # without the node's pinned rate nothing converts
        replay_journal(old, node.cache.instruments, ExchangeRates({}))


def test_a_journaled_rate_that_is_not_positive_fails_the_replay_with_the_entry_named() -> None:
    node = _cross_currency_session(fixed=False)
    entries = list(node.journal.entries())
    k = next(i for i, (_, e) in enumerate(entries) if isinstance(e, AccountState) and e.conversions)
    state = entries[k][1]
    assert isinstance(state, AccountState)
    bad = msgspec.structs.replace(state.conversions[0], ratio=(0, 1))
    entries[k] = (entries[k][0], msgspec.structs.replace(state, conversions=(bad,)))
    with pytest.raises(ReplayMismatch, match=r"#\d+: fill .* journaled rate is invalid"):
        replay_journal(entries, node.cache.instruments, node.rates)


# -- trading states and limits ---------------------------------------------------------------------
def _risk_entries(h: Harness) -> list[Any]:
    return [
        e for _, e in h.node.journal.entries() if isinstance(e, events.TradingStateChanged | events.RiskLimitsChanged)
    ]


def test_the_kill_switch_is_journaled_before_its_cancels_and_replays_halted() -> None:
    """Fails before the fix: nothing of the kill switch but its cancels went into the journal, so
    a node rebuilt from it would come back ACTIVE (``ReplayResult`` had no trading state)."""
    h = Harness()
    h.quote("100.00", "100.10")
    resting = h.submit(h.factory.limit(AAPL, BUY, qty(5), px("99.00")))
    assert h.node.execution.kill() == 1
    entries = [e for _, e in h.node.journal.entries()]
    (halt,) = [e for e in entries if isinstance(e, events.TradingStateChanged)]
    assert (halt.state, halt.account_id, halt.reason) == (TradingState.HALTED, None, "kill switch")
    first_cancel = next(i for i, e in enumerate(entries) if isinstance(e, OrderPendingCancel | OrderCanceled))
    assert entries.index(halt) < first_cancel
    assert halt in h.events  # published on events.risk, like every journaled event
    assert resting.status is OrderStatus.CANCELED
    h.submit(h.factory.market(AAPL, BUY, qty(1)))  # denied: HALTED
    for replayed in _replays(h.node):
        assert_same_state(h.node, replayed)
        assert replayed.trading_state is TradingState.HALTED
        assert replayed.effective_trading_state(SIM_ACCOUNT) is TradingState.HALTED
    h.node.risk.set_trading_state(TradingState.ACTIVE)  # resumed
    for replayed in _replays(h.node):
        assert replayed.trading_state is TradingState.ACTIVE


def test_an_accounts_reducing_state_replays_and_clears_with_active() -> None:
    """Fails before the fix: an account's own state was not journaled."""
    h = Harness()
    other = AccountId("OTHER-001")
    h.quote("100.00", "100.10")
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    h.node.risk.set_trading_state(TradingState.REDUCING, SIM_ACCOUNT)
    h.node.risk.set_trading_state(TradingState.HALTED, other)
    h.submit(h.factory.market(AAPL, BUY, qty(1)))  # denied: the account is REDUCING
    h.submit(h.factory.market(AAPL, SELL, qty(4)))  # reduces: allowed
    assert [type(e) for e in h.events if isinstance(e, OrderDenied)] == [OrderDenied]
    marker = len(h.node.journal)
    h.node.risk.set_trading_state(TradingState.ACTIVE, other)  # clears the account's own state
    for replayed in _replays(h.node):
        assert_same_state(h.node, replayed)
        assert replayed.trading_state is TradingState.ACTIVE
        assert replayed.account_trading_states == {SIM_ACCOUNT: TradingState.REDUCING}
        assert replayed.effective_trading_state(SIM_ACCOUNT) is h.node.risk.trading_state(SIM_ACCOUNT)
        assert replayed.effective_trading_state(other) is TradingState.ACTIVE
    before = replay_journal(list(h.node.journal.entries())[:marker], h.node.cache.instruments, h.node.rates)
    assert before.account_trading_states == {SIM_ACCOUNT: TradingState.REDUCING, other: TradingState.HALTED}


def test_limits_set_at_run_time_replay_to_the_same_limits() -> None:
    """Fails before the fix: ``set_limits`` left nothing in the journal; a replay could not tell
    which limits were in force."""
    start = RiskConfig(
        defaults=RiskLimits(max_quantity=qty(1_000)),
        strategies={"S-1": RiskLimits(max_open_orders=10)},
        instruments={str(MSFT): RiskLimits(collar_bps=500)},
    )
    node = TradingNode(SimulatedClock(T0), risk_config=start)
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    node.add_instrument(equity(AAPL))
    node.add_instrument(equity(MSFT))
    factory = node.order_factory("S-1")
    now = T0 + SECOND_NS
    node.process(QuoteTick.of(AAPL, px("100.00"), px("100.10"), qty(100), qty(100), now))
    risk = node.risk
    risk.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=qty(5), max_notional=Money.of(10_000, USD)))
    risk.set_limits(
        RiskScope.ACCOUNT, str(SIM_ACCOUNT),
        RiskLimits(submit_rate=RateLimit(limit=3, interval_ns=SECOND_NS), max_daily_loss=Money.of("250.50", USD)),
    )  # fmt: skip
    risk.set_limits(RiskScope.STRATEGY, "S-1", None)  # removed
    risk.set_limits(
        RiskScope.INSTRUMENT, str(AAPL), RiskLimits(check_balance=False, breaker_state=TradingState.REDUCING)
    )
    order = factory.market(AAPL, BUY, qty(10))
    node.execute(SubmitOrder(ts_init=now, strategy_id=order.strategy_id, order=order))
    assert order.status is OrderStatus.DENIED  # above the new max_quantity
    with pytest.raises(ValidationError):  # a second currency for one money field: refused, not journaled
        risk.set_limits(RiskScope.ACCOUNT, str(SIM_ACCOUNT), RiskLimits(max_notional=Money.of(1, EUR)))
    changes = [e for _, e in node.journal.entries() if isinstance(e, events.RiskLimitsChanged)]
    assert [(c.scope, c.key, c.limits is None) for c in changes] == [
        ("DEFAULT", "", False), ("STRATEGY", "S-1", False), ("INSTRUMENT", "MSFT.SIM", False),  # the start
        ("DEFAULT", "", False), ("ACCOUNT", "SIM-001", False), ("STRATEGY", "S-1", True), ("INSTRUMENT", "AAPL.SIM", False),
    ]  # fmt: skip
    compact = CompactJournal(block_size=3, background=False)
    for _, entry in node.journal.entries():
        compact.append(entry)
    for journal in (node.journal.entries(), compact.entries()):
        replayed = replay_journal(journal, node.cache.instruments, node.rates, risk_config=start)
        assert replayed.risk_config == risk.current_config()
        assert replayed.risk_config.defaults.max_quantity == qty(5)
        assert replayed.risk_config.accounts["SIM-001"].max_daily_loss == Money.of("250.50", USD)
        assert "S-1" not in replayed.risk_config.strategies
        assert replayed.risk_config.instruments[str(MSFT)] == RiskLimits(collar_bps=500)  # from the start
    # the node journals its starting configuration: the replay needs no risk_config
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates)
    assert replayed.risk_config == risk.current_config()
    assert replayed.risk_config.instruments[str(MSFT)] == RiskLimits(collar_bps=500)  # from the start


def test_a_tripped_breaker_is_journaled_with_its_reason_and_replays() -> None:
    """Fails before the fix: a breaker's switch of the account's state was not journaled."""
    h = Harness(limits=RiskLimits(max_daily_loss=Money.of(50, USD), breaker_state=TradingState.REDUCING))
    h.quote("100.00", "100.10")
    h.submit(h.factory.market(AAPL, BUY, qty(20)))
    h.quote("95.00", "95.10")
    h.submit(h.factory.market(AAPL, SELL, qty(10)))  # realises about -51
    h.submit(h.factory.market(AAPL, BUY, qty(1)))  # the breaker trips: denied, the account REDUCING
    denied = [e for e in h.events if isinstance(e, OrderDenied)]
    assert [d.reason for d in denied] == [DenyReason.DAILY_LOSS_LIMIT]
    (trip,) = [e for e in _risk_entries(h) if isinstance(e, events.TradingStateChanged)]
    assert (trip.state, trip.account_id) == (TradingState.REDUCING, SIM_ACCOUNT)
    assert trip.reason.startswith("breaker: daily loss")
    for replayed in _replays(h.node, risk_config=h.node.risk.config):
        assert_same_state(h.node, replayed)
        assert replayed.account_trading_states == {SIM_ACCOUNT: TradingState.REDUCING}
        assert replayed.effective_trading_state(SIM_ACCOUNT) is h.node.risk.trading_state(SIM_ACCOUNT)


def test_old_journals_without_state_or_limit_entries_still_replay() -> None:
    """Documents: a journal written before these entries existed replays as before: every state
    ACTIVE, the limits those given."""
    h = Harness()
    h.quote("100.00", "100.10")
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    h.node.risk.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=qty(5)))
    h.submit(h.factory.market(AAPL, BUY, qty(10)))  # denied
    h.node.risk.set_trading_state(TradingState.REDUCING, SIM_ACCOUNT)
    h.node.execution.kill()
    assert len(_risk_entries(h)) == 3
    old = [
        (seq, e)
        for seq, e in h.node.journal.entries()
        if not isinstance(e, events.TradingStateChanged | events.RiskLimitsChanged)
    ]
    old = [(i + 1, e) for i, (_, e) in enumerate(old)]
    replayed = replay_journal(old, h.node.cache.instruments, h.node.rates, risk_config=h.node.risk.config)
    assert_same_state(h.node, replayed)
    assert (replayed.trading_state, replayed.account_trading_states) == (TradingState.ACTIVE, {})
    assert replayed.risk_config == h.node.risk.config


def test_a_damaged_limits_entry_fails_the_replay_with_the_entry_named() -> None:
    h = Harness()
    h.node.risk.set_limits(RiskScope.STRATEGY, "S-1", RiskLimits(max_open_orders=2))
    entries = list(h.node.journal.entries())
    k = next(i for i, (_, e) in enumerate(entries) if isinstance(e, events.RiskLimitsChanged))
    for damaged in (
        {"limits": '{"max_open_orders": -1}'},  # not a valid RiskLimits
        {"limits": "not json"},
        {"scope": "PORTFOLIO"},
        {"key": ""},
    ):
        bad = list(entries)
        bad[k] = (entries[k][0], msgspec.structs.replace(entries[k][1], **damaged))
        with pytest.raises(ReplayMismatch, match=rf"#{entries[k][0]}: RiskLimitsChanged"):
            replay_journal(bad, h.node.cache.instruments, h.node.rates)


def test_a_state_change_journaled_on_a_later_day_starts_the_trading_day_in_the_replay() -> None:
    """Documents: a journaled state change is stamped by the node's clock like any event, so the
    replay's trading day moves with it as the node's did."""
    h = Harness()
    h.quote("100.00", "100.10")
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    h.quote("99.00", "99.10")
    h.submit(h.factory.market(AAPL, SELL, qty(10)))
    h.advance(h.now + DAY_NS)
    h.node.risk.set_trading_state(TradingState.HALTED)
    account = h.node.portfolio.accounts[SIM_ACCOUNT]
    assert account.realized_today_raw == 0 and account.realized_total_raw != 0
    for replayed in _replays(h.node):
        assert_same_state(h.node, replayed)


def test_limits_for_another_strategy_do_not_touch_the_replayed_orders() -> None:
    """Documents: the journaled changes are read, never applied to orders (their denials are)."""
    h = Harness()
    h.quote("100.00", "100.10")
    h.node.risk.set_limits(RiskScope.STRATEGY, str(StrategyId("S-9")), RiskLimits(max_quantity=qty(1)))
    h.submit(h.factory.market(AAPL, BUY, qty(10)))
    for replayed in _replays(h.node, risk_config=h.node.risk.config):
        assert_same_state(h.node, replayed)
        assert replayed.risk_config == h.node.risk.current_config()
