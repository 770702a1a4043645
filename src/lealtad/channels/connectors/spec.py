"""A connector as declared in YAML: what it reads, what it sends, and how fields map.

Plain Python (no Django): :func:`load_connector` turns the text of one connector file into a
:class:`Connector` or raises :class:`ConnectorError` listing every problem, with where it is.
Each field becomes a :class:`~lealtad.core.record_mapping.MappingRule` of the one mapping
engine, which the customer CSV import uses too; the YAML is read the same way (only
``true``/``false`` are booleans; ``01``, ``no`` and ``2024-01-31`` stay text).
See ``docs/connectors.md`` for the format.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from lealtad.core.errors import DomainError
from lealtad.core.record_mapping import (
    IGNORE,
    TYPES,
    MappingRule,
    delimiter_option,
    known_encoding,
    load_yaml,
)

CUSTOMER_FIELDS = ("email", "phone", "national_id", "national_id_type", "card", "name")
ENVELOPE_TARGETS = ("id", "occurred_at", "channel")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DEFAULT_BATCH = 1000
MAX_BATCH = 10_000


class ConnectorError(DomainError):
    """The connector file cannot be used; ``problems`` says every reason (each names its
    place in the file, in the YAML's own words, so they are not translated)."""

    code = "connector_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Inbound:
    """Records arriving from the system (files dropped in a folder, or webhook posts)."""

    name: str
    kind: str  # file | webhook
    event_type: str
    rules: tuple[MappingRule, ...]
    constants: tuple[tuple[str, Any], ...] = ()
    id_from: tuple[str, ...] = ()
    folder: str = ""
    pattern: str = "*"
    format: str = "csv"  # csv | jsonl
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    match: tuple[tuple[str, str], ...] = ()
    batch: int = DEFAULT_BATCH


@dataclass(frozen=True)
class Outbound:
    """Events sent to the system: to its webhook, or appended to a file it collects."""

    name: str
    kind: str  # webhook | file
    event_types: tuple[str, ...]
    mappings: dict[str, tuple[MappingRule, ...]] = field(default_factory=dict)
    url: str = ""
    folder: str = ""
    format: str = "jsonl"  # files: jsonl | csv
    secret: str = ""
    allow_private: bool = False
    max_attempts: int = 8
    timeout_seconds: float = 5.0

    def rules_for(self, event_type: str) -> tuple[MappingRule, ...] | None:
        return self.mappings.get(event_type, self.mappings.get("*"))


@dataclass(frozen=True)
class Connector:
    name: str
    system: str
    description: str = ""
    secret: str = ""
    inbound: tuple[Inbound, ...] = ()
    outbound: tuple[Outbound, ...] = ()
    path: str = ""

    def stream(self, name: str) -> Inbound | None:
        return next((s for s in self.inbound if s.name == name), None)


# Parsing ---------------------------------------------------------------------------------------

Bad = Callable[[str, str], None]
_TOP = {"name", "system", "description", "secret", "inbound", "outbound"}
_IN = {
    "name",
    "kind",
    "event_type",
    "mapping",
    "constants",
    "id_from",
    "folder",
    "pattern",
    "format",
    "delimiter",
    "encoding",
    "match",
    "batch",
}
_OUT = {
    "name",
    "kind",
    "event_types",
    "mapping",
    "mappings",
    "url",
    "folder",
    "format",
    "secret",
    "allow_private",
    "max_attempts",
    "timeout_seconds",
}
_RULE = {"to", "from", "type", "format", "value_map", "default", "required", "decimal_comma"}


def load_connector(text: str, source: str = "connector") -> Connector:
    """Parse one connector; raises :class:`ConnectorError` with every problem found."""
    problems: list[str] = []
    text = expand(text, lambda name: problems.append(f"{source}: ${{{name}}} is not set"))
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConnectorError([f"{source}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ConnectorError([f"{source}: expected a mapping with name, system, inbound…"])

    def bad(where: str, message: str) -> None:
        problems.append(f"{source}: {where}: {message}")

    _unknown(data, _TOP, "", bad)
    name = _name(data.get("name"), "name", bad)
    system = _name(data.get("system"), "system", bad)
    secret = _secret(data.get("secret"), "secret", bad)
    description = str(data.get("description") or "")[:200]
    inbound = tuple(
        s
        for i, item in enumerate(_as_list(data.get("inbound")))
        if (s := _inbound(item, f"inbound[{i}]", bad)) is not None
    )
    outbound = tuple(
        o
        for i, item in enumerate(_as_list(data.get("outbound")))
        if (o := _outbound(item, f"outbound[{i}]", bad)) is not None
    )
    _unique([s.name for s in inbound], "inbound", bad)
    _unique([o.name for o in outbound], "outbound", bad)
    if any(s.kind == "webhook" for s in inbound) and not secret:
        bad("secret", "an inbound webhook needs the connector's secret to check signatures")
    if problems:
        raise ConnectorError(problems)
    return Connector(name, system, description, secret, inbound, outbound, source)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand(text: str, missing: Callable[[str], None]) -> str:
    """``${NAME}`` and ``${NAME:-default}`` from the environment (addresses, secrets)."""

    def value(match: re.Match[str]) -> str:
        found = os.environ.get(match[1])
        if found is None:
            if match[2] is None:
                missing(match[1])
                return ""
            return match[2]
        return found

    return _VARIABLE.sub(value, text)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unknown(data: dict, known: set[str], where: str, bad: Bad) -> None:
    for key in sorted(set(map(str, data)) - known):
        bad(f"{where}{key}", f"unknown option (known: {', '.join(sorted(known))})")


def _unique(names: list[str], where: str, bad: Bad) -> None:
    for name in sorted({n for n in names if names.count(n) > 1}):
        bad(where, f"two entries are named {name!r}; give each a distinct 'name'")


def _name(value: Any, where: str, bad: Bad) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        bad(where, "is required: lower-case letters, digits, '_' or '-', at most 60")
        return ""
    return value


def _secret(value: Any, where: str, bad: Bad) -> str:
    """A shared secret; write ``${VARIABLE}`` to keep it out of the file."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) < 16:
        bad(where, "must be a text of 16 characters or more (or ${VARIABLE})")
        return ""
    return value


def _event_type(value: Any, where: str, bad: Bad) -> str:
    if not isinstance(value, str) or not _EVENT_TYPE.match(value):
        bad(where, "must be an event type such as stock.level_reported")
        return ""
    return value


def _choice(value: Any, choices: tuple[str, ...], where: str, bad: Bad) -> str:
    if value not in choices:
        bad(where, f"must be one of {', '.join(choices)}")
        return choices[0]
    return str(value)


def _int(value: Any, where: str, low: int, high: int, default: int, bad: Bad) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        bad(where, f"must be a whole number from {low} to {high}")
        return default
    return number


def _inbound(data: Any, where: str, bad: Bad) -> Inbound | None:
    if not isinstance(data, dict):
        bad(where, "must be a mapping with kind, event_type and mapping")
        return None
    _unknown(data, _IN, f"{where}.", bad)
    kind = _choice(data.get("kind"), ("file", "webhook"), f"{where}.kind", bad)
    event_type = _event_type(data.get("event_type"), f"{where}.event_type", bad)
    name = data.get("name") or event_type
    fmt = _choice(data.get("format", "csv"), ("csv", "jsonl"), f"{where}.format", bad)
    folder = str(data.get("folder") or "")
    if kind == "file" and not folder:
        bad(f"{where}.folder", "a file inbound needs the folder it reads")
    delimiter = delimiter_option(data.get("delimiter", ","))
    if delimiter is None:
        bad(f"{where}.delimiter", "must be one character, e.g. ',' or ';' (or 'tab')")
        delimiter = ","
    encoding = str(data.get("encoding") or "utf-8-sig")
    if not known_encoding(encoding):
        bad(f"{where}.encoding", f"unknown encoding {encoding!r} (try utf-8 or cp1252)")
        encoding = "utf-8"
    id_from = tuple(str(f) for f in _as_list(data.get("id_from")))
    match = data.get("match") or {}
    if not isinstance(match, dict):
        bad(f"{where}.match", "must map record fields to the values that select this stream")
        match = {}
    rules = _rules(data.get("mapping"), f"{where}.mapping", bad, inbound=True)
    constants = _constants(data.get("constants"), f"{where}.constants", bad)
    targets = [r.target for r in rules if r.target != IGNORE] + [t for t, _ in constants]
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        bad(f"{where}.mapping", f"{target} is fed by more than one field or constant")
    pattern = str(data.get("pattern") or "*")
    if "/" in pattern or "\\" in pattern or ".." in pattern:
        bad(f"{where}.pattern", "a file name pattern such as '*.csv', without '/' or '..'")
        pattern = "*"
    return Inbound(
        name=str(name),
        kind=kind,
        event_type=event_type,
        rules=tuple(rules),
        constants=tuple(constants),
        id_from=id_from,
        folder=folder,
        pattern=pattern,
        format=fmt,
        delimiter=delimiter,
        encoding=encoding,
        match=tuple((str(k), str(v)) for k, v in match.items()),
        batch=_int(data.get("batch"), f"{where}.batch", 1, MAX_BATCH, DEFAULT_BATCH, bad),
    )


def _outbound(data: Any, where: str, bad: Bad) -> Outbound | None:
    if not isinstance(data, dict):
        bad(where, "must be a mapping with kind, event_types and url or folder")
        return None
    _unknown(data, _OUT, f"{where}.", bad)
    kind = _choice(data.get("kind"), ("webhook", "file"), f"{where}.kind", bad)
    types = tuple(
        _event_type(t, f"{where}.event_types", bad) for t in _as_list(data.get("event_types"))
    )
    if not types:
        bad(f"{where}.event_types", "name at least one event type")
    name = _name(data.get("name") or kind, f"{where}.name", bad)
    url = str(data.get("url") or "")
    if kind == "webhook" and not url.startswith(("http://", "https://")):
        bad(f"{where}.url", "a webhook needs an http:// or https:// address")
    folder = str(data.get("folder") or "")
    if kind == "file" and not folder:
        bad(f"{where}.folder", "a file outbound needs the folder it writes")
    secret = _secret(data.get("secret"), f"{where}.secret", bad)
    if kind == "webhook" and not secret:
        bad(f"{where}.secret", "a webhook is signed: give it a secret")
    mappings = _outbound_mappings(data, types, where, bad)
    allow_private = data.get("allow_private", False)
    if not isinstance(allow_private, bool):
        bad(f"{where}.allow_private", "must be true or false")
        allow_private = False
    timeout = data.get("timeout_seconds", 5)
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        timeout = 0
    if not 0 < timeout <= 60:
        bad(f"{where}.timeout_seconds", "must be a number of seconds from 0 to 60")
        timeout = 5.0
    return Outbound(
        name=name,
        kind=kind,
        event_types=types,
        mappings=mappings,
        url=url,
        folder=folder,
        format=_choice(data.get("format", "jsonl"), ("jsonl", "csv"), f"{where}.format", bad),
        secret=secret,
        allow_private=allow_private,
        max_attempts=_int(data.get("max_attempts"), f"{where}.max_attempts", 1, 50, 8, bad),
        timeout_seconds=timeout,
    )


def _outbound_mappings(
    data: dict, types: tuple[str, ...], where: str, bad: Bad
) -> dict[str, tuple[MappingRule, ...]]:
    """``mapping`` for every event type (key ``*``) and ``mappings`` per event type."""
    mappings: dict[str, tuple[MappingRule, ...]] = {}
    if data.get("mapping") is not None:
        mappings["*"] = tuple(_rules(data["mapping"], f"{where}.mapping", bad, inbound=False))
    per_type = data.get("mappings") or {}
    if not isinstance(per_type, dict):
        bad(f"{where}.mappings", "must map event types to mappings")
        per_type = {}
    for event_type, spec in per_type.items():
        if event_type not in types:
            bad(f"{where}.mappings.{event_type}", "is not one of this outbound's event_types")
        mappings[str(event_type)] = tuple(
            _rules(spec, f"{where}.mappings.{event_type}", bad, inbound=False)
        )
    return mappings


def _rules(data: Any, where: str, bad: Bad, inbound: bool) -> list[MappingRule]:
    """Inbound: ``external: target`` or ``external: {to: target, …}``; outbound:
    ``external: source`` or ``external: {from: source, …}``."""
    if not isinstance(data, dict) or not data:
        bad(where, "is required: a mapping of field → field")
        return []
    rules = []
    link = "to" if inbound else "from"
    for key, spec in data.items():
        here = f"{where}.{key}"
        if spec is None or isinstance(spec, str):
            spec = {link: spec if spec is not None else IGNORE}
        if not isinstance(spec, dict):
            bad(here, f"must be a field name or a mapping with '{link}:'")
            continue
        _unknown(spec, _RULE - {"from" if inbound else "to"}, f"{here}.", bad)
        other = spec.get(link)
        if inbound and isinstance(other, str):
            _check_target(other, here, bad)
        elif not inbound and other is None and "default" in spec:
            other = ""  # a constant: {default: FAC}
        elif not isinstance(other, str) or not other:
            bad(here, f"needs '{link}:' naming a field")
            continue
        rules.append(_rule(str(key), other, spec, here, bad, inbound))
    return rules


def _rule(key: str, other: Any, spec: dict, here: str, bad: Bad, inbound: bool) -> MappingRule:
    kind = spec.get("type", "str")
    if kind not in TYPES:
        bad(f"{here}.type", f"must be one of {', '.join(TYPES)}")
        kind = "str"
    formats = tuple(str(f) for f in _as_list(spec.get("format")))
    if any("%" not in f for f in formats):
        bad(f"{here}.format", "a date format looks like '%d/%m/%Y'")
        formats = ()
    value_map = spec.get("value_map")
    if value_map is not None and not isinstance(value_map, dict):
        bad(f"{here}.value_map", "must map each value to a value")
        value_map = None
    if value_map is not None:
        value_map = {("" if k is None else str(k)): v for k, v in value_map.items()}
    required = spec.get("required", False)
    if not isinstance(required, bool):
        bad(f"{here}.required", "must be true or false")
        required = False
    source, target = (key, str(other)) if inbound else (str(other), key)
    return MappingRule(
        source=source,
        target=target,
        type=kind,
        formats=formats,
        value_map=value_map,
        default=spec.get("default"),
        required=required,
        decimal_comma=spec.get("decimal_comma") is True,
    )


def _check_target(target: str, where: str, bad: Bad) -> None:
    if target == IGNORE or target in ENVELOPE_TARGETS:
        return
    group, _, rest = target.partition(".")
    if group == "payload" and rest:
        return
    if group == "customer" and (
        rest in CUSTOMER_FIELDS
        or rest == "external_id"
        or (rest.startswith("external_ids.") and len(rest) > len("external_ids."))
    ):
        return
    bad(
        where,
        f"unknown target {target!r} (id, occurred_at, channel, payload.<field>, "
        f"customer.<{'|'.join(CUSTOMER_FIELDS)}|external_id|external_ids.<system>>, ignore)",
    )


def _constants(data: Any, where: str, bad: Bad) -> list[tuple[str, Any]]:
    if data is None:
        return []
    if not isinstance(data, dict):
        bad(where, "must map targets to values, e.g. payload.currency: USD")
        return []
    out = []
    for target, value in data.items():
        _check_target(str(target), f"{where}.{target}", bad)
        out.append((str(target), value))
    return out
