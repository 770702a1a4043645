"""The embeddable lead web form: a submission checked against spam with no outside service,
then captured as a lead (source ``web_form``) by :mod:`.leads`, matched to known customers.

Spam checks, cheapest first: a honeypot field people never see (filled: a bot, answered
as if accepted so it learns nothing); a signed timestamp put in the form when it was shown
(sent back sooner than :data:`MIN_SECONDS`: a bot; tampered with: a bot; missing, as from a
plain HTML form on the company's own site: the person confirms once on our page, which
signs a fresh one); at most :data:`RATE_LIMIT` submissions per client address in
:data:`RATE_WINDOW`. A submission repeated (a double click, a reload) is recognised by its
digest and captures nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.sales.choices import LeadSource
from lealtad.sales.models import Lead, WebForm, WebFormSubmission
from lealtad.sales.services import leads

MIN_SECONDS = 3  # a person needs longer than this to fill in a name and an e-mail
MAX_AGE = timedelta(days=1)  # a form left open longer is signed again
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)
HONEYPOT = "website"
SALT = "lealtad.sales.webform"
FIELDS = ("name", "email", "phone", "company", "message")


@dataclass
class Outcome:
    """What became of a submission: ``captured`` (a new lead), ``repeat`` (known already),
    ``invalid`` (``problems`` per field), ``confirm`` (no signed timestamp: show the form
    again to confirm), ``too_fast``, ``honeypot``, ``rate_limited``."""

    status: str
    lead: Lead | None = None
    problems: dict[str, str] = field(default_factory=dict)


def sign(form: WebForm, now: datetime | None = None) -> str:
    moment = (now or timezone.now()).timestamp()
    return signing.dumps({"f": form.slug, "t": round(moment, 3)}, salt=SALT)


def _token_status(form: WebForm, token: str, now: datetime) -> str:
    if not token:
        return "confirm"
    try:
        found = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return "honeypot"  # forged: treated as a bot
    if not isinstance(found, dict) or found.get("f") != form.slug:
        return "honeypot"
    age = now.timestamp() - float(found.get("t", 0))
    if age < MIN_SECONDS:
        return "too_fast"
    if age > MAX_AGE.total_seconds():
        return "confirm"
    return "ok"


def _digest(form: WebForm, lead: leads.NewLead, message: str) -> str:
    """What was typed, as the lead service normalised it: the same phone written another way
    (``099-375-7370``, ``+593 99 375 7370``) is the same submission."""
    parts = [
        form.slug,
        lead.person_name.casefold(),
        lead.company_name.casefold(),
        lead.email,
        lead.phone,
        " ".join(message.split()).casefold(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _rate_limited(address: str, now: datetime) -> bool:
    recent = WebFormSubmission.objects.filter(address=address, submitted_at__gt=now - RATE_WINDOW)
    return recent.count() >= RATE_LIMIT


def _new_lead(form: WebForm, values: Mapping[str, str], now: datetime) -> Any:
    consent = form.consent_text or _("I agree to be contacted about my request.")
    notes = values.get("message", "")
    notes += "\n\n" + _("Consent given on %(day)s: %(text)s") % {
        "day": timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
        "text": consent,
    }
    row = {
        "source": LeadSource.WEB_FORM,
        "external_id": f"{form.slug}:pending",  # replaced by the digest once normalised
        "person_name": values.get("name", ""),
        "company_name": values.get("company", ""),
        "email": values.get("email", ""),
        "phone": values.get("phone", ""),
        "campaign": form.campaign,
        "notes": notes.strip(),
        "team": form.team.code if form.team else "",
    }
    return leads.read_lead(row)


def submit(
    form: WebForm, data: Mapping[str, Any], address: str, now: datetime | None = None
) -> Outcome:
    """Check one submission and capture its lead (or say why not); writes nothing when
    refused."""
    now = now or timezone.now()
    if str(data.get(HONEYPOT) or "").strip():
        return Outcome("honeypot")
    values = {name: str(data.get(name) or "").strip() for name in FIELDS}
    problems = {} if data.get("consent") else {"consent": _("Please accept to be contacted.")}
    token = _token_status(form, str(data.get("token") or ""), now)
    if token != "ok":
        return Outcome(token, problems=problems)
    new, found = _new_lead(form, values, now)
    problems.update({_form_field(name): message for name, message in found})
    if problems or new is None:
        return Outcome("invalid", problems=problems)
    digest = _digest(form, new, values["message"])
    known = WebFormSubmission.objects.filter(form=form, digest=digest).select_related("lead")
    if (seen := known.first()) is not None:
        return Outcome("repeat", lead=seen.lead)
    new = replace(new, external_id=f"{form.slug}:{digest[:40]}")
    if _rate_limited(address, now):
        return Outcome("rate_limited")
    return _capture(form, new, digest, address, now)


def _form_field(name: str) -> str:
    return {"person_name": "name", "company_name": "company"}.get(name, name)


def _capture(
    form: WebForm, new: leads.NewLead, digest: str, address: str, now: datetime
) -> Outcome:
    try:
        with transaction.atomic():
            [captured] = leads.capture_leads([new], Actor.system(f"web form {form.slug}"))
            WebFormSubmission.objects.create(
                form=form, digest=digest, address=address, submitted_at=now, lead=captured.lead
            )
    except IntegrityError:  # the same submission, at the same moment, from a second click
        seen = WebFormSubmission.objects.filter(form=form, digest=digest).first()
        return Outcome("repeat", lead=seen.lead if seen else None)
    return Outcome("captured" if captured.created else "repeat", lead=captured.lead)


def active_form(slug: str) -> WebForm | None:
    return WebForm.objects.select_related("team").filter(slug=slug, active=True).first()


def frame_ancestors(form: WebForm) -> list[str]:
    """The origins allowed to frame the form, as CSP source expressions (scheme://host)."""
    return [
        origin
        for origin in form.frame_ancestors.split()
        if origin.startswith(("https://", "http://")) and "'" not in origin and ";" not in origin
    ]


__all__ = ["HONEYPOT", "Outcome", "active_form", "frame_ancestors", "sign", "submit"]
