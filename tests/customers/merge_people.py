"""Two records of one person, built the way the channels build them, and the identity review
that a third event naming both opens: what the merge pages and their tests start from.

María José Quishpe came in through the web (single, a fuller name) and called the contact
center as "Ma. José Quishpe" (married, middle income); the contact center outranks the web,
so the rules keep "married" from the call and the fuller web name.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User

from lealtad.channels.services import ingest
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.customers.models import IdentityReview

PASSWORD = "correct-horse-battery-staple-9"
ACTOR = Actor.system("test")
WEB_EMAIL = "mj.quishpe@example.com"
CALL_PHONE = "0991234567"


def person(role: str, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or f"{role}-merge", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _event(event_id: str, type_: str, channel: str, when: str, who: dict, payload: dict) -> dict:
    return {
        "id": event_id,
        "type": type_,
        "channel": channel,
        "occurred_at": when,
        "customer": who,
        "payload": payload,
    }


def pair(prefix: str = "mj", phone: str = CALL_PHONE) -> IdentityReview:
    """The two records (A from the web, B from the call center) and their open review."""
    events = [
        _event(
            f"{prefix}-web",
            "customer.upserted",
            "web",
            "2026-10-01T10:00:00-05:00",
            {"email": f"{prefix}.{WEB_EMAIL}", "name": "María José Quishpe Guamán"},
            {
                "marital_status": "single",
                "addresses": [{"line1": "Av. Amazonas N34-120", "city": "Quito"}],
                "consents": [{"channel": "email", "purpose": "marketing", "granted": True}],
            },
        ),
        _event(
            f"{prefix}-call",
            "customer.upserted",
            "call_center",
            "2026-10-02T10:00:00-05:00",
            {"phone": phone, "name": "Ma. José Quishpe"},
            {
                "marital_status": "married",
                "income_band": "middle",
                "consents": [{"channel": "email", "purpose": "marketing", "granted": False}],
            },
        ),
        _event(
            f"{prefix}-both",
            "interaction.recorded",
            "call_center",
            "2026-10-03T10:00:00-05:00",
            {"email": f"{prefix}.{WEB_EMAIL}", "phone": phone},
            {"direction": "inbound", "subject": "Which record am I?"},
        ),
    ]
    results = ingest(events, ACTOR)
    assert all(r.status in ("created", "matched", "updated") for r in results), results
    default_dispatcher().run_once()
    return IdentityReview.objects.select_related("customer_a", "customer_b").get(
        event_id=f"{prefix}-both"
    )
