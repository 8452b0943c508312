"""MessageBus: hierarchical topics with wildcards, priority order, endpoints, request/response."""

from __future__ import annotations

from typing import Any

import pytest

from nautilus_platform.core.bus import MessageBus
from nautilus_platform.core.errors import DuplicateError, NotFoundError, ValidationError


class Sink:
    def __init__(self, name: str, log: list[tuple[str, Any]]) -> None:
        self.name = name
        self.log = log

    def __call__(self, message: Any) -> None:
        self.log.append((self.name, message))


def test_publish_reaches_exact_subscribers_only() -> None:
    bus, log = MessageBus(), []
    bus.subscribe("events.order.S-1", Sink("a", log))
    bus.subscribe("events.order.S-2", Sink("b", log))
    bus.publish("events.order.S-1", 1)
    assert log == [("a", 1)]
    assert bus.published_count == 1


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        ("events.*", "events.order.S-1", True),  # * spans dots: any run of characters
        ("events.order.*", "events.order.S-1", True),
        ("events.order.*", "events.position.S-1", False),
        ("*.S-1", "events.order.S-1", True),
        ("*", "anything.at.all", True),
        ("events.order.S-?", "events.order.S-7", True),
        ("events.order.S-?", "events.order.S-17", False),
        ("data.quotes.AAPL.XNA?", "data.quotes.AAPL.XNAS", True),
        ("events.order", "events.order.S-1", False),  # a prefix is not a match
        ("Events.*", "events.x", False),  # case-sensitive
    ],
)
def test_wildcard_patterns(pattern: str, topic: str, matches: bool) -> None:
    bus, log = MessageBus(), []
    bus.subscribe(pattern, Sink("s", log))
    bus.publish(topic, "m")
    assert (log == [("s", "m")]) is matches
    assert bus.has_subscribers(topic) is matches


def test_handlers_run_by_priority_then_subscription_order() -> None:
    bus, log = MessageBus(), []
    bus.subscribe("t.*", Sink("low-first", log), priority=-1)
    bus.subscribe("t.x", Sink("normal-1", log))
    bus.subscribe("t.*", Sink("high", log), priority=10)
    bus.subscribe("t.x", Sink("normal-2", log))
    bus.publish("t.x", 0)
    assert [name for name, _ in log] == ["high", "normal-1", "normal-2", "low-first"]


def test_subscribe_is_idempotent_for_the_same_pattern_and_handler() -> None:
    bus, log = MessageBus(), []
    sink = Sink("a", log)
    bus.subscribe("t", sink)
    bus.subscribe("t", sink)
    bus.publish("t", 1)
    assert log == [("a", 1)]
    assert bus.subscriptions() == ["t"]


def test_same_handler_on_overlapping_patterns_is_called_once_per_pattern() -> None:
    bus, log = MessageBus(), []
    sink = Sink("a", log)
    bus.subscribe("t.*", sink)
    bus.subscribe("t.x", sink)
    bus.publish("t.x", 1)
    assert log == [("a", 1), ("a", 1)]


def test_unsubscribe_stops_delivery_and_clears_the_cached_resolution() -> None:
    bus, log = MessageBus(), []
    a, b = Sink("a", log), Sink("b", log)
    bus.subscribe("t.*", a)
    bus.subscribe("t.*", b)
    bus.publish("t.x", 1)  # resolves and caches the handlers of t.x
    bus.unsubscribe("t.*", a)
    bus.publish("t.x", 2)
    assert log == [("a", 1), ("b", 1), ("b", 2)]


def test_subscribe_after_a_publish_is_seen_by_the_next_publish() -> None:
    bus, log = MessageBus(), []
    bus.publish("t.x", 1)
    bus.subscribe("t.*", Sink("late", log))
    bus.publish("t.x", 2)
    assert log == [("late", 2)]


def test_repeated_publishes_of_one_topic_object_follow_every_subscription_change() -> None:
    # The bus answers a topic object published again from its last resolution; subscribing and
    # unsubscribing (also from inside a handler) must reach the next publish.
    bus, log = MessageBus(), []
    topic = "".join(["data.", "bars"])  # one object, not an interned literal
    a, b = Sink("a", log), Sink("b", log)
    bus.subscribe("data.*", a)
    bus.publish(topic, 1)
    bus.subscribe("data.bars", b)
    bus.publish(topic, 2)
    bus.publish("data.other", 3)
    bus.publish(topic, 4)

    def leave(message: Any) -> None:
        log.append(("leave", message))
        bus.unsubscribe("data.bars", leave)
        bus.unsubscribe("data.*", a)

    bus.subscribe("data.bars", leave, priority=1)
    bus.publish(topic, 5)  # the handlers resolved before the publish all run this time
    bus.publish(topic, 6)
    assert log == [
        ("a", 1), ("a", 2), ("b", 2), ("a", 3), ("a", 4), ("b", 4), ("leave", 5), ("a", 5), ("b", 5), ("b", 6)
    ]  # fmt: skip


def test_unsubscribe_unknown_raises_not_found() -> None:
    bus = MessageBus()
    bus.subscribe("t", Sink("a", []))
    with pytest.raises(NotFoundError):
        bus.unsubscribe("t", Sink("other", []))
    with pytest.raises(NotFoundError):
        bus.unsubscribe("u", Sink("a", []))


def test_empty_pattern_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        MessageBus().subscribe("", Sink("a", []))
    assert info.value.field == "pattern"


def test_publish_without_subscribers_is_a_no_op() -> None:
    bus = MessageBus()
    bus.publish("nobody.listens", object())
    assert not bus.has_subscribers("nobody.listens")
    assert bus.published_count == 1


def test_a_handler_subscribing_during_publish_does_not_join_the_current_delivery() -> None:
    bus, log = MessageBus(), []
    late = Sink("late", log)

    def first(message: Any) -> None:
        log.append(("first", message))
        bus.subscribe("t", late)

    bus.subscribe("t", first)
    bus.publish("t", 1)
    bus.publish("t", 2)
    assert log == [("first", 1), ("first", 2), ("late", 2)]


def test_subscriptions_lists_patterns_optionally_filtered() -> None:
    bus = MessageBus()
    bus.subscribe("events.order.*", Sink("a", []))
    bus.subscribe("data.quotes.*", Sink("b", []), priority=5)
    assert bus.subscriptions() == ["data.quotes.*", "events.order.*"]  # priority order
    assert bus.subscriptions("events.*") == ["events.order.*"]


# -- point to point ------------------------------------------------------------------------


def test_register_and_send_point_to_point() -> None:
    bus, log = MessageBus(), []
    bus.register("ExecEngine.execute", Sink("exec", log))
    bus.send("ExecEngine.execute", "cmd")
    assert log == [("exec", "cmd")]
    assert bus.sent_count == 1
    assert bus.endpoints == ["ExecEngine.execute"]


def test_send_is_not_pub_sub() -> None:
    bus, log = MessageBus(), []
    bus.subscribe("*", Sink("sub", log))
    bus.register("ep", Sink("ep", log))
    bus.send("ep", 1)
    assert log == [("ep", 1)]


def test_endpoint_registration_is_unique() -> None:
    bus = MessageBus()
    bus.register("ep", Sink("a", []))
    with pytest.raises(DuplicateError):
        bus.register("ep", Sink("b", []))


def test_send_or_request_to_unknown_endpoint_raises_not_found() -> None:
    bus = MessageBus()
    with pytest.raises(NotFoundError):
        bus.send("missing", 1)
    with pytest.raises(NotFoundError):
        bus.request("missing", 1)
    assert bus.sent_count == 0


def test_deregister_removes_the_endpoint() -> None:
    bus = MessageBus()
    bus.register("ep", Sink("a", []))
    bus.deregister("ep")
    assert bus.endpoints == []
    with pytest.raises(NotFoundError):
        bus.send("ep", 1)
    with pytest.raises(NotFoundError):
        bus.deregister("ep")


def test_request_returns_the_handlers_response() -> None:
    bus = MessageBus()
    bus.register("Cache.price", lambda symbol: {"AAPL": 101}.get(symbol))
    assert bus.request("Cache.price", "AAPL") == 101
    assert bus.request("Cache.price", "MSFT") is None
    assert bus.sent_count == 2


def test_brackets_in_a_pattern_are_literal() -> None:
    from nautilus_platform.core.bus import MessageBus

    bus = MessageBus()
    seen: list[object] = []
    bus.subscribe("data.[x]", seen.append)
    bus.publish("data.x", 1)
    bus.publish("data.[x]", 2)
    assert seen == [2]
