"""A backtest on simulated columns loads neither PyArrow nor Plotly, and exporting its results still works.

PyArrow alone is about 46 MiB of resident memory, a sixth of the ``bars`` workload's budget. The
check runs in a fresh interpreter: the test process has imported both long ago.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import sys
from decimal import Decimal
from nautilus_platform.core.identifiers import InstrumentId
from nautilus_platform.data.simulator import simulate_bars
from nautilus_platform.model.data import BarSpecification
from nautilus_platform.model.enums import AccountType
from nautilus_platform.model.instruments import Equity
from nautilus_platform.model.values import USD, Money, Price, Quantity
from nautilus_platform.service.backtest import BacktestConfig, VenueSetup, run_backtest
from nautilus_platform.strategy.examples import MovingAverageCross
from nautilus_platform.venues.simulated import SimulatedVenueConfig

instrument = Equity(
    id=InstrumentId("LEAN.SIM"), price_precision=2, size_precision=0, tick_size=Price.of("0.01"),
    lot_size=Quantity.of(1), quote_currency=USD,
)
data = simulate_bars(instrument, BarSpecification.from_str("1-MINUTE-LAST"), 2_000, seed=7)
venue = VenueSetup(SimulatedVenueConfig(venue_id="SIM"), AccountType.MARGIN, USD, [Money.of(10**6, USD)])
strategy = MovingAverageCross(fast=5, slow=20, quantity=Decimal(10))
result = run_backtest(BacktestConfig(venues=[venue], instruments=[instrument], data=[data], strategies=[strategy]))
assert result.fills, "the crossover should trade on 2,000 bars"
heavy = sorted(m for m in ("pyarrow", "plotly") if m in sys.modules)
print("loaded before export:", heavy)
written = result.export(sys.argv[1], formats=("parquet",))
print("exported:", len(written), "pyarrow" in sys.modules)
"""


def test_backtest_imports_no_pyarrow_until_export(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "loaded before export: []" in done.stdout
    assert "exported: 7 True" in done.stdout
    assert (tmp_path / "fills.parquet").exists()
