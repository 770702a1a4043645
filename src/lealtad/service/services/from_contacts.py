"""A contact-center contact the agent wrapped up with "open a case" becomes a case.

The contact center announces every ended contact on the hub (``contact.ended``); the service
desk listens, so neither context imports the other. At least once: a repeat finds the case it
opened for that contact and writes nothing more.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.service.choices import CaseCategory
from lealtad.service.models import Case
from lealtad.service.services import cases

ACTOR = Actor.system("contact center")


def case_for_contact(message: hub.Message) -> Case | None:
    payload = message.payload
    if not payload.get("open_case") or message.customer_id is None:
        return None
    contact_id = payload["contact_id"]
    found = Case.objects.filter(contact_id=contact_id).first()
    if found is not None:
        return found
    category = payload.get("case_category") or ""
    subject = payload.get("subject") or _first_line(payload.get("notes") or "")
    return cases.open_case(
        cases.NewCase(
            subject=subject,
            category=category if category in CaseCategory.values else CaseCategory.OTHER,
            description=payload.get("notes") or "",
            customer_id=message.customer_id,
            channel="call_center",
            contact_id=contact_id,
            extra={"contact": contact_id, "outcome": payload.get("outcome", "")},
        ),
        ACTOR,
    )


def _first_line(notes: str) -> str:
    """A call has no subject of its own: the agent's notes say what it was about (their first
    line, as a mail's subject would), else it is just a call."""
    line = next((text.strip() for text in notes.splitlines() if text.strip()), "")
    if len(line) > 120:
        line = line[:119].rstrip() + "…"
    return line or _("Call from the contact center")


@hub.subscriber("contact.ended", name="service.case_from_contact")
def open_from_contact(message: hub.Message) -> None:
    case_for_contact(message)
