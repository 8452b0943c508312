"""Accounts: balances per currency and what positions and open orders tie up.

Two kinds, as at a broker:

- **cash**: buying spends the settlement (quote) currency and selling returns it; a spot pair
  also moves its base currency balance. Equity is cash plus the market value of held positions
  (base currencies of pairs are already balances). Open buy orders lock their notional, open
  sells of a pair lock their base quantity.
- **margin**: fills book realised P&L; positions and open orders tie up initial margin
  (notional * the instrument's ``margin_init``; leverage is ``1 / margin_init``). Equity is cash
  plus unrealised P&L; free margin is the balance minus initial margin and unrealised losses.
  The account has one pool of margin, valued in its base currency: margin, order margin,
  unrealised losses and balances in another currency (an EUR future on a USD account) count at
  the exchange rate (``free_raw(base)``, ``locked_raw(base)``), each rounded against the account.
  An amount in a currency with no rate to the base cannot be valued: a balance then counts as
  nothing, and margin, losses or a debt stay in their own currency's row and are listed in
  ``unvalued_requirements`` (risk then denies anything that needs margin). ``AccountState`` shows
  every valued margin locked in the base currency's row (always listed for a margin account);
  another currency's row shows its own balance and locks only margin that cannot be valued. An
  account in its base currency alone pays a memoised size check for this (``_foreign_currencies``).

Amounts are raw fixed-point ints (10**9 = 1 unit) in whole smallest units of their currency.
Aggregates of positions are kept per settlement currency at scale 10**27 and are converted to
the account's base currency through ``ExchangeRates`` only when read.

Marks move what equity needs (unrealised P&L and value) at once; the portfolio brings gross and
net exposure and margins up to the latest marks when one of the views below first reads them
(``stale`` and ``settle_hook``), so a price tick costs a few exact multiplies, not the full set.
Equity is remembered between changes while every amount is in the base currency.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Final, cast

from nautilus_platform.core.arith import ceil_div, round_half_even
from nautilus_platform.core.identifiers import AccountId, InstrumentId
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.events import AccountBalance, AccountState, MarginBalance
from nautilus_platform.model.values import FIXED_SCALAR, Currency, Money
from nautilus_platform.trading.positions.rates import ExchangeRates

# Final aliases of imported classes: compiled code reads them as constants, not via the module dict.
_MONEY_CLS: Final = Money
_ACCOUNT_BALANCE_CLS: Final = AccountBalance
_ACCOUNT_STATE_CLS: Final = AccountState
_MARGIN_BALANCE_CLS: Final = MarginBalance

# Final: compiled code reads these as constants, not through the module's dict.
SCALE18: Final = FIXED_SCALAR * FIXED_SCALAR
SCALE27: Final = SCALE18 * FIXED_SCALAR
_F18: Final = 1e18
_F27: Final = 1e27
_INF: Final = float("inf")
_CASH: Final = AccountType.CASH
_BISECT_LEFT: Final = bisect_left
_FIXED_SCALAR: Final = FIXED_SCALAR


def rate_ppb(rate: Decimal) -> int:
    """A margin rate in parts per 10**9, rounded up (a margin is never understated)."""
    num, den = rate.as_integer_ratio()
    return ceil_div(num * FIXED_SCALAR, den)


_UNITS: Final[dict[Currency, int]] = {}


_ZEROS: Final[dict[Currency, Money]] = {}


def zero_of(currency: Currency) -> Money:
    """A shared zero ``Money`` of ``currency`` (immutable, so one object serves every state)."""
    zero = _ZEROS.get(currency)
    if zero is None:
        zero = _ZEROS[currency] = _MONEY_CLS(raw=0, currency=currency)
    return zero


def unit_of(currency: Currency) -> int:
    """``currency.unit_raw``, memoised (it is read on every booking)."""
    unit = _UNITS.get(currency)
    if unit is None:
        unit = _UNITS[currency] = currency.unit_raw
    return unit


class CurrencyExposure:
    """Positions of one account settled in one currency (scale 10**27; margins at 10**36)."""

    __slots__ = ("gross", "margin_init", "margin_maint", "net", "unrealized", "value")

    def __init__(self) -> None:
        self.unrealized = 0  # unrealised P&L
        self.value = 0  # what positions add to equity (cash: market value; margin: unrealised P&L)
        self.gross = 0  # sum |qty * mark * multiplier|
        self.net = 0  # sum qty * mark * multiplier
        self.margin_init = 0  # sum gross * margin_init_ppb
        self.margin_maint = 0


class AccountOrders:
    """Open orders of one account (the cache keeps it up to date): count, notional and what they
    lock, per currency."""

    __slots__ = ("buy_notional_exact", "cash", "count", "margin_exact", "notional_exact", "sell_base_exact")

    def __init__(self) -> None:
        # The account's type once bound (``None`` before): a cash account's orders lock notional
        # and base, a margin account's lock margin, so only those aggregates are kept.
        self.cash: bool | None = None
        self.count = 0
        self.notional_exact: dict[Currency, int] = {}  # sum of leaves * price * multiplier (scale 10**27)
        self.buy_notional_exact: dict[Currency, int] = {}  # the same, buy orders only
        self.sell_base_exact: dict[Currency, int] = {}  # sells of spot pairs: leaves * multiplier in base (10**27)
        self.margin_exact: dict[Currency, int] = {}  # notional * margin_init in parts per 10**9 (scale 10**36)


def order_lock(orders: AccountOrders, currency: Currency) -> int:
    """What ``orders`` lock in ``currency`` (scale 10**27): a cash account's buy notional and spot
    sells' base, a margin account's initial margin."""
    if orders.cash:
        return orders.buy_notional_exact.get(currency, 0) + orders.sell_base_exact.get(currency, 0)
    return orders.margin_exact.get(currency, 0) // _FIXED_SCALAR


class OpenOrderLocks(Mapping[Currency, int]):
    """Protocol-like base for what open orders lock per currency (scale 10**27); empty by default."""

    def __getitem__(self, currency: Currency) -> int:
        raise KeyError(currency)

    def get(self, currency: Currency, default: int | None = None) -> int:  # type: ignore[override]
        return 0 if default is None else default

    def __iter__(self) -> Iterator[Currency]:
        return iter(())

    def __len__(self) -> int:
        return 0


class OrderLocks(OpenOrderLocks):
    """What an account's open orders lock per currency (scale 10**27), read live from its
    ``AccountOrders`` (see ``order_lock``)."""

    __slots__ = ("_orders",)

    def __init__(self, orders: AccountOrders) -> None:
        self._orders = orders

    def __getitem__(self, currency: Currency) -> int:
        return order_lock(self._orders, currency)

    def get(self, currency: Currency, default: int | None = None) -> int:  # type: ignore[override]
        return order_lock(self._orders, currency)

    def _currencies(self) -> set[Currency]:
        orders = self._orders
        if orders.cash:
            return set(orders.buy_notional_exact) | set(orders.sell_base_exact)
        return set(orders.margin_exact)

    def __iter__(self) -> Iterator[Currency]:
        return iter(sorted(self._currencies(), key=lambda c: c.code))

    def __len__(self) -> int:
        return len(self._currencies())


class Account:
    """Balances and exposures of one account."""

    def __init__(
        self,
        account_id: AccountId,
        account_type: AccountType,
        base_currency: Currency,
        rates: ExchangeRates,
        balances: Mapping[Currency, int] | None = None,
    ) -> None:
        self.id = account_id
        self.account_type = account_type
        self.base_currency = base_currency
        self.rates = rates
        self.balances: dict[Currency, int] = dict(balances or {})
        self.starting_balances: dict[Currency, int] = dict(self.balances)
        self.exposures: dict[Currency, CurrencyExposure] = {}
        self.margins: dict[InstrumentId, tuple[Currency, int, int]] = {}  # instrument -> (ccy, init, maint) 10**36
        self._margin_order: list[InstrumentId] = []  # sorted keys of ``margins``
        self._margin_list: list[MarginBalance | None] = []  # in ``_margin_order``; None until built
        self._margin_dirty: list[InstrumentId] = []  # margins changed since ``_margin_list`` was built
        self._currencies: list[Currency] = []  # keys of balances and exposures, by code (see ``state``)
        self._currency_counts = (-1, -1)  # (no sizes yet: ``_state_currencies`` builds the list)
        self._balance_cache: dict[Currency, tuple[int, int, AccountBalance]] = {}  # the last state's balances
        self._margins_tuple: tuple[MarginBalance, ...] | None = ()
        self.order_locks: Mapping[Currency, int] = OpenOrderLocks()
        self.open_orders: AccountOrders | None = None  # bound to the cache's live aggregate
        self._live_locks: Mapping[Currency, int] | None = None  # ``order_locks`` while it reads ``open_orders``
        self.realized_today_raw = 0
        self.realized_total_raw = 0
        self.commissions: dict[Currency, int] = {}
        self.unconverted: dict[Currency, int] = {}  # P&L booked in its own currency for want of a rate
        self.stale = False  # marks moved positions whose gross/net/margin figures are not booked yet
        self.settle_hook: Callable[[], None] | None = None  # books them (the portfolio sets it)
        self._equity_memo = 0
        self._equity_fresh = False  # ``_equity_memo`` is the equity (cleared by every change)
        # ``_foreign_currencies``'s memo: the other currencies, and the sizes they were found at.
        self._foreign: list[Currency] = []
        self._sizes_balances = self._sizes_exposures = self._sizes_locks = 0
        self._foreign_locks: Mapping[Currency, int] | None = None
        self.peak_equity_raw = self.equity_raw
        # Whether the portfolio records this account's high-water mark on the marks of rate pairs
        # (set once it holds another currency than its base: its equity then moves with rates).
        self.rate_watched = False
        self.free = FreeBalances(self)

    def bind_open_orders(self, orders: AccountOrders) -> None:
        """Read the open orders' count, notional and locks live from ``orders`` (the cache's aggregate)."""
        orders.cash = self.account_type is _CASH
        self.open_orders = orders
        self.order_locks = self._live_locks = OrderLocks(orders)

    def _order_lock(self, currency: Currency) -> int:
        """``order_locks.get(currency, 0)``, read natively while the locks are the live view."""
        locks = self.order_locks
        orders = self.open_orders
        if orders is not None and locks is self._live_locks:
            return order_lock(orders, currency)
        return locks.get(currency, 0)

    def _order_lock_approx(self, currency: Currency) -> float:
        """``_order_lock(currency) / 10**18`` as a float, within a relative 1e-15 plus 1e-18 (the
        aggregates are read without the exact view's floor division)."""
        locks = self.order_locks
        orders = self.open_orders
        if orders is not None and locks is self._live_locks:
            if orders.cash:
                buy = orders.buy_notional_exact.get(currency, 0)
                sell = orders.sell_base_exact.get(currency, 0)
                return (float(buy) + float(sell)) / _F18
            return float(orders.margin_exact.get(currency, 0)) / _F27
        return float(locks.get(currency, 0)) / _F18

    def settle(self) -> None:
        """Bring gross/net exposure and margins up to the latest marks (views call it first)."""
        if self.stale:
            self.stale = False
            hook = self.settle_hook
            if hook is not None:
                hook()

    def values_changed(self) -> None:
        """Forget the remembered equity (the portfolio calls it after moving an exposure)."""
        self._equity_fresh = False

    def shift_equity(self, delta: int) -> bool:
        """Move the remembered equity by exactly ``delta`` raw units; ``False`` (nothing moved)
        when no equity is remembered. The caller records the high-water mark (``update_peak``)."""
        if not self._equity_fresh:
            return False
        self._equity_memo += delta
        return True

    @property
    def is_cash(self) -> bool:
        return self.account_type is _CASH

    # -- bookings -----------------------------------------------------------------------------
    def book(self, currency: Currency, raw: int) -> None:
        """Add ``raw`` (whole smallest units) to the balance of ``currency``."""
        if raw:
            self.balances[currency] = self.balances.get(currency, 0) + raw
            self._equity_fresh = False

    def exposure(self, currency: Currency) -> CurrencyExposure:
        exposure = self.exposures.get(currency)
        if exposure is None:
            exposure = self.exposures[currency] = CurrencyExposure()
        return exposure

    def set_margin(self, instrument_id: InstrumentId, currency: Currency, init: int, maint: int) -> None:
        """Record the margins of ``instrument_id`` (scale 10**36); zero margins remove the entry."""
        margins = self.margins
        order = self._margin_order
        if init or maint:
            if instrument_id not in margins:
                index = _BISECT_LEFT(order, instrument_id)
                order.insert(index, instrument_id)
                self._margin_list.insert(index, None)
            margins[instrument_id] = (currency, init, maint)
            self._margin_dirty.append(instrument_id)
        elif margins.pop(instrument_id, None) is None:
            return
        else:
            index = _BISECT_LEFT(order, instrument_id)
            del order[index]
            del self._margin_list[index]
        self._margins_tuple = None

    def add_margin(self, instrument_id: InstrumentId, currency: Currency, d_init: int, d_maint: int) -> None:
        """Move the margins of ``instrument_id`` by ``d_init`` and ``d_maint`` (scale 10**36)."""
        margin = self.margins.get(instrument_id)
        if margin is None:
            self.set_margin(instrument_id, currency, d_init, d_maint)
            return
        init, maint = margin[1] + d_init, margin[2] + d_maint
        if not (init or maint):
            self.set_margin(instrument_id, currency, 0, 0)
            return
        self.margins[instrument_id] = (currency, init, maint)  # already listed in ``_margin_order``
        self._margin_dirty.append(instrument_id)
        self._margins_tuple = None

    def margin_balances(self) -> tuple[MarginBalance, ...]:
        """Initial and maintenance margin per instrument, ordered by instrument id."""
        self.settle()
        cached = self._margins_tuple
        if cached is not None:
            return cached
        built = self._margin_list
        dirty = self._margin_dirty
        if dirty:  # only the instruments whose margins moved are built again
            order, margins = self._margin_order, self.margins
            for iid in dirty:
                entry = margins.get(iid)
                if entry is not None:  # else removed since
                    currency, init, maint = entry
                    initial = _money_up(init, currency)  # equal rates (the default) give equal margins
                    maintenance = initial if maint == init else _money_up(maint, currency)
                    built[_BISECT_LEFT(order, iid)] = _MARGIN_BALANCE_CLS(
                        instrument_id=iid, initial=initial, maintenance=maintenance
                    )
            dirty.clear()
        self._margins_tuple = cached = tuple(cast(list[MarginBalance], built))
        return cached

    def start_day(self) -> None:
        """Reset the daily realised P&L (call at the trading day's start)."""
        self.realized_today_raw = 0

    # -- views in the base currency -----------------------------------------------------------
    def _to_base(self, exact: int, currency: Currency) -> int:
        """An exact amount (scale 10**27) as raw base currency, floored; unconvertible counts 0."""
        if currency is not self.base_currency and currency != self.base_currency:
            converted = self.rates.convert_exact(exact, currency, self.base_currency)
            if converted is None:
                return 0
            exact = converted
        return exact // SCALE18

    def _balance_in_base(self, currency: Currency, raw: int) -> int:
        if currency is self.base_currency or currency == self.base_currency:
            return raw
        converted = self.rates.convert_exact(raw, currency, self.base_currency)
        return converted if converted is not None else 0

    @property
    def equity_raw(self) -> int:
        """Balances plus what positions add (market value in cash accounts, else unrealised P&L)."""
        if self._equity_fresh:
            return self._equity_memo
        self.settle()  # positions marked since their exposure was booked
        total = 0
        base = self.base_currency
        in_base = True  # only then is the figure independent of exchange rates, and remembered
        for currency, raw in self.balances.items():
            if currency is base:
                total += raw
            else:
                total += self._balance_in_base(currency, raw)
                in_base = False
        for currency, exposure in self.exposures.items():
            if currency is base:
                total += exposure.value // SCALE18
            else:
                total += self._to_base(exposure.value, currency)
                in_base = False
        if in_base:
            self._equity_memo = total
            self._equity_fresh = True
        return total

    @property
    def unvalued(self) -> list[Currency]:
        """Currencies held (or exposed to) that have no rate to the base currency right now.

        Base-currency views (equity, exposures, open notional) count them as zero until a rate is
        known: check this list before trusting those figures in a multi-currency account.
        """
        self.settle()
        base = self.base_currency
        held = {c for c, raw in self.balances.items() if raw} | {
            c for c, e in self.exposures.items() if e.value or e.gross
        }
        return sorted((c for c in held if c != base and self.rates.ratio(c, base) is None), key=_code)

    def update_peak(self) -> int:
        """Record the equity high-water mark; returns the current equity."""
        equity = self.equity_raw
        if equity > self.peak_equity_raw:
            self.peak_equity_raw = equity
        return equity

    @property
    def realized_pnl_today_raw(self) -> int:
        return self.realized_today_raw

    @property
    def gross_exposure_raw(self) -> int:
        self.settle()
        total = 0
        base = self.base_currency
        for currency, exposure in self.exposures.items():
            total += exposure.gross // SCALE18 if currency is base else self._to_base(exposure.gross, currency)
        return total

    @property
    def net_exposure_raw(self) -> int:
        self.settle()
        total = 0
        base = self.base_currency
        for currency, exposure in self.exposures.items():
            total += exposure.net // SCALE18 if currency is base else self._to_base(exposure.net, currency)
        return total

    @property
    def open_order_count(self) -> int:
        return self.open_orders.count if self.open_orders is not None else 0

    @property
    def open_notional_raw(self) -> int:
        """Notional of the open orders in the base currency (leaves * price * multiplier)."""
        if self.open_orders is None:
            return 0
        total = 0
        base = self.base_currency
        for currency, exact in self.open_orders.notional_exact.items():
            total += exact // SCALE18 if currency is base else self._to_base(exact, currency)
        return total

    def free_raw(self, currency: Currency) -> int:
        """Free to trade in ``currency``: balance less order locks; margin accounts also less initial
        margin and unrealised *losses* (unrealised gains are not lent against).

        A margin account's free margin is one figure in its base currency: ``free_raw(base)``
        counts the other currencies' balances, margins and losses at the exchange rate (see the
        module notes). Another currency's figure is its own balance, less only what cannot be
        valued in the base currency for want of a rate."""
        self.settle()
        if self.account_type is _CASH:
            balance = self.balances.get(currency, 0)
            locks = self._order_lock(currency)
            if locks:
                balance -= -(-locks // SCALE18)
            return balance
        base = self.base_currency
        if currency is not base and currency != base:
            return self._row_free(currency)
        balance = self.balances.get(currency, 0)
        locks = self._order_lock(currency)
        if locks:
            balance -= -(-locks // SCALE18)
        exposure = self.exposures.get(currency)
        if exposure is not None:
            unrealized = exposure.unrealized
            if unrealized < 0:
                balance += unrealized // SCALE18
            balance -= -(-exposure.margin_init // SCALE27)
        if self._foreign_currencies():  # an account in its base currency alone stops here
            value, locked = self._foreign_in_base()
            balance += value - locked
        return balance

    def locked_raw(self, currency: Currency) -> int:
        """Tied up in ``currency``: order locks, and initial margin of positions in margin accounts.

        A margin account locks every margin in its base currency, other currencies' at the
        exchange rate (rounded up); another currency's row locks only the margin that cannot be
        valued in the base currency for want of a rate."""
        self.settle()
        if self.account_type is not _CASH:
            base = self.base_currency
            if currency is not base and currency != base:
                return self._row_locked(currency)
        locks = self._order_lock(currency)
        locked = -(-locks // SCALE18) if locks else 0
        if self.account_type is not _CASH:
            exposure = self.exposures.get(currency)
            if exposure is not None and exposure.margin_init:
                locked += -(-exposure.margin_init // SCALE27)
            if self._foreign_currencies():
                locked += self._foreign_in_base()[1]
        return locked

    # -- a margin account's other currencies (see the module notes) ---------------------------
    def _foreign_currencies(self) -> list[Currency]:
        """The currencies other than the base among the balances, exposures and open-order margin
        of a margin account, by code. Keys are only ever added to those, so the list is found
        again only when one of them grows (or the order locks are replaced)."""
        locks = self.order_locks
        orders = self.open_orders
        live = orders is not None and locks is self._live_locks
        n_locks = len(orders.margin_exact) if orders is not None and live else len(locks)  # a dict's natively
        n_balances, n_exposures = len(self.balances), len(self.exposures)
        if (
            n_balances != self._sizes_balances
            or n_exposures != self._sizes_exposures
            or n_locks != self._sizes_locks
            or locks is not self._foreign_locks
        ):
            base = self.base_currency
            keys: set[Currency] = set(self.balances) | set(self.exposures)
            keys.update(orders.margin_exact if orders is not None and live else locks)
            self._foreign = sorted((c for c in keys if c != base), key=_code)
            self._sizes_balances, self._sizes_exposures, self._sizes_locks = n_balances, n_exposures, n_locks
            self._foreign_locks = locks
        return self._foreign

    def _terms(self, currency: Currency) -> tuple[int, int, int, int]:
        """What ``currency`` adds to or takes from a margin account's free margin, in that
        currency: ``(balance raw, order margin at 10**27, unrealised loss at 10**27 (<= 0),
        initial margin at 10**36)``."""
        exposure = self.exposures.get(currency)
        loss = margin = 0
        if exposure is not None:
            unrealized = exposure.unrealized
            if unrealized < 0:
                loss = unrealized
            margin = exposure.margin_init
        return self.balances.get(currency, 0), self._order_lock(currency), loss, margin

    def _foreign_in_base(self) -> tuple[int, int]:
        """``(balances + unrealised losses, order and position margin)`` of the other currencies in
        raw base units at the current rates, each amount rounded against the account; the
        currencies without a rate are left out (``unvalued_requirements`` names those that owe)."""
        base, rates = self.base_currency, self.rates
        value = locked = 0
        for currency in self._foreign_currencies():
            balance, locks, loss, margin = self._terms(currency)
            if not (balance or locks or loss or margin):
                continue
            ratio = rates.ratio(currency, base)
            if ratio is None:
                continue
            num, den = ratio
            value += balance * num // den + loss * num // (den * SCALE18)
            locked += -(-locks * num // (den * SCALE18)) - (margin * num // -(den * SCALE27))
        return value, locked

    def _row_locked(self, currency: Currency) -> int:
        """A margin account's lock in a currency other than its base: the margin that cannot be
        valued in the base currency (no rate), else nothing."""
        _, locks, _, margin = self._terms(currency)
        if not (locks or margin) or self.rates.ratio(currency, self.base_currency) is not None:
            return 0
        return -(-locks // SCALE18) - (margin // -SCALE27)

    def _row_free(self, currency: Currency) -> int:
        """A margin account's free figure in a currency other than its base: the balance, less
        the margin and losses that cannot be valued in the base currency (no rate)."""
        balance, locks, loss, margin = self._terms(currency)
        if not (locks or loss or margin) or self.rates.ratio(currency, self.base_currency) is not None:
            return balance
        return balance + loss // SCALE18 + (locks // -SCALE18) + (margin // -SCALE27)

    @property
    def unvalued_requirements(self) -> list[Currency]:
        """Currencies in which a margin account owes margin, unrealised losses or a negative balance
        that cannot be valued in its base currency right now (no exchange rate), by code: its free
        margin is then unknown, and risk denies every order that needs margin until a rate is
        known. Always empty for a cash account and for an account in its base currency alone."""
        if self.account_type is _CASH:
            return []
        self.settle()
        base, rates = self.base_currency, self.rates
        unvalued = []
        for currency in self._foreign_currencies():
            balance, locks, loss, margin = self._terms(currency)
            if (balance < 0 or locks or loss or margin) and rates.ratio(currency, base) is None:
                unvalued.append(currency)
        return unvalued

    def has_foreign_margin(self) -> bool:
        """Whether a margin account's free margin counts an amount in another currency than its
        base right now (the float screens then leave the decision to the exact figures)."""
        if self.account_type is _CASH:
            return False
        for currency in self._foreign_currencies():
            balance, locks, loss, margin = self._terms(currency)
            if balance or locks or loss or margin:
                return True
        return False

    # -- float bounds (the risk engine's screens; the exact views above decide near a limit) ----
    # Each figure is the exact view's real-valued counterpart within a few float roundings
    # (relative error below 1e-15). They raise ``OverflowError`` for amounts beyond the float range.
    def approx_open_notional(self) -> float:
        """``open_notional_raw`` as a float; ``inf`` when an amount is not in the base currency or negative."""
        orders = self.open_orders
        if orders is None:
            return 0.0
        base = self.base_currency
        total = 0.0
        for currency, exact in orders.notional_exact.items():
            if exact:
                if exact < 0 or (currency is not base and currency != base):
                    return _INF
                total += float(exact)
        return total / _F18

    def approx_gross_exposure(self) -> float:
        """``gross_exposure_raw`` as a float; ``inf`` when an exposure is not in the base currency."""
        return self._approx_exposure(net=False)

    def approx_net_exposure(self) -> float:
        """``net_exposure_raw`` as a float (it can be 1 below: the view floors); ``inf`` when an
        exposure is not in the base currency."""
        return self._approx_exposure(net=True)

    def _approx_exposure(self, net: bool) -> float:
        self.settle()
        base = self.base_currency
        total = 0.0
        for currency, exposure in self.exposures.items():
            amount = exposure.net if net else exposure.gross
            if amount:
                if currency is not base and currency != base:
                    return _INF
                total += float(amount)
        return total / _F18

    def approx_free_floor(self, currency: Currency) -> float:
        """A lower bound of ``free_raw(currency)``: the float sum of its terms, less 4 raw units
        (the view's three roundings) and a relative 1e-12 of the amounts (the float roundings).
        ``-inf`` for a margin account whose free margin counts other currencies (or for another
        currency than its base): the exact figures decide those."""
        self.settle()
        if self.account_type is not _CASH:
            base = self.base_currency
            if (currency is not base and currency != base) or (
                self._foreign_currencies() and self.has_foreign_margin()
            ):
                return -_INF
        free = float(self.balances.get(currency, 0))
        size = free if free >= 0.0 else -free
        locked = self._order_lock_approx(currency)
        if locked:
            free -= locked
            size += locked if locked >= 0.0 else -locked
        if self.account_type is not _CASH:
            exposure = self.exposures.get(currency)
            if exposure is not None:
                unrealized = exposure.unrealized
                if unrealized < 0:
                    loss = float(unrealized) / _F18
                    free += loss
                    size -= loss
                margin = float(exposure.margin_init) / _F27
                free -= margin
                size += margin if margin >= 0.0 else -margin
        return free - size * 1e-12 - 4.0

    # -- events -------------------------------------------------------------------------------
    def state(self, ts_event: int, ts_init: int, reason: str = "") -> AccountState:
        """An ``AccountState`` with every balance (total, locked, free) and, for margin, the margins."""
        self.settle()
        balances = []
        cache = self._balance_cache
        for currency in self._state_currencies():
            total = self.balances.get(currency, 0)
            unit = unit_of(currency)
            locked = ceil_div(self.locked_raw(currency), unit) * unit
            cached = cache.get(currency)
            if cached is not None and cached[0] == total and cached[1] == locked:
                balances.append(cached[2])  # unchanged: the same immutable balance
                continue
            total_money = _MONEY_CLS(raw=total, currency=currency)
            if locked:
                locked_money = _MONEY_CLS(raw=locked, currency=currency)
                free_money = _MONEY_CLS(raw=total - locked, currency=currency)
            else:
                locked_money = zero_of(currency)
                free_money = total_money
            balance = _ACCOUNT_BALANCE_CLS(currency=currency, total=total_money, locked=locked_money, free=free_money)
            cache[currency] = (total, locked, balance)
            balances.append(balance)
        margins = self.margin_balances() if self.margins else ()
        return _ACCOUNT_STATE_CLS(
            ts_event=ts_event,
            ts_init=ts_init,
            account_id=self.id,
            account_type=self.account_type,
            base_currency=self.base_currency,
            balances=tuple(balances),
            margins=margins,
            reason=reason,
        )

    def _state_currencies(self) -> list[Currency]:
        """The currencies of ``balances`` and ``exposures`` by code, and a margin account's base
        currency (where its margin is locked); keys are only ever added to either, so the list is
        rebuilt when one of them grows."""
        counts = len(self.balances), len(self.exposures)
        if counts != self._currency_counts:
            keys = self.balances.keys() | self.exposures.keys()
            if self.account_type is not _CASH:
                keys.add(self.base_currency)
            self._currencies = sorted(keys, key=_code)
            self._currency_counts = counts
        return self._currencies

    def balance(self, currency: Currency) -> Money:
        return _MONEY_CLS(raw=self.balances.get(currency, 0), currency=currency)

    def __repr__(self) -> str:
        parts = ", ".join(str(self.balance(c)) for c in sorted(self.balances, key=lambda c: c.code))
        return f"Account({self.id} {self.account_type.name} [{parts}])"


def _code(currency: Currency) -> str:
    return currency.code


_UP36: Final[dict[Currency, tuple[int, int]]] = {}  # currency -> (10**27 * unit, unit)


def _money_up(exact36: int, currency: Currency) -> Money:
    """An amount at scale 10**36 as ``Money``, rounded up to the smallest unit."""
    scaled = _UP36.get(currency)
    if scaled is None:
        unit = unit_of(currency)
        scaled = _UP36[currency] = (SCALE27 * unit, unit)
    den, unit = scaled
    return _MONEY_CLS(raw=-(-exact36 // den) * unit, currency=currency)


_REGISTRY: Final = Currency._registry  # code -> Currency (the registry the model keeps)


class FreeBalances(Mapping[str, int]):
    """Live ``currency code -> free raw`` view of an account (what the risk engine reads)."""

    __slots__ = ("_account",)

    def __init__(self, account: Account) -> None:
        self._account = account

    def __getitem__(self, code: str) -> int:
        return self._account.free_raw(Currency.from_str(code))

    def get(self, code: str, default: int | None = None) -> int:  # type: ignore[override]
        currency = _REGISTRY.get(code)
        if currency is None:
            return default if default is not None else 0
        return self._account.free_raw(currency)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({c.code for c in self._account.balances} | {c.code for c in self._account.exposures}))

    def __len__(self) -> int:
        return len(set(self._account.balances) | set(self._account.exposures))


def round_to_unit(exact: int, scale: int, currency: Currency) -> int:
    """Round an exact amount at ``scale`` to raw whole smallest units of ``currency`` (half-even)."""
    unit = unit_of(currency)
    return round_half_even(exact, scale * unit) * unit
