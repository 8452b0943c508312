"""The README's usage example runs as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_runs(tmp_path: Path, capsys: object) -> None:
    text = README.read_text()
    block = re.search(r"```python\n(.*?)```", text[text.index("## Using the trading core") :], re.S)
    assert block is not None, "README.md has no python example"
    script = tmp_path / "example.py"
    script.write_text(block.group(1))
    namespace = runpy.run_path(str(script))
    node = namespace["node"]
    assert node.portfolio.net_positions  # the market buy filled and opened a position
    assert node.risk.trading_state().name == "HALTED"  # the kill switch at the end


def test_the_readme_strategy_example_backtests() -> None:
    from backtest_support import bars, run

    text = README.read_text()
    section = text[text.index("## Writing a strategy") :]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README-strategy", "exec"), namespace)
    dip = namespace["Dip"](period=5)  # type: ignore[operator]
    result = run([dip], [bars(2_000, volatility=0.003)])
    assert not result.strategy_errors and result.fills
