"""The ``sweep`` workload: 100 combinations of the 10/30-style SMA crossover on the ``bars`` data
(1,000,000 one-minute bars, see bars.py), every run event-driven through the trading core, on the
local process pool over memory-mapped shared data (JSON lines out).

- ``runs_per_s``: the 100 runs on every core (``wall_s`` is their total wall time).
- ``parallel_efficiency``: that rate over cores x the one-worker rate, where the one-worker rate
  is 1 / the mean time of a run on one worker over the grid's diagonal (``SERIAL_RUNS``
  combinations covering every fast and every slow period once; run time alone, so the parallel
  figure carries all the pool start-up and tail costs; a full serial pass would double the
  benchmark's time).
- ``peak_rss_mb``: the peak, over the sweep, of the proportional set size (PSS) summed over the
  parent and its workers, sampled every 100 ms: memory-mapped data shared by the workers counts
  once. ``peak_rss_sum_mb`` sums plain RSS instead (shared pages counted in every process);
  ``peak_worker_private_mb`` is the most private (unshared) memory one worker held: what an extra
  worker costs; ``shared_data_mb`` the size of the bar columns every worker maps.

``python benchmarks/sweep.py [BARS] [COMBOS]`` (defaults 1,000,000 and 100).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import compiled, cores, emit
from nautilus_platform.backtest.sweep.tasks import OK
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import VenueSetup
from nautilus_platform.service.sweep import BacktestRecipe, SweepSettings, run_sweep
from nautilus_platform.venues.simulated import SimulatedVenueConfig

NAME = "sweep"
SERIAL_RUNS = 10


def _memory_kib(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS, USS) of one process in KiB, 0 if it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0, 0
    values = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = int(rest.split()[0]) if rest.split() else 0
    return values.get("Pss", 0), values.get("Rss", 0), values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class MemorySampler(threading.Thread):
    """Samples the summed PSS and RSS of this process and its descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_pss = self.peak_rss = self.peak_worker_uss = 0
        self._halt = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._halt.is_set():
            pids, frontier = [me], [me]
            while frontier:
                frontier = [child for pid in frontier for child in _children(pid)]
                pids += frontier
            pss = rss = 0
            for pid in pids:
                p, r, u = _memory_kib(pid)
                pss, rss = pss + p, rss + r
                if pid != me:
                    self.peak_worker_uss = max(self.peak_worker_uss, u)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self._halt.wait(0.1)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def main(bars: int, combos: int) -> None:
    instrument = Equity(
        id=InstrumentId("BENCH.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
        lot_size=Quantity.of(1), quote_currency=USD,
    )  # fmt: skip
    data = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), bars, seed=42, volatility=0.0005)
    venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**9, USD)])
    recipe = BacktestRecipe("ma-cross", (venue,), (instrument,))
    side = max(1, round(combos**0.5))
    fasts = [str(5 + i) for i in range(side)]
    slows = [str(20 + 5 * i) for i in range(-(-combos // side))]
    grid = [f"fast={','.join(fasts)}", f"slow={','.join(slows)}"]
    gc.collect()

    def sweep(workers: int, grid: list[str]) -> tuple[float, list[float]]:
        settings = SweepSettings(recipe, [data], grid=grid, executor="local", workers=workers, best_report=False)
        started = time.perf_counter()
        report = run_sweep(settings)
        wall = time.perf_counter() - started
        failed = [row.error for row in report.rows if row.status != OK]
        if failed:
            raise SystemExit(f"sweep runs failed: {failed[:3]}")
        return wall, [row.wall_s for row in report.rows]

    workers = cores()
    sampler = MemorySampler()
    sampler.start()
    wall, run_walls = sweep(workers, grid)
    sampler.stop()
    runs = len(run_walls)
    # The grid's diagonal (every fast and every slow period once), each alone on one worker.
    diagonal = list(zip(fasts, slows, strict=False))[:SERIAL_RUNS]
    serial_walls = [sweep(1, [f"fast={fast}", f"slow={slow}"])[1][0] for fast, slow in diagonal]
    rate, serial_rate = runs / wall, len(serial_walls) / sum(serial_walls)
    emit(NAME, "runs_per_s", round(rate, 4), "runs/s")
    emit(NAME, "parallel_efficiency", round(rate / (workers * serial_rate), 3), "fraction")
    emit(NAME, "peak_rss_mb", round(sampler.peak_pss / 1024, 1), "MiB")
    emit(NAME, "peak_rss_sum_mb", round(sampler.peak_rss / 1024, 1), "MiB")
    emit(NAME, "peak_worker_private_mb", round(sampler.peak_worker_uss / 1024, 1), "MiB")
    emit(NAME, "shared_data_mb", round(sum(c.nbytes for c in data.columns.values()) / 2**20, 1), "MiB")
    emit(NAME, "wall_s", round(wall, 2), "s")
    emit(NAME, "runs", runs, "runs")
    emit(NAME, "bars_per_run", bars, "bars")
    emit(NAME, "serial_runs_per_s", round(serial_rate, 4), "runs/s")
    emit(NAME, "workers", workers, "processes")
    emit(NAME, "cores", cores(), "cores")
    emit(NAME, "compiled", compiled(), "bool")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
