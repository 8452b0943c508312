"""A strategy file that exits or fails while imported is a ``ValidationError`` and leaves nothing behind;
a file strategy can import a helper module sitting next to it, without that folder staying on ``sys.path``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.loading import load_strategy_class


def _leftovers() -> set[str]:
    return {name for name in sys.modules if name.startswith("naut_user_strategy_")}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import sys\nsys.exit(3)\n", r"importing .*quits\.py failed: SystemExit: 3"),
        ("import sys\nsys.exit()\n", r"importing .*quits\.py failed: SystemExit$"),
        ("class Odd(BaseException):\n    pass\n\nraise Odd('odd')\n", r"failed: Odd: odd"),
        ("raise RuntimeError('boom')\n", r"failed: RuntimeError: boom"),
        ("class Typo(\n", r"failed: SyntaxError: "),
    ],
)
def test_a_file_that_exits_or_fails_while_imported_is_a_validation_error_and_leaves_no_module(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "quits.py"
    path.write_text(body)
    before = _leftovers()
    path_before = list(sys.path)
    with pytest.raises(ValidationError, match=message) as info:
        load_strategy_class(f"{path}:X")
    assert info.value.field == "strategy"
    assert _leftovers() == before
    assert sys.path == path_before


def test_an_import_path_module_that_exits_is_a_validation_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "naut_audit9_quitter.py").write_text("raise SystemExit(2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValidationError, match="importing naut_audit9_quitter failed: SystemExit: 2"):
        load_strategy_class("naut_audit9_quitter:X")
    assert "naut_audit9_quitter" not in sys.modules


def test_keyboard_interrupt_is_not_swallowed_and_leaves_no_module(tmp_path: Path) -> None:
    path = tmp_path / "interrupted.py"
    path.write_text("raise KeyboardInterrupt\n")
    before = _leftovers()
    with pytest.raises(KeyboardInterrupt):
        load_strategy_class(f"{path}:X")
    assert _leftovers() == before


def test_a_file_strategy_imports_a_helper_next_to_it_only_while_it_is_imported(tmp_path: Path) -> None:
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "naut_audit9_helper.py").write_text("SIZE = 7\n")
    (folder / "uses_helper.py").write_text(
        "from naut_audit9_helper import SIZE\n"
        "from nautilus_platform.strategy import Param, Strategy\n\n"
        "class UsesHelper(Strategy):\n    size = Param(int, SIZE, low=1)\n"
    )
    path_before = list(sys.path)
    try:
        cls = load_strategy_class(f"{folder / 'uses_helper.py'}:UsesHelper")
        assert cls.parameters()["size"].default == 7
        # the folder was on sys.path only while the file was imported; the helper stays imported, as in Python
        assert sys.path == path_before
        assert str(folder.resolve()) not in sys.path
        assert "naut_audit9_helper" in sys.modules
    finally:
        sys.modules.pop("naut_audit9_helper", None)
