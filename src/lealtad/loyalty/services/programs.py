"""Programs and their rules, as the back office defines them: every value checked first (a
refusal names the field), then written in one transaction, audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.loyalty.choices import NegativeBalance
from lealtad.loyalty.models import BonusCampaign, EarningRule, Program, Tier
from lealtad.loyalty.services.common import LoyaltyConflict, LoyaltyNotFound, LoyaltyRefused

PROGRAM_FIELDS = (
    "code",
    "name",
    "currency",
    "point_value",
    "expiry_months",
    "tier_window_months",
    "grace_months",
    "negative_balance",
    "auto_enrol",
    "referrer_points",
    "referred_points",
    "referral_code_months",
    "active",
)
TIER_FIELDS = ("name", "rank", "threshold", "multiplier", "benefits")
RULE_FIELDS = (
    "name",
    "channel",
    "sku",
    "category",
    "promotion",
    "points_per_unit",
    "multiplier",
    "starts",
    "ends",
)
BONUS_FIELDS = ("name", "multiplier", "channel", "category", "starts", "ends")


def _positive(values: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        value = values.get(name)
        if value is not None and Decimal(str(value)) <= 0:
            raise LoyaltyRefused(_("%(f)s must be above zero."), field=name, f=name)


def _dates(values: dict[str, Any]) -> None:
    starts, ends = values.get("starts"), values.get("ends")
    if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
        raise LoyaltyRefused(_("It must end after it starts."), field="ends")


def _check_program(values: dict[str, Any]) -> None:
    if "name" in values and not str(values["name"]).strip():
        raise LoyaltyRefused(_("A program needs a name."), field="name")
    if values.get("negative_balance", NegativeBalance.OWE) not in NegativeBalance.values:
        raise LoyaltyRefused(_("There is no such policy."), field="negative_balance")
    _positive(values, ["point_value"])


def _save(
    model: type[models.Model],
    found: models.Model | None,
    values: dict[str, Any],
    fields: tuple[str, ...],
    actor: Actor,
    **fixed: Any,
) -> Any:
    unknown = set(values) - set(fields)
    if unknown:
        raise LoyaltyRefused(
            _("Unknown field %(f)s."), field=sorted(unknown)[0], f=sorted(unknown)[0]
        )
    row = found or model(**fixed)
    before = {f: getattr(row, f) for f in fields} if found else {}
    for name, value in values.items():
        setattr(row, name, value)
    try:
        with transaction.atomic():
            row.full_clean(exclude=[f for f in fixed])
            row.save()
            audit.record(
                actor,
                f"save_{model._meta.model_name}",
                f"loyalty_{model._meta.model_name}",
                row.pk,
                audit.diff(before, {f: getattr(row, f) for f in fields}),
            )
    except IntegrityError:
        raise LoyaltyConflict(
            _("Another one has the same name, code or rank."), field="name"
        ) from None
    except Exception as exc:  # Django's ValidationError: the first field at fault
        errors = getattr(exc, "message_dict", None)
        if not errors:
            raise
        name, messages = next(iter(errors.items()))
        raise LoyaltyRefused(str(messages[0]), field=name) from None
    return row


def save_program(values: dict[str, Any], actor: Actor, program_id: int | None = None) -> Program:
    _check_program(values)
    found = _get(Program, program_id) if program_id else None
    return _save(Program, found, values, PROGRAM_FIELDS, actor)


def save_tier(
    program: Program, values: dict[str, Any], actor: Actor, tier_id: int | None = None
) -> Tier:
    _positive(values, ["multiplier"])
    found = _get(Tier, tier_id, program=program) if tier_id else None
    return _save(Tier, found, values, TIER_FIELDS, actor, program=program)


def save_rule(
    program: Program, values: dict[str, Any], actor: Actor, rule_id: int | None = None
) -> EarningRule:
    _positive(values, ["points_per_unit", "multiplier"])
    _dates(values)
    found = _get(EarningRule, rule_id, program=program) if rule_id else None
    return _save(EarningRule, found, values, RULE_FIELDS, actor, program=program)


def save_bonus(
    program: Program, values: dict[str, Any], actor: Actor, bonus_id: int | None = None
) -> BonusCampaign:
    _positive(values, ["multiplier"])
    _dates(values)
    found = _get(BonusCampaign, bonus_id, program=program) if bonus_id else None
    return _save(BonusCampaign, found, values, BONUS_FIELDS, actor, program=program)


def delete(model: type[models.Model], pk: int, actor: Actor, **scope: Any) -> None:
    """Rules, tiers and bonuses may go; points they gave stay in the ledger."""
    row = _get(model, pk, **scope)
    with transaction.atomic():
        row.delete()
        audit.record(
            actor, f"delete_{model._meta.model_name}", f"loyalty_{model._meta.model_name}", pk, {}
        )


def _get(model: type[models.Model], pk: int | None, **scope: Any) -> Any:
    found = model._default_manager.filter(pk=pk, **scope).first()
    if found is None:
        raise LoyaltyNotFound(
            _("There is no such %(what)s."), field="id", what=model._meta.verbose_name
        )
    return found


def program(code_or_id: str | int) -> Program:
    text = str(code_or_id)
    found = Program.objects.filter(pk=int(text)).first() if text.isdigit() else None
    found = found or Program.objects.filter(code=text).first()
    if found is None:
        raise LoyaltyNotFound(_("There is no program %(p)s."), field="program", p=text)
    return found


def default() -> Program:
    """The first active program (an installation usually runs one)."""
    found = Program.objects.filter(active=True).order_by("id").first()
    if found is None:
        raise LoyaltyNotFound(_("No loyalty program is active."), field="program")
    return found
