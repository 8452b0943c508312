"""Enumerations of the domain model."""

from __future__ import annotations

from enum import Enum, IntEnum


class OrderSide(IntEnum):
    BUY = 1
    SELL = 2

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY

    @property
    def sign(self) -> int:
        return 1 if self is OrderSide.BUY else -1


class OrderType(IntEnum):
    MARKET = 1
    LIMIT = 2
    STOP_MARKET = 3
    STOP_LIMIT = 4
    MARKET_IF_TOUCHED = 5
    LIMIT_IF_TOUCHED = 6
    TRAILING_STOP_MARKET = 7
    TRAILING_STOP_LIMIT = 8


#: Order types that carry a limit price.
PRICED_TYPES = frozenset(
    {OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED, OrderType.TRAILING_STOP_LIMIT}
)
#: Order types that wait for a trigger price.
TRIGGERED_TYPES = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
TRAILING_TYPES = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})


class TimeInForce(IntEnum):
    GTC = 1
    IOC = 2
    FOK = 3
    GTD = 4
    DAY = 5


class OrderStatus(IntEnum):
    INITIALIZED = 1
    DENIED = 2
    SUBMITTED = 3
    ACCEPTED = 4
    REJECTED = 5
    CANCELED = 6
    EXPIRED = 7
    TRIGGERED = 8
    PENDING_UPDATE = 9
    PENDING_CANCEL = 10
    PARTIALLY_FILLED = 11
    FILLED = 12


TERMINAL_STATUSES = frozenset(
    {OrderStatus.DENIED, OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.FILLED}
)
#: Statuses of an order that is working at a venue (can fill, can be cancelled).
OPEN_STATUSES = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED,
    }
)


class TriggerType(IntEnum):
    """Which market price a stop or touched order triggers on."""

    DEFAULT = 0  # the venue's configured trigger price
    LAST = 1
    BID_ASK = 2
    MID = 3
    MARK = 4


class TrailingOffsetType(IntEnum):
    PRICE = 1
    TICKS = 2
    BASIS_POINTS = 3


class ContingencyType(IntEnum):
    NONE = 0
    OCO = 1  # one cancels the other
    OTO = 2  # one triggers the other
    OUO = 3  # one updates the other (fills reduce siblings)


class LiquiditySide(IntEnum):
    MAKER = 1
    TAKER = 2


class AggressorSide(IntEnum):
    NO_AGGRESSOR = 0
    BUYER = 1
    SELLER = 2


class PositionSide(IntEnum):
    FLAT = 0
    LONG = 1
    SHORT = 2


class OmsType(IntEnum):
    """NETTING: one position per instrument and strategy; HEDGING: one per opening order."""

    NETTING = 1
    HEDGING = 2


class AccountType(IntEnum):
    CASH = 1
    MARGIN = 2


class PriceType(IntEnum):
    BID = 1
    ASK = 2
    MID = 3
    LAST = 4


class BarAggregation(IntEnum):
    TICK = 1
    VOLUME = 2
    VALUE = 3
    SECOND = 10
    MINUTE = 11
    HOUR = 12
    DAY = 13


class BookSide(IntEnum):
    BID = 1
    ASK = 2


class BookAction(IntEnum):
    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4


class TradingState(Enum):
    """ACTIVE trades normally; REDUCING allows only exposure-reducing orders; HALTED denies all."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


class AssetClass(Enum):
    EQUITY = "EQUITY"
    FX = "FX"
    CRYPTO = "CRYPTO"
    INDEX = "INDEX"
    COMMODITY = "COMMODITY"


class DenyReason(Enum):
    """Reason codes of ``OrderDenied`` (pre-trade risk) and modify denials."""

    INSTRUMENT_UNKNOWN = "INSTRUMENT_UNKNOWN"
    INSTRUMENT_NOT_TRADABLE = "INSTRUMENT_NOT_TRADABLE"
    INVALID_ORDER = "INVALID_ORDER"
    PRICE_PRECISION = "PRICE_PRECISION"
    PRICE_INCREMENT = "PRICE_INCREMENT"
    QUANTITY_PRECISION = "QUANTITY_PRECISION"
    QUANTITY_INCREMENT = "QUANTITY_INCREMENT"
    QUANTITY_BELOW_MIN = "QUANTITY_BELOW_MIN"
    QUANTITY_ABOVE_MAX = "QUANTITY_ABOVE_MAX"
    MAX_NOTIONAL = "MAX_NOTIONAL"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    PRICE_COLLAR = "PRICE_COLLAR"
    POSITION_LIMIT = "POSITION_LIMIT"
    GROSS_EXPOSURE = "GROSS_EXPOSURE"
    NET_EXPOSURE = "NET_EXPOSURE"
    MAX_OPEN_ORDERS = "MAX_OPEN_ORDERS"
    MAX_OPEN_NOTIONAL = "MAX_OPEN_NOTIONAL"
    THROTTLED = "THROTTLED"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    REDUCE_ONLY = "REDUCE_ONLY"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    DAILY_LOSS_LIMIT = "DAILY_LOSS_LIMIT"
    MAX_DRAWDOWN = "MAX_DRAWDOWN"
    TRADING_HALTED = "TRADING_HALTED"
    TRADING_REDUCING = "TRADING_REDUCING"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_CLOSED = "ORDER_CLOSED"
    NO_VENUE = "NO_VENUE"
    NO_ACCOUNT_STATE = "NO_ACCOUNT_STATE"
