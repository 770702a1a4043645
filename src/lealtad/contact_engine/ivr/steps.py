"""What the PBX hears back after each key press: prompts to play, then either what input to
wait for or what to do with the call (queue it, record a message, hang up).

Everything here turns into plain dicts (``to_dict``) for the HTTP answer, and back
(``step_from_dict``) so a host may store the last step and answer a PBX's retried request
with exactly the same step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prompt:
    """One prompt to play. ``id`` names the recorded audio (``bank.main_menu``); a
    ``dynamic`` prompt renders variables ("Su saldo es 120,50") so it must be synthesised."""

    id: str
    text: str
    language: str
    dynamic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "language": self.language,
            "dynamic": self.dynamic,
        }


@dataclass(frozen=True)
class Expect:
    """The input the PBX should collect next: ``keys`` for a menu, a digit string for a
    collect (``min_digits``..``max_digits``, ended by ``terminator``), within ``timeout`` s."""

    kind: str  # "menu" or "digits"
    min_digits: int
    max_digits: int
    timeout: float
    terminator: str | None = None
    keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "min_digits": self.min_digits,
            "max_digits": self.max_digits,
            "timeout": self.timeout,
            "terminator": self.terminator,
            "keys": list(self.keys),
        }


@dataclass(frozen=True)
class RouteToQueue:
    """Put the call in ``queue`` with what the IVR learnt (``data``: collected variables,
    language, the menu path) so the agent's screen pop shows it; ``priority`` 0-9 is a hint
    to the router, higher first."""

    queue: str
    data: Mapping[str, Any]
    priority: int = 0

    type = "queue"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "queue": self.queue,
            "data": dict(self.data),
            "priority": self.priority,
        }


@dataclass(frozen=True)
class Voicemail:
    """Record up to ``max_seconds`` after the prompt, then the host files a call-back to
    ``callback_to`` in ``queue``. The call-back keeps the caller's place: the host queues it
    with the call's arrival time, not the time the recording ended."""

    queue: str
    data: Mapping[str, Any]
    callback_to: str
    max_seconds: int = 120
    priority: int = 0

    type = "voicemail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "queue": self.queue,
            "data": dict(self.data),
            "callback_to": self.callback_to,
            "max_seconds": self.max_seconds,
            "priority": self.priority,
        }


@dataclass(frozen=True)
class Hangup:
    """End the call; ``reason`` is ``completed`` (the flow said goodbye), ``no_input`` or
    ``invalid`` (the caller ran out of retries)."""

    reason: str = "completed"

    type = "hangup"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "reason": self.reason}


Action = RouteToQueue | Voicemail | Hangup


@dataclass(frozen=True)
class Step:
    """One answer to the PBX: play ``prompts``, then wait for ``expect`` or do ``action``
    (exactly one of the two is set)."""

    node: str
    language: str
    prompts: tuple[Prompt, ...] = ()
    expect: Expect | None = None
    action: Action | None = None

    @property
    def terminal(self) -> bool:
        return self.action is not None

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.prompts)

    @property
    def prompt_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.prompts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "language": self.language,
            "text": self.text,
            "prompts": [p.to_dict() for p in self.prompts],
            "expect": self.expect.to_dict() if self.expect else None,
            "action": self.action.to_dict() if self.action else None,
        }


def step_from_dict(data: Mapping[str, Any]) -> Step:
    """The inverse of :meth:`Step.to_dict` (raises KeyError/TypeError on a foreign dict)."""
    expect = data.get("expect")
    action = data.get("action")
    return Step(
        node=data["node"],
        language=data["language"],
        prompts=tuple(Prompt(**p) for p in data.get("prompts", [])),
        expect=Expect(**{**expect, "keys": tuple(expect["keys"])}) if expect else None,
        action=_action_from_dict(action) if action else None,
    )


def _action_from_dict(data: Mapping[str, Any]) -> Action:
    fields = {k: v for k, v in data.items() if k != "type"}
    kind = data["type"]
    if kind == "queue":
        return RouteToQueue(**fields)
    if kind == "voicemail":
        return Voicemail(**fields)
    if kind == "hangup":
        return Hangup(**fields)
    raise KeyError(f"unknown action {kind!r}")
