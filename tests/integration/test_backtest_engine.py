"""The backtest engine: deterministic, both bar fill conventions, merged streams, contained strategy
failures, exact reconciliation, export and report."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from backtest_support import bars, equity, run

from nautilus_platform.backtest.report import write_backtest_report
from nautilus_platform.data.simulator import SYNTHETIC
from nautilus_platform.model.data import Bar
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.values import Price, Quantity
from nautilus_platform.strategy import Strategy, StrategyState
from nautilus_platform.strategy.examples import MovingAverageCross


def test_a_rerun_gives_identical_orders_fills_and_statistics() -> None:
    first = run([MovingAverageCross(fast=5, slow=20)], [bars()], fee="0.0005")
    second = run([MovingAverageCross(fast=5, slow=20)], [bars()], fee="0.0005")
    assert len(first.fills) > 20
    assert [(f.trade_id, f.last_px, f.last_qty, f.commission) for f in first.fills] == [
        (f.trade_id, f.last_px, f.last_qty, f.commission) for f in second.fills
    ]
    assert repr(first.statistics) == repr(second.statistics)  # NaN-safe: same floats, same text
    assert first.equity.equity.tolist() == second.equity.equity.tolist()


def test_market_orders_fill_at_the_signal_bar_close_or_the_next_open() -> None:
    data = bars()
    closes = dict(zip(data.columns["ts"].tolist(), data.columns["close"].tolist(), strict=True))
    opens = dict(zip(data.columns["ts"].tolist(), data.columns["open"].tolist(), strict=True))
    at_close = run([MovingAverageCross(fast=5, slow=20)], [data])
    assert at_close.fills and all(f.last_px.raw == closes[f.ts_event] for f in at_close.fills)
    next_open = run([MovingAverageCross(fast=5, slow=20)], [data], bar_execution="next_open")
    ts = data.columns["ts"].tolist()
    following = dict(itertools.pairwise(ts))
    assert [following[f.ts_event] for f in at_close.fills][: len(next_open.fills)] == [
        f.ts_event for f in next_open.fills
    ]
    assert all(f.last_px.raw == opens[f.ts_event] for f in next_open.fills)


def test_balance_change_equals_cash_flows_and_round_trip_pnl_exactly() -> None:
    result = run([MovingAverageCross(fast=5, slow=20)], [bars(1_500)], fee="0.0005")
    final = next(b.total.as_decimal() for b in result.account_states[-1].balances if b.currency.code == "USD")
    change = final - Decimal(1_000_000)
    fees = sum((f.commission.as_decimal() for f in result.fills), Decimal(0))
    flows = sum(
        (
            f.last_qty.as_decimal() * f.last_px.as_decimal() * (-1 if f.order_side is OrderSide.BUY else 1)
            for f in result.fills
        ),
        Decimal(0),
    )
    assert change == flows - fees  # exact, to the cent: a cash account pays for what it buys
    bought = sum((f.last_qty.as_decimal() for f in result.fills if f.order_side is OrderSide.BUY), Decimal(0))
    sold = sum((f.last_qty.as_decimal() for f in result.fills if f.order_side is OrderSide.SELL), Decimal(0))
    if bought == sold:  # flat at the end: the round trips account for the whole change
        assert abs(sum(Decimal(repr(t.pnl)) for t in result.round_trips) - change) < Decimal("0.000001")
    else:
        last_exit = max(t.exit_ts for t in result.round_trips)
        open_cost = sum((f.last_qty.as_decimal() * f.last_px.as_decimal() + f.commission.as_decimal()
                         for f in result.fills if f.ts_event > last_exit), Decimal(0))  # fmt: skip
        assert abs(sum(Decimal(repr(t.pnl)) for t in result.round_trips) - open_cost - change) < Decimal("0.000001")


class Crashy(Strategy):
    """Rests a far limit, then raises on the 50th bar."""

    def on_start(self) -> None:
        self.subscribe_bars("DEMO.SIM-1-MINUTE-LAST")
        self.seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        if self.seen == 10:
            self.submit(self.orders.limit(bar.instrument_id, OrderSide.BUY, Quantity.of(1), Price.of("1.00")))
        if self.seen == 50:
            raise RuntimeError("bad signal")


def test_a_failing_strategy_is_stopped_with_its_orders_and_the_rest_carries_on() -> None:
    crashy, ma = Crashy("crashy"), MovingAverageCross(fast=5, slow=20)
    result = run([crashy, ma], [bars()])
    (error,) = result.strategy_errors
    assert (str(error.strategy_id), error.callback) == ("crashy", "on_bar")
    assert "RuntimeError: bad signal" in error.error and "bad signal" in error.traceback
    assert crashy.state is StrategyState.FAULTED and crashy.seen == 50
    crashy_orders = [o for o in result.orders if o.strategy_id == "crashy"]
    assert [o.status for o in crashy_orders] == [OrderStatus.CANCELED.name]
    late = [f for f in result.fills if str(f.strategy_id) == str(ma.id) and f.ts_event > error.ts]
    assert late  # the other strategy kept trading after the fault


class Recorder(Strategy):
    def on_start(self) -> None:
        self.seen: list[tuple[int, str]] = []
        self.subscribe_bars("AAA.SIM-1-MINUTE-LAST")
        self.subscribe_bars("BBB.SIM-1-MINUTE-LAST")

    def on_bar(self, bar: Bar) -> None:
        self.seen.append((bar.ts_event, str(bar.instrument_id)))


def test_streams_merge_by_time_with_ties_in_stream_order() -> None:
    recorder = Recorder("rec")
    a, b = bars(100, seed=1, symbol="AAA.SIM"), bars(100, seed=2, symbol="BBB.SIM")
    result = run([recorder], [b, a])
    assert result.items == 200
    assert recorder.seen == sorted(recorder.seen, key=lambda item: (item[0], item[1] != "BBB.SIM"))


def test_export_and_report(tmp_path: Path) -> None:
    data = bars()
    result = run([MovingAverageCross(fast=5, slow=20)], [data])
    written = result.export(tmp_path / "out")
    names = {p.name for p in written}
    for table in ("orders", "fills", "positions", "balances", "equity", "round_trips"):
        assert {f"{table}.parquet", f"{table}.csv", f"{table}.json"} <= names
    assert pq.read_table(tmp_path / "out" / "fills.parquet").num_rows == len(result.fills)
    assert pq.read_table(tmp_path / "out" / "round_trips.parquet").num_rows == len(result.round_trips)
    report = write_backtest_report(result, [data], tmp_path / "r.html", "MA test")
    html = report.read_text()
    assert "MA test" in html and "<script src=" not in html


def test_the_demo_is_labelled_synthetic(tmp_path: Path) -> None:
    from nautilus_platform.service.backtest_demo import BacktestDemoConfig, run_backtest_demo

    result = run_backtest_demo(BacktestDemoConfig(bars=3_000, report=tmp_path / "demo.html"))
    assert SYNTHETIC in result.notes and result.fills
    assert "SYNTHETIC" in (tmp_path / "demo.html").read_text()
    assert equity().id == result.fills[0].instrument_id


def test_dropping_closed_orders_during_the_run_changes_no_result() -> None:
    from backtest_support import equity as make_equity

    from nautilus_platform.model.enums import AccountType
    from nautilus_platform.model.values import USD, Money
    from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
    from nautilus_platform.trading.journal import InMemoryJournal
    from nautilus_platform.venues.simulated import SimulatedVenueConfig

    def once(purge_every: int | None, journal: InMemoryJournal | None) -> object:
        venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.CASH, USD, [Money.of(1_000_000, USD)])
        config = BacktestConfig(
            venues=[venue], instruments=[make_equity()], data=[bars()], strategies=[MovingAverageCross(fast=5, slow=20)],
            purge_every=purge_every, journal=journal,
        )  # fmt: skip
        return run_backtest(config)

    kept, purged = once(None, InMemoryJournal()), once(50, None)  # the default: no journal kept, purging
    assert kept.orders == purged.orders and len(kept.orders) == len(kept.fills) > 20  # type: ignore[attr-defined]
    assert [o.client_order_id for o in purged.orders] == sorted(  # type: ignore[attr-defined]
        (o.client_order_id for o in purged.orders),
        key=lambda cid: int(cid.rsplit("-", 1)[1]),  # type: ignore[attr-defined]
    )  # creation order
    assert repr(kept.statistics) == repr(purged.statistics)  # type: ignore[attr-defined]
    assert kept.round_trips == purged.round_trips  # type: ignore[attr-defined]


def test_a_backtest_keeps_no_journal_unless_given_one_and_its_results_do_not_depend_on_it() -> None:
    from backtest_support import equity as make_equity

    from nautilus_platform.core.errors import ConfigurationError
    from nautilus_platform.model.enums import AccountType
    from nautilus_platform.model.values import USD, Money
    from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, build_backtest
    from nautilus_platform.service.node import TradingNode
    from nautilus_platform.trading.journal import CompactJournal, Journal, NullJournal
    from nautilus_platform.trading.replay import replay_journal
    from nautilus_platform.venues.simulated import SimulatedVenueConfig

    def once(journal: Journal | None) -> tuple[object, TradingNode]:
        venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(1_000_000, USD)])
        config = BacktestConfig(
            venues=[venue], instruments=[make_equity()], data=[bars()], strategies=[MovingAverageCross(fast=5, slow=20)],
            journal=journal,
        )  # fmt: skip
        backtest = build_backtest(config)
        assert isinstance(backtest.core, TradingNode)
        return backtest.run(), backtest.core

    compact = CompactJournal()
    (plain, plain_node), (kept, kept_node) = once(None), once(compact)
    assert isinstance(plain_node.journal, NullJournal) and kept_node.journal is compact
    assert len(plain_node.journal) == len(compact) > 100  # every command and event numbered alike
    with pytest.raises(ConfigurationError, match="kept no journal"):
        next(iter(plain_node.journal.entries()))
    assert plain.orders == kept.orders and plain.fills == kept.fills  # type: ignore[attr-defined]
    assert repr(plain.statistics) == repr(kept.statistics)  # type: ignore[attr-defined]
    replay_journal(compact.entries(), kept_node.cache.instruments, kept_node.rates)  # the kept one replays
    compact.close()
