"""The offer program as each process keeps it for a moment: the active offers, the knobs,
the running campaigns with an offer, and the all-time tallies per offer and channel.

An offers request needs all of it and it changes slowly, so a process reads it once per
:data:`TTL` seconds (core.kept) instead of building five ORM queries on every request
(building them cost more than the database took to answer). A save in this process (an
offer, the knobs, an answer) drops the copy at once; other processes see it within
:data:`TTL`. What must never be stale is read per request elsewhere: the customer's own
showings (per-customer caps, fatigue) and today's showings per offer (daily budgets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lealtad.analytics.services import rules as analytics_rules
from lealtad.core.kept import Kept
from lealtad.marketing.models import Campaign, Offer, OfferSettings, OfferStat

TTL = 2.0


@dataclass(frozen=True)
class Program:
    offers: list[Offer]
    settings: OfferSettings
    campaigns: list[Campaign]  # running, with an active offer
    stats: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)
    accepted: dict[int, int] = field(default_factory=dict)  # every channel
    usage: Any = None  # analytics' up-sell knobs (ratio, months in a row)


def program() -> Program:
    return _program.get()


def forget(**_kw: Any) -> None:
    _program.forget()


TALLIES = ("shown", "accepted", "declined", "ignored")


def _read() -> Program:
    stats: dict[tuple[int, str], dict[str, int]] = {}
    accepted: dict[int, int] = {}
    for row in OfferStat.objects.values("offer_id", "channel", *TALLIES):
        stats[(row["offer_id"], row["channel"])] = {k: int(row[k]) for k in TALLIES}
        accepted[row["offer_id"]] = accepted.get(row["offer_id"], 0) + int(row["accepted"])
    running = Campaign.objects.filter(status="running", offer__active=True).select_related("offer")
    return Program(
        offers=list(Offer.objects.filter(active=True).order_by("code")),
        settings=OfferSettings.objects.order_by("pk").first() or OfferSettings(),
        campaigns=list(running),
        stats=stats,
        accepted=accepted,
        usage=analytics_rules.current().usage,
    )


_program = Kept(_read, TTL)
