"""The customer portal: sign in by an e-mailed link, and a customer's own cases and consents.

The link is single use, expires in 15 minutes and only its SHA-256 is stored. Asking for a
link answers the same whether or not the address is a customer's (no one learns who is a
customer), and at most three links per address per 15 minutes are sent (throttle).
Every case operation checks that the case is the signed-in customer's: another customer's
case is "not found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.customers import selectors as customer_reads
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import ConsentIn
from lealtad.service.choices import SUBTYPES, CaseCategory
from lealtad.service.models import Case, PortalLink
from lealtad.service.services import cases

log = logging.getLogger(__name__)
LINK_LIFETIME = timedelta(minutes=15)
THROTTLE = 3  # links per address per LINK_LIFETIME


class PortalRefused(DomainError):
    code = "portal_refused"
    kind = "invalid"


class PortalLinkInvalid(DomainError):
    code = "portal_link_invalid"
    kind = "unauthenticated"


class PortalNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


def actor(customer_id: int) -> Actor:
    return Actor(label=f"customer {customer_id}", channel="portal")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _customer_of(email: str) -> int | None:
    try:
        found = customer_reads.lookup(email=email)
    except DomainError:
        raise PortalRefused(_("That is not an e-mail address."), field="email") from None
    return found[0].pk if len(found) == 1 else None


def request_link(email: str, language: str = "es", now: datetime | None = None) -> bool:
    """Mails a sign-in link if the address is one customer's; returns whether one was sent
    (the page says the same either way)."""
    email = email.strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise PortalRefused(_("That is not an e-mail address."), field="email")
    now = now or timezone.now()
    customer_id = _customer_of(email)
    if customer_id is None:
        return False
    recent = PortalLink.objects.filter(email=email, created_at__gt=now - LINK_LIFETIME).count()
    if recent >= THROTTLE:
        log.info("portal link throttled for customer %s", customer_id)
        return False
    secret = secrets.token_urlsafe(32)
    PortalLink.objects.create(
        customer_id=customer_id,
        email=email,
        secret_hash=_hash(secret),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        language=language if language in ("es", "en") else "es",
    )
    _send(email, secret, language)
    return True


def link_url(secret: str) -> str:
    base = str(getattr(settings, "LEALTAD_PUBLIC_URL", "http://localhost:8000")).rstrip("/")
    return base + reverse("portal:link", args=[secret])


def _send(email: str, secret: str, language: str) -> None:
    with translation.override(language):
        body = _(
            "Open this link within 15 minutes to sign in to your customer portal:\n\n%(url)s\n\n"
            "It works once. If you did not ask for it, ignore this mail."
        ) % {"url": link_url(secret)}
        subject = _("Your sign-in link")
    message = EmailMessage(
        subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@localhost"), [email]
    )
    message.connection = get_connection("django.core.mail.backends.smtp.EmailBackend", timeout=30)
    message.send()


def redeem(secret: str, now: datetime | None = None) -> PortalLink:
    """The link signs in once: a used or expired link is refused by name."""
    now = now or timezone.now()
    with transaction.atomic():
        link = PortalLink.objects.select_for_update().filter(secret_hash=_hash(secret)).first()
        if link is None:
            raise PortalLinkInvalid(_("This sign-in link is not valid."), field="link")
        if link.used_at is not None:
            raise PortalLinkInvalid(
                _("This sign-in link was already used. Ask for a new one."), field="link"
            )
        if link.expires_at <= now:
            raise PortalLinkInvalid(
                _("This sign-in link has expired. Ask for a new one."), field="link"
            )
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link


def own_case(customer_id: int, case_id: int) -> Case:
    found = Case.objects.filter(pk=case_id, customer_id=customer_id).first()
    if found is None:
        raise PortalNotFound(_("There is no case %(id)s."), field="case", id=case_id)
    return found


def open_case(
    customer_id: int, subject: str, description: str, category: str, subtype: str = ""
) -> Case:
    if category not in CaseCategory.values or category == CaseCategory.INTERNAL:
        raise PortalRefused(_("Choose what your request is about."), field="category")
    if subtype and subtype not in SUBTYPES.get(category, {}):
        raise PortalRefused(_("Choose what your request is about."), field="subtype")
    if not description.strip():
        raise PortalRefused(_("Tell us what happened."), field="description")
    new = cases.NewCase(
        subject=subject,
        category=category,
        subtype=subtype,
        description=description.strip()[:20000],
        customer_id=customer_id,
        channel="portal",
    )
    return cases.open_case(new, actor(customer_id))


def reply(customer_id: int, case_id: int, body: str) -> Case:
    own_case(customer_id, case_id)
    if not body.strip():
        raise PortalRefused(_("Write your message."), field="body")
    return cases.customer_message(case_id, body.strip()[:20000], actor(customer_id))


def set_consent(customer_id: int, link_id: int, channel: str, purpose: str, granted: bool):
    """The customer's own choice. Granting e-mail waits for the double opt-in mail; another
    channel is proved by this signed-in portal session (the link that signed in)."""
    customer = customer_reads.get_customer(customer_id)
    if customer is None:
        raise PortalNotFound(_("There is no customer %(id)s."), field="customer", id=customer_id)
    proof: str | None = None
    if granted:
        proof = "double_opt_in" if channel == "email" else "channel_event"
    try:
        statement = ConsentIn(
            channel=channel,  # type: ignore[arg-type]
            purpose=purpose,  # type: ignore[arg-type]
            granted=granted,
            method="customer portal",
            proof=proof,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise PortalRefused(str(exc).splitlines()[0], field="consent") from None
    ctx = customer_services.ChangeContext(
        actor=actor(customer_id), event_id=f"portal-link-{link_id}", channel="web"
    )
    return customer_services.record_consent(customer, statement, ctx)
