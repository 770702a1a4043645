"""Setting the balanced scorecard's targets (ANALYTICS_MANAGE).

A target is kept, never overwritten: the latest one for a KPI and period is in force, the
earlier ones say who expected what before. Bad input is refused with the field at fault and
nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import ScorecardTarget, TargetDirection
from lealtad.analytics.selectors.scorecard import KPIS, parse_period
from lealtad.core.errors import DomainError

MAX_TARGET = Decimal("1e13")


class ScorecardError(DomainError):
    code = "scorecard_target_invalid"


def _decimal(value: Any, field: str, label: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ScorecardError(_("%(label)s must be a number."), field=field, label=label) from None
    if not number.is_finite() or abs(number) >= MAX_TARGET:
        raise ScorecardError(_("%(label)s must be a number."), field=field, label=label)
    return number


def set_target(
    kpi: str,
    period: str,
    target: Any,
    direction: str | None = None,
    amber_within: Any = None,
    *,
    user: Any = None,
) -> ScorecardTarget:
    """Record a target for a KPI in a period; it is in force from now on.

    ``direction`` defaults to the KPI's own (revenue: higher is better; returns rate: lower).
    """
    spec = KPIS.get(kpi)
    if spec is None:
        raise ScorecardError(_("Unknown KPI."), field="kpi")
    parse_period(period)  # refuses a malformed period with field "period"
    value = _decimal(target, "target", _("Target"))
    if spec.unit == "percent" and not Decimal(0) <= value <= Decimal(100):
        raise ScorecardError(_("A percentage target lies between 0 and 100."), field="target")
    if spec.unit not in ("percent", "growth") and value < 0:
        raise ScorecardError(_("This target cannot be negative."), field="target")
    chosen = direction or spec.direction
    if chosen not in TargetDirection.values:
        raise ScorecardError(_("Direction must be higher or lower."), field="direction")
    tolerance = (
        Decimal(10)
        if amber_within in (None, "")
        else _decimal(amber_within, "amber_within", _("Amber tolerance"))
    )
    if not Decimal(0) <= tolerance <= Decimal(100):
        raise ScorecardError(
            _("The amber tolerance lies between 0 and 100 %."), field="amber_within"
        )
    return ScorecardTarget.objects.create(
        kpi=kpi,
        period=period,
        target=value,
        direction=chosen,
        amber_within=tolerance,
        set_by=user if getattr(user, "pk", None) else None,
    )
