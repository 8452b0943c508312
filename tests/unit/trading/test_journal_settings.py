"""A node journals the risk configuration it starts with (as the ``RiskLimitsChanged`` entries
that would set it), so that ``replay_journal`` rebuilds the limits in force at the end without
being given the starting ``risk_config``; journals written before still replay with it given."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import BarSpecification, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import AccountState, RiskLimitsChanged
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.examples.ma_cross import MovingAverageCross
from nautilus_platform.trading.journal import CompactJournal, InMemoryJournal, Journal
from nautilus_platform.trading.replay import replay_journal
from nautilus_platform.trading.risk import RiskConfig, RiskLimits, RiskScope
from nautilus_platform.trading.risk.state import PriceSource
from nautilus_platform.venues.simulated import SimulatedVenueConfig

IID = InstrumentId("DEMO.SIM")
OTHER = InstrumentId("OTHER.SIM")
T0 = 1_700_000_000_000_000_000
SECOND_NS = 1_000_000_000

START = RiskConfig(
    defaults=RiskLimits(max_quantity=Quantity.of(50), collar_bps=800),
    accounts={"SIM-001": RiskLimits(max_daily_loss=Money.of("1000.25", USD))},
    strategies={"S-1": RiskLimits(max_notional=Money.of(100_000, USD)), "S-2": RiskLimits(max_quantity=Quantity.of(1))},
    instruments={str(OTHER): RiskLimits(collar_bps=100)},
)


def _equity(iid: InstrumentId = IID) -> Equity:
    return Equity(
        id=iid, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip


def _session(config: RiskConfig | None, journal: Journal | None = None) -> TradingNode:
    """Trades under ``config``, with limits changed at run time in between."""
    node = TradingNode(SimulatedClock(T0), risk_config=config, journal=journal)
    node.add_venue(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
    node.add_instrument(_equity())
    factory = node.order_factory("S-1")
    now = T0
    for step in range(6):
        now += SECOND_NS
        node.process(QuoteTick.of(IID, Price.of("100.00"), Price.of("100.10"), Quantity.of(500), Quantity.of(500), now))
        order = factory.market(IID, OrderSide.BUY if step % 2 == 0 else OrderSide.SELL, Quantity.of(10 + step))
        node.execute(SubmitOrder(ts_init=now, strategy_id=factory.strategy_id, order=order))
        assert order.status is OrderStatus.FILLED
        if step == 2:
            node.risk.set_limits(RiskScope.STRATEGY, "S-2", None)
            node.risk.set_limits(RiskScope.INSTRUMENT, str(IID), RiskLimits(collar_bps=300))
        if step == 4:
            node.risk.set_limits(RiskScope.DEFAULT, None, RiskLimits(max_quantity=Quantity.of(40)))
    return node


def _starting_entries(node: TradingNode) -> list[Any]:
    entries = [e for _, e in node.journal.entries()]
    first_account = next(i for i, e in enumerate(entries) if isinstance(e, AccountState))
    return entries[:first_account]


@pytest.mark.parametrize("journal_kind", ["memory", "compact"])
def test_a_journal_replays_to_the_limits_in_force_without_the_starting_config(journal_kind: str) -> None:
    journal: Journal = InMemoryJournal() if journal_kind == "memory" else CompactJournal(block_size=3)
    node = _session(START, journal)
    assert node.risk.current_config() != START  # changed at run time
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates)  # no risk_config
    assert replayed.risk_config == node.risk.current_config()
    assert replayed.risk_config.strategies["S-1"] == START.strategies["S-1"]  # from the start, never changed
    assert replayed.risk_config.accounts == START.accounts
    assert replayed.risk_config.instruments[str(OTHER)] == START.instruments[str(OTHER)]
    if isinstance(journal, CompactJournal):
        journal.close()


def test_the_starting_config_is_journaled_first_and_published() -> None:
    heard: list[Any] = []
    node = TradingNode(SimulatedClock(T0), risk_config=START)
    node.bus.subscribe("events.risk", heard.append)  # too late for the starting entries: they are journaled
    starting = [e for _, e in node.journal.entries()]
    assert [(e.scope, e.key) for e in starting] == [
        ("DEFAULT", ""), ("ACCOUNT", "SIM-001"), ("STRATEGY", "S-1"), ("STRATEGY", "S-2"), ("INSTRUMENT", str(OTHER)),
    ]  # fmt: skip
    assert all(type(e) is RiskLimitsChanged and e.ts_init == T0 for e in starting)
    assert heard == []
    replayed = replay_journal(node.journal.entries(), {})
    assert replayed.risk_config == START


def test_a_node_with_the_default_config_journals_no_starting_entries() -> None:
    node = _session(None)
    assert _starting_entries(node) == []
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates)
    assert replayed.risk_config == node.risk.current_config()


def test_only_the_default_limits_that_differ_are_journaled() -> None:
    node = TradingNode(SimulatedClock(T0), risk_config=RiskConfig(strategies={"S-1": RiskLimits(collar_bps=5)}))
    assert [(e.scope, e.key) for _, e in node.journal.entries()] == [("STRATEGY", "S-1")]


def test_old_journals_without_the_starting_entries_replay_with_the_config_given() -> None:
    node = _session(START)
    n_start = len(_starting_entries(node))
    assert n_start == 5
    old = [(seq - n_start, e) for seq, e in node.journal.entries() if seq > n_start]
    replayed = replay_journal(old, node.cache.instruments, node.rates, risk_config=START)
    assert replayed.risk_config == node.risk.current_config()
    without = replay_journal(old, node.cache.instruments, node.rates)  # as before: the default start
    assert without.risk_config == RiskConfig(  # the run-time changes alone
        defaults=RiskLimits(max_quantity=Quantity.of(40)), instruments={str(IID): RiskLimits(collar_bps=300)}
    )


def test_when_both_give_the_starting_limits_the_journal_wins() -> None:
    """The journaled starting entries are applied over ``risk_config`` like any limits change: a
    scope both name gets the journal's limits; what only ``risk_config`` names stays."""
    node = _session(START)
    given = RiskConfig(
        defaults=RiskLimits(max_quantity=Quantity.of(7)),
        strategies={"S-1": RiskLimits(max_quantity=Quantity.of(3)), "S-9": RiskLimits(collar_bps=1)},
    )
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates, risk_config=given)
    expected = node.risk.current_config()
    assert replayed.risk_config.defaults == expected.defaults
    assert replayed.risk_config.strategies == {**expected.strategies, "S-9": RiskLimits(collar_bps=1)}
    same = replay_journal(node.journal.entries(), node.cache.instruments, node.rates, risk_config=START)
    assert same.risk_config == expected  # giving the node's own starting config changes nothing


def test_a_backtest_journal_replays_to_its_default_risk_config() -> None:
    """A backtest's default risk configuration (MARK prices as the reference) is journaled too."""
    data = simulate_bars(_equity(), BarSpecification.from_str("1-MINUTE-LAST"), 300, seed=5)
    config = BacktestConfig(
        venues=[VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])],
        instruments=[_equity()], data=[data], strategies=[MovingAverageCross(fast=5, slow=20)],
        journal=InMemoryJournal(), purge_every=None,
    )  # fmt: skip
    backtest = build_backtest(config)
    backtest.run()
    node = backtest.core
    assert isinstance(node, TradingNode)
    assert node.risk.current_config().defaults.reference_source is PriceSource.MARK
    replayed = replay_journal(node.journal.entries(), node.cache.instruments, node.rates)
    assert replayed.risk_config == node.risk.current_config()
