"""Order summaries: the text a backtest's results hold for each order."""

from __future__ import annotations

from nautilus_platform.backtest.results import summarise_order, summarise_snapshot
from nautilus_platform.core.clock import SimulatedClock
from nautilus_platform.core.identifiers import InstrumentId, StrategyId
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.order_factory import OrderFactory
from nautilus_platform.model.values import Price, Quantity


def test_a_summary_names_side_type_and_status_and_keeps_exact_text() -> None:
    factory = OrderFactory(StrategyId("S-1"), SimulatedClock(5))
    order = factory.limit(InstrumentId("AAPL.XNAS"), OrderSide.SELL, Quantity.of(7), Price.of("101.25"))
    summary = summarise_order(order)
    assert (summary.side, summary.order_type, summary.status) == ("SELL", "LIMIT", OrderStatus.INITIALIZED.name)
    assert (summary.quantity, summary.price, summary.filled_qty, summary.avg_px) == ("7", "101.25", "0", "")
    assert (summary.strategy_id, summary.instrument_id, summary.ts_init) == ("S-1", "AAPL.XNAS", 5)
    assert summarise_snapshot(order.snapshot()) == summary
    stop = factory.stop_market(InstrumentId("AAPL.XNAS"), OrderSide.BUY, Quantity.of(1), Price.of("99.5"))
    assert (summarise_order(stop).side, summarise_order(stop).order_type) == ("BUY", "STOP_MARKET")
    assert summarise_order(stop).price == "99.5"
