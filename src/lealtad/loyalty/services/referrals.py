"""Referral codes: a new customer joining with a member's code rewards both, once.

Refused with a clear error: a code no member of this program holds (a foreign code, another
program's), a code past its validity, the customer's own code, and a customer referred
before."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.loyalty.choices import EntryKind
from lealtad.loyalty.models import LedgerEntry, Member, Program, Referral
from lealtad.loyalty.services import members as member_services
from lealtad.loyalty.services.common import (
    LoyaltyConflict,
    LoyaltyRefused,
    add_to_balances,
    expiry,
    owed,
)
from lealtad.loyalty_engine import lots
from lealtad.loyalty_engine.months import add_months


def refer(
    program: Program, code: str, customer_id: int, actor: Actor, at: datetime | None = None
) -> Referral:
    now = at or timezone.now()
    code = code.strip().upper()
    referrer = _usable_referrer(program, code, customer_id, now)
    with transaction.atomic():
        if Referral.objects.filter(program=program, referred_customer_id=customer_id).exists():
            raise _referred_already()
        referred = member_services.enrol(program, [customer_id], now)[customer_id]
        referral = _insert_referral(program, code, referrer, customer_id, now)
        for member, points in (
            (referrer, program.referrer_points),
            (referred, program.referred_points),
        ):
            if points:
                _reward(
                    program,
                    Member.objects.select_for_update().get(pk=member.pk),
                    points,
                    referral,
                    now,
                    actor,
                )
    return referral


def _usable_referrer(program: Program, code: str, customer_id: int, now: datetime) -> Member:
    referrer = Member.objects.filter(referral_code=code).select_related("program").first()
    if referrer is None or referrer.program_id != program.pk:
        raise LoyaltyRefused(
            _("%(c)s is not a referral code of this program."),
            field="code",
            code="foreign_code",
            c=code,
        )
    if (
        program.referral_code_months
        and add_months(referrer.referral_issued_at, program.referral_code_months) <= now
    ):
        raise LoyaltyRefused(
            _("Referral code %(c)s has expired."), field="code", code="code_expired", c=code
        )
    if referrer.customer_id == customer_id:
        raise LoyaltyRefused(
            _("A customer cannot use their own referral code."), field="code", code="own_code"
        )
    return referrer


def _insert_referral(
    program: Program, code: str, referrer: Member, customer_id: int, now: datetime
) -> Referral:
    """The unique constraint catches a referral of the same customer committed since the
    check above: a race answered as the same conflict, not as a server error."""
    referral = new_row(
        Referral,
        program_id=program.pk,
        code=code,
        referrer_id=referrer.pk,
        referred_customer_id=customer_id,
        rewarded_at=now,
    )
    try:
        with transaction.atomic():
            insert_new([referral])
    except IntegrityError:
        raise _referred_already() from None
    return referral


def _referred_already() -> LoyaltyConflict:
    return LoyaltyConflict(
        _("This customer was referred already."), field="customer", code="referred_already"
    )


def _reward(
    program: Program, member: Member, points: int, referral: Referral, now: datetime, actor: Actor
) -> None:
    size, _still = lots.lot_size(points, owed(member))
    insert_new(
        [
            new_row(
                LedgerEntry,
                member_id=member.pk,
                kind=EntryKind.REFERRAL,
                points=points,
                source_kind="referral",
                source_id=str(referral.pk),
                idempotency_key=f"referral:{referral.pk}:{member.pk}",
                at=now,
                remaining=size,
                expires_at=expiry(program, now),
                detail={"code": referral.code, "referred": referral.referred_customer_id},
                actor=actor.label[:150],
            )
        ]
    )
    add_to_balances({member.pk: points})
