"""The data transformation engine: an external record → a canonical event, and a hub message
→ an external record, following a connector's :class:`~.spec.MappingRule` list.

Plain Python (no Django). Inbound, every problem is reported with the external field it came
from, and :meth:`InboundMapper.locate` names the external field behind a canonical path, so a
rejection from the event's schema also points at the record's own field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.core.errors import DomainError
from lealtad.core.event_ids import is_safe_event_id
from lealtad.core.record_mapping import (
    IGNORE,
    MISSING,
    Invalid,
    MappingRule,
    Required,
    convert_out,
    empty,
    get_path,
    lookup_value,
    resolve_in,
    set_path,
)
from lealtad.core.set_aside import FieldIssue

EVENT_ID_LIMIT = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _payload_field(parts: tuple[str, ...]) -> bool:
    return len(parts) == 2 and parts[0] == "payload"


# Inbound -----------------------------------------------------------------------------------------


@dataclass
class Mapped:
    """One external record turned into a canonical event (or the reasons it could not be)."""

    event: dict[str, Any] | None
    problems: list[dict[str, str]] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)
    set_aside: list[FieldIssue] = field(default_factory=list)  # optional fields left out

    def locate(self, path: str) -> str:
        """The external field behind a canonical path (``payload.amount`` → ``IMPORTE``)."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            found = self.where.get(".".join(parts[:end]))
            if found:
                return found
        return path


class InboundMapper:
    """Turns a stream's records into canonical event dicts (validated later by ingest).

    Everything that does not depend on the record (where each target goes, which external
    field feeds it, the constants) is worked out once here: a stock file has a million rows.
    """

    def __init__(
        self,
        connector: Connector,
        stream: Inbound,
        tz: tzinfo,
        about_customer: bool = True,
        optional: frozenset[str] = frozenset(),
    ) -> None:
        self.connector = connector
        self.stream = stream
        self.tz = tz
        # Payload fields whose bad value is set aside rather than refusing the record
        # (docs/data-quality.md): a customer's birth date that is no date, say.
        self.optional = optional
        self.rules = tuple(r for r in stream.rules if r.target != IGNORE)
        self.prefix = f"{connector.name}:{stream.name}:"
        targets = {r.target for r in self.rules} | {t for t, _ in stream.constants}
        # The envelope names a customer; an event about no customer (a stock level) names the
        # reporting system, and its applier ignores it (docs/connectors.md).
        self.stand_in = (
            None
            if about_customer or any(t.startswith("customer.") for t in targets)
            else {"name": connector.system}
        )
        self.where: dict[str, str] = {}
        self.plan = [
            (rule, "." in rule.source, self._target(rule.target, rule.source))
            for rule in self.rules
        ]
        self.constants = [
            (self._target(t, f"constants.{t}"), value) for t, value in stream.constants
        ]
        if stream.id_from:
            self.where["id"] = ",".join(stream.id_from)
        self._plan_lean_path()

    def _plan_lean_path(self) -> None:
        """What :meth:`fields` needs per rule and constant, worked out once."""
        # Per rule, the timestamps seen and what they became: a file repeats a few of them.
        self._moments: list[dict[str, str]] = [{} for _ in self.plan]
        self._lean = [
            (
                rule.source,
                rule.value_map,
                rule.type,
                None if how != "path" else (parts[1] if parts[0] == "payload" else ""),
                moments if rule.type == "datetime" and rule.value_map is None else None,
            )
            for (rule, _, (how, parts)), moments in zip(self.plan, self._moments, strict=True)
        ]
        self._is_flat = self.flat()
        self._lean_constants = [
            (parts[1], value)
            for (how, parts), value in self.constants
            if how == "path" and parts[0] == "payload" and len(parts) == 2
        ]
        self._lean_occurred_at = next(
            (value for (how, parts), value in self.constants if parts == ("occurred_at",)), None
        )

    def _target(self, target: str, source: str) -> tuple[str, tuple[str, ...]]:
        """How a value reaches ``target``: ``("external", (system,))``, ``("id", ())`` or
        ``("path", parts)``."""
        if target == "customer.external_id":
            target = f"customer.external_ids.{self.connector.system}"
        self.where[target] = source
        if target.startswith("customer.external_ids."):
            return "external", (target.removeprefix("customer.external_ids."),)
        if target == "id":
            return "id", ()
        return "path", tuple(target.split("."))

    def map(self, record: dict[str, Any], received_at: datetime) -> Mapped:
        out = Mapped(event=None, where=self.where)
        envelope: dict[str, Any] = {
            "type": self.stream.event_type,
            "channel": self.connector.system,
            "customer": dict(self.stand_in) if self.stand_in else {},
            "payload": {},
        }
        for how, constant in self.constants:
            self._put(envelope, how, constant)
        for rule, dotted, how in self.plan:
            value = get_path(record, rule.source) if dotted else record.get(rule.source, MISSING)
            self._field(envelope, rule, value, how, out)
        if "occurred_at" not in envelope:
            envelope["occurred_at"] = received_at.isoformat()
        if "id" in envelope:  # mapped from the record's own id field
            envelope["id"] = self._safe_id(envelope["id"], out)
        else:
            envelope["id"] = self._event_id(record, out)
        if not out.problems:
            out.event = envelope
        return out

    def flat(self) -> bool:
        """Whether every target is ``payload.<field>``, ``occurred_at`` or ``id``: such a
        stream's records can go through :meth:`fields`, the lean path of state reports."""
        kinds = [how for _, _, how in self.plan] + [how for how, _ in self.constants]
        return all(
            (kind == "path" and (parts == ("occurred_at",) or _payload_field(parts)))
            or kind == "id"
            for kind, parts in kinds
        )

    def fields(self, record: dict[str, Any], received_at: datetime) -> Mapped:
        """The record's payload and ``occurred_at`` only (no id, no customer), for a
        :meth:`flat` stream: ``event`` is ``{"payload": …, "occurred_at": …}``.

        A stock file has a million rows, so the usual cell — present, in the value map as
        written, a plain whole number or a timestamp seen before — is converted here
        directly; anything else goes through :meth:`map`, so both give the same answer.
        """
        if not self._is_flat:
            return self._fields_slowly(record, received_at)
        payload = dict(self._lean_constants)
        occurred_at = self._lean_occurred_at
        for source, value_map, kind, key, moments in self._lean:
            value = record.get(source)
            if type(value) is not str or not value or value.strip() != value:
                return self._fields_slowly(record, received_at)
            if value_map is not None:
                value = value_map.get(value)
                if type(value) is not str or not value:
                    return self._fields_slowly(record, received_at)
            if kind == "str":
                converted: Any = value
            elif kind == "int" and value.isascii() and value.isdigit():
                converted = int(value)
            elif moments is not None and (converted := moments.get(value)) is not None:
                pass
            else:
                return self._fields_slowly(record, received_at)
            if key is None:  # feeds the event id: checked, not kept
                continue
            if key == "":
                occurred_at = converted
            else:
                payload[key] = converted
        for name in self.stream.id_from:
            value = record.get(name)
            if type(value) is not str or not value.strip():
                return self._fields_slowly(record, received_at)
        event = {"payload": payload, "occurred_at": occurred_at or received_at.isoformat()}
        return Mapped(event=event, where=self.where)

    def _fields_slowly(self, record: dict[str, Any], received_at: datetime) -> Mapped:
        mapped = self.map(record, received_at)
        if mapped.event is None:
            return mapped
        event = mapped.event
        mapped.event = {"payload": event["payload"], "occurred_at": event["occurred_at"]}
        for (rule, _, (how, parts)), moments in zip(self.plan, self._moments, strict=True):
            value = record.get(rule.source)
            if rule.type != "datetime" or rule.value_map or how != "path" or type(value) is not str:
                continue
            if len(moments) > 10_000:
                moments.clear()
            moment = (
                event["payload"].get(parts[1]) if parts[0] == "payload" else event.get(parts[0])
            )
            if isinstance(moment, str):
                moments[value] = moment
        return mapped

    def _field(
        self, envelope: dict, rule: MappingRule, value: Any, how: tuple, out: Mapped
    ) -> None:
        try:
            converted = resolve_in(rule, value, self.tz)
        except Required as exc:
            out.problems.append({"field": rule.source, "message": str(exc)})
            return
        except Invalid as exc:
            self._refuse(rule, value, how, str(exc), out)
            return
        if converted is not MISSING:
            self._put(envelope, how, converted)

    def _refuse(self, rule: MappingRule, value: Any, how: tuple, reason: str, out: Mapped) -> None:
        """A value that cannot be converted: set aside when it feeds an optional payload field,
        else the record is rejected naming the external field."""
        kind, parts = how
        if (
            kind == "path"
            and len(parts) >= 2
            and parts[0] == "payload"
            and parts[1] in self.optional
        ):
            raw = value if isinstance(value, str | int | float | bool) else str(value)
            out.set_aside.append(FieldIssue(".".join(parts), raw, reason))
        else:
            out.problems.append({"field": rule.source, "message": reason})

    def _put(self, envelope: dict, how: tuple[str, tuple[str, ...]], value: Any) -> None:
        kind, parts = how
        if kind == "path":
            node = envelope
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        elif kind == "external":
            envelope["customer"].setdefault("external_ids", {})[parts[0]] = str(value)
        else:
            envelope["id"] = f"{self.prefix}{value}"

    def _event_id(self, record: dict[str, Any], out: Mapped) -> str:
        if self.stream.id_from:
            parts = []
            for name in self.stream.id_from:
                value = record.get(name, MISSING)
                if value is MISSING and "." in name:
                    value = get_path(record, name)
                text = "" if value is MISSING or value is None else str(value).strip()
                if not text:
                    message = "is empty; the record's id is built from it (id_from)"
                    out.problems.append({"field": name, "message": message})
                parts.append(text)
            key = "|".join(parts)
        else:  # the record's content is its identity: the same record twice is one event
            key = (
                "h"
                + hashlib.sha256(
                    json.dumps(record, sort_keys=True, default=str).encode()
                ).hexdigest()[:32]
            )
        return self._safe_id(f"{self.prefix}{key}", out)

    def _safe_id(self, event_id: str, out: Mapped) -> str:
        """An event id the envelope accepts. A key with spaces, commas, accents or over the
        length limit becomes a stable hash of itself (the same record keeps its id); one with
        control characters (CR, LF, NUL…) is refused, naming the field it came from."""
        key = event_id.removeprefix(self.prefix)
        if _CONTROL.search(key):
            message = "the record's id holds control characters (line breaks, tabs…)"
            out.problems.append({"field": self.where.get("id", "id"), "message": message})
            return event_id
        if len(event_id) > EVENT_ID_LIMIT or not is_safe_event_id(event_id):
            return f"{self.prefix}h{hashlib.sha256(key.encode()).hexdigest()[:40]}"
        return event_id


# Outbound ----------------------------------------------------------------------------------------


class OutboundMappingError(DomainError):
    """The message lacks what the external format needs; the delivery fails and is retried,
    then dead-lettered, and can be replayed once the mapping is fixed."""

    code = "outbound_mapping_failed"


def map_out(source: dict[str, Any], rules: tuple[MappingRule, ...], tz: tzinfo) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for rule in rules:
        value = get_path(source, rule.source) if rule.source else MISSING
        if empty(value):
            value = rule.default
        elif rule.value_map is not None:
            mapped = lookup_value(rule.value_map, value)
            if mapped is MISSING:
                raise OutboundMappingError(f"{rule.target}: {value!r} is not in its value_map")
            value = mapped
        if empty(value):
            if rule.required:
                raise OutboundMappingError(f"{rule.target}: {rule.source} is missing")
            set_path(record, rule.target, None)
            continue
        try:
            set_path(record, rule.target, convert_out(value, rule, tz))
        except Invalid as exc:
            raise OutboundMappingError(f"{rule.target}: {exc}") from exc
    return record
