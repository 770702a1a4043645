"""The next-best-offer on every surface that shows a customer: the "offers" panel of the till,
the handheld and the agent's screen pop (:mod:`lealtad.core.panels`), and the "offers" section
of the customer 360 (:mod:`lealtad.core.sections`). Registered from ``marketing/events.py``.

A panel is a showing (recorded, with a key per customer, channel and minute so a re-render of
the same screen counts once); the 360 is a back-office read and records nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import panels, sections
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import offer_program
from lealtad.marketing.selectors import offers as reads
from lealtad.marketing.services import offers

# The panels registry names channels as customers does; offers call the agent's desk so too.
PANEL_CHANNELS = {"pos", "handheld", "call_center", "web", "kiosk"}
PANEL_TEMPLATE = "marketing/_offers_panel.html"
BUTTONS = (("accepted", _("Accept")), ("declined", _("Decline")), ("ignored", _("Not now")))


def offers_panel(
    customer_id: int, channel: str, capabilities: frozenset[Any]
) -> dict[str, Any] | None:
    """Up to three offers to make now, with accept/decline buttons; None when the reader
    may not see the customer or the channel makes no offers."""
    if Capability.VIEW not in capabilities or channel not in PANEL_CHANNELS:
        return None
    if not _any_offer():
        return None  # nothing to offer: no query on the till's or the agent's path
    now = timezone.now()
    key = f"panel-{now:%Y%m%d%H%M}"
    try:
        made = offers.present(customer_id, channel, 3, key, by="panel", now=now)
    except offers.OfferNotFound:
        return None
    return {
        "template": PANEL_TEMPLATE,
        "customer_id": customer_id,
        "channel": channel,
        "key": key,
        "offers": made["offers"],
        "held_out": made["held_out"],
        "language": made["language"],  # the offers speak the customer's language
        "buttons": BUTTONS,
    }


def offers_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """The offers the desk would make now and the latest answers, for the 360 (read only)."""
    if Capability.VIEW not in capabilities:
        return []
    decision = reads.decide(customer_id, "call_center", 3) if _any_offer() else None
    if decision is None:
        return _history(customer_id, english=False)
    english = decision.language == "en"
    rows = [
        {
            "kind": "next",
            "code": r.code,
            "name": decision.offers[r.code].name_en if english else decision.offers[r.code].name_es,
            "pitch": decision.offers[r.code].pitch_en
            if english
            else decision.offers[r.code].pitch_es,
            "reasons": list(r.reasons),
        }
        for r in decision.verdict.offers
    ]
    return rows + _history(customer_id, english)


def _any_offer() -> bool:
    kept = offer_program.program()
    return bool(kept.offers or kept.campaigns)


def _history(customer_id: int, english: bool) -> list[dict[str, Any]]:
    return [
        {
            "kind": "history",
            "code": event["code"],
            "name": event["name_en"] if english else event["name_es"],
            "channel": event["channel"],
            "outcome": event["outcome"],
            "at": event["at"].isoformat(),
        }
        for event in reads.customer_offer_history(customer_id, limit=10)
    ]


panels.provide("offers")(offers_panel)
sections.provide("offers")(offers_section)
