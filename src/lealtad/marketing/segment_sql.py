"""A validated segment rule compiled to one ``Q`` over the audience read model.

The database does the filtering: a count is ``SELECT COUNT(*) … WHERE <rule>`` and a rebuild
an ``INSERT … SELECT``, never a Python loop over customers. Null semantics follow Django's:
comparisons with an unknown value fail, negations (``ne``, ``not_in``, ``has_none``) pass it,
the same as :func:`lealtad.marketing_engine.segment_rules.evaluate`, which the tests compare
this against.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.errors import DomainError
from lealtad.marketing.models import SegmentMember
from lealtad.marketing_engine import segment_rules as rules
from lealtad.marketing_engine.segment_rules import FIELDS, RuleError

# What each code of :class:`RuleError` means, for a person.
MESSAGES: dict[str, Any] = {
    "not_an_object": _("A group or a condition (an object) is expected here."),
    "too_many_conditions": _("A rule may have at most %(limit)s conditions."),
    "group_needs_all_or_any": _('A group is {"all": [...]} or {"any": [...]}.'),
    "too_deep": _("Groups may be nested at most %(limit)s deep."),
    "empty_group": _("A group needs at least one condition."),
    "unknown_key": _("Unknown key (a condition has field, op and value)."),
    "unknown_field": _("There is no field %(name)s."),
    "bad_op": _("The operator %(op)s does not apply here (allowed: %(allowed)s)."),
    "value_missing": _("This operator needs a value."),
    "list_expected": _("A non-empty list of values is expected."),
    "list_too_long": _("At most %(limit)s values."),
    "pair_expected": _("Two values (from, to) are expected."),
    "reversed_range": _("The first value is greater than the second."),
    "days_expected": _("A whole number of days (or years) from 0 is expected."),
    "segment_id_expected": _("A segment id is expected."),
    "bool_expected": _("true or false is expected."),
    "text_expected": _("A text of at most 200 characters is expected."),
    "not_a_choice": _("Not one of the allowed values (%(allowed)s)."),
    "integer_expected": _("A whole number is expected."),
    "number_expected": _("A number is expected."),
    "date_expected": _("A date (YYYY-MM-DD) is expected."),
    "unknown_segment": _("There is no segment %(segment)s."),
    "segment_cycle": _("A segment cannot depend on itself (through %(segment)s)."),
}


class InvalidRule(DomainError):
    code = "invalid_rule"
    kind = "invalid"


def refusal(error: RuleError, prefix: str = "rule") -> InvalidRule:
    """The pure core's fault as the project's refusal, the rule named ``prefix`` in its path
    (``segments[1].rule.all[0].value``)."""
    path = prefix + error.path.removeprefix("rule")
    return InvalidRule(MESSAGES.get(error.code, error.code), field=path, **error.params)


def checked(rule: Any, prefix: str = "rule") -> dict[str, Any]:
    """:func:`segment_rules.validate`, raising the project's :class:`InvalidRule`."""
    try:
        return rules.validate(rule)
    except RuleError as error:
        raise refusal(error, prefix) from None


def compile_rule(rule: Mapping[str, Any], now: datetime | None = None) -> Q:
    """The ``Q`` selecting the audience rows a validated rule matches (``Q()`` for ``{}``)."""
    return _node(rule, now or timezone.now())


def _node(rule: Mapping[str, Any], now: datetime) -> Q:
    if not rule:
        return Q()
    if "all" in rule:
        q = Q()
        for item in rule["all"]:
            q &= _node(item, now)
        return q
    if "any" in rule:
        parts = [_node(item, now) for item in rule["any"]]
        q = parts[0]
        for part in parts[1:]:
            q |= part
        return q
    return _condition(rule, now)


_NEGATED = {"ne": "eq", "not_in": "in", "has_none": "has_any", "not_within_days": "within_days"}


def _condition(cond: Mapping[str, Any], now: datetime) -> Q:
    field = FIELDS[cond["field"]]
    op, value = cond["op"], cond.get("value")
    if field.type == "segment":
        inside = Q(
            Exists(
                SegmentMember.objects.filter(
                    segment_id=int(value or 0), customer_id=OuterRef("customer_id")
                )
            )
        )
        return inside if op == "member" else ~inside
    column = field.db_column
    if op in ("is_empty", "is_set"):
        empty = Q(**{f"{column}__isnull": True})
        if field.type in ("text", "choice"):
            empty = Q(**{column: ""})
        return empty if op == "is_empty" else ~empty
    if op in _NEGATED:
        positive = _positive(_NEGATED[op], field, column, value, now)
        # Nulls pass a negation (as evaluate() does): Django adds "OR col IS NULL" itself on
        # nullable columns when a Q is negated.
        return ~positive
    return _positive(op, field, column, value, now)


def _positive(op: str, field: rules.Field, column: str, value: Any, now: datetime) -> Q:
    if field.type == "tags":
        q = Q()
        for tag in value:
            q |= Q(**{f"{column}__contains": f",{tag},"})
        return q
    if field.type == "age":
        after, on_or_before = rules.age_bounds(op, value, now.date())
        q = Q(**{f"{column}__isnull": False})
        if after is not None:
            q &= Q(**{f"{column}__gt": after})
        if on_or_before is not None:
            q &= Q(**{f"{column}__lte": on_or_before})
        return q
    if op == "within_days":
        return Q(**{f"{column}__gte": rules.cutoff(op, value, now, field.type)})
    if field.type == "datetime":
        return _moment(op, column, value)
    return _compare(op, column, _db_value(field, value))


def _moment(op: str, column: str, value: Any) -> Q:
    if op == "before":
        return Q(**{f"{column}__lt": rules.day_start(value)})
    if op == "after":
        return Q(**{f"{column}__gte": rules.day_start(value, 1)})
    return Q(**{f"{column}__gte": rules.day_start(value[0])}) & Q(
        **{f"{column}__lt": rules.day_start(value[1], 1)}
    )


def _db_value(field: rules.Field, value: Any) -> Any:
    def one(v: Any) -> Any:
        if field.type == "decimal":
            return Decimal(str(v))
        if field.type == "float":
            return float(v)
        if field.type == "date":
            return date.fromisoformat(v)
        return v

    return [one(v) for v in value] if isinstance(value, list) else one(value)


_LOOKUPS = {
    "eq": "exact",
    "in": "in",
    "lt": "lt",
    "before": "lt",
    "lte": "lte",
    "gt": "gt",
    "after": "gt",
    "gte": "gte",
}


def _compare(op: str, column: str, value: Any) -> Q:
    if op == "between":
        return Q(**{f"{column}__gte": value[0], f"{column}__lte": value[1]})
    return Q(**{f"{column}__{_LOOKUPS[op]}": value})
