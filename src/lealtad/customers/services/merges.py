"""Merging two records of one person, undoing it, and deciding identity reviews."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.errors import DomainError
from lealtad.customers import survivorship
from lealtad.customers.merge_fields import field_label
from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    DataQualityIssue,
    Email,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Phone,
)
from lealtad.customers.services.common import EDITABLE_FIELDS, ChangeContext, _naming, _snapshot

Provenance = dict[str, tuple[str, datetime | None]]
_EMPTY: tuple[Any, ...] = (None, "", [])  # what survivorship never chooses


class MergeRefused(DomainError):
    """A merge, an undo or a review decision the customers' state does not allow."""

    code = "merge_refused"
    kind = "conflict"


def merge_customers(
    survivor: Customer,
    absorbed: Customer,
    ctx: ChangeContext,
    reason: str,
    chosen: dict[str, str] | None = None,
):
    """Fold ``absorbed`` into ``survivor``: every contact point, identifier and record moves.

    Each profile field of the golden record is chosen by the survivorship rules (see
    :mod:`lealtad.customers.survivorship`), except where a person who compared the two records
    chose (``chosen``: field → ``"survivor"`` or ``"absorbed"``): their choice wins, and the
    audit entry says a person made it. A consent is never widened: where the two
    disagree, the refusal wins. What moved and what the survivor looked like before are kept
    on the :class:`Merge`, so :func:`unmerge` can put both customers back exactly. Other
    contexts re-point their own records when they receive ``customer.merged``.
    """
    from lealtad.customers.models import Merge

    if survivor.pk == absorbed.pk:
        raise MergeRefused(_("a customer cannot be merged into itself"))
    if absorbed.merged_into_id or survivor.merged_into_id:
        raise MergeRefused(_("one of these customers was already merged"))
    chosen = checked_choices(chosen)
    with transaction.atomic():
        snapshot = _merge_snapshot(survivor, absorbed)
        moved: dict[str, list[int]] = {}
        for model in (Address, Interaction, ConsentChange, Identifier, DataQualityIssue):
            ids = list(model.objects.filter(customer=absorbed).values_list("pk", flat=True))
            model.objects.filter(pk__in=ids).update(customer=survivor)
            moved[model.__name__] = ids
        members = HouseholdMember.objects.filter(customer=absorbed).exclude(
            household__members__customer=survivor
        )
        moved["HouseholdMember"] = list(members.values_list("pk", flat=True))
        HouseholdMember.objects.filter(pk__in=moved["HouseholdMember"]).update(customer=survivor)
        for contact_model, attr in ((Phone, "e164"), (Email, "address")):
            moved[contact_model.__name__] = _move_contact_points(
                contact_model, attr, absorbed, survivor
            )
        _merge_consents(survivor, absorbed)
        before = _snapshot(survivor, EDITABLE_FIELDS)
        _apply_survivorship(survivor, absorbed)
        if chosen is not None:
            _apply_choices(survivor, absorbed, before, chosen)
            snapshot["chosen"] = chosen
        _naming(survivor)
        survivor.save()
        absorbed.merged_into = survivor
        absorbed.lifecycle_status = "former"
        absorbed.save(update_fields=["merged_into", "lifecycle_status", "updated_at"])
        reviews = IdentityReview.objects.filter(
            status__in=["open", "deferred"],
            customer_a__in=[survivor, absorbed],
            customer_b__in=[survivor, absorbed],
        )
        snapshot["reviews"] = list(reviews.values_list("pk", flat=True))
        reviews.update(status="merged", decided_at=timezone.now(), decided_by=ctx.actor.label)
        record = Merge.objects.create(
            survivor=survivor,
            absorbed=absorbed,
            performed_by_id=ctx.actor.user_id,
            performed_by_label=ctx.actor.label,
            reason=reason,
            moved=moved,
            snapshot=snapshot,
        )
        changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
        changes["merged_customer"] = [None, absorbed.pk]
        if chosen is not None:  # a person compared the records and chose these values
            changes["chosen_by_person"] = [None, chosen]
        ctx.audit(
            "merge", "customer", survivor.pk, changes | {"reason": [None, reason]}, survivor.pk
        )
        ctx.audit(
            "merged_into",
            "customer",
            absorbed.pk,
            {"merged_into": [None, survivor.pk], "reason": [None, reason]},
            absorbed.pk,
        )
        ctx.announce(
            "customer.merged",
            survivor.pk,
            {
                "merge_id": record.pk,
                "survivor_id": survivor.pk,
                "absorbed_id": absorbed.pk,
                "reason": reason,
            },
        )
    return record


_RESTORED_FIELDS = (*EDITABLE_FIELDS, "first_contact_at", "first_contact_channel")
SIDES = ("survivor", "absorbed")


def checked_choices(chosen: dict[str, str] | None) -> dict[str, str] | None:
    """A person's choices, refused whole (naming the field) if any names an unknown field or
    side: a half-applied choice would build a golden record nobody asked for."""
    if chosen is None:
        return None
    for name, side in chosen.items():
        if name not in EDITABLE_FIELDS:
            raise MergeRefused(
                _("%(name)s is not a profile field that a merge can choose"),
                field=f"chosen.{name}",
                kind="invalid",
                code="unknown_merge_field",
                name=name,
            )
        if side not in SIDES:
            raise MergeRefused(
                _("%(name)s: choose the value of the record that stays or of the other one"),
                field=f"chosen.{name}",
                kind="invalid",
                code="unknown_merge_side",
                name=field_label(name),
            )
    return dict(chosen)


def _apply_choices(
    survivor: Customer, absorbed: Customer, before: dict[str, Any], chosen: dict[str, str]
) -> None:
    for name, side in chosen.items():
        setattr(survivor, name, before[name] if side == "survivor" else getattr(absorbed, name))


def _merge_snapshot(survivor: Customer, absorbed: Customer) -> dict[str, Any]:
    def consents(customer: Customer) -> list[dict[str, Any]]:
        return [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "granted": c.granted,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in customer.consents.all()
        ]

    return {
        "survivor": audit.jsonable(_snapshot(survivor, _RESTORED_FIELDS)),
        "absorbed_status": absorbed.lifecycle_status,
        "survivor_consents": consents(survivor),
        "absorbed_consents": consents(absorbed),
        # A phone or email that moves stops being primary; unmerge makes it primary again.
        "primary": {
            "Phone": list(absorbed.phones.filter(is_primary=True).values_list("pk", flat=True)),
            "Email": list(absorbed.emails.filter(is_primary=True).values_list("pk", flat=True)),
        },
    }


def _provenance(customer: Customer) -> dict[str, tuple[str, datetime | None]]:
    """For each profile field, the channel that last set it and when (from the audit trail)."""
    from lealtad.core.models import AuditEntry

    entries = AuditEntry.objects.filter(
        customer_id=customer.pk, entity_type="customer", action__in=["update", "merge"]
    ).order_by("occurred_at", "id")
    return provenance_of(customer, entries.values_list("changes", "channel", "occurred_at"))


def _apply_survivorship(survivor: Customer, absorbed: Customer) -> None:
    mine, theirs = _provenance(survivor), _provenance(absorbed)
    fold_profile(survivor, absorbed, mine, theirs, survivorship_rules())


@transaction.atomic
def unmerge(merge: Any, ctx: ChangeContext, reason: str) -> None:
    """Undo a merge: both customers and their records come back as they were before it.

    Records added to the survivor after the merge stay with it. Refused when either customer
    took part in a later merge that is still in force (undo that one first).
    """
    from lealtad.customers.models import Merge

    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise MergeRefused(_("this merge was already undone"))
    later = Merge.objects.filter(undone_at=None, performed_at__gt=merge.performed_at).filter(
        models.Q(survivor=merge.survivor) | models.Q(absorbed=merge.survivor)
    )
    if later.exists():
        raise MergeRefused(_("undo the later merges of this customer first"))
    survivor, absorbed = merge.survivor, merge.absorbed
    if survivor.erased_at or absorbed.erased_at:
        raise MergeRefused(_("this person's data was erased: the merge cannot be undone"))
    by_name = {
        m.__name__: m
        for m in (
            Address,
            Interaction,
            ConsentChange,
            Identifier,
            HouseholdMember,
            Phone,
            Email,
            DataQualityIssue,
        )
    }
    for name, ids in merge.moved.items():
        by_name[name].objects.filter(pk__in=ids).update(customer=absorbed)
    for name, ids in merge.snapshot.get("primary", {}).items():
        by_name[name].objects.filter(pk__in=ids).update(is_primary=True)
    _restore_consents(survivor, merge.snapshot["survivor_consents"])
    _restore_consents(absorbed, merge.snapshot["absorbed_consents"])
    before = _snapshot(survivor, EDITABLE_FIELDS)
    for name, value in merge.snapshot["survivor"].items():
        field: Any = Customer._meta.get_field(name)
        setattr(survivor, name, field.to_python(value) if value is not None else None)
    _naming(survivor)
    survivor.save()
    absorbed.merged_into = None
    absorbed.lifecycle_status = merge.snapshot.get("absorbed_status", "prospect")
    absorbed.save(update_fields=["merged_into", "lifecycle_status", "updated_at"])
    IdentityReview.objects.filter(pk__in=merge.snapshot.get("reviews", [])).update(
        status="distinct", decided_at=timezone.now(), decided_by=ctx.actor.label
    )
    merge.undone_at = timezone.now()
    merge.undone_by_label = ctx.actor.label
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by_label", "undo_reason"])
    changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
    ctx.audit(
        "unmerge",
        "customer",
        survivor.pk,
        changes | {"unmerged_customer": [absorbed.pk, None], "reason": [None, reason]},
        survivor.pk,
    )
    ctx.audit(
        "unmerged",
        "customer",
        absorbed.pk,
        {"merged_into": [survivor.pk, None], "reason": [None, reason]},
        absorbed.pk,
    )
    ctx.announce(
        "customer.unmerged",
        survivor.pk,
        {"merge_id": merge.pk, "survivor_id": survivor.pk, "absorbed_id": absorbed.pk},
    )


def _restore_consents(customer: Customer, rows: list[dict[str, Any]]) -> None:
    Consent.objects.filter(customer=customer).delete()
    Consent.objects.bulk_create(
        Consent(
            customer=customer,
            channel=r["channel"],
            purpose=r["purpose"],
            granted=r["granted"],
            updated_at=datetime.fromisoformat(r["updated_at"]),
        )
        for r in rows
    )


def _move_contact_points(model: Any, attr: str, absorbed: Customer, survivor: Customer) -> list:
    """Move what the survivor lacks; a number both had stays once, on the survivor."""
    have = set(model.objects.filter(customer=survivor).values_list(attr, flat=True))
    rows = list(model.objects.filter(customer=absorbed))
    moving = [r.pk for r in rows if getattr(r, attr) not in have]
    model.objects.filter(pk__in=moving).update(customer=survivor, is_primary=False)
    return moving


def _merge_consents(survivor: Customer, absorbed: Customer) -> None:
    mine = {(c.channel, c.purpose): c for c in survivor.consents.all()}
    for theirs in absorbed.consents.all():
        current = mine.get((theirs.channel, theirs.purpose))
        if current is None:
            theirs.customer = survivor
            theirs.save(update_fields=["customer"])
            continue
        if current.granted and not theirs.granted:
            current.granted = False
            current.updated_at = theirs.updated_at
            current.save(update_fields=["granted", "updated_at"])
        theirs.delete()


@transaction.atomic
def decide_review(review: IdentityReview, decision: str, ctx: ChangeContext) -> IdentityReview:
    """A person's verdict on a pair: merge them, keep them apart, or look again later."""
    if review.status not in ("open", "deferred"):
        raise MergeRefused(_("this review was already decided"), code="review_already_decided")
    if decision == "merged":
        merge_customers(review.customer_a, review.customer_b, ctx, f"review #{review.pk}")
        review.refresh_from_db()
        return review
    if decision not in ("distinct", "deferred"):
        raise MergeRefused(_("unknown decision %(decision)r"), kind="invalid", decision=decision)
    review.status = decision
    review.decided_at = timezone.now()
    review.decided_by = ctx.actor.label
    review.save(update_fields=["status", "decided_at", "decided_by"])
    ctx.audit(
        "review", "identity_review", review.pk, {"status": ["open", decision]}, review.customer_a_id
    )
    return review


# Survivorship, shared with the bulk merge -------------------------------------------------


def survivorship_rules() -> survivorship.Rules:
    return survivorship.Rules(
        order=tuple(settings.LEALTAD_SURVIVORSHIP_RULES),
        sources=tuple(settings.LEALTAD_SURVIVORSHIP_SOURCES),
    )


def provenance_of(customer: Customer, entries: Iterable[tuple[Any, str, datetime]]) -> Provenance:
    """For each profile field, the channel that last set it and when: the customer's first
    contact, overridden by its ``update``/``merge`` audit entries (``changes, channel,
    occurred_at``, oldest first)."""
    found: Provenance = {
        name: (customer.first_contact_channel, customer.created_at) for name in EDITABLE_FIELDS
    }
    for changes, channel, occurred_at in entries:
        for name in changes:
            if name in found:
                found[name] = (channel, occurred_at)
    return found


def fold_profile(
    survivor: Customer,
    absorbed: Customer,
    mine: Provenance,
    theirs: Provenance,
    rules: survivorship.Rules,
) -> None:
    """Give ``survivor`` the golden record of the two, field by field, and the earlier first
    contact."""
    for name in EDITABLE_FIELDS:
        offered = getattr(absorbed, name)
        if offered in _EMPTY or offered == getattr(survivor, name):
            continue  # nothing the rules could change
        winner = survivorship.choose(
            name,
            [
                survivorship.Candidate(getattr(survivor, name), *mine[name], is_survivor=True),
                survivorship.Candidate(offered, *theirs[name]),
            ],
            rules,
        )
        if winner is not None:
            setattr(survivor, name, winner.value)
    if absorbed.first_contact_at and (
        not survivor.first_contact_at or absorbed.first_contact_at < survivor.first_contact_at
    ):
        survivor.first_contact_at = absorbed.first_contact_at
        survivor.first_contact_channel = absorbed.first_contact_channel
