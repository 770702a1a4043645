"""The preference center's writes: consents per channel and purpose (through the customers
context, each a consent record with its proof), topics refused, frequency and language.

Batch-first: the page sends a batch of one; an import of preferences would send thousands.
Every row is checked before anything is written (``rows[2].frequency``); an unchanged choice
writes nothing, so submitting the same form twice leaves one record per real change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.db import new_row
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import selectors as customer_reads
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import ConsentIn
from lealtad.marketing.models import Preference, PreferenceChange
from lealtad.marketing.models.preferences import Frequency

CONSENT_CHANNELS = ("email", "sms", "whatsapp", "phone", "mail")
PURPOSES = ("marketing", "service", "surveys")
LANGUAGES = ("es", "en")
# The topics a customer may refuse; a campaign names one of them (Campaign.topic).
TOPICS = {
    "offers": _("Offers and discounts"),
    "new_products": _("New products"),
    "events": _("Events and invitations"),
    "loyalty": _("Loyalty program news"),
    "tips": _("Tips on using what you bought"),
}
MAX_LIMIT = 50
METHOD = "preference center, signed link"
# What a campaign channel asks consent for (offer slots on screens need none of their own).
CONSENT_CHANNEL_OF = {
    "email": "email",
    "sms": "sms",
    "whatsapp": "whatsapp",
    "call_list": "phone",
    "direct_mail": "mail",
}


class PreferencesRefused(DomainError):
    code = "preferences_refused"
    kind = "invalid"


@dataclass(frozen=True)
class PreferenceUpdate:
    """What one customer asked: only the parts given change (``None`` keeps the current)."""

    customer_id: int
    consents: dict[tuple[str, str], bool] = field(default_factory=dict)
    refused_topics: frozenset[str] | None = None
    frequency: str | None = None
    frequency_limit: int | None = None
    language: str | None = None
    reference: str = ""  # the proof: which signed link, which request
    method: str = METHOD


def _check(row: PreferenceUpdate, where: str) -> None:
    for channel, purpose in row.consents:
        if channel not in CONSENT_CHANNELS or purpose not in PURPOSES:
            raise PreferencesRefused(
                _("There is no consent for %(c)s and %(p)s."),
                field=f"{where}consents",
                c=channel,
                p=purpose,
            )
    unknown = sorted((row.refused_topics or frozenset()) - set(TOPICS))
    if unknown:
        raise PreferencesRefused(
            _("There is no topic %(t)s."), field=f"{where}refused_topics", t=unknown[0]
        )
    if row.frequency is not None:
        _check_frequency(row, where)
    if row.language is not None and row.language not in LANGUAGES:
        raise PreferencesRefused(_("Choose Spanish or English."), field=f"{where}language")


def _check_frequency(row: PreferenceUpdate, where: str) -> None:
    if row.frequency not in Frequency.values:
        raise PreferencesRefused(
            _("There is no frequency %(f)s."), field=f"{where}frequency", f=row.frequency
        )
    limited = row.frequency in (Frequency.WEEKLY, Frequency.MONTHLY)
    if limited and not (row.frequency_limit and 1 <= row.frequency_limit <= MAX_LIMIT):
        raise PreferencesRefused(
            _("Say how many messages at most, from 1 to %(n)s."),
            field=f"{where}frequency_limit",
            n=MAX_LIMIT,
        )


def save_preferences(rows: Sequence[PreferenceUpdate], at: datetime | None = None) -> int:
    """Apply every row or none; answers how many changes were recorded."""
    for index, row in enumerate(rows):
        _check(row, f"rows[{index}]." if len(rows) > 1 else "")
    when = at or timezone.now()
    changes = 0
    with transaction.atomic():
        current = {
            p.customer_id: p
            for p in Preference.objects.select_for_update().filter(
                customer_id__in={r.customer_id for r in rows}
            )
        }
        batch = WriteBatch()
        for row in rows:
            changes += _consents(row, when)
            changes += _own(row, current, batch, when)
        batch.flush()
    return changes


def _own(
    row: PreferenceUpdate, current: dict[int, Preference], batch: WriteBatch, when: datetime
) -> int:
    """Topics, frequency and language: marketing's own table and its history."""
    found = current.get(row.customer_id)
    before = _state(found)
    after = dict(before)
    if row.refused_topics is not None:
        after["refused_topics"] = sorted(row.refused_topics)
    if row.frequency is not None:
        after["frequency"] = row.frequency
        limited = row.frequency in (Frequency.WEEKLY, Frequency.MONTHLY)
        after["frequency_limit"] = row.frequency_limit if limited else None
    if row.language is not None:
        after["language"] = row.language
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return 0
    if found is None:
        found = Preference(customer_id=row.customer_id, updated_at=when)
        current[row.customer_id] = found
    for name in changed:
        setattr(found, name, after[name])
        batch.add(
            new_row(
                PreferenceChange,
                customer_id=row.customer_id,
                field=name,
                before=before[name],
                after=after[name],
                at=when,
                method=row.method,
                proof_reference=row.reference,
            )
        )
    found.updated_at = when
    found.save()
    return len(changed)


def _state(found: Preference | None) -> dict[str, Any]:
    if found is None:
        return {
            "refused_topics": [],
            "frequency": Frequency.ANY.value,
            "frequency_limit": None,
            "language": "",
        }
    return {
        "refused_topics": sorted(found.refused_topics or []),
        "frequency": found.frequency,
        "frequency_limit": found.frequency_limit,
        "language": found.language,
    }


def _consents(row: PreferenceUpdate, when: datetime) -> int:
    changes = 0
    for (channel, purpose), granted in sorted(row.consents.items()):
        if record_choice(
            row.customer_id, channel, purpose, granted, row.method, row.reference, when
        ):
            changes += 1
    return changes


def record_choice(
    customer_id: int,
    channel: str,
    purpose: str,
    granted: bool,
    method: str,
    reference: str,
    at: datetime | None = None,
) -> bool:
    """One consent given or withdrawn by the customer through a marketing link, through the
    customers context (current choice, history row with its proof, audit, ``consent.changed``).

    The proof is the signed link itself (a channel event whose id is ``reference``): only the
    person the message reached holds it. Answers whether the choice changed."""
    customer = customer_reads.get_customer(customer_id)
    if customer is None or customer.merged_into_id or customer.erased_at:
        return False
    statement = ConsentIn(
        channel=channel,  # type: ignore[arg-type]
        purpose=purpose,  # type: ignore[arg-type]
        granted=granted,
        method=method[:120],
        proof="channel_event",
        proof_reference=reference[:200],
    )
    ctx = customer_services.ChangeContext(
        actor=Actor.system(f"customer ({method})"[:150]),
        event_id=reference[:120],
        channel="email" if channel == "email" else "web",
    )
    return customer_services.record_consent(customer, statement, ctx, at) is not None
