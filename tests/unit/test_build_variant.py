"""Guards the compiled test run: with NAUT_EXPECT_COMPILED=1 the hot path must really be compiled."""

from __future__ import annotations

import os

import pytest

from nautilus_platform.trading import execution
from nautilus_platform.trading.positions import portfolio
from nautilus_platform.venues.simulated import matching


@pytest.mark.skipif(os.environ.get("NAUT_EXPECT_COMPILED") != "1", reason="pure-Python run (make unit)")
def test_the_hot_path_is_compiled() -> None:
    for module in (execution, portfolio, matching):
        assert module.__file__ is not None and module.__file__.endswith(".so"), module.__file__
