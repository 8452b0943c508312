"""The smart order router seen from outside the core: plain data for the API, CLI and reports."""

from __future__ import annotations

from nautilus_platform.core.errors import NotFoundError
from nautilus_platform.routing import SmartOrderRouter
from nautilus_platform.service.node import TradingNode

_SCALE = 1_000_000_000


def _router(node: TradingNode) -> SmartOrderRouter:
    if node.router is None:
        raise NotFoundError("smart order routing is not enabled on this node")
    return node.router


def routing_decisions(node: TradingNode, limit: int = 100) -> list[dict[str, object]]:
    """The latest ``limit`` routing decisions, newest last: every venue's score and why the winner won."""
    decisions = list(_router(node).decisions)
    return [decision.as_dict() for decision in decisions[-limit:]] if limit > 0 else []


def execution_quality(node: TradingNode) -> dict[str, list[dict[str, object]]]:
    """Execution quality per venue (children) and per strategy (parents)."""
    router = _router(node)
    return {
        "venues": [row.as_dict() for row in router.venue_quality()],
        "strategies": [row.as_dict() for row in router.strategy_quality()],
    }


def parent_orders(node: TradingNode) -> list[dict[str, object]]:
    """The working routed parent orders and the last ``RouterConfig.keep_parents`` finished ones:
    status, fills, arrival mid, shortfall, retries."""
    router = _router(node)
    rows: list[dict[str, object]] = []
    for record in router.parent_records.values():
        avg = record.avg_px
        rows.append(
            {
                "parent_id": str(record.parent_id), "strategy_id": str(record.strategy_id), "group": record.group,
                "side": "BUY" if record.is_buy else "SELL", "quantity": record.qty_raw / _SCALE,
                "filled": record.filled_raw / _SCALE, "avg_px": float(avg) if avg is not None else None,
                "arrival_mid": record.arrival_mid_raw / _SCALE if record.arrival_mid_raw else None,
                "shortfall_bps": record.shortfall_bps, "status": record.status, "children": record.children,
                "retries": record.retries, "fees": {k: str(v) for k, v in record.fees_decimal().items()},
            }
        )  # fmt: skip
    return rows
