"""The portfolio: positions and accounts, updated by fills and marked to market by prices.

``on_fill`` is the execution engine's ``FillSink``: it updates the position (netting: one per
instrument and strategy; hedging: one per opening order, or the ``position_id`` the command
named), books the fill in the account and returns the events to publish: the position event
and the account's new ``AccountState``. A position belongs to one account: ``fill_error`` refuses
a fill of another account into a position it names, and, with several accounts, into its
strategy's netting position while that is open in another account.

Account bookings per fill, in whole smallest currency units:

- margin account: ``realised P&L delta - commission`` into the base currency (converted through
  ``ExchangeRates`` when the settlement currency differs; without a rate the amount stays in
  its own currency and the account state says so);
- cash account: the cash flow (``-qty * px * multiplier`` for a buy, ``+`` for a sell, rounded
  cumulatively per position like realised P&L) into the settlement currency, the base quantity
  of a spot pair into its base currency, and the commission out of its own currency.

A fill in another currency than the account's base reads each currency's rate once; its
``AccountState`` lists them (``conversions``: the exact ratios, or none where there was no rate),
so a replay of the journal converts at the rates the fill was booked at.

Hence, per account and currency, the change in balance equals the sum of realised P&L minus
commissions (margin) or of cash flows minus commissions (cash) exactly, and a cash position
that went flat has cash flows equal to its realised P&L.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import Any, Final, cast

import msgspec

from nautilus_platform.core.arith import mul
from nautilus_platform.core.clock import Clock
from nautilus_platform.core.errors import DuplicateError, NotFoundError, ValidationError
from nautilus_platform.core.identifiers import AccountId, ClientOrderId, InstrumentId, PositionId, StrategyId, unchecked
from nautilus_platform.model.enums import AccountType, OmsType, OrderSide
from nautilus_platform.model.events import AccountState, ConversionRate, Event, OrderFilled
from nautilus_platform.model.instruments import Instrument
from nautilus_platform.model.values import Currency, Money
from nautilus_platform.trading.positions.account import SCALE18, Account, CurrencyExposure, rate_ppb, round_to_unit
from nautilus_platform.trading.positions.position import Position
from nautilus_platform.trading.positions.rates import ExchangeRates, Ratio, convert_at, lowest_terms

_BUY: Final = OrderSide.BUY
_CONVERSION_RATE_CLS: Final = ConversionRate
_REPLACE: Final = msgspec.structs.replace
_CASH: Final = AccountType.CASH
_NETTING: Final = OmsType.NETTING
_FIXED: Final = 10**9


class _Marked:
    """A position's last contribution to its account's exposure (so it can be taken back), with
    the position, its account and its instrument's figures at hand for marking."""

    __slots__ = (
        "account", "base", "equity_k", "exact_equity", "gross", "info", "k", "mark", "net", "position", "stale",
        "unrealized", "value",
    )  # fmt: skip

    def __init__(self, position: Position, account: Account, info: _InstrumentInfo) -> None:
        self.position = position
        self.account = account
        self.info = info
        # Margins are ``gross`` times the instrument's rates, so they need no fields of their own.
        self.unrealized = self.value = self.gross = self.net = 0
        self.stale = False  # marked since its figures were booked into the exposure (see ``settle``)
        # Until the position changes: net = k * mark and unrealised = k * mark + base (exact).
        self.k = self.base = 0
        self.mark = 0  # the mark at which the account's remembered equity counts this position
        # With ``exact_equity``, a mark move of d moves the account's equity by exactly
        # ``equity_k * d`` raw units (the position's value moves by a whole multiple of 10**18).
        self.exact_equity = False
        self.equity_k = 0

    def is_zero(self) -> bool:
        return not (self.unrealized or self.value or self.gross or self.net)


class _InstrumentInfo:
    __slots__ = ("is_pair", "margin_init_ppb", "margin_maint_ppb")

    def __init__(self, instrument: Instrument) -> None:
        self.is_pair = instrument.base is not None
        self.margin_init_ppb = rate_ppb(instrument.margin_init)
        self.margin_maint_ppb = rate_ppb(instrument.margin_maint)


class Portfolio:
    """Positions and accounts of one trading node."""

    def __init__(
        self,
        clock: Clock,
        rates: ExchangeRates,
        oms_type: OmsType = _NETTING,
        position_hints: Mapping[ClientOrderId, PositionId] | None = None,
    ) -> None:
        self.clock = clock
        self.rates = rates
        self.oms_type = oms_type
        self.oms_overrides: dict[StrategyId, OmsType] = {}
        self.position_hints: Mapping[ClientOrderId, PositionId] = position_hints if position_hints is not None else {}
        self.accounts: dict[AccountId, Account] = {}
        self.positions: dict[PositionId, Position] = {}
        self.closed_positions: list[Position] = []  # positions that went flat, in order, until purged
        self.purged_positions = 0
        self.net_positions: dict[InstrumentId, int] = {}  # all strategies, raw signed
        self.marks: dict[InstrumentId, int] = {}
        self._by_instrument: dict[InstrumentId, list[_Marked]] = {}  # the open positions of each instrument
        self._marked: dict[PositionId, _Marked] = {}
        self._stale: list[_Marked] = []  # see ``settle``
        self._info: dict[InstrumentId, _InstrumentInfo] = {}
        self._hedge_ids: dict[ClientOrderId, PositionId] = {}
        self._netting_ids: dict[InstrumentId, dict[StrategyId, PositionId]] = {}
        # Accounts holding another currency than their base: a rate pair's mark moves their equity,
        # so it records their high-water marks too (``_watch_rates``).
        self._rate_watchers: list[Account] = []

    # -- setup --------------------------------------------------------------------------------
    def add_account(
        self,
        account_id: AccountId,
        account_type: AccountType,
        base_currency: Currency,
        balances: Iterable[Money] = (),
    ) -> AccountState:
        """Open an account with starting balances; returns its first ``AccountState``."""
        if account_id in self.accounts:
            raise DuplicateError(f"account {account_id} already exists")
        if not isinstance(base_currency, Currency):
            raise ValidationError("base_currency", base_currency, "must be a Currency")
        start: dict[Currency, int] = {}
        for money in balances:
            if not isinstance(money, Money):
                raise ValidationError("balances", money, "must be Money")
            start[money.currency] = start.get(money.currency, 0) + money.raw
        account = Account(account_id, account_type, base_currency, self.rates, start)
        account.settle_hook = self.settle
        self.accounts[account_id] = account
        if any(currency != base_currency for currency in start):
            self._watch_rates(account)
        now = self.clock.timestamp_ns()
        return account.state(now, now, "opened")

    def account(self, account_id: AccountId) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise NotFoundError(f"unknown account {account_id}")
        return account

    def set_oms_type(self, strategy_id: StrategyId, oms_type: OmsType) -> None:
        """Netting or hedging for one strategy (the portfolio default applies otherwise)."""
        self.oms_overrides[strategy_id] = oms_type

    def purge_closed_positions(self) -> int:
        """Forget the closed positions kept in ``closed_positions`` (their events stay in the journal).

        A position still flat is also dropped from ``positions`` with its marking record and, for a
        hedging position, the memo of its opening order's id, so a hedging account that opens a new
        position per order holds only its open ones after a purge. A position id that was reopened
        since (netting) keeps its new position."""
        count = len(self.closed_positions)
        positions, marked, hedge_ids = self.positions, self._marked, self._hedge_ids
        for position in self.closed_positions:
            position_id = position.id
            if position.signed_raw or positions.get(position_id) is not position:
                continue
            del positions[position_id]
            record = marked.get(position_id)
            if record is not None and record.position is position:
                del marked[position_id]
            if hedge_ids.get(position.opening_order_id) == position_id:
                del hedge_ids[position.opening_order_id]
        self.closed_positions.clear()
        self.purged_positions += count
        return count

    def start_day(self) -> None:
        """Reset every account's daily realised P&L."""
        for account in self.accounts.values():
            account.start_day()

    # -- fills --------------------------------------------------------------------------------
    def fill_error(self, fill: OrderFilled) -> str | None:
        """Why ``fill`` cannot be booked, or ``None`` (checked before the order applies it)."""
        accounts = self.accounts
        if fill.account_id not in accounts:
            return f"fill {fill.trade_id} for unknown account {fill.account_id}"
        position_id = fill.position_id
        if position_id is None:
            position_id = self.position_hints.get(fill.client_order_id)
        if position_id is not None:
            conflict = self.position_conflict(position_id, fill.instrument_id, fill.strategy_id, fill.account_id)
            if conflict is not None:
                return f"fill {fill.trade_id}: {conflict}"
        elif len(accounts) > 1:  # one account: a netting position is always its own
            return self._netting_conflict(fill)
        return None

    def _netting_conflict(self, fill: OrderFilled) -> str | None:
        """Why ``fill`` may not book into its strategy's netting position: the position's id names
        the instrument and strategy only, so while it is open in another account, a fill of the
        same strategy and instrument from this account would book into it while the cash moved
        here (``None`` also for a hedging strategy, or a netting position that is flat: a fill then
        opens the position afresh in its own account)."""
        strategy_id = fill.strategy_id
        if self.oms_overrides.get(strategy_id, self.oms_type) is not _NETTING:
            return None
        netting = self._position_id(fill)  # the netting id, as ``on_fill`` would book the fill
        position = self.positions.get(netting)
        if position is None or not position.signed_raw or position.account_id == fill.account_id:
            return None
        return (
            f"fill {fill.trade_id}: strategy {strategy_id}'s netting position {netting} in {fill.instrument_id} is "
            f"open in account {position.account_id}, not {fill.account_id} (a netting position is one per "
            f"instrument and strategy, across accounts)"
        )

    def position_conflict(
        self,
        position_id: PositionId,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None,
    ) -> str | None:
        """Why an order or fill of ``instrument_id``/``strategy_id``/``account_id`` may not book into
        the existing position ``position_id`` (another instrument, strategy or account), or ``None``."""
        position = self.positions.get(position_id)
        if position is None:
            return None
        if position.instrument_id != instrument_id:
            return f"position {position_id} is for {position.instrument_id}, not {instrument_id}"
        if position.strategy_id != strategy_id:
            return f"position {position_id} belongs to strategy {position.strategy_id}, not {strategy_id}"
        if account_id is not None and position.account_id != account_id:
            return f"position {position_id} is in account {position.account_id}, not {account_id}"
        return None

    def on_fill(self, fill: OrderFilled, instrument: Instrument) -> list[Event]:
        """Apply a fill to its position and account; returns the position and account events."""
        account = self.accounts.get(fill.account_id)
        if account is None:
            raise NotFoundError(f"fill {fill.trade_id} for unknown account {fill.account_id}")
        iid = instrument.id
        info = self._info.get(iid)
        if info is None:
            info = self._info[iid] = _InstrumentInfo(instrument)
        position_id = self._position_id(fill)
        position = self.positions.get(position_id)
        opened = position is None or position.signed_raw == 0
        if position is None or position.signed_raw == 0:
            position = Position(
                position_id, instrument, fill.strategy_id, fill.account_id, fill.client_order_id, fill.ts_event
            )
            self.positions[position_id] = position
            marked = self._marked[position_id] = _Marked(position, account, info)
            self._by_instrument.setdefault(iid, []).append(marked)
        else:
            marked = self._marked[position_id]
        before_signed = position.signed_raw
        realized = position.apply(fill)
        self.net_positions[iid] = self.net_positions.get(iid, 0) + position.signed_raw - before_signed
        conversions = self._book(account, position, info, fill, realized)
        mark = self.marks.get(iid)
        if mark is None:
            mark = fill.last_px.raw
        self._remark(marked, mark)
        if position.signed_raw == 0:
            self.closed_positions.append(position)
            self._by_instrument[iid].remove(marked)
        account.update_peak()
        unrealized = marked.unrealized  # what ``_remark`` just computed at ``mark``
        event = position.event(fill, opened, mark, unrealized)
        state = account.state(fill.ts_event, fill.ts_init)
        if conversions is not None:  # only a fill in another currency than the base
            state = _REPLACE(state, conversions=conversions)
        return [event, state]

    def _position_id(self, fill: OrderFilled) -> PositionId:
        position_id = fill.position_id
        if position_id is not None:
            return position_id
        hinted = self.position_hints.get(fill.client_order_id)
        if hinted is not None:
            return hinted
        strategy_id = fill.strategy_id
        oms = self.oms_overrides.get(strategy_id, self.oms_type)
        if oms is _NETTING:
            instrument_id = fill.instrument_id
            by_strategy = self._netting_ids.get(instrument_id)
            if by_strategy is None:
                by_strategy = self._netting_ids[instrument_id] = {}
            netting = by_strategy.get(strategy_id)
            if netting is None:
                netting = by_strategy[strategy_id] = unchecked(PositionId, f"{instrument_id}-{strategy_id}")
            return netting
        known = self._hedge_ids.get(fill.client_order_id)
        if known is None:
            known = self._hedge_ids[fill.client_order_id] = unchecked(
                PositionId, f"{fill.instrument_id}-{fill.strategy_id}-{fill.client_order_id}"
            )
        return known

    def reducible_raw(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        position_id: PositionId | None,
        account_id: AccountId | None = None,
    ) -> int:
        """The signed quantity an order of ``strategy_id`` may reduce: the position ``position_id``
        names, else the strategy's netting position, else (hedging) the net of its positions.

        With several accounts, only what is open in ``account_id`` (the order's account; ``None``:
        any) counts: ``fill_error`` refuses the order's fills into a position of another account,
        so nothing of it is reducible by the order. With one account every position is its own."""
        several = account_id is not None and len(self.accounts) > 1
        if position_id is not None:
            named = self.positions.get(position_id)
            if named is None or (several and named.account_id != account_id):
                return 0
            return named.signed_raw
        by_strategy = self._netting_ids.get(instrument_id)
        if by_strategy is not None:
            netting = by_strategy.get(strategy_id)
            if netting is not None:
                position = self.positions.get(netting)
                if position is None or (several and position.account_id != account_id):
                    return 0
                return position.signed_raw
        marked = self._by_instrument.get(instrument_id)
        if not marked:
            return 0
        if several:
            return sum(
                m.position.signed_raw
                for m in marked
                if m.position.strategy_id == strategy_id and m.position.account_id == account_id
            )
        return sum(m.position.signed_raw for m in marked if m.position.strategy_id == strategy_id)

    def _book(
        self, account: Account, position: Position, info: _InstrumentInfo, fill: OrderFilled, realized: int
    ) -> tuple[ConversionRate, ...] | None:
        """Book ``fill`` in ``account``; returns the exchange rates an amount was converted at
        (``_book_foreign``), ``None`` when everything is in the account's base currency."""
        settle = position.settlement
        commission = fill.commission
        commission_raw = commission.raw  # each struct field read once (generic lookups when compiled)
        commission_ccy = commission.currency
        base = account.base_currency
        # ``is`` first: the same currency object is the common case, and a struct ``!=`` is a generic call
        foreign = (settle is not base and settle != base) or (
            commission_raw != 0 and commission_ccy is not base and commission_ccy != base
        )
        if account.account_type is _CASH:
            qty, px = fill.last_qty.raw, fill.last_px.raw
            flow = qty * px * position.mult
            before = round_to_unit(position.cash_exact, SCALE18, settle)
            position.cash_exact += -flow if fill.order_side is _BUY else flow
            account.book(settle, round_to_unit(position.cash_exact, SCALE18, settle) - before)
            if info.is_pair:
                pair_base = position.instrument.base
                assert pair_base is not None
                if not account.rate_watched:  # it now holds two currencies
                    self._watch_rates(account)
                units = qty * position.mult // 1_000_000_000
                account.book(pair_base, units if fill.order_side is _BUY else -units)
            account.book(commission_ccy, -commission_raw)
            if foreign:
                return self._book_foreign(account, realized, settle, commission_raw, commission_ccy, True)
        elif foreign:
            return self._book_foreign(account, realized, settle, commission_raw, commission_ccy, False)
        else:
            account.book(settle, realized)
            account.book(commission_ccy, -commission_raw)
        if commission_raw:
            account.commissions[commission_ccy] = account.commissions.get(commission_ccy, 0) + commission_raw
        net_today = realized - commission_raw  # all in the base currency
        account.realized_today_raw += net_today
        account.realized_total_raw += net_today
        return None

    def _book_foreign(
        self,
        account: Account,
        realized: int,
        settle: Currency,
        commission_raw: int,
        commission_ccy: Currency,
        cash: bool,
    ) -> tuple[ConversionRate, ...] | None:
        """The rest of ``_book`` for a fill whose P&L or commission is in another currency than the
        account's base: a margin account books them converted at the current rate (without one, in
        their own currency, listed in ``unconverted``); the daily realised P&L counts them
        converted (nothing without a rate). Each currency's rate is read once, and returned for
        the ``AccountState`` (``conversions``), so a replay converts at the same rates."""
        base = account.base_currency
        if not account.rate_watched:
            self._watch_rates(account)
        used: dict[Currency, Ratio | None] = {}
        pnl_ccy, pnl = settle, realized
        if not cash:
            if realized and settle != base:
                ratio = self._ratio(used, settle, base)
                if ratio is not None:
                    pnl_ccy, pnl = base, convert_at(realized, ratio, base)
                else:
                    account.unconverted[settle] = account.unconverted.get(settle, 0) + realized
            account.book(pnl_ccy, pnl)
            fee_ccy, fee = commission_ccy, commission_raw
            if fee and fee_ccy != base:
                ratio = self._ratio(used, fee_ccy, base)
                if ratio is not None:
                    fee_ccy, fee = base, convert_at(fee, ratio, base)
                else:
                    account.unconverted[fee_ccy] = account.unconverted.get(fee_ccy, 0) - fee
            account.book(fee_ccy, -fee)
        if commission_raw:
            account.commissions[commission_ccy] = account.commissions.get(commission_ccy, 0) + commission_raw
        net_today = self._in_base(used, base, pnl, pnl_ccy) - self._in_base(used, base, commission_raw, commission_ccy)
        account.realized_today_raw += net_today
        account.realized_total_raw += net_today
        if not used:
            return None
        return tuple(
            _CONVERSION_RATE_CLS(
                from_currency=currency, to_currency=base, ratio=None if ratio is None else lowest_terms(ratio)
            )
            for currency, ratio in used.items()
        )

    def _ratio(self, used: dict[Currency, Ratio | None], currency: Currency, base: Currency) -> Ratio | None:
        """The rate from ``currency`` to ``base``, read once per fill (``used`` keeps it)."""
        if currency in used:
            return used[currency]
        ratio = used[currency] = self.rates.ratio(currency, base)
        return ratio

    def _in_base(self, used: dict[Currency, Ratio | None], base: Currency, raw: int, currency: Currency) -> int:
        if not raw or currency == base:
            return raw
        ratio = self._ratio(used, currency, base)
        return convert_at(raw, ratio, base) if ratio is not None else 0

    def on_fill_at(self, fill: OrderFilled, instrument: Instrument, rates: ExchangeRates) -> list[Event]:
        """``on_fill`` converting at ``rates`` instead of the portfolio's own (a replay passes the
        rates its journal says the fill was converted at)."""
        own = self.rates
        self.rates = rates
        try:
            return self.on_fill(fill, instrument)
        finally:
            self.rates = own

    # -- marks --------------------------------------------------------------------------------
    def on_mark(self, instrument_id: InstrumentId, mark: Any) -> None:
        """Mark the open positions of ``instrument_id`` to ``mark`` (a raw price ``int``): the
        account's equity and high-water mark move at once, the exposures are booked when a view
        reads them (``settle``). ``Any`` keeps the caller's int object for ``marks`` (compiled, an
        ``int`` parameter would be unboxed and boxed again)."""
        self.marks[instrument_id] = mark
        mark_raw = cast(int, mark)
        markeds = self._by_instrument.get(instrument_id)
        if not markeds:
            if self._rate_watchers:
                self._rate_peaks(instrument_id, ())
            return
        for marked in markeds:
            account = marked.account
            if not marked.position.signed_raw:
                if not marked.is_zero():  # else flat and already marked flat: nothing moves
                    self._remark(marked, mark_raw)
                continue
            # The exposure is booked when a view reads it (``settle``); the remembered equity
            # moves now, exactly, when the position allows it, else it is computed afresh.
            if not marked.stale:
                marked.stale = True
                self._stale.append(marked)
            account.stale = True
            if not (marked.exact_equity and account.shift_equity(mul(marked.equity_k, mark_raw - marked.mark))):
                account.values_changed()
            marked.mark = mark_raw
        # The high-water mark sees each account once the mark has reached all its positions:
        # opposite positions in one account (hedging, or two strategies) move no equity together.
        if len(markeds) == 1:
            only = markeds[0].account
            only.update_peak()
            if self._rate_watchers:
                self._rate_peaks(instrument_id, (only,))
        else:
            accounts = dict.fromkeys(marked.account for marked in markeds)
            for account in accounts:
                account.update_peak()  # each account once, in the positions' (deterministic) order
            if self._rate_watchers:
                self._rate_peaks(instrument_id, accounts)

    def _watch_rates(self, account: Account) -> None:
        """Record ``account``'s high-water mark on every rate pair's mark from now on."""
        account.rate_watched = True
        self._rate_watchers.append(account)

    def _rate_peaks(self, instrument_id: InstrumentId, done: Container[Account]) -> None:
        """A rate pair's mark moves the equity of the accounts valued through rates, whether or not
        they hold the pair: record the high-water marks of those not ``done`` by its positions."""
        if instrument_id in self.rates.pair_ids:
            for account in self._rate_watchers:
                if account not in done:
                    account.update_peak()

    def settle(self) -> None:
        """Book the unrealised P&L, value, gross/net exposure and margins of positions marked since
        they were last booked (an account view calls it before reading them; the result equals
        marking them in full)."""
        stale = self._stale
        if not stale:
            return
        self._stale = []
        marks, marked_by_id = self.marks, self._marked
        for marked in stale:
            position = marked.position
            if marked.stale and marked_by_id.get(position.id) is marked:
                account, info = marked.account, marked.info
                mark = marks[position.instrument_id]
                net = marked.k * mark
                unrealized = net + marked.base
                if account.account_type is _CASH:
                    value = 0 if info.is_pair else net
                else:
                    value = unrealized
                exposure = account.exposure(position.settlement)
                exposure.unrealized += unrealized - marked.unrealized
                exposure.value += value - marked.value
                marked.unrealized, marked.value, marked.mark = unrealized, value, mark
                # The account's remembered equity already counts this mark: ``on_mark`` reads no
                # view (and so never settles) until it has marked every position of the instrument.
                self._book_exposure(account, position, info, marked, exposure, net)
        for account in self.accounts.values():
            account.stale = False

    def _remark(self, marked: _Marked, mark: int) -> None:
        account, position, info = marked.account, marked.position, marked.info
        settlement = position.settlement
        exposure = account.exposure(settlement)
        signed, mult = position.signed_raw, position.mult
        k = signed * mult
        net = k * mark
        # ``position.unrealized_exact(mark)``: (signed * mark - cost) * mult long, (cost + signed *
        # mark) * mult short, i.e. net minus or plus the entry cost times the multiplier.
        base = position.cost_exact * mult
        if signed > 0:
            base = -base
        elif not signed:
            base = -net  # flat: unrealised 0 (net is 0 too)
        unrealized = net + base
        cash = account.account_type is _CASH
        if cash:
            value = 0 if info.is_pair else net
        else:
            value = unrealized
        exposure.unrealized += unrealized - marked.unrealized
        exposure.value += value - marked.value
        marked.unrealized, marked.value = unrealized, value
        marked.k, marked.base, marked.mark = k, base, mark
        # Value moves by k * d per mark move d (cash pairs: not at all); equity counts value // 10**18.
        if cash and info.is_pair:
            marked.exact_equity, marked.equity_k = (
                settlement is account.base_currency or settlement == account.base_currency,
                0,
            )
        elif mult == _FIXED:  # multiplier 1: k // 10**18 is signed // 10**9, in machine words
            marked.exact_equity = signed % _FIXED == 0 and (
                settlement is account.base_currency or settlement == account.base_currency
            )
            marked.equity_k = signed // _FIXED
        else:
            marked.exact_equity = k % SCALE18 == 0 and settlement == account.base_currency
            marked.equity_k = k // SCALE18
        self._book_exposure(account, position, info, marked, exposure, net)
        account.values_changed()

    @staticmethod
    def _book_exposure(
        account: Account,
        position: Position,
        info: _InstrumentInfo,
        marked: _Marked,
        exposure: CurrencyExposure,
        net: int,
    ) -> None:
        """Move gross and net exposure and the margins of ``position`` to ``net`` (its market value)."""
        gross = net if net >= 0 else -net
        d_gross = gross - marked.gross
        exposure.gross += d_gross
        exposure.net += net - marked.net
        if d_gross and account.account_type is not _CASH:
            # Margins are gross * rate, so they move by exactly d_gross * rate (rates are in (0, 1]
            # and rounded up to whole parts per 10**9, so both moves are non-zero here).
            d_init = d_gross * info.margin_init_ppb
            d_maint = d_gross * info.margin_maint_ppb
            exposure.margin_init += d_init
            exposure.margin_maint += d_maint
            account.add_margin(position.instrument_id, position.settlement, d_init, d_maint)
        marked.gross, marked.net = gross, net
        marked.stale = False

    # -- queries ------------------------------------------------------------------------------
    def position(self, position_id: PositionId) -> Position:
        position = self.positions.get(position_id)
        if position is None:
            raise NotFoundError(f"unknown position {position_id}")
        return position

    def open_positions(
        self, instrument_id: InstrumentId | None = None, strategy_id: StrategyId | None = None
    ) -> list[Position]:
        return [
            p
            for p in self.positions.values()
            if p.signed_raw
            and (instrument_id is None or p.instrument_id == instrument_id)
            and (strategy_id is None or p.strategy_id == strategy_id)
        ]

    def net_position_raw(self, instrument_id: InstrumentId, strategy_id: StrategyId | None = None) -> int:
        """Signed net quantity of ``instrument_id`` (of one strategy, or of all), raw."""
        if strategy_id is None:
            return self.net_positions.get(instrument_id, 0)
        markeds = self._by_instrument.get(instrument_id, ())
        return sum(m.position.signed_raw for m in markeds if m.position.strategy_id == strategy_id)

    def unrealized_pnl(self, instrument_id: InstrumentId) -> Money | None:
        """Unrealised P&L of the open positions of ``instrument_id`` at the latest mark."""
        markeds = self._by_instrument.get(instrument_id)
        if not markeds:
            return None
        positions = [marked.position for marked in markeds]
        mark = self.marks.get(instrument_id)
        settle = positions[0].settlement
        exact = sum(p.unrealized_exact(mark if mark is not None else p.last_px_raw) for p in positions)
        return Money(raw=round_to_unit(exact, SCALE18, settle), currency=settle)
