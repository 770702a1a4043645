"""Reads for the commission pages and API: the rules, the settled statements and the reps."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from lealtad.sales.models import CommissionRule, CommissionStatement


def rules() -> QuerySet[CommissionRule]:
    return CommissionRule.objects.select_related("rep").order_by("basis", "valid_from", "id")


def rule_dict(rule: CommissionRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "basis": rule.basis,
        "rate": str(rule.rate),
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "product_line": rule.product_line,
        "rep_id": rule.rep_id,
        "tier": rule.tier,
        "customer_kind": rule.customer_kind,
    }


def statements(rep: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """Settled statements, latest first; ``rep`` a user id or username narrows them."""
    rows = CommissionStatement.objects.select_related("rep")
    if rep:
        rows = rows.filter(rep_id=int(rep)) if rep.isdigit() else rows.filter(rep__username=rep)
    return [
        {
            "id": s.pk,
            "rep_id": s.rep_id,
            "rep": s.rep.get_username(),
            "start": s.period_start,
            "end": s.period_end,
            "earned": s.earned,
            "clawed_back": s.clawed_back,
            "net": s.net,
            "settled_at": s.settled_at,
            "settled_by": s.settled_by,
        }
        for s in rows[:limit]
    ]


def reps() -> list[tuple[int, str]]:
    """Active users, for the period picker (any of them may be a rep)."""
    model = get_user_model()
    found = model.objects.filter(is_active=True).order_by("username")
    return [(u.pk, u.get_username()) for u in found[:500]]
