"""The end of a backtest: with an explicit end the clock runs on after the last item, firing the
timers and delivering what the venues' latency held back that is due before the end (exclusive),
then ``on_stop``; without one the run stops at the last item. Orders still in flight are reported
as they stand, the equity curve dates what the tail changed, and the journal still replays."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.clock import TimeEvent
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import Bar, BarSpecification
from nautilus_platform.model.enums import AccountType, OrderSide, TimeInForce
from nautilus_platform.model.events import OrderEvent, OrderFilled
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, DataSource, VenueSetup, build_backtest
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.trading.journal import InMemoryJournal
from nautilus_platform.trading.replay import replay_journal
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

S = 10**9
MINUTE_NS = 60 * S
IID = InstrumentId("DEMO.SIM")
BAR_TYPE = "DEMO.SIM-1-MINUTE-LAST"


def _equity() -> Equity:
    return Equity(
        id=IID, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, taker_fee=Decimal("0.001"), maker_fee=Decimal("0.001"),
    )  # fmt: skip


def _bars(n: int = 10) -> LoadedData:
    return simulate_bars(_equity(), BarSpecification.from_str("1-MINUTE-LAST"), n, seed=3, volatility=0.002)


def _times(data: LoadedData) -> list[int]:
    return [int(t) for t in data.columns["ts"].tolist()]


class Recorder(Strategy):
    """Records bars, timers, order events and ``on_stop`` with the clock's time; buys 5 on the
    bar at ``buy_at`` and flattens from alerts at the times in ``flatten_at``; each of ``alerts``
    only records; ``stop_order`` sends a market buy from ``on_stop``."""

    def __init__(
        self,
        buy_at: int | None = None,
        flatten_at: tuple[int, ...] = (),
        alerts: tuple[int, ...] = (),
        timer_ns: int | None = None,
        limit: tuple[str, int] | None = None,
        stop_order: bool = False,
    ) -> None:
        super().__init__("rec")
        self.buy_at, self.flatten_at, self.alerts, self.timer_ns = buy_at, flatten_at, alerts, timer_ns
        self.limit, self.stop_order = limit, stop_order
        self.seen: list[tuple[str, int, int]] = []

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)
        for i, ts in enumerate(self.flatten_at):
            self.set_time_alert(f"flatten-{i}", ts, self.on_flatten)
        for i, ts in enumerate(self.alerts):
            self.set_time_alert(f"alert-{i}", ts, self.on_alert)
        if self.timer_ns is not None:
            self.set_timer("every", self.timer_ns, self.on_alert)

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(("bar", bar.ts_event, self.clock.timestamp_ns()))
        if bar.ts_event == self.buy_at:
            self.submit(self.orders.market(IID, OrderSide.BUY, Quantity.of(5)))
            if self.limit is not None:
                price, expire = self.limit
                self.submit(
                    self.orders.limit(
                        IID, OrderSide.BUY, Quantity.of(1), Price.of(price), TimeInForce.GTD, expire_time_ns=expire
                    )
                )

    def on_flatten(self, event: TimeEvent) -> None:
        self.seen.append(("flatten", event.ts_event, self.clock.timestamp_ns()))
        self.close_position(IID)

    def on_alert(self, event: TimeEvent) -> None:
        self.seen.append(("alert", event.ts_event, self.clock.timestamp_ns()))

    def on_order_event(self, event: OrderEvent) -> None:
        self.seen.append((type(event).__name__, event.ts_event, self.clock.timestamp_ns()))

    def on_stop(self) -> None:
        self.seen.append(("stop", 0, self.clock.timestamp_ns()))
        if self.stop_order:
            self.submit(self.orders.market(IID, OrderSide.BUY, Quantity.of(2)))


def _backtest(
    sources: list[DataSource], strategy: Strategy, latency_ns: int = 0, journal: InMemoryJournal | None = None,
    **window: int,
) -> tuple[BacktestResult, TradingNode]:  # fmt: skip
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", latency_model=LatencyModel(latency_ns)), AccountType.MARGIN, USD,
        [Money.of(1_000_000, USD)],
    )  # fmt: skip
    config = BacktestConfig(
        venues=[venue], instruments=[_equity()], data=sources, strategies=[strategy], journal=journal,
        **window,  # type: ignore[arg-type]
    )  # fmt: skip
    backtest = build_backtest(config)
    node = backtest.core
    assert isinstance(node, TradingNode)
    return backtest.run(), node


def _paths(data: LoadedData) -> dict[str, list[DataSource]]:
    half = len(data) // 2
    split = [
        dataclasses.replace(data, columns={name: column[:half] for name, column in data.columns.items()}),
        dataclasses.replace(data, columns={name: column[half:] for name, column in data.columns.items()}),
    ]
    return {"columnar": [data], "objects": [data.to_objects()], "two-sources": split}  # type: ignore[dict-item]


# -- timers after the last item -------------------------------------------------------------------
@pytest.mark.parametrize("path", ["columnar", "objects", "two-sources"])
def test_an_end_of_day_flatten_after_the_last_bar_fires_before_an_explicit_end(path: str) -> None:
    """Fails before the fix: nothing moved the clock past the last bar, so the flatten alert 5
    minutes after it (the end 10 minutes after it) never fired and the position stayed open."""
    data = _bars()
    ts = _times(data)
    last = ts[-1]
    flatten = last + 5 * MINUTE_NS
    recorder = Recorder(buy_at=ts[2], flatten_at=(flatten,))
    result, node = _backtest(_paths(data)[path], recorder, end_ns=last + 10 * MINUTE_NS)
    assert ("flatten", flatten, flatten) in recorder.seen  # fired with the clock at its own time
    assert [f.ts_event for f in result.fills] == [ts[2], flatten]
    assert result.fills[-1].order_side is OrderSide.SELL
    assert all(p.quantity.raw == 0 for p in result.positions)
    assert node.portfolio.net_positions.get(IID, 0) == 0
    # on_stop comes after the tail, with the clock at the end (exclusive: end - 1).
    assert recorder.seen[-1] == ("stop", 0, last + 10 * MINUTE_NS - 1)
    # The curve: the last bar's equity as it stood, then the flatten's equity at the flatten's time.
    assert result.equity.ts.tolist()[-2:] == [last, flatten]
    assert result.end_ns == flatten
    assert result.account_states[-1].ts_event == flatten
    assert result.equity.equity.tolist()[-1] == pytest.approx(
        float(node.portfolio.accounts[result.account_states[-1].account_id].equity_raw) / 10**9
    )
    # The last bar's sample is the equity after it, as a run without an end ends with it.
    without_end, _ = _backtest(_paths(data)[path], Recorder(buy_at=ts[2], flatten_at=(flatten,)))
    assert without_end.equity.ts.tolist() == result.equity.ts.tolist()[:-1]
    assert without_end.equity.equity.tolist() == result.equity.equity.tolist()[:-1]
    assert result.equity.equity.tolist()[-1] != result.equity.equity.tolist()[-2]  # the flatten's commission


def test_every_path_gives_the_same_tail() -> None:
    data = _bars()
    ts = _times(data)
    runs = []
    for sources in _paths(data).values():
        recorder = Recorder(buy_at=ts[3], flatten_at=(ts[-1] + 4 * MINUTE_NS,), timer_ns=90 * S)
        result, _ = _backtest(sources, recorder, latency_ns=250_000_000, end_ns=ts[-1] + 6 * MINUTE_NS)
        runs.append((result, recorder.seen))
    (first, seen), *others = runs
    assert any(what == "flatten" for what, _, _ in seen)
    for other, other_seen in others:
        assert other_seen == seen
        assert other.fills == first.fills
        assert other.orders == first.orders
        assert other.account_states == first.account_states
        assert other.equity.ts.tolist() == first.equity.ts.tolist()
        assert other.equity.equity.tolist() == first.equity.equity.tolist()
        assert repr(other.statistics) == repr(first.statistics)


def test_a_repeating_timer_fires_up_to_but_not_at_the_end_and_at_the_last_items_time_before_it() -> None:
    """Fails before the fix: the 30 s timer stopped at the last bar. It fires at the last bar's
    time (before the bar), then every 30 s after it up to the end, not at the end (exclusive)."""
    data = _bars()
    ts = _times(data)
    last = ts[-1]
    end = last + 2 * MINUTE_NS
    recorder = Recorder(timer_ns=30 * S)
    _backtest([data], recorder, end_ns=end)
    timers = [t for what, t, _ in recorder.seen if what == "alert"]
    assert timers[-4:] == [last, last + 30 * S, last + 60 * S, last + 90 * S]  # not last + 120 s: the end
    assert max(timers) < end
    order = [(what, t) for what, t, _ in recorder.seen if t == last]
    assert order == [("alert", last), ("bar", last)]  # at the last bar's time: the timer, then the bar
    assert recorder.seen[-1][0] == "stop"


def test_an_alert_exactly_at_the_end_does_not_fire_and_one_just_before_does() -> None:
    data = _bars()
    last = _times(data)[-1]
    end = last + MINUTE_NS
    recorder = Recorder(alerts=(end, end - 1))
    _backtest([data], recorder, end_ns=end)
    assert [(what, t) for what, t, _ in recorder.seen if what == "alert"] == [("alert", end - 1)]


def test_without_an_explicit_end_the_run_stops_at_the_last_item() -> None:
    """Documents: no end given, nothing after the last item fires; on_stop runs at the last item's time."""
    data = _bars()
    ts = _times(data)
    recorder = Recorder(buy_at=ts[2], flatten_at=(ts[-1] + 5 * MINUTE_NS,), timer_ns=30 * S)
    result, node = _backtest([data], recorder)
    assert max(t for what, t, _ in recorder.seen if what != "stop") == ts[-1]
    assert recorder.seen[-1] == ("stop", 0, ts[-1])
    assert node.clock.timestamp_ns() == ts[-1]
    assert [f.ts_event for f in result.fills] == [ts[2]]
    assert result.end_ns == ts[-1]


# -- latency, expiries and orders in flight ---------------------------------------------------------
def test_venue_deliveries_due_before_the_end_arrive_in_time_order_around_the_timers() -> None:
    """Fails before the fix: the order sent on the last bar (100 ms latency) was never acknowledged.
    Now its acceptance and fill come at +100 ms: after an alert at +50 ms, and after an alert at
    exactly +100 ms (what is due at a timer's time comes after it), before one at +150 ms."""
    data = _bars()
    last = _times(data)[-1]
    ms = 1_000_000
    recorder = Recorder(buy_at=last, alerts=(last + 50 * ms, last + 100 * ms, last + 150 * ms))
    result, _ = _backtest([data], recorder, latency_ns=100 * ms, end_ns=last + MINUTE_NS)
    tail = [(what, max(t - last, 0), now - last) for what, t, now in recorder.seen if t > last or what == "stop"]
    assert tail == [
        ("alert", 50 * ms, 50 * ms),
        ("alert", 100 * ms, 100 * ms),
        ("OrderAccepted", 100 * ms, 100 * ms),
        ("OrderFilled", 100 * ms, 100 * ms),
        ("alert", 150 * ms, 150 * ms),
        ("stop", 0, MINUTE_NS - 1),
    ]
    assert [o.status for o in result.orders] == ["FILLED"]
    assert [f.ts_event for f in result.fills] == [last + 100 * ms]


def test_what_a_tail_delivery_sets_off_before_the_end_happens_too() -> None:
    """Fails before the fix. The fill delivered 100 ms after the last bar reaches the strategy with
    the clock at the fill's time; the alert it sets 10 s later fires, and the order it sends from
    there (100 ms latency) fills before the end; the one sent from the second alert, 100 ms before
    the end, is still in flight at the end."""
    data = _bars()
    last = _times(data)[-1]
    ms = 1_000_000
    end = last + 20 * S

    class Reacts(Recorder):
        def on_order_event(self, event: OrderEvent) -> None:
            super().on_order_event(event)
            if isinstance(event, OrderFilled) and event.ts_event == last + 100 * ms:
                self.set_time_alert("then", self.clock.timestamp_ns() + 10 * S, self.sell)
                self.set_time_alert("late", end - 100 * ms, self.sell)

        def sell(self, event: TimeEvent) -> None:
            self.seen.append((event.name, event.ts_event, self.clock.timestamp_ns()))
            self.submit(self.orders.market(IID, OrderSide.SELL, Quantity.of(1)))

    recorder = Reacts(buy_at=last)
    result, _ = _backtest([data], recorder, latency_ns=100 * ms, end_ns=end)
    assert ("rec.then", last + 10_100 * ms, last + 10_100 * ms) in recorder.seen
    assert [f.ts_event - last for f in result.fills] == [100 * ms, 10_200 * ms]
    assert [o.status for o in result.orders] == ["FILLED", "FILLED", "SUBMITTED"]


def test_orders_still_in_flight_at_the_end_are_reported_as_submitted() -> None:
    """Documents: an order whose latency takes it past the end (sent on the last bar without an end,
    or from on_stop) is in the results as SUBMITTED, not lost, and never filled."""
    data = _bars()
    last = _times(data)[-1]
    for window in ({}, {"end_ns": last + MINUTE_NS}):
        recorder = Recorder(buy_at=last if not window else None, stop_order=True)
        result, node = _backtest([data], recorder, latency_ns=100_000_000, **window)
        assert [o.status for o in result.orders] == ["SUBMITTED"] * (2 if not window else 1)
        assert result.fills == []
        assert node.venues[next(iter(node.venues))].pending_count == len(result.orders)


def test_a_cancel_still_in_flight_at_the_end_leaves_the_order_pending_cancel() -> None:
    """Documents: a cancel sent from on_stop under latency never reaches the venue; the order is
    reported PENDING_CANCEL (still working), not cancelled."""
    data = _bars()
    ts = _times(data)

    class CancelsOnStop(Recorder):
        def on_bar(self, bar: Bar) -> None:
            super().on_bar(bar)
            if bar.ts_event == ts[2]:
                self.resting = self.orders.limit(IID, OrderSide.BUY, Quantity.of(1), Price.of("1.00"))
                self.submit(self.resting)

        def on_stop(self) -> None:
            super().on_stop()
            self.cancel(self.resting)

    for window in ({}, {"end_ns": ts[-1] + MINUTE_NS}):
        recorder = CancelsOnStop()
        result, _ = _backtest([data], recorder, latency_ns=100_000_000, **window)
        assert [o.status for o in result.orders] == ["PENDING_CANCEL"]
        assert recorder.seen[-1][0] == "OrderPendingCancel"


def test_a_gtd_order_expires_in_the_tail_and_one_expiring_after_the_end_stays_working() -> None:
    """Fails before the fix: the expiry 3 minutes after the last bar (end 5 minutes after it) was
    never delivered and the order was reported ACCEPTED."""
    data = _bars()
    ts = _times(data)
    last = ts[-1]
    for expire, status in ((last + 3 * MINUTE_NS, "EXPIRED"), (last + 5 * MINUTE_NS, "ACCEPTED")):
        recorder = Recorder(buy_at=ts[1], limit=("1.00", expire))
        result, _ = _backtest([data], recorder, end_ns=last + 5 * MINUTE_NS)
        assert [o.status for o in result.orders] == ["FILLED", status]
        if status == "EXPIRED":
            assert ("OrderExpired", expire, expire) in recorder.seen


# -- determinism and the journal ---------------------------------------------------------------------
def test_a_rerun_is_identical_and_the_journal_replays_after_the_tail() -> None:
    data = _bars(30)
    ts = _times(data)
    runs = []
    for _ in range(2):
        journal = InMemoryJournal()
        recorder = Recorder(buy_at=ts[5], flatten_at=(ts[-1] + 3 * MINUTE_NS,), timer_ns=45 * S, stop_order=True)
        result, node = _backtest([data], recorder, latency_ns=7_000_000, journal=journal, end_ns=ts[-1] + DAY)
        runs.append((result, recorder.seen, [repr(entry) for _, entry in journal.entries()]))
        replayed = replay_journal(
            journal.entries(), node.cache.instruments, node.rates, now_ns=node.clock.timestamp_ns()
        )
        for cid, order in node.cache.orders.items():
            assert replayed.orders[cid].status == order.status
            assert replayed.orders[cid].events == order.events
        for account_id, account in node.portfolio.accounts.items():
            twin = replayed.portfolio.accounts[account_id]
            assert twin.balances == account.balances
            assert (twin.realized_today_raw, twin.realized_total_raw) == (
                account.realized_today_raw, account.realized_total_raw,
            )  # fmt: skip
    (first, seen, entries), (second, seen2, entries2) = runs
    assert any(isinstance(e, OrderFilled) and e.ts_event > ts[-1] for _, e in journal.entries())
    assert (seen, entries, first.fills, first.orders) == (seen2, entries2, second.fills, second.orders)
    assert first.equity.equity.tolist() == second.equity.equity.tolist()


DAY = 86_400 * S
