"""TransitionTable: allowed moves, typed errors for the rest, terminal states stay terminal."""

from __future__ import annotations

from enum import Enum

import pytest

from nautilus_platform.core.errors import InvalidStateTransition
from nautilus_platform.core.fsm import TransitionTable


class Light(Enum):
    OFF = "OFF"
    ON = "ON"
    BROKEN = "BROKEN"


TABLE = {
    (Light.OFF, "switch"): Light.ON,
    (Light.ON, "switch"): Light.OFF,
    (Light.ON, "smash"): Light.BROKEN,
    (Light.OFF, "smash"): Light.BROKEN,
}


def make() -> TransitionTable[Light, str]:
    return TransitionTable("lamp", TABLE, frozenset({Light.BROKEN}))


def test_next_state_follows_the_table() -> None:
    fsm = make()
    assert fsm.next_state(Light.OFF, "switch") is Light.ON
    assert fsm.next_state(Light.ON, "switch") is Light.OFF
    assert fsm.next_state(Light.ON, "smash") is Light.BROKEN


def test_missing_transition_raises_a_typed_error_with_names() -> None:
    fsm = make()
    with pytest.raises(InvalidStateTransition) as info:
        fsm.next_state(Light.BROKEN, "switch")
    assert info.value.entity == "lamp"
    assert info.value.state == "BROKEN"  # the enum's name, not its repr
    assert info.value.trigger == "switch"


def test_allows_reports_without_raising() -> None:
    fsm = make()
    assert fsm.allows(Light.OFF, "switch")
    assert not fsm.allows(Light.BROKEN, "switch")
    assert not fsm.allows(Light.OFF, "repair")


def test_terminal_state_with_an_outgoing_transition_is_refused() -> None:
    with pytest.raises(ValueError, match="terminal state"):
        TransitionTable("lamp", {**TABLE, (Light.BROKEN, "repair"): Light.OFF}, frozenset({Light.BROKEN}))


def test_table_is_copied_so_later_changes_to_the_source_do_not_leak_in() -> None:
    source = dict(TABLE)
    fsm = TransitionTable("lamp", source, frozenset({Light.BROKEN}))
    source[(Light.OFF, "repair")] = Light.ON
    assert not fsm.allows(Light.OFF, "repair")
    assert fsm.terminal == frozenset({Light.BROKEN})


def test_plain_string_states_are_named_as_themselves() -> None:
    fsm: TransitionTable[str, str] = TransitionTable("door", {("open", "close"): "closed"}, frozenset())
    with pytest.raises(InvalidStateTransition) as info:
        fsm.next_state("closed", "close")
    assert info.value.state == "closed"
