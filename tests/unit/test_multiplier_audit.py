"""The contract multiplier, end to end through a ``TradingNode`` and a backtest with simulated venues:
realised and unrealised P&L (long, short, a flip in one fill, partial closes), fees of every fee
model, initial margin, notional for the risk checks, the balance reconciliation, round trips and
the exported average prices. Every figure is computed here by hand with exact ``Decimal`` /
``Fraction`` arithmetic from the prices and sizes the test chose, never read back from the code."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.commands import SubmitOrder
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import AccountType, DenyReason, OrderSide
from nautilus_platform.model.events import AccountState, OrderDenied, OrderFilled, PositionEvent
from nautilus_platform.model.instruments import Future, Instrument, Perpetual
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import BTC, USD, USDT, Currency, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.service.node import TradingNode
from nautilus_platform.strategy import Strategy
from nautilus_platform.trading.risk import RiskConfig, RiskLimits
from nautilus_platform.venues.simulated import FeeModel, SimulatedVenueConfig

SECOND_NS = 1_000_000_000
T0 = 1_767_619_800 * SECOND_NS
ES = InstrumentId("ES.SIM")
PERP = InstrumentId("BTC-PERP.SIM")
CENT = Decimal("0.01")
MULT = Decimal(50)


def es_future() -> Future:
    return Future(
        id=ES, price_precision=2, size_precision=0, tick_size=Price.of("0.01"), lot_size=Quantity.of(1),
        quote_currency=USD, multiplier=Quantity.of(50), margin_init=Decimal("0.1"), margin_maint=Decimal("0.05"),
        underlying="ES", expiry_ns=T0 + 90 * 86_400 * SECOND_NS,
    )  # fmt: skip


def btc_perp() -> Perpetual:
    # A linear USDT perpetual, 0.001 BTC a contract, 20x leverage.
    return Perpetual(
        id=PERP, price_precision=1, size_precision=0, tick_size=Price.of("0.1"), lot_size=Quantity.of(1),
        quote_currency=USDT, base_currency=BTC, multiplier=Quantity.of("0.001"), margin_init=Decimal("0.05"),
        margin_maint=Decimal("0.025"),
    )  # fmt: skip


def half_even(value: Fraction | Decimal, places: int = 2) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals, exactly."""
    return Decimal(round(Fraction(value) * 10**places)).scaleb(-places)


def fee_of(qty: int, px: Decimal, mult: Decimal, bps: Decimal, per_contract: Decimal, fixed: Decimal) -> Decimal:
    exact = Fraction(qty) * Fraction(px) * Fraction(mult) * Fraction(bps) / 10_000
    return half_even(exact + Fraction(qty) * Fraction(per_contract) + Fraction(fixed))


class _Node:
    def __init__(
        self,
        currency: Currency,
        balance: int | Decimal,
        fees: FeeModel,
        risk: RiskLimits | None = None,
        account_type: AccountType = AccountType.MARGIN,
    ) -> None:
        self.now = T0
        self.currency = currency
        self.node = TradingNode(SimulatedClock(T0), risk_config=RiskConfig(defaults=risk or RiskLimits()))
        self.node.add_venue(
            SimulatedVenueConfig(venue_id="SIM", fee_model=fees), account_type, currency, [Money.of(balance, currency)]
        )
        self.events: list[object] = []
        self.node.bus.subscribe("events.*", self.events.append)
        self.factory = self.node.order_factory("S-1")

    def quote(self, instrument_id: InstrumentId, bid: str, ask: str, precision: int) -> None:
        self.now += SECOND_NS
        size = Quantity.of(1_000)
        self.node.process(
            QuoteTick.of(instrument_id, Price.of(bid, precision), Price.of(ask, precision), size, size, self.now)
        )

    def submit(self, order: Order) -> Order:
        self.node.execute(SubmitOrder(ts_init=self.now, strategy_id=order.strategy_id, order=order))
        return order

    def market(self, instrument_id: InstrumentId, side: OrderSide, quantity: int) -> Order:
        return self.submit(self.factory.market(instrument_id, side, Quantity.of(quantity)))

    def fills(self) -> list[OrderFilled]:
        return [e for e in self.events if isinstance(e, OrderFilled)]

    def positions(self) -> list[PositionEvent]:
        return [e for e in self.events if isinstance(e, PositionEvent)]

    def denial(self, order: Order) -> OrderDenied | None:
        for event in self.events:
            if isinstance(event, OrderDenied) and event.client_order_id == order.client_order_id:
                return event
        return None

    def last_state(self) -> AccountState:
        return [e for e in self.events if isinstance(e, AccountState)][-1]

    def balance(self) -> Decimal:
        (row,) = (b for b in self.last_state().balances if b.currency == self.currency)
        return row.total.as_decimal()


# Fee model under test: 2.5 bps taker on notional, 0.85 per contract, 1.25 per order.
FEES = FeeModel(
    maker_bps=Decimal("-0.5"), taker_bps=Decimal("2.5"), fixed_per_order=Decimal("1.25"), per_contract=Decimal("0.85")
)
# (bid, ask, side, quantity): a market buy fills at the ask, a sell at the bid
ES_PLAN = [
    ("4000.00", "4000.25", OrderSide.BUY, 3),  # open long 3 @ 4000.25
    ("4010.10", "4010.35", OrderSide.SELL, 1),  # partial close 1 @ 4010.10
    ("4005.05", "4005.30", OrderSide.SELL, 5),  # flip: close 2 @ 4005.05, open short 3 @ 4005.05
    ("3990.00", "3990.25", OrderSide.BUY, 1),  # partial close of the short 1 @ 3990.25
    ("3995.55", "3995.80", OrderSide.BUY, 2),  # close the short 2 @ 3995.80
]


def test_es_future_pnl_fees_margin_and_reconciliation_through_a_node() -> None:
    n = _Node(USD, 1_000_000, FEES)
    n.node.add_instrument(es_future())
    start = Decimal(1_000_000)
    # hand-kept position: signed quantity and entry cost (exact)
    signed, cost = 0, Fraction(0)
    realised_total = Fraction(0)
    fees_total = Decimal(0)
    for step, (bid, ask, side, qty) in enumerate(ES_PLAN):
        n.quote(ES, bid, ask, 2)
        order = n.market(ES, side, qty)
        assert n.denial(order) is None, n.denial(order)
        px = Decimal(ask if side is OrderSide.BUY else bid)
        fill = n.fills()[-1]
        assert fill.client_order_id == order.client_order_id and fill.last_qty == Quantity.of(qty)
        assert fill.last_px.as_decimal() == px
        fee = fee_of(qty, px, MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
        assert fill.commission == Money.of(fee, USD), (step, fill.commission, fee)
        fees_total += fee
        delta = qty if side is OrderSide.BUY else -qty
        if signed == 0 or (signed > 0) == (delta > 0):
            cost += Fraction(px) * qty
        else:
            open_qty = abs(signed)
            closing = min(qty, open_qty)
            avg = cost / open_qty
            pnl = (Fraction(px) - avg) * closing * int(MULT) * (1 if signed > 0 else -1)
            realised_total += pnl
            cost -= avg * closing
            if qty > open_qty:
                cost = Fraction(px) * (qty - open_qty)
        signed += delta
        event = n.positions()[-1]
        assert event.realized_pnl.as_decimal() == half_even(realised_total), (step, event.realized_pnl)
        # unrealised at the mark (the quote's mid)
        mid = (Fraction(Decimal(bid)) + Fraction(Decimal(ask))) / 2
        if signed:
            unreal = (mid * signed - (cost if signed > 0 else -cost)) * int(MULT)
            assert Fraction(event.avg_px_open) == cost / abs(signed)
        else:
            unreal = Fraction(0)
        assert event.unrealized_pnl.as_decimal() == half_even(unreal), (step, event.unrealized_pnl, unreal)
        # balance reconciliation: start + realised - fees, to the cent
        assert n.balance() == start + half_even(realised_total) - fees_total, (step, n.balance())
        # initial margin of the position: |qty| * mark * multiplier * margin_init
        state = n.last_state()
        if signed:
            (margin,) = [m for m in state.margins if m.instrument_id == ES]
            exact_init = mid * abs(signed) * int(MULT) * Fraction(1, 10)
            exact_maint = mid * abs(signed) * int(MULT) * Fraction(1, 20)
            got = margin.initial.as_decimal()
            assert got in (half_even(exact_init), _ceil(exact_init)), (step, got, exact_init)
            assert margin.maintenance.as_decimal() in (half_even(exact_maint), _ceil(exact_maint))
    # realised: 1*(4010.10-4000.25)*50 + 2*(4005.05-4000.25)*50 + 1*(4005.05-3990.25)*50 + 2*(4005.05-3995.80)*50
    assert realised_total == Fraction(Decimal("492.50") + Decimal("480.00") + Decimal("740.00") + Decimal("925.00"))
    assert n.balance() == start + Decimal("2637.50") - fees_total


def _ceil(value: Fraction) -> Decimal:
    return Decimal(-((-value * 100).__floor__())).scaleb(-2)


NO_FEES = FeeModel(maker_bps=Decimal(0), taker_bps=Decimal(0))


def _limit(n: _Node, side: OrderSide, quantity: int, price: str) -> Order:
    return n.submit(n.factory.limit(ES, side, Quantity.of(quantity), Price.of(price)))


def _es_node(balance: int = 10_000_000, **limits: object) -> _Node:
    n = _Node(USD, balance, NO_FEES, RiskLimits(**limits))  # type: ignore[arg-type]
    n.node.add_instrument(es_future())
    n.quote(ES, "4000.00", "4000.25", 2)
    return n


def test_max_notional_per_order_counts_the_multiplier_once() -> None:
    # 2 contracts at 3999.99: 2 * 3999.99 * 50 = 399,999.00 USD
    notional = 2 * Decimal("3999.99") * MULT
    assert notional == Decimal("399999.00")
    ok = _es_node(max_notional=Money.of(notional, USD))
    assert ok.denial(_limit(ok, OrderSide.BUY, 2, "3999.99")) is None
    tight = _es_node(max_notional=Money.of(notional - CENT, USD))
    denied = tight.denial(_limit(tight, OrderSide.BUY, 2, "3999.99"))
    assert denied is not None and denied.reason is DenyReason.MAX_NOTIONAL


def test_open_notional_counts_the_multiplier_once() -> None:
    # a resting buy 2 @ 3900.00 (390,000.00) then a resting sell 1 @ 4100.00 (205,000.00)
    total = 2 * Decimal("3900.00") * MULT + 1 * Decimal("4100.00") * MULT
    assert total == Decimal("595000.00")
    ok = _es_node(max_open_notional=Money.of(total, USD))
    assert ok.denial(_limit(ok, OrderSide.BUY, 2, "3900.00")) is None
    assert ok.denial(_limit(ok, OrderSide.SELL, 1, "4100.00")) is None
    tight = _es_node(max_open_notional=Money.of(total - CENT, USD))
    assert tight.denial(_limit(tight, OrderSide.BUY, 2, "3900.00")) is None
    denied = tight.denial(_limit(tight, OrderSide.SELL, 1, "4100.00"))
    assert denied is not None and denied.reason is DenyReason.MAX_OPEN_NOTIONAL


def test_gross_and_net_exposure_count_the_multiplier_once() -> None:
    # long 3 filled at 4000.25, marked at mid 4000.125: 3 * 4000.125 * 50 = 600,018.75; another buy 1
    # at 4000.25 adds 1 * 4000.25 * 50 = 200,012.50 (an order counts at its price)
    held = 3 * Decimal("4000.125") * MULT
    add = Decimal("4000.25") * MULT
    for field, reason in (
        ("max_gross_exposure", DenyReason.GROSS_EXPOSURE),
        ("max_net_exposure", DenyReason.NET_EXPOSURE),
    ):
        seen: list[object] = []
        for limit in (held + add + 1000, held + add - 1000):
            n = _es_node(**{field: Money.of(limit, USD)})
            assert n.denial(n.market(ES, OrderSide.BUY, 3)) is None
            seen.append(n.denial(_limit(n, OrderSide.BUY, 1, "4000.25")))
        assert seen[0] is None, (field, seen[0])
        assert seen[1] is not None and seen[1].reason is reason, (field, seen[1])  # type: ignore[attr-defined]


def test_initial_margin_check_counts_the_multiplier_once() -> None:
    # buy 2 @ 4000.25 with 10% initial margin: 2 * 4000.25 * 50 / 10 = 40,002.50 USD (no fees)
    need = 2 * Decimal("4000.25") * MULT / 10
    assert need == Decimal("40002.50")
    ok = _es_node(balance=40_003, check_balance=True)
    assert ok.denial(_limit(ok, OrderSide.BUY, 2, "4000.25")) is None
    assert ok.fills() and ok.fills()[-1].last_qty == Quantity.of(2)
    short = _es_node(balance=40_002, check_balance=True)
    denied = short.denial(_limit(short, OrderSide.BUY, 2, "4000.25"))
    assert denied is not None and denied.reason is DenyReason.INSUFFICIENT_MARGIN, denied


class _Plan(Strategy):
    """One market order per quote, as ``plan`` lists them (``None``: no order on that quote)."""

    def __init__(self, instrument_id: InstrumentId, plan: list[tuple[OrderSide, int] | None]) -> None:
        super().__init__("plan")
        self.instrument_id, self.plan, self.n = instrument_id, plan, 0

    def on_start(self) -> None:
        self.subscribe_quotes(self.instrument_id)

    def on_quote(self, quote: QuoteTick) -> None:
        step = self.plan[self.n] if self.n < len(self.plan) else None
        self.n += 1
        if step is not None:
            self.submit(self.orders.market(self.instrument_id, step[0], Quantity.of(step[1])))


def _quotes(instrument_id: InstrumentId, rows: list[tuple[str, str]], precision: int) -> list[QuoteTick]:
    size = Quantity.of(1_000)
    return [
        QuoteTick.of(
            instrument_id, Price.of(bid, precision), Price.of(ask, precision), size, size, T0 + (i + 1) * SECOND_NS
        )
        for i, (bid, ask) in enumerate(rows)
    ]


def _run_plan(
    instrument: Instrument,
    rows: list[tuple[str, str]],
    plan: list[tuple[OrderSide, int] | None],
    precision: int,
    fee_model: FeeModel,
    currency: Currency,
    cash: int,
) -> BacktestResult:
    """A backtest of ``_Plan`` on quotes ``rows`` of ``instrument`` in a margin account holding ``cash``."""
    venue = VenueSetup(
        SimulatedVenueConfig(venue_id="SIM", fee_model=fee_model),
        AccountType.MARGIN,
        currency,
        [Money.of(cash, currency)],
    )
    config = BacktestConfig(
        venues=[venue], instruments=[instrument], data=[_quotes(instrument.id, rows, precision)],
        strategies=[_Plan(instrument.id, plan)],
    )  # fmt: skip
    return run_backtest(config)


def test_backtest_round_trips_statistics_and_exports_of_a_future() -> None:
    # Round trip 1: long 3 @ 4000.25, sell 1 @ 4010.10, sell 5 @ 4005.05 (2 close it; 3 open trip 2 short).
    # Round trip 2: short 3 @ 4005.05, buy 1 @ 3990.25, buy 2 @ 3995.80.
    rows = [(bid, ask) for bid, ask, _, _ in ES_PLAN]
    plan: list[tuple[OrderSide, int] | None] = [(side, qty) for _, _, side, qty in ES_PLAN]
    result = _run_plan(es_future(), rows, plan, 2, FEES, USD, 1_000_000)
    fills = result.fills
    assert [(f.order_side, int(f.last_qty.as_decimal()), f.last_px.as_decimal()) for f in fills] == [
        (side, qty, Decimal(ask if side is OrderSide.BUY else bid)) for bid, ask, side, qty in ES_PLAN
    ]
    fees = [
        fee_of(q, Decimal(a if s is OrderSide.BUY else b), MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
        for b, a, s, q in ES_PLAN
    ]
    assert [f.commission.as_decimal() for f in fills] == fees
    # the flipping fill's fee is shared 2/5 to trip 1, 3/5 to trip 2
    gross1 = (Fraction(Decimal("4010.10")) + 2 * Fraction(Decimal("4005.05")) - 3 * Fraction(Decimal("4000.25"))) * 50
    gross2 = (3 * Fraction(Decimal("4005.05")) - Fraction(Decimal("3990.25")) - 2 * Fraction(Decimal("3995.80"))) * 50
    assert gross1 == Fraction(Decimal("972.50")) and gross2 == Fraction(Decimal("1665.00"))
    fees1 = Fraction(fees[0]) + Fraction(fees[1]) + Fraction(fees[2]) * Fraction(2, 5)
    fees2 = Fraction(fees[2]) * Fraction(3, 5) + Fraction(fees[3]) + Fraction(fees[4])
    trips = result.round_trips
    assert [t.side for t in trips] == ["LONG", "SHORT"]
    assert trips[0].pnl == float(gross1 - fees1) and trips[1].pnl == float(gross2 - fees2), (trips, fees1, fees2)
    assert trips[0].fees == float(fees1) and trips[1].fees == float(fees2)
    assert trips[0].entry_price == 4000.25 and trips[0].exit_price == float(
        (Fraction(Decimal("4010.10")) + 2 * Fraction(Decimal("4005.05"))) / 3
    )
    assert trips[1].entry_price == 4005.05 and trips[1].exit_price == float(
        (Fraction(Decimal("3990.25")) + 2 * Fraction(Decimal("3995.80"))) / 3
    )
    assert trips[0].quantity == 3 and trips[1].quantity == 3
    # statistics: fees paid, final equity
    assert result.statistics.fees_paid == float(sum(fees, Decimal(0)))
    final = Decimal(1_000_000) + Decimal("2637.50") - sum(fees, Decimal(0))
    assert result.equity.equity[-1] == float(final)
    # exported orders: average price is a price; fills: price and commission as exact text
    tables = result.tables()
    orders = tables["orders"].to_pylist()
    assert [Decimal(o["avg_px"]) for o in orders] == [Decimal(a if s is OrderSide.BUY else b) for b, a, s, _ in ES_PLAN]
    assert [o["filled_qty"] for o in orders] == [str(q) for *_, q in ES_PLAN]
    exported = tables["fills"].to_pylist()
    assert [Decimal(f["price"]) for f in exported] == [f.last_px.as_decimal() for f in fills]
    assert [Decimal(f["commission"]) for f in exported] == fees
    positions = tables["positions"].to_pylist()
    last = positions[-1]
    assert Decimal(last["realized_pnl"]) == Decimal("2637.50"), last
    # balances: the final balance reconciles to the cent
    balances = [b for b in tables["balances"].to_pylist() if b["currency"] == "USD"]
    assert Decimal(balances[-1]["total"]) == final, balances[-1]


PERP_FEES = FeeModel(
    maker_bps=Decimal(0), taker_bps=Decimal(5), fixed_per_order=Decimal("0.1"), per_contract=Decimal("0.01")
)
PERP_PLAN = [
    ("43000.0", "43000.5", OrderSide.BUY, 7),  # long 7 @ 43000.5
    ("43123.4", "43124.0", OrderSide.SELL, 10),  # flip: close 7 @ 43123.4, short 3 @ 43123.4
    ("42999.9", "43000.3", OrderSide.BUY, 1),  # partial close 1 @ 43000.3
    ("43050.0", "43050.2", OrderSide.BUY, 2),  # close 2 @ 43050.2
]


def _usdt(value: Fraction) -> Decimal:
    return half_even(value, 8)


def test_usdt_perpetual_on_a_usd_margin_account() -> None:
    # Multiplier 0.001 BTC, settled in USDT, booked into a USD account at a fixed USDT->USD rate.
    rate = Fraction(Decimal("0.9987"))
    mult = Fraction(1, 1000)
    n = _Node(USD, 100_000, PERP_FEES)
    n.node.add_instrument(btc_perp())
    n.node.rates.set_fixed(USDT, USD, Decimal("0.9987"))
    signed, cost = 0, Fraction(0)
    realised_usdt = Fraction(0)
    booked_usdt = Decimal(0)
    balance = Decimal(100_000)
    for step, (bid, ask, side, qty) in enumerate(PERP_PLAN):
        n.quote(PERP, bid, ask, 1)
        order = n.market(PERP, side, qty)
        assert n.denial(order) is None, n.denial(order)
        px = Fraction(Decimal(ask if side is OrderSide.BUY else bid))
        fill = n.fills()[-1]
        assert fill.last_px.as_decimal() == Decimal(ask if side is OrderSide.BUY else bid)
        fee = _usdt(qty * px * mult * Fraction(5, 10_000) + qty * Fraction(1, 100) + Fraction(1, 10))
        assert fill.commission == Money.of(fee, USDT), (step, fill.commission, fee)
        delta = qty if side is OrderSide.BUY else -qty
        if signed == 0 or (signed > 0) == (delta > 0):
            cost += px * qty
        else:
            open_qty = abs(signed)
            closing = min(qty, open_qty)
            avg = cost / open_qty
            realised_usdt += (px - avg) * closing * mult * (1 if signed > 0 else -1)
            cost -= avg * closing
            if qty > open_qty:
                cost = px * (qty - open_qty)
        signed += delta
        event = n.positions()[-1]
        assert event.realized_pnl == Money.of(_usdt(realised_usdt), USDT), (step, event.realized_pnl)
        mid = (Fraction(Decimal(bid)) + Fraction(Decimal(ask))) / 2
        unreal = (mid * signed - (cost if signed > 0 else -cost)) * mult if signed else Fraction(0)
        assert event.unrealized_pnl == Money.of(_usdt(unreal), USDT), (step, event.unrealized_pnl, unreal)
        # this fill's booked P&L and fee, each converted to USD half-even at the rate
        booked = _usdt(realised_usdt) - booked_usdt
        booked_usdt += booked
        balance += half_even(Fraction(booked) * rate) - half_even(Fraction(fee) * rate)
        assert n.balance() == balance, (step, n.balance(), balance)
        if signed:
            (margin,) = [m for m in n.last_state().margins if m.instrument_id == PERP]
            exact = mid * abs(signed) * mult * Fraction(5, 100)
            assert margin.initial.currency == USDT
            assert margin.initial.as_decimal() in (_usdt(exact), Decimal(-((-exact * 10**8).__floor__())).scaleb(-8))
    # 7 * (43123.4 - 43000.5) * 0.001 + (43123.4 - 43000.3) * 0.001 + 2 * (43123.4 - 43050.2) * 0.001
    assert realised_usdt == Fraction(Decimal("0.8603") + Decimal("0.1231") + Decimal("0.1464"))


def test_open_order_margin_and_a_modify_count_the_multiplier_once() -> None:
    from nautilus_platform.model.commands import ModifyOrder
    from nautilus_platform.model.events import OrderModifyRejected

    # a resting buy 2 @ 3900.00 ties up 2 * 3900 * 50 / 10 = 39,000.00 of margin; another buy 1 @
    # 3900.00 needs 19,500.00 more: 58,500.00 in all
    for balance, denied in ((58_500, False), (58_499, True)):
        n = _es_node(balance=balance, check_balance=True)
        assert n.denial(_limit(n, OrderSide.BUY, 2, "3900.00")) is None
        second = n.denial(_limit(n, OrderSide.BUY, 1, "3900.00"))
        assert (second is not None and second.reason is DenyReason.INSUFFICIENT_MARGIN) is denied, (balance, second)
    # a modify of the resting order up to 3 contracts asks for 19,500.00 more margin as well
    for balance, rejected in ((58_500, False), (58_499, True)):
        n = _es_node(balance=balance, check_balance=True)
        order = _limit(n, OrderSide.BUY, 2, "3900.00")
        n.node.execute(
            ModifyOrder(ts_init=n.now, strategy_id=order.strategy_id, instrument_id=ES,
                        client_order_id=order.client_order_id, quantity=Quantity.of(3))
        )  # fmt: skip
        got = [e for e in n.events if isinstance(e, OrderModifyRejected)]
        assert bool(got) is rejected, (balance, got)


def test_margin_check_with_the_instruments_fee_rate() -> None:
    # taker fee 2 bps on the instrument: buy 2 @ 4000.25 needs 400,025.00 * (0.1 + 0.0002) = 40,082.505,
    # rounded up to the cent: 40,082.51
    need = Fraction(2) * Fraction(Decimal("4000.25")) * 50 * (Fraction(1, 10) + Fraction(2, 10_000))
    cents = -((-need * 100).__floor__())
    assert Decimal(cents).scaleb(-2) == Decimal("40082.51")
    for balance, denied in ((Decimal("40082.51"), False), (Decimal("40082.50"), True)):
        n = _Node(USD, balance, NO_FEES, RiskLimits(check_balance=True))
        instrument = es_future()
        n.node.add_instrument(
            Future(
                id=ES, price_precision=2, size_precision=0, tick_size=instrument.tick_size, lot_size=instrument.lot_size,
                quote_currency=USD, multiplier=Quantity.of(50), margin_init=Decimal("0.1"), margin_maint=Decimal("0.05"),
                taker_fee=Decimal("0.0002"), underlying="ES", expiry_ns=instrument.expiry_ns,
            )
        )  # fmt: skip
        n.quote(ES, "4000.00", "4000.25", 2)
        got = n.denial(_limit(n, OrderSide.BUY, 2, "4000.25"))
        assert (got is not None and got.reason is DenyReason.INSUFFICIENT_MARGIN) is denied, (balance, got)


def test_a_future_on_a_cash_account_spends_its_notional_once() -> None:
    n = _Node(USD, 1_000_000, FEES, RiskLimits(check_balance=True), AccountType.CASH)
    n.node.add_instrument(es_future())
    n.quote(ES, "4000.00", "4000.25", 2)
    n.market(ES, OrderSide.BUY, 2)
    fee1 = fee_of(2, Decimal("4000.25"), MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
    assert n.balance() == Decimal(1_000_000) - 2 * Decimal("4000.25") * MULT - fee1
    n.quote(ES, "4010.10", "4010.35", 2)
    n.market(ES, OrderSide.SELL, 2)
    fee2 = fee_of(2, Decimal("4010.10"), MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
    assert n.positions()[-1].realized_pnl == Money.of(Decimal("985.00"), USD)  # 2 * 9.85 * 50
    assert n.balance() == Decimal(1_000_000) + Decimal("985.00") - fee1 - fee2


def test_backtest_round_trip_of_a_usdt_perpetual() -> None:
    rows = [(bid, ask) for bid, ask, _, _ in PERP_PLAN]
    plan: list[tuple[OrderSide, int] | None] = [(side, qty) for _, _, side, qty in PERP_PLAN]
    result = _run_plan(btc_perp(), rows, plan, 1, PERP_FEES, USDT, 10_000)
    mult = Fraction(1, 1000)
    pxs = [Fraction(Decimal(a if s is OrderSide.BUY else b)) for b, a, s, _ in PERP_PLAN]
    fees = [
        _usdt(q * px * mult * Fraction(5, 10_000) + q * Fraction(1, 100) + Fraction(1, 10))
        for (_, _, _, q), px in zip(PERP_PLAN, pxs, strict=True)
    ]
    assert [f.commission.as_decimal() for f in result.fills] == fees
    gross1 = 7 * (pxs[1] - pxs[0]) * mult
    gross2 = (3 * pxs[1] - pxs[2] - 2 * pxs[3]) * mult
    fees1 = Fraction(fees[0]) + Fraction(fees[1]) * Fraction(7, 10)
    fees2 = Fraction(fees[1]) * Fraction(3, 10) + Fraction(fees[2]) + Fraction(fees[3])
    trips = result.round_trips
    assert [t.side for t in trips] == ["LONG", "SHORT"]
    assert trips[0].pnl == float(gross1 - fees1) and trips[1].pnl == float(gross2 - fees2), trips
    final = Decimal(10_000) + Decimal("1.1298") - sum(fees, Decimal(0))
    balances = [b for b in result.tables()["balances"].to_pylist() if b["currency"] == "USDT"]
    assert Decimal(balances[-1]["total"]) == final
    assert [Decimal(o["avg_px"]) for o in result.tables()["orders"].to_pylist()] == [
        Decimal(b if s is OrderSide.SELL else a) for b, a, s, _ in PERP_PLAN
    ]


def test_backtest_equity_curve_marks_an_open_future_with_the_multiplier_once() -> None:
    # buy 3 @ 4000.25, sell 1 @ 4010.10, then only quotes: equity = cash + 50 * qty * (mid - entry)
    rows = [(bid, ask) for bid, ask, _, _ in ES_PLAN] + [("4001.00", "4001.50")]
    plan: list[tuple[OrderSide, int] | None] = [(OrderSide.BUY, 3), (OrderSide.SELL, 1), None, None, None, None]
    result = _run_plan(es_future(), rows, plan, 2, FEES, USD, 1_000_000)
    fee1 = fee_of(3, Decimal("4000.25"), MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
    fee2 = fee_of(1, Decimal("4010.10"), MULT, Decimal("2.5"), Decimal("0.85"), Decimal("1.25"))
    entry = Fraction(Decimal("4000.25"))
    expected = []
    for i, (bid, ask) in enumerate(rows):
        mid = (Fraction(Decimal(bid)) + Fraction(Decimal(ask))) / 2
        if i == 0:
            cash, qty = Fraction(1_000_000) - Fraction(fee1), 3
        elif i == 1:
            cash, qty = cash + (Fraction(Decimal("4010.10")) - entry) * 50 - Fraction(fee2), 2
        expected.append(float(cash + qty * (mid - entry) * 50))
    assert list(result.equity.equity) == expected
