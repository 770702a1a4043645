"""Triage of mail from unknown senders: an agent names the customer who wrote.

A mail whose sender no customer (or several) holds opens a case with no customer, flagged
for triage (``mail_apply``). Linking it is one transaction: the case gets its customer, the
history says who linked it and why (an internal line: never the first response), the mails
it came by leave the triage list, and the hub hears ``case.opened`` for that customer now, so
the customer's timeline shows the case and the customer gets the acknowledgement with its
number, as if the mail had come from a known address. With ``remember`` the sender's address
is added to the customer (through the customers context), so their next mail finds them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.customers import selectors as customers
from lealtad.customers import services as customer_services
from lealtad.service.choices import EntryKind
from lealtad.service.models import Case, InboundMail
from lealtad.service.services import cases


class TriageRefused(cases.CaseRefused):
    code = "triage_refused"


def sender_of(case: Case) -> str:
    opened = case.entries.order_by("id").values_list("data", flat=True).first() or {}
    return str(opened.get("from", "")) if isinstance(opened, dict) else ""


def link_customer(case_id: int, customer_id: int, actor: Actor, remember: bool = False) -> Case:
    """Give a triaged case its customer; refused for a case that already has one."""
    customer = customers.get_customer(customer_id)
    if customer is None or customer.merged_into_id is not None or customer.erased_at:
        raise TriageRefused(
            _("There is no customer %(id)s to link."), field="customer_id", id=customer_id
        )
    with transaction.atomic():
        case = cases.locked(case_id)
        if case.customer_id is not None:
            raise cases.CaseState(
                _("Case %(n)s already has a customer."), field="customer_id", n=case.number
            )
        if case.requester_id is not None:
            raise cases.CaseState(
                _("Case %(n)s is an employee's."), field="customer_id", n=case.number
            )
        now = timezone.now()
        case.customer_id, case.updated_at = customer.pk, now
        case.save(update_fields=["customer_id", "updated_at"])
        sender = sender_of(case)
        cases.entry(
            case,
            EntryKind.NOTE,
            actor,
            at=now,
            body=_("Linked to customer %(name)s (mail from %(sender)s).")
            % {"name": customer.display_name, "sender": sender or "?"},
            data={"linked_customer": customer.pk, "sender": sender},
        )
        InboundMail.objects.filter(case=case, needs_triage=True).update(needs_triage=False)
        if remember and sender:
            ctx = customer_services.ChangeContext(actor=actor, channel="email")
            customer_services.add_email(customer, sender, ctx)
        _opened_for(case)
    return case


def _opened_for(case: Case) -> None:
    """``case.opened`` as the case services announce it, now that it is a customer's."""
    hub.publish(
        "case.opened",
        {
            "case_id": case.pk,
            "number": case.number,
            "category": case.category,
            "subtype": case.subtype,
            "subject": case.subject,
            "channel": case.channel,
            "status": case.status,
            "outcome": case.outcome,
            "contact_id": case.contact_id,
            "linked_in_triage": True,
        },
        event_id=f"{case.number}#case.opened#triage",
        channel=case.channel,
        customer_id=case.customer_id,
    )
