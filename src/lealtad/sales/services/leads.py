"""Capturing leads, from any source, a batch at a time.

Every lead is read and normalized first (:func:`read_lead`); a batch with a bad one writes
nothing. The source and the sender's id make a capture idempotent: a lead delivered again
(the same form post, event or file row) is the lead already kept. Each new lead is matched
to a known customer by identity keys (:mod:`.matching`) and given an owner by its team's
rule (:mod:`.assignment`), in the same transaction, which also announces each lead kept
(``lead.captured``, naming its ``lead_id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub, normalize
from lealtad.core.audit import Actor
from lealtad.sales.choices import LeadSource
from lealtad.sales.models import Lead, SalesTeam
from lealtad.sales.services import assignment, matching
from lealtad.sales.services.common import SalesNotFound, SalesRefused, chunks, where

TEXT_LIMITS = {
    "person_name": 160,
    "company_name": 160,
    "region": 80,
    "campaign": 80,
    "notes": 2000,
    "external_id": 120,
}
FIELDS = ("source", "team", "email", "phone", "national_id", *TEXT_LIMITS)


@dataclass(frozen=True)
class NewLead:
    """A lead as read and normalized, before it is kept."""

    source: str
    external_id: str
    person_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: str = ""
    national_id: str = ""
    region: str = ""
    campaign: str = ""
    notes: str = ""
    team: str = ""  # a sales team's code; the assignment rules choose when empty

    @property
    def keys(self) -> matching.Keys:
        return matching.Keys(self.national_id, self.email, self.phone)


@dataclass(frozen=True)
class Captured:
    """What became of one lead of a batch: kept now, or kept already by an earlier delivery."""

    lead: Lead
    created: bool


Problem = tuple[str, str]  # (field, message)


def read_lead(values: Mapping[str, Any]) -> tuple[NewLead | None, list[Problem]]:
    """The lead the values describe, or every problem found in them (field and reason)."""
    problems: list[Problem] = []
    text = {name: _text(values.get(name), name, problems) for name in FIELDS}
    if text["source"] not in LeadSource.values:
        problems.append(("source", str(_("one of %s") % ", ".join(LeadSource.values))))
    for name, limit in TEXT_LIMITS.items():
        if len(text[name]) > limit:
            problems.append((name, str(_("at most %(n)s characters") % {"n": limit})))
    if not (text["person_name"] or text["company_name"]):
        problems.append(("person_name", str(_("a lead needs a person's or a company's name"))))
    if not (text["email"] or text["phone"]):
        problems.append(("email", str(_("a lead needs an e-mail or a phone to be reached"))))
    keys = {name: _key(name, text[name], problems) for name in ("email", "phone", "national_id")}
    if problems:
        return None, problems
    return NewLead(
        source=text["source"],
        external_id=text["external_id"] or _content_key(text, keys),
        person_name=text["person_name"],
        company_name=text["company_name"],
        region=text["region"],
        campaign=text["campaign"],
        notes=text["notes"],
        team=text["team"],
        **keys,
    ), []


def check_lead(values: Mapping[str, Any], index: int = 0, size: int = 1) -> NewLead:
    """:func:`read_lead` for a caller that stops at the first problem (the API, an event)."""
    lead, problems = read_lead(values)
    if lead is None:
        name, message = problems[0]
        raise SalesRefused(message, field=where(index, size, name))
    return lead


def _text(value: Any, name: str, problems: list[Problem]) -> str:
    if value is None:
        return ""
    try:
        return normalize.name(str(value))
    except normalize.InvalidValue as exc:
        problems.append((name, str(exc)))
        return ""


def _key(name: str, value: str, problems: list[Problem]) -> str:
    if not value:
        return ""
    try:
        if name == "email":
            return normalize.email(value)
        if name == "phone":
            return normalize.phone(value).e164
        return normalize.national_id(value).value
    except normalize.InvalidValue as exc:
        problems.append((name, str(exc)))
        return ""


def _content_key(text: dict[str, str], keys: dict[str, str]) -> str:
    """A row with no id of its own is known by what it says: the same person, company and
    keys from the same source is the same lead (a file imported twice adds nothing)."""
    parts = [text["person_name"].casefold(), text["company_name"].casefold(), *keys.values()]
    return "sha1:" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def capture_leads(batch: Sequence[NewLead], actor: Actor, *, team: str = "") -> list[Captured]:
    """Keep the leads not kept already, linked to the customers they are and assigned; one
    result per input, in order (a lead twice in the batch is kept once)."""
    teams = _teams({new.team or team for new in batch})
    with transaction.atomic():
        known = _known(batch)
        fresh: dict[tuple[str, str], NewLead] = {}
        for new in batch:
            if (new.source, new.external_id) not in known:
                fresh.setdefault((new.source, new.external_id), new)
        made = _create(list(fresh.values()), teams, team)
        known.update({(lead.source, lead.external_id): lead for lead in made})
    created = {id(lead) for lead in made}
    results = []
    for new in batch:
        lead = known[(new.source, new.external_id)]
        results.append(Captured(lead, id(lead) in created))
        created.discard(id(lead))  # a repeat within the batch is not new the second time
    return results


def _teams(codes: set[str]) -> dict[str, SalesTeam | None]:
    found: dict[str, SalesTeam | None] = {
        t.code: t for t in SalesTeam.objects.filter(code__in=codes - {""}, active=True)
    }
    for code in sorted(codes - {""} - set(found)):
        raise SalesNotFound(_("There is no active sales team %(code)s."), field="team", code=code)
    found[""] = None
    return found


def _known(batch: Sequence[NewLead]) -> dict[tuple[str, str], Lead]:
    by_source: dict[str, list[str]] = {}
    for new in batch:
        by_source.setdefault(new.source, []).append(new.external_id)
    known: dict[tuple[str, str], Lead] = {}
    for source, ids in by_source.items():
        for part in chunks(sorted(set(ids))):
            for lead in Lead.objects.filter(source=source, external_id__in=part):
                known[(lead.source, lead.external_id)] = lead
    return known


def _create(batch: list[NewLead], teams: dict[str, SalesTeam | None], team: str) -> list[Lead]:
    if not batch:
        return []
    now = timezone.now()
    customers = matching.customers_for([new.keys for new in batch])
    leads = [
        Lead(
            **{name: getattr(new, name) for name in _COPIED},
            customer_id=customer_id,
            created_at=now,
            updated_at=now,
        )
        for new, customer_id in zip(batch, customers, strict=True)
    ]
    for code in {new.team or team for new in batch}:
        mine = [lead for lead, new in zip(leads, batch, strict=True) if (new.team or team) == code]
        assignment.assign(mine, teams[code])
    made = Lead.objects.bulk_create(leads, batch_size=500)
    hub.publish_many([_captured(lead) for lead in made])
    return made


def _captured(lead: Lead) -> hub.Announcement:
    """``lead.captured`` for a lead kept now (scoring, analytics and webhooks follow it)."""
    payload = {
        "lead_id": lead.pk,
        "source": lead.source,
        "external_id": lead.external_id,
        "campaign": lead.campaign,
        "owner_id": lead.owner_id,
        "team": lead.team.code if lead.team else None,
        "territory": lead.territory.code if lead.territory else None,
    }
    key = f"lead-{lead.pk}#lead.captured"
    return hub.Announcement("lead.captured", payload, key, "sales", lead.customer_id)


_COPIED = (
    "source",
    "external_id",
    "person_name",
    "company_name",
    "email",
    "phone",
    "national_id",
    "region",
    "campaign",
    "notes",
)
