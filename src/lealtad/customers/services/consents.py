"""Consents as the customer's own statement: who captured it, by which channel, with
which proof, and the double opt-in that waits for the customer's confirmation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.db import new_row
from lealtad.core.errors import DomainError, Kind
from lealtad.customers import choices
from lealtad.customers.models import (
    Consent,
    ConsentChange,
    Customer,
)
from lealtad.customers.schemas import (
    ConsentIn,
)
from lealtad.customers.services.common import ChangeContext


class ConsentRefused(DomainError):
    """A consent that cannot be recorded as stated: ``field`` says which part is wrong."""

    code = "consent_refused"

    def __init__(
        self,
        field: str,
        message: str | Promise,
        *,
        code: str | None = None,
        kind: Kind | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code, kind=kind)


class ConsentNeedsEmail(ConsentRefused):
    """A double opt-in for a customer with no e-mail address on file: the request is right,
    the record is not ready for it (the API answers 409)."""

    code = "consent_needs_email"
    kind = "conflict"


CONFIRMATION_SALT = "lealtad.customers.consent-confirmation"
# A link that names no pending consent: there is nothing to confirm (404).
_LINK_EXPIRED: dict[str, Any] = {"code": "consent_link_expired", "kind": "not_found"}
_LINK_INVALID: dict[str, Any] = {"code": "consent_link_invalid", "kind": "not_found"}
PROOF = choices.ConsentProof


def _proof_of(consent: ConsentIn, ctx: ChangeContext) -> tuple[str, str]:
    """What proves the statement: what it names, else the channel event carrying it."""
    if consent.proof == PROOF.CHANNEL_EVENT and not ctx.event_id:
        raise ConsentRefused("proof", _("channel_event proves only a consent sent in an event"))
    if consent.proof:
        reference = consent.proof_reference
        if consent.proof == PROOF.CHANNEL_EVENT and not reference:
            reference = ctx.event_id
        return consent.proof, reference
    if ctx.event_id:
        return PROOF.CHANNEL_EVENT, ctx.event_id
    if consent.granted:
        raise ConsentRefused(
            "proof",
            _("a granted consent needs its proof: signed_form, recorded_call or double_opt_in"),
        )
    return "", ""


@transaction.atomic
def record_consent(
    customer: Customer, consent: ConsentIn, ctx: ChangeContext, at: datetime | None = None
) -> ConsentChange | None:
    """The customer's statement with its proof: current choice plus a history row.

    An unchanged choice adds nothing (``None``). A double opt-in only writes a pending row and
    announces ``consent.confirmation_requested`` with the signed link; the choice changes when
    the customer confirms (:func:`confirm_consent`).
    """
    when = at or timezone.now()
    proof, reference = _proof_of(consent, ctx)
    if proof == PROOF.DOUBLE_OPT_IN:
        return _request_confirmation(customer, consent, reference, ctx, when)
    current = Consent.objects.filter(
        customer=customer, channel=consent.channel, purpose=consent.purpose
    ).first()
    if current and current.granted == consent.granted:
        return None
    before = None if current is None else current.granted
    current, _created = Consent.objects.update_or_create(
        customer=customer,
        channel=consent.channel,
        purpose=consent.purpose,
        defaults={"granted": consent.granted, "updated_at": when},
    )
    change = history_row(customer.pk, consent, ctx, when, proof, reference)
    change.save()
    key = f"consent:{consent.channel}/{consent.purpose}"
    ctx.audit("consent", "consent", current.pk, {key: [before, consent.granted]}, customer.pk)
    ctx.announce("consent.changed", customer.pk, consent.model_dump())
    return change


def history_row(
    customer_id: int, consent: ConsentIn, ctx: ChangeContext, when: datetime, proof: str, ref: str
) -> ConsentChange:
    """The history row of a consent given or withdrawn, in force from ``when``."""
    return new_row(
        ConsentChange,
        customer_id=customer_id,
        channel=consent.channel,
        purpose=consent.purpose,
        granted=consent.granted,
        recorded_at=when,
        recorded_by=ctx.actor.label,
        method=consent.method,
        source_channel=ctx.channel,
        event_id=ctx.event_id,
        proof=proof,
        proof_reference=ref,
        confirmed_at=when,
    )


def _request_confirmation(
    customer: Customer, consent: ConsentIn, reference: str, ctx: ChangeContext, when: datetime
) -> ConsentChange:
    email = customer.emails.order_by("-is_primary", "id").values_list("address", flat=True).first()
    if email is None:
        raise ConsentNeedsEmail(
            "proof", _("double_opt_in needs an email address to send the link to")
        )
    change = ConsentChange.objects.create(
        customer=customer,
        channel=consent.channel,
        purpose=consent.purpose,
        granted=True,
        recorded_at=when,
        recorded_by=ctx.actor.label,
        method=consent.method,
        source_channel=ctx.channel,
        event_id=ctx.event_id,
        proof=PROOF.DOUBLE_OPT_IN,
        proof_reference=reference,
        status=choices.ConsentStatus.PENDING,
    )
    key = f"consent:{consent.channel}/{consent.purpose}"
    ctx.audit(
        "consent_requested", "consent_change", change.pk, {key: [None, "pending"]}, customer.pk
    )
    ctx.announce(
        "consent.confirmation_requested",
        customer.pk,
        {
            "change_id": change.pk,
            "channel": consent.channel,
            "purpose": consent.purpose,
            "email": email,
            "confirmation_path": confirmation_path(change),
        },
    )
    return change


def confirmation_token(change: ConsentChange) -> str:
    """A signed, timestamped token naming the pending change (nothing else is stored)."""
    return signing.dumps(change.pk, salt=CONFIRMATION_SALT)


def confirmation_path(change: ConsentChange) -> str:
    return reverse("consent_confirm", args=[confirmation_token(change)])


def pending_confirmation(token: str) -> ConsentChange:
    """The change a link confirms, or :class:`ConsentRefused` saying why the link is no good."""
    days = getattr(settings, "LEALTAD_CONSENT_CONFIRM_DAYS", 7)
    try:
        change_id = signing.loads(token, salt=CONFIRMATION_SALT, max_age=days * 86400)
    except signing.SignatureExpired as exc:
        raise ConsentRefused(
            "token", _("the link has expired; ask for a new one"), **_LINK_EXPIRED
        ) from exc
    except signing.BadSignature as exc:
        raise ConsentRefused("token", _("the link is not valid"), **_LINK_INVALID) from exc
    change = ConsentChange.objects.select_related("customer").filter(pk=change_id).first()
    if change is None or change.proof != PROOF.DOUBLE_OPT_IN:
        raise ConsentRefused("token", _("the link is not valid"), **_LINK_INVALID)
    return change


@transaction.atomic
def confirm_consent(token: str, at: datetime | None = None) -> ConsentChange:
    """The customer clicked the link: the pending consent comes into force (once)."""
    found = pending_confirmation(token)
    change = ConsentChange.objects.select_for_update().get(pk=found.pk)
    if change.status == choices.ConsentStatus.IN_FORCE:
        return change
    when = at or timezone.now()
    change.status, change.confirmed_at = choices.ConsentStatus.IN_FORCE, when
    change.save(update_fields=["status", "confirmed_at"])
    current = Consent.objects.filter(
        customer_id=change.customer_id, channel=change.channel, purpose=change.purpose
    ).first()
    Consent.objects.update_or_create(
        customer_id=change.customer_id,
        channel=change.channel,
        purpose=change.purpose,
        defaults={"granted": True, "updated_at": when},
    )
    ctx = ChangeContext(Actor.system("customer (double opt-in)"), channel="email")
    key = f"consent:{change.channel}/{change.purpose}"
    before = None if current is None else current.granted
    ctx.audit(
        "consent_confirmed", "consent_change", change.pk, {key: [before, True]}, change.customer_id
    )
    ctx.announce(
        "consent.changed",
        change.customer_id,
        {"channel": change.channel, "purpose": change.purpose, "granted": True},
    )
    return change
