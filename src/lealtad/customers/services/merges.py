"""Merging two records of one person, undoing it, and deciding identity reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.errors import DomainError
from lealtad.customers.merge_fields import field_label
from lealtad.customers.models import (
    Consent,
    Customer,
    Email,
    HouseholdMember,
    IdentityReview,
    Merge,
    Phone,
)
from lealtad.customers.services.common import EDITABLE_FIELDS, ChangeContext, _naming, _snapshot
from lealtad.customers.services.merge_chunk import MOVED_WHOLE
from lealtad.customers.services.merge_clusters import Cluster, merge_clusters


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
) -> Merge:
    """Fold ``absorbed`` into ``survivor``: every contact point, identifier and record moves.

    Each profile field of the golden record is chosen by the survivorship rules (see
    :mod:`lealtad.customers.survivorship`), except where a person who compared the two records
    chose (``chosen``: field → ``"survivor"`` or ``"absorbed"``): their choice wins, and the
    audit entry says a person made it. A consent is never widened: where the two
    disagree, the refusal wins. What moved and what the survivor looked like before are kept
    on the :class:`Merge`, so :func:`unmerge` can put both customers back exactly. Other
    contexts re-point their own records when they receive ``customer.merged``.

    The same path as a dedupe's thousands of merges (a cluster of one, see
    :mod:`.merge_clusters`); the two instances passed are read afresh afterwards.
    """
    chosen = checked_choices(chosen)
    cluster = Cluster(survivor.pk, ((absorbed.pk, reason),), chosen)
    outcome = merge_clusters([cluster], ctx)
    if outcome.refusals:
        refusal = outcome.refusals[0]
        raise MergeRefused(refusal.why, **dict(refusal.values))
    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    return Merge.objects.get(pk=outcome.merge_ids[0])


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


@transaction.atomic
def unmerge(merge: Any, ctx: ChangeContext, reason: str) -> None:
    """Undo a merge: both customers and their records come back as they were before it.

    Records added to the survivor after the merge stay with it. Refused when either customer
    took part in a later merge that is still in force (undo that one first).
    """
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    _check_undoable(merge)
    survivor, absorbed = merge.survivor, merge.absorbed
    _give_back_rows(merge, absorbed)
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
    because = {"reason": [None, reason]}
    ctx.audit(
        "unmerge",
        "customer",
        survivor.pk,
        changes | {"unmerged_customer": [absorbed.pk, None]} | because,
        survivor.pk,
    )
    ctx.audit(
        "unmerged",
        "customer",
        absorbed.pk,
        {"merged_into": [survivor.pk, None]} | because,
        absorbed.pk,
    )
    ctx.announce(
        "customer.unmerged",
        survivor.pk,
        {"merge_id": merge.pk, "survivor_id": survivor.pk, "absorbed_id": absorbed.pk},
    )


def _check_undoable(merge: Merge) -> None:
    if merge.undone_at:
        raise MergeRefused(_("this merge was already undone"))
    later = Merge.objects.filter(undone_at=None, performed_at__gt=merge.performed_at).filter(
        models.Q(survivor=merge.survivor) | models.Q(absorbed=merge.survivor)
    )
    if later.exists():
        raise MergeRefused(_("undo the later merges of this customer first"))
    if merge.survivor.erased_at or merge.absorbed.erased_at:
        raise MergeRefused(_("this person's data was erased: the merge cannot be undone"))


# what a merge can move: every row of the absorbed, its memberships and contact points
_MOVABLE = {m.__name__: m for m in (*MOVED_WHOLE, HouseholdMember, Phone, Email)}


def _give_back_rows(merge: Merge, absorbed: Customer) -> None:
    """What moved goes back, and the phones and e-mails that were primary are again."""
    for name, ids in merge.moved.items():
        _MOVABLE[name]._default_manager.filter(pk__in=ids).update(customer=absorbed)
    for name, ids in merge.snapshot.get("primary", {}).items():
        _MOVABLE[name]._default_manager.filter(pk__in=ids).update(is_primary=True)


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
