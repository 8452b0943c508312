"""RSI mean reversion: buy when RSI falls below ``oversold``, exit when it rises above ``exit_level``."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.values import FIXED_SCALAR, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.indicators import RSI
from nautilus_platform.strategy.params import Param


class RsiMeanReversion(Strategy):
    """Long-only: a market buy of ``quantity`` when RSI(period) < ``oversold`` while flat, a market
    sell of what the buys filled (or, still working, will fill) when RSI > ``exit_level``: after a
    buy the risk engine denied there is nothing to sell, and nothing is sold."""

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
        self._long = False
        self._held_raw = 0  # raw quantity the buys filled or, still working, will fill, less the sells
        self.subscribe_bars(bar_type)

    def on_bar(self, bar: Bar) -> None:
        rsi = self._rsi
        rsi.update(bar.close.raw / FIXED_SCALAR)
        if not rsi.initialized:
            return
        if not self._long and rsi.value < self.oversold:
            self._held_raw += self._send(OrderSide.BUY, self._qty)
            self._long = True
        elif self._long and rsi.value > self.exit_level:
            if self._held_raw > 0:
                self._held_raw -= self._send(
                    OrderSide.SELL, Quantity(raw=self._held_raw, precision=self._qty.precision)
                )
            self._long = False

    def _send(self, side: OrderSide, qty: Quantity) -> int:
        """Submit a market order; the raw quantity it filled if it closed at once (0 when denied), else all of it."""
        order = self.orders.market(self._instrument_id, side, qty)
        self.submit(order)
        return order.filled_raw if order.is_closed else qty.raw
