"""Segment rules as data: the fields a rule may name, their operators, validation with the
path of the first fault, and a plain-Python evaluation of a rule against one row.

A rule is a tree of groups and conditions::

    {"all": [{"field": "value_tier", "op": "in", "value": ["mvc", "mgc"]},
             {"any": [{"field": "consent_email", "op": "eq", "value": true},
                      {"field": "consent_sms", "op": "eq", "value": true}]}]}

A group is ``{"all": [...]}`` (AND) or ``{"any": [...]}`` (OR); a condition names a field of
the audience profile, an operator and a value. ``{"field": "segment", "op": "member",
"value": 12}`` asks for the members of another segment. The database compiles the same tree
(``lealtad.marketing.segment_sql``); :func:`evaluate` here is the reference the compiled SQL
is tested against, and the naive peer of the benchmark. Plain Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_DEPTH = 5
MAX_CONDITIONS = 60
MAX_LIST = 500

# Field types and the operators each one takes.
TEXT_OPS = ("eq", "ne", "in", "not_in", "is_empty", "is_set")
NUMBER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "is_empty", "is_set")
DATE_OPS = ("before", "after", "between", "within_days", "not_within_days", "is_empty", "is_set")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "text": TEXT_OPS,
    "choice": TEXT_OPS,
    "bool": ("eq",),
    "int": NUMBER_OPS,
    "decimal": NUMBER_OPS,
    "float": NUMBER_OPS,
    "date": DATE_OPS,
    "datetime": DATE_OPS,
    "age": ("eq", "lt", "lte", "gt", "gte", "between", "is_empty", "is_set"),
    "tags": ("has_any", "has_none"),
    "segment": ("member", "not_member"),
}
NO_VALUE = ("is_empty", "is_set")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    group: str  # profile, identifiers, consent, behaviour, standing, segments
    column: str = ""  # the audience column when it differs from the name (age: birth_date)
    choices: tuple[str, ...] = ()

    @property
    def ops(self) -> tuple[str, ...]:
        return OPS_BY_TYPE[self.type]

    @property
    def db_column(self) -> str:
        return self.column or self.name


def _fields() -> dict[str, Field]:
    rows = [
        *_profile_fields(),
        *_contact_fields(),
        *_behaviour_fields(),
        *_standing_fields(),
        Field("segment", "segment", "segments"),
    ]
    return {f.name: f for f in rows}


def _profile_fields() -> list[Field]:
    return [
        Field("kind", "choice", "profile", choices=("person", "organization")),
        Field("gender", "choice", "profile", choices=("female", "male", "other", "")),
        Field("age", "age", "profile", column="birth_date"),
        Field("birth_date", "date", "profile"),
        Field("region", "text", "profile"),
        Field("city", "text", "profile"),
        Field("language", "choice", "profile", choices=("es", "en")),
        Field(
            "income_band",
            "choice",
            "profile",
            choices=("low", "lower_middle", "middle", "upper_middle", "high", ""),
        ),
        Field(
            "marital_status",
            "choice",
            "profile",
            choices=("single", "married", "union", "divorced", "widowed", ""),
        ),
        Field("status", "choice", "profile", choices=("prospect", "customer", "former")),
        Field("created_at", "datetime", "profile"),
        Field("first_contact_at", "datetime", "profile"),
        Field("first_contact_channel", "text", "profile"),
        Field("preferred_channel", "text", "profile"),
    ]


def _contact_fields() -> list[Field]:
    return [
        Field("has_email", "bool", "identifiers"),
        Field("has_mobile", "bool", "identifiers"),
        Field("has_national_id", "bool", "identifiers"),
        Field("consent_email", "bool", "consent"),
        Field("consent_sms", "bool", "consent"),
        Field("consent_phone", "bool", "consent"),
        Field("consent_whatsapp", "bool", "consent"),
        Field("consent_mail", "bool", "consent"),
    ]


def _behaviour_fields() -> list[Field]:
    channels = ("web", "pos", "call_center", "kiosk", "ivr", "email", "handheld", "mobile")
    return [
        Field("orders_count", "int", "behaviour"),
        Field("total_spent", "decimal", "behaviour"),
        Field("first_order_on", "date", "behaviour"),
        Field("last_order_on", "date", "behaviour"),
        Field("returns_count", "int", "behaviour"),
        Field("channels_bought", "tags", "behaviour", choices=channels),
        Field("contacts_count", "int", "behaviour"),
        Field("last_contact_at", "datetime", "behaviour"),
        Field("open_cases", "int", "behaviour"),
    ]


def _standing_fields() -> list[Field]:
    return [
        Field(
            "value_tier",
            "choice",
            "standing",
            choices=("mvc", "mgc", "regular", "below_zero", "unknown"),
        ),
        Field("rfm_code", "text", "standing"),
        Field("rfm_recency", "int", "standing"),
        Field("rfm_frequency", "int", "standing"),
        Field("rfm_monetary", "int", "standing"),
        Field("clv", "decimal", "standing"),
        Field("churn_risk", "float", "standing"),
        Field("churn_band", "choice", "standing", choices=("low", "medium", "high", "")),
        Field(
            "lifecycle_stage",
            "choice",
            "standing",
            choices=(
                "prospect",
                "first_purchase",
                "repeat",
                "loyal",
                "lapsing",
                "lapsed",
                "won_back",
            ),
        ),
    ]


FIELDS: dict[str, Field] = _fields()


class RuleError(ValueError):
    """A rule that cannot be compiled: ``path`` names the faulty part (``rule.all[2].value``),
    ``code`` the reason (the Django side turns it into a sentence in the reader's language)."""

    def __init__(self, path: str, code: str, **params: Any) -> None:
        self.path, self.code, self.params = path, code, params
        super().__init__(f"{path}: {code} {params}" if params else f"{path}: {code}")


def validate(rule: Any, path: str = "rule") -> dict[str, Any]:
    """The rule, checked and normalized (numbers as numbers, dates as ISO text); raises
    :class:`RuleError` at the first fault. An empty rule (``{}``) is valid and matches all."""
    if rule in (None, {}):
        return {}
    count = [0]
    return _group(rule, path, 1, count)


def _group(node: Any, path: str, depth: int, count: list[int]) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        raise RuleError(path, "not_an_object")
    if "field" in node:
        count[0] += 1
        if count[0] > MAX_CONDITIONS:
            raise RuleError(path, "too_many_conditions", limit=MAX_CONDITIONS)
        return _condition(node, path)
    keys = [k for k in ("all", "any") if k in node]
    if len(keys) != 1 or len(node) != 1:
        raise RuleError(path, "group_needs_all_or_any")
    if depth > MAX_DEPTH:
        raise RuleError(path, "too_deep", limit=MAX_DEPTH)
    key = keys[0]
    items = node[key]
    if not isinstance(items, list) or not items:
        raise RuleError(f"{path}.{key}", "empty_group")
    return {
        key: [_group(item, f"{path}.{key}[{i}]", depth + 1, count) for i, item in enumerate(items)]
    }


def _condition(node: Mapping[str, Any], path: str) -> dict[str, Any]:
    extra = set(node) - {"field", "op", "value"}
    if extra:
        raise RuleError(f"{path}.{sorted(extra)[0]}", "unknown_key")
    name = node.get("field")
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        raise RuleError(f"{path}.field", "unknown_field", name=str(name))
    op = node.get("op")
    if op not in field.ops:
        raise RuleError(f"{path}.op", "bad_op", op=str(op), allowed=", ".join(field.ops))
    if op in NO_VALUE:
        return {"field": field.name, "op": op}
    if "value" not in node:
        raise RuleError(f"{path}.value", "value_missing")
    value = _value(field, op, node["value"], f"{path}.value")
    return {"field": field.name, "op": op, "value": value}


def _value(field: Field, op: str, raw: Any, path: str) -> Any:
    if op in ("in", "not_in", "has_any", "has_none"):
        if not isinstance(raw, list) or not raw:
            raise RuleError(path, "list_expected")
        if len(raw) > MAX_LIST:
            raise RuleError(path, "list_too_long", limit=MAX_LIST)
        return [_scalar(field, item, f"{path}[{i}]") for i, item in enumerate(raw)]
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise RuleError(path, "pair_expected")
        low, high = (_scalar(field, item, f"{path}[{i}]") for i, item in enumerate(raw))
        if _order_key(field, low) > _order_key(field, high):
            raise RuleError(path, "reversed_range")
        return [low, high]
    if op in ("within_days", "not_within_days"):
        return _count(raw, path)
    if field.type in ("age",):
        return _count(raw, path)
    if field.type == "segment":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            raise RuleError(path, "segment_id_expected")
        return raw
    return _scalar(field, raw, path)


def _count(raw: Any, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 36500:
        raise RuleError(path, "days_expected")
    return raw


def _order_key(field: Field, value: Any) -> Any:
    return Decimal(str(value)) if field.type in ("int", "decimal", "float", "age") else value


def _scalar(field: Field, raw: Any, path: str) -> Any:
    kind = field.type
    if kind == "bool":
        if not isinstance(raw, bool):
            raise RuleError(path, "bool_expected")
        return raw
    if kind in ("text", "choice", "tags"):
        if not isinstance(raw, str) or len(raw) > 200:
            raise RuleError(path, "text_expected")
        if field.choices and raw not in field.choices:
            raise RuleError(
                path, "not_a_choice", allowed=", ".join(c or '""' for c in field.choices)
            )
        return raw
    if kind in ("int", "age"):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise RuleError(path, "integer_expected")
        return raw
    if kind in ("decimal", "float"):
        return _number(raw, path)
    if kind in ("date", "datetime"):
        return _day(raw, path)
    raise RuleError(path, "bad_value")  # pragma: no cover - every type is handled above


def _number(raw: Any, path: str) -> int | float | str:
    if isinstance(raw, bool):
        raise RuleError(path, "number_expected")
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, str):
        try:
            Decimal(raw)
        except InvalidOperation:
            raise RuleError(path, "number_expected") from None
        return raw
    raise RuleError(path, "number_expected")


def _day(raw: Any, path: str) -> str:
    if not isinstance(raw, str):
        raise RuleError(path, "date_expected")
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        raise RuleError(path, "date_expected") from None


def segments_named(rule: Mapping[str, Any]) -> set[int]:
    """The ids of the segments a rule asks membership of (to order and to refuse cycles)."""
    found: set[int] = set()
    for key in ("all", "any"):
        for item in rule.get(key, ()):
            found |= segments_named(item)
    if rule.get("field") == "segment":
        found.add(int(rule["value"]))
    return found


def conditions(rule: Mapping[str, Any]) -> int:
    """How many conditions the rule has."""
    if "field" in rule:
        return 1
    return sum(conditions(item) for key in ("all", "any") for item in rule.get(key, ()))


# Dates relative to today ------------------------------------------------------------------


def years_before(today: date, years: int) -> date:
    """The same day ``years`` earlier (29 February falls on the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def age_bounds(op: str, value: Any, today: date) -> tuple[date | None, date | None]:
    """An age condition as birth-date bounds ``(after_exclusive, on_or_before)``: someone is
    N or older when born on or before ``today - N years``."""
    if op == "between":
        low, high = value
    else:
        low = high = value
    oldest = years_before(today, int(high) + 1)  # born after this: younger than high + 1
    youngest = years_before(today, int(low))  # born on or before this: at least low
    if op == "eq" or op == "between":
        return oldest, youngest
    if op == "gte":
        return None, youngest
    if op == "gt":
        return None, years_before(today, int(value) + 1)
    if op == "lte":
        return oldest, None
    if op == "lt":
        return years_before(today, int(value)), None
    raise ValueError(op)


def cutoff(op: str, days: int, now: datetime, field_type: str) -> date | datetime:
    """The moment ``days`` before now (a date for date fields)."""
    moment = now - timedelta(days=days)
    return moment.date() if field_type == "date" else moment


# Plain-Python evaluation ------------------------------------------------------------------

Row = Mapping[str, Any]
MemberOf = Callable[[int, int], bool]


def evaluate(
    rule: Mapping[str, Any], row: Row, now: datetime, member_of: MemberOf | None = None
) -> bool:
    """Whether a row (the audience columns by name) satisfies a validated rule; nulls fail
    every comparison and pass every negation, as SQL with Django's negation does."""
    if not rule:
        return True
    if "all" in rule:
        return all(evaluate(item, row, now, member_of) for item in rule["all"])
    if "any" in rule:
        return any(evaluate(item, row, now, member_of) for item in rule["any"])
    return _holds(rule, row, now, member_of)


def _holds(cond: Mapping[str, Any], row: Row, now: datetime, member_of: MemberOf | None) -> bool:
    field = FIELDS[cond["field"]]
    op, value = cond["op"], cond.get("value")
    if field.type == "segment":
        inside = bool(member_of and member_of(int(value or 0), int(row["customer_id"])))
        return inside if op == "member" else not inside
    have = row.get(field.db_column)
    if op in NO_VALUE:
        empty = have is None or have == ""
        return empty if op == "is_empty" else not empty
    if op in ("ne", "not_in", "has_none", "not_within_days"):
        return not _positive(_opposite(op), field, have, value, now)
    return _positive(op, field, have, value, now)


def _opposite(op: str) -> str:
    return {"ne": "eq", "not_in": "in", "has_none": "has_any", "not_within_days": "within_days"}[op]


def _positive(op: str, field: Field, have: Any, value: Any, now: datetime) -> bool:
    if have is None:
        return False
    if field.type == "tags":
        tags = {t for t in str(have).split(",") if t}
        return bool(tags & set(value))
    if field.type == "age":
        after, on_or_before = age_bounds(op, value, now.date())
        return (after is None or have > after) and (on_or_before is None or have <= on_or_before)
    if op == "within_days":
        return have >= cutoff(op, value, now, field.type)
    if field.type == "datetime":
        return _moment(op, have, value)
    have, value = _comparable(field, have, value)
    return _compare(op, have, value)


def _comparable(field: Field, have: Any, value: Any) -> tuple[Any, Any]:
    if field.type in ("decimal", "float", "int"):
        return Decimal(str(have)), _each(value, lambda v: Decimal(str(v)))
    if field.type == "date":
        return have, _each(value, date.fromisoformat)
    return have, value


def _each(value: Any, convert: Callable[[Any], Any]) -> Any:
    return [convert(v) for v in value] if isinstance(value, list) else convert(value)


def day_start(day: str, later: int = 0) -> datetime:
    """Midnight UTC of an ISO day (``later`` days on): a datetime field is "before 1 March"
    when it falls before 1 March 00:00 UTC, on every database."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=later), time(0), tzinfo=UTC)


def _moment(op: str, have: datetime, value: Any) -> bool:
    if op == "before":
        return have < day_start(value)
    if op == "after":
        return have >= day_start(value, 1)
    return day_start(value[0]) <= have < day_start(value[1], 1)  # between, both days included


def _compare(op: str, have: Any, value: Any) -> bool:
    if op == "eq":
        return bool(have == value)
    if op == "in":
        return have in value
    if op in ("lt", "before"):
        return bool(have < value)
    if op == "lte":
        return bool(have <= value)
    if op in ("gt", "after"):
        return bool(have > value)
    if op == "gte":
        return bool(have >= value)
    if op == "between":
        return bool(value[0] <= have <= value[1])
    raise ValueError(op)
