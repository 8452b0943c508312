"""A strategy written for one venue, for ``naut backtest --route`` (loaded by file path)."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderSide
from nautilus_platform.model.values import Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.params import Param


class QuoteTrader(Strategy):
    """Every ``every`` quotes of ``instrument``, a market order of ``quantity``, buy then sell."""

    instrument = Param(str, "", help="Instrument to trade, SYMBOL.VENUE.")
    every = Param(int, 5, low=1, help="Quotes between orders.")
    quantity = Param(Decimal, Decimal(3), low=Decimal("0.001"), help="Order size.")

    def on_start(self) -> None:
        self._iid = InstrumentId(self.instrument)
        self._seen = 0
        self._buy = True
        self.subscribe_quotes(self._iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self._seen += 1
        if self._seen % self.every:
            return
        side = OrderSide.BUY if self._buy else OrderSide.SELL
        precision = self.cache.instrument(self._iid).size_precision
        self.submit(self.orders.market(self._iid, side, Quantity.of(self.quantity, precision)))
        self._buy = not self._buy
