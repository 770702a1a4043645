"""The rules the refresh applies, and how an administrator changes them.

Each section is the engine's own settings dataclass (``TierRules``, ``CostRates`` …, which
check their values in ``__post_init__``), so the knobs and their checks live in one place,
beside the algorithm that reads them. What is stored is only what differs from the defaults
(one JSON row), so a new knob with a default needs no migration and no data change.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import AnalyticsSettings
from lealtad.core import audit
from lealtad.core.errors import DomainError
from lealtad.customer_value import basket
from lealtad.customer_value.churn import ChurnRules
from lealtad.customer_value.cost_to_serve import CostRates
from lealtad.customer_value.lifecycle import LifecycleRules
from lealtad.customer_value.tiers import TierRules


@dataclass(frozen=True)
class ValueRules:
    """How value is measured: RFM bins, the purchase model and the lifetime-value horizon."""

    rfm_bins: int = 5
    purchase_model: str = "bgnbd"  # or "pareto_nbd"
    horizon_months: int = 12
    monthly_discount: float = 0.01
    unit_days: float = 7.0
    assumed_margin: float = 0.30  # margin of a sale whose products have no unit cost

    def __post_init__(self) -> None:
        if not 2 <= self.rfm_bins <= 9:
            raise ValueError("rfm_bins: between 2 and 9")
        if self.purchase_model not in ("bgnbd", "pareto_nbd"):
            raise ValueError("purchase_model: bgnbd or pareto_nbd")
        if not 1 <= self.horizon_months <= 120:
            raise ValueError("horizon_months: between 1 and 120")
        if not 0 <= self.monthly_discount < 1:
            raise ValueError("monthly_discount: at least 0 and below 1")
        if not 1 <= self.unit_days <= 31:
            raise ValueError("unit_days: between 1 and 31")
        if not 0 <= self.assumed_margin <= 1:
            raise ValueError("assumed_margin: between 0 and 1")


@dataclass(frozen=True)
class UsageRules:
    """When a customer has outgrown their plan: over ``ratio`` x its allowance in each of the
    last ``periods`` months (one heavy month is noise, a run ending now is a need)."""

    ratio: float = 1.2
    periods: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.ratio <= 100:
            raise ValueError("ratio: between 1 and 100")
        if not 1 <= self.periods <= 12:
            raise ValueError("periods: between 1 and 12")


SECTIONS: dict[str, type] = {
    "value": ValueRules,
    "tiers": TierRules,
    "costs": CostRates,
    "lifecycle": LifecycleRules,
    "churn": ChurnRules,
    "usage": UsageRules,
    "basket": basket.Settings,
}


class RulesRefused(DomainError):
    code = "analytics_rules_invalid"
    kind = "invalid"
    template = _("These rules cannot be applied.")


@dataclass(frozen=True)
class Rules:
    sections: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.sections[name]
        except KeyError:
            raise AttributeError(name) from None


def _build(stored: dict[str, Any]) -> Rules:
    """The sections from what is stored; a knob no longer known (``costs.per_case``, which
    the service desk's money replaced) is left aside, not a reason to drop the others."""
    return Rules(
        {name: kind(**_known(kind, stored.get(name, {}))) for name, kind in SECTIONS.items()}
    )


def _known(kind: type, knobs: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(kind)}
    return {knob: value for knob, value in knobs.items() if knob in names}


def current() -> Rules:
    row = AnalyticsSettings.objects.first()
    try:
        return _build(row.rules if row else {})
    except (TypeError, ValueError):  # a knob dropped or tightened since it was stored
        return _build({})


def as_dict(rules: Rules) -> dict[str, dict[str, Any]]:
    return {name: dataclasses.asdict(section) for name, section in rules.sections.items()}


def update(changes: dict[str, dict[str, Any]], actor: audit.Actor) -> Rules:
    """Apply ``changes`` (section → knob → value) on top of the stored rules; every knob is
    checked first and one bad knob changes nothing (the error names it)."""
    with transaction.atomic():
        row = AnalyticsSettings.objects.select_for_update().first() or AnalyticsSettings()
        stored = {name: dict(values) for name, values in (row.rules or {}).items()}
        for section, knobs in changes.items():
            kind = SECTIONS.get(section)
            if kind is None:
                raise RulesRefused(_("Unknown section %(name)s."), field=section, name=section)
            known = {f.name: f for f in dataclasses.fields(kind)}
            for knob, value in knobs.items():
                _check_knob(section, knob, value, known)
            stored[section] = {**stored.get(section, {}), **knobs}
        try:
            rules = _build(stored)
        except ValueError as exc:
            raise RulesRefused(str(exc), field=_section_of(str(exc), changes)) from exc
        before = row.rules or {}
        row.rules, row.updated_by = stored, actor.label
        row.save()
        audit.record(actor, "update", "analytics_rules", row.pk, audit.diff(before, stored))
    return rules


def _check_knob(section: str, knob: str, value: Any, known: dict[str, Any]) -> None:
    path = f"{section}.{knob}"
    if knob not in known:
        raise RulesRefused(_("Unknown setting %(name)s."), field=path, name=path)
    default = known[knob].default
    if isinstance(default, bool) != isinstance(value, bool):
        raise RulesRefused(_("%(name)s must be true or false."), field=path, name=path)
    if isinstance(default, int | float) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesRefused(_("%(name)s must be a number."), field=path, name=path)
        if not math.isfinite(value):
            raise RulesRefused(_("%(name)s must be a finite number."), field=path, name=path)
        if isinstance(default, int) and not float(value).is_integer():
            raise RulesRefused(_("%(name)s must be a whole number."), field=path, name=path)
    if isinstance(default, str) and not isinstance(value, str):
        raise RulesRefused(_("%(name)s must be text."), field=path, name=path)


def _section_of(message: str, changes: dict[str, dict[str, Any]]) -> str:
    """The ``section.knob`` an engine's check names (its message starts with the knob)."""
    knob = message.split(":", 1)[0].strip()
    for section, knobs in changes.items():
        if knob in knobs:
            return f"{section}.{knob}"
    return ""
