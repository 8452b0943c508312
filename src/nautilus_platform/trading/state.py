"""``CoreRiskState``: the pre-trade risk engine's view over the cache and the portfolio.

Every mapping handed out is one of the cache's or portfolio's own live dicts, so the risk
engine reads current values in O(1) without copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from nautilus_platform.core.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    VenueId,
    unchecked,
)
from nautilus_platform.model.enums import OmsType, OrderSide
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.orders import Order
from nautilus_platform.model.values import Currency
from nautilus_platform.trading.cache import Cache, SideAggregate
from nautilus_platform.trading.positions import Account, Portfolio
from nautilus_platform.trading.risk.state import AccountView, ModifyRequest, PriceSource

_BUY: Final = OrderSide.BUY
_NETTING: Final = OmsType.NETTING


class CoreRiskState:
    """``RiskState`` over the trading core's cache and portfolio."""

    def __init__(self, cache: Cache, portfolio: Portfolio) -> None:
        self.cache = cache
        self.portfolio = portfolio
        self.venue_accounts: dict[VenueId, AccountId] = {}
        self._instrument_accounts: dict[InstrumentId, AccountId | None] = {}
        self._accounts: dict[AccountId, AccountView] = {}
        self._netting_ids: dict[tuple[InstrumentId, StrategyId], PositionId] = {}
        self._prices: dict[PriceSource, dict[InstrumentId, int]] = {
            PriceSource.LAST: cache.last_raw,
            PriceSource.MID: cache.mid_raw,
            PriceSource.MARK: portfolio.marks,
        }

    def bind_account(self, account: Account, venue_id: VenueId) -> None:
        """Make ``account`` (trading at ``venue_id``) visible to risk, with its open-order aggregate."""
        account.bind_open_orders(self.cache.account_orders(account.id))
        self._accounts[account.id] = account
        self.venue_accounts[venue_id] = account.id
        self._instrument_accounts.clear()

    # -- RiskState ----------------------------------------------------------------------------
    @property
    def instruments(self) -> dict[InstrumentId, Instrument]:
        return self.cache.instruments

    @property
    def orders(self) -> dict[ClientOrderId, Order]:
        return self.cache.orders

    @property
    def net_positions(self) -> dict[InstrumentId, int]:
        return self.portfolio.net_positions

    @property
    def accounts(self) -> dict[AccountId, AccountView]:
        return self._accounts

    def reference_prices(self, source: PriceSource) -> dict[InstrumentId, int]:
        return self._prices[source]

    def open_orders(self, side: OrderSide) -> Mapping[InstrumentId, SideAggregate]:
        return self.cache.side_aggregates(side)

    def is_known(self, client_order_id: ClientOrderId) -> bool:
        return self.cache.is_known(client_order_id)

    def account_id_for(self, order: Order) -> AccountId | None:
        if order.account_id is not None:
            return order.account_id
        venue = self.cache.order_venue.get(order.client_order_id)
        if venue is not None:
            return self.venue_accounts.get(venue)
        iid = order.instrument_id
        try:
            return self._instrument_accounts[iid]
        except KeyError:
            account = self._instrument_accounts[iid] = self.venue_accounts.get(iid.venue)
            return account

    def open_reduce_only_leaves_raw(self, instrument_id: InstrumentId, side: OrderSide) -> int:
        aggregate = self.cache.side_aggregates(side).get(instrument_id)
        return aggregate.reduce_only_leaves_raw if aggregate is not None else 0

    def exchange_rate(self, from_currency: Currency, to_currency: Currency) -> tuple[int, int] | None:
        return self.portfolio.rates.ratio(from_currency, to_currency)

    @property
    def modifies_in_flight(self) -> dict[ClientOrderId, list[ModifyRequest]]:
        return self.cache.modifies_in_flight

    def position_raw(self, order: Order) -> int:
        position_id = self._position_id(order)
        if position_id is None:
            return 0
        portfolio = self.portfolio
        position = portfolio.positions.get(position_id)
        if position is None:
            return 0
        if len(portfolio.accounts) > 1 and position.account_id != self.account_id_for(order):
            return 0  # another account's position: the portfolio refuses this order's fills into it
        return position.signed_raw

    def other_position_leaves_raw(self, order: Order) -> tuple[int, int]:
        position_id = self._position_id(order)
        side = order.side
        linked = order.init.linked_order_ids
        total = reduce_only = 0
        for other in self.cache.orders_open(order.instrument_id):
            if (
                other is order
                or other.side is not side
                or other.client_order_id in linked
                or (position_id is not None and self._position_id(other) == position_id)
            ):
                continue
            leaves = other.leaves_raw
            total += leaves
            if other.reduce_only:
                reduce_only += leaves
        return total, reduce_only

    def _position_id(self, order: Order) -> PositionId | None:
        """The position ``order``'s fills go to, as the portfolio picks it for a fill (see
        ``Portfolio._position_id``): the command's ``position_id``; else, netting, the strategy's
        position ``INSTRUMENT-STRATEGY``; else (hedging) a new position, ``None``. A hedging
        order's own earlier fills are on its side, so they are never reducible: ``None`` too. The
        id does not name the account: ``position_raw`` reads a position of another account as 0."""
        named = self.cache.position_hints.get(order.client_order_id)
        if named is not None:
            return named
        portfolio = self.portfolio
        strategy_id = order.strategy_id
        if portfolio.oms_overrides.get(strategy_id, portfolio.oms_type) is not _NETTING:
            return None
        key = (order.instrument_id, strategy_id)
        position_id = self._netting_ids.get(key)
        if position_id is None:
            position_id = self._netting_ids[key] = unchecked(PositionId, f"{key[0]}-{strategy_id}")
        return position_id
