"""Strategy faults in a backtest (held bracket exits cancelled, one fault reported once) and timers
set in ``on_start`` landing on the data's times."""

from __future__ import annotations

from typing import Any

from backtest_support import bars, equity, run

from nautilus_platform.core.clock import TimeEvent
from nautilus_platform.model.data import Bar
from nautilus_platform.model.enums import AccountType, OrderSide, OrderStatus
from nautilus_platform.model.events import OrderCancelRejected, OrderEvent, OrderFilled
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
from nautilus_platform.strategy import Strategy, StrategyState
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

BAR_TYPE = "DEMO.SIM-1-MINUTE-LAST"
MINUTE_NS = 60 * 1_000_000_000
DAY_NS = 1_440 * MINUTE_NS


class FaultOnBracketFill(Strategy):
    """Submits a bracket on the 5th bar and raises on the entry's fill event."""

    def on_start(self) -> None:
        self.n = 0
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        self.n += 1
        if self.n == 5:
            close = bar.close.as_double()
            bracket = self.orders.bracket(
                bar.instrument_id, OrderSide.BUY, Quantity.of(1),
                take_profit=Price.of(f"{close * 1.002:.2f}"), stop_loss=Price.of(f"{close * 0.998:.2f}"),
            )  # fmt: skip
            self.submit_list(bracket)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            raise RuntimeError("boom on fill")


def test_a_fault_in_the_bracket_entrys_fill_cancels_its_held_exits() -> None:
    # Before the fix the exits, still held (INITIALIZED) at the fault, were released right after it:
    # the stop-loss filled two bars later, a trade of a stopped strategy.
    strategy = FaultOnBracketFill("s")
    result = run([strategy], [bars(50)])
    (error,) = result.strategy_errors
    assert (error.callback, error.error) == ("on_order_event", "RuntimeError: boom on fill")
    assert strategy.state is StrategyState.FAULTED
    assert [(o.order_type, o.status) for o in result.orders] == [
        ("MARKET", OrderStatus.FILLED.name),
        ("LIMIT", OrderStatus.CANCELED.name),
        ("STOP_MARKET", OrderStatus.CANCELED.name),
    ]
    assert [f.ts_event for f in result.fills] == [error.ts]  # the entry only, nothing after the fault


def test_cancelling_the_held_exits_after_a_fault_refuses_nothing() -> None:
    # One-cancels-other: cancelling one exit may close the other; the fault skips it, no refusal.
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM", fee_model=FeeModel()), AccountType.CASH, USD,
                       [Money.of(1_000_000, USD)])  # fmt: skip
    backtest = build_backtest(
        BacktestConfig(venues=[venue], instruments=[equity()], data=[bars(50)], strategies=[FaultOnBracketFill("s")])
    )
    events: list[Any] = []
    backtest.core.bus.subscribe("events.order.*", events.append)
    result = backtest.run()
    assert [o.status for o in result.orders][1:] == [OrderStatus.CANCELED.name] * 2
    assert not [e for e in events if isinstance(e, OrderCancelRejected)]


class TwoSubmitsFaultOnFill(Strategy):
    """On the 10th bar two market orders; the first one's fill (inside the submit, bar execution
    ``close``) raises in ``on_order_event``, so the second submit finds the strategy faulted."""

    def on_start(self) -> None:
        self.n = 0
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        self.n += 1
        if self.n == 10:
            self.submit(self.orders.market(bar.instrument_id, OrderSide.BUY, Quantity.of(1)))
            self.submit(self.orders.market(bar.instrument_id, OrderSide.BUY, Quantity.of(1)))

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            raise RuntimeError("boom")


def test_one_fault_is_reported_once() -> None:
    # Before the fix a second StrategyError blamed on_bar: "strategy s is faulted: it cannot send SubmitOrder".
    strategy = TwoSubmitsFaultOnFill("s")
    result = run([strategy], [bars(50)])
    assert [(e.callback, e.error) for e in result.strategy_errors] == [("on_order_event", "RuntimeError: boom")]
    assert strategy.state is StrategyState.FAULTED
    assert len(result.fills) == 1


class TimerProbe(Strategy):
    def on_start(self) -> None:
        self.clock_at_start = self.clock.timestamp_ns()
        self.bars: list[int] = []
        self.minutes: list[int] = []
        self.days: list[int] = []
        self.offsets: list[int] = []
        self.subscribe_bars(BAR_TYPE)
        self.set_timer("minute", MINUTE_NS, lambda e: self.minutes.append(e.ts_event))
        self.set_timer("day", DAY_NS, lambda e: self.days.append(e.ts_event))
        self.set_timer("offset", MINUTE_NS, self.on_offset, start_ns=self.clock.timestamp_ns() + 7)

    def on_offset(self, event: TimeEvent) -> None:
        self.offsets.append(event.ts_event)

    def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar.ts_event)


def test_timers_set_in_on_start_count_from_the_first_data_time() -> None:
    # Before the fix they counted from the clock's start, 1 ns before the first bar: a 60 s timer
    # fired at 00:00:59.999999999 after each bar, a daily one 1 ns before the day boundary.
    probe = TimerProbe("t")
    run([probe], [bars(3_000)])
    first = probe.bars[0]
    assert probe.clock_at_start == first - 1  # the clock still starts just before the first item
    assert probe.minutes[:3] == [first + MINUTE_NS, first + 2 * MINUTE_NS, first + 3 * MINUTE_NS]
    assert probe.minutes[:3] == probe.bars[1:4]  # on the bars' times
    assert set(probe.minutes) <= set(probe.bars) | {probe.bars[-1] + MINUTE_NS}
    assert probe.days == [first + DAY_NS, first + 2 * DAY_NS]  # 3,000 minutes: two whole days
    # an explicit start is kept as given
    assert probe.offsets[0] == first - 1 + 7 + MINUTE_NS
