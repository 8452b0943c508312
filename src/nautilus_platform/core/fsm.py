"""A transition-table state machine helper."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

from nautilus_platform.core.errors import InvalidStateTransition

S = TypeVar("S", bound=Hashable)
T = TypeVar("T", bound=Hashable)


class TransitionTable(Generic[S, T]):
    """Maps ``(state, trigger)`` to the next state; anything absent is invalid."""

    __slots__ = ("_entity", "_table", "terminal")

    def __init__(self, entity: str, table: Mapping[tuple[S, T], S], terminal: frozenset[S]) -> None:
        for (state, _trigger), _next in table.items():
            if state in terminal:
                raise ValueError(f"{entity}: terminal state {state!r} has an outgoing transition")
        self._table = dict(table)
        self._entity = entity
        self.terminal = terminal

    def next_state(self, state: S, trigger: T) -> S:
        """Return the state after ``trigger``; raise ``InvalidStateTransition`` if not allowed."""
        nxt = self._table.get((state, trigger))
        if nxt is None:
            raise InvalidStateTransition(self._entity, _name(state), _name(trigger))
        return nxt

    def allows(self, state: S, trigger: T) -> bool:
        return (state, trigger) in self._table


def _name(value: object) -> str:
    return str(getattr(value, "name", value))
