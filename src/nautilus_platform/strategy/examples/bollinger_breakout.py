"""Bollinger breakout with bracket orders: a close above the upper band enters long with a
take-profit and a stop-loss placed ``reward`` and ``risk`` band-widths away."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.identifiers import ClientOrderId
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Price, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.indicators import BollingerBands
from nautilus_platform.strategy.params import Param


class BollingerBreakout(Strategy):
    """Long-only breakout. While flat with no working orders, a close above the upper band sends a
    bracket: market entry, take-profit limit at close + ``reward`` x (upper - middle), stop-loss
    stop-market at close - ``risk`` x (upper - middle), prices rounded to the tick and each at least
    one tick from the close (on a band narrower than a tick, rounding would put an exit at the entry
    price, where it fills as soon as the entry does); no bracket when the close is one tick (no stop
    below it).

    The next bracket waits until every order of the last one has closed (``on_order_closed``) and
    the position is flat: an entry rejected by the venue after its latency, or cut short, leaves
    its exits cancelled or sized to what it filled; a position its exits did not close (rejected)
    is closed at market on the next bar. A bracket is contingent and never routed (under
    ``naut backtest --route`` it goes to the instrument's own venue); ``is_flat`` reads the net
    position over the listings the router groups with the instrument."""

    bar_type = Param(str, "", help="Bar type to trade (default: the first bar stream).")
    period = Param(int, 20, low=2, high=1_000, help="Band period (bars).")
    k = Param(float, 2.0, low=0.1, high=10.0, help="Band width in standard deviations.")
    reward = Param(float, 2.0, low=0.1, high=50.0, help="Take-profit distance in half band-widths.")
    risk = Param(float, 1.0, low=0.1, high=50.0, help="Stop-loss distance in half band-widths.")
    quantity = Param(Decimal, Decimal(100), low=Decimal("0.000000001"), help="Order size.")

    def on_start(self) -> None:
        bar_type = BarType.from_str(self.bar_type)
        self._instrument_id = bar_type.instrument_id
        instrument = self.cache.instrument(self._instrument_id)
        self._tick = instrument.tick_size.raw
        self._price_precision = instrument.price_precision
        self._qty = Quantity.of(self.quantity, instrument.size_precision)
        self._bands = BollingerBands(self.period, self.k)
        self._working: set[ClientOrderId] = set()  # the last bracket's orders not closed yet
        self.subscribe_bars(bar_type)

    def _ticks(self, value: float) -> int:
        return round(value * FIXED_SCALAR / self._tick)

    def _price(self, ticks: int) -> Price:
        return Price(raw=ticks * self._tick, precision=self._price_precision)

    def on_bar(self, bar: Bar) -> None:
        bands = self._bands
        close = bar.close.raw / FIXED_SCALAR
        bands.update(close)
        if not bands.initialized or self._working:
            return
        if not self.is_flat(self._instrument_id):
            # Every order of the last bracket has closed and the position is still open: its exits
            # were rejected (a venue halted when they arrived, say). Close it at market, and again
            # on a later bar if that order does not fill either (it may close at once: filled).
            closing = self.close_position(self._instrument_id)
            self._working = {order.client_order_id for order in closing if not order.is_closed}
            return
        half_width = bands.upper - bands.middle
        if close > bands.upper and half_width > 0:
            close_ticks = self._ticks(close)
            stop_ticks = min(self._ticks(close - self.risk * half_width), close_ticks - 1)
            if stop_ticks < 1:
                return
            bracket = self.orders.bracket(
                self._instrument_id, OrderSide.BUY, self._qty,
                take_profit=self._price(max(self._ticks(close + self.reward * half_width), close_ticks + 1)),
                stop_loss=self._price(stop_ticks),
            )  # fmt: skip
            self._working = {order.client_order_id for order in bracket.orders}
            self.submit_list(bracket)

    def on_order_closed(self, order: Order) -> None:
        # Entry, take-profit and stop-loss each close once: filled, or cancelled by the other exit
        # (OCO), or with the entry (an entry rejected or cancelled unfilled cancels its exits).
        self._working.discard(order.client_order_id)
