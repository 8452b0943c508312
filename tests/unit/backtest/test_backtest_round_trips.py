"""Round trips from fills: flat-to-flat trades, flips, fee shares and multipliers, checked
against exact fractions computed here."""

from __future__ import annotations

from fractions import Fraction

from nautilus_platform.backtest.results import round_trips
from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from nautilus_platform.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_platform.model.events import OrderFilled
from nautilus_platform.model.instruments import Equity, Future, Instrument
from nautilus_platform.model.values import USD, Money, Price, Quantity

AAPL = Equity(
    id=InstrumentId("AAPL.XNAS"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD,
)  # fmt: skip


def fill(n: int, side: OrderSide, qty: str, px: str, fee: str, instrument: Instrument = AAPL) -> OrderFilled:
    return OrderFilled(
        ts_event=n, ts_init=n, strategy_id=StrategyId("S-1"), instrument_id=instrument.id,
        client_order_id=ClientOrderId(f"O-{n}"), venue_order_id=VenueOrderId(f"V-{n}"), account_id=AccountId("SIM-1"),
        trade_id=TradeId(f"T-{n}"), order_side=side, order_type=OrderType.MARKET, last_qty=Quantity.of(qty),
        last_px=Price.of(px), commission=Money.of(fee, USD), liquidity_side=LiquiditySide.TAKER,
    )  # fmt: skip


def test_a_flip_closes_one_trip_and_opens_the_next_with_its_fee_shared_by_quantity() -> None:
    fills = [
        fill(1, OrderSide.BUY, "10", "100.00", "1.00"),
        fill(2, OrderSide.SELL, "15", "110.00", "1.50"),  # closes 10, opens a short of 5
        fill(3, OrderSide.BUY, "5", "105.00", "0.70"),
    ]
    long, short = round_trips(fills, {"AAPL.XNAS": AAPL})
    assert (long.side, long.quantity, long.entry_ts, long.exit_ts) == ("LONG", 10.0, 1, 2)
    assert (long.entry_price, long.exit_price, long.fees) == (100.0, 110.0, 2.0)
    assert long.pnl == 100 - 2.0
    assert (short.side, short.quantity, short.entry_ts, short.exit_ts) == ("SHORT", 5.0, 2, 3)
    assert (short.entry_price, short.exit_price) == (110.0, 105.0)
    assert short.fees == float(Fraction("0.5") + Fraction("0.7"))
    assert short.pnl == float(25 - Fraction("1.2"))


def test_a_fee_split_into_thirds_stays_exact_until_the_final_float() -> None:
    fills = [
        fill(1, OrderSide.SELL, "1", "10.00", "0.00"),
        fill(2, OrderSide.BUY, "3", "9.00", "0.01"),  # covers 1 (a third of the fee), opens a long of 2
        fill(3, OrderSide.SELL, "2", "9.50", "0.00"),
    ]
    short, long = round_trips(fills, {"AAPL.XNAS": AAPL})
    third = Fraction(1, 300)
    assert short.fees == float(third) and short.pnl == float(1 - third)
    assert long.fees == float(Fraction(1, 100) - third) and long.pnl == float(1 - (Fraction(1, 100) - third))


def test_average_prices_over_several_fills_and_the_multiplier_scales_the_pnl() -> None:
    future = Future(
        id=InstrumentId("ES.CME"), price_precision=2, size_precision=0, tick_size=Price.of("0.25"),
        lot_size=Quantity.of(1), quote_currency=USD, multiplier=Quantity.of(50), underlying="ES", expiry_ns=10**18,
    )  # fmt: skip
    fills = [
        fill(1, OrderSide.BUY, "1", "4000.25", "2.00", future),
        fill(2, OrderSide.BUY, "2", "4001.00", "4.00", future),
        fill(3, OrderSide.SELL, "3", "4002.00", "6.00", future),
    ]
    (trip,) = round_trips(fills, {"ES.CME": future})
    assert trip.entry_price == float(Fraction("4000.25") / 3 + Fraction("4001.00") * 2 / 3)
    gross = (Fraction("4002.00") * 3 - Fraction("4000.25") - Fraction("4001.00") * 2) * 50
    assert trip.pnl == float(gross - 12) and trip.fees == 12.0


def test_an_open_position_is_not_a_round_trip_and_strategies_are_kept_apart() -> None:
    first = fill(1, OrderSide.BUY, "10", "100.00", "0.00")
    other = OrderFilled(**{**{f: getattr(first, f) for f in first.__struct_fields__}, "strategy_id": StrategyId("S-2"),
                           "order_side": OrderSide.SELL, "ts_event": 2, "ts_init": 2})  # fmt: skip
    assert round_trips([first, other], {"AAPL.XNAS": AAPL}) == []
