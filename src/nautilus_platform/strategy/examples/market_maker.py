"""A quote-driven market maker on the same instrument at two venues, around a consolidated mid."""

from __future__ import annotations

from decimal import Decimal

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.model.data import QuoteTick
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Price, Quantity
from nautilus_platform.strategy.base import Strategy
from nautilus_platform.strategy.params import Param


class TwoVenueMarketMaker(Strategy):
    """Keeps one post-only bid and one post-only ask of ``quantity`` on each venue.

    Fair value is the average of the two venues' latest mids; quotes sit ``half_spread_bps``
    either side of it, shifted against inventory (a full ``max_position`` long shifts both
    quotes down by one half-spread) and rounded away from fair value to the tick, then kept off the
    venue's own book: a bid at most one tick below that venue's latest ask, an ask at least one tick
    above its latest bid (when the venues' prices part, fair value can lie beyond one venue's touch,
    and a post-only quote there would be rejected on every quote). A quote that adds to the
    position is sized to what is left of ``max_position`` (down to the lot size), so the position
    never passes it; a side is not quoted when no lot is left. A working quote is modified only
    when its target moved by at least ``requote_bps``, and not while a modify of it is still in
    flight (venue latency). Inventory and quotes are per venue: the quotes go to their venue even
    under smart order routing (a routed order could not be modified), and each venue's position is
    its own (``venue_position_qty``).
    """

    instruments = Param(str, "", help="Two instrument ids, comma-separated (same product at two venues).")
    half_spread_bps = Param(float, 5.0, low=0.1, high=1_000.0, help="Distance of each quote from fair value.")
    requote_bps = Param(float, 2.0, low=0.0, high=1_000.0, help="Move a quote only when its target moved this much.")
    quantity = Param(Decimal, Decimal("0.01"), low=Decimal("0.000000001"), help="Size of each quote.")
    max_position = Param(Decimal, Decimal("0.1"), low=Decimal("0.000000001"), help="Inventory limit per venue.")

    def on_start(self) -> None:
        ids = [InstrumentId(item.strip()) for item in self.instruments.split(",") if item.strip()]
        if len(ids) != 2 or ids[0] == ids[1]:
            raise ValidationError("instruments", self.instruments, "must name two different instrument ids")
        self._ids = ids
        self._books: dict[InstrumentId, tuple[int, int]] = {}  # each venue's latest bid and ask (raw)
        self._quotes: dict[tuple[InstrumentId, OrderSide], Order] = {}
        for iid in ids:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        books = self._books
        books[quote.instrument_id] = (quote.bid_price.raw, quote.ask_price.raw)
        if len(books) < 2:
            return
        fair = sum(bid + ask for bid, ask in books.values()) / (4 * FIXED_SCALAR)  # the mean of the two mids
        for iid in self._ids:
            self._requote(iid, fair)

    def _requote(self, iid: InstrumentId, fair: float) -> None:
        instrument = self.cache.instrument(iid)
        tick = instrument.tick_size.raw
        half = fair * self.half_spread_bps / 10_000
        position_raw = self.portfolio.net_position_raw(iid, self.id)  # this venue's inventory (never the group's)
        limit_raw = int(self.max_position * FIXED_SCALAR)
        skew = half * position_raw / limit_raw
        lot = instrument.lot_size.raw
        size_raw = Quantity.of(self.quantity, instrument.size_precision).raw
        bid_raw, ask_raw = self._books[iid]
        targets = {  # side: (price, size): a quote that adds to the position takes at most what the limit leaves
            OrderSide.BUY: (fair - half - skew, min(size_raw, (limit_raw - position_raw) // lot * lot)),
            OrderSide.SELL: (fair + half - skew, min(size_raw, (limit_raw + position_raw) // lot * lot)),
        }
        for side, (target, quote_raw) in targets.items():
            ticks = target * FIXED_SCALAR / tick
            if side is OrderSide.BUY:  # rounds down, and stays below the venue's ask (post-only)
                raw = min(int(ticks) * tick, ask_raw - tick)
            else:  # rounds up, and stays above the venue's bid
                raw = max(-int(-ticks) * tick, bid_raw + tick)
            price = Price(raw=max(raw, tick), precision=instrument.price_precision)
            allowed = quote_raw > 0
            working = self._quotes.get((iid, side))
            if working is not None and working.is_closed:
                working = None
            if not allowed:
                if working is not None and working.is_open:
                    self.cancel(working)
                self._quotes.pop((iid, side), None)
                continue
            if working is None:
                qty = Quantity(raw=quote_raw, precision=instrument.size_precision)
                order = self.orders.limit(iid, side, qty, price, post_only=True)
                self._quotes[(iid, side)] = order
                self.submit(order, venue=iid.venue)  # to this venue, never routed: each venue quotes its own book
            elif (
                working.status is not OrderStatus.PENDING_UPDATE  # one modify in flight at a time
                and working.price is not None
                and abs(working.price.raw - price.raw) * 10_000 >= self.requote_bps * price.raw
            ):
                self.modify(working, price=price)
