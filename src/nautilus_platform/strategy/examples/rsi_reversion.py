"""RSI mean reversion: buy when RSI falls below ``oversold``, exit when it rises above ``exit_level``."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.indicators import RSI
from nautilus_platform.strategy.params import Param


class RsiMeanReversion(Strategy):
    """Long-only: a market buy of ``quantity`` when RSI(period) < ``oversold`` while flat, a market
    sell of what the buys filled when RSI > ``exit_level``. Orders are sized from what the earlier
    ones really filled, one at a time: after a buy that did not fill (denied by the risk engine,
    rejected by the venue, cancelled or expired) there is nothing to sell, and nothing is sold; a
    signal that comes while an order is still working is acted on when it closes."""

    bar_type = Param(str, "", help="Bar type to trade (default: the first bar stream).")
    period = Param(int, 14, low=2, high=1_000, help="RSI period (bars).")
    oversold = Param(float, 30.0, low=0.0, high=100.0, help="Buy below this RSI.")
    exit_level = Param(float, 55.0, low=0.0, high=100.0, help="Exit above this RSI.")
    quantity = Param(Decimal, Decimal(100), low=Decimal("0.000000001"), help="Order size.")

    def __init__(self, strategy_id: str | None = None, **params: object) -> None:
        super().__init__(strategy_id, **params)
        if self.oversold >= self.exit_level:
            raise ValidationError("oversold", self.oversold, f"must be below exit_level ({self.exit_level})")

    def on_start(self) -> None:
        bar_type = BarType.from_str(self.bar_type)
        self._instrument_id = bar_type.instrument_id
        self._qty = Quantity.of(self.quantity, self.cache.instrument(self._instrument_id).size_precision)
        self._rsi = RSI(self.period)
        self._long = False  # the target of the last signal
        self._held_raw = 0  # raw quantity the closed buys filled, less the closed sells
        self._working: Order | None = None  # the order sent and not closed yet
        self._working_long = False  # the target it was sent for
        self.subscribe_bars(bar_type)

    def on_bar(self, bar: Bar) -> None:
        rsi = self._rsi
        rsi.update(bar.close.raw / FIXED_SCALAR)
        if not rsi.initialized:
            return
        if not self._long and rsi.value < self.oversold:
            self._trade(True)
        elif self._long and rsi.value > self.exit_level:
            self._trade(False)

    def _trade(self, long: bool) -> None:
        """Buy up to ``quantity`` when ``long``, else sell what the closed orders filled; unless an
        order is still working: ``on_order_closed`` calls this again when it closes."""
        self._long = long
        if self._working is not None:
            return
        raw = (self._qty.raw if long else 0) - self._held_raw
        if raw:
            side = OrderSide.BUY if raw > 0 else OrderSide.SELL
            order = self.orders.market(self._instrument_id, side, Quantity(raw=abs(raw), precision=self._qty.precision))
            self._working, self._working_long = order, long
            self.submit(order)  # it may close inside: denied, or filled at once

    def on_order_closed(self, order: Order) -> None:
        """Count what the order filled (all, part or none of it); trade again if the signal turned
        while it worked."""
        if order is not self._working:
            return
        self._working = None
        self._held_raw += order.filled_raw if order.is_buy else -order.filled_raw
        if self._long != self._working_long:
            self._trade(self._long)
