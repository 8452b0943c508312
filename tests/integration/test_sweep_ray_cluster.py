"""The Ray executor joins a running cluster (``ray start --head``, token authentication on) through
the head's GCS address and through Ray Client (``ray://``), and gives the same rows as this process.

The cluster runs in its own process group, stopped by signalling that group (``ray stop`` would stop
every Ray instance on the machine, a parallel test's included); each sweep runs in a subprocess, as
a process joins one Ray cluster for its lifetime.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the ray extra is not installed")

HERE = Path(__file__).resolve().parent
RAY = Path(sys.executable).parent / "ray"
CLIENT = f"""
import json, sys
sys.path.insert(0, {str(HERE)!r})
from sweep_support import bars, settings
from nautilus_platform.service.sweep import run_sweep

def rows(report):
    return [[r.run_id, r.status, sorted(r.params.items()), sorted(r.metrics.items())] for r in report.rows]

if __name__ == "__main__":
    data = bars()
    print(json.dumps({{"ray": rows(run_sweep(settings(data, executor="ray", address=sys.argv[1]))),
                      "inline": rows(run_sweep(settings(data)))}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], int, int]]:
    env = {**os.environ, "RAY_AUTH_MODE": "token"}
    gcs, client = free_port(), free_port()
    temp = tmp_path_factory.mktemp("ray")
    head = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", f"--port={gcs}", f"--ray-client-server-port={client}", "--num-cpus=2",
         "--include-dashboard=false", f"--temp-dir={temp}", "--disable-usage-stats"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield env, gcs, client
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while head.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        head.wait(10)


@pytest.mark.parametrize("scheme", ["gcs", "client"])
def test_a_sweep_on_a_running_cluster_equals_the_local_run(
    cluster: tuple[dict[str, str], int, int], scheme: str, tmp_path: Path
) -> None:
    env, gcs, client = cluster
    address = f"127.0.0.1:{gcs}" if scheme == "gcs" else f"ray://127.0.0.1:{client}"
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    done = None
    for _ in range(5):  # the head may still be starting (slowly, on 2 cores shared with the other tests)
        done = subprocess.run(
            [sys.executable, str(script), address], env=env, capture_output=True, text=True, timeout=180
        )
        if done.returncode == 0:
            break
        time.sleep(5)
    assert done is not None and done.returncode == 0, done.stderr[-3000:] if done else ""
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ray"] == result["inline"] and len(result["ray"]) == 6
