"""A deterministic, single-threaded message bus.

- Pub/sub on hierarchical dotted topics (``events.order.EMA-1``); subscription patterns may use
  ``*`` (any run of characters) and ``?`` (one character).
- Point-to-point endpoints (``send``) and request/response (``request``).

Handlers run synchronously in subscription order (higher ``priority`` first, then first
subscribed), so the same sequence of publishes always produces the same sequence of calls.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from nautilus_platform.core.errors import DuplicateError, NotFoundError, ValidationError

Handler = Callable[[Any], Any]


class MessageBus:
    """Topics, endpoints and request/response, dispatched in a deterministic order."""

    def __init__(self) -> None:
        self._subscriptions: list[tuple[int, int, str, Handler]] = []
        self._seq = 0
        self._resolved: dict[str, tuple[Handler, ...]] = {}
        # The topic published last and its handlers: a replay publishes one topic object item
        # after item. Any change of the subscriptions forgets it, with ``_resolved``.
        self._last_topic: str | None = None
        self._last_handlers: tuple[Handler, ...] = ()
        self._endpoints: dict[str, Handler] = {}
        self.sent_count = 0
        self.published_count = 0

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        """Call ``handler(message)`` for every topic matching ``pattern``."""
        if not isinstance(pattern, str) or not pattern:
            raise ValidationError("pattern", pattern, "must be a non-empty string")
        if not callable(handler):
            raise ValidationError("handler", handler, "must be callable")
        if type(priority) is not int:
            raise ValidationError("priority", priority, "must be an int")
        if any(p == pattern and h == handler for _, _, p, h in self._subscriptions):
            return  # idempotent
        self._seq += 1
        self._subscriptions.append((-priority, self._seq, pattern, handler))
        self._subscriptions.sort(key=lambda s: (s[0], s[1]))
        self._resolved.clear()
        self._last_topic = None

    def unsubscribe(self, pattern: str, handler: Handler) -> None:
        before = len(self._subscriptions)
        self._subscriptions = [s for s in self._subscriptions if not (s[2] == pattern and s[3] == handler)]
        if len(self._subscriptions) == before:
            raise NotFoundError(f"no subscription of {handler!r} to {pattern!r}")
        self._resolved.clear()
        self._last_topic = None

    def has_subscribers(self, topic: str) -> bool:
        return bool(self._handlers(topic))

    def subscriptions(self, pattern: str | None = None) -> list[str]:
        """The subscribed patterns in dispatch order, optionally those matching ``pattern`` (same rules as topics)."""
        return [p for _, _, p, _ in self._subscriptions if pattern is None or topic_matches(p, pattern)]

    def publish(self, topic: str, message: Any) -> None:
        """Deliver ``message`` to every handler whose pattern matches ``topic``."""
        self.published_count += 1
        if topic is self._last_topic:
            handlers = self._last_handlers
        else:
            found = self._resolved.get(topic)
            handlers = found if found is not None else self._handlers(topic)
            self._last_topic, self._last_handlers = topic, handlers
        for handler in handlers:
            handler(message)

    def _handlers(self, topic: str) -> tuple[Handler, ...]:
        handlers = self._resolved.get(topic)
        if handlers is None:
            handlers = tuple(h for _, _, p, h in self._subscriptions if topic_matches(topic, p))
            self._resolved[topic] = handlers
        return handlers

    def register(self, endpoint: str, handler: Handler) -> None:
        """Register the single handler of a point-to-point ``endpoint``."""
        if not isinstance(endpoint, str) or not endpoint:
            raise ValidationError("endpoint", endpoint, "must be a non-empty string")
        if not callable(handler):
            raise ValidationError("handler", handler, "must be callable")
        if endpoint in self._endpoints:
            raise DuplicateError(f"endpoint {endpoint!r} is already registered")
        self._endpoints[endpoint] = handler

    def deregister(self, endpoint: str) -> None:
        if self._endpoints.pop(endpoint, None) is None:
            raise NotFoundError(f"no endpoint {endpoint!r}")

    @property
    def endpoints(self) -> list[str]:
        return sorted(self._endpoints)

    def send(self, endpoint: str, message: Any) -> None:
        """Deliver ``message`` to the endpoint's handler."""
        handler = self._endpoints.get(endpoint)
        if handler is None:
            raise NotFoundError(f"no endpoint {endpoint!r}")
        self.sent_count += 1
        handler(message)

    def request(self, endpoint: str, message: Any) -> Any:
        """Deliver ``message`` to the endpoint and return its handler's response."""
        handler = self._endpoints.get(endpoint)
        if handler is None:
            raise NotFoundError(f"no endpoint {endpoint!r}")
        self.sent_count += 1
        return handler(message)


def topic_matches(topic: str, pattern: str) -> bool:
    """Whether ``topic`` matches ``pattern``: ``*`` any run of characters, ``?`` one; nothing else is special."""
    return fnmatchcase(topic, pattern.replace("[", "[[]"))
