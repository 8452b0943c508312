"""The ``fast`` workload: the compiled (Numba) fast path on the ``bars`` workload (JSON lines out).

The same data and strategy as ``benchmarks/bars.py`` (1,000,000 one-minute bars from the seeded
simulator, ``MovingAverageCross`` 10/30 buying 100, market orders at the signal bar's close, no fees,
a margin account with 10**9 USD), through ``backtest.fast`` instead of the event-driven engine:

- ``bars_per_s_warm``: bars / seconds of one 10/30 run (signals, simulation, result arrays), compiled
  kernels already loaded, best of 5;
- ``cold_s``: in a fresh subprocess with ``NUMBA_CACHE_DIR`` pointed at an empty folder: importing the
  fast path (Numba), preparing the bars (``FastBars.from_data``), JIT-compiling the kernels and the
  first run (the synthetic data is generated before the clock starts, as a file would be read);
- ``grid100_s``: 100 (fast, slow) combinations (fast 2..20 step 2 x slow 25..70 step 5) in one
  ``evaluate_grid`` call, warm, best of 3;
- ``fills`` and ``pnl`` of the 10/30 run (to compare with ``bars``), ``peak_rss_mb``, ``cores``.

``python benchmarks/fast.py [N]`` (default 1,000,000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import cores, emit, peak_rss_mb
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.loaders import LoadedData
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Price, Quantity

NAME = "fast"
CASH = Decimal(10**9)
PARAMS: dict[str, object] = {"fast": 10, "slow": 30, "quantity": Decimal(100), "threshold": 1e-6}
GRID: list[dict[str, object]] = [{"fast": f, "slow": s} for f in range(2, 21, 2) for s in range(25, 71, 5)]


def workload(n: int) -> LoadedData:
    """The ``bars`` benchmark's data."""
    instrument = Equity(
        id=InstrumentId("BENCH.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    return simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), n, seed=42, volatility=0.0005)


def cold(n: int) -> None:
    """Child process: time the first run from importing the fast path; print ``{"cold_s": ...}``."""
    data = workload(n)
    started = time.perf_counter()
    from nautilus_platform.backtest.fast import FastBars, FastConfig, fast_model_for
    from nautilus_platform.strategy.examples import MovingAverageCross

    model = fast_model_for(MovingAverageCross)
    assert model is not None
    result = model.simulate(FastBars.from_data(data), PARAMS, FastConfig(starting_cash=CASH))
    elapsed = time.perf_counter() - started
    print(json.dumps({"cold_s": elapsed, "fills": int(result.fill_ts.size)}))


def cold_seconds(n: int) -> float:
    with tempfile.TemporaryDirectory(prefix="naut-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = subprocess.run(
            [sys.executable, __file__, "--cold", str(n)], env=env, check=True, capture_output=True, text=True
        )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["cold_s"])


def main(n: int) -> None:
    from nautilus_platform.backtest.fast import FastBars, FastConfig, evaluate_grid, fast_model_for
    from nautilus_platform.strategy.examples import MovingAverageCross

    cold_s = cold_seconds(n)
    data = workload(n)
    bars = FastBars.from_data(data)
    config = FastConfig(starting_cash=CASH)
    model = fast_model_for(MovingAverageCross)
    assert model is not None
    result = model.simulate(bars, PARAMS, config)  # load the compiled kernels
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        result = model.simulate(bars, PARAMS, config)
        best = min(best, time.perf_counter() - started)
    evaluate_grid(bars, GRID[:2], config)  # load the parallel grid kernel
    grid_best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        rows = evaluate_grid(bars, GRID, config)
        grid_best = min(grid_best, time.perf_counter() - started)
    assert len(rows) == 100
    emit(NAME, "bars_per_s_warm", round(n / best), "bars/s")
    emit(NAME, "cold_s", round(cold_s, 3), "s")
    emit(NAME, "grid100_s", round(grid_best, 3), "s")
    emit(NAME, "bars", n, "bars")
    emit(NAME, "fills", int(result.fill_ts.size), "fills")
    emit(NAME, "pnl", float(result.net_pnl), "USD")
    emit(NAME, "peak_rss_mb", peak_rss_mb(), "MiB")
    emit(NAME, "cores", cores(), "cores")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--cold":
        cold(int(args[1]))
    else:
        main(int(args[0]) if args else 1_000_000)
