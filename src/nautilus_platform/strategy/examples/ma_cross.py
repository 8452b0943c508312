"""Moving-average crossover: long when the fast SMA of closes is above the slow one, flat otherwise."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.model.data import Bar, BarType
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.indicators import SMA
from nautilus_platform.strategy.params import Param


class MovingAverageCross(Strategy):
    """Buy ``quantity`` when fast SMA > slow SMA + ``threshold`` while flat; sell it when fast SMA <
    slow SMA - ``threshold`` while long (with ``allow_short``, the sell also goes short ``quantity``
    and the buy covers and goes long). Market orders; the fill price follows the venue's bar
    execution setting (the signal bar's close by default).

    Each order takes the position from what the earlier orders really filled to the signal's
    target, one order at a time: an order denied by the risk engine, rejected by the venue, or
    cancelled or expired with part or none of it filled is a trade skipped or cut short, never a
    position the strategy believes it has (a buy that did not fill is not followed by a sell that
    would open a short). A signal that comes while an order is still working (venue latency) is
    acted on when that order closes (``on_order_closed``)."""

    bar_type = Param(str, "", help="Bar type to trade, e.g. AAPL.XNAS-1-DAY-LAST (default: the first bar stream).")
    fast = Param(int, 10, low=1, high=100_000, help="Fast SMA period (bars).")
    slow = Param(int, 30, low=2, high=100_000, help="Slow SMA period (bars).")
    quantity = Param(Decimal, Decimal(100), low=Decimal("0.000000001"), help="Order size.")
    threshold = Param(float, 1e-6, low=0.0, help="Minimum SMA difference for a signal (price units).")
    allow_short = Param(bool, False, help="Go short on the down-cross instead of only exiting.")

    def __init__(self, strategy_id: str | None = None, **params: object) -> None:
        super().__init__(strategy_id, **params)
        if self.fast >= self.slow:
            raise ValidationError("fast", self.fast, f"must be less than slow ({self.slow})")

    def on_start(self) -> None:
        if not self.bar_type:
            raise ValidationError("bar_type", self.bar_type, "must name the bars to trade")
        bar_type = BarType.from_str(self.bar_type)
        self._instrument_id = bar_type.instrument_id
        precision = self.cache.instrument(self._instrument_id).size_precision
        self._qty = Quantity.of(self.quantity, precision)
        self._fast_sma, self._slow_sma = SMA(self.fast), SMA(self.slow)
        self._position = 0  # +1 long, -1 short, 0 flat: the target of the last signal
        self._held_raw = 0  # signed raw quantity the closed orders filled
        self._working: Order | None = None  # the order sent and not closed yet
        self._working_target = 0  # the target it was sent for
        self.subscribe_bars(bar_type)

    def on_bar(self, bar: Bar) -> None:
        close = bar.close.raw / FIXED_SCALAR
        # An SMA reads NaN until its window is full, and no comparison with NaN holds: no signal
        # before the slow average is warm. ``update`` returns the new value; each attribute is
        # read once (this runs on every bar).
        fast_value = self._fast_sma.update(close)
        slow_value = self._slow_sma.update(close)
        threshold = self.threshold
        if fast_value > slow_value + threshold:
            if self._position <= 0:
                self._trade(1)
        elif fast_value < slow_value - threshold and self._position >= 0:
            if self._position > 0 or self.allow_short:
                self._trade(-1 if self.allow_short else 0)

    def _trade(self, target: int) -> None:
        """Send a market order for what the closed orders filled short of ``target``, unless an order
        is still working: ``on_order_closed`` calls this again when it closes."""
        self._position = target
        if self._working is not None:
            return
        raw = target * self._qty.raw - self._held_raw
        if raw:
            order = self.orders.market(
                self._instrument_id, OrderSide.BUY if raw > 0 else OrderSide.SELL,
                Quantity(raw=abs(raw), precision=self._qty.precision),
            )  # fmt: skip
            self._working, self._working_target = order, target
            self.submit(order)  # it may close inside: denied, or filled at once

    def on_order_closed(self, order: Order) -> None:
        """Count what the order filled (all, part or none of it); then, if a signal changed the
        target while it worked, trade to the new target."""
        if order is not self._working:
            return
        self._working = None
        self._held_raw += order.filled_raw if order.is_buy else -order.filled_raw
        if self._position != self._working_target:
            self._trade(self._position)
