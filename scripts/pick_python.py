"""Print the interpreter ``make`` builds the virtual environment from.

The interpreter running this script (``python3`` by default) is the answer unless the machine
also has a *statically linked* build of the same Python version (Debian's and Ubuntu's
``/usr/bin/python3.X``, for one) that can make a virtual environment and compile extensions.
A statically linked CPython calls its own functions directly instead of through the shared
library's symbol table: on this project's benchmarks Debian's ran the same code with 5-13 %
fewer instructions than pyenv's default ``--enable-shared`` build (the README's *Performance*).

Usage: ``python3 scripts/pick_python.py`` prints one path. ``make PY=/path/to/python`` skips the
choice; an existing ``.venv`` is kept whatever this prints (``make clean`` to rebuild it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# What a candidate reports of itself: its version, whether its process maps a shared libpython,
# and whether it can build the environment (venv with pip) and compile extensions (Python.h).
PROBE = """
import json, sys, sysconfig, os
maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else "libpython"
try:
    import ensurepip, venv  # noqa: F401
    can_venv = True
except ImportError:
    can_venv = False
include = sysconfig.get_paths().get("include") or ""
print(json.dumps({
    "version": list(sys.version_info[:2]),
    "shared": "libpython" in maps,
    "venv": can_venv,
    "headers": os.path.exists(os.path.join(include, "Python.h")),
}))
"""


def probe(executable: str) -> dict[str, object] | None:
    """What ``executable`` reports of itself, or ``None`` when it does not run."""
    try:
        done = subprocess.run([executable, "-I", "-c", PROBE], capture_output=True, text=True, timeout=20, check=True)
        return dict(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def candidates(version: tuple[int, int]) -> list[str]:
    """Interpreters of ``version`` on ``PATH`` and in the usual system folders, each once."""
    name = f"python{version[0]}.{version[1]}"
    folders = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin", "/usr/local/bin"]
    found: dict[str, str] = {}
    for folder in folders:
        path = shutil.which(name, path=folder) if folder else None
        if path is not None:
            found.setdefault(str(Path(path).resolve()), path)
    return list(found.values())


def pick() -> str:
    """The statically linked interpreter of this Python version if there is a usable one, else this one."""
    own = sys.executable
    version = (sys.version_info[0], sys.version_info[1])
    mine = probe(own)
    if mine is None or not mine["shared"]:
        return own
    for path in candidates(version):
        if Path(path).resolve() == Path(own).resolve():
            continue
        facts = probe(path)
        if (
            facts is not None
            and facts["version"] == list(version)
            and not facts["shared"]
            and facts["venv"]
            and facts["headers"]
        ):
            return path
    return own


if __name__ == "__main__":
    print(pick())
