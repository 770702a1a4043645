"""The customer import's YAML mapping: which CSV column feeds which field of a canonical
``customer.upserted`` event (the format is in ``docs/import-export.md``).

Each column becomes a :class:`ColumnRule` carrying a :class:`~lealtad.core.record_mapping.
MappingRule` of the one mapping engine, typed by the field it feeds (dates, yes/no consents,
text), so a cell's default, value map and conversion are decided where a connector's are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import yaml

from lealtad.core.record_mapping import (
    IGNORE,
    MappingRule,
    delimiter_option,
    known_encoding,
    load_yaml,
)
from lealtad.customers import choices

EVENT_TYPE = "customer.upserted"

# Targets a column may feed -------------------------------------------------------------------

CUSTOMER_TARGETS = {
    "customer.email": "email",
    "customer.phone": "phone",
    "customer.national_id": "national_id",
    "customer.card": "card",
    "customer.external_id": "external_ids",
    "customer.name": "name",
}
PROFILE_SCALARS = (
    "kind",
    "given_names",
    "first_surname",
    "second_surname",
    "organization_name",
    "national_id_type",
    "gender",
    "language",
    "marital_status",
    "birth_date",
    "income_band",
    "health_insurance",
    "preferred_channel",
    "lifecycle_status",
)
PROFILE_SPLIT_LISTS = ("payment_methods", "purchase_motives")  # one cell, several values
MULTI_TARGETS = ("profile.phones", "profile.emails")  # several columns may feed these
ADDRESS_FIELDS = (
    "kind",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "valid_from",
    "valid_to",
)
HOUSEHOLD_FIELDS = ("name", "role", "size")
DATE_TARGETS = {"profile.birth_date", "address.valid_from", "address.valid_to"}
PHONE_KINDS = tuple(v for v in choices.PhoneKind.values if v)
CONSENT_TARGETS = {
    f"consent.{c}.{p}" for c in choices.ConsentChannel.values for p in choices.ConsentPurpose.values
}

SCALAR_TARGETS = (
    set(CUSTOMER_TARGETS)
    | {f"profile.{f}" for f in (*PROFILE_SCALARS, *PROFILE_SPLIT_LISTS)}
    | {f"address.{f}" for f in ADDRESS_FIELDS}
    | {f"household.{f}" for f in HOUSEHOLD_FIELDS}
    | CONSENT_TARGETS
)
ALL_TARGETS = SCALAR_TARGETS | set(MULTI_TARGETS)

DEFAULT_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # day/month/year as people write it, or ISO
_SYSTEM_LIMIT = 60

Bad = Callable[[str, str], None]


def rule_type(target: str) -> str:
    """The engine's type for a target: dates, yes/no consents, text for the rest."""
    if target in DATE_TARGETS:
        return "date"
    if target in CONSENT_TARGETS:
        return "bool"
    return "str"


class MappingError(ValueError):
    """The mapping file cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ColumnRule:
    """How one CSV column becomes one field."""

    column: str
    target: str
    required: bool = False
    default: str | None = None
    value_map: dict[str, str] | None = None
    date_format: str | None = None
    phone_kind: str = "mobile"
    separator: str = "|"

    @cached_property
    def engine(self) -> MappingRule:
        """The column as the mapping engine takes it."""
        formats = (self.date_format,) if self.date_format else DEFAULT_DATE_FORMATS
        return MappingRule(
            source=self.column,
            target=self.target,
            type=rule_type(self.target),
            formats=formats,
            value_map=self.value_map,
            default=self.default,
            required=self.required,
        )


def constant_rule(target: str) -> MappingRule:
    """A constant goes through the engine like a cell (dates and yes/no converted)."""
    where = f"constants.{target}"
    return MappingRule(where, target, type=rule_type(target), formats=DEFAULT_DATE_FORMATS)


@dataclass(frozen=True)
class Mapping:
    channel: str
    source_system: str
    columns: tuple[ColumnRule, ...]
    id_column: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    constants: tuple[tuple[str, str], ...] = ()
    other_columns: str = "error"
    apply_changes: bool = False

    @property
    def used_columns(self) -> set[str]:
        used = {rule.column for rule in self.columns}
        if self.id_column:
            used.add(self.id_column)
        return used


_TOP_KEYS = {
    "channel",
    "source_system",
    "id_column",
    "delimiter",
    "encoding",
    "columns",
    "constants",
    "other_columns",
    "apply_changes",
    "date_format",
    "phone_kind",
}
_RULE_KEYS = {"field", "required", "default", "value_map", "date_format", "phone_kind", "separator"}


def load_mapping(text: str, name: str = "mapping") -> Mapping:
    """Parse a mapping; raises :class:`MappingError` listing every problem found."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise MappingError([f"{name}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise MappingError(
            [f"{name}: expected a YAML mapping with channel, source_system, columns"]
        )
    problems: list[str] = []

    def bad(where: str, message: str) -> None:
        problems.append(f"{name}: {where}: {message}")

    for key in sorted(set(map(str, data)) - _TOP_KEYS):
        bad(key, f"unknown option (known: {', '.join(sorted(_TOP_KEYS))})")
    options = _options(data, bad)
    rules = _rules(data.get("columns"), bad, data.get("date_format"), options["phone_kind"])
    constants = _constants(data.get("constants"), bad)
    targets = [r.target for r in rules if r.target != IGNORE] + [t for t, _ in constants]
    for target in sorted({t for t in targets if t in SCALAR_TARGETS and targets.count(t) > 1}):
        bad("columns", f"{target} is fed by more than one column or constant")
    if "customer.external_id" in targets and not options["source_system"]:
        bad("customer.external_id", "needs source_system")
    if problems:
        raise MappingError(problems)
    del options["phone_kind"]
    return Mapping(columns=tuple(rules), constants=tuple(constants), **options)


def _text_option(data: dict, key: str, bad: Bad, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            bad(key, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        bad(key, "must be a non-empty text")
        return None
    return value.strip()


def _options(data: dict, bad: Bad) -> dict[str, Any]:
    """The mapping's options other than its columns and constants, each checked."""
    channel = _text_option(data, "channel", bad, required=True) or ""
    source_system = _text_option(data, "source_system", bad, required=True) or ""
    if source_system and (len(source_system) > _SYSTEM_LIMIT or ":" in source_system):
        bad("source_system", f"at most {_SYSTEM_LIMIT} characters and no ':'")
    id_column = _text_option(data, "id_column", bad)
    encoding = _text_option(data, "encoding", bad) or "utf-8-sig"
    if not known_encoding(encoding):
        bad("encoding", f"unknown encoding {encoding!r} (try utf-8 or cp1252)")
    delimiter = data.get("delimiter")
    if delimiter is not None:
        delimiter = delimiter_option(delimiter)
        if delimiter is None:
            bad("delimiter", "must be one character, e.g. ',' or ';' (or 'tab')")
    other = data.get("other_columns", "error")
    if other not in ("error", IGNORE):
        bad("other_columns", "must be 'error' or 'ignore'")
    apply_changes = data.get("apply_changes", False)
    if not isinstance(apply_changes, bool):
        bad("apply_changes", "must be true or false")
        apply_changes = False
    if data.get("date_format") is not None and not isinstance(data["date_format"], str):
        bad("date_format", "must be a text such as '%d/%m/%Y'")
    phone_kind = data.get("phone_kind", "mobile")
    if phone_kind not in PHONE_KINDS:
        bad("phone_kind", f"must be one of {', '.join(PHONE_KINDS)}")
        phone_kind = "mobile"
    return {
        "channel": channel,
        "source_system": source_system,
        "id_column": id_column,
        "delimiter": delimiter,
        "encoding": encoding,
        "other_columns": other,
        "apply_changes": apply_changes,
        "phone_kind": phone_kind,
    }


def _rules(columns: Any, bad: Bad, date_format: Any, phone_kind: str) -> list[ColumnRule]:
    if not isinstance(columns, dict) or not columns:
        bad("columns", "is required: a mapping of CSV column → field (e.g. Correo: customer.email)")
        return []
    if not isinstance(date_format, str):
        date_format = None
    rules = []
    for column, spec in columns.items():
        rule = _rule(str(column), spec, bad, date_format, phone_kind)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(
    column: str, spec: Any, bad: Bad, date_format: str | None, phone_kind: str
) -> ColumnRule | None:
    where = f"columns.{column}"
    if spec is None or isinstance(spec, str):
        spec = {"field": spec if spec is not None else IGNORE}
    if not isinstance(spec, dict):
        bad(where, "must be a field name or a mapping with 'field:'")
        return None
    for key in sorted(set(map(str, spec)) - _RULE_KEYS):
        bad(where, f"unknown option {key!r} (known: {', '.join(sorted(_RULE_KEYS))})")
    target = spec.get("field")
    if not isinstance(target, str) or target not in (*ALL_TARGETS, IGNORE):
        bad(where, f"unknown field {target!r}; see docs/import-export.md for the fields")
        return None
    value_map = _value_map(spec.get("value_map"), where, bad)
    default = _default(spec.get("default"), where, bad)
    required = spec.get("required", False)
    if not isinstance(required, bool):
        bad(where, "required must be true or false")
        required = False
    kind = spec.get("phone_kind", phone_kind)
    if kind not in PHONE_KINDS:
        bad(where, f"phone_kind must be one of {', '.join(PHONE_KINDS)}")
        kind = "mobile"
    fmt = spec.get("date_format", date_format)
    if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
        bad(where, "date_format must be a text such as '%d/%m/%Y'")
        fmt = None
    separator = spec.get("separator", "|")
    if not isinstance(separator, str) or not separator:
        bad(where, "separator must be a non-empty text")
        separator = "|"
    return ColumnRule(
        column=column.strip(),
        target=target,
        required=required,
        default=default,
        value_map=value_map,
        date_format=fmt,
        phone_kind=kind,
        separator=separator,
    )


def _value_map(value_map: Any, where: str, bad: Bad) -> dict[str, str] | None:
    if value_map is None:
        return None
    if not isinstance(value_map, dict) or not all(
        isinstance(v, str | type(None)) for v in value_map.values()
    ):
        bad(where, "value_map must map each CSV value to a value (text)")
        return None
    return {("" if k is None else str(k)): ("" if v is None else v) for k, v in value_map.items()}


def _default(default: Any, where: str, bad: Bad) -> str | None:
    if default is not None and not isinstance(default, str | bool):
        bad(where, "default must be a text")
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    return default


def _constants(data: Any, bad: Callable[[str, str], None]) -> list[tuple[str, str]]:
    if data is None:
        return []
    if not isinstance(data, dict):
        bad("constants", "must map fields to values, e.g. address.country: EC")
        return []
    out = []
    for target, value in data.items():
        if target not in ALL_TARGETS:
            bad(f"constants.{target}", "unknown field")
        elif not isinstance(value, str | bool):
            bad(f"constants.{target}", "must be a text")
        else:
            out.append((target, str(value).lower() if isinstance(value, bool) else value))
    return out
