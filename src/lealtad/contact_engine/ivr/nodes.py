"""The nodes of a flow, the steps a caller moves through.

Nodes are frozen dataclasses so a validated flow cannot be changed under a running session;
a session keeps only the node's name, so a flow can be shared by every call at once.

Node kinds, and what moves the caller on:

* ``menu``: plays a prompt, waits for one key; each key names the next node.
* ``collect``: plays a prompt, waits for digits (min/max, ``#`` ends), checks them (Luhn,
  modulo 11, cédula) and stores them in a named variable.
* ``lookup``: asks the host a named question (``account_status``) with collected variables;
  the answer's values become variables the next prompts render ("Su saldo es {balance}").
* ``say``: plays a prompt and goes on.
* ``branch``: chooses the next node from facts the host gave at the start (known caller?
  tier? language?) and variables collected since; a flow's ``start`` is often one.
* ``voicemail``, ``queue``, ``hangup``: end the flow with an action for the PBX and the host.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# language code -> prompt template with {variable} placeholders
PromptText = Mapping[str, str]

DTMF_KEYS = frozenset("0123456789*#")


def placeholders(template: str) -> list[str]:
    """The {names} a prompt template renders (raises ValueError on a broken template)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _prompt_names(field: str, text: PromptText | None) -> list[tuple[str, str]]:
    if text is None:
        return []
    return [(f"{field}.{lang}", name) for lang, t in text.items() for name in placeholders(t)]


@dataclass(frozen=True)
class Choice:
    """A menu key: where it leads, and what it sets on the way (a language, variables)."""

    target: str
    language: str | None = None
    sets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Node:
    name: str

    kind = "node"

    def targets(self) -> list[tuple[str, str]]:
        """(field, node name) for every node this one can lead to."""
        return []

    def takes_input(self) -> bool:
        return False

    def variables_set(self) -> tuple[str, ...]:
        """Variables this node stores, which later prompts and branches may use."""
        return ()

    def names_used(self) -> list[tuple[str, str]]:
        """(field, name) for every fact or variable this node reads."""
        return _prompt_names("prompt", getattr(self, "prompt", None))


@dataclass(frozen=True)
class MenuNode(Node):
    prompt: PromptText
    choices: Mapping[str, Choice]
    timeout: float = 5.0
    retries: int = 3
    on_fail: str | None = None
    invalid: PromptText | None = None

    kind = "menu"

    def targets(self) -> list[tuple[str, str]]:
        found = [(f"choices.{digit}", c.target) for digit, c in self.choices.items()]
        return found + ([("on_fail", self.on_fail)] if self.on_fail else [])

    def takes_input(self) -> bool:
        return True

    def variables_set(self) -> tuple[str, ...]:
        return tuple(name for c in self.choices.values() for name in c.sets)

    def names_used(self) -> list[tuple[str, str]]:
        return _prompt_names("prompt", self.prompt) + _prompt_names("invalid", self.invalid)


@dataclass(frozen=True)
class CollectNode(Node):
    prompt: PromptText
    store: str
    next: str
    min_digits: int = 1
    max_digits: int = 20
    terminator: str | None = "#"
    check: str = "none"
    timeout: float = 8.0
    retries: int = 3
    on_fail: str | None = None
    invalid: PromptText | None = None

    kind = "collect"

    def targets(self) -> list[tuple[str, str]]:
        return [("next", self.next)] + ([("on_fail", self.on_fail)] if self.on_fail else [])

    def takes_input(self) -> bool:
        return True

    def variables_set(self) -> tuple[str, ...]:
        return (self.store,)

    def names_used(self) -> list[tuple[str, str]]:
        return _prompt_names("prompt", self.prompt) + _prompt_names("invalid", self.invalid)


@dataclass(frozen=True)
class LookupNode(Node):
    question: str
    next: str
    using: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    not_found: str | None = None
    failed: str | None = None

    kind = "lookup"

    def targets(self) -> list[tuple[str, str]]:
        found = [("next", self.next)]
        if self.not_found:
            found.append(("not_found", self.not_found))
        if self.failed:
            found.append(("failed", self.failed))
        return found

    def variables_set(self) -> tuple[str, ...]:
        return self.provides

    def names_used(self) -> list[tuple[str, str]]:
        return [(f"using.{i}", name) for i, name in enumerate(self.using)]


@dataclass(frozen=True)
class SayNode(Node):
    prompt: PromptText
    next: str

    kind = "say"

    def targets(self) -> list[tuple[str, str]]:
        return [("next", self.next)]


@dataclass(frozen=True)
class Rule:
    """All conditions must hold; a list value means any of its items."""

    when: Mapping[str, Any]
    target: str

    def holds(self, values: Mapping[str, Any]) -> bool:
        for name, wanted in self.when.items():
            have = values.get(name)
            if isinstance(wanted, list):
                if not any(_same(have, w) for w in wanted):
                    return False
            elif not _same(have, wanted):
                return False
        return True


def _same(have: Any, wanted: Any) -> bool:
    """Facts come from JSON and variables are strings: ``true`` in YAML matches True and
    "true", 3 matches "3"; ``null`` matches a missing value."""
    if wanted is None:
        return have is None or have == ""
    if have is None:
        return False
    if isinstance(wanted, bool) or isinstance(have, bool):
        return str(have).lower() == str(wanted).lower()
    return str(have) == str(wanted)


@dataclass(frozen=True)
class BranchNode(Node):
    rules: tuple[Rule, ...]
    otherwise: str

    kind = "branch"

    def targets(self) -> list[tuple[str, str]]:
        found = [(f"rules.{i}.goto", r.target) for i, r in enumerate(self.rules)]
        return [*found, ("otherwise", self.otherwise)]

    def names_used(self) -> list[tuple[str, str]]:
        return [
            (f"rules.{i}.when.{name}", name) for i, r in enumerate(self.rules) for name in r.when
        ]

    def choose(self, values: Mapping[str, Any]) -> str:
        for rule in self.rules:
            if rule.holds(values):
                return rule.target
        return self.otherwise


@dataclass(frozen=True)
class VoicemailNode(Node):
    prompt: PromptText
    queue: str
    priority: int = 0
    max_seconds: int = 120
    callback_to: str = "caller_id"

    kind = "voicemail"

    def names_used(self) -> list[tuple[str, str]]:
        return [*_prompt_names("prompt", self.prompt), ("callback_to", self.callback_to)]


@dataclass(frozen=True)
class QueueNode(Node):
    queue: str
    priority: int = 0
    prompt: PromptText | None = None

    kind = "queue"


@dataclass(frozen=True)
class HangupNode(Node):
    prompt: PromptText | None = None

    kind = "hangup"
