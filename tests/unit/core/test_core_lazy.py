"""LazyModule: the module is imported on the first attribute read, once, and behaves as itself."""

from __future__ import annotations

import sys

import pytest

from nautilus_platform.core.lazy import LazyModule


def test_imports_on_first_attribute_read_only() -> None:
    name = "email.mime.audio"  # stdlib, never imported by the package or pytest
    sys.modules.pop(name, None)
    lazy = LazyModule(name)
    assert name not in sys.modules
    assert "not imported yet" in repr(lazy)
    audio_class = lazy.MIMEAudio
    assert name in sys.modules
    assert audio_class is sys.modules[name].MIMEAudio
    assert "(imported)" in repr(lazy)


def test_missing_attribute_and_missing_module_raise_the_real_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = LazyModule("json").no_such_name
    broken = LazyModule("nautilus_platform.no_such_module")
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        _ = broken.anything
