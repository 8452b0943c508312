"""The README's usage example runs as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_runs(tmp_path: Path, capsys: object) -> None:
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert block is not None, "README.md has no python example"
    script = tmp_path / "example.py"
    script.write_text(block.group(1))
    namespace = runpy.run_path(str(script))
    node = namespace["node"]
    assert node.portfolio.net_positions  # the market buy filled and opened a position
    assert node.risk.trading_state().name == "HALTED"  # the kill switch at the end
