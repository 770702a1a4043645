"""The one mapping engine: a field's way from an external record to a canonical event and
back, as a YAML mapping declares it (:class:`MappingRule`).

Plain Python (no Django). Connectors (``channels/connectors``: files, webhooks, outbound
deliveries) and the customer CSV import (``customers/bulk``) both describe each field as a
:class:`MappingRule` and take its value through :func:`resolve_in` (absent → default → the
value map's entry for "" → required; then the value map, matched exactly and then ignoring
case and accents; then the conversion by type) or :func:`convert_out`. Each reader keeps its
own YAML dialect and wording for its users; what a value becomes is decided here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import yaml

from lealtad.core.normalize import fold
from lealtad.core.yamltext import TextLoader

TYPES = ("str", "int", "decimal", "date", "datetime", "bool")
IGNORE = "ignore"
YES = {"si", "s", "yes", "y", "true", "1", "x", "verdadero", "acepta"}
NO = {"no", "n", "false", "0", "falso", "rechaza"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
MISSING: Any = object()


@dataclass(frozen=True)
class MappingRule:
    """One field's way across: from ``source`` to ``target``, converted on the way.

    Inbound, ``source`` is the external field (a CSV column or a JSON path) and ``target`` a
    canonical path (``payload.amount``, ``customer.national_id``, ``occurred_at``…); outbound
    it is the other way round.
    """

    source: str
    target: str
    type: str = "str"
    formats: tuple[str, ...] = ()
    value_map: dict[str, Any] | None = None
    default: Any = None
    required: bool = False
    decimal_comma: bool = False


class Invalid(ValueError):
    """A value that cannot be converted; the message is for the person fixing the data."""


class Required(Invalid):
    """A required field is absent or empty (and has no default)."""

    def __init__(self) -> None:
        super().__init__("is required")


class NotInValueMap(Invalid):
    """A value its rule's value map does not list."""


def load_yaml(text: str) -> Any:
    """A mapping file's YAML, read so value maps and codes survive: only ``true``/``false``
    are booleans; ``01``, ``no`` and ``2024-01-31`` stay text. Raises :class:`yaml.YAMLError`."""
    return yaml.load(text, Loader=TextLoader)  # a SafeLoader subclass


def delimiter_option(value: Any) -> str | None:
    """A CSV delimiter as written in a mapping (``tab`` for a tab); None if it is not one
    character."""
    if not isinstance(value, str):
        return None
    value = {"tab": "\t", "\\t": "\t"}.get(value, value)
    return value if len(value) == 1 else None


def known_encoding(encoding: str) -> bool:
    try:
        "".encode(encoding)
    except LookupError:
        return False
    return True


def resolve_in(rule: MappingRule, value: Any, tz: tzinfo) -> Any:
    """What an external value becomes in the canonical event, or :data:`MISSING` when the
    field is to be left out. Raises :class:`Required`, :class:`NotInValueMap` or
    :class:`Invalid` (a value that does not convert to the rule's type)."""
    if empty(value):
        value = rule.default
        if empty(value) and rule.value_map is not None and "" in rule.value_map:
            value = rule.value_map[""]
        if empty(value):
            if rule.required:
                raise Required
            return MISSING
    elif rule.value_map is not None:
        mapped = rule.value_map.get(value, MISSING) if isinstance(value, str) else MISSING
        if mapped is MISSING:
            mapped = lookup_value(rule.value_map, value)
        if mapped is MISSING:
            known = ", ".join(repr(k) for k in rule.value_map if k)
            raise NotInValueMap(f"{value!r} is not one of {known}")
        if empty(mapped):
            return MISSING
        value = mapped
    return convert_in(value, rule, tz)


# Conversion --------------------------------------------------------------------------------------


def empty(value: Any) -> bool:
    return value is None or value is MISSING or (isinstance(value, str) and not value.strip())


def lookup_value(value_map: dict[str, Any], value: Any) -> Any:
    """The value map's entry for ``value``, exact first, then ignoring case and accents."""
    text = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    if text in value_map:
        return value_map[text]
    folded = fold(text)
    for key, mapped in value_map.items():
        if fold(key) == folded:
            return mapped
    return MISSING


def to_decimal(value: Any, decimal_comma: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise Invalid(f"{value!r} is not a number")
    text = str(value).strip()
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise Invalid(f"{value!r} is not a number")
    return number


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("+-").isdigit():
        try:
            return int(text)
        except ValueError:  # digits int() does not read, such as '²'
            pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise Invalid(f"{value!r} is not a whole number")


def to_date(value: Any, formats: tuple[str, ...]) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in formats or DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    shown = " or ".join(formats or DATE_FORMATS)
    raise Invalid(f"{value!r} is not a date in the form {shown}")


def to_datetime(value: Any, formats: tuple[str, ...], tz: tzinfo) -> datetime:
    moment = value if isinstance(value, datetime) else _parse_datetime(str(value), formats)
    if moment is None:
        shown = " or ".join(formats) if formats else "ISO 8601 (2026-11-24T10:15:00-05:00)"
        raise Invalid(f"{value!r} is not a date and time in the form {shown}")
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _parse_datetime(text: str, formats: tuple[str, ...]) -> datetime | None:
    text = text.strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    if formats:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    folded = fold(str(value))
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise Invalid(f"{value!r} is neither yes (sí/si/1/x/true) nor no (no/0/false)")


@lru_cache(maxsize=4096)
def _iso_date(text: str, formats: tuple[str, ...]) -> str:
    return to_date(text, formats).isoformat()


@lru_cache(maxsize=4096)
def _iso_datetime(text: str, formats: tuple[str, ...], tz: tzinfo) -> str:
    """Files repeat the same few timestamps; parsing each once matters at a million rows."""
    return to_datetime(text, formats, tz).isoformat()


def convert_in(value: Any, rule: MappingRule, tz: tzinfo) -> Any:
    """An external value as the canonical event wants it (JSON-ready)."""
    kind = rule.type
    if kind == "int":
        return to_int(value)
    if kind == "decimal":
        return str(to_decimal(value, rule.decimal_comma))
    if kind == "date":
        if isinstance(value, str):
            return _iso_date(value, rule.formats)
        return to_date(value, rule.formats).isoformat()
    if kind == "datetime":
        if isinstance(value, str):
            return _iso_datetime(value, rule.formats, tz)
        return to_datetime(value, rule.formats, tz).isoformat()
    if kind == "bool":
        return to_bool(value)
    if isinstance(value, dict | list):
        return value
    return str(value).strip()


def convert_out(value: Any, rule: MappingRule, tz: tzinfo) -> Any:
    """A canonical value as the external system wants it (JSON-ready)."""
    kind = rule.type
    if kind == "int":
        number = to_decimal(value)
        if number != number.to_integral_value():
            raise Invalid(f"{value!r} is not a whole number")
        return int(number)
    if kind == "decimal":
        return str(to_decimal(value))
    if kind == "date":
        day = to_datetime(value, (), tz).date() if "T" in str(value) else to_date(value, ())
        return day.strftime(rule.formats[0]) if rule.formats else day.isoformat()
    if kind == "datetime":
        moment = to_datetime(value, (), tz)
        return moment.strftime(rule.formats[0]) if rule.formats else moment.isoformat()
    if kind == "bool":
        return to_bool(value)
    if isinstance(value, dict | list):
        return value
    return "" if value is None else str(value)


# Paths ------------------------------------------------------------------------------------


def get_path(data: Any, path: str) -> Any:
    """``a.b.0.c`` in nested dicts and lists; a key holding the whole path wins (CSV columns
    may contain dots)."""
    if isinstance(data, dict) and path in data:
        return data[path]
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value
