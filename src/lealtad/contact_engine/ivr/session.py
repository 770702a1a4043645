"""One call walking a flow: keys in, the next step out.

A session holds only plain values (node name, language, variables, retry count), so the host
can keep it between the PBX's HTTP requests as a dict (:meth:`Session.to_dict`) and pick it up
again (:meth:`Session.from_dict`) in another process. Questions for self-service go to a
:class:`Host` the caller passes in; the core knows nothing of customers or orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lealtad.contact_engine.ivr.checks import CHECKS
from lealtad.contact_engine.ivr.errors import SessionError
from lealtad.contact_engine.ivr.flow import Flow
from lealtad.contact_engine.ivr.nodes import (
    BranchNode,
    CollectNode,
    HangupNode,
    LookupNode,
    MenuNode,
    Node,
    PromptText,
    QueueNode,
    SayNode,
    VoicemailNode,
    placeholders,
)
from lealtad.contact_engine.ivr.steps import (
    Expect,
    Hangup,
    Prompt,
    RouteToQueue,
    Step,
    Voicemail,
    step_from_dict,
)

DICT_VERSION = 1


class Host(Protocol):
    """Answers a lookup node's question (``account_status``, ``billing_summary``) with the
    variables it asked with (plus ``language``, the call's language) and the call's facts.
    Returns the values the next prompts render, or None when there is nothing to tell (no
    such account). Raising means the system behind is down: the flow takes the node's
    ``failed`` path."""

    def answer(
        self, question: str, variables: Mapping[str, str], facts: Mapping[str, Any]
    ) -> Mapping[str, Any] | None: ...


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class Session:
    """Build with :meth:`start`; then :meth:`input` and :meth:`timeout` until a terminal step."""

    def __init__(self, flow: Flow, facts: Mapping[str, Any], host: Host | None = None) -> None:
        self.flow = flow
        self.facts = dict(facts)
        self.host = host
        language = self.facts.get("language")
        self.language = language if language in flow.languages else flow.default_language
        self.variables: dict[str, str] = {}
        self.node: str = flow.start
        self.attempts = 0
        self.path: list[str] = []
        self.lookups_failed: list[str] = []
        self.step: Step | None = None

    # -- the public moves -----------------------------------------------------------------
    @classmethod
    def start(
        cls, flow: Flow, facts: Mapping[str, Any], host: Host | None = None
    ) -> tuple[Session, Step]:
        """A new call: the session and its first step (facts: caller_id, known_customer,
        tier, language, open_order, … as the host knows them)."""
        session = cls(flow, facts, host)
        return session, session._advance(flow.start, [])

    @property
    def finished(self) -> bool:
        return self.step is not None and self.step.terminal

    def input(self, digits: str) -> Step:
        """The keys the caller pressed at the current menu or collect node."""
        node = self._waiting()
        keys = digits.strip() if isinstance(digits, str) else ""
        if not keys:
            return self._retry(node, "no_input")
        if isinstance(node, MenuNode):
            choice = node.choices.get(keys) if len(keys) == 1 else None
            if choice is None:
                return self._retry(node, "invalid")
            self.path.append(f"{node.name}={keys}")
            if choice.language:
                self.language = choice.language
            self.variables.update(choice.sets)
            return self._advance(choice.target, [])
        assert isinstance(node, CollectNode)
        value = self._collected(node, keys)
        if value is None:
            return self._retry(node, "invalid")
        self.variables[node.store] = value
        self.path.append(node.name)
        return self._advance(node.next, [])

    def timeout(self) -> Step:
        """The caller pressed nothing within the expected time."""
        return self._retry(self._waiting(), "no_input")

    # -- moving through the flow ----------------------------------------------------------
    def _waiting(self) -> MenuNode | CollectNode:
        if self.finished:
            raise SessionError("this call's flow has ended; start a new session")
        node = self.flow.nodes[self.node]
        assert isinstance(node, MenuNode | CollectNode)
        return node

    def _collected(self, node: CollectNode, keys: str) -> str | None:
        if node.terminator and keys.endswith(node.terminator):
            keys = keys[: -len(node.terminator)]
        if not _plain_digits(keys) or not node.min_digits <= len(keys) <= node.max_digits:
            return None
        return keys if CHECKS[node.check](keys) else None

    def _retry(self, node: MenuNode | CollectNode, why: str) -> Step:
        self.attempts += 1
        message = node.invalid if why == "invalid" and node.invalid else None
        said = [self._prompt(f"{node.name}.invalid", message)] if message else [self._message(why)]
        if self.attempts < node.retries:
            return self._wait(node, said)
        self.path.append(f"{node.name}!{why}")
        if node.on_fail:
            return self._advance(node.on_fail, said)
        return self._finish(node.name, [*said, self._message("goodbye")], Hangup(why))

    def _advance(self, name: str, said: list[Prompt]) -> Step:
        """Follow nodes that need no key (say, branch, lookup) until one waits or ends. The
        loader refused loops of such nodes, so this ends within one pass of the nodes."""
        for _ in range(len(self.flow.nodes) + 1):
            node = self.flow.nodes[name]
            if isinstance(node, MenuNode | CollectNode):
                self.node, self.attempts = name, 0
                return self._wait(node, said)
            if isinstance(node, SayNode):
                said.append(self._prompt(name, node.prompt))
                name = node.next
            elif isinstance(node, BranchNode):
                name = node.choose({**self.facts, **self.variables, "language": self.language})
            elif isinstance(node, LookupNode):
                name = self._lookup(node)
            else:
                return self._end(node, said)
        raise SessionError(f"flow {self.flow.name} loops without waiting at {name}")

    def _wait(self, node: MenuNode | CollectNode, said: list[Prompt]) -> Step:
        said = [*said, self._prompt(node.name, node.prompt)]
        if isinstance(node, MenuNode):
            expect = Expect("menu", 1, 1, node.timeout, None, tuple(node.choices))
        else:
            expect = Expect(
                "digits", node.min_digits, node.max_digits, node.timeout, node.terminator
            )
        self.step = Step(node.name, self.language, tuple(said), expect=expect)
        return self.step

    def _end(self, node: Node, said: list[Prompt]) -> Step:
        prompt = getattr(node, "prompt", None)
        if prompt:
            said.append(self._prompt(node.name, prompt))
        self.path.append(node.name)
        if isinstance(node, QueueNode):
            return self._finish(
                node.name, said, RouteToQueue(node.queue, self._data(), node.priority)
            )
        if isinstance(node, VoicemailNode):
            to = self.variables.get(node.callback_to) or str(self.facts.get(node.callback_to) or "")
            action = Voicemail(node.queue, self._data(), to, node.max_seconds, node.priority)
            return self._finish(node.name, said, action)
        assert isinstance(node, HangupNode)
        if not node.prompt:  # a hangup says the flow's goodbye unless it has its own words
            said.append(self._message("goodbye"))
        return self._finish(node.name, said, Hangup("completed"))

    def _finish(self, node: str, said: list[Prompt], action: Any) -> Step:
        self.node = node
        self.step = Step(node, self.language, tuple(said), action=action)
        return self.step

    def _lookup(self, node: LookupNode) -> str:
        asked = {n: self.variables.get(n, str(self.facts.get(n, ""))) for n in node.using}
        asked["language"] = self.language  # so the host speaks the call's language
        try:
            if self.host is None:
                raise LookupError("no host to answer")
            answer = self.host.answer(node.question, asked, self.facts)
        except Exception as error:
            self.lookups_failed.append(f"{node.name}: {error}")
            return node.failed or node.not_found or node.next
        if not answer:
            return node.not_found or node.next
        for name in node.provides:
            value = answer.get(name)
            if value is not None:
                self.variables[name] = str(value)
        return node.next

    def _data(self) -> dict[str, Any]:
        """What the agent sees on the screen pop: every variable, the language and the path."""
        return {
            "flow": self.flow.name,
            "language": self.language,
            "variables": dict(self.variables),
            "path": list(self.path),
        }

    # -- prompts ---------------------------------------------------------------------------
    def _prompt(self, prompt_id: str, text: PromptText) -> Prompt:
        template = text[self.language]
        values = _Blank({k: _spoken(v) for k, v in self.facts.items()})
        values.update(self.variables)
        values["language"] = self.language
        return Prompt(
            f"{self.flow.name}.{prompt_id}",
            template.format_map(values),
            self.language,
            dynamic=bool(placeholders(template)),
        )

    def _message(self, key: str) -> Prompt:
        return self._prompt(f"messages.{key}", self.flow.messages[key])

    # -- keeping a session between requests ------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": DICT_VERSION,
            "flow": self.flow.name,
            "version": self.flow.version,
            "node": self.node,
            "language": self.language,
            "facts": dict(self.facts),
            "variables": dict(self.variables),
            "attempts": self.attempts,
            "path": list(self.path),
            "lookups_failed": list(self.lookups_failed),
            "step": self.step.to_dict() if self.step else None,
        }

    @classmethod
    def from_dict(cls, flow: Flow, data: Mapping[str, Any], host: Host | None = None) -> Session:
        """A session kept by the host; refuses one from another flow or version, or one
        whose node the flow no longer has."""
        try:
            return _restore(cls(flow, data["facts"], host), data)
        except (KeyError, TypeError, ValueError) as error:
            raise SessionError(f"not a stored session of flow {flow.name}: {error}") from None


def _restore(session: Session, data: Mapping[str, Any]) -> Session:
    flow = session.flow
    if data["format"] != DICT_VERSION:
        raise ValueError(f"format {data['format']!r}")
    if data["flow"] != flow.name or data["version"] != flow.version:
        raise ValueError(f"it belongs to {data['flow']} version {data['version']}")
    if data["node"] not in flow.nodes or data["language"] not in flow.languages:
        raise ValueError(f"node {data['node']!r} or language {data['language']!r} unknown")
    session.node, session.language = data["node"], data["language"]
    session.variables = {str(k): str(v) for k, v in data["variables"].items()}
    session.attempts = int(data["attempts"])
    session.path = [str(p) for p in data["path"]]
    session.lookups_failed = [str(p) for p in data.get("lookups_failed", [])]
    session.step = step_from_dict(data["step"]) if data.get("step") else None
    waiting = session.step is None or not session.step.terminal
    if waiting and not flow.nodes[session.node].takes_input():
        raise ValueError(f"node {session.node!r} does not wait for input")
    return session


def _plain_digits(keys: str) -> bool:
    return keys.isascii() and keys.isdigit()


def _spoken(value: Any) -> str:
    return "" if value is None else str(value)
