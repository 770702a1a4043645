"""Commission rules a sales manager keeps: checked and refused when they overlap another
(the engine names both; paying twice, or by whichever rule a priority picked, is the OCA
bug this avoids), and handed to the engine as its plain values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.sales.models import CommissionBasis, CommissionRule, CustomerKind
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused
from lealtad.sales_engine import commissions as engine

RULE_FIELDS = (
    "name",
    "basis",
    "rate",
    "valid_from",
    "valid_to",
    "product_line",
    "rep_id",
    "tier",
    "customer_kind",
)


def as_engine(rule: CommissionRule) -> engine.Rule:
    return engine.Rule(
        id=rule.pk or 0,
        basis=engine.Basis(rule.basis),
        rate=Decimal(rule.rate),
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        product_line=rule.product_line or None,
        rep=rule.rep_id,
        tier=rule.tier or None,
        customer_kind=engine.CustomerKind(rule.customer_kind) if rule.customer_kind else None,
    )


def engine_rules() -> list[engine.Rule]:
    return [as_engine(rule) for rule in CommissionRule.objects.all()]


def _text(values: Mapping[str, Any], name: str, limit: int) -> str:
    value = str(values.get(name) or "").strip()
    if len(value) > limit:
        raise SalesRefused(_("At most %(n)s characters."), field=name, n=limit)
    return value


def _day(values: Mapping[str, Any], name: str, required: bool) -> date | None:
    value = values.get(name)
    if value in (None, ""):
        if required:
            raise SalesRefused(_("This field is required."), field=name)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SalesRefused(_("Not a date (YYYY-MM-DD)."), field=name) from None


def _rate(values: Mapping[str, Any]) -> Decimal:
    try:
        rate = Decimal(str(values.get("rate")))
    except (InvalidOperation, ValueError):
        raise SalesRefused(_("Not a number."), field="rate") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= 1:
        raise SalesRefused(_("A rate is a fraction between 0 and 1 (0.05 is 5%%)."), field="rate")
    if rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise SalesRefused(_("At most four decimals."), field="rate")
    return rate


def _rep(values: Mapping[str, Any]) -> int | None:
    value = values.get("rep_id")
    if value in (None, ""):
        return None
    try:
        rep = int(str(value))
    except ValueError:
        raise SalesRefused(_("Not a user."), field="rep_id") from None
    if not get_user_model().objects.filter(pk=rep, is_active=True).exists():
        raise SalesNotFound(_("No active user %(id)s."), field="rep_id", id=rep)
    return rep


def check_rule(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's fields, cleaned; a refusal naming the first field at fault."""
    name = _text(values, "name", 120)
    if not name:
        raise SalesRefused(_("This field is required."), field="name")
    basis = str(values.get("basis") or "")
    if basis not in CommissionBasis.values:
        raise SalesRefused(
            _("One of: %(choices)s."), field="basis", choices=", ".join(CommissionBasis.values)
        )
    kind = str(values.get("customer_kind") or "")
    if kind and kind not in CustomerKind.values:
        raise SalesRefused(_("new, repeat or empty (either)."), field="customer_kind")
    valid_from = _day(values, "valid_from", required=True)
    valid_to = _day(values, "valid_to", required=False)
    if valid_to is not None and valid_from is not None and valid_to < valid_from:
        raise SalesConflict(  # two fields together: a rule JSON Schema cannot state
            _("The rule ends before it starts."), field="valid_to", code="rule_ends_before_start"
        )
    return {
        "name": name,
        "basis": basis,
        "rate": _rate(values),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "product_line": _text(values, "product_line", 60),
        "rep_id": _rep(values),
        "tier": _text(values, "tier", 12),
        "customer_kind": kind,
    }


def _refuse_overlap(candidate: CommissionRule) -> None:
    mine = as_engine(candidate)
    others = CommissionRule.objects.filter(basis=candidate.basis).exclude(pk=candidate.pk)
    for other in others.select_for_update():
        found = engine.overlap(mine, as_engine(other))
        if found is None:
            continue
        shared = ", ".join(f"{k}={v if v is not None else '*'}" for k, v in found.shared)
        raise SalesConflict(
            _(
                "Rule “%(rule)s” overlaps rule “%(other)s” (#%(other_id)s): both pay on "
                "%(basis)s from %(start)s to %(end)s for %(shared)s."
            ),
            field="rule",
            code="commission_rule_overlap",
            rule=candidate.name,
            other=other.name,
            other_id=other.pk,
            basis=candidate.basis,
            start=found.valid_from.isoformat(),
            end=found.valid_to.isoformat() if found.valid_to else "…",
            shared=shared,
        )


def save_rule(
    values: Mapping[str, Any], actor: Actor, rule_id: int | None = None
) -> CommissionRule:
    """Create (or, with ``rule_id``, change) a rule; refused when it overlaps another."""
    cleaned = check_rule(values)
    with transaction.atomic():
        if rule_id is None:
            rule = CommissionRule(created_at=timezone.now(), created_by=actor.label[:150])
        else:
            found = CommissionRule.objects.select_for_update().filter(pk=rule_id).first()
            if found is None:
                raise SalesNotFound(_("No commission rule %(id)s."), field="rule", id=rule_id)
            rule = found
        for name, value in cleaned.items():
            setattr(rule, name, value)
        _refuse_overlap(rule)
        rule.save()
    return rule


def check_overlap(values: Mapping[str, Any], rule_id: int | None = None) -> None:
    """The refusal :func:`save_rule` would give, without saving (for the admin's form)."""
    candidate = CommissionRule(pk=rule_id, **check_rule(values))
    with transaction.atomic():
        _refuse_overlap(candidate)


def delete_rule(rule_id: int) -> None:
    """A rule that paid something stays (its lines name it): end it with ``valid_to``."""
    with transaction.atomic():
        rule = CommissionRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise SalesNotFound(_("No commission rule %(id)s."), field="rule", id=rule_id)
        if rule.lines.exists():
            raise SalesConflict(
                _("Rule %(id)s has paid commission: give it an end date instead."),
                field="rule",
                code="commission_rule_used",
                id=rule_id,
            )
        rule.delete()


__all__ = [
    "RULE_FIELDS",
    "as_engine",
    "check_overlap",
    "check_rule",
    "delete_rule",
    "engine_rules",
    "save_rule",
]
