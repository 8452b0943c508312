"""The read-only view of the trading core that the pre-trade risk engine needs.

``RiskState`` is a protocol: the trading core implements it over the cache and the portfolio,
which keep incremental aggregates so that every method is O(1). ``InMemoryRiskState`` is a
plain-dict implementation for tests and tools.

Conventions: every amount is a raw fixed-point ``int`` at scale 10**9 (``FIXED_SCALAR``) unless
its name ends in ``_exact``; signed quantities are positive for long, negative for short. Open-order
aggregates count the orders that are submitted or working (neither ``INITIALIZED`` nor closed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Protocol

from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId
from nautilus_platform.model.enums import OPEN_STATUSES, AccountType, OrderSide, OrderStatus
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import FIXED_SCALAR, Currency


class PriceSource(IntEnum):
    """Which market price a check compares against."""

    LAST = 1  # last trade (or bar close)
    MID = 2  # mid of the best quote
    MARK = 3  # mark price (the portfolio's valuation price)


class OpenOrdersView(Protocol):
    """Live aggregate of the open orders of one instrument on one side."""

    @property
    def count(self) -> int: ...

    @property
    def leaves_raw(self) -> int:
        """Sum of the leaves quantities, raw."""

    @property
    def notional_exact(self) -> int:
        """Sum of leaves_raw * price_raw (scale 10**18, the multiplier not applied)."""


class AccountView(Protocol):
    """Live view of one account; amounts are raw in ``base_currency`` unless keyed by currency."""

    @property
    def account_type(self) -> AccountType: ...

    @property
    def base_currency(self) -> Currency | None:
        """The currency equity, P&L and exposure are valued in (``None``: multi-currency cash)."""

    @property
    def free(self) -> Mapping[str, int]:
        """Free balance by currency code: total minus what open orders and margins lock. A margin
        account with a base currency has one free margin, ``free[base]``: margin in any currency
        is drawn from it at the exchange rate (the risk engine converts an order's margin to it)."""

    @property
    def unvalued_requirements(self) -> Sequence[Currency]:
        """Currencies in which a margin account owes margin, unrealised losses or a negative
        balance that cannot be valued in ``base_currency`` now (no exchange rate): its free margin
        is then unknown, and an order that needs margin is denied."""

    @property
    def equity_raw(self) -> int:
        """Balances plus unrealised P&L at mark prices."""

    @property
    def peak_equity_raw(self) -> int:
        """Highest equity seen (the drawdown breaker's reference)."""

    @property
    def realized_pnl_today_raw(self) -> int:
        """Realised P&L net of fees since the start of the trading day (negative for a loss)."""

    @property
    def gross_exposure_raw(self) -> int:
        """Sum of |position * mark * multiplier| over the account's instruments."""

    @property
    def net_exposure_raw(self) -> int:
        """Sum of signed position * mark * multiplier over the account's instruments."""

    @property
    def open_order_count(self) -> int:
        """Open orders of the account."""

    @property
    def open_notional_raw(self) -> int:
        """Sum of leaves * price * multiplier of the account's open orders."""


class RiskState(Protocol):
    """What pre-trade risk reads of the trading core; every lookup is O(1).

    The dicts are live: the engine keeps a reference to each (compiled code reads a ``dict``
    natively), so a state must keep returning the same objects (update them in place, never
    replace them).
    """

    @property
    def instruments(self) -> dict[InstrumentId, Instrument]:
        """Known instruments by id."""

    @property
    def orders(self) -> dict[ClientOrderId, Order]:
        """Orders held in memory by client order id."""

    @property
    def net_positions(self) -> dict[InstrumentId, int]:
        """Signed net position quantity per instrument (all strategies), raw; absent means flat."""

    def position_raw(self, order: Order) -> int:
        """Signed quantity of the position ``order``'s fills change, raw: under netting its
        strategy's position in the instrument, under hedging the position its command named
        (none: a new position, 0). When unsure, 0: nothing then counts as reducible."""

    def other_position_leaves_raw(self, order: Order) -> tuple[int, int]:
        """Leaves of the open orders on ``order``'s instrument and side that fill into another
        position than ``order``'s, raw: ``(all, reduce-only)``. ``order`` and the orders linked
        to it are never counted; when unsure an order is not counted (it then stays counted
        against ``order``'s position, the safe side)."""

    @property
    def accounts(self) -> dict[AccountId, AccountView]:
        """Live account views; absent until the account's first state arrives."""

    def reference_prices(self, source: PriceSource) -> dict[InstrumentId, int]:
        """Latest raw price per instrument for ``source`` (absent: no price yet)."""

    def open_orders(self, side: OrderSide) -> Mapping[InstrumentId, OpenOrdersView]:
        """Open-order aggregates per instrument on ``side`` (absent: none)."""

    def is_known(self, client_order_id: ClientOrderId) -> bool:
        """Whether the id was ever used (orders purged from memory included)."""

    def account_id_for(self, order: Order) -> AccountId | None:
        """The account the order trades in (its venue's account before it is submitted)."""

    def open_reduce_only_leaves_raw(self, instrument_id: InstrumentId, side: OrderSide) -> int:
        """Sum of the leaves of the open reduce-only orders of the instrument on ``side``, raw."""

    def exchange_rate(self, from_currency: Currency, to_currency: Currency) -> tuple[int, int] | None:
        """Units of ``to_currency`` per unit of ``from_currency`` as an exact ratio
        ``(numerator, denominator)`` (both positive), or ``None`` without a rate."""

    @property
    def modifies_in_flight(self) -> dict[ClientOrderId, list[ModifyRequest]]:
        """The modifies sent to a venue and not answered yet, oldest first, by order; an order
        without one is absent."""


class ModifyRequest:
    """A modify sent to a venue and not answered yet: the quantity, price and trigger price it
    asked for, raw (``None``: left as the venue has it when it applies the modify)."""

    __slots__ = ("price_raw", "quantity_raw", "trigger_raw")

    def __init__(
        self, quantity_raw: int | None = None, price_raw: int | None = None, trigger_raw: int | None = None
    ) -> None:
        self.quantity_raw = quantity_raw
        self.price_raw = price_raw
        self.trigger_raw = trigger_raw

    def lock_px(self, priced: bool) -> int | None:
        """The price it asks its order to be valued at (``None``: unchanged): the limit price, or
        the trigger of an order without one (``priced`` false), as the open-order aggregates do."""
        if self.price_raw is not None:
            return self.price_raw
        return None if priced else self.trigger_raw

    def answered_by(self, quantity_raw: int, price_raw: int | None, trigger_raw: int | None) -> bool:
        """Whether an update to these figures answers it: every figure it asked for is there."""
        return (
            (self.quantity_raw is None or self.quantity_raw == quantity_raw)
            and (self.price_raw is None or self.price_raw == price_raw)
            and (self.trigger_raw is None or self.trigger_raw == trigger_raw)
        )

    def __repr__(self) -> str:
        return f"ModifyRequest({self.quantity_raw}, {self.price_raw}, {self.trigger_raw})"


def order_extra_in_flight(order: Order, requested: list[ModifyRequest]) -> int:
    """How much more ``order`` may leave to work at the largest quantity it asked for, raw."""
    worst = quantity = order.quantity_raw
    for request in requested:
        asked = request.quantity_raw
        if asked is not None and asked > worst:
            worst = asked
    return worst - quantity


def extra_leaves_in_flight(
    in_flight: dict[ClientOrderId, list[ModifyRequest]],
    orders: dict[ClientOrderId, Order],
    instrument_id: InstrumentId,
    side: OrderSide,
    exclude: Order | None = None,
) -> int:
    """The leaves that the modifies in flight may add to the open orders of ``instrument_id`` on
    ``side`` (``exclude`` not counted), raw."""
    total = 0
    for client_order_id, requested in in_flight.items():
        order = orders.get(client_order_id)
        if order is None or order is exclude or order.side is not side or order.instrument_id != instrument_id:
            continue
        total += order_extra_in_flight(order, requested)
    return total


def worst_in_flight(order: Order, requested: list[ModifyRequest], px_raw: int) -> tuple[int, int, int, int]:
    """The worst ``order``, valued at ``px_raw`` now, may work at once the venue answers
    ``requested``: ``(leaves, px)`` of the largest notional (``leaves * px``) and the largest leaves
    and price, raw.

    The venue applies each modify to what the ones before it left, and may reject any of them,
    so a figure a modify leaves unchanged is counted at the largest one asked before it (or the
    order's own): the order's final figures never exceed the bound this gives."""
    filled = order.filled_raw
    priced = order.price is not None
    most_quantity, most_px = order.quantity_raw, px_raw
    best_leaves, best_px = most_quantity - filled, px_raw
    best = best_leaves * best_px
    for request in requested:
        asked_quantity, asked_px = request.quantity_raw, request.lock_px(priced)
        leaves = (most_quantity if asked_quantity is None else asked_quantity) - filled
        px = most_px if asked_px is None else asked_px
        if leaves * px > best:
            best, best_leaves, best_px = leaves * px, leaves, px
        if asked_quantity is not None and asked_quantity > most_quantity:
            most_quantity = asked_quantity
        if asked_px is not None and asked_px > most_px:
            most_px = asked_px
    return best_leaves, best_px, most_quantity - filled, most_px


def is_counted_open(order: Order) -> bool:
    """Whether ``order`` is inside the open-order aggregates (submitted or working)."""
    status = order.status
    return status is OrderStatus.SUBMITTED or status in OPEN_STATUSES


class OpenOrders:
    """A mutable open-order aggregate (``OpenOrdersView``)."""

    __slots__ = ("count", "leaves_raw", "notional_exact")

    def __init__(self, count: int = 0, leaves_raw: int = 0, notional_exact: int = 0) -> None:
        self.count = count
        self.leaves_raw = leaves_raw
        self.notional_exact = notional_exact


class AccountSnapshot:
    """A mutable ``AccountView`` with settable fields; ``free`` maps currency code to raw."""

    __slots__ = (
        "account_type",
        "base_currency",
        "equity_raw",
        "free",
        "gross_exposure_raw",
        "net_exposure_raw",
        "open_notional_raw",
        "open_order_count",
        "peak_equity_raw",
        "realized_pnl_today_raw",
        "unvalued_requirements",
    )

    def __init__(
        self,
        account_type: AccountType,
        base_currency: Currency | None,
        *,
        free: dict[str, int] | None = None,
        equity_raw: int = 0,
        peak_equity_raw: int = 0,
        realized_pnl_today_raw: int = 0,
        gross_exposure_raw: int = 0,
        net_exposure_raw: int = 0,
        open_order_count: int = 0,
        open_notional_raw: int = 0,
        unvalued_requirements: Sequence[Currency] = (),
    ) -> None:
        self.account_type = account_type
        self.base_currency = base_currency
        self.free: dict[str, int] = free if free is not None else {}
        self.equity_raw = equity_raw
        self.peak_equity_raw = peak_equity_raw
        self.realized_pnl_today_raw = realized_pnl_today_raw
        self.gross_exposure_raw = gross_exposure_raw
        self.net_exposure_raw = net_exposure_raw
        self.open_order_count = open_order_count
        self.open_notional_raw = open_notional_raw
        self.unvalued_requirements = unvalued_requirements


#: ``InMemoryRiskState``'s key of a position set without a strategy: the instrument's only one.
_ONLY: str = "*"


class InMemoryRiskState:
    """A ``RiskState`` over plain dicts, for tests and tools; set the fields directly.

    Positions: ``set_position(instrument_id, raw)`` sets the instrument's only position, which the
    orders of every netting strategy change (a one-strategy view); with a ``strategy_id`` or a
    ``position_id`` it sets that strategy's netting position or a named (hedging) position, and
    the net position is their sum. ``position_ids`` names the position an order fills into (a
    command's ``position_id``); the strategies in ``hedging`` open a new position per order.
    """

    def __init__(self) -> None:
        self.instruments: dict[InstrumentId, Instrument] = {}
        self.orders: dict[ClientOrderId, Order] = {}
        self.net_positions: dict[InstrumentId, int] = {}
        self.positions: dict[tuple[InstrumentId, str], int] = {}
        self.position_ids: dict[ClientOrderId, str] = {}
        self.hedging: set[StrategyId] = set()
        self.open_orders_added: list[Order] = []
        self.accounts: dict[AccountId, AccountSnapshot] = {}
        self.prices: dict[PriceSource, dict[InstrumentId, int]] = {source: {} for source in PriceSource}
        self.open: dict[OrderSide, dict[InstrumentId, OpenOrders]] = {side: {} for side in OrderSide}
        self.rates: dict[tuple[str, str], int] = {}  # raw, 10**9 = 1
        self.ratios: dict[tuple[str, str], tuple[int, int]] = {}  # exact; wins over ``rates``
        self.known_ids: set[ClientOrderId] = set()
        self.default_account_id: AccountId | None = None
        self.instrument_accounts: dict[InstrumentId, AccountId] = {}
        self.reduce_only_leaves: dict[tuple[InstrumentId, OrderSide], int] = {}
        self.modifies_in_flight: dict[ClientOrderId, list[ModifyRequest]] = {}

    # -- setters ------------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        self.instruments[instrument.id] = instrument

    def set_price(self, instrument_id: InstrumentId, source: PriceSource, raw: int | None) -> None:
        if raw is None:
            self.prices[source].pop(instrument_id, None)
        else:
            self.prices[source][instrument_id] = raw

    def set_position(
        self, instrument_id: InstrumentId, raw: int, strategy_id: str | None = None, position_id: str | None = None
    ) -> None:
        """Set a position (see the class notes); the net position is the sum of the instrument's."""
        key = position_id if position_id is not None else strategy_id if strategy_id is not None else _ONLY
        self.positions[(instrument_id, key)] = raw
        self.net_positions[instrument_id] = sum(v for (iid, _), v in self.positions.items() if iid == instrument_id)

    def add_order(self, order: Order) -> None:
        """Remember the order and its id (not counted as open: see ``add_open_order``)."""
        self.orders[order.client_order_id] = order
        self.known_ids.add(order.client_order_id)

    def add_open_order(self, order: Order, price_raw: int | None = None) -> None:
        """Count ``order``'s leaves in the open aggregates (at its price unless ``price_raw``)."""
        self.add_order(order)
        self.open_orders_added.append(order)
        agg = self.open[order.side].setdefault(order.instrument_id, OpenOrders())
        px = order.price or order.trigger_price
        px_raw = price_raw if price_raw is not None else (px.raw if px is not None else 0)
        leaves = order.leaves_raw
        agg.count += 1
        agg.leaves_raw += leaves
        agg.notional_exact += leaves * px_raw
        if order.reduce_only:
            key = (order.instrument_id, order.side)
            self.reduce_only_leaves[key] = self.reduce_only_leaves.get(key, 0) + leaves

    # -- RiskState ----------------------------------------------------------------------------
    def reference_prices(self, source: PriceSource) -> dict[InstrumentId, int]:
        return self.prices[source]

    def open_orders(self, side: OrderSide) -> dict[InstrumentId, OpenOrders]:
        return self.open[side]

    def is_known(self, client_order_id: ClientOrderId) -> bool:
        return client_order_id in self.known_ids or client_order_id in self.orders

    def account_id_for(self, order: Order) -> AccountId | None:
        if order.account_id is not None:
            return order.account_id
        return self.instrument_accounts.get(order.instrument_id, self.default_account_id)

    def open_reduce_only_leaves_raw(self, instrument_id: InstrumentId, side: OrderSide) -> int:
        return self.reduce_only_leaves.get((instrument_id, side), 0)

    def position_raw(self, order: Order) -> int:
        key = self._position_key(order)
        return 0 if key is None else self.positions.get((order.instrument_id, key), 0)

    def other_position_leaves_raw(self, order: Order) -> tuple[int, int]:
        key = self._position_key(order)
        linked = order.init.linked_order_ids
        total = reduce_only = 0
        for other in self.open_orders_added:
            if (
                other is order
                or other.instrument_id != order.instrument_id
                or other.side is not order.side
                or other.client_order_id in linked
                or (key is not None and self._position_key(other) == key)
            ):
                continue
            leaves = other.leaves_raw
            total += leaves
            if other.reduce_only:
                reduce_only += leaves
        return total, reduce_only

    def _position_key(self, order: Order) -> str | None:
        """The key of the position ``order`` fills into (``None``: a new one)."""
        named = self.position_ids.get(order.client_order_id)
        if named is not None:
            return named
        strategy_id = order.strategy_id
        if strategy_id in self.hedging:
            return None
        if (order.instrument_id, strategy_id) not in self.positions and (order.instrument_id, _ONLY) in self.positions:
            return _ONLY
        return strategy_id

    def exchange_rate(self, from_currency: Currency, to_currency: Currency) -> tuple[int, int] | None:
        if from_currency == to_currency:
            return 1, 1
        key = (from_currency.code, to_currency.code)
        ratio = self.ratios.get(key)
        if ratio is not None:
            return ratio
        raw = self.rates.get(key)
        return None if raw is None else (raw, FIXED_SCALAR)
