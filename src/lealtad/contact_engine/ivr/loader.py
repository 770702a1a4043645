"""Read a flow from YAML and check it whole, so a broken flow never reaches a caller.

Every mistake is collected, not only the first, each naming its node and field: an unknown
target, a missing prompt or language, a key used twice in a menu, a placeholder no node fills,
a loop of nodes that never waits for the caller (the call would spin forever), a node no path
reaches. See ``docs/contactcenter-ivr.md`` for the file format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from lealtad.contact_engine.ivr.errors import FlowError, Problem
from lealtad.contact_engine.ivr.nodes import Node, PromptText, placeholders
from lealtad.contact_engine.ivr.reading import NodeReader, Reader
from lealtad.contact_engine.ivr.yamlsource import line_of, read_yaml

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
TOP_FIELDS = {
    "flow",
    "version",
    "languages",
    "default_language",
    "start",
    "facts",
    "messages",
    "nodes",
    "description",
}
# Facts a host gives at the start of every call (the flow may declare more under ``facts``).
STANDARD_FACTS = (
    "caller_id",
    "call_id",
    "known_customer",
    "customer_name",
    "tier",
    "language",
    "open_order",
    "candidates",
)
DEFAULT_MESSAGES: dict[str, dict[str, str]] = {
    "invalid": {"es": "Opción no válida.", "en": "That is not a valid option."},
    "no_input": {"es": "No recibimos su respuesta.", "en": "We did not receive your answer."},
    "goodbye": {"es": "Gracias por llamar. Hasta pronto.", "en": "Thank you for calling. Goodbye."},
}


def parse_flow(text: str) -> dict[str, Any]:
    """The fields of a :class:`~.flow.Flow`, checked; raises :class:`FlowError`."""
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FlowError([Problem(None, None, f"not valid YAML: {error}", line)]) from None
    if not isinstance(data, dict):
        raise FlowError([Problem(None, None, "a flow is a mapping with flow, start and nodes")])
    reader = Reader()
    fields = _read_top(reader, data)
    name = fields["name"] or None
    nodes: dict[str, Node] = {}
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        reader.problem(None, "nodes", "a flow needs at least one node", line_of(data))
        raise FlowError(reader.problems, name)
    for key, raw in raw_nodes.items():
        node = NodeReader(reader, str(key), fields["languages"]).read(raw)
        if node is not None:
            nodes[node.name] = node
    for dup, line in getattr(raw_nodes, "duplicates", ()):
        reader.problem(dup, None, "this node name is used twice", line)
    fields["nodes"] = nodes
    _check_targets(reader, fields, {str(k) for k in raw_nodes})
    if not reader.problems:
        _check_graph(reader, fields)
        _check_names(reader, fields)
    if reader.problems:
        raise FlowError(reader.problems, name)
    return fields


def _read_top(reader: Reader, data: dict[Any, Any]) -> dict[str, Any]:
    line = line_of(data)
    for key in data:
        if str(key) not in TOP_FIELDS:
            reader.problem(None, str(key), "unknown field", line)
    for dup, dup_line in getattr(data, "duplicates", ()):
        reader.problem(None, dup, "this field is given twice", dup_line)
    name = data.get("flow")
    if not isinstance(name, str) or not NAME.match(name):
        reader.problem(None, "flow", "the flow needs a name (letters, digits, _ and -)", line)
        name = ""
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        reader.problem(None, "version", "the version is a whole number from 1", line)
        version = 1
    languages = _read_languages(reader, data.get("languages", ["es", "en"]), line)
    default = data.get("default_language", languages[0] if languages else "es")
    if default not in languages:
        reader.problem(None, "default_language", f"{default!r} is not one of {languages}", line)
    facts = data.get("facts", [])
    if not isinstance(facts, list) or not all(isinstance(f, str) and NAME.match(f) for f in facts):
        reader.problem(None, "facts", "a list of fact names", line)
        facts = []
    start = data.get("start")
    if not isinstance(start, str):
        reader.problem(None, "start", "the name of the first node is missing", line)
        start = ""
    messages = _read_messages(reader, data.get("messages", {}), languages)
    return {
        "name": name,
        "version": version,
        "start": start,
        "languages": tuple(languages),
        "default_language": default,
        "messages": messages,
        "facts": tuple(dict.fromkeys([*STANDARD_FACTS, *facts])),
    }


def _read_languages(reader: Reader, value: Any, line: int | None) -> list[str]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and re.match(r"^[a-z]{2}$", v) for v in value)
    ):
        reader.problem(None, "languages", "a list of two-letter language codes", line)
        return ["es", "en"]
    if len(set(value)) != len(value):
        reader.problem(None, "languages", "a language is listed twice", line)
    return list(dict.fromkeys(value))


def _read_messages(reader: Reader, value: Any, languages: list[str]) -> dict[str, PromptText]:
    if not isinstance(value, dict):
        reader.problem(None, "messages", "a mapping of invalid, no_input and goodbye", None)
        value = {}
    messages: dict[str, PromptText] = {}
    for key in value:
        if key not in DEFAULT_MESSAGES:
            reader.problem(
                None,
                f"messages.{key}",
                "unknown message (invalid, no_input, goodbye)",
                line_of(value),
            )
    for key, defaults in DEFAULT_MESSAGES.items():
        given = value.get(key)
        if given is None:
            given = {lang: defaults[lang] for lang in languages if lang in defaults}
        text = reader.prompt(None, f"messages.{key}", given, languages, line_of(value))
        if text is not None:
            messages[key] = text
    return messages


def _check_targets(reader: Reader, fields: dict[str, Any], declared: set[str]) -> None:
    """Targets name declared nodes, checked even when some nodes had mistakes of their own,
    so one pass over the file shows both."""
    if fields["start"] and fields["start"] not in declared:
        reader.problem(None, "start", f"unknown node {fields['start']!r}")
    for node in fields["nodes"].values():
        for field, target in node.targets():
            if target not in declared:
                reader.problem(node.name, field, f"unknown node {target!r}")


def _check_graph(reader: Reader, fields: dict[str, Any]) -> None:
    """Reachability and loops, once every node was read and every target is known."""
    nodes: dict[str, Node] = fields["nodes"]
    reached = _reachable(nodes, fields["start"])
    for name in nodes:
        if name not in reached:
            reader.problem(name, None, "no path from the start reaches this node")
    cycle = _input_free_cycle(nodes)
    if cycle:
        path = " -> ".join(cycle)
        reader.problem(cycle[0], None, f"these nodes loop without waiting for the caller: {path}")


def _reachable(nodes: Mapping[str, Node], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for _, target in nodes[todo.pop()].targets():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _input_free_cycle(nodes: Mapping[str, Node]) -> list[str]:
    """A loop of nodes that never wait for a key (say, branch, lookup): a caller in it would
    hear prompts forever. Returns the loop's nodes, first repeated at the end, or []."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        path.append(name)
        node = nodes[name]
        if not node.takes_input():
            for _, target in node.targets():
                if state.get(target) == 1:
                    return [*path[path.index(target) :], target]
                if target not in state:
                    found = visit(target, path)
                    if found:
                        return found
        path.pop()
        state[name] = 2
        return []

    for name in nodes:
        if name not in state:
            found = visit(name, [])
            if found:
                return found
    return []


def _check_names(reader: Reader, fields: dict[str, Any]) -> None:
    """Every placeholder and condition must name a fact or a variable some node sets; a typo
    ({balanse}) would otherwise be read to the caller as an empty gap."""
    nodes: dict[str, Node] = fields["nodes"]
    known = set(fields["facts"]) | {"language"}
    for node in nodes.values():
        known |= set(node.variables_set())
    for node in nodes.values():
        for field, name in node.names_used():
            if name not in known:
                reader.problem(node.name, field, f"{name!r} is not a fact nor set by any node")
    for key, text in fields["messages"].items():
        for lang, template in text.items():
            for name in placeholders(template):
                if name not in known:
                    reader.problem(
                        None,
                        f"messages.{key}.{lang}",
                        f"{name!r} is not a fact nor set by any node",
                    )
