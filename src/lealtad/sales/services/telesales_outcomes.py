"""What telesales calls answered, back on the lead or opportunity they were about.

The dialer hands a connected call to an agent as an outbound contact; when it ends, the
contact center publishes ``contact.ended`` with the agent's wrap-up code. The subscriber
here finds the telesales target the customer stands for on a list of that queue, and logs:

* a **call** activity (done, in the telemarketing time category) on the lead or opportunity;
* the outcome the wrap-up code names (:data:`WRAP_UPS`; a ``commitment`` outcome is a call
  back, any other ended call is ``answered``): answered and call back put a new lead to
  work, call back also plans a **task** for the owner the next day at 10:00; not interested
  disqualifies the lead (or loses the opportunity); a sale converts the lead (or wins the
  opportunity);
* both through the activities service, so each is a line on the customer's timeline and
  is announced as ``activity.logged`` (the call with its outcome), which re-scores the lead
  (:mod:`.scoring_feed`).

Idempotent per event: the call's activity carries ``telesales:<event id>`` as its key, so a
replayed ``contact.ended`` finds it and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.sales.choices import OPEN_LEAD_STATUSES, ActivityKind, LeadStatus, StageKind
from lealtad.sales.choices import TimeCategory as T
from lealtad.sales.models import Activity, Lead, Opportunity, Stage, TelesalesTarget
from lealtad.sales.models.telesales import TelesalesOutcome as O
from lealtad.sales.services import activities, conversion, opportunities

log = logging.getLogger(__name__)
ACTOR = Actor.system("telesales")
# Wrap-up codes (contact center → Configuration → wrap-up codes) that name an outcome.
WRAP_UPS = {
    "sale": O.SALE,
    "venta": O.SALE,
    "not_interested": O.NOT_INTERESTED,
    "no_interesado": O.NOT_INTERESTED,
    "do_not_call": O.NOT_INTERESTED,
    "callback": O.CALLBACK,
    "call_back": O.CALLBACK,
    "volver_a_llamar": O.CALLBACK,
}
CALLBACK_HOUR = 10


def outcome_of(payload: dict[str, Any]) -> str:
    code = str(payload.get("wrap_up_code") or "").lower()
    if code in WRAP_UPS:
        return WRAP_UPS[code]
    if payload.get("outcome") == "commitment":
        return O.CALLBACK
    return O.ANSWERED


def record_outcome(event_id: str, customer_id: int, payload: dict[str, Any]) -> Activity | None:
    """The call's activity and its effects, once per event; None when the contact is no
    telesales call (or was recorded already)."""
    key = f"telesales:{event_id}"[:160]
    if Activity.objects.filter(idempotency_key=key).exists():
        return None
    target = (
        TelesalesTarget.objects.select_related("lead", "opportunity", "telesales_list")
        .filter(customer_id=customer_id, telesales_list__queue=payload.get("queue") or "")
        .order_by("-telesales_list__created_at", "-id")
        .first()
    )
    if target is None:
        return None
    outcome = outcome_of(payload)
    with transaction.atomic():
        lead, opportunity = _subject(target)
        call = _log(key, target, lead, opportunity, payload, outcome)
        _apply(outcome, lead, opportunity, target.telesales_list.name)
        now = timezone.now()
        target.calls += 1
        TelesalesTarget.objects.filter(pk=target.pk).update(
            outcome=outcome, outcome_at=now, calls=target.calls
        )
    return call


def _subject(target: TelesalesTarget) -> tuple[Lead | None, Opportunity | None]:
    """The lead and opportunity the call is about now (a lead converted since: its deal)."""
    lead, opportunity = target.lead, target.opportunity
    if opportunity is None and lead is not None and lead.status == LeadStatus.CONVERTED:
        opportunity = Opportunity.objects.filter(lead=lead).first()
    if opportunity is not None:
        opportunity = Opportunity.objects.select_related("stage").get(pk=opportunity.pk)
    if lead is not None:
        lead = Lead.objects.get(pk=lead.pk)
    return lead, opportunity


def _log(
    key: str,
    target: TelesalesTarget,
    lead: Lead | None,
    opportunity: Opportunity | None,
    payload: dict[str, Any],
    outcome: str,
) -> Activity:
    """The call (and, for a call back, the task for tomorrow) through the activities service:
    on the customer's timeline and announced as ``activity.logged`` like any other."""
    answered = _moment(payload.get("answered_at"))
    ended = _moment(payload.get("ended_at")) or timezone.now()
    timed = answered is not None and answered <= ended
    owner = opportunity.owner_id if opportunity else (lead.owner_id if lead else None)
    call = activities.NewActivity(
        kind=ActivityKind.CALL,
        subject=_("Telesales call (%(list)s): %(outcome)s")
        % {"list": target.telesales_list.name, "outcome": str(O(outcome).label)},
        notes=str(payload.get("notes") or "")[:2000],
        starts_at=answered if timed else None,
        ends_at=ended if timed else None,
        done=True,
        done_at=ended,
        owner_id=owner,
        lead_id=lead.pk if lead else None,
        opportunity_id=opportunity.pk if opportunity else None,
        customer_id=target.customer_id,
        time_category=T.TELEMARKETING,
        key=key,
        announced={"outcome": outcome},
    )
    batch = [call]
    if outcome == O.CALLBACK:
        batch.append(_callback(key, call))
    return activities.log_activities(batch, ACTOR)[0]


def _callback(key: str, call: activities.NewActivity) -> activities.NewActivity:
    tomorrow = timezone.localtime() + timedelta(days=1)
    return replace(
        call,
        kind=ActivityKind.TASK,
        subject=(_("Call back: %(subject)s") % {"subject": call.subject})[:200],
        notes="",
        starts_at=None,
        ends_at=None,
        due=tomorrow.replace(hour=CALLBACK_HOUR, minute=0, second=0, microsecond=0),
        done=False,
        done_at=None,
        time_category=T.FOLLOW_UP,
        key=f"{key}#callback"[:160],
        announced={},
    )


def _apply(outcome: str, lead: Lead | None, opportunity: Opportunity | None, name: str) -> None:
    if opportunity is not None:
        if opportunity.stage.kind == StageKind.OPEN and outcome in (O.SALE, O.NOT_INTERESTED):
            kind = StageKind.WON if outcome == O.SALE else StageKind.LOST
            stage = Stage.objects.filter(pipeline_id=opportunity.pipeline_id, kind=kind)
            found = stage.order_by("order").first()
            if found is not None:
                reason = _("Telesales call (%(list)s)") % {"list": name}
                opportunities.move([opportunities.Move(opportunity.pk, found.pk, reason)], ACTOR)
        return
    if lead is None or lead.status not in OPEN_LEAD_STATUSES:
        return
    if outcome == O.NOT_INTERESTED:
        conversion.disqualify([lead.pk], _("Not interested (telesales call)"), ACTOR)
    elif outcome == O.SALE:
        _convert(lead)
    elif lead.status == LeadStatus.NEW:
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.WORKING, updated_at=timezone.now())


def _convert(lead: Lead) -> None:
    """Into a customer and an opportunity; with no default pipeline to open it in, the
    lead is qualified instead (a seller converts it later)."""
    try:
        with transaction.atomic():
            conversion.convert([conversion.Conversion(lead.pk)], ACTOR)
    except DomainError as refused:
        log.warning("telesales sale on lead %s not converted: %s", lead.pk, refused)
        conversion.qualify([lead.pk], ACTOR)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


@hub.subscriber("contact.ended", name="sales.telesales_outcomes")
def outcome_on_lead(message: hub.Message) -> None:
    payload = message.payload
    if payload.get("direction") != "outbound" or message.customer_id is None:
        return
    record_outcome(message.event_id, message.customer_id, payload)
