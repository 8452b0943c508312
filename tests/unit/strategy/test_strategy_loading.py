"""Strategies load by example name, import path or file path; errors say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.examples import MovingAverageCross, RsiMeanReversion
from nautilus_platform.strategy.loading import load_strategy_class


def test_by_example_name_and_import_path() -> None:
    assert load_strategy_class("ma-cross") is MovingAverageCross
    assert load_strategy_class("nautilus_platform.strategy.examples.rsi_reversion:RsiMeanReversion") is RsiMeanReversion


def test_by_file_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "from nautilus_platform.strategy import Param, Strategy\n\n"
        "class Mine(Strategy):\n    size = Param(int, 1, low=1)\n"
    )
    cls = load_strategy_class(f"{path}:Mine")
    assert cls.__name__ == "Mine" and set(cls.parameters()) == {"size"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "must be MODULE:CLASS"),
        ("no.such.module:X", "importing no.such.module failed"),
        ("nautilus_platform.strategy.examples:Nope", "is not a Strategy subclass"),
        ("nautilus_platform.core.errors:ValidationError", "is not a Strategy subclass"),
        ("missing.py:X", "does not exist"),
    ],
)
def test_errors(spec: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        load_strategy_class(spec)


def test_a_file_that_fails_to_import_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ValidationError, match="RuntimeError: boom"):
        load_strategy_class(f"{path}:X")


def test_the_base_class_itself_is_refused_and_a_wrong_name_lists_the_subclasses(tmp_path: Path) -> None:
    path = tmp_path / "two.py"
    path.write_text(
        "from nautilus_platform.strategy import Strategy\n\n"
        "class Alpha(Strategy):\n    pass\n\nclass Beta(Strategy):\n    pass\n"
    )
    # ``Strategy`` is importable from the file (it imports it) but does nothing: a backtest of it trades nothing
    with pytest.raises(ValidationError, match="is the Strategy base class itself") as info:
        load_strategy_class(f"{path}:Strategy")
    assert info.value.field == "strategy"
    with pytest.raises(ValidationError, match="is the Strategy base class itself"):
        load_strategy_class("nautilus_platform.strategy:Strategy")
    with pytest.raises(
        ValidationError, match=r"Gamma is not a Strategy subclass in .*its Strategy subclasses: Alpha, Beta"
    ):
        load_strategy_class(f"{path}:Gamma")
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    with pytest.raises(ValidationError, match="it has no Strategy subclass"):
        load_strategy_class(f"{empty}:X")
    assert load_strategy_class(f"{path}:Beta").__name__ == "Beta"


def test_a_file_with_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "typo.py"
    path.write_text("from nautilus_platform.strategy import Strategy\n\nclass Typo(Strategy)\n    pass\n")
    with pytest.raises(ValidationError, match=r"importing .*typo.py failed: SyntaxError: .*line 3"):
        load_strategy_class(f"{path}:Typo")
