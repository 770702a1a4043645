"""Field-by-field reading of a flow's nodes, noting every mistake with its node and field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lealtad.contact_engine.ivr.checks import CHECKS
from lealtad.contact_engine.ivr.errors import Problem
from lealtad.contact_engine.ivr.nodes import (
    DTMF_KEYS,
    BranchNode,
    Choice,
    CollectNode,
    HangupNode,
    LookupNode,
    MenuNode,
    Node,
    PromptText,
    QueueNode,
    Rule,
    SayNode,
    VoicemailNode,
    placeholders,
)
from lealtad.contact_engine.ivr.yamlsource import line_of

VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DIGITS = 64


class Reader:
    """Collects problems; the typed readers return a usable stand-in after noting one, so
    the rest of the flow is still checked."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(
        self, node: str | None, field: str | None, message: str, line: int | None = None
    ) -> None:
        self.problems.append(Problem(node, field, message, line))

    def prompt(
        self,
        node: str | None,
        field: str,
        value: Any,
        languages: list[str],
        line: int | None = None,
    ) -> PromptText | None:
        """A prompt in every language of the flow: a mapping ``{es: ..., en: ...}``, or one
        text for a flow with a single language."""
        if isinstance(value, str) and len(languages) == 1:
            value = {languages[0]: value}
        if not isinstance(value, dict):
            self.problem(
                node, field, f"a prompt is a mapping of {', '.join(languages)} to text", line
            )
            return None
        text: dict[str, str] = {}
        for lang in languages:
            given = value.get(lang)
            if not isinstance(given, str) or not given.strip():
                self.problem(node, f"{field}.{lang}", "missing prompt", line_of(value) or line)
                continue
            try:
                placeholders(given)
            except ValueError as error:
                self.problem(node, f"{field}.{lang}", f"broken placeholder: {error}", line)
                continue
            text[lang] = given
        for lang in value:
            if lang not in languages:
                self.problem(
                    node,
                    f"{field}.{lang}",
                    "not one of the flow's languages",
                    line_of(value) or line,
                )
        return text if len(text) == len(languages) else None


class NodeReader:
    """Reads one node of the flow (``read``) by its ``kind``."""

    def __init__(self, reader: Reader, name: str, languages: tuple[str, ...]) -> None:
        self.reader = reader
        self.name = name
        self.languages = list(languages)
        self.raw: dict[Any, Any] = {}
        self.line: int | None = None

    def read(self, raw: Any) -> Node | None:
        if not VARIABLE.match(self.name.replace("-", "_")):
            self.note(None, "a node name is letters, digits, _ and -")
        if not isinstance(raw, dict):
            self.note(None, "a node is a mapping with a kind")
            return None
        self.raw, self.line = raw, line_of(raw)
        for dup, line in getattr(raw, "duplicates", ()):
            self.reader.problem(self.name, dup, "this field is given twice", line)
        kind = raw.get("kind")
        readers: dict[str, Callable[[], Node | None]] = {
            "menu": self.menu,
            "collect": self.collect,
            "lookup": self.lookup,
            "say": self.say,
            "branch": self.branch,
            "voicemail": self.voicemail,
            "queue": self.queue,
            "hangup": self.hangup,
        }
        if kind not in readers:
            self.note("kind", f"unknown kind {kind!r} (one of {', '.join(readers)})")
            return None
        before = len(self.reader.problems)
        node = readers[kind]()
        return node if len(self.reader.problems) == before else None

    # -- helpers -------------------------------------------------------------------------
    def note(self, field: str | None, message: str) -> None:
        self.reader.problem(self.name, field, message, self.line)

    def fields(self, allowed: set[str]) -> None:
        for key in self.raw:
            if str(key) not in allowed | {"kind", "description"}:
                self.note(str(key), "unknown field")

    def prompt(self, field: str = "prompt", required: bool = True) -> PromptText | None:
        if field not in self.raw:
            if required:
                self.note(field, "missing prompt")
            return None
        return self.reader.prompt(self.name, field, self.raw[field], self.languages, self.line)

    def target(self, field: str, required: bool = True) -> str | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                self.note(field, "missing the next node's name")
            return None
        if not isinstance(value, str):
            self.note(field, "a node's name")
            return None
        return value

    def integer(self, field: str, default: int, low: int, high: int) -> int:
        value = self.raw.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.note(field, f"a whole number from {low} to {high}")
            return default
        return value

    def seconds(self, field: str, default: float) -> float:
        value = self.raw.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
            self.note(field, "seconds, more than 0 and at most 120")
            return default
        return float(value)

    def variable(self, field: str, value: Any) -> str:
        if not isinstance(value, str) or not VARIABLE.match(value):
            self.note(field, "a variable name (letters, digits and _)")
            return "_"
        return value

    def variables(self, field: str) -> tuple[str, ...]:
        value = self.raw.get(field, [])
        if not isinstance(value, list):
            self.note(field, "a list of variable names")
            return ()
        return tuple(self.variable(f"{field}.{i}", v) for i, v in enumerate(value))

    # -- kinds ---------------------------------------------------------------------------
    def menu(self) -> Node | None:
        self.fields({"prompt", "choices", "timeout", "retries", "on_fail", "invalid"})
        prompt = self.prompt()
        choices = self.choices()
        node = MenuNode(
            self.name,
            prompt or {},
            choices,
            timeout=self.seconds("timeout", 5.0),
            retries=self.integer("retries", 3, 1, 9),
            on_fail=self.target("on_fail", False),
            invalid=self.prompt("invalid", required=False),
        )
        return node

    def choices(self) -> dict[str, Choice]:
        raw = self.raw.get("choices")
        if not isinstance(raw, dict) or not raw:
            self.note("choices", "a menu needs at least one key")
            return {}
        for dup, line in getattr(raw, "duplicates", ()):
            self.reader.problem(self.name, f"choices.{dup}", f"key {dup} is used twice", line)
        found: dict[str, Choice] = {}
        for key, value in raw.items():
            digit = str(key)
            field = f"choices.{digit}"
            if len(digit) != 1 or digit not in DTMF_KEYS:
                self.note(field, "a menu key is one of 0-9, * and # (quote * and #)")
                continue
            choice = self.choice(field, value)
            if choice is not None:
                found[digit] = choice
        return found

    def choice(self, field: str, value: Any) -> Choice | None:
        if isinstance(value, str):
            return Choice(value)
        if not isinstance(value, dict) or not isinstance(value.get("goto"), str):
            self.note(field, "a node's name, or a mapping with goto (and language, set)")
            return None
        for key in value:
            if key not in {"goto", "language", "set"}:
                self.note(f"{field}.{key}", "unknown field")
        language = value.get("language")
        if language is not None and language not in self.languages:
            self.note(f"{field}.language", f"{language!r} is not one of the flow's languages")
        sets = value.get("set", {})
        if not isinstance(sets, dict):
            self.note(f"{field}.set", "a mapping of variable to value")
            sets = {}
        clean = {self.variable(f"{field}.set", k): str(v) for k, v in sets.items()}
        return Choice(value["goto"], language, clean)

    def collect(self) -> Node | None:
        self.fields(
            {
                "prompt",
                "store",
                "next",
                "min_digits",
                "max_digits",
                "terminator",
                "check",
                "timeout",
                "retries",
                "on_fail",
                "invalid",
            }
        )
        low = self.integer("min_digits", 1, 1, MAX_DIGITS)
        high = self.integer("max_digits", max(low, 20), 1, MAX_DIGITS)
        if high < low:
            self.note("max_digits", f"fewer than min_digits ({low})")
        terminator = self.raw.get("terminator", "#")
        if terminator not in (None, "#", "*"):
            self.note("terminator", "'#', '*' or null")
            terminator = "#"
        check = self.raw.get("check", "none")
        if check not in CHECKS:
            self.note("check", f"unknown check {check!r} (one of {', '.join(CHECKS)})")
        elif check == "cedula_ec" and not low <= 10 <= high:
            self.note("check", "a cédula has 10 digits, outside min_digits..max_digits")
        return CollectNode(
            self.name,
            self.prompt() or {},
            self.variable("store", self.raw.get("store")),
            self.target("next") or "",
            min_digits=low,
            max_digits=high,
            terminator=terminator,
            check=str(check),
            timeout=self.seconds("timeout", 8.0),
            retries=self.integer("retries", 3, 1, 9),
            on_fail=self.target("on_fail", False),
            invalid=self.prompt("invalid", required=False),
        )

    def lookup(self) -> Node | None:
        self.fields({"question", "using", "provides", "next", "not_found", "failed"})
        question = self.raw.get("question")
        if not isinstance(question, str) or not VARIABLE.match(question):
            self.note("question", "the name of the question the host answers")
            question = ""
        return LookupNode(
            self.name,
            question,
            self.target("next") or "",
            using=self.variables("using"),
            provides=self.variables("provides"),
            not_found=self.target("not_found", False),
            failed=self.target("failed", False),
        )

    def say(self) -> Node | None:
        self.fields({"prompt", "next"})
        return SayNode(self.name, self.prompt() or {}, self.target("next") or "")

    def branch(self) -> Node | None:
        self.fields({"rules", "otherwise"})
        raw = self.raw.get("rules", [])
        rules: list[Rule] = []
        if not isinstance(raw, list):
            self.note("rules", "a list of {when, goto}")
            raw = []
        for i, rule in enumerate(raw):
            field = f"rules.{i}"
            if (
                not isinstance(rule, dict)
                or not isinstance(rule.get("when"), dict)
                or not rule["when"]
                or not isinstance(rule.get("goto"), str)
            ):
                self.note(field, "a rule is {when: {fact: value, ...}, goto: node}")
                continue
            rules.append(Rule({str(k): v for k, v in rule["when"].items()}, rule["goto"]))
        return BranchNode(self.name, tuple(rules), self.target("otherwise") or "")

    def queue_name(self) -> str:
        queue = self.raw.get("queue")
        if not isinstance(queue, str) or not queue.strip():
            self.note("queue", "the name of the queue")
            return ""
        return queue

    def voicemail(self) -> Node | None:
        self.fields({"prompt", "queue", "priority", "max_seconds", "callback_to"})
        return VoicemailNode(
            self.name,
            self.prompt() or {},
            self.queue_name(),
            priority=self.integer("priority", 0, 0, 9),
            max_seconds=self.integer("max_seconds", 120, 5, 600),
            callback_to=self.variable("callback_to", self.raw.get("callback_to", "caller_id")),
        )

    def queue(self) -> Node | None:
        self.fields({"prompt", "queue", "priority"})
        return QueueNode(
            self.name,
            self.queue_name(),
            self.integer("priority", 0, 0, 9),
            self.prompt(required=False),
        )

    def hangup(self) -> Node | None:
        self.fields({"prompt"})
        return HangupNode(self.name, self.prompt(required=False))
