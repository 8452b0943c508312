"""Router configuration checks."""

from __future__ import annotations

import pytest

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.routing import RouterConfig


def test_a_listing_cannot_be_in_two_groups() -> None:
    # a listing's fees are kept over its group's common denominator: one group per listing
    with pytest.raises(ValidationError, match="already in group one"):
        RouterConfig(groups={"one": ("BTCUSDT.A", "BTCUSDT.B"), "two": ("BTCUSDT.B", "BTCUSDT.C")})
    RouterConfig(groups={"one": ("BTCUSDT.A", "BTCUSDT.B"), "two": ("BTCUSDT.C",)})
