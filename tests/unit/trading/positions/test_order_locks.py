"""What open orders lock in an account: the live view over the cache's aggregate and the reads
the balance views and the risk engine's float bound make of it."""

from __future__ import annotations

from nautilus_platform.core.identifiers import AccountId
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.values import EUR, USD
from nautilus_platform.trading.positions.account import Account, AccountOrders, OrderLocks
from nautilus_platform.trading.positions.rates import ExchangeRates

B = 10**9
S18 = 10**18
SLACK = 6  # the float bound's margin: 4 raw units plus 1e-12 of the amounts (about 1 here)


def _account(account_type: AccountType) -> tuple[Account, AccountOrders]:
    account = Account(AccountId("SIM-001"), account_type, USD, ExchangeRates({}), {USD: 1_000 * B})
    orders = AccountOrders()
    account.bind_open_orders(orders)
    return account, orders


def test_a_cash_account_locks_its_buy_notional_and_spot_sells_base_live() -> None:
    account, orders = _account(AccountType.CASH)
    assert orders.cash is True and isinstance(account.order_locks, OrderLocks)
    assert account.locked_raw(USD) == 0 and dict(account.order_locks) == {}
    orders.buy_notional_exact[USD] = 250 * B * S18 + 1  # 250.000000001 raw units and a fraction
    orders.sell_base_exact[EUR] = 3 * B * S18
    assert account.order_locks[USD] == 250 * B * S18 + 1 and account.order_locks.get(EUR) == 3 * B * S18
    assert list(account.order_locks) == [EUR, USD] and len(account.order_locks) == 2
    assert account.locked_raw(USD) == 250 * B + 1  # rounded up: a lock is never understated
    assert account.free_raw(USD) == 750 * B - 1
    assert account.free_raw(USD) - SLACK < account.approx_free_floor(USD) <= account.free_raw(USD)


def test_a_margin_account_locks_the_initial_margin_of_its_orders() -> None:
    account, orders = _account(AccountType.MARGIN)
    assert orders.cash is False
    orders.margin_exact[USD] = 40 * B * S18 * B + 7  # scale 10**36, a fraction below 10**27
    assert account.order_locks[USD] == 40 * B * S18  # the view floors to 10**27 first
    assert account.locked_raw(USD) == 40 * B and account.free_raw(USD) == 960 * B
    assert account.free_raw(USD) - SLACK < account.approx_free_floor(USD) <= account.free_raw(USD)
    orders.margin_exact[USD] = 0
    assert account.free_raw(USD) == 1_000 * B


def test_locks_set_by_hand_replace_the_bound_view() -> None:
    account, orders = _account(AccountType.CASH)
    orders.buy_notional_exact[USD] = 100 * B * S18
    account.order_locks = {USD: 10 * B * S18}  # e.g. a test or an external view
    assert account.locked_raw(USD) == 10 * B and account.free_raw(USD) == 990 * B
    assert account.free_raw(USD) - SLACK < account.approx_free_floor(USD) <= account.free_raw(USD)
