"""Build the compiled (mypyc) variant of the trading core into ``build/mypyc/src``.

The hot-path modules are compiled to C extensions with mypyc (shipped with mypy); every other
module is copied as source. Importing ``nautilus_platform`` with ``PYTHONPATH=build/mypyc/src``
runs the compiled core; the sources in ``src/`` stay the single truth and are never shadowed by
build artefacts. The build is skipped when no source file changed since the last one.

Usage: ``python scripts/build_mypyc.py [--force]`` (``make compiled`` runs it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "nautilus_platform"
TARGET = ROOT / "build" / "mypyc" / "src"
STAMP = ROOT / "build" / "mypyc" / "source-hash"

#: Modules on the order/fill/risk hot path, compiled to C.
HOT_MODULES = [
    "core/arith.py",
    "core/bus.py",
    "core/clock.py",
    "model/orders.py",
    "model/order_factory.py",
    "model/packing.py",
    "trading/cache.py",
    "trading/execution.py",
    "trading/journal.py",
    "trading/oms.py",
    "trading/router.py",
    "trading/state.py",
    "trading/positions/account.py",
    "trading/positions/portfolio.py",
    "trading/positions/position.py",
    "trading/positions/rates.py",
    "trading/risk/engine.py",
    "trading/risk/throttle.py",
    "venues/simulated/book.py",
    "venues/simulated/fees.py",
    "venues/simulated/matching.py",
    "venues/simulated/venue.py",
    "service/node.py",
    "data/engine.py",
    "data/objects.py",
    "strategy/engine.py",
    "strategy/indicators.py",
    "backtest/engine.py",
    "backtest/results.py",
    "routing/book.py",
    "routing/listings.py",
    "routing/decision.py",
    "routing/router.py",
]


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".typed"):
            digest.update(str(path.relative_to(SOURCE)).encode())
            digest.update(path.read_bytes())
    digest.update(" ".join(HOT_MODULES).encode())
    # The extensions are built for this interpreter: another build of it (``make`` may pick a
    # statically linked one, ``scripts/pick_python.py``) rebuilds them.
    digest.update(f"{sys.version} {sysconfig.get_config_var('EXT_SUFFIX')}".encode())
    return digest.hexdigest()


def build(force: bool) -> None:
    wanted = source_hash()
    if not force and STAMP.exists() and STAMP.read_text() == wanted:
        print(f"compiled core is up to date ({TARGET})")
        return
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(SOURCE, TARGET / "nautilus_platform", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    modules = [f"nautilus_platform/{module}" for module in HOT_MODULES]
    env = {**os.environ, "MYPYC_OPT_LEVEL": os.environ.get("MYPYC_OPT_LEVEL", "3")}
    print(f"compiling {len(modules)} modules with mypyc into {TARGET} ...", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "mypyc", *modules],
        cwd=TARGET,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout[-8000:], file=sys.stderr)
        raise SystemExit(f"mypyc build failed with exit code {result.returncode}")
    shutil.rmtree(TARGET / "build", ignore_errors=True)
    missing = [m for m in HOT_MODULES if not list((TARGET / "nautilus_platform").glob(m.replace(".py", ".*.so")))]
    if missing:
        raise SystemExit(f"mypyc produced no extension for {missing}")
    STAMP.write_text(wanted)
    print("compiled core built", flush=True)


if __name__ == "__main__":
    build(force="--force" in sys.argv)
