"""The codec's encode hook, in its own module so the hot path (journal blocks) can compile it."""

from __future__ import annotations

from nautilus_platform.model.orders import Order


def encode_hook(obj: object) -> object:
    """Identifiers (``str`` subclasses) as plain strings, an ``Order`` as its ``OrderInitialized``.

    msgspec's hook protocol: a type the hook does not handle raises ``NotImplementedError``,
    which msgspec reports as an unsupported-type error.
    """
    if isinstance(obj, Order):
        return obj.init
    if isinstance(obj, str):
        return str(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__name__}")
