"""A position: exact average-cost accounting of the fills of one instrument and strategy.

Everything is integer arithmetic on raw fixed-point values (scale 10**9):

- ``cost_exact`` is the entry cost of the open quantity, ``sum(qty_raw * px_raw)`` (scale 10**18);
  the average entry price is ``cost_exact / |signed_raw|``.
- A reducing fill of ``q`` out of ``Q`` releases ``cost_exact * q // Q`` of the cost (the floor
  remainder stays with the rest of the position, so a full close releases exactly what is
  left); realised P&L for that part is ``(q * px - released) * multiplier`` (scale 10**27).
- Realised P&L in money is the *cumulative* exact amount rounded half-even to the settlement
  currency's smallest unit; each fill books the difference between two such roundings, so the
  booked amounts always add up to the rounded exact total (no drift from rounding per fill).
- A fill larger than the open quantity on the other side flips the position in one step: the
  closing part realises P&L and the rest opens at the fill price.

Commissions are kept per currency and are *not* part of realised P&L (the account books both).
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Final

from nautilus_platform.core.arith import round_half_even
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, PositionId, StrategyId, TradeId
from nautilus_platform.model.enums import OrderSide, PositionSide
from nautilus_platform.model.events import OrderFilled, PositionChanged, PositionClosed, PositionEvent, PositionOpened
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import FIXED_SCALAR, Currency, Money, Quantity

# Final aliases of imported classes: compiled code reads them as constants, not via the module dict.
_QUANTITY_CLS: Final = Quantity
_MONEY_CLS: Final = Money
_POSITION_CLOSED_CLS: Final = PositionClosed
_POSITION_OPENED_CLS: Final = PositionOpened
_POSITION_CHANGED_CLS: Final = PositionChanged

SCALE18: Final = FIXED_SCALAR * FIXED_SCALAR
_BUY: Final = OrderSide.BUY
_LONG: Final = PositionSide.LONG
_SHORT: Final = PositionSide.SHORT
_FLAT: Final = PositionSide.FLAT


_ZERO: Final = Decimal(0)
_FIXED: Final = 10**9
_DECIMAL: Final = Decimal
# Shifting the exponent under this context never rounds, whatever the thread's current context
# says (a strategy may narrow it; the default's 28 digits would round a long average price).
_EXACT: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
# The shifts as ``Decimal``s: ``scaleb`` converts an ``int`` argument on every call.
_EXP9: Final = Decimal(-9)
_EXP18: Final = Decimal(-18)


def _qty_decimal(raw: int) -> Decimal:
    """A raw (10**9) quantity as an exact ``Decimal``."""
    return _DECIMAL(raw).scaleb(_EXP9, _EXACT)


def _decimal18(raw18: int) -> Decimal:
    return _DECIMAL(raw18).scaleb(_EXP18, _EXACT)


def _avg_decimal(value_exact: int, qty_raw: int) -> Decimal:
    """An average price ``value_exact / qty_raw`` (value at 10**18) to 18 decimals, truncated toward 0."""
    return _decimal18(value_exact * _FIXED // qty_raw)


_DECIMALS_MAX: Final = 4096


class _DecimalCache:
    """Recent ``Decimal``s of raw values at one scale: position events repeat the same sizes and
    prices again and again, and a ``Decimal`` costs thousands of instructions to build from an
    integer. Bounded: cleared when full."""

    __slots__ = ("_exponent", "_values")

    def __init__(self, exponent: Decimal) -> None:
        self._exponent = exponent  # the scale's shift: -9 for quantities, -18 for average prices
        self._values: dict[int, Decimal] = {}

    def get(self, raw: int) -> Decimal:
        values = self._values
        cached = values.get(raw)
        if cached is None:
            if len(values) >= _DECIMALS_MAX:
                values.clear()
            cached = values[raw] = _DECIMAL(raw).scaleb(self._exponent, _EXACT)
        return cached


_SIGNED_QTYS: Final = _DecimalCache(_EXP9)  # ``_qty_decimal``, for position events' ``signed_qty``
_AVG_PRICES: Final = _DecimalCache(_EXP18)  # ``_decimal18``, for their average prices


class Position:
    """The open quantity, entry cost, realised P&L and commissions of one position."""

    __slots__ = (
        "_avg_close",
        "_avg_close_qty",
        "_avg_open",
        "_avg_open_cost",
        "_avg_open_qty",
        "_avg_open_raw",
        "_closed_cost",
        "_closed_qty",
        "_realized_cache",
        "account_id",
        "buy_raw",
        "cash_exact",
        "close_qty_raw",
        "close_value_exact",
        "commissions",
        "cost_exact",
        "event_count",
        "id",
        "instrument",
        "instrument_id",
        "last_px_raw",
        "last_trade_id",
        "mult",
        "opening_order_id",
        "peak_raw",
        "realized_exact",
        "realized_raw",
        "sell_raw",
        "settlement",
        "signed_raw",
        "strategy_id",
        "ts_closed",
        "ts_last",
        "ts_opened",
        "unit",
        "unit_den",
    )

    def __init__(
        self,
        position_id: PositionId,
        instrument: Instrument,
        strategy_id: StrategyId,
        account_id: AccountId,
        opening_order_id: ClientOrderId,
        ts_opened: int,
    ) -> None:
        self.id = position_id
        self.instrument = instrument
        self.instrument_id = instrument.id
        self.strategy_id = strategy_id
        self.account_id = account_id
        self.opening_order_id = opening_order_id
        self.settlement: Currency = instrument.settlement
        self.mult = instrument.multiplier.raw
        self.unit = self.settlement.unit_raw
        self.unit_den = SCALE18 * self.unit
        self.signed_raw = 0
        self.cost_exact = 0
        self.realized_exact = 0
        self.realized_raw = 0
        self._realized_cache: Money | None = None
        self._avg_close: Decimal | None = None  # ``avg_px_close`` while ``close_qty_raw`` is ``_avg_close_qty``
        self._avg_close_qty = 0
        # The last position event's entry price and the cost and quantity it was computed from.
        self._avg_open = _ZERO
        self._avg_open_cost = 0
        self._avg_open_qty = 0  # 0: none yet
        self._avg_open_raw = 0  # ``_avg_open`` at scale 10**18
        self._closed_cost = 0  # the entry cost and quantity the fill that made it flat closed
        self._closed_qty = 0
        self.cash_exact = 0  # cumulative cash flow (+sells, -buys) * multiplier, scale 10**27 (cash accounts)
        self.close_qty_raw = 0
        self.close_value_exact = 0
        self.buy_raw = 0
        self.sell_raw = 0
        self.peak_raw = 0
        self.last_px_raw = 0
        self.commissions: dict[Currency, int] = {}
        self.last_trade_id: TradeId | None = None
        self.ts_opened = ts_opened
        self.ts_last = ts_opened
        self.ts_closed = 0
        self.event_count = 0

    # -- updates ------------------------------------------------------------------------------
    def apply(self, fill: OrderFilled) -> int:
        """Apply a fill; returns the realised P&L it booked, raw in the settlement currency."""
        qty = fill.last_qty.raw
        px = fill.last_px.raw
        signed = self.signed_raw
        if fill.order_side is _BUY:
            self.buy_raw += qty
            delta = qty
        else:
            self.sell_raw += qty
            delta = -qty
        before_raw = self.realized_raw
        if signed == 0 or (signed > 0) == (delta > 0):  # opening or increasing
            self.cost_exact += qty * px
        else:
            open_qty = signed if signed > 0 else -signed
            closing = qty if qty < open_qty else open_qty
            if closing == open_qty:  # flat (or flipped): what a closed position reports as its entry
                released = self._closed_cost = self.cost_exact
                self._closed_qty = open_qty
            else:
                released = self.cost_exact * closing // open_qty
            self.cost_exact -= released
            value = closing * px
            self.close_qty_raw += closing
            self.close_value_exact += value
            pnl = (value - released) if signed > 0 else (released - value)
            self.realized_exact += pnl * self.mult
            self.realized_raw = round_half_even(self.realized_exact, self.unit_den) * self.unit
            if qty > open_qty:  # flip: the rest opens at the fill price
                self.cost_exact = (qty - open_qty) * px
        signed += delta
        self.signed_raw = signed
        size = signed if signed > 0 else -signed
        if size > self.peak_raw:
            self.peak_raw = size
        commission = fill.commission
        fee = commission.raw
        if fee:
            ccy = commission.currency
            self.commissions[ccy] = self.commissions.get(ccy, 0) + fee
        self.last_px_raw = px
        self.last_trade_id = fill.trade_id
        ts_event = fill.ts_event
        self.ts_last = ts_event
        if signed == 0:
            self.ts_closed = ts_event
        self.event_count += 1
        return self.realized_raw - before_raw

    # -- queries ------------------------------------------------------------------------------
    @property
    def side(self) -> PositionSide:
        signed = self.signed_raw
        return _LONG if signed > 0 else _SHORT if signed < 0 else _FLAT

    @property
    def is_open(self) -> bool:
        return self.signed_raw != 0

    @property
    def is_closed(self) -> bool:
        return self.signed_raw == 0

    @property
    def quantity(self) -> Quantity:
        size = self.signed_raw if self.signed_raw > 0 else -self.signed_raw
        return _QUANTITY_CLS(raw=size, precision=self.instrument.size_precision)

    @property
    def signed_qty(self) -> Decimal:
        return _qty_decimal(self.signed_raw)

    @property
    def avg_px_open(self) -> Decimal:
        """Average entry price of the open quantity to 18 decimals; when flat, that of the quantity
        the closing fill closed (0 before the first fill)."""
        size = self.signed_raw if self.signed_raw > 0 else -self.signed_raw
        if size:
            return _avg_decimal(self.cost_exact, size)
        return _avg_decimal(self._closed_cost, self._closed_qty) if self._closed_qty else _ZERO

    @property
    def avg_px_close(self) -> Decimal | None:
        """Average price of the closing fills to 18 decimals, or ``None`` before the first one."""
        if not self.close_qty_raw:
            return None
        return _avg_decimal(self.close_value_exact, self.close_qty_raw)

    @property
    def realized_pnl(self) -> Money:
        """Realised P&L before commissions, in the settlement currency."""
        return _MONEY_CLS(raw=self.realized_raw, currency=self.settlement)

    def unrealized_exact(self, mark_raw: int) -> int:
        """Unrealised P&L at ``mark_raw`` (scale 10**27, settlement currency)."""
        signed = self.signed_raw
        if signed > 0:
            return (signed * mark_raw - self.cost_exact) * self.mult
        if signed < 0:
            return (self.cost_exact + signed * mark_raw) * self.mult
        return 0

    def unrealized_pnl(self, mark_raw: int | None) -> Money:
        """Unrealised P&L at ``mark_raw`` (the last fill price when there is no mark)."""
        mark = mark_raw if mark_raw is not None else self.last_px_raw
        exact = self.unrealized_exact(mark)
        return _MONEY_CLS(raw=round_half_even(exact, self.unit_den) * self.unit, currency=self.settlement)

    def notional_exact(self, mark_raw: int) -> int:
        """Signed market value ``signed * mark * multiplier`` (scale 10**27)."""
        return self.signed_raw * mark_raw * self.mult

    def commission(self, currency: Currency) -> Money:
        return _MONEY_CLS(raw=self.commissions.get(currency, 0), currency=currency)

    # -- events -------------------------------------------------------------------------------
    def event(
        self, fill: OrderFilled, opened: bool, mark_raw: int | None, unrealized_exact: int | None = None
    ) -> PositionEvent:
        """The position event for ``fill``: opened, changed or closed (``unrealized_exact``: the
        caller's ``unrealized_exact(mark_raw)`` when it has it already)."""
        signed = self.signed_raw
        size = signed if signed > 0 else -signed
        settle = self.settlement
        close_qty = self.close_qty_raw
        mark = mark_raw if mark_raw is not None else self.last_px_raw
        quantity = _QUANTITY_CLS(raw=size, precision=self.instrument.size_precision)
        if size:
            avg_open = self._entry_price(self.cost_exact, size)
        else:  # closed: the entry price of what it held (a memo hit when one fill closed it all)
            avg_open = self._entry_price(self._closed_cost, self._closed_qty) if self._closed_qty else _ZERO
        avg_close = self._avg_close
        if close_qty != self._avg_close_qty:  # only a reducing fill moves it (and always adds quantity)
            self._avg_close_qty = close_qty
            avg_close = self._avg_close = _AVG_PRICES.get(self.close_value_exact * _FIXED // close_qty)
        realized = self._realized_money()
        if unrealized_exact is None:
            unrealized_exact = self.unrealized_exact(mark)
        unrealized = _MONEY_CLS(raw=round_half_even(unrealized_exact, self.unit_den) * self.unit, currency=settle)
        if signed == 0:
            return _POSITION_CLOSED_CLS(
                ts_event=fill.ts_event, ts_init=fill.ts_init, position_id=self.id, instrument_id=self.instrument_id,
                strategy_id=self.strategy_id, account_id=self.account_id, opening_order_id=self.opening_order_id,
                side=_FLAT, signed_qty=_ZERO, quantity=quantity, avg_px_open=avg_open, avg_px_close=avg_close,
                realized_pnl=realized, unrealized_pnl=unrealized, last_trade_id=fill.trade_id,
                ts_opened=self.ts_opened, ts_closed=fill.ts_event,
            )  # fmt: skip
        kind: type[PositionOpened | PositionChanged] = _POSITION_OPENED_CLS if opened else _POSITION_CHANGED_CLS
        return kind(
            ts_event=fill.ts_event, ts_init=fill.ts_init, position_id=self.id, instrument_id=self.instrument_id,
            strategy_id=self.strategy_id, account_id=self.account_id, opening_order_id=self.opening_order_id,
            side=_LONG if signed > 0 else _SHORT, signed_qty=_SIGNED_QTYS.get(signed), quantity=quantity,
            avg_px_open=avg_open, avg_px_close=avg_close, realized_pnl=realized, unrealized_pnl=unrealized,
            last_trade_id=fill.trade_id, ts_opened=self.ts_opened,
        )  # fmt: skip

    def _entry_price(self, cost: int, qty: int) -> Decimal:
        """``_avg_decimal(cost, qty)`` (``qty > 0``), the last event's while the cost and quantity,
        or the average they give, are unchanged."""
        if qty == self._avg_open_qty and cost == self._avg_open_cost:
            return self._avg_open
        avg_raw = cost * _FIXED // qty
        if not self._avg_open_qty or avg_raw != self._avg_open_raw:  # a reducing fill usually keeps it
            self._avg_open = _AVG_PRICES.get(avg_raw)
            self._avg_open_raw = avg_raw
        self._avg_open_cost, self._avg_open_qty = cost, qty
        return self._avg_open

    def _realized_money(self) -> Money:
        """``realized_pnl``, reusing the last object while the amount is unchanged."""
        money = self._realized_cache
        if money is None or money.raw != self.realized_raw:
            money = self._realized_cache = _MONEY_CLS(raw=self.realized_raw, currency=self.settlement)
        return money

    def __repr__(self) -> str:
        return f"Position({self.id} {self.side.name} {self.quantity} @ {self.avg_px_open} realized={self.realized_pnl})"
