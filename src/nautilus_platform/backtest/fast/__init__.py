"""Compiled (Numba) fast path for signal-based strategies on bars: one run or a whole parameter grid
in one parallel pass, with the event-driven engine's fills, fees and accounting (see ``simulator``).

Not part of the mypyc build: the kernels are compiled by Numba on first use (and cached on disk).
"""

from nautilus_platform.backtest.fast.simulator import (
    EXTRA_METRICS,
    FastBars,
    FastConfig,
    FastModel,
    FastResult,
    MovingAverageCrossModel,
    evaluate_grid,
    fast_model_for,
    prescreen,
    quantity_raw,
    register_fast_model,
    simulate,
)

__all__ = [
    "EXTRA_METRICS",
    "FastBars",
    "FastConfig",
    "FastModel",
    "FastResult",
    "MovingAverageCrossModel",
    "evaluate_grid",
    "fast_model_for",
    "prescreen",
    "quantity_raw",
    "register_fast_model",
    "simulate",
]
