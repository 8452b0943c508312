"""``build_backtest(config).run()`` gives a routed run's results as ``run_backtest(config)`` does:
the parent orders, each child naming its parent, the routing decisions' count, the execution quality
and the config's notes."""

from __future__ import annotations

from test_routing_backtest import RoutedFlipper, config

from nautilus_platform.backtest.results import BacktestResult
from nautilus_platform.service.backtest import BacktestConfig, build_backtest, run_backtest


def routed_config() -> BacktestConfig:
    routed = config(RoutedFlipper("flip"))
    routed.notes = ["synthetic quotes"]
    return routed


def routed_rows(result: BacktestResult) -> tuple[object, ...]:
    return (
        result.parent_orders,
        result.routing_decisions,
        result.execution_quality,
        [(o.client_order_id, o.parent_order_id) for o in result.orders],
        result.notes,
    )


def test_a_built_backtest_run_by_hand_attributes_its_routed_children() -> None:
    built = build_backtest(routed_config()).run()
    assert built.routing_decisions >= 40
    assert built.execution_quality
    parents = {p.client_order_id for p in built.parent_orders}
    assert parents and all(cid.startswith("O-flip-") for cid in parents)
    # Every order a venue saw was a routed child: each names a parent the strategy sent, and every
    # parent that was routed has children.
    assert built.orders and all(o.parent_order_id in parents for o in built.orders)
    assert {o.parent_order_id for o in built.orders} == parents
    assert built.notes[0] == "synthetic quotes"


def test_build_and_run_gives_run_backtests_routed_results() -> None:
    built = build_backtest(routed_config()).run()
    ran = run_backtest(routed_config())
    assert routed_rows(built) == routed_rows(ran)
    assert built.orders == ran.orders
