"""``TradingNode``: the composition root that wires one trading core.

It owns the clock, message bus, cache, portfolio (positions and accounts), pre-trade risk
engine, router, execution engine, journal and the simulated venues. Market data goes in through
``process`` (cache and marks first, so risk and P&L see the new prices, then the smart order
router's view of the listing's book when routing is on, then the venues match); trading commands
go in through ``execute``. Everything runs on one thread, in call order.

The same node serves a backtest (``SimulatedClock``, data pushed by a replay loop) and a paper
session (``LiveClock``, data pushed as it arrives).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, Final

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.clock import Clock, SimulatedClock, TimeEvent
from nautilus_platform.core.errors import ConfigurationError, DuplicateError, NotFoundError, ValidationError
from nautilus_platform.core.identifiers import InstrumentId, StrategyId, VenueId
from nautilus_platform.data.engine import RawDataSink
from nautilus_platform.model.commands import Command
from nautilus_platform.model.data import Bar, BarType, OrderBookDeltas, OrderBookSnapshot, QuoteTick, TradeTick
from nautilus_platform.model.enums import AccountType, OmsType
from nautilus_platform.model.events import AccountState, RiskLimitsChanged
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.routing import VenueStatus
from nautilus_platform.model.values import Currency, Money
from nautilus_platform.routing import RouterConfig, SmartOrderRouter
from nautilus_platform.trading.cache import Cache
from nautilus_platform.trading.execution import ExecutionEngine
from nautilus_platform.trading.journal import InMemoryJournal, Journal
from nautilus_platform.trading.positions import ExchangeRates, Portfolio
from nautilus_platform.trading.risk import RiskConfig, RiskEngine, RiskLimits, RiskScope
from nautilus_platform.trading.risk.engine import encode_limits
from nautilus_platform.trading.router import InstrumentVenueRouter
from nautilus_platform.trading.state import CoreRiskState
from nautilus_platform.venues.simulated import SimulatedVenue, SimulatedVenueConfig

MarketData = QuoteTick | TradeTick | Bar | OrderBookSnapshot | OrderBookDeltas
DAY_NS = 86_400 * 1_000_000_000
_DATA_KINDS: Final = frozenset({QuoteTick, TradeTick, Bar, OrderBookSnapshot, OrderBookDeltas})
_NEVER: Final = 2**63  # after every nanosecond timestamp (int64)


class TradingNode(RawDataSink):
    """One trading core with its simulated venues."""

    def __init__(
        self,
        clock: Clock | None = None,
        risk_config: RiskConfig | None = None,
        oms_type: OmsType = OmsType.NETTING,
        journal: Journal | None = None,
        day_start_offset_ns: int = 0,
        live_tick_ns: int = 1_000_000,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SimulatedClock()
        self._sim_clock = self.clock if isinstance(self.clock, SimulatedClock) else None  # data moves it
        self.bus = MessageBus()
        self.cache = Cache()
        self.rates = ExchangeRates(self.cache.mid_raw, self.cache.last_raw)
        self.portfolio = Portfolio(self.clock, self.rates, oms_type, self.cache.position_hints)
        self.state = CoreRiskState(self.cache, self.portfolio)
        self.risk = RiskEngine(risk_config or RiskConfig(), self.state, self.clock)
        self.venue_router = InstrumentVenueRouter()
        self.journal: Journal = journal if journal is not None else InMemoryJournal()
        self.execution = ExecutionEngine(
            self.clock, self.bus, self.cache, self.risk, self.venue_router, self.portfolio, self.journal
        )
        self._journal_risk_config(self.risk.config)
        self.venues: dict[VenueId, SimulatedVenue] = {}
        self.router: SmartOrderRouter | None = None  # the smart order router, once enabled
        self._venue_of: dict[InstrumentId, SimulatedVenue] = {}  # instrument -> its venue, for process()
        self._last_iid: InstrumentId | None = None  # the instrument ``_venue_for`` answered last
        self._last_venue: SimulatedVenue | None = None
        self._day_start_offset_ns = day_start_offset_ns
        if self._sim_clock is not None:
            self._sim_clock.before_timer = self._before_timer
        self._live_tick_ns = live_tick_ns
        self._running = False  # a node on a LiveClock: its wall-clock timers are set
        if self._sim_clock is not None:
            self._set_day_timer()
        else:
            self._start_live()

    # -- the wall clock -----------------------------------------------------------------------
    def _set_day_timer(self) -> None:
        now = self.clock.timestamp_ns()
        offset = self._day_start_offset_ns
        first = (now - offset) // DAY_NS * DAY_NS + offset
        self.clock.set_timer("trading-day", DAY_NS, self._on_day_start, start_ns=first)

    def _start_live(self) -> None:
        self._set_day_timer()
        try:
            # On the wall clock nothing else moves time for the venues: deliver what their latency
            # models hold back (acknowledgements, fills, expiries) on a regular tick.
            self.clock.set_timer("venue-tick", self._live_tick_ns, self._on_venue_tick)
        except BaseException:
            self.clock.cancel_timer("trading-day")
            raise
        self._running = True

    @property
    def is_running(self) -> bool:
        """Whether a node on a ``LiveClock`` has its wall-clock timers (venue tick, trading day)
        set; always ``False`` on a ``SimulatedClock`` (its data and ``run_until`` move it)."""
        return self._running

    def start(self) -> None:
        """Set the wall-clock timers of a stopped node on a ``LiveClock`` again, on the running
        asyncio loop (a node starts running when it is built): a node stopped at the end of one
        ``asyncio.run`` session is started in the next. Raises ``ConfigurationError`` when it is
        already running, on a ``SimulatedClock``, or outside a running loop (changing nothing)."""
        if self._sim_clock is not None:
            raise ConfigurationError("a node on a SimulatedClock is not started: its data and run_until move it")
        if self._running:
            raise ConfigurationError("the node is already running: stop() it first")
        self._start_live()

    def stop(self) -> None:
        """Cancel the wall-clock timers of a node on a ``LiveClock`` (venue tick and trading day):
        nothing of the node is left scheduled on the event loop, and deliveries held back by a
        latency model wait until ``start()``. The user's own timers on the clock are left alone.
        Stopping a stopped node, or one on a ``SimulatedClock``, does nothing."""
        if not self._running:
            return
        self._running = False
        names = self.clock.timer_names
        for name in ("venue-tick", "trading-day"):
            if name in names:
                self.clock.cancel_timer(name)

    # -- setup --------------------------------------------------------------------------------
    def add_venue(
        self,
        config: SimulatedVenueConfig,
        account_type: AccountType,
        base_currency: Currency,
        balances: Iterable[Money],
    ) -> SimulatedVenue:
        """Add a simulated venue with its trading account and starting balances."""
        venue = SimulatedVenue(config, self.clock)
        if venue.venue_id in self.venues:
            raise ValidationError("venue_id", venue.venue_id, "is already added")
        state = self.portfolio.add_account(venue.account_id, account_type, base_currency, balances)
        self.state.bind_account(self.portfolio.accounts[venue.account_id], venue.venue_id)
        self.venue_router.add_venue(venue)
        venue.connect(self.execution.on_venue_event)
        self.venues[venue.venue_id] = venue
        if self.router is not None:
            self.router.add_venue(venue.venue_id, config.latency_model.insert_latency_ns)
        self._record_account_state(state)
        return venue

    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument tradable at its venue (which must be added first), and routable when
        routing is on. All or nothing: an instrument already added, or one the router refuses
        (it would break its listing group), raises and changes nothing."""
        venue = self.venues.get(instrument.id.venue)
        if venue is None:
            raise NotFoundError(f"no venue {instrument.id.venue} for instrument {instrument.id}; add the venue first")
        if instrument.id in self.cache.instruments:
            raise DuplicateError(f"instrument {instrument.id} is already in the cache")
        router = self.router
        terms = [self._listing_terms(instrument)] if router is not None else []
        if router is not None:
            router.check_listings(terms)  # raises before anything changes
        venue.add_instrument(instrument)  # raises (different terms under the same id) before the rest
        self.cache.add_instrument(instrument)
        self.rates.add_instrument(instrument)
        self._venue_of[instrument.id] = venue
        self._last_iid = None
        if router is not None:
            router.add_listings(terms)

    def enable_routing(self, config: RouterConfig | None = None) -> SmartOrderRouter:
        """Switch on the smart order router: every venue and instrument (now and later) becomes
        routable, with fees and latency from the simulated venues unless the config's profiles
        say otherwise. Orders submitted with a ``route`` then go through it. All or nothing: when
        the instruments cannot be grouped (``ValidationError``), routing stays off."""
        if self.router is not None:
            raise ConfigurationError("smart order routing is already enabled")
        router = SmartOrderRouter(self.execution, config)
        try:
            for venue in self.venues.values():
                router.add_venue(venue.venue_id, venue.config.latency_model.insert_latency_ns)
            router.add_listings([self._listing_terms(i) for i in self.cache.instruments.values()])
        except BaseException:
            self.execution.parent_orders = None  # the router took it in its constructor
            raise
        self.router = router
        return router

    def _listing_terms(self, instrument: Instrument) -> tuple[Instrument, Fraction, Fraction]:
        """The instrument with its venue's taker and maker rates, as the router lists it."""
        fees = self.venues[instrument.id.venue].config.fee_model.for_instrument(instrument)
        return instrument, fees.taker_rate, fees.maker_rate

    def set_venue_status(self, venue_id: VenueId | str, status: VenueStatus) -> None:
        """Bring a simulated venue down (cancel on disconnect), halt it, or bring it back up; the
        router, when enabled, stops or resumes routing to it."""
        venue = self.venues.get(VenueId(venue_id))
        if venue is None:
            raise NotFoundError(f"no venue {venue_id}")
        if self.router is not None:
            self.router.set_venue_status(venue.venue_id, status)
        venue.set_status(status)

    def order_factory(self, strategy_id: str | StrategyId) -> OrderFactory:
        return OrderFactory(StrategyId(strategy_id), self.clock)

    def _journal_risk_config(self, config: RiskConfig) -> None:
        """Journal the starting risk configuration, so that a replay rebuilds it without being
        told: one ``RiskLimitsChanged`` (as ``RiskEngine.set_limits`` would write it) for the
        default limits when they are not ``RiskLimits()``, then one for each account, strategy and
        instrument set, published on ``events.risk`` too. A node with the default configuration
        journals none."""
        now = self.clock.timestamp_ns()
        scoped: list[tuple[RiskScope, str, RiskLimits]] = []
        if config.defaults != RiskLimits():
            scoped.append((RiskScope.DEFAULT, "", config.defaults))
        for scope, layer in (
            (RiskScope.ACCOUNT, config.accounts),
            (RiskScope.STRATEGY, config.strategies),
            (RiskScope.INSTRUMENT, config.instruments),
        ):
            scoped.extend((scope, key, limits) for key, limits in layer.items())
        for scope, key, limits in scoped:
            event = RiskLimitsChanged(
                ts_event=now, ts_init=now, scope=scope.value, key=key, limits=encode_limits(limits)
            )
            self.journal.append(event)
            self.bus.publish("events.risk", event)

    def _record_account_state(self, state: AccountState) -> None:
        self.journal.append(state)
        self.bus.publish(f"events.account.{state.account_id}", state)

    def _on_day_start(self, event: TimeEvent) -> None:
        self.portfolio.start_day()

    def _before_timer(self, ts: int) -> None:
        """The simulated clock is about to fire a timer or alert at ``ts + 1`` (it reads ``ts``):
        the venues deliver what their latency held back until then (acknowledgements, fills,
        expiries), so the callback sees them, stamped before the timer's time, and its own commands
        leave from the timer's time. What is due at exactly the timer's time comes after the timers
        then: a fill at a trading day's start belongs to the new day (the ``trading-day`` timer
        resets the daily P&L first), and what is due at a bar's close acts after the bar's prices."""
        for venue in self.venues.values():
            venue.process_time(ts)

    def _on_venue_tick(self, event: TimeEvent) -> None:
        # The time now, not the tick's scheduled time: when the loop was held up, the first tick
        # after it delivers everything due by now (the missed ticks that follow find nothing),
        # instead of the deliveries lagging one tick per loop iteration behind the wall clock.
        now = self.clock.timestamp_ns()
        for venue in self.venues.values():
            venue.process_time(max(now, event.ts_event))

    # -- running ------------------------------------------------------------------------------
    def execute(self, command: Command) -> None:
        """Run one trading command through risk, routing and the venue."""
        self.execution.execute(command)

    def process(self, data: MarketData) -> None:
        """Feed one market-data item: cache, marks and rates, then the instrument's venue.

        Anything but a quote, trade, bar or order book raises ``ValidationError`` and changes
        nothing (the clock included).
        """
        kind = type(data)
        if kind is QuoteTick:
            quote: QuoteTick = data  # type: ignore[assignment]
            self.process_quote_raw(quote, quote.instrument_id, quote.ts_event, quote.bid_price.raw, quote.ask_price.raw)
            return
        if kind is Bar:
            bar: Bar = data  # type: ignore[assignment]
            bar_type = bar.bar_type
            self.process_bar_raw(bar, bar_type, bar_type.instrument_id, bar.ts_event, bar.close.raw)
            return
        if kind not in _DATA_KINDS:
            raise ValidationError("data", kind.__name__, "must be a QuoteTick, TradeTick, Bar or order book")
        self._advance_clock(data.ts_event)
        cache = self.cache
        if kind is TradeTick:
            trade: TradeTick = data  # type: ignore[assignment]
            iid = trade.instrument_id
            cache.add_trade(trade)
            self._mark(iid)
            venue = self._venue_of.get(iid)
            if venue is not None:
                venue.process_trade(trade)
        else:
            book: OrderBookSnapshot | OrderBookDeltas = data  # type: ignore[assignment]
            iid = book.instrument_id
            if isinstance(book, OrderBookSnapshot):
                cache.add_book(book)
            else:
                cache.add_deltas(book)
            self._mark(iid)
            venue = self._venue_of.get(iid)
            router = self.router
            if router is not None:
                if venue is not None:
                    venue.process_time(book.ts_event)  # what was due meets the books as they were
                router.on_book(book)
            if venue is not None:
                venue.process_book(book)

    def process_quote_raw(self, quote: QuoteTick, instrument_id: InstrumentId, ts: int, bid: int, ask: int) -> None:
        """``process(quote)`` with the quote's instrument, time and raw prices already read (a
        columnar replay has them as ints)."""
        self._advance_clock(ts)
        cache = self.cache
        mid: Any = (bid + ask) // 2  # one int object for the cache and the marks
        cache.add_quote_raw(quote, instrument_id, mid)
        self.portfolio.on_mark(instrument_id, mid)
        venue = self._venue_for(instrument_id)
        if self.router is not None:
            self._route_quote(venue, quote, instrument_id, ts)
        if venue is not None:
            venue.process_quote_raw(instrument_id, ts, bid, ask, quote)

    def _route_quote(
        self, venue: SimulatedVenue | None, quote: QuoteTick, instrument_id: InstrumentId, ts: int
    ) -> None:
        """The router's view takes the quote before the venue matches it (a resting child it fills
        is then taken out of this quote's view); what was due before it meets the books as they were."""
        router = self.router
        assert router is not None
        if venue is not None:
            venue.process_time(ts)
        router.on_quote(instrument_id, quote)

    def process_bar_raw(self, bar: Bar, bar_type: BarType, instrument_id: InstrumentId, ts: int, close: int) -> None:
        """``process(bar)`` with the bar's type, instrument, time and raw close already read (a
        columnar replay has them as ints)."""
        self._advance_clock(ts)
        cache = self.cache
        boxed: Any = close  # one int object for the cache, the marks and the book (each would box its own)
        cache.add_bar_raw(bar, bar_type, instrument_id, boxed)
        mids = cache.mid_raw  # ``cache.mark_raw``, knowing the last price is ``close`` (bar data alone: no mids)
        mid = mids.get(instrument_id) if mids else None
        self.portfolio.on_mark(instrument_id, boxed if mid is None else mid)
        venue = self._venue_for(instrument_id)
        if venue is not None:
            venue.process_bar_raw(instrument_id, ts, bar, boxed, bar_type)

    def _venue_for(self, instrument_id: InstrumentId) -> SimulatedVenue | None:
        """``self._venue_of.get(instrument_id)``, answered without a lookup when the instrument
        object is the one asked for last (a replay feeds one object item after item)."""
        if instrument_id is self._last_iid:
            return self._last_venue
        venue = self._venue_of.get(instrument_id)
        self._last_iid, self._last_venue = instrument_id, venue
        return venue

    def _advance_clock(self, ts: int) -> None:
        clock = self._sim_clock
        if clock is not None and ts > clock.timestamp_ns():
            clock.advance_time(ts)

    def _mark(self, instrument_id: InstrumentId) -> None:
        mark = self.cache.mark_raw(instrument_id)
        if mark is not None:
            self.portfolio.on_mark(instrument_id, mark)

    def housekeeping(self, freeze_gc: bool = True) -> int:
        """Drop closed orders and closed positions from memory (the journal keeps their events) and,
        by default, move every surviving object out of the cyclic garbage collector's reach
        (``gc.freeze``): long-lived state is then never re-walked. Call it every few thousand orders
        in a long run; returns how many orders were dropped."""
        purged = self.cache.purge_closed_orders()
        self.portfolio.purge_closed_positions()
        if freeze_gc:
            gc.freeze()
        return purged

    def run_until(self, end_ns: int) -> None:
        """Run a simulated clock on without data up to ``end_ns`` (exclusive), as a backtest does
        after its last item when it was given an end: every timer, alert and venue delivery
        (acknowledgement, fill, expiry held back by a latency model) due before ``end_ns`` happens
        in time order, each with the clock at its own time, and so does what they set off that is
        due before ``end_ns``. Between two items the rule is the same: what the venues hold due
        before a timer's time comes first (``_before_timer``), what is due at exactly its time
        after the timers then. The clock is left at ``end_ns - 1``; one already there or past it
        stays where it is, and nothing happens."""
        clock = self._sim_clock
        if clock is None:
            raise ConfigurationError("run_until needs a node on a SimulatedClock")
        last = end_ns - 1
        venues = list(self.venues.values())
        while True:
            now = clock.timestamp_ns()
            if now > last:
                return
            timer = clock.next_time_ns()
            timer_due = _NEVER if timer is None else timer
            venue_due = min((_next_due(venue) for venue in venues), default=_NEVER)
            if min(timer_due, venue_due) > last:
                break
            if venue_due < timer_due:  # no timer fires on the way: the venues deliver at their time
                if venue_due > now:
                    clock.advance_time(venue_due)
                for venue in venues:
                    venue.process_time(max(venue_due, now))
            else:  # the venues deliver what is due before it first (``_before_timer``)
                clock.advance_time(max(timer_due, now))
        if last > clock.timestamp_ns():
            clock.advance_time(last)  # fires nothing: nothing is due before ``end_ns``

    def advance_time(self, ts_ns: int) -> None:
        """Move a simulated clock (timers fire) and let the venues deliver what is due."""
        if isinstance(self.clock, SimulatedClock) and ts_ns > self.clock.timestamp_ns():
            self.clock.advance_time(ts_ns)
        for venue in self.venues.values():
            venue.process_time(ts_ns)


def _next_due(venue: SimulatedVenue) -> int:
    """When the venue's next held-back delivery is due (``_NEVER``: none)."""
    due = venue.next_due_ns()
    return _NEVER if due is None else due
