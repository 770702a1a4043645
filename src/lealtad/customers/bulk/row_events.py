"""A CSV row → a canonical ``customer.upserted`` event, each cell through the mapping engine.

A cell that cannot be converted refuses the row naming its line and column, unless it feeds
an optional profile field: then the row is imported without it and the field is set aside
as a data-quality issue (docs/data-quality.md). The event's id is the row's idempotency key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lealtad.core import normalize
from lealtad.core.record_mapping import (
    MISSING,
    Invalid,
    MappingRule,
    NotInValueMap,
    Required,
    resolve_in,
)
from lealtad.core.set_aside import FieldIssue
from lealtad.customers.bulk.column_mapping import (
    CUSTOMER_TARGETS,
    DEFAULT_DATE_FORMATS,
    EVENT_TYPE,
    IGNORE,
    MULTI_TARGETS,
    PROFILE_SPLIT_LISTS,
    ColumnRule,
    Mapping,
    constant_rule,
)
from lealtad.customers.schemas import CustomerProfile

EVENT_ID_LIMIT = 120
Label = tuple[str, str]  # (column, target)


@dataclass
class Row:
    line: int
    event: dict[str, Any]
    where: dict[str, Label]  # error path prefix → (column, target)
    problems: list[str]
    set_aside: list[FieldIssue] = field(default_factory=list)


@dataclass
class _Parts:
    """The pieces of one row's event while its cells are put in place."""

    customer: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    address: dict[str, Any] = field(default_factory=dict)
    household: dict[str, Any] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)


class RowBuilder:
    def __init__(self, mapping: Mapping, source: str, occurred_at: datetime) -> None:
        self.mapping = mapping
        self.source = source
        self.occurred_at = occurred_at.isoformat()

    def build(self, line: int, header: list[str], cells: list[str]) -> Row:
        row = Row(line, {}, {}, [])
        if len(cells) != len(header):
            row.problems.append(
                f"line {line}: {len(cells)} cells but the header has {len(header)} columns "
                "(a value with the delimiter or a line break needs quotes)"
            )
            return row
        values = dict(zip(header, cells, strict=True))
        parts = _Parts()
        for rule in self.mapping.columns:
            if rule.target == IGNORE:
                continue
            value = self._cell(line, rule, values[rule.column], row)
            if value is not MISSING:
                self._put(parts, row, rule.target, value, rule.column, rule)
        cell_groups = {t.partition(".")[0] for t in parts.filled}
        self._constants(line, parts, row)
        self._groups(parts, row, cell_groups)
        row.event = {
            "id": self._event_id(line, values, row),
            "type": EVENT_TYPE,
            "channel": self.mapping.channel,
            "occurred_at": self.occurred_at,
            "customer": parts.customer,
            "payload": parts.payload,
        }
        return row

    def _constants(self, line: int, parts: _Parts, row: Row) -> None:
        """Constants complete an address or household the row has; they never make one up."""
        for target, constant in self.mapping.constants:
            if target not in parts.filled or target in MULTI_TARGETS:
                label = (f"constants.{target}", target)
                value = self._resolve(line, label, constant_rule(target), constant, row)
                if value is not MISSING:
                    self._put(parts, row, target, value, label[0], None)

    def _groups(self, parts: _Parts, row: Row, cell_groups: set[str]) -> None:
        """The address and household, when a cell of the row (not a constant) fed them."""
        if parts.address and "address" in cell_groups:
            parts.payload["addresses"] = [parts.address]
        household = parts.household
        if household and "household" in cell_groups:
            if "size" in household:
                size = household["size"]
                if not size.isdigit():
                    reason = f"{size!r} is not a whole number"
                    row.set_aside.append(FieldIssue("payload.household.size", size, reason))
                    del household["size"]
                else:
                    household["size"] = int(size)
            parts.payload["household"] = household

    def _put(
        self, parts: _Parts, row: Row, target: str, value: Any, column: str, rule: ColumnRule | None
    ) -> None:
        group, _, name = target.partition(".")
        label = (column, target)
        parts.filled.add(target)
        payload = parts.payload
        if target in CUSTOMER_TARGETS:
            key = CUSTOMER_TARGETS[target]
            if key == "external_ids":
                parts.customer["external_ids"] = {self.mapping.source_system: value}
            else:
                parts.customer[key] = value
            row.where[f"customer.{key}"] = label
        elif target == "profile.phones":
            kind = rule.phone_kind if rule else "mobile"
            row.where[f"payload.phones.{len(payload.setdefault('phones', []))}"] = label
            payload["phones"].append({"number": value, "kind": kind})
        elif target == "profile.emails":  # a bad one is set aside by the schema
            row.where[f"payload.emails.{len(payload.setdefault('emails', []))}"] = label
            payload["emails"].append(value)
        elif group == "profile" and name in PROFILE_SPLIT_LISTS:
            sep = rule.separator if rule else "|"
            payload[name] = [v.strip() for v in value.split(sep) if v.strip()]
            row.where[f"payload.{name}"] = label
        elif group == "profile":
            payload[name] = value
            row.where[f"payload.{name}"] = label
        elif group in ("address", "household"):
            getattr(parts, group)[name] = value
            prefix = "payload.addresses.0" if group == "address" else "payload.household"
            row.where[f"{prefix}.{name}"] = label
        elif group == "consent":
            self._consent(payload, row, name, value, label)

    def _consent(self, payload: dict, row: Row, name: str, granted: bool, label: Label) -> None:
        channel, _, purpose = name.partition(".")
        consents = payload.setdefault("consents", [])
        row.where[f"payload.consents.{len(consents)}"] = label
        method = f"import {self.source}"[:120]
        consents.append(
            {"channel": channel, "purpose": purpose, "granted": granted, "method": method}
        )

    def _cell(self, line: int, rule: ColumnRule, raw: str, row: Row) -> Any:
        label = (rule.column, rule.target)
        value = raw.strip()
        control = normalize.control_character(value)
        if control:
            row.problems.append(
                at_cell(line, label, f"contains the control character U+{ord(control):04X}")
            )
            return MISSING
        return self._resolve(line, label, rule.engine, value, row)

    def _resolve(self, line: int, label: Label, rule: MappingRule, value: str, row: Row) -> Any:
        """The value the engine makes of a cell (or a constant), or MISSING when there is
        none; a value the engine refuses is a problem of the row or a field set aside."""
        try:
            return resolve_in(rule, value, UTC)
        except Required:
            row.problems.append(at_cell(line, label, "is required but empty"))
        except NotInValueMap as exc:
            _refuse(line, label, value, str(exc), row)
        except Invalid as exc:
            reason = _not_a_date(value, rule.formats) if rule.type == "date" else str(exc)
            _refuse(line, label, value, reason, row)
        return MISSING

    def _event_id(self, line: int, values: dict[str, str], row: Row) -> str:
        system = self.mapping.source_system
        mapped = sorted(
            (r.column, values[r.column].strip()) for r in self.mapping.columns if r.target != IGNORE
        )
        digest = hashlib.sha256(json.dumps(mapped, ensure_ascii=False).encode()).hexdigest()
        if self.mapping.id_column is None:
            return f"import:{system}:row-{digest[:32]}"
        key = values[self.mapping.id_column].strip()
        if not key:
            row.problems.append(
                f"line {line}, column {self.mapping.id_column!r} (id_column): is empty; every row "
                "needs its id"
            )
            key = "?"
        event_id = f"import:{system}:{key}"
        if self.mapping.apply_changes:
            event_id = f"{event_id}:{digest[:16]}"
        if len(event_id) > EVENT_ID_LIMIT:
            row.problems.append(
                f"line {line}, column {self.mapping.id_column!r} (id_column): the id is too long "
                f"(the import key import:{system}:<id> may have {EVENT_ID_LIMIT} characters)"
            )
        return event_id


def _refuse(line: int, label: Label, value: str, reason: str, row: Row) -> None:
    """A cell that cannot be converted: an optional profile field is set aside (the row is
    imported without it, docs/data-quality.md); any other refuses the row."""
    path = optional_path(label[1])
    if path is None:
        row.problems.append(at_cell(line, label, reason))
    else:
        row.set_aside.append(FieldIssue(path, value, reason))
        row.where.setdefault(path, label)


def optional_path(target: str) -> str | None:
    """Where an optional field of ``customer.upserted`` a target feeds sits in the event."""
    group, _, name = target.partition(".")
    if group == "profile" and name in CustomerProfile.SET_ASIDE:
        return f"payload.{name}"
    if group == "address":
        return f"payload.addresses.0.{name}"
    if group == "household":
        return f"payload.household.{name}"
    return None


def _not_a_date(value: str, formats: tuple[str, ...]) -> str:
    """The engine's refusal worded for spreadsheet users: DD/MM/YYYY, not %d/%m/%Y."""
    shown = " or ".join(_human(f) for f in formats)
    hint = " (day/month/year)" if formats == DEFAULT_DATE_FORMATS else ""
    return f"{value!r} is not a date in the form {shown}{hint}"


def _human(fmt: str) -> str:
    for code, text in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY")):
        fmt = fmt.replace(code, text)
    return fmt


def at_cell(line: int, label: Label, message: str) -> str:
    column, target = label
    if column.startswith("constants."):
        return f"line {line}, {column}: {message}"
    return f"line {line}, column {column!r} ({target}): {message}"
