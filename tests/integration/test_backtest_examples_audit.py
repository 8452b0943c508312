"""The example strategies in awkward cases, through the backtest engine on small hand-made data: a Bollinger
band narrower than a tick, two venues whose prices part, venue latency under a market maker's requotes, an
inventory limit that is not a whole number of quotes, a bracket entry denied or cut short."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backtest_support import bars, equity

from nautilus_platform.backtest.engine import DataSource
from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_quotes
from nautilus_platform.model.data import Bar, BarType, QuoteTick
from nautilus_platform.model.enums import AccountType, OrderStatus
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.examples import BollingerBreakout, TwoVenueMarketMaker
from nautilus_platform.venues.simulated import LatencyModel, SimulatedVenueConfig

SECOND_NS = 1_000_000_000
MINUTE_NS = 60 * SECOND_NS
START_NS = 1_704_067_200 * SECOND_NS
VENA, VENB = "BTC.VENA", "BTC.VENB"


def backtest(
    strategy: Strategy,
    data: Sequence[DataSource],
    instruments: Sequence[Instrument],
    *,
    latency_s: int = 0,
    cash: int = 1_000_000,
    account: AccountType = AccountType.MARGIN,
) -> BacktestResult:
    venues = sorted({str(instrument.id.venue) for instrument in instruments})
    latency = LatencyModel(insert_ns=latency_s * SECOND_NS)
    setups = [
        VenueSetup(SimulatedVenueConfig(venue_id=v, latency_model=latency), account, USD, [Money.of(cash, USD)])
        for v in venues
    ]
    result = run_backtest(
        BacktestConfig(venues=setups, instruments=list(instruments), data=data, strategies=[strategy])
    )
    assert not result.strategy_errors
    return result


def flat_bars(closes: Sequence[str]) -> list[Bar]:
    bar_type = BarType.from_str("DEMO.SIM-1-MINUTE-LAST")
    return [
        Bar.of(
            bar_type, Price.of(c), Price.of(c), Price.of(c), Price.of(c), Quantity.of(1_000), START_NS + i * MINUTE_NS
        )
        for i, c in enumerate(closes)
    ]


def quote(instrument_id: str, bid: float, ask: float, second: int, size: int = 50) -> QuoteTick:
    return QuoteTick.of(
        InstrumentId(instrument_id), Price.of(f"{bid:.2f}"), Price.of(f"{ask:.2f}"), Quantity.of(size),
        Quantity.of(size), START_NS + second * SECOND_NS,
    )  # fmt: skip


def maker(**params: object) -> TwoVenueMarketMaker:
    defaults: dict[str, object] = {
        "instruments": f"{VENA},{VENB}", "half_spread_bps": 10.0, "requote_bps": 2.0, "quantity": Decimal(1),
        "max_position": Decimal(3),
    }  # fmt: skip
    return TwoVenueMarketMaker(**{**defaults, **params})


# ---------------------------------------------------------------- Bollinger breakout


def test_a_band_narrower_than_a_tick_never_puts_an_exit_at_the_entry_price() -> None:
    """20 closes at 100.00, then 100.01: the half band-width is 0.0044, so the stop-loss (close - 0.0044)
    rounded to 100.01, the entry's own price, and stopped the position out at the entry's bar (a zero
    round trip, and again on the next bar). The exits are now at least one tick from the close."""
    result = backtest(
        BollingerBreakout(period=20, k=2.0, quantity=Decimal(10)),
        [flat_bars(["100.00"] * 20 + ["100.01", "100.01", "100.00", "100.00", "100.00"])],
        [equity("DEMO.SIM")],
    )
    entry, take_profit, stop_loss = result.orders[:3]
    assert (entry.order_type, take_profit.order_type, stop_loss.order_type) == ("MARKET", "LIMIT", "STOP_MARKET")
    assert Price.of(take_profit.price) == Price.of("100.02") and Price.of(stop_loss.price) == Price.of("100.00")
    buy, sell = result.fills[:2]
    assert buy.last_px == Price.of("100.01") and sell.last_px == Price.of("100.00")
    assert sell.ts_event > buy.ts_event  # not stopped out on the entry's own bar
    assert len(result.orders) == 3  # one bracket, no second one on the next bar


def test_a_denied_bracket_entry_cancels_its_exits_and_the_next_breakout_sends_a_new_bracket() -> None:
    """Cash of 500 against buys of 10 near 103: every entry is denied. Its exits are cancelled with it, the
    strategy is not left waiting for them, and each later breakout sends a new bracket (never an exit alone)."""
    closes = ["100.00"] * 10 + ["100.50", "99.50"] * 5 + ["103.00", "103.00", "103.50", "101.00", "101.00"]
    result = backtest(
        BollingerBreakout(period=20, k=2.0, quantity=Decimal(10)), [flat_bars(closes)], [equity("DEMO.SIM")],
        cash=500, account=AccountType.CASH,
    )  # fmt: skip
    assert len(result.orders) >= 6 and not result.fills
    for entry, take_profit, stop_loss in zip(*[iter(result.orders)] * 3, strict=True):
        assert entry.status == OrderStatus.DENIED.name
        assert take_profit.status == stop_loss.status == OrderStatus.CANCELED.name


def test_a_bracket_entry_cut_short_leaves_exits_for_what_it_filled_and_never_a_short() -> None:
    """Quotes of 1 to 60 shares and a latency of 59 s: a market entry of 100 fills what the ask shows when it
    arrives and the venue cancels the rest. The exits close what it filled; the position never goes short."""
    instrument = equity("DEMO.SIM")
    (quotes,) = simulate_quotes([instrument], 3_000, seed=5, interval_ns=MINUTE_NS, volatility=0.003, size_lots=60)
    result = backtest(
        BollingerBreakout(period=20, k=2.0), [bars(3_000, volatility=0.003), quotes], [instrument], latency_s=59
    )
    entries = [o for o in result.orders if o.order_type == "MARKET"]
    assert any(o.status == OrderStatus.CANCELED.name and Decimal(o.filled_qty) > 0 for o in entries)
    net = 0
    for fill in result.fills:
        net += fill.last_qty.raw if fill.order_side.name == "BUY" else -fill.last_qty.raw
        assert net >= 0
    assert result.round_trips and all(t.side == "LONG" for t in result.round_trips)


# ---------------------------------------------------------------- two-venue market maker


def test_quotes_stay_off_each_venues_own_book_when_the_venues_part() -> None:
    """VENB quotes 1 % above VENA: fair value (the mean of the mids) lies above VENA's ask and below VENB's
    bid, so a post-only bid on VENA and ask on VENB at fair value -/+ the half-spread would take liquidity.
    They were rejected on every quote (59 rejected orders on each); the bid now sits a tick below VENA's
    ask and the ask a tick above VENB's bid."""
    data = [
        [quote(VENA, 100.00, 100.02, 2 * t) for t in range(30)],
        [quote(VENB, 101.00, 101.02, 2 * t + 1) for t in range(30)],
    ]
    result = backtest(maker(), data, [equity(VENA), equity(VENB)])
    assert OrderStatus.REJECTED.name not in {o.status for o in result.orders}
    assert len(result.orders) == 4
    prices = {(o.instrument_id, o.side): Price.of(o.price) for o in result.orders}
    assert prices[(VENA, "BUY")] == Price.of("100.01") and prices[(VENB, "SELL")] == Price.of("101.01")
    assert prices[(VENA, "SELL")] > Price.of("100.02") and prices[(VENB, "BUY")] < Price.of("101.00")


class ModifyRecorder(TwoVenueMarketMaker):
    """Records the status of each quote when the strategy asks to modify it."""

    def on_start(self) -> None:
        self.statuses_at_modify: list[OrderStatus] = []
        super().on_start()

    def modify(
        self,
        order: Order,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
    ) -> None:
        self.statuses_at_modify.append(order.status)
        super().modify(order, quantity, price, trigger_price)


def test_a_quote_is_not_modified_again_while_its_last_modify_is_in_flight() -> None:
    """Latency of 3 s, a price rising on every quote: each quote modified every working order again while
    its last modify had not reached the venue (470 modifies where 80 do, each to a price the next one
    replaced before it arrived)."""
    data = [
        [quote(VENA, 100 + 0.05 * t, 100.02 + 0.05 * t, t, size=5) for t in range(60)],
        [quote(VENB, 100 + 0.05 * t, 100.02 + 0.05 * t, t, size=5) for t in range(60)],
    ]
    strategy = ModifyRecorder(
        instruments=f"{VENA},{VENB}", half_spread_bps=50.0, requote_bps=2.0, quantity=Decimal(1),
        max_position=Decimal(3),
    )  # fmt: skip
    backtest(strategy, data, [equity(VENA), equity(VENB)], latency_s=3)
    assert len(strategy.statuses_at_modify) >= 20  # the case arose
    assert OrderStatus.PENDING_UPDATE not in strategy.statuses_at_modify


def test_inventory_never_passes_a_limit_that_is_not_a_whole_number_of_quotes() -> None:
    """Quotes of 1 and a limit of 2.5 per venue, both venues falling in steps through the bids: a bid of 1
    was quoted while the position was below 2.5 and filled to 3. The bid is now sized to what the limit
    leaves, in lots of 1: the position stops at 2."""
    data = [
        [quote(VENA, 100 - 0.3 * t, 100.02 - 0.3 * t, 2 * t) for t in range(20)],
        [quote(VENB, 100 - 0.3 * t, 100.02 - 0.3 * t, 2 * t + 1) for t in range(20)],
    ]
    result = backtest(maker(max_position=Decimal("2.5")), data, [equity(VENA), equity(VENB)])
    assert len(result.fills) >= 4  # the case arose
    held = {VENA: 0, VENB: 0}
    for fill in result.fills:
        held[str(fill.instrument_id)] += fill.last_qty.raw if fill.order_side.name == "BUY" else -fill.last_qty.raw
        assert all(abs(qty) <= Quantity.of("2.5").raw for qty in held.values())
    assert held == {VENA: Quantity.of(2).raw, VENB: Quantity.of(2).raw}
