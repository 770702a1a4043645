"""Sending a quote: its PDF by e-mail, through Django's SMTP backend as the other contexts
mail (service's portal links, surveys). Only an approved version goes out; the mail leaves
before the version is marked sent, so a refused delivery changes nothing."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lealtad.core.audit import Actor
from lealtad.sales import quote_pdf, selectors_quotes
from lealtad.sales.models import Quote
from lealtad.sales.services.common import SalesConflict, SalesRefused
from lealtad.sales.services.quotes import _audit, latest

Status = Quote.Status
SENDABLE = (Status.APPROVED, Status.SENT)


def pdf_of(quote: Quote) -> bytes:
    return quote_pdf.render(selectors_quotes.document(quote), quote.language)


def _check_sendable(quote: Quote) -> None:
    if quote.status in SENDABLE:
        return
    if quote.status == Status.PENDING_APPROVAL:
        message = gettext_lazy("Version %(v)s waits for a sales manager's approval.")
    elif quote.status == Status.DRAFT:
        message = gettext_lazy("Version %(v)s is a draft: submit it before sending.")
    else:
        message = gettext_lazy("Version %(v)s is %(status)s and cannot be sent.")
    raise SalesConflict(
        message,
        field="number",
        code="quote_not_sendable",
        v=quote.version,
        status=quote.get_status_display(),
    )


def _message(quote: Quote, to: str, pdf: bytes) -> EmailMessage:
    with translation.override(quote.language):
        subject = _("Quote %(number)s (version %(v)s)") % {
            "number": quote.number,
            "v": quote.version,
        }
        body = _(
            "Dear customer,\n\nAttached is our quote %(number)s, version %(v)s, for a total of "
            "%(total)s %(currency)s.\n\nKind regards."
        ) % {
            "number": quote.number,
            "v": quote.version,
            "total": quote.total,
            "currency": quote.currency,
        }
    message = EmailMessage(
        subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@localhost"), [to]
    )
    message.attach(f"{quote.number}-v{quote.version}.pdf", pdf, "application/pdf")
    return message


def send(number: str, to: str, actor: Actor) -> Quote:
    """Mail the latest version's PDF to ``to``; sending again mails it again."""
    try:
        validate_email(to)
    except ValidationError:
        raise SalesRefused(gettext_lazy("Not an e-mail address."), field="to") from None
    quote = latest(number)
    _check_sendable(quote)
    message = _message(quote, to, pdf_of(quote))
    message.connection = get_connection("django.core.mail.backends.smtp.EmailBackend", timeout=30)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise SalesConflict(
            gettext_lazy("The mail server did not take the quote: %(why)s"),
            field="to",
            code="mail_refused",
            why=str(exc),
        ) from exc
    with transaction.atomic():
        quote = latest(number, lock=True)
        _check_sendable(quote)
        quote.status = Status.SENT
        quote.sent_to = to
        quote.sent_at = quote.updated_at = timezone.now()
        quote.save(update_fields=["status", "sent_to", "sent_at", "updated_at"])
        _audit(actor, "send_quote", quote, to=to)
    return quote
