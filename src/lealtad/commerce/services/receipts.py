"""The customer's copy of a return: e-mailed when they have an address and agreed to service
messages by e-mail, else printed at the store.

Called once the return committed (never inside its transaction: a mail server's round trip
holds no lock). Each return is *claimed* with a conditional update before its mail goes, so a
repeated call (a double click, a retry) gives one receipt; a mail the server refuses is
released and the receipt is printed instead. A batch of returns is read with one query each
for the returns and the customers' mailing facts.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lealtad.commerce.models import Return
from lealtad.commerce.selectors.store_documents import return_receipt
from lealtad.customers.selectors.mailing import MailingFacts, mailing_facts

log = logging.getLogger(__name__)

PURPOSE = "service"  # the consent purpose a receipt by e-mail needs (channel email)


def give_return_receipts(numbers: list[str]) -> dict[str, str]:
    """How each return's receipt was given (``email`` or ``print``); returns given one
    already keep theirs."""
    rets = list(Return.objects.filter(number__in=numbers))
    facts = mailing_facts({r.customer_id for r in rets if not r.receipt}, PURPOSE)
    given = {r.number: r.receipt for r in rets if r.receipt}
    waiting = [r for r in rets if not r.receipt]
    if not waiting:
        return given
    connection = get_connection(timeout=30)
    try:
        for ret in waiting:
            given[ret.number] = _give(ret, facts.get(ret.customer_id), connection)
    finally:
        connection.close()
    return given


def _give(ret: Return, facts: MailingFacts | None, connection: BaseEmailBackend) -> str:
    now = timezone.now()
    mailed = facts is not None and bool(facts.email) and facts.consent
    how = Return.Receipt.EMAIL if mailed else Return.Receipt.PRINT
    to = facts.email if facts is not None and mailed else ""
    if not Return.objects.filter(pk=ret.pk, receipt="").update(
        receipt=how, receipt_to=to, receipt_at=now
    ):  # another call gave it first
        return str(Return.objects.values_list("receipt", flat=True).get(pk=ret.pk))
    if not mailed or facts is None:
        return how
    try:
        _mail(ret.number, facts, connection).send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("return receipt %s not mailed: %s", ret.number, exc)
        Return.objects.filter(pk=ret.pk).update(receipt=Return.Receipt.PRINT, receipt_to="")
        return Return.Receipt.PRINT
    return how


def _mail(number: str, facts: MailingFacts, connection: BaseEmailBackend) -> EmailMessage:
    """The receipt in the customer's language, as plain text."""
    with translation.override(facts.language):
        receipt = return_receipt(number)
        body = render_to_string("commerce/return_receipt.txt", {"r": receipt})
        subject = _("Your return %(number)s") % {"number": number}
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[facts.email],
        connection=connection,
    )
