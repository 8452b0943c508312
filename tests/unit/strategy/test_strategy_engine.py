"""The strategy engine: registration, lifecycle, timers and contained failures."""

from __future__ import annotations

import pytest

from nautilus_platform.core.clock import SimulatedClock, TimeEvent
from nautilus_platform.core.errors import ConfigurationError, DuplicateError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.values import Quantity
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy import Strategy, StrategyEngine, StrategyState

S = 1_000_000_000


class Ticker(Strategy):
    def on_start(self) -> None:
        self.fired: list[int] = []
        self.set_timer("beat", S, self.beat)
        self.log("started")

    def beat(self, event: TimeEvent) -> None:
        self.fired.append(event.ts_event)
        if len(self.fired) == 3:
            raise ValueError("third beat")


class BadStart(Strategy):
    def on_start(self) -> None:
        raise KeyError("missing config")


def engine() -> tuple[TradingNode, StrategyEngine]:
    node = TradingNode(SimulatedClock(0))
    return node, StrategyEngine(node)


def test_timer_failures_stop_the_strategy_and_its_timers() -> None:
    node, eng = engine()
    ticker = Ticker("t")
    eng.add(ticker)
    eng.start()
    assert eng.logs[0].message == "started" and str(eng.logs[0].strategy_id) == "t"
    node.advance_time(10 * S)
    assert ticker.fired == [S, 2 * S, 3 * S]  # no beat after the failure
    assert ticker.state is StrategyState.FAULTED
    (error,) = eng.errors
    assert (error.callback, error.error, error.ts) == ("timer beat", "ValueError: third beat", 3 * S)
    assert "t.beat" not in node.clock.timer_names


def test_a_failing_on_start_faults_only_that_strategy() -> None:
    _, eng = engine()
    bad, good = BadStart("bad"), Ticker("good")
    eng.add(bad)
    eng.add(good)
    eng.start()
    assert bad.state is StrategyState.FAULTED and good.state is StrategyState.RUNNING
    assert eng.errors[0].callback == "on_start" and "missing config" in eng.errors[0].error


def test_registration_rules_and_a_stopped_strategy_cannot_trade() -> None:
    node, eng = engine()
    strategy = Strategy("s")
    with pytest.raises(ConfigurationError, match="not registered"):
        _ = strategy.clock
    eng.add(strategy)
    with pytest.raises(DuplicateError):
        eng.add(Strategy("s"))
    with pytest.raises(ConfigurationError, match="another engine"):
        StrategyEngine(node).add(strategy)
    eng.start()
    eng.stop()
    assert strategy.state is StrategyState.STOPPED
    with pytest.raises(ConfigurationError, match="stopped: it cannot send SubmitOrder"):
        strategy.submit(strategy.orders.market(InstrumentId("X.SIM"), OrderSide.BUY, Quantity.of(1)))
