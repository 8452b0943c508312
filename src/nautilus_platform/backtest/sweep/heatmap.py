"""The metric over two parameters as a heatmap (an HTML page with a Plotly figure).

Each cell shows the best value of the objective's metric among the runs with that pair of
values (other parameters may vary); infeasible runs (constraints not met) leave a cell empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from nautilus_platform.backtest.sweep.objective import Objective
from nautilus_platform.backtest.sweep.tasks import RunRow
from nautilus_platform.core.errors import ValidationError


def heatmap_grid(
    rows: Sequence[RunRow], pair: tuple[str, str], objective: Objective
) -> tuple[list[Any], list[Any], list[list[float | None]]]:
    """``(xs, ys, z)``: sorted distinct values of each parameter and the best metric per cell (z[y][x])."""
    x_name, y_name = pair
    for name in pair:
        if not any(name in row.params for row in rows):
            raise ValidationError("heatmap", name, "is not a parameter of these runs")
    best: dict[tuple[Any, Any], float] = {}
    for row in rows:
        if x_name not in row.params or y_name not in row.params or not objective.feasible(row.metrics):
            continue
        value = objective.value(row.metrics)
        key = (row.params[x_name], row.params[y_name])
        if value is not None and (key not in best or objective.better(value, best[key])):
            best[key] = value
    xs = sorted({row.params[x_name] for row in rows if x_name in row.params}, key=_order)
    ys = sorted({row.params[y_name] for row in rows if y_name in row.params}, key=_order)
    z = [[best.get((x, y)) for x in xs] for y in ys]
    return xs, ys, z


def _order(value: Any) -> tuple[int, Any]:
    """Numbers (decimals too, and numbers read back as text) by value, anything else by its text."""
    if isinstance(value, bool):
        return (1, str(value))
    try:
        return (0, float(Decimal(str(value))))
    except (InvalidOperation, ValueError):
        return (1, str(value))


def write_heatmap(rows: Sequence[RunRow], pair: tuple[str, str], objective: Objective, path: str | Path) -> Path:
    """Write the heatmap page; returns its path."""
    xs, ys, z = heatmap_grid(rows, pair, objective)
    figure = go.Figure(
        go.Heatmap(
            x=[str(x) for x in xs],
            y=[str(y) for y in ys],
            z=z,
            colorscale="RdYlGn" if objective.maximize else "RdYlGn_r",
            colorbar={"title": objective.metric},
            hovertemplate=f"{pair[0]}=%{{x}}<br>{pair[1]}=%{{y}}<br>{objective.metric}=%{{z:.4g}}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"{objective.describe()} by {pair[0]} and {pair[1]} (best per cell)",
        xaxis_title=pair[0], yaxis_title=pair[1], template="plotly_white",
    )  # fmt: skip
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.write_html(str(out), include_plotlyjs=True, full_html=True)
    return out


__all__ = ["heatmap_grid", "write_heatmap"]
