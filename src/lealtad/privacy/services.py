"""Use cases of the privacy context: the data-subject request workflow and its actions.

The only code that writes the privacy tables. Each step of a request is recorded with who
took it and when (``RequestStep``) and in the audit trail, under the customer. The actions on
the person's data are the owning contexts' own services: customers rectifies, withdraws
consents and anonymizes; commerce and channels erase their copies; the core scrubs its audit
trail and outbox (DESIGN.md: a context never writes another context's tables).

States: received → identity verified → in progress → completed, or rejected (with a reason)
from any open state. No action touches the person's data before their identity is verified.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.channels import selectors as channels_selectors
from lealtad.commerce.selectors import subject as commerce_subject
from lealtad.commerce.services import erasure as commerce_erasure
from lealtad.core import erasers
from lealtad.core import erasure as core_erasure
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.customers import selectors as customers_selectors
from lealtad.customers import services as customers_services
from lealtad.customers.schemas import ConsentIn
from lealtad.customers.selectors import subject as customers_subject
from lealtad.customers.services import erasure as customers_erasure
from lealtad.privacy.choices import (
    OPEN_STATUSES,
    RequestKind,
    RequestStatus,
    StepAction,
)
from lealtad.privacy.models import DataSubjectRequest, RequestStep

if TYPE_CHECKING:
    from lealtad.customers.selectors import Customer  # the type its selectors return

EXPORT_FORMAT = "lealtad.subject-export/1"
PRIVACY_CHANNEL = "privacy"
# Objection to marketing (LOPDP art. 16, GDPR art. 21): direct marketing, the profiling that
# serves it, and sharing with partners for theirs, on every channel.
MARKETING_PURPOSES = ("marketing", "profiling", "third_party")
CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "mail")
# Rectification corrects the profile; contact points are added or erased on the customer page.
RECTIFIABLE = customers_services.EDITABLE_FIELDS


class RequestRefused(DomainError):
    """A step that the request's state or the input does not allow; the message says why.

    Invalid input by default (422); a raise about the request's or the customer's state says
    ``kind="conflict"`` (409), about a record that is not there ``kind="not_found"`` (404).
    """

    code = "privacy_request_refused"


# A step the request's state does not allow (its status): 409.
_STATE: dict[str, Any] = {"field": "status", "kind": "conflict"}


@dataclass(frozen=True)
class Officer:
    """Who acts on a request (a privacy officer or an administrator) and through what."""

    actor: Actor
    channel: str = PRIVACY_CHANNEL

    def customers_context(self) -> customers_services.ChangeContext:
        return customers_services.ChangeContext(self.actor, channel=self.channel)


def due_date(received_at: datetime) -> datetime:
    return received_at + timedelta(days=settings.LEALTAD_PRIVACY_DUE_DAYS)


def _step(
    request: DataSubjectRequest,
    action: StepAction,
    who: Officer,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestStep:
    step = RequestStep.objects.create(
        request=request,
        at=timezone.now(),
        actor_id=who.actor.user_id,
        actor_label=who.actor.label,
        action=action,
        note=note,
        data=data or {},
    )
    who.customers_context().audit(
        f"privacy_{action}",
        "privacy_request",
        request.pk,
        {"status": [None, request.status], "kind": [None, request.kind]},
        request.customer_id,
    )
    return step


def _live_customer(customer_id: int) -> Customer:
    customer = customers_selectors.get_customer(customer_id)
    if customer is None:
        raise RequestRefused(
            _("no customer %(id)s"), field="customer", kind="not_found", id=customer_id
        )
    if customer.merged_into_id:
        raise RequestRefused(
            _("%(id)s was merged into %(survivor)s; open the request on that customer"),
            field="customer",
            kind="conflict",
            id=customer_id,
            survivor=customer.merged_into_id,
        )
    return customer


@transaction.atomic
def open_request(
    customer_id: int,
    kind: str,
    who: Officer,
    *,
    channel: str = "",
    details: str = "",
    received_at: datetime | None = None,
) -> DataSubjectRequest:
    """Record a request as received; it is due ``LEALTAD_PRIVACY_DUE_DAYS`` days later."""
    if kind not in RequestKind.values:
        raise RequestRefused(
            _("one of %(kinds)s"), field="kind", kinds=", ".join(RequestKind.values)
        )
    customer = _live_customer(customer_id)
    if customer.erased_at:
        raise RequestRefused(
            _("%(id)s was erased"), field="customer", kind="conflict", id=customer_id
        )
    received = received_at or timezone.now()
    if received > timezone.now() + timedelta(minutes=5):
        raise RequestRefused(_("a request cannot be received in the future"), field="received_at")
    request = DataSubjectRequest.objects.create(
        kind=kind,
        customer_id=customer.pk,
        channel=channel[:40],
        details=details,
        received_at=received,
        due_at=due_date(received),
        created_by=who.actor.label,
    )
    _step(request, StepAction.RECEIVED, who, note=channel)
    return request


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    return DataSubjectRequest.objects.select_for_update().get(pk=request.pk)


def _require_open(request: DataSubjectRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise RequestRefused(
            _("the request is already %(status)s"), **_STATE, status=request.status
        )


def _require_verified(request: DataSubjectRequest) -> None:
    _require_open(request)
    if request.status == RequestStatus.RECEIVED:
        raise RequestRefused(_("verify the person's identity first"), **_STATE)


def _require_kind(request: DataSubjectRequest, *kinds: str) -> None:
    if request.kind not in kinds:
        raise RequestRefused(
            _("this is not done for a %(request_kind)s request"),
            field="kind",
            kind="conflict",
            request_kind=request.kind,
        )


@transaction.atomic
def verify_identity(request: DataSubjectRequest, method: str, who: Officer) -> DataSubjectRequest:
    """The person proved who they are (e.g. "cédula shown at the store"): work may start."""
    request = _locked(request)
    _require_open(request)
    if request.status != RequestStatus.RECEIVED:
        raise RequestRefused(_("the identity was already verified"), **_STATE)
    if not method.strip():
        raise RequestRefused(_("say how the identity was verified"), field="method")
    request.status = RequestStatus.VERIFIED
    request.verified_at = timezone.now()
    request.verified_by = who.actor.label
    request.verification = method.strip()[:200]
    request.save()
    _step(request, StepAction.VERIFIED, who, note=request.verification)
    return request


@transaction.atomic
def take_on(request: DataSubjectRequest, who: Officer) -> DataSubjectRequest:
    """The officer takes the request on: it is in progress and handled by them."""
    request = _locked(request)
    _require_verified(request)
    request.status = RequestStatus.IN_PROGRESS
    request.handled_by = who.actor.label
    request.save()
    _step(request, StepAction.STARTED, who)
    return request


def _in_progress(request: DataSubjectRequest, who: Officer) -> None:
    if request.status == RequestStatus.VERIFIED:
        request.status = RequestStatus.IN_PROGRESS
        request.handled_by = request.handled_by or who.actor.label
        request.save()


def subject_export(customer_id: int) -> dict[str, Any]:
    """One JSON document with everything Lealtad holds about the person, each context's part
    read through its own selectors."""
    ids = customers_subject.family(customer_id)
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "customer_id": customer_id,
        "customers": customers_subject.customer_record(customer_id),
        "commerce": commerce_subject.customer_record(ids),
        "external_records": channels_selectors.external_records_of(ids),
        "privacy_requests": [
            {
                "id": r.pk,
                "kind": r.kind,
                "status": r.status,
                "received_at": r.received_at.isoformat(),
                "due_at": r.due_at.isoformat(),
                "details": r.details,
            }
            for r in DataSubjectRequest.objects.filter(customer_id__in=ids)
        ],
    }


@transaction.atomic
def export(request: DataSubjectRequest, who: Officer) -> bytes:
    """The person's copy of their data (access) or in a form another system reads
    (portability): one UTF-8 JSON document. Its digest is kept on the step, never the file."""
    request = _locked(request)
    _require_verified(request)
    _require_kind(request, RequestKind.ACCESS, RequestKind.PORTABILITY)
    document = subject_export(request.customer_id)
    document["request"] = {"id": request.pk, "kind": request.kind}
    body = json.dumps(document, ensure_ascii=False, indent=1, default=str).encode()
    _in_progress(request, who)
    digest = hashlib.sha256(body).hexdigest()
    _step(request, StepAction.EXPORTED, who, data={"sha256": digest, "bytes": len(body)})
    return body


@transaction.atomic
def rectify(
    request: DataSubjectRequest, changes: dict[str, Any], who: Officer
) -> DataSubjectRequest:
    """Correct profile fields as the person asked; each change audited before → after."""
    request = _locked(request)
    _require_verified(request)
    _require_kind(request, RequestKind.RECTIFICATION)
    unknown = sorted(set(changes) - set(RECTIFIABLE))
    if unknown or not changes:
        among = ", ".join(RECTIFIABLE)
        if unknown:
            raise RequestRefused(
                _("give fields among %(among)s (not %(unknown)s)"),
                field="changes",
                among=among,
                unknown=", ".join(unknown),
            )
        raise RequestRefused(_("give fields among %(among)s"), field="changes", among=among)
    customer = _live_customer(request.customer_id)
    changed = customers_services.update_profile(customer, changes, who.customers_context())
    _in_progress(request, who)
    _step(request, StepAction.RECTIFIED, who, data={"fields": sorted(changes), "changed": changed})
    return request


@transaction.atomic
def object_to_marketing(request: DataSubjectRequest, who: Officer) -> int:
    """Withdraw every marketing consent (marketing, profiling, partners, on every channel):
    recorded as the customer's refusal through the customers context. Returns how many
    consents changed."""
    request = _locked(request)
    _require_verified(request)
    _require_kind(request, RequestKind.OBJECTION)
    customer = _live_customer(request.customer_id)
    ctx = who.customers_context()
    method = f"objection, data-subject request #{request.pk}"
    before = {(c.channel, c.purpose): c.granted for c in customer.consents.all()}
    changed = 0
    for channel in CONSENT_CHANNELS:
        for purpose in MARKETING_PURPOSES:
            if before.get((channel, purpose)) is False:
                continue
            consent = ConsentIn.model_validate(
                {"channel": channel, "purpose": purpose, "granted": False, "method": method}
            )
            customers_services.record_consent(customer, consent, ctx)
            changed += 1
    _in_progress(request, who)
    _step(request, StepAction.OBJECTED, who, data={"withdrawn": changed})
    return changed


def erase_person(customer_id: int, who: Officer) -> dict[str, Any]:
    """Anonymize the person everywhere, each context its own tables, in one transaction.

    The values that identify them are read first (the redactor), then commerce, channels and
    customers erase their rows, and last the core scrubs the audit trail and outbox (which by
    then hold the erasure's own entries, free of personal data).
    """
    with transaction.atomic():
        ids = customers_subject.family(customer_id)
        redactor = customers_erasure.redactor_for(ids)
        counts: dict[str, Any] = {
            "commerce": commerce_erasure.anonymize_customer_records(ids, redactor),
            **erasers.erase_copies(ids, redactor),  # channels: its external records, files
        }
        done = customers_erasure.anonymize_customer(customer_id, who.customers_context())
        counts["customers"] = done.counts
        counts["privacy"] = _erase_request_texts(ids, redactor)
        counts["core"] = core_erasure.redact_customer_trail(ids, redactor)
        counts["customer_ids"] = ids
    return counts


def _erase_request_texts(ids: list[int], redactor: Any) -> int:
    """The person's requests keep their kind, dates and steps; their words go."""
    requests = DataSubjectRequest.objects.filter(customer_id__in=ids)
    changed = requests.update(details="")
    for request in requests:
        request.verification = redactor.text(request.verification)
        request.outcome = redactor.text(request.outcome)
        request.save(update_fields=["verification", "outcome"])
    for step in RequestStep.objects.filter(request__customer_id__in=ids):
        step.note = redactor.text(step.note)
        step.save(update_fields=["note"])
    return changed


def erase(request: DataSubjectRequest, confirm: int | None, who: Officer) -> dict[str, Any]:
    """The right to erasure. ``confirm`` must repeat the customer number: there is no undo."""
    with transaction.atomic():
        request = _locked(request)
        _require_verified(request)
        _require_kind(request, RequestKind.ERASURE)
        if confirm != request.customer_id:
            raise RequestRefused(
                _("repeat the customer number (%(id)s) to erase"),
                field="confirm",
                id=request.customer_id,
            )
        counts = erase_person(request.customer_id, who)
        request.refresh_from_db()  # its details were erased with the person
        _in_progress(request, who)
        _step(request, StepAction.ERASED, who, data=counts)
    return counts


_DONE_BY = {
    RequestKind.ACCESS: StepAction.EXPORTED,
    RequestKind.PORTABILITY: StepAction.EXPORTED,
    RequestKind.RECTIFICATION: StepAction.RECTIFIED,
    RequestKind.OBJECTION: StepAction.OBJECTED,
    RequestKind.ERASURE: StepAction.ERASED,
}


@transaction.atomic
def complete(request: DataSubjectRequest, note: str, who: Officer) -> DataSubjectRequest:
    """Close the request as answered; refused until the right's own action was carried out."""
    request = _locked(request)
    _require_verified(request)
    needed = _DONE_BY[RequestKind(request.kind)]
    if not request.steps.filter(action=needed).exists():
        raise RequestRefused(
            _("a %(request_kind)s request is completed once its action is done (%(needed)s)"),
            **_STATE,
            request_kind=request.kind,
            needed=needed,
        )
    request.status = RequestStatus.COMPLETED
    request.closed_at = timezone.now()
    request.outcome = note.strip()
    request.handled_by = request.handled_by or who.actor.label
    request.save()
    _step(request, StepAction.COMPLETED, who, note=request.outcome)
    return request


@transaction.atomic
def reject(request: DataSubjectRequest, reason: str, who: Officer) -> DataSubjectRequest:
    """Refuse the request, saying why (identity not proven, a legal duty to keep the data …)."""
    request = _locked(request)
    _require_open(request)
    if not reason.strip():
        raise RequestRefused(_("say why the request is rejected"), field="reason")
    request.status = RequestStatus.REJECTED
    request.closed_at = timezone.now()
    request.outcome = reason.strip()
    request.handled_by = request.handled_by or who.actor.label
    request.save()
    _step(request, StepAction.REJECTED, who, note=request.outcome)
    return request


def delete_requests(ids: list[int]) -> int:
    """Retention of closed request files: they and their steps go."""
    return DataSubjectRequest.objects.filter(pk__in=ids).delete()[0]
